"""The task backend end to end: the real MCP client against the real server process.

Every test runs four ways: over stdio and over streamable HTTP, each on SQLite and on a real
PostgreSQL server. One server process per (transport, store) is shared by the module; tests
keep apart by using their own project_id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import pg
from tasks.support import (
    CRITIQUE,
    DEV,
    PLANNER,
    TESTING,
    HttpServer,
    McpSession,
    chain,
    http_transport,
    problem_lines,
    simple_task,
    standard_batch,
    stdio_params,
    unique,
    wait_for,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(
    scope="module",
    params=["stdio-sqlite", "stdio-postgres", "http-sqlite", "http-postgres"],
)
def mcp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[McpSession]:
    transport, store = request.param.split("-")
    if store == "sqlite":
        db_url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tasks.db'}"
    else:
        db_url = pg.new_database_url()
    server = None
    if transport == "stdio":
        session = McpSession(lambda: stdio_params(db_url))
    else:
        server = HttpServer(db_url)
        url = server.url
        session = McpSession(lambda: http_transport(url))
    yield session
    session.close()
    if server is not None:
        server.stop()


def create(
    mcp: McpSession, tasks: list[dict[str, object]], **extra: object
) -> list[dict[str, object]]:
    return list(mcp.ok("create_tasks_batch", {"tasks": tasks, **extra})["tasks"])


# ----------------------------------------------------------------------------- discovery


def test_tools_have_schemas_from_the_models(mcp: McpSession) -> None:
    tools = {t.name: t for t in mcp.run(lambda c: c.list_tools()).tools}
    assert set(tools) == {
        "search_skills",
        "create_tasks_batch",
        "create_task",
        "create_subtask",
        "get_task",
        "list_tasks",
        "update_task_status",
        "claim_next_task",
        # The planner's tools (issue 4): an agent can start from a draft and check its plan.
        "analyze_workspace",
        "draft_plan",
        "validate_plan",
    }
    batch = tools["create_tasks_batch"].input_schema
    task_schema = batch["$defs"]["TaskSpec"]
    assert set(task_schema["required"]) == {"skill_id", "task_name", "description"}
    assert "full_id" in task_schema["properties"]["skill_id"]["description"]
    assert "$1" in task_schema["properties"]["dependencies"]["description"]
    assert tools["create_subtask"].input_schema["required"] == ["parent_task_id", "subtask"]
    assert tools["claim_next_task"].output_schema is not None


def test_search_skills_by_category_tag_and_query(mcp: McpSession) -> None:
    for category, full_id in (("development", DEV), ("critique", CRITIQUE), ("testing", TESTING)):
        found = mcp.ok("search_skills", {"category": category, "tag": "backend"})["skills"]
        assert [s["full_id"] for s in found] == [full_id]
        assert found[0]["category"] == category and "backend" in found[0]["tags"]
    ranked = mcp.ok("search_skills", {"query": "review verdict"})["skills"]
    assert ranked[0]["full_id"] == CRITIQUE
    assert mcp.ok("search_skills", {"category": "planner"})["skills"][0]["full_id"] == PLANNER
    assert mcp.ok("search_skills", {"category": "nothing"})["skills"] == []


def test_skills_are_resources_and_prompts(mcp: McpSession) -> None:
    text = mcp.run(lambda c: c.read_resource(f"skill://{PLANNER}")).contents[0].text
    assert text.startswith("---\nname: backend-planner\n")
    prompts = {p.name for p in mcp.run(lambda c: c.list_prompts()).prompts}
    assert {DEV, CRITIQUE, TESTING, PLANNER} <= prompts
    got = mcp.run(lambda c: c.get_prompt(PLANNER, {"request": "Build a wishlist API"}))
    body = got.messages[0].content.text
    assert "create_tasks_batch" in body and body.endswith("Request:\nBuild a wishlist API")


# ----------------------------------------------------------------------------- the skill's examples


def test_example_1_standard_four_task_batch(mcp: McpSession) -> None:
    project = unique()
    created = create(mcp, standard_batch(), project_id=project)
    ids = [t["task_id"] for t in created]
    assert [t["task_order"] for t in created] == [1, 2, 3, 4]
    assert [t["dependencies"] for t in created] == [[], [ids[0]], [ids[1]], [ids[2]]]
    # Workers take them strictly in order, each after the one before completes.
    for i, task_id in enumerate(ids):
        claim = mcp.ok("claim_next_task", {"project_id": project, "worker": f"w{i}"})["task"]
        assert claim["task_id"] == task_id and claim["status"] == "in_progress"
        assert claim["lease_expires_at"] is not None
        assert mcp.ok("claim_next_task", {"project_id": project})["task"] is None
        done = mcp.ok(
            "update_task_status", {"task_id": task_id, "status": "completed", "result": {"ok": i}}
        )
        assert done["status"] == "completed" and done["result"] == {"ok": i}
    review = mcp.ok("get_task", {"task_id": ids[1]})
    assert review["inputs"]["preceding_task"]["skill_id"] == DEV


def test_example_2_parent_with_sequential_subtasks_and_review(mcp: McpSession) -> None:
    project = unique()
    parent = mcp.ok(
        "create_task",
        {
            "skill_id": DEV,
            "task_name": "Build order management services",
            "description": "Orders, inventory, payments and notifications",
            "task_order": 1,
            "validation_criteria": {"critical": ["All services implemented"]},
            "project_id": project,
        },
    )
    names = [
        "Build OrderService",
        "Build InventoryService",
        "Build PaymentService",
        "Build NotificationService",
    ]
    subs = [
        mcp.ok(
            "create_subtask",
            {
                "parent_task_id": parent["task_id"],
                "subtask": {"skill_id": DEV, "task_name": n, "description": n},
            },
        )
        for n in names
    ]
    assert [s["subtask_index"] for s in subs] == [1, 2, 3, 4]
    assert all(
        s["project_id"] == project and s["parent_task_id"] == parent["task_id"] for s in subs
    )
    review = mcp.ok(
        "create_task",
        {
            "skill_id": CRITIQUE,
            "task_name": "QA: Validate order management API",
            "description": "Review the complete implementation",
            "task_order": 2,
            "dependencies": [parent["task_id"]],
            "project_id": project,
        },
    )
    tree = mcp.ok("get_task", {"task_id": parent["task_id"]})
    assert [s["task_name"] for s in tree["subtasks"]] == names
    assert [s["ready"] for s in tree["subtasks"]] == [True, False, False, False]
    claimed = []
    while (task := mcp.ok("claim_next_task", {"project_id": project})["task"]) is not None:
        claimed.append(task["task_name"])
        mcp.ok("update_task_status", {"task_id": task["task_id"], "status": "completed"})
        if task["task_id"] == subs[1]["task_id"]:
            partial = mcp.ok("get_task", {"task_id": parent["task_id"]})
            assert partial["status"] == "in_progress" and not partial["subtasks_completed"]
    assert claimed == [*names, "QA: Validate order management API"]
    final = mcp.ok("get_task", {"task_id": parent["task_id"]})
    assert final["status"] == "completed" and final["subtasks_completed"] is True
    assert mcp.ok("get_task", {"task_id": review["task_id"]})["status"] == "completed"


def test_example_3_subtasks_added_later_to_an_investigation(mcp: McpSession) -> None:
    project = unique()
    parent = mcp.ok(
        "create_task",
        {
            "skill_id": DEV,
            "task_name": "Fix rate limiting issues",
            "description": "Investigate, then fix",
            "project_id": project,
        },
    )
    investigation = mcp.ok(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {
                "skill_id": DEV,
                "task_name": "Investigate",
                "description": "Find the causes",
            },
        },
    )
    working = mcp.ok("claim_next_task", {"project_id": project, "worker": "investigator"})["task"]
    assert working["task_id"] == investigation["task_id"]
    fixes = [
        "Fix Redis connection pool exhaustion",
        "Fix rate limit not resetting",
        "Fix missing headers",
    ]
    for n in fixes:
        mcp.ok(
            "create_subtask",
            {
                "parent_task_id": parent["task_id"],
                "subtask": {"skill_id": DEV, "task_name": n, "description": n},
            },
        )
    # Found a prerequisite: inserted right after the investigation.
    mcp.ok(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {
                "skill_id": DEV,
                "task_name": "Add rate limit metrics",
                "description": "metrics first",
            },
            "position": 2,
        },
    )
    listed = mcp.ok("list_tasks", {"parent_task_id": parent["task_id"]})["tasks"]
    assert [t["task_name"] for t in listed] == ["Investigate", "Add rate limit metrics", *fixes]
    assert [t["subtask_index"] for t in listed] == [1, 2, 3, 4, 5]
    mcp.ok("update_task_status", {"task_id": investigation["task_id"], "status": "completed"})
    order = []
    while (task := mcp.ok("claim_next_task", {"project_id": project})["task"]) is not None:
        order.append(task["task_name"])
        mcp.ok("update_task_status", {"task_id": task["task_id"], "status": "completed"})
    assert order == ["Add rate limit metrics", *fixes]
    assert mcp.ok("get_task", {"task_id": parent["task_id"]})["subtasks_completed"] is True


def test_task_resources_as_json_and_markdown(mcp: McpSession) -> None:
    parent = mcp.ok(
        "create_task",
        {"skill_id": DEV, "task_name": "Parent", "description": "p", "project_id": unique()},
    )
    mcp.ok(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {"skill_id": DEV, "task_name": "Child", "description": "c"},
        },
    )
    data = json.loads(
        mcp.run(lambda c: c.read_resource(f"task://{parent['task_id']}")).contents[0].text
    )
    assert data["task"]["task_id"] == parent["task_id"]
    assert [s["task_name"] for s in data["subtasks"]] == ["Child"]
    markdown = (
        mcp.run(lambda c: c.read_resource(f"task://{parent['task_id']}/tree.md")).contents[0].text
    )
    assert markdown.startswith("# Parent\n") and "1. Child — **pending** (ready)" in markdown


# ----------------------------------------------------------------------------- rejections


def test_batch_rejection_lists_every_problem_with_its_place(mcp: McpSession) -> None:
    project = unique()
    tasks = chain(4)
    tasks[0]["skill_id"] = "backend-development"
    tasks[1]["dependencies"] = ["$2"]
    tasks[2]["dependencies"] = ["$5"]
    tasks[3]["task_order"] = 3
    del tasks[3]["task_name"]
    message = mcp.error("create_tasks_batch", {"tasks": tasks, "project_id": project})
    assert "nothing was written (5 problems)" in message
    assert problem_lines(message) == [
        f'tasks[0].skill_id: "backend-development" is a short name; use the full_id "{DEV}" '
        f"(from search_skills)",
        'tasks[1].dependencies[0]: "$2" points at the task itself (it is task $2)',
        'tasks[2].dependencies[0]: "$5" is past the end of a 4-task batch',
        "tasks[3].task_name: missing required field",
        "tasks[3].task_order: expected 4, got 3 (task_order must run 1..4 in sequence, in "
        "the order the tasks are listed)",
    ]
    assert mcp.ok("list_tasks", {"project_id": project})["tasks"] == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda t: t[0].update(dependencies=["$3"]),
            'tasks[1].dependencies[0]: "$1" closes a dependency cycle: $1 → $3 → $2 → $1',
        ),
        (
            lambda t: t[1].update(dependencies=["4f1c-unknown"]),
            'tasks[1].dependencies[0]: no task with id "4f1c-unknown"',
        ),
        (
            lambda t: t[2].update(skill_id="acme/skills/backend-dev"),
            'tasks[2].skill_id: "acme/skills/backend-dev" is not a skill in the registry',
        ),
        (lambda t: t[0].update(task_order=0), "tasks[0].task_order: expected 1, got 0"),
        (lambda t: t[1].update(description="d" * 10_001), "tasks[1].description: too long"),
        (
            lambda t: t[2].update(inputs={"x": "y" * 70_000}),
            "tasks[2].inputs: 70008 bytes as JSON; at most 65536",
        ),
        (
            lambda t: t[0].update(timeout_seconds=10**9),
            "tasks[0].timeout_seconds: Input should be less than or equal to 604800",
        ),
    ],
)
def test_each_kind_of_batch_rejection(mcp: McpSession, mutate: object, expected: str) -> None:
    tasks = chain(3)
    mutate(tasks)  # type: ignore[operator]
    lines = problem_lines(mcp.error("create_tasks_batch", {"tasks": tasks}))
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_create_task_and_subtask_rejections(mcp: McpSession) -> None:
    message = mcp.error(
        "create_task", {"skill_id": "backend-testing", "task_name": "t", "dependencies": ["$1"]}
    )
    assert problem_lines(message) == [
        'dependencies[0]: "$1": placeholders only work inside create_tasks_batch; use the '
        "task_id of an existing task",
        "description: missing required field",
        'skill_id: "backend-testing" is a short name; use the full_id '
        '"backend-planner/skills/backend-testing" (from search_skills)',
    ]
    parent = mcp.ok(
        "create_task",
        {"skill_id": DEV, "task_name": "P", "description": "p", "project_id": unique()},
    )
    sub = mcp.ok(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {"skill_id": DEV, "task_name": "S", "description": "s"},
        },
    )
    nested = mcp.error(
        "create_subtask",
        {
            "parent_task_id": sub["task_id"],
            "subtask": {"skill_id": DEV, "task_name": "N", "description": "n"},
        },
    )
    assert problem_lines(nested)[0].startswith(
        f'parent_task_id: task "{sub["task_id"]}" is itself a sub-task'
    )
    out_of_range = mcp.error(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {"skill_id": DEV, "task_name": "N", "description": "n"},
            "position": 5,
        },
    )
    assert problem_lines(out_of_range) == [
        "position: 5 is out of range: the parent has 1 sub-task(s), so position must be 1..2 "
        "(or omitted to append)"
    ]
    bad_fields = mcp.error(
        "create_subtask",
        {
            "parent_task_id": parent["task_id"],
            "subtask": {"task_name": "N", "description": "n", "inputs": "x"},
        },
    )
    assert problem_lines(bad_fields) == [
        "subtask.inputs: Input should be a valid dictionary",
        "subtask.skill_id: missing required field",
    ]


def test_status_transition_errors(mcp: McpSession) -> None:
    project = unique()
    first, second = (t["task_id"] for t in create(mcp, chain(2), project_id=project))
    assert "cannot change status from pending to completed" in mcp.error(
        "update_task_status", {"task_id": first, "status": "completed"}
    )
    assert f"task {second} is not ready" in mcp.error(
        "update_task_status", {"task_id": second, "status": "in_progress"}
    )
    mcp.ok("claim_next_task", {"project_id": project})
    mcp.ok("update_task_status", {"task_id": first, "status": "completed"})
    assert "completed is final" in mcp.error(
        "update_task_status", {"task_id": first, "status": "in_progress"}
    )
    assert 'no task with id "missing"' in mcp.error("get_task", {"task_id": "missing"})
    assert "status" in mcp.error("update_task_status", {"task_id": first, "status": "done"})


def test_idempotency_key_over_the_wire(mcp: McpSession) -> None:
    project, key = unique(), unique("key")
    first = mcp.ok(
        "create_tasks_batch", {"tasks": chain(2), "project_id": project, "idempotency_key": key}
    )
    again = mcp.ok(
        "create_tasks_batch", {"tasks": chain(2), "project_id": project, "idempotency_key": key}
    )
    assert again == first
    assert len(mcp.ok("list_tasks", {"project_id": project})["tasks"]) == 2
    other = mcp.error(
        "create_tasks_batch", {"tasks": chain(3), "project_id": project, "idempotency_key": key}
    )
    assert f'idempotency_key "{key}" was already used with a different payload' in other


def test_aramb_unique_id_batch(mcp: McpSession) -> None:
    project = unique()
    tasks = [
        {"unique_id": 1, "skill_id": DEV, "task_name": "Build", "description": "b"},
        {
            "unique_id": 2,
            "skill_id": CRITIQUE,
            "task_name": "Review",
            "description": "r",
            "logical_dependencies": [1],
        },
    ]
    created = create(mcp, tasks, project_id=project)
    assert created[1]["dependencies"] == [created[0]["task_id"]]
    assert [t["unique_id"] for t in created] == [1, 2]


def test_list_tasks_pages(mcp: McpSession) -> None:
    project = unique()
    create(mcp, chain(5), project_id=project)
    page = mcp.ok("list_tasks", {"project_id": project, "limit": 3})
    assert [t["task_name"] for t in page["tasks"]] == ["Task 1", "Task 2", "Task 3"]
    rest = mcp.ok("list_tasks", {"project_id": project, "limit": 3, "cursor": page["next_cursor"]})
    assert [t["task_name"] for t in rest["tasks"]] == ["Task 4", "Task 5"] and rest[
        "next_cursor"
    ] is None
    assert mcp.ok("list_tasks", {"project_id": project, "status": "completed"})["tasks"] == []


def test_lease_expires_and_the_task_is_handed_out_again(mcp: McpSession) -> None:
    project = unique()
    (task,) = create(mcp, [simple_task(1, timeout_seconds=1, max_retries=1)], project_id=project)
    first = mcp.ok("claim_next_task", {"project_id": project, "worker": "slow"})["task"]
    assert first["task_id"] == task["task_id"]
    # Poll (bounded) until the one-second lease has run out and the task is handed out again.
    again = wait_for(
        lambda: mcp.ok("claim_next_task", {"project_id": project, "worker": "fast"})["task"],
        timeout=10,
    )
    assert (
        again["task_id"] == task["task_id"] and again["worker"] == "fast" and again["attempts"] == 2
    )
