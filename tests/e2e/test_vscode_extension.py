"""The VS Code extension end to end, in a real VS Code: code-server with the built .vsix
installed, driven in Debian's headless Chromium as a user would (lightbulb, hover, palette),
the real language server from this checkout's Python, the real task backend (embedded SQLite in
the test's data dir), read back through the MCP client. Screenshots of each step are kept in
test-artifacts/vscode/<test>/."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from vscode_support import CodeServer, Workbench, artifacts_dir, launch_workbench

from backend_planner.tasks.client import BackendTarget, TaskBackendClient
from conftest import EXAMPLES_DIR, REPO_ROOT
from tasks.support import HttpServer

pytestmark = pytest.mark.e2e

VSIX = REPO_ROOT / "client-vscode" / "backend-planner.vsix"
GO_FILE = "internal/handlers/billing.go"
TODO_LINE = 3  # 1-based, as VS Code shows it
REQUEST = "Build subscription API with Stripe"
PY_FILE = "scripts/seed_orders.py"
TS_FILE = "scripts/notify.ts"
PROJECT = "vscode-e2e"


def vsix() -> Path:
    if not VSIX.exists():
        pytest.fail(f"{VSIX.relative_to(REPO_ROOT)} missing: run `make extension` (or `make test`)")
    return VSIX


def shop(tmp_path: Path) -> Path:
    root = tmp_path / "go-gin-shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    (root / GO_FILE).write_text(f"package handlers\n\n// TODO: {REQUEST}\n", encoding="utf-8")
    (root / "scripts").mkdir(exist_ok=True)
    (root / PY_FILE).write_text(
        '"""Seeds the shop with sample orders."""\n\n'
        "# TODO: Add order refunds with a refund reason\n"
        "def seed() -> None:\n    pass\n",
        encoding="utf-8",
    )
    (root / TS_FILE).write_text(
        "export function notify(): void {\n  /* TODO: Send order confirmation emails */\n}\n",
        encoding="utf-8",
    )
    return root


def server_env() -> dict[str, str]:
    """The extension host inherits code-server's environment: this test's data dir, so the
    server's plans and the embedded task backend live there."""
    return {"BACKEND_PLANNER_DATA_DIR": os.environ["BACKEND_PLANNER_DATA_DIR"]}


@contextlib.asynccontextmanager
async def vscode(
    root: Path, settings: dict[str, Any], artifacts: Path
) -> AsyncIterator[tuple[CodeServer, Workbench]]:
    """code-server with the extension installed, and the workbench open on `root`."""
    async with (
        CodeServer(vsix(), root, settings, server_env(), artifacts) as code,
        launch_workbench(artifacts) as wb,
    ):
        await wb.open(code.url(root))
        yield code, wb


async def backend_tasks() -> list[dict[str, Any]]:
    async with TaskBackendClient(BackendTarget.default()) as backend:
        page = await backend.call("list_tasks", {"project_id": PROJECT, "limit": 200})
    return list(page["tasks"])


async def test_todo_to_plan_hover_push_and_palette(tmp_path: Path, request: Any) -> None:
    root = shop(tmp_path)
    artifacts = artifacts_dir(request)
    settings = {
        "backendPlanner.python": sys.executable,
        "backendPlanner.projectId": PROJECT,
        "backendPlanner.statusCacheSeconds": 0,
    }
    async with vscode(root, settings, artifacts) as (_, wb):
        # The status bar shows the detected stack once the server has analysed the folder.
        await wb.wait_for_statusbar("go · gin · gorm")
        await wb.screenshot("01-status-bar-stack")

        # The lightbulb on a Go TODO offers to plan it; the plan opens as markdown.
        await wb.open_file(GO_FILE)
        actions = await wb.lightbulb_actions(TODO_LINE, 8)
        assert "Plan this backend feature" in actions, actions
        await wb.screenshot("02-lightbulb-on-todo")
        await wb.choose_action("Plan this backend feature")
        await wb.wait_for_active_tab("build-subscription-api-with-stripe.md")
        plan_text = await wb.editor_text()
        assert f"Planned from `{GO_FILE}` line {TODO_LINE}" in plan_text
        assert "## Architecture" in plan_text and "## Tasks" in plan_text
        assert "Validator: the plan follows the planner skill's rules." in plan_text
        await wb.screenshot("03-plan-document")

        # Hover on the planned TODO: the task tree.
        await wb.open_file(GO_FILE)
        hover = await wb.hover_text_at(TODO_LINE, 8)
        shown = re.search(r"Backend plan ([0-9a-f]{16})", hover)
        assert shown, hover
        plan_id = shown.group(1)
        assert "backend-planner/skills/" in hover
        await wb.screenshot("04-hover-task-tree")

        # TODOs in other languages get the same action (a docstring-led Python file, a
        # TypeScript block comment).
        for path, line, column in ((PY_FILE, 3, 3), (TS_FILE, 2, 4)):
            await wb.open_file(path)
            assert "Plan this backend feature" in await wb.lightbulb_actions(line, column), path
            await wb.press("Escape")

        # Push from the palette: a picker of the workspace's plans, then the real backend.
        assert await backend_tasks() == []
        await wb.run_command("Backend Planner: Push plan to task backend")
        await wb.quick_pick(REQUEST)
        await wb.wait_for_notification("plan pushed")
        await wb.screenshot("05-pushed")
        tasks = await backend_tasks()
        parents = [t for t in tasks if not t.get("parent_task_id")]
        plan_json = json.loads(
            (Path(os.environ["BACKEND_PLANNER_DATA_DIR"]) / "lsp")
            .glob("plans-*.json")
            .__next__()
            .read_text()
        )
        (record,) = [p for p in plan_json["plans"] if p["id"] == plan_id]
        planned = record["plan"]["tasks"]
        assert sorted(t["task_name"] for t in parents) == sorted(t["task_name"] for t in planned)
        pushed = record["pushed"]["tasks"]
        pushed_ids = {t["task_id"] for t in pushed} | {
            s["task_id"] for t in pushed for s in t["subtasks"]
        }
        assert {t["task_id"] for t in tasks} == pushed_ids

        # The task tree, from the palette, with the backend's statuses.
        await wb.run_command("Backend Planner: Show task tree")
        await wb.quick_pick(REQUEST)
        await wb.wait_for_active_tab("build-subscription-api-with-stripe.tree.md")
        tree = await wb.editor_text()
        assert parents[0]["task_id"] in tree and "pending" in tree
        await wb.screenshot("06-task-tree")

        # Plan a typed request from the palette.
        await wb.run_command("Backend Planner: Plan a backend feature…")
        await wb.input_text("Add order refunds")
        await wb.wait_for_active_tab("add-order-refunds.md")
        typed = await wb.editor_text()
        assert "# Plan: Add order refunds" in typed
        assert "refund" in typed.lower() and "## Tasks" in typed
        await wb.screenshot("07-typed-request-plan")

        # The stack analysis, from the palette.
        await wb.run_command("Backend Planner: Show stack analysis")
        await wb.wait_for_active_tab(re.compile(r"^go-gin-shop-[0-9a-f]{8}\.md$"))
        stack = await wb.editor_text()
        assert "# Stack of `go-gin-shop`" in stack and "golang-migrate" in stack
        await wb.screenshot("08-stack-analysis")

        # The API map (code map), from the palette.
        await wb.run_command("Backend Planner: Show API map")
        await wb.wait_for_active_tab("api.md")
        api = await wb.editor_text()
        assert "# API map of `go-gin-shop`" in api
        assert "`/api/v1/products/{id}`" in api and "| Product | `products` |" in api
        await wb.screenshot("09-api-map")


async def test_missing_install_is_explained_and_fixing_the_setting_restarts(
    tmp_path: Path, request: Any
) -> None:
    root = shop(tmp_path)
    artifacts = artifacts_dir(request)
    # A real interpreter without backend-planner: a fresh venv.
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    bare_python = bare / "bin" / "python"
    settings = {"backendPlanner.python": str(bare_python), "backendPlanner.openPlansAs": "preview"}
    async with vscode(root, settings, artifacts) as (_, wb):
        message = await wb.wait_for_notification("backend-planner is not installed")
        assert str(bare_python) in message
        assert f"{bare_python} -m pip install backend-planner" in message
        assert "backendPlanner.python" in message
        await wb.screenshot("01-not-installed")

        # The user points the setting at an interpreter that has it: the server restarts.
        # The notification's "Open Settings" goes to the setting; the user types a Python that
        # has backend-planner, and the server restarts with it.
        await wb.page.get_by_role("button", name="Open Settings").click()
        field = wb.page.locator('.settings-editor input[aria-label="backendPlanner.python"]')
        await field.wait_for()
        await field.fill(sys.executable)
        await field.press("Tab")
        await wb.wait_for_statusbar("go · gin · gorm")
        await wb.screenshot("02-restarted-with-the-right-python")

        # A click on the status bar item opens the stack analysis; plan documents open in the
        # markdown preview when the user prefers it.
        await wb.page.locator(".part.statusbar .statusbar-item", has_text="go · gin · gorm").click()
        await wb.wait_for_active_tab(re.compile(r"^Preview go-gin-shop-[0-9a-f]{8}\.md$"))
        preview = await wb.editor_text()
        assert "Stack of go-gin-shop" in preview and "golang-migrate" in preview
        await wb.screenshot("03-stack-in-markdown-preview")


async def test_shared_http_backend_with_the_token_from_the_secret_storage(
    tmp_path: Path, request: Any
) -> None:
    root = shop(tmp_path)
    artifacts = artifacts_dir(request)
    server = HttpServer(f"sqlite:///{tmp_path / 'team.db'}", "--token", "s3cret")
    settings = {
        "backendPlanner.python": sys.executable,
        "backendPlanner.backend.url": server.url,
        "backendPlanner.projectId": "team",
    }
    try:
        async with vscode(root, settings, artifacts) as (code, wb):
            await wb.wait_for_statusbar("go · gin · gorm")
            await wb.run_command("Backend Planner: Plan a backend feature…")
            await wb.input_text(REQUEST)
            await wb.wait_for_active_tab("build-subscription-api-with-stripe.md")

            # No token yet: the backend refuses, and the user is told.
            await wb.run_command("Backend Planner: Push plan to task backend")
            refusal = await wb.wait_for_notification("Push plan to task backend")
            assert "token" in refusal.lower() or "401" in refusal, refusal
            await wb.screenshot("01-push-refused-without-token")

            # The token goes into VS Code's secret storage, never into settings.json.
            await wb.run_command("Backend Planner: Set task backend token…")
            await wb.input_text("s3cret")
            await wb.wait_for_notification("token saved in the secret storage")
            settings_json = code.user_data_dir / "User" / "settings.json"
            assert "s3cret" not in settings_json.read_text(encoding="utf-8")

            # The active plan document is the one pushed: no picker.
            await wb.run_command("Backend Planner: Push plan to task backend")
            await wb.wait_for_notification("plan pushed to")
            await wb.screenshot("02-pushed-with-token")
        async with TaskBackendClient(BackendTarget(url=server.url, token="s3cret")) as backend:
            page = await backend.call("list_tasks", {"project_id": "team", "limit": 100})
        names = sorted(t["task_name"] for t in page["tasks"])
        assert len(names) == 4 and "Build subscription API" in names
    finally:
        server.stop()


async def test_save_plan_drift_diagnostic_and_saved_plans_palette(
    tmp_path: Path, request: Any
) -> None:
    root = shop(tmp_path)
    artifacts = artifacts_dir(request)
    slug = "build-subscription-api-with-stripe"
    settings = {"backendPlanner.python": sys.executable}
    async with vscode(root, settings, artifacts) as (_, wb):
        await wb.wait_for_statusbar("go · gin · gorm")
        await wb.open_file(GO_FILE)
        await wb.lightbulb_actions(TODO_LINE, 8)
        await wb.choose_action("Plan this backend feature")
        await wb.wait_for_active_tab(f"{slug}.md")

        # Save it in the workspace: two files, and the TODO linked to them.
        await wb.open_file(GO_FILE)
        assert "Save plan to workspace" in await wb.lightbulb_actions(TODO_LINE, 8)
        await wb.choose_action("Save plan to workspace")
        await wb.wait_for_notification(f"plan saved to .backend-planner/plans/{slug}.md")
        saved = json.loads((root / ".backend-planner" / "plans" / f"{slug}.json").read_text())
        assert saved["todo"]["path"] == GO_FILE
        assert f"// TODO(plan:{slug}): {REQUEST}" in await wb.editor_text()
        await wb.press("Control+s")
        await wb.screenshot("01-saved-and-linked")

        # A file the plan modifies is deleted: a warning on the TODO names it.
        gone = saved["anchors"]["files"][-1]["path"]
        (root / gone).unlink()
        wanted = f"{gone} was deleted since the plan was saved"
        hover = ""
        for _ in range(20):
            hover = await wb.hover_text_at(TODO_LINE, 8)
            if wanted in hover:
                break
            await wb.page.wait_for_timeout(500)
        assert wanted in hover and f"plan `{slug}`" in hover, hover
        await wb.screenshot("02-drift-diagnostic")

        # The quick fix re-plans (the plan no longer relies on the deleted file).
        await wb.press("Escape")
        assert "Re-plan" in await wb.lightbulb_actions(TODO_LINE, 8)
        await wb.screenshot("03-replan-quick-fix")
        await wb.choose_action("Re-plan")
        for _ in range(20):
            hover = await wb.hover_text_at(TODO_LINE, 8)
            if wanted not in hover:
                break
            await wb.page.wait_for_timeout(500)
        assert wanted not in hover and "Drift" not in hover, hover
        assert "code: 0/" in hover  # the evidence of each task, next to its status

        # The palette lists the saved plans and opens one from disk.
        await wb.run_command("Backend Planner: Open saved plan…")
        await wb.quick_pick(REQUEST)
        await wb.wait_for_active_tab(f"{slug}.md")
        text = await wb.editor_text()
        assert f"Saved plan `{slug}`" in text and "## Anchors" in text
        await wb.screenshot("04-saved-plan-from-disk")
