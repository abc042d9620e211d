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
