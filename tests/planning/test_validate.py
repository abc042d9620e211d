"""The validator names every broken rule of the planner skill at its place."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backend_planner.planning import validate_plan
from planning.support import SKILLS, example_plan

STRIPE = "Build subscription API with Stripe"


@pytest.fixture(scope="module")
def standard() -> dict[str, Any]:
    return example_plan("go-gin-shop", STRIPE).model_dump(mode="json")


@pytest.fixture(scope="module")
def parent_plan() -> dict[str, Any]:
    return example_plan(
        "go-gin-shop",
        "Build a complete e-commerce order management API with orders, inventory, payments, "
        "and notifications",
    ).model_dump(mode="json")


def places(plan: dict[str, Any]) -> dict[str, str]:
    return {p.place: p.message for p in validate_plan(plan, skills=SKILLS)}


def test_the_planners_own_plans_pass(standard: dict[str, Any], parent_plan: dict[str, Any]) -> None:
    assert validate_plan(standard, skills=SKILLS) == []
    assert validate_plan(parent_plan, skills=SKILLS) == []
    assert validate_plan(standard) == []  # roles recognised without the skill ids too


def test_task_order_must_run_from_one_in_sequence(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][1]["task_order"] = 3
    found = places(plan)
    assert "rule 9" in found["tasks[1].task_order"]
    assert "must be 2" in found["tasks[1].task_order"]


def test_short_skill_names_are_refused(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][0]["skill_id"] = "backend-development"
    assert "rule 4" in places(plan)["tasks[0].skill_id"]
    found = validate_plan(standard, known_skill_ids=["other/repo/skill"])
    assert {p.place for p in found} >= {"tasks[0].skill_id", "tasks[1].skill_id"}


def test_critique_needs_preceding_task_matching_the_reviewed_task(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][1]["inputs"]["preceding_task"]["task_name"] = "Something else"
    assert "rule 10" in places(plan)["tasks[1].inputs.preceding_task.task_name"]
    del plan["tasks"][3]["inputs"]["preceding_task"]
    assert "rule 10" in places(plan)["tasks[3].inputs.preceding_task"]


def test_critique_copies_the_reviewed_criteria(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][1]["inputs"]["validation_criteria"]["critical"].pop()
    assert "rule 11" in places(plan)["tasks[1].inputs.validation_criteria"]


def test_placeholders_point_backwards(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][2]["dependencies"] = ["$4"]
    assert "rule 12" in places(plan)["tasks[2].dependencies[0]"]
    plan["tasks"][2]["dependencies"] = ["task-123"]
    assert "rule 12" in places(plan)["tasks[2].dependencies[0]"]


def test_subtasks_cannot_have_subtasks(parent_plan: dict[str, Any]) -> None:
    plan = copy.deepcopy(parent_plan)
    nested = copy.deepcopy(plan["tasks"][0]["subtasks"][0])
    plan["tasks"][0]["subtasks"][1]["subtasks"] = [nested]
    assert "rule 13" in places(plan)["tasks[0].subtasks[1].subtasks"]


def test_review_task_must_depend_on_the_parent(parent_plan: dict[str, Any]) -> None:
    plan = copy.deepcopy(parent_plan)
    plan["tasks"][1]["dependencies"] = []
    found = places(plan)
    assert "rule 3" in found["tasks[1]"]


def test_testing_task_validates_user_requirements(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][2]["inputs"]["user_expectations"] = []
    plan["tasks"][2]["validation_criteria"]["critical"] = ["Tests pass"]
    plan["tasks"][3]["inputs"]["validation_criteria"]["critical"] = ["Tests pass"]
    found = places(plan)
    assert "rule 8" in found["tasks[2].inputs.user_expectations"]
    assert "rule 8" in found["tasks[2].validation_criteria.critical"]


def test_security_the_request_implies_is_required(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    criteria = plan["tasks"][0]["validation_criteria"]
    for level in ("critical", "expected", "nice_to_have"):
        criteria[level] = [c for c in criteria[level] if "ignature" not in c]
    plan["tasks"][0]["inputs"]["requirements"] = "Build it"
    plan["tasks"][1]["inputs"]["validation_criteria"] = criteria
    assert "webhook signature" in places(plan)["tasks[0].validation_criteria"]


def test_file_paths_are_required_and_real(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    inputs = plan["tasks"][0]["inputs"]
    inputs["files_to_create"] = ["migrations/00X_create_subscriptions.sql", "/etc/passwd"]
    found = places(plan)
    assert "placeholder" in found["tasks[0].inputs.files_to_create[0]"]
    assert "repo-relative" in found["tasks[0].inputs.files_to_create[1]"]
    inputs["files_to_create"] = []
    inputs["files_to_modify"] = []
    assert "rule 6" in places(plan)["tasks[0].inputs.files_to_create"]


def test_standard_pattern_shape(standard: dict[str, Any]) -> None:
    plan = copy.deepcopy(standard)
    plan["tasks"][2]["skill_id"] = SKILLS.critique
    found = places(plan)
    assert "rule 2/3" in found["tasks"]


def test_anything_handed_in_gets_problems_not_exceptions() -> None:
    assert validate_plan({}) != []
    assert [
        p.place for p in validate_plan({"request": "x", "pattern": "standard", "tasks": [1]})
    ] == ["tasks[0]"]
    assert validate_plan({"request": "x", "pattern": "odd", "tasks": [{"subtasks": "no"}]}) != []
