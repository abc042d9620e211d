"""The JavaScript / TypeScript code map: Express, NestJS, Fastify, Koa routes; Prisma, TypeORM,
Sequelize, Mongoose, knex entities — on small fixture workspaces and on the RealWorld repos."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_planner.workspace import analyze
from backend_planner.workspace.facts import Endpoint, Entity, Service
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"


def service(name: str) -> Service:
    profile = analyze(FIXTURES / name)
    assert len(profile.services) == 1, profile.services
    return profile.services[0]


def routes(svc: Service) -> set[tuple[str, str, str, str | None]]:
    """(method, path, registration file:line, handler file:line) of every endpoint."""
    return {(e.method, e.path, f"{e.file}:{e.line}", _handler_place(e)) for e in svc.endpoints}


def _handler_place(endpoint: Endpoint) -> str | None:
    if endpoint.handler_file is None:
        return None
    return f"{endpoint.handler_file}:{endpoint.handler_line}"


def entity(svc: Service, name: str) -> Entity:
    found = [e for e in svc.entities if e.name == name]
    assert found, [e.name for e in svc.entities]
    return found[0]


def column(ent: Entity, name: str) -> tuple[str | None, bool | None, bool, bool, str | None]:
    for f in ent.fields:
        if f.name == name:
            return (f.type, f.nullable, f.unique, f.primary_key, f.references)
    raise AssertionError(f"{name} not in {[f.name for f in ent.fields]}")


def test_express_mounts_across_files_and_handlers_in_controllers() -> None:
    svc = service("node-express")
    assert routes(svc) == {
        ("GET", "/health", "src/app.js:6", "src/app.js:6"),
        ("GET", "/api/users", "src/routes/users.js:4", "src/controllers/users.js:1"),
        ("GET", "/api/users/{id}", "src/routes/users.js:5", "src/controllers/users.js:2"),
        ("PUT", "/api/users/{id}", "src/routes/users.js:5", "src/controllers/users.js:3"),
        ("POST", "/api/articles", "src/routes/articles.js:4", "src/controllers/articles.js:1"),
        (
            "DELETE",
            "/api/articles/{slug}",
            "src/routes/articles.js:5",
            "src/controllers/articles.js:2",
        ),
    }
    handlers = {e.path + " " + e.method: e.handler for e in svc.endpoints}
    assert handlers["/api/users/{id} PUT"] == "ctrl.update"  # asyncHandler(ctrl.update)
    assert not any(e.dynamic for e in svc.endpoints)


def test_nest_global_prefix_versioning_and_exclude() -> None:
    svc = service("node-nest")
    ctl = "src/cats/cats.controller.ts"
    assert routes(svc) == {
        ("GET", "/api/v1/cats", f"{ctl}:5", f"{ctl}:6"),
        ("GET", "/api/v2/cats/{id}", f"{ctl}:10", f"{ctl}:12"),
        ("POST", "/api/v1/cats/adopt", f"{ctl}:16", f"{ctl}:17"),
        ("POST", "/api/v1/cats/take", f"{ctl}:16", f"{ctl}:17"),
        ("DELETE", "/api/v1/cats/{id}", f"{ctl}:19", f"{ctl}:20"),
        (
            "GET",
            "/health",
            "src/health/health.controller.ts:5",
            "src/health/health.controller.ts:6",
        ),
    }
    assert {e.handler for e in svc.endpoints if e.path == "/health"} == {"HealthController.check"}


def test_prisma_models() -> None:
    svc = service("node-nest")
    account = entity(svc, "Account")
    assert (account.table, account.file, account.line) == ("accounts", "prisma/schema.prisma", 11)
    assert column(account, "email") == ("String", False, True, False, None)
    assert column(account, "name") == ("String", True, False, False, None)
    assert column(account, "role")[0] == "Role"  # enum-typed: a column
    assert "posts" not in {f.name for f in account.fields}  # relation list: not a column
    post = entity(svc, "Post")
    assert post.table == "Post"
    assert column(post, "author_id") == ("Int", False, False, False, "accounts.id")
    assert "author" not in {f.name for f in post.fields}
    assert {(tuple(i.columns), i.unique) for i in post.indexes} == {
        (("title", "author_id"), True),
        (("title",), False),
    }


def test_typeorm_entities_naming_relations_and_join_tables() -> None:
    svc = service("node-nest")
    owner = entity(svc, "PetOwner")
    assert owner.table == "pet_owner"  # TypeORM's default naming: snake_case of the class
    assert column(owner, "last_name") == ("string", True, False, False, None)
    assert column(owner, "email")[2] is True
    assert column(owner, "id")[3] is True
    assert "cats" not in {f.name for f in owner.fields}  # inverse side: no column
    assert [(i.columns, i.unique) for i in owner.indexes] == [(["lastName", "firstName"], True)]
    cat = entity(svc, "Cat")
    assert (cat.table, cat.line) == ("felines", 5)
    assert column(cat, "ownerId")[4] == "pet_owner"
    join = entity(svc, "felines_sitters_pet_owner")
    assert [(f.name, f.references) for f in join.fields] == [
        ("felinesId", "felines.id"),
        ("petOwnerId", "pet_owner.id"),
    ]


def test_fastify_register_prefixes_and_autoload_directories() -> None:
    svc = service("node-fastify")
    users = "src/routes/users/index.js"
    assert routes(svc) == {
        ("GET", "/api/users", f"{users}:2", f"{users}:6"),
        ("POST", "/api/users", f"{users}:3", f"{users}:7"),
        ("PUT", "/api/users", f"{users}:3", f"{users}:7"),
        (
            "DELETE",
            "/api/users/{id}",
            "src/routes/users/_id/index.js:2",
            "src/routes/users/_id/index.js:2",
        ),
        ("GET", "/api/status", "src/routes/health/index.js:2", "src/routes/health/index.js:2"),
        ("GET", "/v0/items/{itemId}", "src/plugins/legacy.js:2", "src/plugins/legacy.js:2"),
        ("GET", "/inline/ping", "src/app.js:13", "src/app.js:13"),
    }


def test_knex_migrations() -> None:
    svc = service("node-fastify")
    users = entity(svc, "User")
    assert (users.table, users.line) == ("users", 3)
    assert column(users, "email") == ("string", False, True, False, None)
    assert column(users, "id")[3] is True
    sessions = entity(svc, "Session")
    assert column(sessions, "user_id")[4] == "users.id"
    assert "timestamps" not in {f.name for f in users.fields}


def test_koa_router_prefix_nested_routes_and_named_routes() -> None:
    svc = service("node-koa")
    books, handlers = "src/routes/books.ts", "src/handlers.ts"
    assert routes(svc) == {
        ("GET", "/api/version", "src/server.ts:8", "src/server.ts:8"),
        ("GET", "/api/books", f"{books}:6", f"{handlers}:3"),
        ("POST", "/api/books", f"{books}:7", f"{handlers}:4"),
        ("GET", "/api/books/{isbn}", f"{books}:8", f"{handlers}:5"),
        ("DELETE", "/api/books/{isbn}", f"{books}:9", f"{handlers}:6"),
    }


def test_mongoose_and_sequelize_models() -> None:
    svc = service("node-koa")
    author = entity(svc, "Author")
    assert author.table == "authors"  # mongoose: lower-cased plural
    assert column(author, "name") == ("String", False, False, False, None)
    assert column(author, "email")[2] is True
    assert column(author, "books")[4] == "Book"
    shelf = entity(svc, "Shelf")
    assert shelf.table == "Shelves"  # sequelize: the pluralized model name
    assert column(shelf, "label") == ("STRING", False, True, False, None)
    loan = entity(svc, "Loan")
    assert loan.table == "book_loans"
    assert column(loan, "shelfId")[4] == "shelves"
    assert column(loan, "id")[3] is True


def test_odd_code_never_breaks_the_map(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"express": "^4"}}')
    (tmp_path / "app.js").write_text(
        "const express = require('express')\nconst app = express()\n"
        "app.get('/ok', (req, res) => {})\n"
        "app.get(`/v/${version()}`, handler)\n"
        "app.post('/broken', (req, res) => { if ( }\n"
        "app.use(prefixOf(x), require('./missing'))\n"
    )
    svc = analyze(tmp_path).services[0]
    found = {(e.method, e.path, e.dynamic) for e in svc.endpoints}
    assert ("GET", "/ok", False) in found
    assert ("GET", "/v/{dynamic}", True) in found


@pytest.mark.parametrize(
    "repo",
    [
        "adr1enbe4udou1n__nestjs-realworld-example-app",
        "tgiardina__typescript-typeorm-realworld-example-app",
    ],
)
def test_realworld(repo: str) -> None:
    s = score(repo)
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    assert s.entity_recall == 1.0, s.entities_missed


def test_express_routes_mounted_in_loops_and_namespace_imports() -> None:
    """`list.forEach((e) => api.use(e.path, e.route))` and `for (const {…} of list)` mount
    each element of a literal array; `import h = require("../handlers")` resolves handlers
    through a barrel; a router named `…Router` of unknown origin still registers routes; a
    handler made by a factory (`swaggerUi.setup(spec)`) is not its argument."""
    svc = service("node-loops")
    assert routes(svc) == {
        ("GET", "/v2/books", "src/routes/books.ts:6", "src/handlers/books.ts:2"),
        ("DELETE", "/v2/books/{bookId}", "src/routes/books.ts:7", "src/handlers/books.ts:6"),
        ("GET", "/v2/shelves/{shelfId}", "src/routes/shelves.ts:5", "src/routes/shelves.ts:5"),
        ("GET", "/v2/docs", "src/routes/docs.ts:7", None),
        (
            "GET",
            "/rc/loans/{loanId}",
            "src/controllers/LoanController.ts:5",
            "src/controllers/LoanController.ts:6",
        ),
    }
    handlers = {e.path: e.handler for e in svc.endpoints}
    assert handlers["/v2/docs"] == "swaggerUi.setup"
    assert handlers["/v2/books"] == "handlers.books.list"


def test_typeorm_join_column_table_object_migrations_and_mongoose_schema_call() -> None:
    svc = service("node-loops")
    loan = entity(svc, "Loan")
    assert [f.name for f in loan.fields] == ["id", "days", "member_id", "note"]
    assert column(loan, "days") == ("number", False, False, False, None)  # NOT NULL by default
    assert column(loan, "member_id")[1:4] == (True, False, False)
    assert column(loan, "member_id")[4] in ("member", "member.id")
    assert column(loan, "note") == ("text", True, False, False, None)  # only in the migration
    assert [(i.columns, i.name) for i in loan.indexes] == [(["days"], "IDX_loan_days")]
    assert column(entity(svc, "Member"), "card") == ("string", False, True, False, None)
    assert "never_created" not in {e.table for e in svc.entities}  # a rollback's table
    reader = entity(svc, "Reader")
    assert reader.table == "readers"
    assert column(reader, "nickname") == ("String", False, True, False, None)


def test_hapi_route_objects_spreading_imported_handlers() -> None:
    svc = service("node-hapi")
    assert routes(svc) == {
        (
            "GET",
            "/items",
            "src/plugins/shop/index.js:8",
            "src/plugins/shop/handlers/list-items.js:3",
        ),
        (
            "GET",
            "/items/{itemId}",
            "src/plugins/shop/index.js:9",
            "src/plugins/shop/handlers/show-item.js:2",
        ),
    }
    assert {e.handler for e in svc.endpoints} == {"listItems.handler", "showItem.handler"}


def test_express_routers_built_by_chained_calls() -> None:
    """`Router().use(a).use("/x", b)` held by a variable, `export default Router().use(…)`,
    `module.exports = require("express").Router().get(…)` and a router made inline in a mount
    are routers like `const r = Router()`; a loop over a literal object's entries registers
    one route per entry."""
    svc = service("node-express-chains")
    assert routes(svc) == {
        ("GET", "/v1/items", "src/items.ts:8", "src/items.ts:3"),
        ("GET", "/v1/orders", "src/orders.js:3", "src/orders.js:3"),
        ("DELETE", "/v1/orders/{orderId}", "src/orders.js:4", "src/orders.js:4"),
        ("POST", "/hooks/ping", "src/server.ts:10", "src/server.ts:4"),
        # one route per entry of `for (const [name, c] of Object.entries(LITERAL))`
        ("GET", "/admin/books", "src/admin.ts:10", "src/books.js:1"),
        ("GET", "/admin/authors", "src/admin.ts:10", "src/authors.js:1"),
        ("DELETE", "/admin/books/{id}", "src/admin.ts:11", "src/books.js:5"),
        ("DELETE", "/admin/authors/{id}", "src/admin.ts:11", "src/authors.js:5"),
    }


def test_mongoose_array_and_nested_paths_types() -> None:
    post = entity(service("node-express-chains"), "Post")
    assert post.table == "posts"
    assert column(post, "title") == ("String", False, False, False, None)
    assert column(post, "labels")[0] == "String[]"
    assert column(post, "extra")[0] == "Array"
    assert column(post, "meta")[0] == "Object"
    assert column(post, "authors") == ("ObjectId[]", None, False, False, "User")


def test_mikro_orm_columns_are_snake_cased_and_typed_by_their_initializer() -> None:
    """MikroORM (also its legacy `mikro-orm` package): UnderscoreNamingStrategy column names,
    `x = ""`/`0`/`new Date()`/`false` types, `@ManyToOne() owner: Owner` (target from the
    declared type, NOT NULL unless `nullable: true`)."""
    svc = service("node-mikro")
    shelf = entity(svc, "Shelf")
    assert shelf.table == "shelf"
    assert column(shelf, "display_name") == ("string", False, False, False, None)
    assert column(shelf, "position")[0] == "number"
    assert column(shelf, "opened_at")[0] == "Date"
    assert column(shelf, "archived")[0] == "boolean"
    assert column(shelf, "owner_id") == (None, False, False, False, "shelf_owners")
    assert column(shelf, "backup_id") == (None, True, False, False, "shelf")
    assert "books" not in [f.name for f in shelf.fields]
    owner = entity(svc, "Owner")
    assert column(owner, "email_address") == ("string", False, True, False, None)


def test_nest_route_constants_imported_through_tsconfig_aliases_and_barrels() -> None:
    """`@Controller(API.v2)` / `@Get(API.invoices.one)` name an exported object constant (or an
    enum) of another file, imported through a tsconfig `paths` alias or a barrel."""
    svc = service("node-nest-constants")
    ctl = "src/billing/invoices.controller.ts"
    assert routes(svc) == {
        ("GET", "/v2/invoices", f"{ctl}:7", f"{ctl}:8"),
        ("POST", "/v2/invoices/{invoiceId}", f"{ctl}:12", f"{ctl}:13"),
        ("GET", "/v2/reports/monthly", f"{ctl}:17", f"{ctl}:18"),
    }


def test_koa_mount_wrapper_and_parameters_inside_segments() -> None:
    """`app.use(mount("/v1", api))` (koa-mount) prefixes a whole Koa app; `mount(site)` mounts
    one at the root; `/:name.:ext` and `/:lat-:lng` hold two parameters in one segment."""
    svc = service("node-koa-mount")
    assert routes(svc) == {
        ("GET", "/v1/files/{name}.{ext}", "src/api/files.js:9", "src/api/files.js:5"),
        ("POST", "/v1/files.rename", "src/api/files.js:10", "src/api/files.js:10"),
        ("GET", "/maps/{lat}-{lng}", "src/site.js:7", "src/site.js:7"),
    }


def test_nest_router_module_prefixes_the_controllers_of_a_module() -> None:
    """`RouterModule.register(tree)` (imported under another name, the tree a local constant)
    gives every controller of a module's `@Module({controllers})` the module's path, children
    joined to their parent's, after the global prefix; other modules keep their own paths."""
    svc = service("node-nest-router-module")
    admin, reports = "src/admin", "src/reports"
    assert routes(svc) == {
        (
            "GET",
            "/api/backoffice/members/{memberId}",
            f"{admin}/members.controller.ts:5",
            f"{admin}/members.controller.ts:6",
        ),
        (
            "PUT",
            "/api/backoffice/settings",
            f"{admin}/settings.controller.ts:5",
            f"{admin}/settings.controller.ts:6",
        ),
        (
            "GET",
            "/api/backoffice/stats/daily",
            f"{reports}/daily.controller.ts:5",
            f"{reports}/daily.controller.ts:6",
        ),
        ("GET", "/api/ping", "src/health/ping.controller.ts:5", "src/health/ping.controller.ts:6"),
    }
