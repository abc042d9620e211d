"""Batch validation on its own: every violation reported at once, each with its exact place."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from backend_planner.errors import ValidationFailed
from backend_planner.tasks.skills import SkillRegistry
from backend_planner.tasks.validation import (
    BatchRef,
    TaskRef,
    validate_batch,
    validate_single_task,
    validate_subtask,
)

from .support import DEV, chain, simple_task

EXISTING = {"existing-1"}


def existing(ids: Collection[str]) -> Collection[str]:
    return [i for i in ids if i in EXISTING]


def refused(tasks: object, skills: SkillRegistry) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        validate_batch(tasks, skills, existing)
    assert "nothing was written" in info.value.message
    return [str(p) for p in info.value.problems]


def test_a_valid_batch_resolves_placeholders_and_existing_ids(skills: SkillRegistry) -> None:
    tasks = [*chain(3), simple_task(4, "$1", "existing-1")]
    planned = validate_batch(tasks, skills, existing)
    assert [t.task_order for t in planned.tasks] == [1, 2, 3, 4]
    assert planned.tasks[1].dependencies == [BatchRef(0)]
    assert planned.tasks[3].dependencies == [BatchRef(0), TaskRef("existing-1")]


def test_the_contract_example_place_and_message(skills: SkillRegistry) -> None:
    tasks = chain(4)
    tasks[2]["dependencies"] = ["$5"]
    assert refused(tasks, skills) == [
        'tasks[2].dependencies[0]: "$5" is past the end of a 4-task batch'
    ]


def test_every_violation_is_reported_at_once(skills: SkillRegistry) -> None:
    tasks = chain(4)
    tasks[0]["skill_id"] = "backend-development"  # short name
    tasks[1]["dependencies"] = ["$2"]  # itself
    tasks[2]["task_order"] = 7
    tasks[3]["dependencies"] = ["nope", "$0"]
    del tasks[3]["description"]
    problems = refused(tasks, skills)
    assert problems == [
        'tasks[0].skill_id: "backend-development" is a short name; use the full_id '
        f'"{DEV}" (from search_skills)',
        'tasks[1].dependencies[0]: "$2" points at the task itself (it is task $2)',
        "tasks[2].task_order: expected 3, got 7 (task_order must run 1..4 in sequence, "
        "in the order the tasks are listed)",
        'tasks[3].dependencies[0]: no task with id "nope" (use "$k" for the k-th task of '
        "this batch)",
        'tasks[3].dependencies[1]: "$0" is not a placeholder: they start at $1 (1-indexed)',
        "tasks[3].description: missing required field",
    ]


def test_a_cycle_is_spelled_out_at_the_dependency_that_closes_it(skills: SkillRegistry) -> None:
    tasks = chain(3)
    tasks[0]["dependencies"] = ["$3"]
    assert refused(tasks, skills) == [
        'tasks[1].dependencies[0]: "$1" closes a dependency cycle: $1 → $3 → $2 → $1'
    ]


def test_forward_dependencies_without_a_cycle_are_accepted(skills: SkillRegistry) -> None:
    tasks = [simple_task(1, "$2"), simple_task(2)]
    planned = validate_batch(tasks, skills, existing)
    assert planned.tasks[0].dependencies == [BatchRef(1)]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "skill_id",
            "acme/skills/nothing",
            'tasks[0].skill_id: "acme/skills/nothing" is not a skill in the registry',
        ),
        ("task_name", "x" * 201, "tasks[0].task_name: too long"),
        ("task_name", "   ", "tasks[0].task_name: must not be blank"),
        ("description", "", "tasks[0].description: must not be empty"),
        ("inputs", {"blob": "x" * 70_000}, "tasks[0].inputs: 70011 bytes as JSON; at most 65536"),
        (
            "timeout_seconds",
            0,
            "tasks[0].timeout_seconds: Input should be greater than or equal to 1",
        ),
        (
            "validation_criteria",
            {"critical": ["y" * 1001]},
            "tasks[0].validation_criteria.critical[0]: 1001 characters; at most 1000",
        ),
        ("validation_criteria", {"must": []}, "tasks[0].validation_criteria.must: unknown field"),
        (
            "dependencies",
            ["$x"],
            'tasks[0].dependencies[0]: "$x" is not a placeholder; write $1, $2, ... (1-indexed)',
        ),
        ("priority", "high", "tasks[0].priority: unknown field"),
    ],
)
def test_field_problems_name_their_place(
    skills: SkillRegistry, field: str, value: object, expected: str
) -> None:
    task = simple_task(1)
    task[field] = value
    problems = refused([task], skills)
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_batch_size_limits(skills: SkillRegistry) -> None:
    assert refused([], skills) == ["tasks: a batch needs at least one task"]
    assert refused(chain(1001), skills) == ["tasks: 1001 tasks; a batch holds at most 1000"]
    assert refused("not a list", skills) == ["tasks: must be a list of tasks"]
    assert refused([42], skills) == ["tasks[0]: must be an object with the task's fields"]


def test_aramb_unique_id_shape_maps_to_the_same_model(skills: SkillRegistry) -> None:
    tasks = [
        {"unique_id": 10, "skill_id": DEV, "task_name": "a", "description": "a"},
        {
            "unique_id": 20,
            "skill_id": DEV,
            "task_name": "b",
            "description": "b",
            "logical_dependencies": [10],
        },
        {
            "unique_id": 30,
            "skill_id": DEV,
            "task_name": "c",
            "description": "c",
            "logical_dependencies": [10, 20],
        },
    ]
    planned = validate_batch(tasks, skills, existing)
    assert [t.task_order for t in planned.tasks] == [1, 2, 3]
    assert planned.tasks[2].dependencies == [BatchRef(0), BatchRef(1)]


def test_aramb_shape_errors(skills: SkillRegistry) -> None:
    tasks = [
        {
            "unique_id": 1,
            "skill_id": DEV,
            "task_name": "a",
            "description": "a",
            "logical_dependencies": [2],
        },
        {
            "unique_id": 1,
            "skill_id": DEV,
            "task_name": "b",
            "description": "b",
            "logical_dependencies": [9],
        },
        {"skill_id": DEV, "task_name": "c", "description": "c", "logical_dependencies": [1, 1]},
    ]
    assert refused(tasks, skills) == [
        "tasks[0].logical_dependencies[0]: no task in this batch has unique_id 2",
        "tasks[1].logical_dependencies[0]: no task in this batch has unique_id 9",
        "tasks[1].unique_id: 1 is already used by tasks[0]",
        "tasks[2].logical_dependencies[1]: unique_id 1 is listed twice",
        "tasks[2].unique_id: missing; every task of a batch that uses unique_id needs one",
    ]


def test_single_task_refuses_placeholders(skills: SkillRegistry) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_single_task(simple_task(1, "$1"), skills, existing)
    assert [str(p) for p in info.value.problems] == [
        'dependencies[0]: "$1": placeholders only work inside create_tasks_batch; '
        "use the task_id of an existing task"
    ]


def test_subtask_places_start_with_subtask(skills: SkillRegistry) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_subtask({"skill_id": "backend-testing", "task_name": "t"}, skills, existing)
    assert [str(p) for p in info.value.problems] == [
        "subtask.description: missing required field",
        'subtask.skill_id: "backend-testing" is a short name; use the full_id '
        '"backend-planner/skills/backend-testing" (from search_skills)',
    ]
