"""Plan documents: `workspace/textDocumentContent` for `backend-plan:/<id>/<title>.md`
(change spec, architecture, task tree, criteria, the skill's rules and the checks against the
tree), `.json` (the exact payload that is pushed) and `.tree.md` (the task tree with live
statuses); opened with `window/showDocument`."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types

from backend_planner.errors import BackendPlannerError, Problem
from backend_planner.lsp import codemap, saved_plans, stack
from backend_planner.lsp.server import SCHEME, PlannerServer, parse_plan_uri, uri_path
from backend_planner.lsp.store import PlanRecord


def plan_payload(record: PlanRecord) -> str:
    """The plan as pushed (the same JSON `backend-planner plan --json` prints)."""
    return json.dumps(record.plan.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def tree_text(ls: PlannerServer, record: PlanRecord) -> str:
    from backend_planner.planning import render_tree

    ids = record.pushed.ids() if record.pushed else {}
    statuses = dict(record.pushed.statuses()) if record.pushed else {}
    cached = ls.statuses.get(record.id)
    if cached:
        statuses.update(cached[1])
    return render_tree(record.plan, ids, statuses)


def markdown(ls: PlannerServer, record: PlanRecord) -> str:
    """The plan for people: the change spec first (what exists and is modified, with
    file:line), the architecture and tasks, then one Validation section: the skill's rules and
    the checks against the workspace's tree as it is now."""
    from backend_planner.planning import render_markdown

    head = []
    if record.stale:
        head.append("> **Stale**: the TODO this plan was made from has changed; run “Re-plan”.\n")
    if record.path:
        head.append(f"Planned from `{record.path}` line {record.line + 1}.\n")
    body = render_markdown(record.plan).split(VALIDATION)[0].rstrip() + "\n"
    pushed = ""
    if record.pushed:
        pushed = f"\n## Pushed to {record.pushed.backend}\n\n```\n{tree_text(ls, record)}```\n"
    sections = saved_plans.document_sections(ls, record)  # saved, drift, progress from evidence
    return (
        ("\n".join(head) + "\n" if head else "") + body + validation(ls, record) + sections + pushed
    )


VALIDATION = "\n## Validation\n"


def validation(ls: PlannerServer, record: PlanRecord) -> str:
    """The skill's rules and the checks against the tree, run now (the record may come from
    an older version, and the tree moves on)."""
    from backend_planner.cli.plan import tree_findings
    from backend_planner.planning import validate_plan

    out = VALIDATION + "\n"
    problems = validate_plan(record.plan)
    if problems:
        out += "Validator problems:\n\n" + _items(problems)
    else:
        out += "Validator: the plan follows the planner skill's rules.\n"
    profile = ls.profiles.get(str(Path(record.workspace)))  # made already, never started here
    if profile is None:
        return out + "\nChecks against the tree: not run (the folder is not analysed yet).\n"
    try:
        tree = tree_findings(record.plan, Path(record.workspace), profile)
    except BackendPlannerError as exc:
        return out + f"\nChecks against the tree: not run ({exc.message}).\n"
    if tree:
        return out + f"\nChecks against the tree: {len(tree)} finding(s):\n\n" + _items(tree)
    return out + (
        "\nChecks against the tree: the plan fits the workspace (files, names, endpoints, "
        "foreign keys, every part of the request covered).\n"
    )


def _items(problems: list[Problem]) -> str:
    return "".join(
        f"- `{p.place}`: {p.message}\n" if p.place else f"- {p.message}\n" for p in problems
    )


def content(ls: PlannerServer, uri: str) -> str:
    name = uri_path(uri).lstrip("/")
    if name.startswith(stack.PREFIX):
        return stack.content(ls, name)
    if name.startswith(codemap.PREFIX):
        return codemap.content(ls, name)
    record_id, view = parse_plan_uri(uri)
    record = ls.store.get(record_id)
    if record is None:
        return f"No plan {record_id!r} (it may have been replaced by a re-plan).\n"
    if view == "json":
        return plan_payload(record)
    if view == "tree.md":
        return tree_text(ls, record)
    return markdown(ls, record)


async def show(ls: PlannerServer, record_id: str, view: str = "md") -> bool:
    """Ask the client to open a plan document; False when it can't."""
    return await ls.show_document(ls.plan_uri(record_id, view))


def register(server: PlannerServer) -> None:
    @server.feature(types.WORKSPACE_TEXT_DOCUMENT_CONTENT)
    @server.guard("plan documents")
    def text_document_content(
        ls: PlannerServer, params: types.TextDocumentContentParams
    ) -> types.TextDocumentContentResult:
        if not params.uri.startswith(f"{SCHEME}:"):
            return types.TextDocumentContentResult(text="")
        return types.TextDocumentContentResult(text=content(ls, params.uri))
