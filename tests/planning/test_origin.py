"""A request written in a file (a TODO comment) is planned for the service holding that file,
and a fix or refactor starts from it."""

from __future__ import annotations

import shutil
from pathlib import Path

from backend_planner.planning import plan_workspace
from backend_planner.planning.workspace import service_of
from backend_planner.workspace import analyze
from conftest import EXAMPLES_DIR, REPO_ROOT
from planning.support import SKILLS

MONOREPO = REPO_ROOT / "tests" / "fixtures" / "monorepo"


def test_the_service_holding_the_file_gets_the_plan() -> None:
    billing = plan_workspace(
        "Add invoice refunds", MONOREPO, SKILLS, origin="services/billing/handlers/invoice.go"
    )
    assert billing.service == "services/billing"
    assert "chi" in billing.stack
    python = plan_workspace(
        "Add invoice refunds", MONOREPO, SKILLS, origin="backend/app/routers/items.py"
    )
    assert python.service == "backend"
    # A file outside every backend (the frontend) or no file: the default service.
    default = plan_workspace("Add invoice refunds", MONOREPO, SKILLS)
    from_web = plan_workspace("Add invoice refunds", MONOREPO, SKILLS, origin="web/src/App.tsx")
    assert from_web.service == default.service
    # An explicit service wins over the file.
    explicit = plan_workspace(
        "Add invoice refunds",
        MONOREPO,
        SKILLS,
        service_path="backend",
        origin="services/billing/main.go",
    )
    assert explicit.service == "backend"


def test_service_of_picks_the_deepest_backend() -> None:
    profile = analyze(MONOREPO)
    assert service_of(profile, "services/billing/main.go") == "services/billing"
    assert service_of(profile, "services/billing-old/main.go") is None
    assert service_of(profile, "web/src/App.tsx") is None


def test_a_fix_starts_from_the_file_it_was_written_in(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    origin = "internal/handlers/product_handler.go"
    plan = plan_workspace(
        "Fix the slow responses when many clients hit it", root, SKILLS, origin=origin
    )
    assert plan.intent == "fix" and plan.pattern == "investigation"
    first = plan.tasks[0]
    assert origin in str(first.inputs)
    assert f"`{origin}`" in plan.architecture.summary
