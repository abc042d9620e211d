"""`draft_plan` with an agent's change spec and `validate_plan` with the workspace `path`, through
a real MCP client (the `mcp` SDK) against `backend-planner tasks serve` over stdio and HTTP, on
real repositories (../shared/realworld, examples/).

An agent that understood the request names things by what it knows — an endpoint by method and
path, an entity by name — and the planner grounds them in the code map: file:line, the handler
file the plan modifies; what the repository lacks comes back as not found, never invented."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend_planner.planning.recipes import load_recipes
from backend_planner.planning.spec import ITEM_KINDS
from backend_planner.workspace import analyze
from conftest import EXAMPLES_DIR
from tasks.support import (
    HttpServer,
    McpSession,
    http_transport,
    problem_lines,
    standard_batch,
    stdio_params,
)
from workspace.codemap.realworld import REALWORLD, truth

pytestmark = pytest.mark.e2e

LOGIN = ("POST", "/api/users/login")
ARTICLES = ("GET", "/api/articles")
RATE_LIMIT = "Add rate limiting to the login endpoint"
PAGINATE = "Add cursor pagination to the articles list endpoint"


def repos_serving(method: str, path: str) -> list[str]:
    """The realworld repos whose ground truth has this endpoint."""
    return sorted(
        name
        for name, repo in truth().items()
        if any((e["method"], e["path"]) == (method, path) for e in repo["endpoints"])
    )


def evidence(repo: str, method: str, path: str) -> str:
    """The ground truth's file:line of an endpoint's registration."""
    (found,) = [
        e["evidence"]
        for e in truth()[repo]["endpoints"]
        if (e["method"], e["path"]) == (method, path)
    ]
    return str(found)


def capability_spec(method: str, path: str, recipe: str = "rate_limit") -> dict[str, Any]:
    """What an agent writes: the capability and the endpoint by method + path, nothing else."""
    return {
        "items": [
            {
                "kind": "capability",
                "name": "rate limiting",
                "recipe": recipe,
                "endpoints": [{"method": method, "path": path}],
            }
        ]
    }


def modified_files(plan: dict[str, Any]) -> set[str]:
    tasks = [t for top in plan["tasks"] for t in (top, *top.get("subtasks", []))]
    return {f for t in tasks for f in t["inputs"].get("files_to_modify", [])}


def created_files(plan: dict[str, Any]) -> set[str]:
    tasks = [t for top in plan["tasks"] for t in (top, *top.get("subtasks", []))]
    return {f for t in tasks for f in t["inputs"].get("files_to_create", [])}


@pytest.fixture(scope="module")
def mcp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpSession]:
    db = tmp_path_factory.mktemp("draft-spec") / "tasks.db"
    session = McpSession(lambda: stdio_params(f"sqlite:///{db}"))
    yield session
    session.close()


def draft_schema(session: McpSession) -> dict[str, Any]:
    tools = session.run(lambda c: c.list_tools())
    (tool,) = [t for t in tools.tools if t.name == "draft_plan"]
    return dict(tool.input_schema)


# ----------------------------------------------------------------------------- the schema


def test_list_tools_advertises_the_change_spec(mcp: McpSession) -> None:
    schema = draft_schema(mcp)
    assert schema["required"] == ["request", "path"]
    spec = schema["properties"]["change_spec"]
    assert "not_found" in spec["description"] and "method + path" in spec["description"]
    defs = schema["$defs"]
    item = defs["SpecItem"]["properties"]
    # Every item kind, by name, so a model can pick one.
    assert item["kind"]["enum"] == list(ITEM_KINDS)
    assert {"capability", "existing", "new_entity", "flow", "integration"} <= set(ITEM_KINDS)
    # The recipes are data: the schema lists the keys the server has, with their titles.
    keys = sorted(load_recipes())
    (named,) = [o for o in item["recipe"]["anyOf"] if o.get("type") == "string"]
    assert named["enum"] == keys
    assert all(key in item["recipe"]["description"] for key in keys)
    # The nested shapes carry their field descriptions.
    endpoint = defs["EndpointRef"]["properties"]
    assert endpoint["method"]["description"].startswith("HTTP method")
    assert "{name}" in endpoint["path"]["description"]
    assert set(defs) >= {"ChangeSpec", "EndpointRef", "EntityRef", "FieldSpec", "NewEntity"}

    tools = mcp.run(lambda c: c.list_tools())
    (check,) = [t for t in tools.tools if t.name == "validate_plan"]
    assert "path" in check.input_schema["properties"]
    assert check.input_schema["required"] == ["plan"]


# ----------------------------------------------------------------------------- grounding


@pytest.mark.parametrize("repo", repos_serving(*ARTICLES))
def test_agent_spec_on_an_existing_endpoint_comes_back_grounded(mcp: McpSession, repo: str) -> None:
    root = REALWORLD / repo
    spec = capability_spec(*ARTICLES, recipe="pagination_cursor")
    spec["items"][0]["name"] = "cursor pagination"
    plan = mcp.ok("draft_plan", {"request": PAGINATE, "path": str(root), "change_spec": spec})
    assert plan["change_spec"]["source"] == "agent"
    assert plan["change_spec"]["request"] == PAGINATE  # the tool's request, when the spec has none
    (item,) = plan["change_spec"]["items"]
    assert (item["kind"], item["recipe"]) == ("capability", "pagination_cursor")
    (endpoint,) = item["endpoints"]
    # Grounded in the code map: the registration is where the ground truth says it is...
    assert f"{endpoint['file']}:{endpoint['line']}" == evidence(repo, *ARTICLES)
    # ...and the handler is a real line of a real file, which the plan modifies.
    handler = root / endpoint["handler_file"]
    assert handler.is_file()
    assert 1 <= endpoint["handler_line"] <= len(handler.read_text().splitlines())
    assert endpoint["handler_file"] in modified_files(plan)
    assert not any("pagination" in f for f in created_files(plan))  # no Pagination resource
    assert plan["pattern"] == "standard"  # a change to one endpoint
    assert plan["violations"] == []


@pytest.mark.parametrize("repo", repos_serving(*LOGIN))
def test_rate_limit_on_the_login_endpoint_given_by_method_and_path(
    mcp: McpSession, repo: str
) -> None:
    root = REALWORLD / repo
    plan = mcp.ok(
        "draft_plan",
        {"request": RATE_LIMIT, "path": str(root), "change_spec": capability_spec(*LOGIN)},
    )
    (item,) = plan["change_spec"]["items"]
    (endpoint,) = item["endpoints"]
    assert f"{endpoint['file']}:{endpoint['line']}" == evidence(repo, *LOGIN)
    assert (root / endpoint["handler_file"]).is_file()
    # The limit goes on that route: its registration or its handler changes.
    assert {endpoint["file"], endpoint["handler_file"]} & modified_files(plan)
    assert not any("/rate-limit" in e["path"] for e in plan["architecture"]["endpoints"])


def test_an_endpoint_the_repo_lacks_is_not_found_with_the_closest(mcp: McpSession) -> None:
    root = REALWORLD / "webofmars__realworld-flask"
    spec = capability_spec("GET", "/api/orders", recipe="pagination_cursor")
    spec["items"][0]["name"] = "cursor pagination"
    plan = mcp.ok(
        "draft_plan",
        {
            "request": "Add cursor pagination to the orders list",
            "path": str(root),
            "change_spec": spec,
        },
    )
    (item,) = plan["change_spec"]["items"]
    assert item["kind"] == "not_found"
    assert "GET /api/orders" in item["note"] and "has no" in item["note"]
    # The closest are endpoints the repository really serves.
    served = {f"{e.method} {e.path}" for s in analyze(root).backends() for e in s.endpoints}
    assert item["closest"] and set(item["closest"]) <= served
    # Nothing about orders is invented: no file, model or endpoint for them.
    assert not any("order" in f for f in created_files(plan) | modified_files(plan))
    assert not any("order" in e["path"] for e in plan["architecture"]["endpoints"])
    assert not any("order" in m["name"].lower() for m in plan["architecture"]["models"])


def test_a_malformed_spec_is_refused_with_every_place(mcp: McpSession) -> None:
    root = str(REALWORLD / "webofmars__realworld-flask")
    bad = {
        "items": [
            {"kind": "feature", "name": "rate limiting"},
            {"kind": "capability", "endpoints": [{"method": "POST"}]},
            {"kind": "capability", "name": "x", "colour": "red"},
        ]
    }
    error = mcp.error("draft_plan", {"request": RATE_LIMIT, "path": root, "change_spec": bad})
    places = [line.split(":", 1)[0] for line in problem_lines(error)]
    assert places == [
        "change_spec.items[0].kind",
        "change_spec.items[1].name",
        "change_spec.items[1].endpoints[0].path",
        "change_spec.items[2].colour",
    ], error
    assert "Traceback" not in error

    error = mcp.error(
        "draft_plan",
        {"request": RATE_LIMIT, "path": root, "change_spec": capability_spec(*LOGIN, "throttle")},
    )
    (line,) = problem_lines(error)
    assert line.startswith("change_spec.items[0].recipe: unknown recipe 'throttle'")
    assert "rate_limit" in line

    error = mcp.error("draft_plan", {"request": RATE_LIMIT, "path": root, "change_spec": []})
    assert "change_spec" in error and "ChangeSpec" in error
    # The server is still there.
    assert mcp.ok("draft_plan", {"request": RATE_LIMIT, "path": root})["tasks"]


def test_an_agent_spec_is_checked_against_the_tree(mcp: McpSession) -> None:
    """The agent's new entity with identifiers no language accepts and a foreign key to a table
    that exists nowhere: the plan comes back with those findings, each at its place."""
    root = REALWORLD / "webofmars__realworld-flask"
    spec = {
        "items": [
            {
                "kind": "new_entity",
                "name": "single-use token",
                "new_entity": {
                    "name": "Single-useToken",
                    "table": "single-use_tokens",
                    "fields": [
                        {"name": "token_hash", "type": "string", "unique": True},
                        {"name": "order_id", "type": "integer", "references": "orders"},
                    ],
                },
            }
        ]
    }
    plan = mcp.ok(
        "draft_plan", {"request": "Add single-use tokens", "path": str(root), "change_spec": spec}
    )
    messages = "\n".join(f"{v['place']}: {v['message']}" for v in plan["violations"])
    assert "Single-useToken" in messages and '"orders"' in messages, messages


# ----------------------------------------------------------------------------- validate_plan


def test_validate_plan_with_path_runs_the_checks_against_the_tree(
    mcp: McpSession, tmp_path: Path
) -> None:
    root = tmp_path / "flask"
    shutil.copytree(REALWORLD / "webofmars__realworld-flask", root)
    plan = mcp.ok(
        "draft_plan",
        {"request": RATE_LIMIT, "path": str(root), "change_spec": capability_spec(*LOGIN)},
    )
    assert mcp.ok("validate_plan", {"plan": plan}) == {"ok": True, "violations": []}
    assert mcp.ok("validate_plan", {"plan": plan, "path": str(root)}) == {
        "ok": True,
        "violations": [],
    }

    # The tree moves on: the file the plan creates now exists, the one it modifies is gone.
    build = plan["tasks"][0]["inputs"]
    (root / build["files_to_create"][0]).write_text("")
    (root / build["files_to_modify"][0]).unlink()
    check = mcp.ok("validate_plan", {"plan": plan, "path": str(root)})
    assert check["ok"] is False
    tree = {v["place"]: v["message"] for v in check["violations"] if v["check"] == "tree"}
    assert "exists already" in tree["tasks[0].inputs.files_to_create[0]"]
    assert "tasks[0].inputs.files_to_modify[0]" in tree
    # Without the path, the skill's rules alone: they still pass.
    assert mcp.ok("validate_plan", {"plan": plan})["ok"] is True


def test_validate_plan_checks_an_agents_minimal_plan(mcp: McpSession) -> None:
    """An agent's own plan — request, pattern and tasks only — is checked against the tree too
    (for the workspace's main backend)."""
    root = EXAMPLES_DIR / "go-gin-shop"
    tasks = standard_batch()
    build = tasks[0]["inputs"]
    build["files_to_modify"] = ["internal/routes/router.go"]  # the repo has routes.go
    plan = {"request": build["requirements"], "pattern": "standard", "tasks": tasks}
    rules = mcp.ok("validate_plan", {"plan": plan})["violations"]
    assert {v["check"] for v in rules} <= {"skill"}
    check = mcp.ok("validate_plan", {"plan": plan, "path": str(root)})
    assert check["ok"] is False
    assert [v for v in check["violations"] if v["check"] == "skill"] == rules
    assert not [v for v in check["violations"] if v["check"] == "shape"]  # it parsed
    tree = {v["place"]: v["message"] for v in check["violations"] if v["check"] == "tree"}
    assert 'router.go" does not exist' in tree["tasks[0].inputs.files_to_modify[0]"]
    # The tests of a handler no task creates.
    assert "subscription_handlers.go" in tree["tasks[2].inputs.files_to_test[0]"]


def test_validate_plan_names_what_does_not_parse(mcp: McpSession) -> None:
    root = str(EXAMPLES_DIR / "go-gin-shop")
    plan = mcp.ok("draft_plan", {"request": "Build subscription API with Stripe", "path": root})
    broken = json.loads(json.dumps(plan))
    broken["tasks"][1]["timeout_seconds"] = "soon"
    broken["tasks"][0]["skill_id"] = "backend-dev"
    check = mcp.ok("validate_plan", {"plan": broken, "path": root})
    by_place = {v["place"]: v for v in check["violations"]}
    assert by_place["tasks[0].skill_id"]["check"] == "skill"
    assert by_place["tasks[1].timeout_seconds"]["check"] in ("skill", "shape")
    assert not [v for v in check["violations"] if v["check"] == "tree"]  # not parsed: not run

    elsewhere = dict(plan, service="services/billing")
    check = mcp.ok("validate_plan", {"plan": elsewhere, "path": root})
    (problem,) = check["violations"]
    assert (
        problem["place"] == "service" and 'no service at "services/billing"' in problem["message"]
    )

    error = mcp.error("validate_plan", {"plan": plan, "path": root + "-missing"})
    assert "not found" in error or "not a directory" in error


def test_draft_plan_with_a_spec_over_http(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 'tasks.db'}")
    session = McpSession(lambda: http_transport(server.url))
    try:
        assert "change_spec" in draft_schema(session)["properties"]
        repo = "adr1enbe4udou1n__nestjs-realworld-example-app"
        plan = session.ok(
            "draft_plan",
            {
                "request": RATE_LIMIT,
                "path": str(REALWORLD / repo),
                "change_spec": capability_spec(*LOGIN),
            },
        )
        (endpoint,) = plan["change_spec"]["items"][0]["endpoints"]
        assert f"{endpoint['file']}:{endpoint['line']}" == evidence(repo, *LOGIN)
        check = session.ok("validate_plan", {"plan": plan, "path": str(REALWORLD / repo)})
        assert check == {"ok": True, "violations": []}
    finally:
        session.close()
        server.stop()
