"""Checks against the tree: a plan is held to the repository it is for, each finding at its place.

Real plans of real repositories (../shared/realworld and the bundled examples) are copied and
given one defect at a time; the finding must name the defect's place and say what to do. Each
check also stays silent on the correct version of the same thing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from backend_planner.errors import Problem
from backend_planner.planning import Plan, plan_workspace
from backend_planner.planning.checks import check_plan, clean_path, placeholders_in, route_style
from backend_planner.planning.model import Architecture, DataModel, Endpoint, PlannedTask
from backend_planner.planning.planner import pick_service
from backend_planner.planning.spec import (
    ChangeSpec,
    EndpointRef,
    FieldSpec,
    NewEndpoint,
    NewEntity,
    SpecItem,
)
from backend_planner.workspace import Service
from backend_planner.workspace.profile import Endpoint as MapEndpoint
from backend_planner.workspace.scan import scan
from conftest import EXAMPLES_DIR
from planning.support import SKILLS, profile_of
from workspace.codemap.realworld import REALWORLD

GO = REALWORLD / "siahsang__golang-realworld-example-app"
DJANGO = REALWORLD / "Sean-Miningah__realWorld-DjangoRestFramework"
FLASK = REALWORLD / "webofmars__realworld-flask"
SPRING = REALWORLD / "alexey-lapin__realworld-backend-spring"
NEST = REALWORLD / "adr1enbe4udou1n__nestjs-realworld-example-app"
LARAVEL = REALWORLD / "adr1enbe4udou1n__laravel-realworld-example-app"
RAILS = REALWORLD / "hummusonrails__realworld-couchbase-ruby-orm"
RUST = REALWORLD / "snamiki1212__realworld-v1-rust-actix-web-diesel"
COUCHBASE_PY = REALWORLD / "saschavonpapenCB__couchbase-fastapi-realworld"
EXPRESS = EXAMPLES_DIR / "express-prisma-api"
GIN = EXAMPLES_DIR / "go-gin-shop"

BOOKMARKS = "Add bookmarks for articles"
ORDERS = (
    "Build an order management system with orders, order items, payments via Stripe, and "
    "shipping notifications"
)


@dataclass(frozen=True)
class Case:
    root: Path
    plan: Plan
    service: Service
    files: frozenset[str]

    def copy(self) -> Plan:
        return self.plan.model_copy(deep=True)

    def check(self, plan: Plan, **kwargs: Any) -> list[Problem]:
        return check_plan(plan, self.service, self.files, **kwargs)

    def new(self, plan: Plan) -> dict[str, str]:
        """The findings of `plan` that the unchanged plan doesn't have, by place."""
        before = set(self.check(self.plan))
        return {p.place: p.message for p in self.check(plan) if p not in before}


@cache
def files_of(root: Path) -> frozenset[str]:
    return frozenset(scan(root))


@cache
def case(root: Path, request: str = BOOKMARKS) -> Case:
    profile = profile_of(root)
    plan = plan_workspace(request, root, SKILLS, profile=profile)
    return Case(root, plan, pick_service(profile, plan.service), files_of(root))


def task(order: int = 1, **inputs: Any) -> PlannedTask:
    return PlannedTask(
        skill_id=SKILLS.development,
        task_name=f"Step {order}",
        description="Implement the change",
        task_order=order,
        inputs=inputs,
    )


def hand_plan(
    *tasks: PlannedTask,
    endpoints: list[Endpoint] | None = None,
    models: list[DataModel] | None = None,
    spec: ChangeSpec | None = None,
    request: str = BOOKMARKS,
) -> Plan:
    return Plan(
        request=request,
        intent="build",
        pattern="standard",
        pattern_reason="one change",
        service=".",
        change_spec=spec,
        architecture=Architecture(
            summary="A change", endpoints=endpoints or [], models=models or []
        ),
        tasks=list(tasks) or [task()],
    )


def places(problems: list[Problem]) -> dict[str, str]:
    return {p.place: p.message for p in problems}


def existing_file(c: Case) -> str:
    """A file the code map says registers an endpoint (so it exists)."""
    return sorted(e.file for e in c.service.endpoints)[0]


def created_files(plan: Plan) -> list[str]:
    return [
        path
        for t in plan.tasks
        for node in [t, *t.subtasks]
        for path in node.inputs.get("files_to_create", [])
    ]


# ----------------------------------------------------------------------------- 1-2 files


@pytest.mark.parametrize("root", [GO, SPRING, NEST, GIN])
def test_a_file_to_create_that_exists_is_to_be_modified(root: Path) -> None:
    c = case(root)
    plan = c.copy()
    creates = plan.tasks[0].inputs.setdefault("files_to_create", [])
    creates.append(existing_file(c))
    found = c.new(plan)
    place = f"tasks[0].inputs.files_to_create[{len(creates) - 1}]"
    assert "exists already" in found[place]
    assert "files_to_modify" in found[place]


@pytest.mark.parametrize("root", [GO, DJANGO, EXPRESS])
def test_a_file_to_modify_must_exist(root: Path) -> None:
    c = case(root)
    plan = c.copy()
    modify = plan.tasks[0].inputs.setdefault("files_to_modify", [])
    modify += ["internal/nowhere/made_up_handler.go", f"{existing_file(c)}:12"]
    found = c.new(plan)
    missing = f"tasks[0].inputs.files_to_modify[{len(modify) - 2}]"
    assert "does not exist" in found[missing]
    assert f"tasks[0].inputs.files_to_modify[{len(modify) - 1}]" not in found  # `:line` is fine


def test_a_missing_file_suggests_the_file_of_that_name() -> None:
    c = case(GO)
    plan = hand_plan(task(files_to_modify=["handlers.go"]))
    message = places(c.check(plan))["tasks[0].inputs.files_to_modify[0]"]
    assert 'did you mean "cmd/handlers.go"' in message


def test_files_to_investigate_and_test_exist_or_are_created_earlier() -> None:
    c = case(GO)
    existing = existing_file(c)
    plan = hand_plan(
        task(1, files_to_create=["internal/bookmark/bookmark.go"], files_to_modify=[existing]),
        task(
            2,
            files_to_test=["internal/bookmark/bookmark.go", existing],
            files_to_investigate=["internal/auth", f"{existing}:30"],
        ),
        task(3, files_to_test=["internal/bookmark/nothing.go"]),
        task(4, files_to_investigate=["internal/nothing"]),
    )
    found = places(c.check(plan))
    assert not [p for p in found if p.startswith(("tasks[0]", "tasks[1]"))]
    assert "does not exist" in found["tasks[2].inputs.files_to_test[0]"]
    assert "does not exist" in found["tasks[3].inputs.files_to_investigate[0]"]


def test_a_file_used_before_the_task_that_creates_it_is_reported() -> None:
    c = case(GO)
    plan = hand_plan(
        task(1, files_to_modify=["internal/bookmark/bookmark.go"]),
        task(2, files_to_create=["internal/bookmark/bookmark.go"]),
    )
    message = places(c.check(plan))["tasks[0].inputs.files_to_modify[0]"]
    assert "created only later, by tasks[1]" in message


def test_sub_tasks_use_files_of_earlier_sub_tasks_and_the_parent_lists_them_all() -> None:
    c = case(GIN, ORDERS)
    assert c.plan.pattern == "subtasks" and len(c.plan.tasks[0].subtasks) >= 2
    plan = c.copy()
    first, second = plan.tasks[0].subtasks[:2]
    made = "internal/fresh/made_in_first.go"
    first.inputs.setdefault("files_to_create", []).append(made)
    second.inputs.setdefault("files_to_modify", []).append(made)
    plan.tasks[0].inputs.setdefault("files_to_create", []).append(made)  # the parent's summary
    assert c.new(plan) == {}
    # ... but the first sub-task can't modify what the second one creates.
    plan = c.copy()
    first, second = plan.tasks[0].subtasks[:2]
    second.inputs.setdefault("files_to_create", []).append(made)
    first.inputs.setdefault("files_to_modify", []).append(made)
    place = (
        f"tasks[0].subtasks[0].inputs.files_to_modify[{len(first.inputs['files_to_modify']) - 1}]"
    )
    assert "created only later, by tasks[0].subtasks[1]" in c.new(plan)[place]


def test_a_file_created_twice_is_reported_once_at_the_second_creation() -> None:
    c = case(GO)
    plan = hand_plan(
        task(1, files_to_create=["internal/bookmark/bookmark.go"]),
        task(2, files_to_create=["internal/bookmark/bookmark.go"]),
    )
    found = places(c.check(plan))
    assert "already created by tasks[0]" in found["tasks[1].inputs.files_to_create[0]"]
    assert "tasks[0].inputs.files_to_create[0]" not in found


def test_a_directory_is_no_file_to_modify_but_may_be_investigated() -> None:
    c = case(GO)
    plan = hand_plan(task(files_to_modify=["internal/auth"], files_to_investigate=["cmd", "."]))
    found = places(c.check(plan))
    assert "is a directory" in found["tasks[0].inputs.files_to_modify[0]"]
    assert not [p for p in found if "files_to_investigate" in p]


def test_without_a_file_listing_existence_is_not_judged() -> None:
    c = case(GO)
    plan = hand_plan(task(files_to_modify=["made/up.go"], files_to_create=["cmd/handlers.go"]))
    assert check_plan(plan, c.service, frozenset()) == []


def test_absolute_paths_under_the_workspace_root_are_read_as_repo_relative() -> None:
    c = case(GO)
    plan = hand_plan(task(files_to_modify=[f"{c.root}/cmd/handlers.go"]))
    assert c.check(plan, profile_root=str(c.root)) == []
    assert clean_path("./cmd/handlers.go:42") == "cmd/handlers.go"
    assert clean_path("cmd/handlers.go:42-50") == "cmd/handlers.go"
    assert clean_path("cmd/handlers.go:createArticle") == "cmd/handlers.go"


# ----------------------------------------------------------------------------- 3 identifiers

BAD_NAMES = [
    (GO, "internal/single-use_token/Single-useToken.go", ["single-use_token", "Single-useToken"]),
    (FLASK, "realworld/api/single-use_token/tokens.py", ["single-use_token", "single_use_token"]),
    (FLASK, "realworld/api/core/class.py", ["Python keyword"]),
    (DJANGO, "articles/SingleUseToken.py", ["single_use_token"]),
    (
        SPRING,
        "service/src/main/java/com/github/al/realworld/domain/model/single_use_token.java",
        ['"SingleUseToken"'],
    ),
    (
        SPRING,
        "service/src/main/java/com/github/al/realworld/domain/Bookmarks/Bookmark.java",
        ['"Bookmarks" is not a valid package directory'],
    ),
    (NEST, "src/article/Single-useToken.service.ts", ["Single-useToken.service"]),
    (RAILS, "app/models/SingleUse.rb", ['"single_use"']),
    (RUST, "src/app/features/single-use/mod.rs", ["single-use"]),
    (LARAVEL, "app/Models/single_use_token.php", ['"SingleUseToken"']),
    (GO, "internal/my token/token.go", ["no spaces"]),
]


@pytest.mark.parametrize(("root", "path", "says"), BAD_NAMES)
def test_created_files_have_names_valid_in_their_language(
    root: Path, path: str, says: list[str]
) -> None:
    c = case(root)
    plan = c.copy()
    creates = plan.tasks[0].inputs.setdefault("files_to_create", [])
    creates.append(path)
    message = c.new(plan)[f"tasks[0].inputs.files_to_create[{len(creates) - 1}]"]
    for words in says:
        assert words in message


GOOD_NAMES = [
    (GO, "internal/bookmark/bookmark_handler.go"),
    (GO, "internal/bookmark/bookmark_handler_test.go"),
    (GO, "migrations/000008_create_bookmarks.up.sql"),
    (FLASK, "realworld/api/routes/v1/bookmarks/routes.py"),
    (FLASK, "alembic/versions/3f2a9c1d4e5b_add_bookmarks.py"),
    (DJANGO, "bookmarks/migrations/0001_initial.py"),
    (DJANGO, "bookmarks/__init__.py"),
    (SPRING, "service/src/main/java/com/github/al/realworld/domain/model/Bookmark.java"),
    (SPRING, "service/src/main/java/com/github/al/realworld/bookmark/BookmarkService.java"),
    (NEST, "src/bookmark/bookmark.service.ts"),
    (NEST, "src/bookmark/dto/create-bookmark.dto.ts"),
    (NEST, "src/bookmark/bookmarkList.spec.ts"),
    (NEST, "prisma/migrations/20240101000000_add_bookmarks/migration.sql"),
    (RAILS, "app/models/bookmark.rb"),
    (RAILS, "spec/models/bookmark_spec.rb"),
    (RUST, "src/app/features/bookmark/mod.rs"),
    (RUST, "migrations/2024-01-01-000000_create_bookmarks/up.sql"),
    (LARAVEL, "app/Models/Bookmark.php"),
    (LARAVEL, "app/Http/Controllers/Api/BookmarkController.php"),
    (LARAVEL, "database/migrations/2024_01_01_000000_create_bookmarks_table.php"),
    (LARAVEL, "tests/Feature/BookmarkTest.php"),
]


@pytest.mark.parametrize(("root", "path"), GOOD_NAMES)
def test_well_named_new_files_pass(root: Path, path: str) -> None:
    c = case(root)
    plan = hand_plan(task(files_to_create=[path]))
    assert places(c.check(plan)) == {}


def test_migrations_go_to_the_services_migration_directory() -> None:
    c = case(GO)
    plan = c.copy()
    creates = plan.tasks[0].inputs.setdefault("files_to_create", [])
    creates.append("db/000008_create_bookmarks.up.sql")
    message = c.new(plan)[f"tasks[0].inputs.files_to_create[{len(creates) - 1}]"]
    assert "outside the service's migration directory (migrations)" in message
    # Django keeps one migration folder per app: a new app's own folder is as good.
    d = case(DJANGO)
    plan = hand_plan(task(files_to_create=["config/0004_add_bookmarks.py"]))
    assert "migration directory" in places(d.check(plan))["tasks[0].inputs.files_to_create[0]"]


def test_model_and_entity_names_are_class_names_and_tables_are_identifiers() -> None:
    c = case(GO)
    plan = c.copy()
    plan.architecture.models.append(DataModel(name="Single-useToken", fields=["id"]))
    spec = ChangeSpec(
        request=plan.request,
        items=[
            SpecItem(
                kind="new_entity",
                name="bookmark",
                new_entity=NewEntity(
                    name="bookmark entity",
                    table="Bookmark-Table",
                    fields=[FieldSpec(name="article id")],
                ),
            ),
            SpecItem(
                kind="new_entity",
                name="reading list",
                new_entity=NewEntity(name="ReadingList", table="reading_lists"),
            ),
        ],
    )
    plan.change_spec = spec
    found = c.new(plan)
    n = len(plan.architecture.models) - 1
    assert '"SingleUseToken"' in found[f"architecture.models[{n}].name"]
    assert '"BookmarkEntity"' in found["change_spec.items[0].new_entity.name"]
    assert '"bookmark_table"' in found["change_spec.items[0].new_entity.table"]
    assert '"article_id"' in found["change_spec.items[0].new_entity.fields[0].name"]
    assert not [p for p in found if p.startswith("change_spec.items[1].")]


def test_tables_may_be_pascal_case_where_the_repo_writes_them_so() -> None:
    c = case(NEST)  # Prisma models as tables: Article, ArticleFavorite ...
    spec = ChangeSpec(
        request=BOOKMARKS,
        items=[
            SpecItem(
                kind="new_entity",
                name="bookmark",
                new_entity=NewEntity(name="Bookmark", table="Bookmark"),
            )
        ],
    )
    plan = hand_plan(spec=spec)
    plan.tasks[0].description = "Store bookmarks"
    assert places(c.check(plan)) == {}


# ----------------------------------------------------------------------------- 4 placeholders


def test_template_placeholders_are_found_in_every_string_of_the_plan() -> None:
    c = case(GO)
    plan = c.copy()
    first = plan.tasks[0]
    first.validation_criteria.critical.append("Bookmarks of <name> are listed")
    first.description += " for the {entity} model"
    first.inputs["requirements"] = "Store {{table}} rows"
    first.inputs.setdefault("validation_commands", []).append("TODO: run the tests")
    first.inputs.setdefault("files_to_create", []).append("internal/<name>/handler.go")
    plan.architecture.endpoints.append(
        Endpoint(method="POST", path="{item}/bookmark", purpose="bookmark it")
    )
    plan.architecture.flow.append("Then XXX happens")
    found = c.new(plan)
    n = len(first.validation_criteria.critical) - 1
    assert (
        "<name> is a template placeholder" in found[f"tasks[0].validation_criteria.critical[{n}]"]
    )
    assert "unfilled recipe placeholder {entity}" in found["tasks[0].description"]
    assert "{{table}}" in found["tasks[0].inputs.requirements"]
    commands = len(first.inputs["validation_commands"]) - 1
    assert '"TODO"' in found[f"tasks[0].inputs.validation_commands[{commands}]"]
    creates = len(first.inputs["files_to_create"]) - 1
    assert "<name>" in found[f"tasks[0].inputs.files_to_create[{creates}]"]
    endpoint = len(plan.architecture.endpoints) - 1
    assert "{item}" in found[f"architecture.endpoints[{endpoint}].path"]
    assert '"XXX"' in found[f"architecture.flow[{len(plan.architecture.flow) - 1}]"]


def test_path_parameters_in_endpoint_paths_are_no_placeholders() -> None:
    c = case(FLASK)
    plan = hand_plan(
        task(
            requirements="POST /api/articles/{slug}/bookmark and DELETE /api/articles/:slug/x",
            validation_commands=['migrate -database "${DATABASE_URL}" up'],
        ),
        endpoints=[
            Endpoint(method="POST", path="/api/articles/<slug>/bookmark", purpose="bookmark"),
            Endpoint(method="GET", path="/api/bookmarks/<int:bookmark_id>", purpose="get one"),
        ],
    )
    assert places(c.check(plan)) == {}
    laravel = hand_plan(endpoints=[Endpoint(method="GET", path="/api/items/{item}", purpose="x")])
    assert places(case(LARAVEL).check(laravel)) == {}
    assert placeholders_in("see /api/{entity}/x") == ["{entity}"]
    assert placeholders_in("/api/{plural}", path=True) == ["{plural}"]
    assert placeholders_in("returns Promise<void> for <int:id>") == []


def test_placeholders_the_request_itself_holds_are_not_the_plans() -> None:
    c = case(GO)
    request = "TODO: add bookmarks for <name>'s articles"
    plan = hand_plan(task(requirements=f"{request}. Store bookmarks."), request=request)
    plan.tasks[0].inputs["original_prompt"] = request
    assert places(c.check(plan)) == {}


# ----------------------------------------------------------------------------- 5 endpoints


def test_new_endpoints_use_the_repos_prefix() -> None:
    c = case(GO)
    assert route_style(c.service.endpoints).prefix == "/api"
    plan = c.copy()
    plan.architecture.endpoints += [
        Endpoint(method="POST", path="/reading-queue", purpose="queue an article"),
        Endpoint(method="GET", path="/api/user/reading-queue", purpose="list my queue"),
    ]
    found = c.new(plan)
    n = len(plan.architecture.endpoints)
    assert 'outside the API prefix "/api"' in found[f"architecture.endpoints[{n - 2}].path"]
    assert '"/api/reading-queue"' in found[f"architecture.endpoints[{n - 2}].path"]
    assert f"architecture.endpoints[{n - 1}].path" not in found


def test_the_prefix_is_that_of_the_api_not_of_health_checks() -> None:
    c = case(EXPRESS)  # /api/... and /health
    style = route_style(c.service.endpoints)
    assert style.prefix == "/api" and style.roots_outside
    plan = hand_plan(
        endpoints=[
            Endpoint(method="GET", path="/ready", purpose="readiness"),
            Endpoint(method="GET", path="/projects/:id/tasks", purpose="tasks"),
        ]
    )
    found = places(c.check(plan))
    assert "architecture.endpoints[0].path" not in found
    assert "outside the API prefix" in found["architecture.endpoints[1].path"]
    v1 = case(GIN)
    assert route_style(v1.service.endpoints).prefix == "/api/v1"


def test_a_new_endpoint_must_not_collide_with_an_existing_one() -> None:
    c = case(GO)
    plan = c.copy()
    plan.architecture.endpoints.append(
        Endpoint(method="POST", path="/api/articles/:id/favorite", purpose="favorite it")
    )
    message = c.new(plan)[f"architecture.endpoints[{len(plan.architecture.endpoints) - 1}].path"]
    assert "already exists" in message
    assert "POST /api/articles/{slug}/favorite" in message  # parameters compared by position
    assert "cmd/handlers.go" in message


def test_an_endpoint_the_change_spec_modifies_may_be_listed() -> None:
    c = case(GO)
    favorite = next(e for e in c.service.endpoints if e.path.endswith("/favorite"))
    plan = hand_plan(
        endpoints=[Endpoint(method=favorite.method, path=favorite.path, purpose="now idempotent")],
        spec=ChangeSpec(
            request=BOOKMARKS,
            items=[
                SpecItem(
                    kind="existing",
                    name="favorite",
                    endpoints=[EndpointRef(method=favorite.method, path=favorite.path)],
                )
            ],
        ),
    )
    plan.tasks[0].description = "Make favorite idempotent"
    assert places(c.check(plan)) == {}


def test_new_endpoints_in_the_change_spec_are_checked_too() -> None:
    c = case(GO)
    spec = ChangeSpec(
        request=BOOKMARKS,
        items=[
            SpecItem(
                kind="relation",
                name="bookmarks",
                new_endpoints=[
                    NewEndpoint(method="POST", path="/bookmarks", purpose="bookmark"),
                    NewEndpoint(method="GET", path="/api/tags", purpose="again"),
                    NewEndpoint(method="FETCH", path="/api/articles/:slug/bookmark", purpose="x"),
                ],
            )
        ],
    )
    plan = hand_plan(spec=spec)
    plan.tasks[0].description = "Store bookmarks"
    found = places(c.check(plan))
    assert "outside the API prefix" in found["change_spec.items[0].new_endpoints[0].path"]
    assert "already exists" in found["change_spec.items[0].new_endpoints[1].path"]
    assert "not an HTTP method" in found["change_spec.items[0].new_endpoints[2].method"]


def test_parameters_are_written_one_way_and_endpoints_listed_once() -> None:
    c = case(GO)
    plan = hand_plan(
        endpoints=[
            Endpoint(method="POST", path="/api/articles/:slug/bookmark", purpose="add"),
            Endpoint(method="DELETE", path="/api/articles/:slug/bookmark", purpose="remove"),
            Endpoint(method="GET", path="/api/bookmarks/{id}", purpose="one"),
            Endpoint(method="POST", path="/api/articles/:slug/bookmark", purpose="again"),
        ]
    )
    found = places(c.check(plan))
    assert "mixes path-parameter syntaxes" in found["architecture.endpoints[2].path"]
    assert "listed twice" in found["architecture.endpoints[3].path"]
    assert "architecture.endpoints[0].path" not in found


def test_multi_word_segments_follow_the_repos_spelling() -> None:
    service = Service(
        path=".",
        endpoints=[
            MapEndpoint(method="GET", path=p, handler=None, file="routes.ts", line=n)
            for n, p in enumerate(
                ["/api/order-items", "/api/order-items/{id}", "/api/shipping-notices"], start=1
            )
        ],
    )
    plan = hand_plan(
        endpoints=[
            Endpoint(method="GET", path="/api/reading_lists", purpose="snake"),
            Endpoint(method="GET", path="/api/reading-lists", purpose="kebab"),
        ]
    )
    found = places(check_plan(plan, service, frozenset({"routes.ts"})))
    assert '"reading-lists"' in found["architecture.endpoints[0].path"]
    assert "kebab-case" in found["architecture.endpoints[0].path"]
    assert "architecture.endpoints[1].path" not in found


# ----------------------------------------------------------------------------- 6 foreign keys


@pytest.mark.parametrize("root", [GO, DJANGO, SPRING, COUCHBASE_PY, NEST])
def test_foreign_keys_to_existing_tables_pass_and_made_up_ones_fail(root: Path) -> None:
    c = case(root)
    plan = c.copy()
    plan.architecture.models.append(
        DataModel(
            name="ReadingList",
            fields=[
                "id",
                "article_id (FK → articles)",
                "user_id (FK → users)",
                "order_id (FK → orders)",
                "profile_id (FK → user_profiles)",
                "list_id (FK → reading_lists)",
            ],
        )
    )
    found = c.new(plan)
    n = len(plan.architecture.models) - 1
    assert set(found) == {
        f"architecture.models[{n}].fields[3]",
        f"architecture.models[{n}].fields[4]",
    }
    assert 'foreign key to "orders"' in found[f"architecture.models[{n}].fields[3]"]
    assert "add the entity to the plan" in found[f"architecture.models[{n}].fields[3]"]


def test_foreign_keys_of_the_change_spec_are_checked() -> None:
    c = case(GO)
    spec = ChangeSpec(
        request=BOOKMARKS,
        items=[
            SpecItem(
                kind="new_entity",
                name="bookmark",
                new_entity=NewEntity(
                    name="Bookmark",
                    table="bookmarks",
                    fields=[
                        FieldSpec(name="user_id", references="users.id"),
                        FieldSpec(name="article_id", references="articles"),
                        FieldSpec(name="parent_id", references="bookmarks"),
                        FieldSpec(name="order_id", references="orders"),
                    ],
                ),
            ),
            SpecItem(
                kind="new_fields",
                name="featured by",
                new_fields=[FieldSpec(name="featured_by", references="editors")],
            ),
        ],
    )
    plan = hand_plan(spec=spec)
    plan.tasks[0].description = "Store bookmarks; add featured by"
    found = places(c.check(plan))
    assert set(found) == {
        "change_spec.items[0].new_entity.fields[3].references",
        "change_spec.items[1].new_fields[0].references",
    }


# ----------------------------------------------------------------------------- 7 coverage


def spec_for(plan: Plan, *items: SpecItem) -> ChangeSpec:
    return ChangeSpec(request=plan.request, items=list(items))


def test_every_part_of_the_request_is_covered_by_a_task() -> None:
    c = case(GIN, ORDERS)
    plan = c.copy()
    plan.request += " and a consumer worker that ships them"
    plan.change_spec = spec_for(
        plan,
        SpecItem(
            kind="new_entity", name="orders", new_entity=NewEntity(name="Order", table="orders")
        ),
        SpecItem(kind="integration", name="consumer worker", recipe="events_consume"),
    )
    for t in plan.tasks:
        for node in [t, *t.subtasks]:
            if "original_prompt" in node.inputs:
                node.inputs["original_prompt"] = plan.request  # the request alone covers nothing
    found = c.new(plan)
    assert set(found) == {"change_spec.items[1]"}
    assert '"consumer worker" (integration)' in found["change_spec.items[1]"]
    assert "no task covers it" in found["change_spec.items[1]"]
    # A sub-task for the worker covers it.
    plan.tasks[0].subtasks[-1].task_name = "Build the shipping consumer worker"
    assert "change_spec.items[1]" not in c.new(plan)


def test_an_item_is_covered_by_a_task_touching_its_files() -> None:
    c = case(GO)
    listing = next(
        e for e in c.service.endpoints if e.method == "GET" and e.path == "/api/articles"
    )
    item = SpecItem(
        kind="existing",
        name="articles list",
        endpoints=[
            EndpointRef(
                method="GET",
                path=listing.path,
                file=listing.file,
                handler_file=listing.handler_file,
            )
        ],
    )
    request = "Make the articles list faster"
    plan = hand_plan(task(files_to_modify=["internal/nothing_related.go"]), request=request)
    plan.change_spec = spec_for(plan, item)
    assert "change_spec.items[0]" in places(c.check(plan))
    plan.tasks[0].inputs["files_to_modify"] = [listing.handler_file or listing.file]
    assert places(c.check(plan)) == {}


def test_what_was_not_found_is_said_plainly_in_the_first_task() -> None:
    c = case(GO)
    request = "Add filtering to the orders list endpoint"
    plan = hand_plan(task(), request=request)
    plan.change_spec = spec_for(
        plan, SpecItem(kind="not_found", name="orders list endpoint", closest=["GET /api/articles"])
    )
    message = places(c.check(plan))["change_spec.items[0]"]
    assert "not found" in message and "tasks[0]" in message
    plan.tasks[0].description = "The repository has no articles feed. Nothing else."
    assert "does not name it" in places(c.check(plan))["change_spec.items[0]"]
    plan.tasks[0].description = (
        "The repository has no orders list endpoint (closest: GET /api/articles); "
        "nothing is invented."
    )
    assert places(c.check(plan)) == {}


# ----------------------------------------------------------------------------- whole plans


def test_findings_are_sorted_problems_with_places_and_the_check_is_fast() -> None:
    c = case(GIN, ORDERS)
    plan = c.copy()
    plan.tasks[0].inputs.setdefault("files_to_create", []).append("cmd/api/main.go")
    problems = c.check(plan)
    assert problems == sorted(problems)
    assert all(p.place and p.message for p in problems)
    start = time.perf_counter()
    for _ in range(50):
        check_plan(plan, c.service, c.files)
    assert (time.perf_counter() - start) / 50 < 0.05  # well under a keystroke


def test_a_fitting_plan_has_no_findings() -> None:
    c = case(GO)
    existing = existing_file(c)
    plan = hand_plan(
        task(
            1,
            files_to_create=[
                "migrations/000008_create_bookmarks.up.sql",
                "migrations/000008_create_bookmarks.down.sql",
                "internal/bookmark/bookmark.go",
            ],
            files_to_modify=[f"{existing}:28"],
            requirements="Store bookmarks in a join table; POST /api/articles/:slug/bookmark",
        ),
        task(2, files_to_test=["internal/bookmark/bookmark.go", existing]),
        endpoints=[
            Endpoint(method="POST", path="/api/articles/:slug/bookmark", purpose="bookmark"),
            Endpoint(method="DELETE", path="/api/articles/:slug/bookmark", purpose="remove"),
        ],
        models=[
            DataModel(
                name="Bookmark",
                fields=["user_id (FK → users)", "article_id (FK → articles)"],
            )
        ],
    )
    plan.change_spec = spec_for(
        plan,
        SpecItem(
            kind="relation",
            name="bookmarks",
            new_entity=NewEntity(
                name="Bookmark",
                table="bookmarks",
                fields=[FieldSpec(name="user_id", references="users")],
            ),
            new_endpoints=[
                NewEndpoint(method="POST", path="/api/articles/{slug}/bookmark", purpose="add")
            ],
        ),
    )
    assert c.check(plan) == []
    assert created_files(plan)  # (the plan does create files: the checks looked at them)


def test_a_parents_summary_or_a_review_does_not_cover_a_dropped_sub_task() -> None:
    c = case(GIN)
    request = "Add soft delete and CSV export to products"
    soft = SpecItem(kind="capability", name="soft delete", recipe="soft_delete")
    export = SpecItem(kind="capability", name="CSV export", recipe="export_csv")
    parent = task(1)
    parent.task_name = "Implement soft delete and CSV export of products"
    parent.subtasks = [task(1), task(2)]
    parent.subtasks[0].task_name = "Soft delete of products"
    parent.subtasks[1].task_name = "CSV export of products"
    review = task(2, preceding_task={"task_order": 1}, original_prompt=request)
    review.task_name = "QA: Validate soft delete and CSV export of products"
    plan = hand_plan(parent, review, request=request)
    plan.change_spec = spec_for(plan, soft, export)
    assert places(c.check(plan)) == {}
    del plan.tasks[0].subtasks[1]
    found = places(c.check(plan))
    assert set(found) == {"change_spec.items[1]"}
    assert '"CSV export" (capability)' in found["change_spec.items[1]"]
