"""One small fixture workspace per stack (tests/fixtures/<stack>): the facts a user checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backend_planner.workspace import Service, StackProfile, analyze
from conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"


def only_backend(profile: StackProfile) -> Service:
    (service,) = profile.backends()
    return service


def test_go_echo_sqlx_goose() -> None:
    profile = analyze(FIXTURES / "go-echo-goose")
    s = only_backend(profile)
    assert [(lang.name, lang.files) for lang in profile.languages] == [("go", 12)]
    assert (s.path, s.language, s.frameworks, s.orm) == (".", "go", ["echo"], ["sqlx"])
    assert s.migrations is not None
    assert (s.migrations.tool, s.migrations.dir) == ("goose", "db/migrations")
    assert s.migrations.next == ["db/migrations/00003_example.sql"]
    assert (s.tests.framework, s.tests.layout, s.tests.pattern) == (
        "go-test",
        "colocated",
        "*_test.go",
    )
    assert s.layout.handlers == ["internal/handler"]
    assert s.layout.routes == ["internal/router"]
    assert s.layout.services == ["internal/service"]
    assert s.layout.models == ["internal/model"]
    assert s.layout.repositories == ["internal/repository"]
    assert s.layout.tests == []
    assert s.naming.file_case == "snake"
    assert s.naming.handlers is not None
    assert s.naming.handlers.template == "internal/handler/{name}_handler.go"
    assert s.naming.repositories is not None
    assert s.naming.repositories.template == "internal/repository/{name}_repository.go"
    assert s.evidence["frameworks.echo"] == "go.mod"
    assert s.evidence["migrations.goose"] == "db/migrations/00002_create_orders.sql"


def test_indirect_go_requirements_are_not_technologies() -> None:
    s = only_backend(analyze(FIXTURES / "go-echo-goose"))
    assert "chi" not in s.frameworks  # golang.org/x/net // indirect is ignored anyway


def test_python_django() -> None:
    s = only_backend(analyze(FIXTURES / "python-django"))
    assert (s.language, s.frameworks, s.orm) == ("python", ["django"], ["django-orm"])
    assert s.migrations is not None
    assert s.migrations.tool == "django-migrations"
    assert s.migrations.dirs == ["catalog/migrations", "orders/migrations"]
    assert s.migrations.next == ["catalog/migrations/0002_example.py"]
    assert (s.tests.framework, s.tests.layout) == ("pytest", "separate")
    assert s.layout.tests == ["catalog/tests", "orders/tests"]
    assert s.layout.handlers == ["catalog/views.py", "orders/views.py"]
    assert s.layout.models == ["catalog/models.py", "orders/models.py"]
    assert s.layout.routes == ["<name>/urls.py"]


def test_node_express_mongoose_javascript() -> None:
    s = only_backend(analyze(FIXTURES / "node-express-mongoose"))
    assert (s.language, s.frameworks, s.orm, s.migrations) == (
        "javascript",
        ["express"],
        ["mongoose"],
        None,
    )
    assert (s.tests.framework, s.tests.layout, s.tests.dir) == ("mocha", "separate", "test")
    assert s.layout.handlers == ["controllers"]
    assert s.layout.routes == ["app.js"]  # small Express apps register routes in app.js
    assert s.layout.models == ["models"]
    assert s.naming.handlers is not None
    assert s.naming.handlers.template == "controllers/{name}Controller.js"


def test_node_nest_typeorm_feature_folders() -> None:
    s = only_backend(analyze(FIXTURES / "node-nest-typeorm"))
    assert (s.language, s.frameworks, s.orm) == ("typescript", ["nestjs"], ["typeorm"])
    assert s.migrations is not None
    assert s.migrations.tool == "typeorm-migrations"
    assert s.migrations.next == ["src/database/migrations/1700000100001-example.ts"]
    assert (s.tests.framework, s.tests.layout, s.tests.pattern) == (
        "jest",
        "colocated",
        "*.spec.ts",
    )
    assert s.layout.handlers == ["src/<name>"]
    assert s.layout.services == ["src/<name>"]
    assert s.naming.services is not None
    assert s.naming.services.template == "src/{name}/{name}.service.ts"
    assert s.naming.models is not None
    assert s.naming.models.template == "src/{name}/{name}.entity.ts"


def test_java_spring_flyway_maven() -> None:
    s = only_backend(analyze(FIXTURES / "java-spring-flyway"))
    base = "src/main/java/com/acme/shop"
    assert (s.language, s.frameworks, s.orm) == ("java", ["spring-boot"], ["jpa"])
    assert s.migrations is not None
    assert (s.migrations.tool, s.migrations.dir) == ("flyway", "src/main/resources/db/migration")
    assert s.migrations.next == ["src/main/resources/db/migration/V3__example.sql"]
    assert (s.tests.framework, s.tests.layout, s.tests.dir) == (
        "junit",
        "separate",
        "src/test/java",
    )
    assert s.layout.handlers == [f"{base}/controller"]
    assert s.layout.repositories == [f"{base}/repository"]
    assert s.naming.handlers is not None
    assert s.naming.handlers.template == f"{base}/controller/{{name}}Controller.java"
    assert s.naming.file_case == "pascal"


def test_kotlin_spring_gradle_liquibase() -> None:
    s = only_backend(analyze(FIXTURES / "kotlin-spring-gradle"))
    assert (s.language, s.frameworks, s.orm) == ("kotlin", ["spring-boot"], ["jpa"])
    assert s.migrations is not None
    assert (s.migrations.tool, s.migrations.dir) == ("liquibase", "src/main/resources/db/changelog")
    assert s.tests.framework == "junit"
    assert s.layout.handlers == ["src/main/kotlin/com/acme/api/web"]


def test_ruby_rails() -> None:
    s = only_backend(analyze(FIXTURES / "ruby-rails"))
    assert (s.language, s.frameworks, s.orm) == ("ruby", ["rails"], ["activerecord"])
    assert s.migrations is not None
    assert s.migrations.tool == "rails-migrations"
    assert s.migrations.next == ["db/migrate/20240102093001_example.rb"]
    assert (s.tests.framework, s.tests.dir) == ("rspec", "spec")
    assert s.layout.routes == ["config/routes.rb"]
    assert s.layout.handlers == ["app/controllers"]
    assert s.naming.handlers is not None
    assert s.naming.handlers.template == "app/controllers/{name}_controller.rb"
    assert s.naming.handlers.plural is True


def test_php_laravel() -> None:
    s = only_backend(analyze(FIXTURES / "php-laravel"))
    assert (s.language, s.frameworks, s.orm) == ("php", ["laravel"], ["eloquent"])
    assert s.migrations is not None
    assert s.migrations.next == ["database/migrations/2024_02_01_101501_example.php"]
    assert (s.tests.framework, s.tests.dir) == ("phpunit", "tests")
    assert s.layout.handlers == ["app/Http/Controllers"]
    assert s.layout.routes == ["routes/api.php", "routes/web.php"]


def test_rust_axum_sqlx() -> None:
    s = only_backend(analyze(FIXTURES / "rust-axum-sqlx"))
    assert (s.language, s.frameworks, s.orm) == ("rust", ["axum"], ["sqlx"])
    assert s.migrations is not None
    assert (s.migrations.tool, s.migrations.dir) == ("sqlx-migrate", "migrations")
    assert s.migrations.next == ["migrations/20240215083001_example.sql"]
    assert (s.tests.framework, s.tests.dir) == ("cargo-test", "tests")
    assert s.layout.routes == ["src/router.rs"]
    assert s.layout.handlers == ["src/handlers"]


def test_monorepo_one_service_per_backend_and_frontend_marked() -> None:
    profile = analyze(FIXTURES / "monorepo")
    kinds = [(s.path, s.kind, s.language, s.frameworks) for s in profile.services]
    assert kinds == [
        ("backend", "backend", "python", ["fastapi"]),
        ("services/billing", "backend", "go", ["chi"]),
        ("web", "frontend", "typescript", ["react"]),
    ]
    backend = profile.services[0]
    assert backend.migrations is not None
    assert backend.migrations.dir == "backend/migrations/versions"
    assert backend.migrations.down_revision == "2b3c4d5e6f70"  # read from the revision files
    assert backend.layout.handlers == ["backend/app/routers"]
    assert backend.layout.tests == ["backend/tests"]
    assert profile.services[2].tests.framework == "vitest"
    assert sorted(lang.name for lang in profile.languages) == ["go", "python", "typescript"]


def test_no_manifest_is_one_plain_service(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text("print('hi')\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.py").write_text("")
    profile = analyze(tmp_path)
    assert [(lang.name, lang.files) for lang in profile.languages] == [("python", 2)]
    s = only_backend(profile)
    assert (s.path, s.language, s.frameworks, s.orm, s.migrations) == (".", "python", [], [], None)


def test_empty_workspace(tmp_path: Path) -> None:
    profile = analyze(tmp_path)
    assert profile.languages == []
    assert profile.services == []


def test_binary_and_broken_manifests_do_not_stop_analysis(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "go-echo-goose", tmp_path / "ws")
    (tmp_path / "ws" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / "ws" / "web").mkdir()
    (tmp_path / "ws" / "web" / "package.json").write_bytes(b"{\0\0 not json")
    (tmp_path / "ws" / "requirements.txt").write_bytes(b"\xff\xfe\0binary")
    s = only_backend(analyze(tmp_path / "ws"))
    assert s.frameworks == ["echo"]


def test_output_is_deterministic_and_sorted() -> None:
    first = analyze(FIXTURES / "monorepo").model_dump(mode="json")
    second = analyze(FIXTURES / "monorepo").model_dump(mode="json")
    assert first == second
    for service in first["services"]:
        assert service["frameworks"] == sorted(service["frameworks"])
        assert list(service["evidence"]) == sorted(service["evidence"])


@pytest.mark.parametrize("stack", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fact_has_evidence_that_exists(stack: str) -> None:
    root = FIXTURES / stack
    for service in analyze(root).backends():
        for fact in (
            *(f"frameworks.{f}" for f in service.frameworks),
            *(f"orm.{o}" for o in service.orm),
        ):
            assert (root / service.evidence[fact]).is_file(), fact
        for layer in ("handlers", "routes", "services", "models", "repositories", "tests"):
            if getattr(service.layout, layer):
                assert (root / service.evidence[f"layout.{layer}"]).is_file(), layer


def test_aggregator_manifest_without_code_is_no_service(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(
        "<project><parent><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-parent</artifactId></parent></project>"
    )
    module = tmp_path / "api"
    (module / "src/main/java/a/web").mkdir(parents=True)
    (module / "pom.xml").write_text(
        "<project><dependencies><dependency><groupId>org.springframework.boot</groupId>"
        "<artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>"
    )
    (module / "src/main/java/a/web/UserController.java").write_text("class UserController {}\n")
    s = only_backend(analyze(tmp_path))
    assert (s.path, s.frameworks, s.layout.handlers) == (
        "api",
        ["spring-boot"],
        ["api/src/main/java/a/web"],
    )


def test_folder_ignored_by_the_enclosing_repo_is_still_analysed(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("scratch/\n")
    shutil.copytree(FIXTURES / "go-echo-goose", tmp_path / "scratch" / "shop")
    s = only_backend(analyze(tmp_path / "scratch" / "shop"))
    assert s.frameworks == ["echo"]


def test_a_service_below_a_tests_folder_is_read_from_its_own_root(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "ruby-rails", tmp_path / "tests" / "fixtures" / "shop")
    (tmp_path / "tests" / "test_tools.py").write_text("")
    s = only_backend(analyze(tmp_path))
    assert s.path == "tests/fixtures/shop"
    assert s.layout.handlers == ["tests/fixtures/shop/app/controllers"]
    assert (s.tests.framework, s.tests.dir) == ("rspec", "tests/fixtures/shop/spec")
    assert s.naming.tests is not None
    assert s.naming.tests.template == "tests/fixtures/shop/spec/{name}_spec.rb"
