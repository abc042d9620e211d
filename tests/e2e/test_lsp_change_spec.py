"""The plan document shows the change spec first, end to end: a real pytest-lsp client over
stdio against `python -m backend_planner lsp`, on copies of real backends (../shared/realworld)
with a TODO written where a developer would write it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_support import lsp_fixture

from backend_planner.workspace import analyze
from workspace.codemap.realworld import REALWORLD, truth

pytestmark = pytest.mark.e2e
lsp = lsp_fixture

REQUEST = "Add rate limiting to the login endpoint"
LOGIN = ("POST", "/api/users/login")

# (repo, file the TODO is appended to, language id, comment leader)
CASES = [
    ("webofmars__realworld-flask", "realworld/api/routes/v1/users/routes.py", "python", "#"),
    (
        "adr1enbe4udou1n__nestjs-realworld-example-app",
        "src/users/users.controller.ts",
        "typescript",
        "//",
    ),
    ("siahsang__golang-realworld-example-app", "cmd/handlers.go", "go", "//"),
]


def registration(repo: str) -> str:
    """The ground truth's file:line of the login endpoint's registration."""
    (found,) = [
        e["evidence"] for e in truth()[repo]["endpoints"] if (e["method"], e["path"]) == LOGIN
    ]
    return str(found)


@pytest.mark.parametrize(("repo", "rel", "language", "leader"), CASES)
async def test_todo_plan_document_names_the_login_endpoint_with_its_place(
    lsp: Any, tmp_path: Path, repo: str, rel: str, language: str, leader: str
) -> None:
    root = tmp_path / repo
    shutil.copytree(REALWORLD / repo, root)
    source = root / rel
    lines = source.read_text(encoding="utf-8").splitlines()
    todo_line = len(lines)  # appended at the end: every line above keeps its number
    source.write_text("\n".join([*lines, f"{leader} TODO: {REQUEST}", ""]), encoding="utf-8")

    session = await lsp()
    await session.initialize([root])
    doc = session.open(source, language)
    actions = await session.actions(doc, todo_line)
    (plan_action,) = [a for a in actions if a.title == "Plan this backend feature"]
    plan = await session.run(plan_action)
    assert plan["shown"] is True
    markdown = await session.content(plan["uri"])

    # The change spec comes first, before the architecture and the tasks.
    assert markdown.index("## Change") < markdown.index("## Architecture")
    assert markdown.index("## Architecture") < markdown.index("## Tasks")
    change = markdown[markdown.index("## Change") : markdown.index("## Architecture")]
    (endpoint,) = [
        e for s in analyze(root).backends() for e in s.endpoints if (e.method, e.path) == LOGIN
    ]
    assert endpoint.handler_file and (root / endpoint.handler_file).is_file()
    where = f"{endpoint.handler_file}:{endpoint.handler_line}"
    assert f"modifies `POST /api/users/login` — `{where}`" in change, change
    assert "rate limit" in change.lower()

    # The plan payload carries the same spec, with the registration where the code has it.
    payload = json.loads(await session.content(plan["jsonUri"]))
    (item,) = [i for i in payload["change_spec"]["items"] if i["endpoints"]]
    (ref,) = item["endpoints"]
    assert f"{ref['file']}:{ref['line']}" == registration(repo)

    # One Validation section: the skill's rules and the checks against the tree, both run.
    validation = markdown[markdown.index("## Validation") :]
    assert markdown.count("## Validation") == 1
    assert "Validator: the plan follows the planner skill's rules." in validation
    assert "Checks against the tree: the plan fits the workspace" in validation

    # The tree moves on: a file the plan modifies is deleted; the document says so.
    modified = [f for t in payload["tasks"] for f in t["inputs"].get("files_to_modify", [])]
    (root / modified[0]).unlink()
    again = await session.content(plan["uri"])
    validation = again[again.index("## Validation") :]
    assert "Checks against the tree: the plan fits" not in validation
    assert f'- `tasks[0].inputs.files_to_modify[0]`: "{modified[0]}" does not exist' in validation
