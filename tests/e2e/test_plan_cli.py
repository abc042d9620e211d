"""`backend-planner plan` end to end: markdown, JSON, and pushing through real MCP sessions
(stdio and streamable HTTP) with retries, a backend that is down, and one that refuses."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES_DIR
from tasks.support import HttpServer, McpSession, free_port, http_transport, run_cli, stdio_params

pytestmark = pytest.mark.e2e

GIN = str(EXAMPLES_DIR / "go-gin-shop")
STRIPE = "Build subscription API with Stripe"
SHOP = (
    "Build a complete e-commerce order management API with orders, inventory, payments, "
    "and notifications"
)


def backend_cmd(db: Path) -> str:
    return shlex.join(
        [sys.executable, "-m", "backend_planner", "tasks", "serve", "--db", f"sqlite:///{db}"]
    )


def all_tasks(session: McpSession) -> list[dict[str, Any]]:
    return list(session.ok("list_tasks", {"limit": 500})["tasks"])


def pushed(stdout: str) -> dict[str, Any]:
    return dict(json.loads(stdout)["pushed"])


def test_markdown_plan_prints_architecture_then_tasks() -> None:
    result = run_cli("plan", STRIPE, GIN)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Plan: Build subscription API with Stripe")
    assert out.index("## Architecture") < out.index("## Tasks")
    assert "`POST /api/v1/webhooks/stripe`" in out
    assert "`migrations/000004_create_subscriptions.up.sql`" in out
    assert "Passes every rule of the planner skill" in out


def test_json_plan_has_the_documented_shape() -> None:
    result = run_cli("plan", SHOP, GIN, "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert set(plan) >= {"request", "intent", "pattern", "architecture", "tasks", "violations"}
    assert plan["pattern"] == "subtasks"
    assert plan["violations"] == []
    assert len(plan["tasks"][0]["subtasks"]) == 4
    assert {"endpoints", "models", "services", "external"} <= set(plan["architecture"])


def test_unknown_service_is_a_clear_error() -> None:
    result = run_cli("plan", STRIPE, GIN, "--service", "nope")
    assert result.returncode == 2
    assert 'no service at "nope"' in result.stderr
    assert "Traceback" not in result.stderr


def test_push_over_stdio_twice_creates_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "tasks.db"
    cmd = backend_cmd(db)
    first = run_cli("plan", STRIPE, GIN, "--push", "--json", "--backend-cmd", cmd)
    assert first.returncode == 0, first.stderr
    again = run_cli("plan", STRIPE, GIN, "--push", "--json", "--backend-cmd", cmd)
    assert again.returncode == 0, again.stderr
    assert pushed(first.stdout)["tasks"] == pushed(again.stdout)["tasks"]

    shop = run_cli("plan", SHOP, GIN, "--push", "--json", "--backend-cmd", cmd)
    assert shop.returncode == 0, shop.stderr
    shop_again = run_cli("plan", SHOP, GIN, "--push", "--json", "--backend-cmd", cmd)
    assert shop_again.returncode == 0, shop_again.stderr
    tree = pushed(shop.stdout)["tasks"]
    assert tree == pushed(shop_again.stdout)["tasks"]
    names = [s["task_name"].lower() for s in tree[0]["subtasks"]]
    assert [n.split()[0] for n in names] == ["order", "inventory", "payment", "notifications"]
    assert tree[1]["dependencies"] == [tree[0]["task_id"]]

    session = McpSession(lambda: stdio_params(f"sqlite:///{db}"))
    try:
        stored = all_tasks(session)
        assert len(stored) == 4 + 2 + 4  # standard plan + parent and review + 4 sub-tasks
        parent = session.ok("get_task", {"task_id": tree[0]["task_id"]})
        assert [s["subtask_index"] for s in parent["subtasks"]] == [1, 2, 3, 4]
        build = session.ok("get_task", {"task_id": pushed(first.stdout)["tasks"][0]["task_id"]})
        assert "internal/routes/routes.go" in build["inputs"]["files_to_modify"]
        assert any("signature" in c for c in build["validation_criteria"]["critical"])
    finally:
        session.close()


def test_push_resumes_a_parent_whose_subtasks_were_partly_created(tmp_path: Path) -> None:
    """A push cut off after some sub-tasks: the retry adds only the missing ones."""
    db = tmp_path / "tasks.db"
    plan = json.loads(run_cli("plan", SHOP, GIN, "--json").stdout)
    session = McpSession(lambda: stdio_params(f"sqlite:///{db}"))
    try:
        from backend_planner.planning import Plan
        from backend_planner.tasks.client import idempotency_key

        model = Plan.model_validate(plan)
        parent = dict(model.tasks[0].batch_fields())
        made = session.ok(
            "create_task", {**parent, "idempotency_key": f"{idempotency_key(model, None)}-1"}
        )
        first_sub = model.tasks[0].subtasks[0].subtask_fields()
        session.ok("create_subtask", {"parent_task_id": made["task_id"], "subtask": first_sub})
    finally:
        session.close()
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan))
    result = run_cli("push", str(saved), "--json", "--backend-cmd", backend_cmd(db))
    assert result.returncode == 0, result.stderr
    tree = pushed(result.stdout)["tasks"]
    assert tree[0]["task_id"] == made["task_id"]
    assert len(tree[0]["subtasks"]) == 4
    session = McpSession(lambda: stdio_params(f"sqlite:///{db}"))
    try:
        assert len(all_tasks(session)) == 2 + 4
    finally:
        session.close()


def test_push_over_http_with_a_token_and_a_retry(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 'h.db'}", "--token", "s3cret")
    try:
        args = [
            "plan",
            STRIPE,
            GIN,
            "--push",
            "--json",
            "--backend",
            server.url,
            "--token",
            "s3cret",
        ]
        first = run_cli(*args, "--project", "shop")
        assert first.returncode == 0, first.stderr
        again = run_cli(*args, "--project", "shop")
        assert again.returncode == 0, again.stderr
        assert pushed(first.stdout) == pushed(again.stdout)
        assert pushed(first.stdout)["project_id"] == "shop"
        url = server.url
        session = McpSession(lambda: http_transport(url, {"authorization": "Bearer s3cret"}))
        try:
            stored = session.ok("list_tasks", {"project_id": "shop", "limit": 500})["tasks"]
            assert [t["task_order"] for t in stored] == [1, 2, 3, 4]
        finally:
            session.close()
    finally:
        server.stop()


def _saved_path(stderr: str) -> Path:
    match = re.search(r"plan saved to (\S+)", stderr)
    assert match, stderr
    return Path(match.group(1))


def test_backend_down_exits_2_and_saves_the_plan_for_later(
    tmp_path: Path, _isolated_data_dir: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}/mcp"
    result = run_cli("plan", STRIPE, GIN, "--push", "--backend", down)
    assert result.returncode == 2
    assert "can't reach the task backend" in result.stderr
    assert "Traceback" not in result.stderr
    saved = _saved_path(result.stderr)
    assert saved.parent == _isolated_data_dir / "plans"
    assert json.loads(saved.read_text())["request"] == STRIPE
    assert f"backend-planner push {saved}" in result.stderr
    assert "# Plan: Build subscription API with Stripe" in result.stdout  # still shown

    db = tmp_path / "later.db"
    for _ in range(2):
        later = run_cli("push", str(saved), "--backend-cmd", backend_cmd(db))
        assert later.returncode == 0, later.stderr
        assert "4 tasks confirmed (read back)" in later.stdout
    session = McpSession(lambda: stdio_params(f"sqlite:///{db}"))
    try:
        assert len(all_tasks(session)) == 4
    finally:
        session.close()


def test_backend_refusing_the_connection_exits_2_with_the_reason(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 'h.db'}", "--token", "s3cret")
    try:
        result = run_cli("plan", STRIPE, GIN, "--push", "--backend", server.url)
        assert result.returncode == 2
        assert "401 Unauthorized" in result.stderr and "--token" in result.stderr
        assert _saved_path(result.stderr).is_file()
    finally:
        server.stop()


def test_backend_refusing_the_plan_shows_the_tool_error(tmp_path: Path) -> None:
    plan = json.loads(run_cli("plan", STRIPE, GIN, "--json").stdout)
    for task in plan["tasks"]:
        task["skill_id"] = task["skill_id"].replace("backend-planner/skills", "acme/skills")
        if "preceding_task" in task["inputs"]:
            task["inputs"]["preceding_task"]["skill_id"] = task["inputs"]["preceding_task"][
                "skill_id"
            ].replace("backend-planner/skills", "acme/skills")
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan))
    result = run_cli("push", str(saved), "--backend-cmd", backend_cmd(tmp_path / "t.db"))
    assert result.returncode == 2
    assert "refused create_tasks_batch" in result.stderr
    assert "tasks[0].skill_id" in result.stderr
    assert "Traceback" not in result.stderr


def test_push_refuses_a_plan_that_breaks_the_rules(tmp_path: Path) -> None:
    plan = json.loads(run_cli("plan", STRIPE, GIN, "--json").stdout)
    plan["tasks"][1]["task_order"] = 7
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(plan))
    result = run_cli("push", str(saved), "--backend-cmd", backend_cmd(tmp_path / "t.db"))
    assert result.returncode == 2
    assert "tasks[1].task_order: (rule 9)" in result.stderr
