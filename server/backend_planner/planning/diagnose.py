"""Fix, debug, performance and refactor plans grounded in the code map.

The request is resolved by `investigate` to the named endpoint's registration, handler,
service, repository/query and entity (with its indexes and unique constraints); the plan
investigates those files with lines and starts from the candidate causes the symptom catalog
gives. A refactor plan knows which layers exist already: it extends an existing layer instead
of creating a second one, and names the handlers that still reach the database themselves.
"""

from __future__ import annotations

from backend_planner.planning.investigate import Investigation
from backend_planner.planning.model import FeatureSpec, PlannedTask, SkillIds
from backend_planner.planning.patterns import (
    BUILD_TIMEOUT,
    INVESTIGATE_TIMEOUT,
    TEST_TIMEOUT,
    commands,
    patterns_to_follow,
    review_of,
    review_of_tests,
    security_criterion,
    test_command,
)
from backend_planner.planning.placement import is_migration
from backend_planner.planning.request import and_list
from backend_planner.planning.spec import ChangeSpec, SpecItem
from backend_planner.tasks.models import ValidationCriteria
from backend_planner.workspace.profile import Service

MAX_CAUSES = 6


def change_spec_of(feature: FeatureSpec, inv: Investigation) -> ChangeSpec:
    """What the problem report names, as the change spec: existing endpoints and entities to
    investigate (file:line), or plainly not found."""
    items: list[SpecItem] = []
    for endpoint in inv.endpoints:
        items.append(
            SpecItem(
                kind="existing",
                name=f"{endpoint.method} {endpoint.path}",
                endpoints=[endpoint],
                entities=list(inv.entities[:1]),
            )
        )
    if not inv.endpoints:
        for entity in inv.entities:
            items.append(SpecItem(kind="existing", name=entity.name, entities=[entity]))
    for missing in inv.not_found:
        closest = f" (closest: {', '.join(inv.closest)})" if inv.closest else ""
        items.append(
            SpecItem(
                kind="not_found",
                name=missing,
                closest=list(inv.closest),
                note=f"The repository has no {missing}{closest}; nothing is invented.",
            )
        )
    return ChangeSpec(request=feature.request, intent=feature.intent, items=items)


def _summary(inv: Investigation) -> str:
    parts = []
    if inv.endpoints:
        parts.append(
            "Named: "
            + and_list(
                [
                    f"{e.method} {e.path}" + (f" ({e.where})" if e.where else "")
                    for e in inv.endpoints
                ]
            )
            + "."
        )
    parts += [f + "." for f in inv.facts]
    for missing in inv.not_found:
        closest = f" (closest: {', '.join(inv.closest)})" if inv.closest else ""
        parts.append(f"The repository has no {missing}{closest}.")
    return " ".join(parts)


def investigation(
    feature: FeatureSpec, inv: Investigation, service: Service, skills: SkillIds
) -> tuple[str, list[PlannedTask]]:
    """The investigation pattern on the resolved code: (summary, tasks)."""
    files = list(inv.files)
    test_cmd = test_command(service)
    subject = feature.subject
    causes = inv.causes[:MAX_CAUSES]
    locations = list(inv.locations)
    summary = _summary(inv)
    requirements = feature.request.rstrip(".") + ". " + summary
    if causes:
        requirements += " Candidate causes, most likely first: " + "; ".join(causes) + "."
    critical = [
        "Root cause of every issue found is identified and written down (file and line)",
        "Each issue fixed in its own sub-task with a regression test that failed before the fix",
    ]
    if inv.regression_test:
        critical.append(f"Regression test: {inv.regression_test}")
    if inv.not_found:
        critical.insert(
            0,
            "The target is confirmed with the requester first: the repository has no "
            + and_list(inv.not_found),
        )
    critical += [f"`{test_cmd}` passes"] if test_cmd else []
    investigate_inputs: dict[str, object] = {
        "requirements": feature.request,
        "files_to_investigate": files,
        "locations": locations,
        "deliverable": "one create_subtask call per issue found, in the order to fix them",
    }
    if causes:
        investigate_inputs["candidate_causes"] = causes
    if inv.checks:
        investigate_inputs["checks"] = list(inv.checks)
    first_step = (
        f"Reproduce the problem on {and_list([f'{e.method} {e.path}' for e in inv.endpoints])}, "
        if inv.endpoints
        else "Reproduce the problem, "
    )
    parent = PlannedTask(
        skill_id=skills.development,
        task_name=f"Fix {subject}",
        description=f"{feature.request.rstrip('.')}. "
        + (summary + " " if summary else "")
        + "Investigate first; then one sub-task per issue found, each a checkpoint with its own "
        "regression test",
        task_order=1,
        inputs={
            "requirements": requirements,
            "files_to_investigate": files,
            "patterns_to_follow": patterns_to_follow(service),
            **({"validation_commands": [test_cmd]} if test_cmd else {}),
        },
        validation_criteria=ValidationCriteria(
            critical=critical,
            expected=[
                "No behaviour change outside the issues found",
                "Input validation and auth checks unchanged or stricter",
            ],
            nice_to_have=["Logging or metrics that would have shown the problem earlier"],
        ),
        timeout_seconds=BUILD_TIMEOUT,
        subtasks=[
            PlannedTask(
                skill_id=skills.development,
                task_name=f"Investigate {subject}",
                description=first_step
                + "check the candidate causes against the code at the locations listed, find "
                "the root cause(s), and add one sub-task per issue to this parent "
                "(create_subtask) with the fix, files and a regression test",
                task_order=1,
                inputs=investigate_inputs,
                validation_criteria=ValidationCriteria(
                    critical=[
                        "Each issue reproduced (a failing test or exact steps)",
                        "Each candidate cause confirmed or ruled out with evidence",
                        "Root cause located (file and function)",
                        "One follow-up sub-task created per issue",
                    ],
                    expected=["Issues ordered so that foundations are fixed first"],
                    nice_to_have=[],
                ),
                timeout_seconds=INVESTIGATE_TIMEOUT,
            )
        ],
    )
    review = review_of(
        parent,
        feature,
        skills,
        2,
        name=f"QA: Validate the fixes for {subject}",
        description="Review that every issue found was fixed at its root cause, with a "
        "regression test, and nothing else broke",
        critical=["Each fix addresses a root cause, not a symptom", "Regression tests present"],
    )
    return summary, [parent, review]


def refactor_files(inv: Investigation, created: list[str]) -> tuple[list[str], list[str], str]:
    """(create, modify, note) for a refactor: an existing target layer is extended, never built
    a second time; the handlers that reach the database themselves move their queries into it."""
    facts = inv.refactor
    if facts is None:
        return created, list(inv.files), ""
    modify = [*facts.target_files, *facts.direct_handlers]
    layer = facts.target_layer or "target"
    if facts.target_exists:
        note = (
            f"The {layer} layer exists already ({', '.join(facts.target_files[:4])}): extend it "
            "and move the remaining data access into it; do not create a second one."
        )
        return [], [p for p in dict.fromkeys(modify) if not is_migration(p)], note
    existing = facts.layers.get(layer, [])
    note = (
        f"The service has a {layer} layer for other entities ({', '.join(existing[:3])}): the new "
        "one follows it."
        if existing
        else f"The service has no {layer} layer yet: it is created beside the existing code."
    )
    return created, [p for p in dict.fromkeys([*modify, *inv.files]) if not is_migration(p)], note


def refactor_tasks(
    feature: FeatureSpec,
    inv: Investigation,
    service: Service,
    skills: SkillIds,
    created: list[str],
) -> tuple[str, list[PlannedTask]]:
    """The standard pattern for a refactor, on the resolved code: (summary, tasks)."""
    create, modify, note = refactor_files(inv, created)
    if not create and not modify:
        modify = list(inv.files)
    summary = " ".join(x for x in (_summary(inv), note) if x)
    test_cmd = test_command(service)
    cmds = commands(service, "refactor", with_migration=False)
    subject = feature.subject
    criteria = ValidationCriteria(
        critical=[
            "Behaviour unchanged: existing tests pass before and after",
            *(
                [
                    "Handlers no longer query the database themselves: "
                    + ", ".join(inv.refactor.direct_handlers[:4])
                ]
                if inv.refactor is not None and inv.refactor.direct_handlers
                else []
            ),
            *[f"`{c}` succeeds" for c in cmds],
        ],
        expected=[
            "Input validation and auth checks preserved",
            *(
                security_criterion(need, feature)
                for need in feature.security
                if need in ("pii", "secrets", "idempotency", "webhook_signature")
            ),
            "New structure follows the codebase's existing conventions",
        ],
        nice_to_have=["Dead code removed"],
    )
    build = PlannedTask(
        skill_id=skills.development,
        task_name=f"Refactor {subject}",
        description=f"{feature.request.rstrip('.')}, without changing behaviour. {note}".strip(),
        task_order=1,
        inputs={
            "requirements": feature.request.rstrip(".") + ". " + summary,
            "files_to_create": create,
            "files_to_modify": modify,
            "patterns_to_follow": patterns_to_follow(service),
            **({"validation_commands": cmds} if cmds else {}),
        },
        validation_criteria=criteria,
        timeout_seconds=BUILD_TIMEOUT,
    )
    review = review_of(
        build,
        feature,
        skills,
        2,
        name=f"QA: Validate the refactoring of {subject}",
        description="Review that the refactoring keeps behaviour and improves structure",
        critical=["Behaviour changes identified", "Security checks preserved"],
        files=[*create, *modify],
    )
    test = PlannedTask(
        skill_id=skills.testing,
        task_name="Test the refactored code against user requirements",
        description="Write tests that validate the USER's original request: "
        f"{feature.request.rstrip('.')}. Tests prove behaviour is unchanged and the new "
        "structure is used.",
        task_order=3,
        dependencies=["$2"],
        inputs={
            "original_prompt": feature.request,
            "user_expectations": [
                "Every existing endpoint behaves as before",
                f"The code follows the new structure asked for: {feature.request.rstrip('.')}",
            ],
            "files_to_test": [*create, *modify],
            "test_types": ["unit", "integration"],
            **({"validation_commands": [test_cmd]} if test_cmd else {}),
        },
        validation_criteria=ValidationCriteria(
            critical=[
                "Tests validate user requirements: existing behaviour is pinned before the "
                "refactor and still passes after it",
                *([f"`{test_cmd}` passes"] if test_cmd else []),
            ],
            expected=["Error cases tested (invalid input, not found, unauthorised)"],
            nice_to_have=["Edge cases covered"],
        ),
        timeout_seconds=TEST_TIMEOUT,
    )
    review_tests = review_of_tests(test, feature, skills)
    return summary, [build, review, test, review_tests]


def created_for(inv: Investigation, service: Service, files: tuple[str, ...]) -> list[str]:
    """The new file a refactor into a layer needs, when the entity has none there: named after
    another entity's file of that layer (swapped), else the profile's naming for the layer."""
    from backend_planner.planning.model import Resource
    from backend_planner.planning.paths import file_for
    from backend_planner.planning.placement import swap_names
    from backend_planner.planning.resolve import lemmas
    from backend_planner.workspace.codemap.inflection import pluralize

    facts = inv.refactor
    if facts is None or facts.target_exists or facts.target_layer is None or not inv.entities:
        return []
    words = lemmas(inv.entities[0].name) or ["item"]
    for path in facts.layers.get(facts.target_layer, []):
        for entity in service.entities:
            swapped = swap_names(path, lemmas(entity.name), words)
            if swapped and swapped not in files:
                return [swapped]
    layer = {"repository": "repositories", "service": "services"}.get(
        facts.target_layer, "repositories"
    )
    singular = "_".join(words)
    resource = Resource(singular=singular, plural="_".join([*words[:-1], pluralize(words[-1])]))
    ref = file_for(service, layer, resource)
    if not ref.create or ref.path in files:
        return []
    return [_existing_folder(ref.path, resource.singular, resource.plural, files)]


def _existing_folder(path: str, singular: str, plural: str, files: tuple[str, ...]) -> str:
    """`v1/article/x.py` when the repo has `v1/articles/`: the folder that exists wins."""
    import posixpath

    folders = {posixpath.dirname(f) for f in files}
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        for a, b in ((singular, plural), (plural, singular)):
            if part == a:
                other = "/".join([*parts[:i], b])
                if other in folders or any(f.startswith(other + "/") for f in folders):
                    return "/".join([*parts[:i], b, *parts[i + 1 :]])
    return path
