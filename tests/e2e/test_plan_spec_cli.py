"""`backend-planner plan --spec FILE.json`: plan from an agent's change spec, and the checks
against the tree printed with the plan (exit code 2 when a plan has findings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend_planner.workspace import analyze
from tasks.support import run_cli
from workspace.codemap.realworld import REALWORLD

pytestmark = pytest.mark.e2e

FLASK = REALWORLD / "webofmars__realworld-flask"
RATE_LIMIT = "Add rate limiting to the login endpoint"


def write_spec(tmp_path: Path, spec: dict[str, Any]) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


def login() -> Any:
    (endpoint,) = [
        e
        for s in analyze(FLASK).backends()
        for e in s.endpoints
        if (e.method, e.path) == ("POST", "/api/users/login")
    ]
    return endpoint


def test_plan_from_an_agents_spec_shows_the_change_first(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        {
            "items": [
                {
                    "kind": "capability",
                    "name": "rate limiting",
                    "recipe": "rate_limit",
                    "endpoints": [{"method": "POST", "path": "/api/users/login"}],
                },
                {
                    "kind": "existing",
                    "name": "orders list",
                    "endpoints": [{"method": "GET", "path": "/api/orders"}],
                },
            ]
        },
    )
    result = run_cli("plan", RATE_LIMIT, str(FLASK), "--spec", spec)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.index("## Change") < out.index("## Architecture") < out.index("## Tasks")
    change = out[out.index("## Change") : out.index("## Architecture")]
    endpoint = login()
    assert f"`POST /api/users/login` — `{endpoint.handler_file}:{endpoint.handler_line}`" in change
    assert "not found" in change and "has no GET /api/orders" in change

    result = run_cli("plan", RATE_LIMIT, str(FLASK), "--spec", spec, "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["change_spec"]["source"] == "agent"
    assert [i["kind"] for i in plan["change_spec"]["items"]] == ["capability", "not_found"]
    assert plan["violations"] == []


def test_tree_findings_are_printed_with_the_plan_and_exit_2(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        {
            "items": [
                {
                    "kind": "new_entity",
                    "name": "single-use token",
                    "new_entity": {
                        "name": "Single-useToken",
                        "table": "single_use_tokens",
                        "fields": [{"name": "order_id", "type": "integer", "references": "orders"}],
                    },
                }
            ]
        },
    )
    result = run_cli("plan", "Add single-use tokens", str(FLASK), "--spec", spec)
    assert result.returncode == 2, result.stderr
    validation = result.stdout[result.stdout.index("## Validation") :]
    assert "Single-useToken" in validation and '"orders"' in validation
    assert "Passes every rule" not in result.stdout


def test_a_bad_spec_file_is_a_clear_error(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path, {"items": [{"kind": "feature", "name": "x"}, {"kind": "flow", "nme": "y"}]}
    )
    result = run_cli("plan", RATE_LIMIT, str(FLASK), "--spec", spec)
    assert result.returncode == 2
    err = result.stderr
    assert "Traceback" not in err and spec in err
    assert "change_spec.items[0].kind" in err
    assert "change_spec.items[1].name: missing required field" in err
    assert "change_spec.items[1].nme: unknown field" in err
    assert result.stdout == ""

    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    result = run_cli("plan", RATE_LIMIT, str(FLASK), "--spec", str(tmp_path / "broken.json"))
    assert result.returncode == 2
    assert "can't read the change spec" in result.stderr and "Traceback" not in result.stderr
