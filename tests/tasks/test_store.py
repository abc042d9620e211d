"""The store's semantics on SQLite and PostgreSQL: batches, sub-tasks, readiness, leases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend_planner.errors import Conflict, NotFound, ValidationFailed
from backend_planner.tasks import db
from backend_planner.tasks.store import TaskStore

from .conftest import FakeClock
from .support import DEV, chain, simple_task, standard_batch


def count_tasks(store: TaskStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM tasks")).scalar_one())


def test_schema_is_created_by_versioned_migrations(store: TaskStore) -> None:
    assert db.current_revision(store.engine) == "0002"
    db.upgrade(store.engine)  # idempotent on an up-to-date database
    assert db.current_revision(store.engine) == "0002"


def test_standard_batch_resolves_placeholders_to_ids(store: TaskStore) -> None:
    created = store.create_batch(standard_batch(), project_id="shop")
    ids = [t.task_id for t in created.tasks]
    assert [t.dependencies for t in created.tasks] == [[], [ids[0]], [ids[1]], [ids[2]]]
    assert [t.status for t in created.tasks] == ["pending"] * 4
    first = store.get_task(ids[0])
    assert first.ready and first.project_id == "shop"
    assert not store.get_task(ids[1]).ready


def test_refused_batch_writes_nothing(store: TaskStore) -> None:
    tasks = chain(4)
    tasks[3]["dependencies"] = ["$9"]
    with pytest.raises(ValidationFailed):
        store.create_batch(tasks)
    assert count_tasks(store) == 0


def test_existing_task_ids_as_dependencies(store: TaskStore) -> None:
    first = store.create_batch(chain(1)).tasks[0]
    second = store.create_batch([simple_task(1, first.task_id)]).tasks[0]
    assert second.dependencies == [first.task_id]
    with pytest.raises(ValidationFailed) as info:
        store.create_batch([simple_task(1, "no-such-task")])
    assert [str(p) for p in info.value.problems] == [
        'tasks[0].dependencies[0]: no task with id "no-such-task" (use "$k" for the k-th '
        "task of this batch)"
    ]


def test_claims_follow_dependencies_and_order(store: TaskStore) -> None:
    ids = [t.task_id for t in store.create_batch(standard_batch()).tasks]
    claimed = []
    while (task := store.claim_next_task(worker="w1")) is not None:
        assert task.status == "in_progress" and task.worker == "w1"
        assert store.claim_next_task(worker="w2") is None  # the next one waits for this one
        store.update_task_status(task.task_id, "completed", {"verdict": "ok"})
        claimed.append(task.task_id)
    assert claimed == ids
    assert store.get_task(ids[0]).result == {"verdict": "ok"}


def test_parent_with_sequential_subtasks_and_review(store: TaskStore) -> None:
    parent = store.create_task(
        simple_task(1, name="Build order services"), project_id="shop", context={"user_id": "u1"}
    )
    subs = [
        store.create_subtask(parent.task_id, {"skill_id": DEV, "task_name": n, "description": n})
        for n in ("Orders", "Inventory", "Payments", "Notifications")
    ]
    review = store.create_task(simple_task(2, parent.task_id, name="QA"), project_id="shop")
    assert [s.subtask_index for s in subs] == [1, 2, 3, 4]
    assert all(s.project_id == "shop" and s.context == {"user_id": "u1"} for s in subs)
    view = store.get_task(parent.task_id)
    assert view.has_subtasks and not view.subtasks_completed and not view.ready
    assert [s.ready for s in view.subtasks] == [True, False, False, False]

    order = []
    while (task := store.claim_next_task()) is not None:
        assert task.task_id != parent.task_id  # a container is never claimed
        order.append(task.task_name)
        if task.task_name == "Notifications":
            assert not store.get_task(review.task_id).ready
        store.update_task_status(task.task_id, "completed")
    assert order == ["Orders", "Inventory", "Payments", "Notifications", "QA"]
    done = store.get_task(parent.task_id)
    assert done.status == "completed" and done.subtasks_completed


def test_position_inserts_between_existing_subtasks(store: TaskStore) -> None:
    parent = store.create_task(simple_task(1))
    for name in ("a", "c"):
        store.create_subtask(
            parent.task_id, {"skill_id": DEV, "task_name": name, "description": name}
        )
    inserted = store.create_subtask(
        parent.task_id, {"skill_id": DEV, "task_name": "b", "description": "b"}, position=2
    )
    assert inserted.subtask_index == 2
    names = [s.task_name for s in store.get_task(parent.task_id).subtasks]
    assert names == ["a", "b", "c"]
    with pytest.raises(ValidationFailed) as info:
        store.create_subtask(
            parent.task_id, {"skill_id": DEV, "task_name": "x", "description": "x"}, position=9
        )
    assert [str(p) for p in info.value.problems] == [
        "position: 9 is out of range: the parent has 3 sub-task(s), so position must be 1..4 "
        "(or omitted to append)"
    ]


def test_cannot_insert_before_a_started_subtask(store: TaskStore) -> None:
    parent = store.create_task(simple_task(1))
    store.create_subtask(parent.task_id, {"skill_id": DEV, "task_name": "a", "description": "a"})
    store.claim_next_task()
    with pytest.raises(ValidationFailed) as info:
        store.create_subtask(
            parent.task_id, {"skill_id": DEV, "task_name": "z", "description": "z"}, position=1
        )
    assert str(info.value.problems[0]).startswith(
        "position: 1 would go before sub-task 1 which is already in_progress"
    )


def test_subtask_of_a_subtask_is_refused(store: TaskStore) -> None:
    parent = store.create_task(simple_task(1))
    sub = store.create_subtask(
        parent.task_id, {"skill_id": DEV, "task_name": "a", "description": "a"}
    )
    with pytest.raises(ValidationFailed) as info:
        store.create_subtask(sub.task_id, {"skill_id": DEV, "task_name": "b", "description": "b"})
    assert str(info.value.problems[0]).startswith(
        f'parent_task_id: task "{sub.task_id}" is itself a sub-task (of "{parent.task_id}")'
    )
    with pytest.raises(ValidationFailed) as info:
        store.create_subtask("missing", {"skill_id": DEV, "task_name": "b", "description": "b"})
    assert [str(p) for p in info.value.problems] == ['parent_task_id: no task with id "missing"']


def test_investigation_parent_gets_subtasks_later(store: TaskStore) -> None:
    parent = store.create_task(simple_task(1, name="Fix rate limiting issues"))
    investigate = store.create_subtask(
        parent.task_id, {"skill_id": DEV, "task_name": "Investigate", "description": "find causes"}
    )
    assert store.claim_next_task().task_id == investigate.task_id
    fixes = [
        store.create_subtask(parent.task_id, {"skill_id": DEV, "task_name": n, "description": n})
        for n in ("Fix pool exhaustion", "Fix window reset", "Fix missing headers")
    ]
    assert [f.subtask_index for f in fixes] == [2, 3, 4]
    assert store.get_task(parent.task_id).status == "in_progress"
    store.update_task_status(investigate.task_id, "completed")
    for fix in fixes:
        assert store.claim_next_task().task_id == fix.task_id
        store.update_task_status(fix.task_id, "completed")
    assert store.get_task(parent.task_id).subtasks_completed


def test_a_claimed_task_that_needs_subtasks_becomes_their_container(store: TaskStore) -> None:
    task = store.create_task(simple_task(1))
    assert store.claim_next_task(worker="w").task_id == task.task_id
    sub = store.create_subtask(
        task.task_id, {"skill_id": DEV, "task_name": "a", "description": "a"}
    )
    view = store.get_task(task.task_id)
    assert view.has_subtasks and view.worker is None and view.lease_expires_at is None
    assert store.claim_next_task().task_id == sub.task_id


def test_status_transitions_are_checked(store: TaskStore) -> None:
    ids = [t.task_id for t in store.create_batch(chain(2)).tasks]
    with pytest.raises(Conflict, match="cannot change status from pending to completed"):
        store.update_task_status(ids[0], "completed")
    with pytest.raises(
        Conflict, match=f"task {ids[1]} is not ready: dependency {ids[0]} is pending"
    ):
        store.update_task_status(ids[1], "in_progress")
    store.update_task_status(ids[0], "in_progress")
    store.update_task_status(ids[0], "completed")
    with pytest.raises(Conflict, match="completed is final"):
        store.update_task_status(ids[0], "pending")
    with pytest.raises(ValidationFailed) as info:
        store.update_task_status(ids[1], "done")
    assert "status: 'done' is not one of pending, in_progress" in info.value.details()
    with pytest.raises(NotFound):
        store.update_task_status("nope", "cancelled")


def test_parent_status_follows_subtasks_and_cancel_cascades(store: TaskStore) -> None:
    parent = store.create_task(simple_task(1))
    subs = [
        store.create_subtask(parent.task_id, {"skill_id": DEV, "task_name": n, "description": n})
        for n in ("a", "b")
    ]
    with pytest.raises(Conflict, match="has sub-tasks"):
        store.update_task_status(parent.task_id, "completed")
    with pytest.raises(Conflict, match=rf"sub-task 1 \({subs[0].task_id}\) is pending"):
        store.update_task_status(subs[1].task_id, "in_progress")
    store.claim_next_task()
    assert store.get_task(parent.task_id).status == "in_progress"
    store.update_task_status(subs[0].task_id, "failed", {"error": "boom"})
    assert store.get_task(parent.task_id).status == "failed"
    store.update_task_status(subs[0].task_id, "pending")  # re-queue
    assert store.get_task(parent.task_id).status == "in_progress"
    store.update_task_status(parent.task_id, "cancelled")
    assert [store.get_task(s.task_id).status for s in subs] == ["cancelled", "cancelled"]
    assert store.claim_next_task() is None


def test_leases_expire_back_to_pending_then_fail(store: TaskStore, clock: FakeClock) -> None:
    task = store.create_batch([simple_task(1, timeout_seconds=60, max_retries=1)]).tasks[0]
    first = store.claim_next_task(worker="a")
    assert first is not None and first.attempts == 1
    clock.advance(59)
    assert store.claim_next_task() is None
    clock.advance(2)
    again = store.claim_next_task(worker="b")
    assert again is not None and again.task_id == task.task_id and again.attempts == 2
    clock.advance(61)
    assert store.expire_leases() == 1
    failed = store.get_task(task.task_id)
    assert failed.status == "failed"
    assert failed.result == {"error": "lease expired 2 time(s); no retries left"}


def test_idempotency_key(store: TaskStore) -> None:
    first = store.create_batch(chain(3), idempotency_key="plan-1")
    again = store.create_batch(chain(3), idempotency_key="plan-1")
    assert again == first
    assert count_tasks(store) == 3
    with pytest.raises(
        Conflict, match='idempotency_key "plan-1" was already used with a different payload'
    ):
        store.create_batch(chain(2), idempotency_key="plan-1")
    single = store.create_task(simple_task(1), idempotency_key="one")
    assert store.create_task(simple_task(1), idempotency_key="one") == single
    assert count_tasks(store) == 4


def test_list_tasks_pages_and_filters(store: TaskStore) -> None:
    store.create_batch(chain(5), project_id="a")
    store.create_batch(chain(2), project_id="b")
    page = store.list_tasks(project_id="a", limit=2)
    seen = [t.task_name for t in page.tasks]
    while page.next_cursor:
        page = store.list_tasks(project_id="a", limit=2, cursor=page.next_cursor)
        seen += [t.task_name for t in page.tasks]
    assert seen == [f"Task {i}" for i in range(1, 6)]
    assert len(store.list_tasks(status="pending").tasks) == 7
    with pytest.raises(ValidationFailed) as info:
        store.list_tasks(cursor="garbage!")
    assert "cursor: not a cursor returned by list_tasks" in info.value.details()


def test_claim_filters_by_project_and_skill(store: TaskStore) -> None:
    store.create_batch(chain(1), project_id="a")
    store.create_batch(
        [simple_task(1, skill_id="backend-planner/skills/backend-testing")], project_id="b"
    )
    assert store.claim_next_task(project_id="c") is None
    got = store.claim_next_task(skill_id="backend-planner/skills/backend-testing")
    assert got is not None and got.project_id == "b"


def test_a_parents_dependencies_gate_its_subtasks(store: TaskStore) -> None:
    design = store.create_task(simple_task(1, name="Design"))
    parent = store.create_task(simple_task(2, design.task_id, name="Build"))
    sub = store.create_subtask(
        parent.task_id, {"skill_id": DEV, "task_name": "Schema", "description": "s"}
    )
    assert not store.get_task(sub.task_id).ready
    assert [s.ready for s in store.get_task(parent.task_id).subtasks] == [False]
    with pytest.raises(Conflict, match=f"its parent's dependency {design.task_id} is pending"):
        store.update_task_status(sub.task_id, "in_progress")
    assert store.claim_next_task().task_id == design.task_id
    assert store.claim_next_task() is None
    store.update_task_status(design.task_id, "completed")
    assert store.get_task(sub.task_id).ready
    assert store.claim_next_task().task_id == sub.task_id
