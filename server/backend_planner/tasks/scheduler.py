"""Scheduling rules, as pure functions: readiness, status transitions, container status.

The store applies them (and mirrors `is_ready` in SQL for `claim_next_task`); keeping them here
makes the rules readable and testable on their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend_planner.errors import Conflict, Problem

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"in_progress", "cancelled"}),
    "in_progress": frozenset({"completed", "failed", "cancelled", "pending"}),
    "failed": frozenset({"pending", "cancelled"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}
"""Which status may follow which. failed → pending re-queues a task; completed and cancelled "
"are final."""

ACTIVE_PARENT_STATUSES = frozenset({"pending", "in_progress"})


def is_ready(
    *,
    status: str,
    has_subtasks: bool,
    dependency_statuses: Iterable[str],
    earlier_sibling_statuses: Iterable[str] = (),
    parent_status: str | None = None,
) -> bool:
    """Pending, not a container, every dependency and every earlier sub-task completed."""
    return (
        status == "pending"
        and not has_subtasks
        and all(s == "completed" for s in dependency_statuses)
        and all(s == "completed" for s in earlier_sibling_statuses)
        and (parent_status is None or parent_status in ACTIVE_PARENT_STATUSES)
    )


def is_final(status: str) -> bool:
    """completed and cancelled: nothing follows them."""
    return not ALLOWED_TRANSITIONS.get(status, frozenset({"?"}))


def check_transition(task_id: str, current: str, wanted: str, *, has_subtasks: bool) -> None:
    """Raise `Conflict` (naming the field `status`) when `current → wanted` makes no sense."""
    if has_subtasks and wanted != "cancelled":
        raise Conflict(
            f"task {task_id} has sub-tasks: its status follows them (it completes when its last "
            "sub-task completes); only cancelled can be set on it",
            [Problem("status", f"{wanted!r} cannot be set on a parent task")],
        )
    allowed = ALLOWED_TRANSITIONS[current]
    if wanted in allowed:
        return
    if not allowed:
        reason = f"{current} is final"
    elif current == wanted:
        reason = f"it is already {current}"
    else:
        reason = "from " + current + " it can go to " + ", ".join(sorted(allowed))
    raise Conflict(
        f"task {task_id}: cannot change status from {current} to {wanted}; {reason}",
        [Problem("status", f"{current} → {wanted} is not allowed")],
    )


def container_status(current: str, child_statuses: list[str]) -> str:
    """The status a parent takes from its sub-tasks' statuses."""
    if current == "cancelled" or not child_statuses:
        return current
    if all(s == "completed" for s in child_statuses):
        return "completed"
    if any(s == "failed" for s in child_statuses):
        return "failed"
    if any(s == "cancelled" for s in child_statuses):
        return "cancelled"
    if current in ("in_progress", "failed", "completed") or any(
        s in ("in_progress", "completed") for s in child_statuses
    ):
        return "in_progress"
    return "pending"


def lease_outcome(attempts: int, max_retries: int) -> str:
    """Status of a task whose lease expired after `attempts` claims."""
    return "failed" if attempts > max_retries else "pending"
