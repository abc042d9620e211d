"""Hover on a planned TODO: the task tree (names, dependencies, skills); once pushed, each
task's live status. Statuses come from a short-lived cache; a stale cache is refreshed in the
background (the hover never waits on the network) and the plan documents are refreshed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from backend_planner.lsp import documents, push, saved_plans
from backend_planner.lsp.server import PlannerServer

if TYPE_CHECKING:
    from backend_planner.lsp.store import PlanRecord


def hover_text(ls: PlannerServer, record: PlanRecord) -> str:
    skills = sorted({t.skill_id for t in record.plan.tasks})
    lines = [
        f"**Backend plan** `{record.id}`" + (" — *stale: the TODO changed*" if record.stale else "")
    ]
    if record.pushed:
        cached = ls.statuses.get(record.id)
        age = f"{time.monotonic() - cached[0]:.0f} s ago" if cached else "at push"
        lines.append(f"Pushed to {record.pushed.backend}; statuses as of {age}.")
    lines += ["", "```", documents.tree_text(ls, record).rstrip("\n"), "```"]
    lines += saved_plans.hover_lines(ls, record)  # drift, progress from evidence
    lines += ["", "Skills: " + ", ".join(f"`{s}`" for s in skills)]
    return "\n".join(lines)


def linked_hover_text(ls: PlannerServer, task_id: str) -> str:
    """A linked TODO with no plan here (e.g. a fresh clone): the task tree as the backend has
    it, read in the background; the first hover says it is being read."""
    cached = ls.linked_trees.get(task_id)
    if cached is None or time.monotonic() - cached[0] >= ls.settings.status_cache_seconds:
        ls.spawn(push.read_linked_tree(ls, task_id), "linked task tree")
    if cached is None:
        return f"Linked to task `{task_id}`: reading its tree from the task backend…"
    age = time.monotonic() - cached[0]
    return "\n".join(
        [
            f"**Linked to task** `{task_id}` (no plan for it in this workspace); "
            f"from the task backend {age:.0f} s ago.",
            "",
            "```",
            cached[1],
            "```",
        ]
    )


def register(server: PlannerServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @server.guard("hover")
    def on_hover(ls: PlannerServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        todo, record = ls.record_at(uri, params.position.line)
        if todo is None:
            return None
        if record is None:
            if todo.task_id:
                value = linked_hover_text(ls, todo.task_id)
            else:
                value = "Backend feature request: use the code action “Plan this backend feature”."
        else:
            value = hover_text(ls, record)
            cached = ls.statuses.get(record.id)
            fresh = cached and time.monotonic() - cached[0] < ls.settings.status_cache_seconds
            if record.pushed and not fresh:
                ls.spawn(push.refresh_statuses(ls, record.id), "task statuses")
        document = ls.workspace.get_text_document(uri)
        span = ServerTextRange(
            ServerTextPosition(todo.line, todo.column),
            ServerTextPosition(todo.end_line, todo.end_column),
        )
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value),
            range=document.range_to_client_units(span),
        )
