"""Every corpus skeleton × a list of varied requests: valid plans, real paths, next migration
names, the backend's own batch validation, and byte-for-byte determinism."""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

import pytest

from backend_planner.planning import Plan, make_plan, plan_workspace, understand, validate_plan
from backend_planner.tasks.skills import SkillRegistry
from backend_planner.tasks.validation import (
    validate_batch,
    validate_single_task,
    validate_subtask,
)
from backend_planner.workspace import Service, analyze, next_migration_files
from conftest import CORPUS_DIR
from planning.requests import REQUESTS
from planning.support import SKILLS, placed_beside_known, profile_of

ROOTS = sorted(p for p in CORPUS_DIR.iterdir() if p.is_dir())
REGISTRY = SkillRegistry.load([])


def test_there_is_a_corpus_and_enough_requests() -> None:
    assert len(ROOTS) >= 18
    assert len(REQUESTS) >= 20


def _plans(root: Path) -> list[tuple[Service, str, Plan]]:
    profile = profile_of(root)
    out = []
    for service in profile.backends():
        for request in REQUESTS:
            out.append(
                (
                    service,
                    request,
                    plan_workspace(
                        request, root, SKILLS, service_path=service.path, profile=profile
                    ),
                )
            )
    return out


@pytest.fixture(scope="module", params=ROOTS, ids=[r.name for r in ROOTS])
def corpus_plans(request: pytest.FixtureRequest) -> tuple[Path, list[tuple[Service, str, Plan]]]:
    root = request.param
    return root, _plans(root)


def test_every_plan_passes_the_validator(corpus_plans: tuple[Path, list]) -> None:
    root, plans = corpus_plans
    assert plans, f"{root.name}: no backend service planned for"
    failures = [
        f"{service.path} / {req}: {problems}"
        for service, req, plan in plans
        if (problems := validate_plan(plan.model_dump(mode="json"), skills=SKILLS))
    ]
    assert failures == []


def test_files_to_create_sit_in_the_profiles_directories(corpus_plans: tuple[Path, list]) -> None:
    _, plans = corpus_plans
    misplaced = []
    for service, req, plan in plans:
        for task in plan.tasks:
            for t in [task, *task.subtasks]:
                for path in t.inputs.get("files_to_create", []):
                    if not placed_beside_known(path, service):
                        misplaced.append(f"{service.path} / {req}: {path}")
    assert misplaced == []


def _grounded(plan: Plan) -> bool:
    """A plan resolved against the code map (recipes, existing code), not new resources only."""
    spec = plan.change_spec
    return spec is not None and any(i.kind != "new_entity" for i in spec.items)


def _template_regex(template: str) -> re.Pattern[str]:
    text = re.escape(template)
    for token in ("{name}", "<name>"):
        text = text.replace(re.escape(token), "[A-Za-z0-9_-]+")
    return re.compile(f"^{text}$")


def test_new_files_follow_the_layer_naming(corpus_plans: tuple[Path, list]) -> None:
    _, plans = corpus_plans
    missing = []
    for service, req, plan in plans:
        if plan.pattern != "standard" or plan.intent not in ("build", "integrate"):
            continue
        if _grounded(plan):
            continue  # a change to existing code: its new files follow the code it changes
        created = plan.tasks[0].inputs["files_to_create"]
        for layer in ("handlers", "services"):
            naming = getattr(service.naming, layer)
            if naming is None or "{name}" not in naming.template:
                continue
            regex = _template_regex(naming.template)
            # A template learnt from one feature folder is adapted to the new feature's folder.
            base = re.compile(
                r"[A-Za-z0-9_-]+"
                + re.escape(posixpath.basename(naming.template)).replace(re.escape("{name}"), "", 1)
                + "$"
            )
            if not any(regex.match(p) or base.search(posixpath.basename(p)) for p in created):
                missing.append(f"{service.path} / {req}: no {layer} file like {naming.template}")
    assert missing == []


def test_migrations_use_the_next_name(corpus_plans: tuple[Path, list]) -> None:
    _, plans = corpus_plans
    wrong = []
    for service, req, plan in plans:
        if plan.pattern != "standard" or plan.intent not in ("build", "integrate"):
            continue
        if service.migrations is None or service.migrations.dir is None:
            continue
        if _grounded(plan):
            continue  # migrations named for the change, checked in the golden plan tests
        resource = understand(req).resources[0] if understand(req).resources else None
        if resource is None:
            continue
        expected = next_migration_files(service, f"create_{resource.plural}")
        created = plan.tasks[0].inputs["files_to_create"] + plan.tasks[0].inputs["files_to_modify"]
        if not set(expected) <= set(created):
            wrong.append(f"{service.path} / {req}: {expected} not in {created}")
    assert wrong == []


def test_plans_pass_the_task_backends_own_validation(corpus_plans: tuple[Path, list]) -> None:
    _, plans = corpus_plans
    existing_parent = "parent-1"

    def exists(ids):  # type: ignore[no-untyped-def]
        return [i for i in ids if i == existing_parent]

    for _service, _req, plan in plans:
        if plan.pattern == "standard":
            validate_batch([t.batch_fields() for t in plan.tasks], REGISTRY, exists)
            continue
        parent, review = plan.tasks
        validate_single_task(parent.batch_fields(), REGISTRY, exists)
        for sub in parent.subtasks:
            validate_subtask(sub.subtask_fields(), REGISTRY, exists, parent_task_id=existing_parent)
        fields = review.batch_fields()
        fields["dependencies"] = [existing_parent]
        validate_single_task(fields, REGISTRY, exists)


def test_same_inputs_give_the_same_bytes(corpus_plans: tuple[Path, list]) -> None:
    root, plans = corpus_plans
    fresh = analyze(root)  # a new analysis of the same tree
    for service, req, plan in plans[:: max(1, len(plans) // 6)]:
        again = plan_workspace(req, root, SKILLS, service_path=service.path, profile=fresh)
        assert again.model_dump_json() == plan.model_dump_json()
        assert again.fingerprint() == plan.fingerprint()
        pure = make_plan(req, fresh, SKILLS, service_path=service.path)
        assert (
            make_plan(req, fresh, SKILLS, service_path=service.path).canonical_json()
            == pure.canonical_json()
        )


def test_plan_json_round_trips() -> None:
    root = ROOTS[0]
    plan = plan_workspace(REQUESTS[0], root, SKILLS, profile=profile_of(root))
    data = json.loads(plan.model_dump_json())
    assert Plan.model_validate(data) == plan
    assert set(data) >= {"request", "intent", "pattern", "architecture", "tasks", "violations"}
