"""A task's result kept as a note: the task's current status with a result keeps the result and
changes nothing else (progress evidence is pushed this way); a final task takes no note."""

from __future__ import annotations

import pytest

from backend_planner.errors import Conflict
from backend_planner.tasks.store import TaskStore

from .support import DEV, chain, simple_task


def test_a_note_keeps_the_status_and_a_final_task_refuses_it(store: TaskStore) -> None:
    ids = [t.task_id for t in store.create_batch(chain(2)).tasks]
    note = {"evidence": {"summary": "code: 1/2 checks", "passed": 1, "total": 2}}
    kept = store.update_task_status(ids[1], "pending", note)  # not ready: a note is fine
    assert kept.status == "pending" and kept.result == note and kept.attempts == 0
    assert not store.get_task(ids[1]).ready  # still waiting for its dependency

    store.update_task_status(ids[0], "in_progress")
    working = store.update_task_status(ids[0], "in_progress", note)
    assert working.status == "in_progress" and working.result == note
    assert working.attempts == 1 and working.lease_expires_at is not None  # the lease stays

    store.update_task_status(ids[0], "completed", {"verdict": "ok"})
    with pytest.raises(Conflict, match="completed is final"):
        store.update_task_status(ids[0], "completed", note)
    with pytest.raises(Conflict, match="it is already pending"):
        store.update_task_status(ids[1], "pending")  # no result: not a note


def test_a_parent_takes_a_note_though_its_status_follows_its_subtasks(store: TaskStore) -> None:
    parent = store.create_batch([simple_task(1)]).tasks[0]
    store.create_subtask(
        parent.task_id, {"skill_id": DEV, "task_name": "First step", "description": "Do it"}
    )
    note = {"evidence": {"summary": "code: 0/3 checks"}}
    view = store.update_task_status(parent.task_id, "pending", note)
    assert view.status == "pending" and view.result == note and view.has_subtasks
