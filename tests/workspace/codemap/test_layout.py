"""The code map as evidence for the layout: registrations are the routes layer and handler
definitions the handlers layer, whatever their directories are called."""

from __future__ import annotations

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.layout import places
from workspace.codemap.realworld import REALWORLD


def test_places_are_written_as_the_layout_writes_them() -> None:
    assert places(["cmd/handlers.go"]) == ["cmd/handlers.go"]
    assert places(["cmd/articles.go", "cmd/users.go"]) == ["cmd"]
    assert places(["app/users/routers.go", "app/articles/routers.go"]) == ["app/<name>/routers.go"]
    assert places(["src/api/article/A.ts", "src/api/user/U.ts"]) == ["src/api/<name>"]
    assert places(["main.py", "api/routes/x.py", "api/routes/y.py"]) == ["main.py", "api/routes"]


def test_handlers_defined_beside_the_route_table_are_the_handlers_layer() -> None:
    """Routes registered in cmd/handlers.go, served by functions in cmd/articles.go …"""
    (service,) = analyze(REALWORLD / "siahsang__golang-realworld-example-app").backends()
    assert service.layout.routes == ["cmd/handlers.go"]
    assert service.layout.handlers == ["cmd"]
    assert service.evidence["layout.handlers"].startswith("cmd/")


def test_mappings_declared_on_interfaces_are_the_routes_layer() -> None:
    (service,) = analyze(REALWORLD / "alexey-lapin__realworld-backend-spring").backends()
    (routes,) = service.layout.routes
    assert routes.startswith("service-api/src/main/java/") and routes.endswith("/api/operation")
    assert any(h.endswith("/infrastructure/web") for h in service.layout.handlers)


def test_decorated_controllers_are_the_routes_layer() -> None:
    (service,) = analyze(
        REALWORLD / "tgiardina__typescript-typeorm-realworld-example-app"
    ).backends()
    assert service.layout.routes == ["src/controllers/api/<name>"]


def test_a_layout_that_covers_the_map_is_kept() -> None:
    (service,) = analyze(REALWORLD / "Sean-Miningah__realWorld-DjangoRestFramework").backends()
    assert service.layout.routes == ["<name>/urls.py"]
    assert service.layout.handlers == ["<name>/views.py"]
