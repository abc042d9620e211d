"""Property: any batch is either created completely or refused completely, with places."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backend_planner.errors import ValidationFailed
from backend_planner.tasks.store import TaskStore

from .support import CRITIQUE, DEV

PLACE = re.compile(r"^tasks(\[\d+\](\.[a-z_]+(\[\d+\])?(\.[a-z_]+(\[\d+\])?)?)?)?$")

skill_ids = st.sampled_from([DEV, CRITIQUE, "backend-development", "acme/x/y", ""])
dependency = st.one_of(
    st.integers(min_value=0, max_value=7).map(lambda k: f"${k}"),
    st.sampled_from(["$x", "unknown-id", ""]),
)


@st.composite
def batches(draw: st.DrawFn) -> list[Any]:
    """A valid batch (dependencies on earlier tasks), then zero to three random corruptions."""
    size = draw(st.integers(min_value=0, max_value=6))
    tasks: list[Any] = []
    for i in range(size):
        deps = draw(st.lists(st.integers(1, i), max_size=2, unique=True)) if i else []
        tasks.append(
            {
                "skill_id": draw(st.sampled_from([DEV, CRITIQUE])),
                "task_name": f"Task {i + 1}",
                "description": "Do it",
                "task_order": i + 1,
                "dependencies": [f"${k}" for k in deps],
            }
        )
    for _ in range(draw(st.integers(0, 3)) if tasks else 0):
        task = tasks[draw(st.integers(0, len(tasks) - 1))]
        kind = draw(st.integers(0, 6))
        if kind == 0:
            task["skill_id"] = draw(skill_ids)
        elif kind == 1:
            task["task_name"] = draw(st.sampled_from(["", " ", "x" * 201]))
        elif kind == 2:
            task["task_order"] = draw(st.sampled_from([0, 9, -1]))
        elif kind == 3:
            task["dependencies"] = [*task["dependencies"], draw(dependency)]
        elif kind == 4:
            fields = ["skill_id", "task_name", "description", "task_order"]
            task.pop(draw(st.sampled_from(fields)), None)
        elif kind == 5:
            task["timeout_seconds"] = draw(st.sampled_from([0, 10, "soon"]))
        else:
            task["dependencies"] = [f"${len(tasks)}"]  # may close a cycle or point at itself
    return tasks


def task_count(store: TaskStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM tasks")).scalar_one())


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tasks=batches())
def test_batch_is_all_or_nothing(store: TaskStore, tasks: list[Any]) -> None:
    before = task_count(store)
    try:
        created = store.create_batch(tasks)
    except ValidationFailed as exc:
        event("refused")
        assert task_count(store) == before
        assert exc.problems, "a refusal lists its problems"
        for problem in exc.problems:
            assert PLACE.match(problem.place), problem
        return
    event("created")
    assert task_count(store) == before + len(tasks)
    ids = [t.task_id for t in created.tasks]
    for i, (task, made) in enumerate(zip(tasks, created.tasks, strict=True)):
        assert made.task_order == i + 1
        expected = [ids[int(d[1:]) - 1] for d in task["dependencies"]]
        assert made.dependencies == expected
        assert store.get_task(made.task_id).dependencies == expected
