"""The planning tools of the MCP backend, used the way an agent with the planner skill would:
analyse, draft, check, then create the tasks with the drafted payload."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import EXAMPLES_DIR
from tasks.support import McpSession, stdio_params

pytestmark = pytest.mark.e2e


def test_agent_flow_analyze_draft_validate_create(tmp_path: Path) -> None:
    session = McpSession(lambda: stdio_params(f"sqlite:///{tmp_path / 't.db'}"))
    try:
        root = str(EXAMPLES_DIR / "fastapi-inventory")
        profile = session.ok("analyze_workspace", {"path": root})
        service = profile["services"][0]
        assert service["frameworks"] == ["fastapi"]
        # The code map: endpoints with their full path (router prefixes applied) and entities.
        endpoints = {(e["method"], e["path"]): e for e in service["endpoints"]}
        item = endpoints[("GET", "/api/v1/items/{item_id}")]
        assert item["file"] == "app/api/v1/items.py" and item["handler_file"] == item["file"]
        assert ("POST", "/api/v1/warehouses/{warehouse_id}/stock/{item_id}/adjust") in endpoints
        assert ("GET", "/health") in endpoints
        tables = {e["table"]: e for e in service["entities"]}
        assert {"items", "warehouses", "stock_levels"} <= set(tables)
        assert tables["items"]["file"] == "app/models/item.py"

        plan = session.ok(
            "draft_plan", {"request": "Build subscription API with Stripe", "path": root}
        )
        assert plan["pattern"] == "standard"
        assert plan["tasks"][0]["skill_id"] == "backend-planner/skills/backend-development"

        assert session.ok("validate_plan", {"plan": plan}) == {"ok": True, "violations": []}
        broken = {
            **plan,
            "tasks": [dict(plan["tasks"][0], skill_id="backend-dev"), *plan["tasks"][1:]],
        }
        check = session.ok("validate_plan", {"plan": broken})
        assert check["ok"] is False
        assert "tasks[0].skill_id" in [v["place"] for v in check["violations"]]

        tasks = [{k: v for k, v in t.items() if k != "subtasks"} for t in plan["tasks"]]
        created = session.ok("create_tasks_batch", {"tasks": tasks})
        assert [t["task_order"] for t in created["tasks"]] == [1, 2, 3, 4]

        error = session.error("draft_plan", {"request": "Build it", "path": str(tmp_path / "nope")})
        assert "not found" in error
    finally:
        session.close()
