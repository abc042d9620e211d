"""Push a plan through a real MCP client session to the configured task backend, and read the
live statuses of pushed tasks (in the background: hovers never wait on the network).
Used by the commands (actions.py) and hovers (hover.py); it registers no handler itself."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from backend_planner.lsp.server import PlannerServer
from backend_planner.lsp.store import PlanRecord

if TYPE_CHECKING:
    from backend_planner.tasks.client import BackendTarget

log = logging.getLogger(__name__)


def target(ls: PlannerServer) -> BackendTarget:
    from backend_planner.tasks.client import BackendTarget

    backend = ls.settings.backend
    if backend.url:
        return BackendTarget(url=backend.url, token=backend.token)
    if backend.command:
        return BackendTarget(command=backend.command)
    return BackendTarget.default()


async def push_record(ls: PlannerServer, record: PlanRecord) -> PlanRecord:
    from backend_planner.tasks.client import TaskBackendClient

    where = target(ls)
    log.info("pushing plan %s to %s", record.id, where.describe())
    async with TaskBackendClient(where) as client:
        result = await client.push_plan(record.plan, project_id=ls.settings.project_id)
    pushed = record.model_copy(update={"pushed": result})
    ls.store.put(pushed)
    ls.statuses[record.id] = (time.monotonic(), result.statuses())
    ls.refresh_plan_documents(record.id)
    return pushed


async def refresh_statuses(ls: PlannerServer, record_id: str) -> None:
    """Read each pushed task's status from the backend; refresh the plan documents if changed."""
    from backend_planner.tasks.client import TaskBackendClient

    record = ls.store.get(record_id)
    if record is None or record.pushed is None or record_id in ls.status_refreshing:
        return
    ls.status_refreshing.add(record_id)
    try:
        statuses: dict[str, str] = {}
        async with TaskBackendClient(target(ls), timeout=20) as client:
            for number, task_id in record.pushed.ids().items():
                task: Any = await client.get_task(task_id)
                status = task.get("status") if isinstance(task, dict) else None
                if isinstance(task, dict) and isinstance(task.get("task"), dict):
                    status = task["task"].get("status", status)
                if isinstance(status, str):
                    statuses[number] = status
        previous = ls.statuses.get(record_id)
        ls.statuses[record_id] = (time.monotonic(), statuses)
        if previous is None or previous[1] != statuses:
            ls.refresh_plan_documents(record_id)
    except Exception as exc:
        ls.statuses[record_id] = (time.monotonic(), ls.statuses.get(record_id, (0, {}))[1])
        log.warning("can't read the statuses of plan %s: %s", record_id, exc)
    finally:
        ls.status_refreshing.discard(record_id)


STATUS_MARKS = {
    "pending": "○",
    "in_progress": "◐",
    "completed": "●",
    "failed": "✗",
    "cancelled": "–",
}


def linked_tree_text(root: dict[str, Any], tasks: list[dict[str, Any]]) -> str:
    """The tree of a linked task as the backend has it: the task, its sub-tasks, and the tasks
    that wait for it (directly or through each other), e.g. a review or the critique chain."""

    def label(task: dict[str, Any]) -> str:
        mark = STATUS_MARKS.get(str(task.get("status")), "?")
        return f"{mark} {task.get('task_name')}  [{task.get('status')} · {task.get('task_id')}]"

    lines = [label(root)]
    for sub in root.get("subtasks") or []:
        lines.append(f"   {sub.get('subtask_index')}. {label(sub)}")
    seen = {str(root.get("task_id"))}
    seen.update(str(s.get("task_id")) for s in root.get("subtasks") or [])
    waiting = True
    while waiting:
        waiting = False
        for task in sorted(tasks, key=lambda t: (t.get("task_order", 0), str(t.get("task_id")))):
            if task.get("task_id") in seen or not set(task.get("dependencies") or []) & seen:
                continue
            seen.add(str(task.get("task_id")))
            after = ", ".join(sorted(set(task.get("dependencies") or []) & seen))
            lines.append(f"{label(task)}  (after {after})")
            waiting = True
    return "\n".join(lines)


async def read_linked_tree(ls: PlannerServer, task_id: str) -> None:
    """Read a linked task's tree from the backend into `ls.linked_trees` (for the next hover)."""
    from backend_planner.tasks.client import TaskBackendClient

    if task_id in ls.linked_reading:
        return
    ls.linked_reading.add(task_id)
    try:
        async with TaskBackendClient(target(ls), timeout=20) as client:
            root: Any = await client.get_task(task_id)
            root = root.get("task", root) if isinstance(root, dict) else {}
            arguments: dict[str, Any] = {"limit": 500}
            if root.get("project_id"):
                arguments["project_id"] = root["project_id"]
            page = await client.call("list_tasks", arguments)
        text = linked_tree_text(root, [t for t in page.get("tasks", []) if isinstance(t, dict)])
        ls.linked_trees[task_id] = (time.monotonic(), text)
        log.info("read the tree of linked task %s", task_id)
    except Exception as exc:
        ls.linked_trees[task_id] = (time.monotonic(), f"can't read task {task_id}: {exc}")
        log.warning("can't read the tree of linked task %s: %s", task_id, exc)
    finally:
        ls.linked_reading.discard(task_id)
