"""What editor extensions build on (the VS Code client's status bar, palette pickers and stack
document): `backendPlanner/analysis` notifications, `backendPlanner.listPlans` and
`backendPlanner.showStack` — through a real pytest-lsp client over stdio."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_support import lsp_fixture, uri

from conftest import EXAMPLES_DIR, REPO_ROOT

pytestmark = pytest.mark.e2e
lsp = lsp_fixture

GO_FILE = "internal/middleware/rate_limit.go"
TODO_LINE = 13


def copy_example(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES_DIR / name, root)
    return root


async def test_analysis_is_announced_per_folder_with_the_detected_stack(
    lsp: Any, tmp_path: Path
) -> None:
    shop, api = copy_example(tmp_path, "go-gin-shop"), copy_example(tmp_path, "fastapi-inventory")
    session = await lsp()
    await session.initialize([shop, api])

    def finished() -> dict[str, dict[str, Any]] | None:
        done = {e["folder"]: e for e in session.analysis if e["state"] != "running"}
        return done if len(done) == 2 else None

    done = await session.until(finished, "two finished analyses")
    running = [e["folder"] for e in session.analysis if e["state"] == "running"]
    assert sorted(running) == sorted([uri(shop), uri(api)])
    assert done[uri(shop)]["state"] == "done"
    assert done[uri(shop)]["summary"] == "go · gin · gorm"
    assert done[uri(api)]["summary"] == "python · fastapi · sqlalchemy"
    # with the size of its code map: the example's 12 routes and its 2 tables
    assert done[uri(shop)]["services"] == [
        {
            "path": ".",
            "kind": "backend",
            "summary": "go · gin · gorm",
            "endpoints": 12,
            "entities": 2,
        }
    ]


async def test_show_stack_opens_a_document_with_the_facts_and_evidence(
    lsp: Any, tmp_path: Path
) -> None:
    shop = copy_example(tmp_path, "go-gin-shop")
    session = await lsp()
    await session.initialize([shop])
    await session.until(lambda: any(e["state"] == "done" for e in session.analysis), "analysis")
    result = await session.execute("backendPlanner.showStack", uri(shop))
    assert result["summary"] == "go · gin · gorm"
    assert result["uri"].startswith("backend-plan:/stack/go-gin-shop-")
    assert result["shown"] is True
    text = await session.content(result["uri"])
    assert text.startswith("# Stack of `go-gin-shop`")
    assert "| frameworks | `gin` | `go.mod` |" in text
    assert "golang-migrate" in text and "000004_" in text  # the next migration's name
    assert "| handlers | `internal/handlers` |" in text
    # An unknown stack document is a readable sentence, not an error.
    missing = await session.content("backend-plan:/stack/nowhere-00000000.md")
    assert "No workspace folder" in missing


async def test_list_plans_for_pickers(lsp: Any, tmp_path: Path) -> None:
    shop = copy_example(tmp_path, "go-gin-shop")
    session = await lsp()
    await session.initialize([shop])
    assert await session.execute("backendPlanner.listPlans") == []
    doc = session.open(shop / GO_FILE, "go")
    actions = await session.actions(doc, TODO_LINE)
    plan_action = next(a for a in actions if a.title == "Plan this backend feature")
    from_todo = await session.run(plan_action)
    typed = await session.execute("backendPlanner.planFeature", "Add order refunds", uri(shop))
    plans = await session.execute("backendPlanner.listPlans", uri(shop))
    assert [p["planId"] for p in plans] == [typed["planId"], from_todo["planId"]]
    typed_plan, todo_plan = plans
    assert typed_plan["request"] == "Add order refunds"
    assert typed_plan["path"] is None and typed_plan["line"] is None
    assert todo_plan["path"] == GO_FILE and todo_plan["line"] == TODO_LINE
    assert todo_plan["request"].startswith("counters live in process memory")
    assert todo_plan["pushed"] is False and todo_plan["taskId"] is None
    # Editors name the tab after the last part of the URI: the request, not the id.
    assert todo_plan["uri"] == (
        f"backend-plan:/{todo_plan['planId']}/counters-live-in-process-memory-and-are-never-"
        "evicted-so.md"
    )
    assert (
        typed_plan["treeUri"] == f"backend-plan:/{typed_plan['planId']}/add-order-refunds.tree.md"
    )
    # The short form (no title) names the same document.
    assert await session.content(f"backend-plan:/{typed_plan['planId']}.md") == (
        await session.content(typed_plan["uri"])
    )
    assert todo_plan["folder"] == uri(shop)


async def test_a_todo_is_planned_for_the_service_holding_its_file(lsp: Any, tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "monorepo", root)
    handler = root / "services" / "billing" / "handlers" / "invoice.go"
    handler.write_text("package handlers\n\n// TODO: Add invoice refunds\n", encoding="utf-8")
    session = await lsp()
    await session.initialize([root])
    doc = session.open(handler, "go")
    plan_action = next(
        a for a in await session.actions(doc, 2) if a.title == "Plan this backend feature"
    )
    planned = await session.run(plan_action)
    payload = json.loads(await session.content(planned["jsonUri"]))
    assert payload["service"] == "services/billing"
    # From the palette, the active file decides too.
    typed = await session.execute(
        "backendPlanner.planFeature", "Add invoice exports", uri(root), uri(handler)
    )
    assert json.loads(await session.content(typed["jsonUri"]))["service"] == "services/billing"
    default = await session.execute("backendPlanner.planFeature", "Add invoice exports", uri(root))
    assert json.loads(await session.content(default["jsonUri"]))["service"] == "backend"
