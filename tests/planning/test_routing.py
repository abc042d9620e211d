"""Route style from the service's own route files (prefix, parameter syntax, update verb)."""

from __future__ import annotations

from pathlib import Path

from backend_planner.workspace import Service, analyze
from backend_planner.workspace.profile import Layout
from backend_planner.workspace.routing import detect_routing
from conftest import CORPUS_DIR, EXAMPLES_DIR


def routing_of(root: Path):  # type: ignore[no-untyped-def]
    profile = analyze(root)
    return detect_routing(root, profile.backends()[0])


def test_gin_group_prefix_and_colon_params() -> None:
    routing = routing_of(EXAMPLES_DIR / "go-gin-shop")
    assert routing.prefix == "/api/v1"
    assert routing.param("id") == ":id"
    assert routing.update_method == "PUT"
    assert routing.registration_file == "internal/routes/routes.go"


def test_fastapi_router_prefix_and_brace_params() -> None:
    routing = routing_of(EXAMPLES_DIR / "fastapi-inventory")
    assert routing.prefix == "/api/v1"
    assert routing.param("item_id") == "{item_id}"
    assert routing.registration_file == "app/api/v1/router.py"


def test_express_app_use_prefix() -> None:
    routing = routing_of(EXAMPLES_DIR / "express-prisma-api")
    assert routing.prefix == "/api"
    assert routing.param("id") == ":id"
    assert routing.update_method == "PATCH"
    assert routing.registration_file == "src/routes/index.ts"


def test_empty_files_give_the_framework_defaults() -> None:
    routing = routing_of(CORPUS_DIR / "healthchecks__healthchecks")
    assert routing.prefix == ""
    assert routing.param("pk") == "<int:pk>"


def _service(framework: str, language: str, routes: list[str]) -> Service:
    return Service(
        path=".", language=language, frameworks=[framework], layout=Layout(routes=routes)
    )


def test_spring_request_mapping(tmp_path: Path) -> None:
    src = tmp_path / "src/main/java/app/web"
    src.mkdir(parents=True)
    (src / "UserController.java").write_text(
        '@RestController\n@RequestMapping("/api/v2/users")\nclass UserController {\n'
        '  @PutMapping("/{id}") void update() {}\n}\n'
    )
    routing = detect_routing(tmp_path, _service("spring-boot", "java", ["src/main/java/app/web"]))
    assert routing.prefix == "/api/v2"
    assert routing.param("id") == "{id}"
    assert routing.update_method == "PUT"


def test_rails_namespaces(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/routes.rb").write_text(
        "Rails.application.routes.draw do\n  namespace :api do\n    namespace :v1 do\n"
        "      resources :posts\n    end\n  end\nend\n"
    )
    routing = detect_routing(tmp_path, _service("rails", "ruby", ["config/routes.rb"]))
    assert routing.prefix == "/api/v1"
    assert routing.param("id") == ":id"


def test_flask_blueprint(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/api.py").write_text(
        "bp = Blueprint('api', __name__, url_prefix='/api')\n@bp.route('/posts/<int:id>')\n"
    )
    routing = detect_routing(tmp_path, _service("flask", "python", ["app/api.py"]))
    assert routing.prefix == "/api"
    assert routing.param("id") == "<int:id>"


def test_nest_features_are_registered_in_the_root_module() -> None:
    """A new Nest module must be imported into AppModule: the plan modifies app.module.ts."""
    from backend_planner.planning import SkillIds, plan_workspace

    root = CORPUS_DIR / "NarHakobyan__awesome-nest-boilerplate"
    (service,) = analyze(root).backends()
    assert detect_routing(root, service).registration_file == "src/app.module.ts"
    skills = SkillIds("o/r/dev", "o/r/critique", "o/r/testing")
    plan = plan_workspace("Build subscription API with Stripe", root, skills)
    assert "src/app.module.ts" in plan.tasks[0].inputs["files_to_modify"]
