"""A task and its sub-tasks as text: a terminal tree for people, markdown for MCP resources."""

from __future__ import annotations

from collections.abc import Sequence

from backend_planner.tasks.models import TaskView

STATUS_MARKS = {
    "pending": "○",
    "in_progress": "◐",
    "completed": "●",
    "failed": "✗",
    "cancelled": "⊘",
}


def _label(task: TaskView) -> str:
    mark = STATUS_MARKS.get(task.status, "?")
    ready = " (ready)" if task.ready else ""
    return f"{mark} {task.task_name} [{task.status}{ready}] {task.task_id}"


def render_text(root: TaskView, subtasks: Sequence[TaskView]) -> str:
    """Plain-text tree, one line per task, with status marks and details people look for."""
    lines = [_label(root)]
    lines.append(f"  skill: {root.skill_id}")
    if root.project_id:
        lines.append(f"  project: {root.project_id}")
    if root.parent_task_id:
        lines.append(f"  sub-task {root.subtask_index} of {root.parent_task_id}")
    if root.dependencies:
        lines.append(f"  waits for: {', '.join(root.dependencies)}")
    if root.has_subtasks:
        done = sum(1 for s in subtasks if s.status == "completed")
        lines.append(f"  sub-tasks: {done}/{len(subtasks)} completed")
    for i, sub in enumerate(subtasks):
        last = i == len(subtasks) - 1
        branch, stem = ("└── ", "    ") if last else ("├── ", "│   ")
        lines.append(f"{branch}{sub.subtask_index}. {_label(sub)}")
        if sub.worker:
            lines.append(f"{stem}   worker: {sub.worker}, lease until {sub.lease_expires_at}")
        if sub.dependencies:
            lines.append(f"{stem}   waits for: {', '.join(sub.dependencies)}")
    return "\n".join(lines)


def render_markdown(root: TaskView, subtasks: Sequence[TaskView]) -> str:
    lines = [
        f"# {root.task_name}",
        "",
        f"- id: `{root.task_id}`",
        f"- status: **{root.status}**{' (ready)' if root.ready else ''}",
        f"- skill: `{root.skill_id}`",
        f"- task_order: {root.task_order}",
    ]
    if root.project_id:
        lines.append(f"- project: `{root.project_id}`")
    if root.dependencies:
        lines.append("- waits for: " + ", ".join(f"`{d}`" for d in root.dependencies))
    lines += ["", root.description]
    if subtasks:
        lines += ["", "## Sub-tasks", ""]
        for sub in subtasks:
            lines.append(
                f"{sub.subtask_index}. {sub.task_name} — **{sub.status}**"
                f"{' (ready)' if sub.ready else ''} (`{sub.task_id}`)"
            )
    return "\n".join(lines) + "\n"
