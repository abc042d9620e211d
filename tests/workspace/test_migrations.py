"""Next migration file names, in each tool's own scheme, without a clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from backend_planner.workspace import Migrations, next_migration_files


def nxt(
    tool: str, directory: str, existing: list[str], slug: str = "create subscriptions", **kw: object
) -> list[str]:
    migrations = Migrations(tool=tool, dir=directory, dirs=[directory])
    return next_migration_files(migrations, slug, existing=tuple(existing), **kw)  # type: ignore[arg-type]


def test_golang_migrate_continues_the_sequence_with_up_and_down() -> None:
    existing = [f"db/{n:06d}_x.{d}.sql" for n in range(1, 7) for d in ("up", "down")]
    assert nxt("golang-migrate", "db", existing) == [
        "db/000007_create_subscriptions.up.sql",
        "db/000007_create_subscriptions.down.sql",
    ]


def test_golang_migrate_first_migration() -> None:
    assert nxt("golang-migrate", "migrations", [], "init") == [
        "migrations/000001_init.up.sql",
        "migrations/000001_init.down.sql",
    ]


def test_goose_keeps_the_digit_width() -> None:
    assert nxt("goose", "m", ["m/00001_a.sql", "m/00012_b.sql"]) == [
        "m/00013_create_subscriptions.sql"
    ]


def test_goose_timestamped() -> None:
    assert nxt("goose", "m", ["m/20240101120000_a.sql"]) == [
        "m/20240101120001_create_subscriptions.sql"
    ]


def test_rails_latest_timestamp_plus_one_second() -> None:
    existing = ["db/migrate/20231231235959_a.rb", "db/migrate/20230101000000_b.rb"]
    assert nxt("rails-migrations", "db/migrate", existing) == [
        "db/migrate/20240101000000_create_subscriptions.rb"
    ]


def test_timestamp_without_files_uses_now_or_a_placeholder() -> None:
    assert nxt("rails-migrations", "db/migrate", []) == [
        "db/migrate/YYYYMMDDHHMMSS_create_subscriptions.rb"
    ]
    now = datetime(2025, 3, 4, 5, 6, 7)
    assert nxt("rails-migrations", "db/migrate", [], now=now) == [
        "db/migrate/20250304050607_create_subscriptions.rb"
    ]


def test_prisma_knex_laravel_sqlx_typeorm_postgrator_flyway_django() -> None:
    assert nxt(
        "prisma-migrate",
        "prisma/migrations",
        ["prisma/migrations/20240301120000_init/migration.sql"],
    ) == ["prisma/migrations/20240301120001_create_subscriptions/migration.sql"]
    assert nxt("knex-migrations", "migrations", ["migrations/20240101000000_a.ts"]) == [
        "migrations/20240101000001_create_subscriptions.ts"
    ]
    assert nxt(
        "laravel-migrations",
        "database/migrations",
        ["database/migrations/2024_01_01_000000_create_users_table.php"],
    ) == ["database/migrations/2024_01_01_000001_create_subscriptions.php"]
    assert nxt("sqlx-migrate", "migrations", ["migrations/20240101000000_a.sql"]) == [
        "migrations/20240101000001_create_subscriptions.sql"
    ]
    assert nxt(
        "typeorm-migrations",
        "src/migrations",
        ["src/migrations/1622299665807-create-users-table.ts"],
    ) == ["src/migrations/1622299665808-create-subscriptions.ts"]
    assert nxt("postgrator", "migrations", ["migrations/005.do.roles.sql"]) == [
        "migrations/006.do.create_subscriptions.sql",
        "migrations/006.undo.create_subscriptions.sql",
    ]
    assert nxt(
        "flyway", "db/migration", ["db/migration/V1__init.sql", "db/migration/V2__x.sql"]
    ) == ["db/migration/V3__create_subscriptions.sql"]
    assert nxt("django-migrations", "shop/migrations", ["shop/migrations/0004_x.py"]) == [
        "shop/migrations/0005_create_subscriptions.py"
    ]


def test_alembic_revision_is_deterministic_and_follows_down_revision() -> None:
    migrations = Migrations(tool="alembic", dir="alembic/versions", down_revision="e5b7a0c3f218")
    first = next_migration_files(
        migrations, "add orders", existing=("alembic/versions/e5b7a0c3f218_x.py",)
    )
    assert first == next_migration_files(migrations, "add orders", existing=())
    (name,) = first
    assert name.startswith("alembic/versions/") and name.endswith("_add_orders.py")
    other = migrations.model_copy(update={"down_revision": "000000000000"})
    assert next_migration_files(other, "add orders") != first


def test_alembic_dated_file_template_is_kept() -> None:
    existing = ("v/2026-01-04_initial_dc54b25d8b6c.py",)
    (name,) = nxt("alembic", "v", list(existing), "add tags")
    assert name.startswith("v/2026-01-04_add_tags_") and name.endswith(".py")


@pytest.mark.parametrize("tool", ["gorm-automigrate"])
def test_tools_without_files_have_no_next_name(tool: str) -> None:
    assert next_migration_files(Migrations(tool=tool), "x") == []


def test_a_service_profile_is_enough_to_continue_numbering() -> None:
    from backend_planner.workspace import analyze
    from conftest import REPO_ROOT

    (service,) = analyze(REPO_ROOT / "tests" / "fixtures" / "go-echo-goose").backends()
    assert service.migrations is not None
    assert service.migrations.latest == ["db/migrations/00002_create_orders.sql"]
    assert next_migration_files(service, "add carts") == ["db/migrations/00003_add_carts.sql"]


def test_django_picks_the_app_dir() -> None:
    from backend_planner.workspace import analyze
    from conftest import REPO_ROOT

    (service,) = analyze(REPO_ROOT / "tests" / "fixtures" / "python-django").backends()
    assert next_migration_files(service, "add notes", app_dir="orders/migrations") == [
        "orders/migrations/0003_add_notes.py"
    ]
