"""The Go code map: routes of gin, echo, chi, fiber, gorilla/mux, httprouter and net/http, and
gorm models, on small workspaces of our own and on the RealWorld Go backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.extractors.go_gorm import plural, snake_case
from backend_planner.workspace.codemap.extractors.go_routes import GoRoutes
from backend_planner.workspace.facts import Endpoint, Entity
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"

Row = tuple[str, str, str, str | None]


def _endpoints(name: str) -> list[Endpoint]:
    (service,) = analyze(FIXTURES / name).services
    return list(service.endpoints)


def _rows(endpoints: list[Endpoint]) -> set[Row]:
    """(method, path, registered at, handler defined at)."""
    return {
        (
            e.method,
            e.path,
            f"{e.file}:{e.line}",
            f"{e.handler_file}:{e.handler_line}" if e.handler_file else None,
        )
        for e in endpoints
    }


def test_gin_groups_functions_in_other_packages_and_struct_fields() -> None:
    endpoints = _endpoints("go-gin")
    assert _rows(endpoints) == {
        ("GET", "/api/v1/health", "main.go:18", "main.go:28"),
        ("PATCH", "/api/v1/settings", "main.go:19", "main.go:30"),
        ("ANY", "/api/v1/proxy/{path}", "main.go:20", "main.go:20"),
        # a group passed to a function of another package: the caller's prefix applies
        ("GET", "/api/v1/users", "internal/users/routes.go:7", "internal/users/handler.go:9"),
        ("GET", "/api/v1/users/{id}", "internal/users/routes.go:8", "internal/users/handler.go:11"),
        # a wrapped handler is followed to the method it wraps
        (
            "DELETE",
            "/api/v1/users/admin/{id}",
            "internal/users/routes.go:10",
            "internal/users/handler.go:13",
        ),
        # a router kept in a struct field
        ("GET", "/internal/status", "internal/server/server.go:17", "internal/server/server.go:20"),
        # registered through an interface: relative to its router parameter
        ("POST", "/orders", "internal/orders/module.go:10", "internal/orders/module.go:13"),
        # a path built at run time
        ("GET", "/version/{dynamic}", "main.go:24", "main.go:28"),
    }
    by_path = {(e.method, e.path): e for e in endpoints}
    assert by_path[("GET", "/api/v1/users/{id}")].handler == "h.Show"
    assert by_path[("DELETE", "/api/v1/users/admin/{id}")].handler == "h.Remove"
    assert by_path[("ANY", "/api/v1/proxy/{path}")].handler is None  # a closure
    assert by_path[("GET", "/version/{dynamic}")].dynamic
    assert not by_path[("GET", "/api/v1/health")].dynamic


def test_chi_routes_groups_and_mounts() -> None:
    assert _rows(_endpoints("go-chi")) == {
        ("GET", "/", "main.go:15", "main.go:34"),
        ("GET", "/articles", "main.go:17", "main.go:35"),
        ("POST", "/articles", "main.go:18", "main.go:36"),
        ("GET", "/articles/{articleID}", "main.go:20", "main.go:37"),
        ("PUT", "/articles/{articleID}", "main.go:21", "main.go:38"),
        ("DELETE", "/sessions", "main.go:25", "main.go:39"),
        # routers returned by functions and mounted
        ("GET", "/admin/stats", "admin.go:11", "admin.go:15"),
        ("ANY", "/api/ping", "api/routes.go:12", "api/routes.go:17"),
        ("PATCH", "/api/users/{id}", "api/routes.go:13", "api/routes.go:18"),
    }


def test_gorilla_mux_and_net_http_patterns() -> None:
    assert _rows(_endpoints("go-mux")) == {
        # net/http 1.22 patterns; a pattern without a method serves every method
        ("GET", "/items/{id}", "main.go:21", "main.go:29"),
        ("POST", "/items", "main.go:22", "main.go:30"),
        ("ANY", "/files/{path}", "main.go:23", "main.go:31"),
        ("ANY", "/healthz", "main.go:25", "main.go:32"),
        # the gorilla router is served under /legacy/ of the ServeMux
        ("GET", "/legacy/books", "main.go:13", "handlers/books.go:5"),
        ("PUT", "/legacy/books/{id}", "main.go:14", "handlers/books.go:6"),
        ("PATCH", "/legacy/books/{id}", "main.go:14", "handlers/books.go:6"),
        ("GET", "/legacy/api/v2/authors/{id}", "main.go:16", "handlers/books.go:7"),
        ("POST", "/legacy/api/v2/authors", "main.go:17", "handlers/books.go:8"),
        ("ANY", "/legacy/api/v2/anything", "main.go:18", "handlers/books.go:9"),
    }


def test_echo_handler_before_middleware() -> None:
    endpoints = _endpoints("go-echo")
    assert _rows(endpoints) == {
        ("GET", "/notes", "main.go:19", "main.go:9"),
        ("POST", "/notes", "main.go:20", "main.go:10"),
        ("PUT", "/notes/{id}", "main.go:21", "main.go:10"),
        ("GET", "/search", "main.go:22", "main.go:11"),
        ("POST", "/search", "main.go:22", "main.go:11"),
        ("DELETE", "/v2/notes/{id}", "main.go:28", "main.go:9"),
    }
    assert {e.handler for e in endpoints if e.path == "/notes"} == {"notes.Index", "notes.Create"}


def test_fiber_groups_route_scopes_and_mounts() -> None:
    assert _rows(_endpoints("go-fiber")) == {
        ("GET", "/api/todos", "routes/routes.go:7", "routes/routes.go:20"),
        ("PUT", "/api/todos/{id}", "routes/routes.go:9", "routes/routes.go:21"),
        ("DELETE", "/api/todos/{id}", "routes/routes.go:10", "routes/routes.go:22"),
        ("ANY", "/api/echo", "routes/routes.go:12", "routes/routes.go:12"),
        ("PATCH", "/api/todos/{id}/done", "routes/routes.go:13", "routes/routes.go:21"),
        ("GET", "/admin/stats", "routes/routes.go:15", "routes/routes.go:23"),
    }


def test_packages_found_when_go_mod_names_another_module() -> None:
    # go.mod says example.org/renamed-service, the code imports github.com/acme/bookstore/…:
    # the packages are the directories ending like the import paths
    assert _rows(_endpoints("go-stale-module")) == {
        ("GET", "/api/volumes", "catalog/routes.go:6", "catalog/routes.go:10"),
        ("GET", "/api/volumes/{isbn}", "catalog/routes.go:7", "catalog/routes.go:12"),
        ("POST", "/api/orders", "shop/mount.go:7", "shop/mount.go:10"),
    }


def test_echo_concatenates_paths_and_static_files() -> None:
    endpoints = _endpoints("go-echo-static")
    assert _rows(endpoints) == {
        # echo glues a path without '/' to its group's prefix
        ("GET", "/photos", "main.go:14", "main.go:19"),
        # a handler built by a function of the service points at that function
        ("GET", "/photo/{id}", "main.go:15", "main.go:21"),
        # static directories and files
        ("GET", "/assets/{wildcard}", "main.go:11", None),
        ("GET", "/favicon.ico", "main.go:12", None),
    }
    assert {e.handler for e in endpoints if e.path == "/photo/{id}"} == {"page(…)"}


def test_gin_static_files_and_method_fields() -> None:
    assert _rows(_endpoints("go-gin-static")) == {
        ("GET", "/static/{filepath}", "main.go:17", None),
        ("GET", "/robots.txt", "main.go:18", None),
        ("GET", "/docs/{filepath}", "files.go:11", None),  # httprouter ServeFiles
        # gin joins a path without '/' with one
        ("GET", "/version", "main.go:19", "main.go:27"),
        # method and path read from the fields of a struct literal
        ("GET", "/legacy", "main.go:23", "main.go:31"),
    }


def test_routes_registered_in_loops_over_route_tables() -> None:
    endpoints = _endpoints("go-route-table")
    assert _rows(endpoints) == {
        # a package-level table of a named slice type, one element written without its type
        # and its method computed with strings.ToUpper: each route is placed at its entry, its
        # handler followed through the variables wrapping it
        ("GET", "/books", "routes.go:19", "routes.go:36"),
        ("POST", "/books/{id}", "routes.go:20", "routes.go:38"),
        # a map returned by a function, ranged over in a chi Route scope
        ("GET", "/ops/stats", "admin.go:11", "admin.go:29"),
        ("DELETE", "/ops/cache", "admin.go:12", "admin.go:31"),
    }
    assert {e.handler for e in endpoints} == {"listBooks", "addBook", "stats", "purge"}


def test_modules_registered_in_a_loop_over_a_slice() -> None:
    # `for _, m := range []Registrar{users.New(), orders.New()} { m.Register(api) }`: each
    # module's routes get the group's prefix
    assert _rows(_endpoints("go-module-list")) == {
        ("GET", "/api/users", "users/h.go:11", "users/h.go:14"),
        ("GET", "/api/orders", "orders/h.go:11", "orders/h.go:14"),
    }


def test_prefix_constants_of_packages_without_a_router() -> None:
    # routers kept in the fields of a struct held by another struct, the API prefix a constant
    # of a package that imports no router (read without parsing it)
    assert _rows(_endpoints("go-mux-fields")) == {
        ("POST", "/api/v4/users", "api4/api.go:35", "api4/api.go:43"),
        ("GET", "/api/v4/users/{user_id}", "api4/api.go:36", "api4/api.go:45"),
    }
    facts = GoRoutes().extract("model/version.go", b'package model\n\nconst X = "/x"\n')
    assert facts is not None and facts["vars"] == {"X": [None, ["str", "/x"]]}


def _entities() -> dict[str, Entity]:
    (service,) = analyze(FIXTURES / "go-gin").services
    return {e.name: e for e in service.entities}


def test_gorm_models_tables_and_columns() -> None:
    entities = _entities()
    assert set(entities) == {"User", "Article", "Tag", "Category", "AuditEntry", "article_tags"}
    assert {n: e.table for n, e in entities.items()} == {
        "User": "users",
        "Article": "articles",
        "Tag": "labels",  # TableName()
        "Category": "categories",
        "AuditEntry": "audit_entries",  # migrated, no gorm tag
        "article_tags": "article_tags",  # many2many join table
    }
    user = {f.name: f for f in entities["User"].fields}
    assert list(user) == [
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "email",
        "name",
        "nickname",
    ]
    assert user["id"].primary_key and user["id"].nullable is False
    assert user["email"].unique and user["email"].nullable is False
    assert user["nickname"].nullable is True
    assert (entities["User"].file, entities["User"].line) == ("models/models.go", 9)


def test_gorm_tags_relations_and_embedded_structs() -> None:
    entities = _entities()
    article = {f.name: f for f in entities["Article"].fields}
    # column/type tags; relations, unexported and `-` fields are not columns
    assert list(article) == [
        "id",
        "created_at",
        "updated_at",
        "deleted_at",
        "headline",
        "slug",
        "author_id",
    ]
    assert article["headline"].type == "varchar(200)"
    assert article["author_id"].references == "users.id"
    assert article["slug"].unique
    assert any(i.name == "idx_article_slug" and i.unique for i in entities["Article"].indexes)
    joins = {f.name: f.references for f in entities["article_tags"].fields}
    assert joins == {"article_id": "articles.id", "tag_id": "labels.id"}
    category = [f.name for f in entities["Category"].fields]
    assert category == ["id", "title", "parent_id", "created_at", "updated_at"]


def test_gorm_v1_tags_and_join_tables_on_other_keys() -> None:
    (service,) = analyze(FIXTURES / "go-stale-module").services
    entities = {e.name: e for e in service.entities}
    assert {n: e.table for n, e in entities.items()} == {
        "Shelf": "shelves",
        "Volume": "volumes",
        "shelf_volumes": "shelf_volumes",
    }
    shelf = {f.name: f for f in entities["Shelf"].fields}
    assert list(shelf) == ["code", "label"]  # the many2many field is no column
    assert shelf["code"].primary_key and shelf["code"].nullable is False
    assert shelf["label"].unique and shelf["label"].nullable is False  # unique_index, not null
    volume = {f.name: f for f in entities["Volume"].fields}
    assert volume["isbn"].unique
    assert volume["press"].nullable is False  # a gorm v1 `sql:"…"` tag
    assert any(i.name == "idx_volume_isbn" and i.unique for i in entities["Volume"].indexes)
    # the join table's columns follow each side's primary key
    joins = {f.name: f.references for f in entities["shelf_volumes"].fields}
    assert joins == {"shelf_code": "shelves.code", "volume_id": "volumes.id"}


def test_gorm_naming() -> None:
    assert snake_case("UserID") == "user_id"
    assert snake_case("HTTPRequestLog") == "http_request_log"
    assert [plural(w) for w in ("category", "status", "person", "box", "user", "news")] == [
        "categories",
        "statuses",
        "people",
        "boxes",
        "users",
        "news",
    ]


def test_versioned_packages_init_filled_route_slices() -> None:
    endpoints = _endpoints("go-registrars")
    assert _rows(endpoints) == {
        ("GET", "/ping", "web/router.go:16", "web/api/ping.go:5"),
        # `library/web/api/v2` is package v2, imported next to `library/web/api`
        ("GET", "/v2/books", "web/router.go:18", "web/api/v2/books.go:5"),
        ("GET", "/v2/books/{isbn}", "web/router.go:19", "web/api/v2/books.go:9"),
        # directory hooks, package webhooks
        ("POST", "/hooks", "web/router.go:20", "web/hooks/receive.go:6"),
        # appended to a package slice by an init function, called in a loop over it
        ("GET", "/plugins/reviews", "web/reviews.go:14", "web/api/v2/books.go:13"),
    }


def test_gorm_naming_strategy_and_related_plain_structs() -> None:
    (service,) = analyze(FIXTURES / "go-registrars").services
    entities = {e.name: e for e in service.entities}
    # schema.NamingStrategy{TablePrefix: "lib_", SingularTable: true}; TableName() wins
    assert {n: e.table for n, e in entities.items()} == {
        "Shelf": "lib_shelf",
        "Book": "lib_book",
        "Note": "lib_note",  # no gorm tag: a table because Book has many Notes
        "Author": "writers",
    }
    book = {f.name: f for f in entities["Book"].fields}
    assert list(book) == ["id", "title", "shelf_id"]
    # belongs-to through `ShelfId` (the field name + the primary key's "Id")
    assert book["shelf_id"].references == "lib_shelf.shelf_id"
    note = {f.name: f for f in entities["Note"].fields}
    assert note["book_id"].references == "lib_book.id"


def test_helpers_registering_routes_from_their_string_parameters() -> None:
    endpoints = _endpoints("go-helpers")
    assert _rows(endpoints) == {
        # s.handle("GET", "/notes", h): each call gives its route, placed at the call
        ("GET", "/api/notes", "server/server.go:24", "server/server.go:42"),
        ("POST", "/api/notes/{id}/pin", "server/server.go:25", "server/server.go:44"),
        # registered in both branches of an if: one route
        ("GET", "/assets", "server/server.go:27", None),
        # a prefix built with `+=`
        ("GET", "/docs", "server/server.go:31", None),
        ("GET", "/docs/{file}", "server/server.go:31", None),
    }
    assert not any(e.dynamic for e in endpoints)


def test_broken_go_is_read_as_far_as_it_goes() -> None:
    source = b"""package main
import "github.com/gin-gonic/gin"
func main() {
    r := gin.New()
    r.GET("/ok", ok
    r.POST("/also", ok)
}
func ok(c *gin.Context) {}
"""
    facts = GoRoutes().extract("main.go", source)
    assert facts is not None and facts["funcs"]


@pytest.mark.parametrize("directory", ["siahsang__golang-realworld-example-app"])
def test_realworld(directory: str) -> None:
    s = score(directory)
    assert s.recall == 1.0, s.missed
    assert s.precision == 1.0, s.false_positives
    # the repo's entities are its SQL migrations' tables (the sql_ddl extractor)
    assert s.entity_recall == 1.0, s.entities_missed


def test_router_wrapper_struct_sections_and_traced_handlers() -> None:
    """A struct wrapping an echo group, whose methods register at the caller's path and
    return sub-wrappers: each section keeps its prefix, the handler is the caller's argument,
    a wrapper method nobody calls registers nothing, embedded router methods are promoted."""
    endpoints = _endpoints("go-wrapper-router")
    assert _rows(endpoints) == {
        ("GET", "/", "web/router.go:40", "pages/pages.go:5"),
        ("GET", "/notes/{id}", "web/router.go:42", "pages/pages.go:7"),
        ("POST", "/notes/{id}/edit", "web/router.go:43", "pages/pages.go:9"),
        ("GET", "/admin/stats", "web/router.go:45", "pages/pages.go:11"),
        ("PUT", "/admin/settings", "web/router.go:47", "pages/pages.go:13"),
        ("GET", "/about", "web/router.go:48", "web/router.go:48"),
    }
    handlers = {e.path: e.handler for e in endpoints}
    assert handlers["/notes/{id}"] == "pages.Note"
    assert handlers["/about"] is None  # a function literal the caller passed


def test_gorm_slices_of_unknown_structs_are_relations() -> None:
    (service,) = analyze(FIXTURES / "go-wrapper-router").services
    (notebook,) = service.entities
    assert notebook.table == "notebooks"
    columns = {f.name: f.type for f in notebook.fields}
    assert "pages" not in columns and "authors" not in columns
    assert columns["tags"] == "[]string" and columns["checksum"] == "[]byte"


def test_optional_prefixes_and_dynamic_pattern_prefixes() -> None:
    """`if base != "" { r = r.PathPrefix(base).Subrouter() }` keeps the routes at the root;
    a builder with only methods registers nothing; a ServeMux pattern starting with a value
    read at run time is a dynamic path, not a host."""
    endpoints = _endpoints("go-optional-prefix")
    assert _rows(endpoints) == {
        ("GET", "/feeds", "server/mux.go:16", "server/mux.go:23"),
        ("GET", "/api/items", "server/mux.go:19", "server/mux.go:23"),
        ("GET", "/ping", "server/std.go:7", "server/std.go:12"),
        ("ANY", "/{dynamic}/status", "server/std.go:8", "server/std.go:12"),
    }


def test_handler_factory_methods_of_a_controller() -> None:
    """`wrap(c.ListJars())`: a method making a handler is where the endpoint is handled; a
    `func() bool` option is not a handler; a method wrapping another handler is not followed."""
    endpoints = _endpoints("go-handler-factories")
    assert _rows(endpoints) == {
        ("GET", "/api/jars", "api/routes.go:14", "api/ctrl/ctrl.go:9"),
        ("GET", "/api/health", "api/routes.go:15", "api/ctrl/ctrl.go:13"),
        ("GET", "/api/secret", "api/routes.go:16", None),
    }
