"""Where a plan's files go: beside the most similar existing code, named like it."""

from __future__ import annotations

import shutil
from pathlib import Path

from backend_planner.planning import plan_workspace
from conftest import EXAMPLES_DIR
from planning.support import SKILLS, all_paths

REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "realworld"


def gorm_without_migrations(tmp_path: Path) -> Path:
    """go-gin-shop whose schema comes from gorm's AutoMigrate instead of migration files."""
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    shutil.rmtree(root / "migrations")
    (root / "internal" / "db").mkdir(parents=True)
    (root / "internal" / "db" / "db.go").write_text(
        "package db\n\nfunc Migrate(db *gorm.DB) error {\n"
        "\treturn db.AutoMigrate(&models.Product{}, &models.User{})\n}\n"
    )
    return root


def test_without_migration_files_the_orm_auto_migration_registers_the_model(
    tmp_path: Path,
) -> None:
    plan = plan_workspace("Add product reviews", gorm_without_migrations(tmp_path), SKILLS)
    assert "internal/db/db.go" in all_paths(plan, "files_to_modify")
    assert not [p for p in all_paths(plan, "files_to_create") if p.endswith(".sql")]
    critical = " ".join(c for t in plan.tasks for c in t.validation_criteria.critical)
    assert "auto-migration in internal/db/db.go" in critical
    assert not plan.violations


def test_a_new_thing_of_an_existing_one_nests_under_it(tmp_path: Path) -> None:
    plan = plan_workspace("Add product reviews", EXAMPLES_DIR / "go-gin-shop", SKILLS)
    endpoints = {f"{e.method} {e.path}" for e in plan.architecture.endpoints}
    assert "POST /api/v1/products/:id/reviews" in endpoints
    # the child's own parameter never repeats the parent's name
    assert "DELETE /api/v1/products/:id/reviews/:review_id" in endpoints
    (model,) = plan.architecture.models
    assert "product_id (FK → products)" in model.fields


def test_a_go_package_of_features_gets_one_more_file() -> None:
    root = REALWORLD / "siahsang__golang-realworld-example-app"
    plan = plan_workspace("Add rate limiting to the login endpoint", root, SKILLS)
    assert all_paths(plan, "files_to_create")[0] == "cmd/rate_limit.go"
    assert "cmd/handlers.go" in all_paths(plan, "files_to_modify")


def test_new_files_are_named_like_their_siblings() -> None:
    root = REALWORLD / "adr1enbe4udou1n__nestjs-realworld-example-app"
    plan = plan_workspace("Build subscription API with Stripe", root, SKILLS)
    created = all_paths(plan, "files_to_create")
    assert "src/subscriptions/subscriptions.controller.ts" in created
    assert "src/subscriptions/stripe-webhook.controller.ts" in created
    assert "src/app.module.ts" in all_paths(plan, "files_to_modify")  # the new module registered
