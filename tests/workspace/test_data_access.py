"""Stack detection beyond the web framework and the ORM (tests/fixtures/detect/<stack>): the
whole data layer with each technology's kind, framework extensions listed next to the main
framework, every test runner and the test helpers beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_planner.errors import RulesError
from backend_planner.workspace import Service, analyze
from backend_planner.workspace.rules import default_rules, load_rules_file
from conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
DETECT = FIXTURES / "detect"


def service(name: str, fixtures: Path = DETECT) -> Service:
    (only,) = analyze(fixtures / name).backends()
    return only


def data_access(s: Service) -> dict[str, str]:
    return {d.name: d.kind for d in s.data_access}


def test_go_driver_query_builder_and_codegen() -> None:
    s = service("go-pgx-squirrel")
    assert data_access(s) == {"pgx": "driver", "squirrel": "query-builder", "sqlc": "codegen"}
    assert s.evidence["data_access.pgx"] == "go.mod"
    assert s.evidence["orm.sqlc"] == "sqlc.yaml"
    assert s.frameworks == ["chi", "grpc", "grpc-gateway"]  # the extensions after the framework
    assert (s.tests.framework, s.tests.layout) == ("ginkgo", "colocated")
    assert s.tests.helpers == ["gomega", "testify"]
    assert s.evidence["tests.helpers.testify"] == "go.mod"


def test_python_drivers_query_builders_and_extensions() -> None:
    s = service("python-fastapi-asyncpg")
    assert data_access(s) == {
        "aiosql": "query-builder",
        "asyncpg": "driver",
        "databases": "driver",
        "psycopg": "driver",
        "pypika": "query-builder",
        "sqlalchemy": "orm",
        "sqlmodel": "orm",
    }
    assert s.orm == ["sqlalchemy"]  # `orm` keeps the ORMs only
    assert s.frameworks == ["fastapi", "celery", "graphql"]
    assert s.tests.framework == "pytest"


def test_django_rest_framework_and_its_runner() -> None:
    s = service("python-django-drf")
    assert s.frameworks == ["django", "drf", "graphql"]
    assert data_access(s) == {"django-orm": "orm", "psycopg": "driver"}
    assert (s.tests.framework, s.tests.dir) == ("unittest", "shop/tests.py")


def test_node_query_builder_socket_io_and_ava() -> None:
    s = service("node-express-kysely-ava")
    assert s.frameworks == ["express", "socket.io"]
    assert s.orm == []
    assert data_access(s) == {"kysely": "query-builder", "node-postgres": "driver"}
    assert (s.tests.framework, s.tests.helpers) == ("ava", ["supertest"])


def test_node_drizzle_and_node_tap() -> None:
    s = service("node-fastify-drizzle-tap")
    assert (s.frameworks, s.orm) == (["fastify"], ["drizzle"])
    assert data_access(s) == {"drizzle": "orm", "postgres-js": "driver"}
    assert s.tests.framework == "node-tap"


def test_spring_webflux_jooq_and_spock() -> None:
    s = service("java-webflux-jooq-spock")
    assert s.frameworks == ["spring-boot", "spring-webflux"]
    assert data_access(s) == {"jooq": "query-builder", "spring-data-r2dbc": "orm"}
    assert s.tests.framework == "spock"  # not junit, which spock runs on


def test_kotlin_mybatis_and_kotest() -> None:
    s = service("kotlin-kotest-mybatis")
    assert s.frameworks == ["spring-boot"]  # Spring MVC: spring-boot's default, not listed
    assert data_access(s) == {"jdbc-template": "driver", "mybatis": "query-builder"}
    assert (s.tests.framework, s.tests.helpers) == ("kotest", ["mockito"])


def test_php_doctrine_orm_and_dbal() -> None:
    s = service("php-symfony-doctrine")
    assert s.orm == ["doctrine"]
    assert data_access(s) == {"doctrine": "orm", "doctrine-dbal": "query-builder"}
    assert s.tests.framework == "phpunit"


def test_rust_inline_tests_are_colocated_cargo_tests() -> None:
    s = service("rust-actix-diesel")
    assert (s.frameworks, data_access(s)) == (["actix", "graphql"], {"diesel": "orm"})
    assert (s.tests.framework, s.tests.layout) == ("cargo-test", "colocated")
    assert s.evidence["tests"] == "src/main.rs"


def test_rust_integration_tests_stay_separate() -> None:
    s = service("rust-axum-sqlx", FIXTURES)
    assert (s.tests.framework, s.tests.layout, s.tests.dir) == ("cargo-test", "separate", "tests")
    assert data_access(s) == {"sqlx": "driver"}


def test_every_data_technology_has_a_kind() -> None:
    rules = default_rules()
    for tech in [*rules.by_category("orm"), *rules.by_category("data")]:
        assert rules.data_kind(tech.name) in ("orm", "query-builder", "driver", "codegen")
    assert rules.data_kind("gin") is None


def test_a_data_entry_without_kind_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "data.toml"
    bad.write_text('[[tech]]\nname = "pgx"\ncategory = "data"\ndeps.go = ["x"]\n')
    with pytest.raises(RulesError, match="'pgx' is invalid"):
        load_rules_file(bad)
    bad.write_text('[[tech]]\nname = "chai"\ncategory = "framework"\nkind = "helper"\n')
    with pytest.raises(RulesError, match="'chai' is invalid"):
        load_rules_file(bad)
