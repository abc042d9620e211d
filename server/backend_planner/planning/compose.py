"""Grounded work → the planner skill's task patterns, sized to the change.

A change to one target (one endpoint, one entity, one flow) is the standard pattern:
implement → review → test the user's expectations → review the tests. Several items on
different targets are a parent with one sequential sub-task per item, data first (new entities
and fields, then relations, capabilities, flows, integrations, cross-cutting concerns), then a
review. One big item (a new entity with its endpoints and many files) is split into its layers:
data (migration, model) → logic (services, workers, clients) → interface (handlers, routes) →
tests.
"""

from __future__ import annotations

from backend_planner.planning.ground import Work
from backend_planner.planning.model import (
    Architecture,
    DataModel,
    Endpoint,
    ExternalImpact,
    FeatureSpec,
    PatternName,
    PlannedTask,
    ServiceComponent,
    SkillIds,
)
from backend_planner.planning.paths import migration_criterion
from backend_planner.planning.patterns import (
    BUILD_TIMEOUT,
    SECURITY_EXPECTED,
    TEST_TIMEOUT,
    commands,
    patterns_to_follow,
    review_of,
    review_of_tests,
    test_command,
)
from backend_planner.planning.placement import SOURCE_SUFFIXES, is_migration
from backend_planner.planning.request import and_list
from backend_planner.planning.spec import ChangeSpec
from backend_planner.tasks.models import ValidationCriteria
from backend_planner.workspace.profile import Service

BIG_ITEM_FILES = 12


def architecture(spec: ChangeSpec, works: list[Work], feature: FeatureSpec) -> Architecture:
    endpoints = [
        Endpoint(method=e.method, path=e.path, purpose=e.purpose)
        for work in works
        for e in work.item.new_endpoints
    ]
    models = []
    for work in works:
        entity = work.item.new_entity
        if entity is not None:
            models.append(
                DataModel(
                    name=entity.name,
                    fields=[
                        f.name + (f" (FK → {f.references})" if f.references else "")
                        for f in entity.fields
                    ],
                )
            )
    services: list[ServiceComponent] = []
    for work in works:
        layer = [p for p in work.create if _is_service_file(p)]
        for path in layer:
            services.append(
                ServiceComponent(name=_class_name(path), responsibility=work.title, file=path)
            )
        if not layer:
            services.append(
                ServiceComponent(
                    name=work.title,
                    responsibility=_kind_phrase(work),
                    file=next(iter([*work.create, *work.modify]), None),
                )
            )
    external = [
        ExternalImpact(name=e.name, implications=list(e.implications)) for e in feature.external
    ]
    return Architecture(
        summary=summary(spec, works),
        endpoints=endpoints,
        models=models,
        services=services,
        external=external,
    )


SERVICE_WORDS = ("service", "services", "usecase", "usecases")


def _is_service_file(path: str) -> bool:
    import re

    words = re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", path).lower())
    return any(w in SERVICE_WORDS for w in words[-3:])


def _class_name(path: str) -> str:
    """`internal/services/stripe_service.go` → StripeService."""
    import posixpath
    import re

    stem = posixpath.basename(path).split(".")[0] if "." in posixpath.basename(path) else path
    base = posixpath.basename(path)
    parts = re.split(r"[._\-]", base)[:-1] or [stem]
    words = [w for p in parts for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", p)]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name.endswith("Service") else name + "Service"


def _kind_phrase(work: Work) -> str:
    item = work.item
    return {
        "existing": "extends existing code",
        "new_entity": "new entity",
        "new_fields": "new fields on an existing entity",
        "capability": "capability on existing endpoints",
        "relation": "relation between existing entities",
        "cross_cutting": "cross-cutting concern",
        "flow": "multi-step flow",
        "integration": "integration",
        "not_found": "not found in the repository",
    }.get(item.kind, item.kind)


def summary(spec: ChangeSpec, works: list[Work]) -> str:
    """The change spec in words: what exists and is modified (file:line), what is created."""
    parts: list[str] = []
    modified = []
    for work in works:
        for endpoint in work.item.endpoints[:3]:
            where = f" ({endpoint.where})" if endpoint.where else ""
            modified.append(f"{endpoint.method} {endpoint.path}{where}")
    if modified:
        parts.append("Modifies " + and_list(list(dict.fromkeys(modified))) + ".")
    created_endpoints = [f"{e.method} {e.path}" for w in works for e in w.item.new_endpoints]
    if created_endpoints:
        parts.append("Adds " + and_list(created_endpoints) + ".")
    entities = [w.item.new_entity.name for w in works if w.item.new_entity is not None]
    if entities:
        parts.append("New entity " + and_list(entities) + ".")
    owners = [
        f"{e.name} ({e.where})" if e.where else e.name
        for w in works
        if w.item.kind == "new_entity"
        for e in w.item.entities
    ]
    if owners:
        parts.append("Belongs to the existing " + and_list(list(dict.fromkeys(owners))) + ".")
    fields = [
        f"{f.name} on {w.item.entities[0].name}" if w.item.entities else f.name
        for w in works
        for f in w.item.new_fields
    ]
    if fields:
        parts.append("New fields: " + and_list(fields) + ".")
    for work in works:
        if work.item.kind == "not_found":
            parts.append(work.item.note or f"The repository has no {work.item.name}.")
    if not parts:
        parts.append(and_list([w.title for w in works]) + "." if works else "No change resolved.")
    return " ".join(parts)


def choose_pattern(works: list[Work]) -> tuple[PatternName, str]:
    found = [w for w in works if w.item.kind != "not_found"]
    if any(w.item.kind == "new_entity" for w in found):
        # an integration serves the new thing it comes with (subscriptions via Stripe)
        found = [w for w in found if w.item.kind != "integration"]
    targets = {_target_key(w) for w in found}
    if len(found) >= 3 or (len(found) >= 2 and len(targets) >= 2):
        return (
            "subtasks",
            f"{len(found)} parts on different targets: a parent with one sequential sub-task per "
            "part (data first), so each is a checkpoint, then one review.",
        )
    if len(found) == 1 and _is_big(found[0]):
        return (
            "subtasks",
            "One large part (a new entity with its endpoints): sub-tasks per layer — data, logic, "
            "interface, tests — in dependency order, then one review.",
        )
    if not found:
        return (
            "standard",
            "What the request names is not in the repository: locate and confirm the target "
            "first; nothing is invented.",
        )
    return (
        "standard",
        "A change to one target: implement, review, test against the user's expectations, "
        "review the tests.",
    )


def _target_key(work: Work) -> str:
    item = work.item
    if item.endpoints:
        return "|".join(sorted(f"{e.method} {e.path}" for e in item.endpoints))
    if item.entities:
        return item.entities[0].name
    return item.name


def _is_big(work: Work) -> bool:
    files = len(work.create) + len(work.modify)
    return (
        work.item.new_entity is not None
        and len(work.item.new_endpoints) >= 3
        and (files >= BIG_ITEM_FILES)
    )


# ----------------------------------------------------------------------------- criteria


def security_texts(needs: list[str], works: list[Work], feature: FeatureSpec) -> list[str]:
    public = [f"{e.method} {e.path}" for w in works for e in w.item.new_endpoints if e.public]
    out = []
    for need in needs:
        if need == "webhook_signature" and not any(e.webhook for e in feature.external):
            continue
        if need == "auth" and public:
            out.append(
                f"Auth enforced on every endpoint except {and_list(public)}, public by design "
                "(a webhook proves itself by its signature; a public flow reveals nothing about "
                "accounts); users only reach their own records"
            )
        elif need == "auth" and (logins := _login_endpoints(works)):
            out.append(
                f"Auth unchanged: {and_list(logins)} stays reachable without a session; every "
                "other endpoint keeps its auth, and users only reach their own records"
            )
        elif need == "auth":
            out.append(
                "Auth enforced on every new or changed endpoint as on its siblings today, and "
                "users only reach their own records"
            )
        elif need == "secrets":
            secrets = sorted({s for e in feature.external for s in e.secrets}) or [
                "keys and signing secrets"
            ]
            out.append(SECURITY_EXPECTED["secrets"].format(secrets=", ".join(secrets)))
        elif need in SECURITY_EXPECTED:
            out.append(SECURITY_EXPECTED[need])
    return out


def _login_endpoints(works: list[Work]) -> list[str]:
    """Modified endpoints that authenticate (login, registration): public by nature."""
    from backend_planner.planning.resolve import lemma, literal_lemmas, vocabulary

    auth = vocabulary()["auth"]
    words = {lemma(w) for w in [*auth["login_segments"], *auth["register_segments"]]} - {"user"}
    return [
        f"{e.method} {e.path}"
        for w in works
        for e in w.item.endpoints
        if set(literal_lemmas(e.path)) & words
    ]


def _needs(works: list[Work], feature: FeatureSpec) -> list[str]:
    needs = set(feature.security)
    for work in works:
        needs |= set(work.security)
    return sorted(needs)


def _files(works: list[Work]) -> tuple[list[str], list[str]]:
    create: list[str] = []
    modify: list[str] = []
    for work in works:
        for path in work.create:
            if path not in create:
                create.append(path)
    for work in works:
        for path in work.modify:
            if path not in create and path not in modify:
                modify.append(path)
    return create, modify


def _tests(works: list[Work]) -> tuple[list[str], list[str]]:
    create = list(dict.fromkeys(p for w in works for p in w.tests_create))
    modify = list(dict.fromkeys(p for w in works for p in w.tests_modify if p not in create))
    return create, modify


def _cmds(service: Service, works: list[Work]) -> list[str]:
    migrations = [m for w in works for m in w.migrations]
    slug = "change"
    for work in works:
        if work.migrations:
            slug = work.item.new_entity.table if work.item.new_entity else "change"
            break
    return commands(
        service, f"create_{slug}" if slug != "change" else slug, with_migration=bool(migrations)
    )


def _criteria(
    service: Service, works: list[Work], feature: FeatureSpec, cmds: list[str]
) -> ValidationCriteria:
    critical: list[str] = []
    migrations = [m for w in works for m in w.migrations]
    if migrations:
        critical.append(migration_criterion(service, migrations, rolls_back=True))
    for work in works:
        critical += [c for c in work.critical if c not in critical]
    for work in works:
        if work.item.kind == "not_found":
            critical.append(
                f"The {work.item.name} is identified with the requester before any code changes "
                "(the repository has none; nothing is built on a guess)"
            )
    critical += [f"`{c}` succeeds" for c in cmds]
    expected: list[str] = []
    for work in works:
        expected += [e for e in work.expected if e not in expected]
    expected += security_texts(_needs(works, feature), works, feature)
    unchanged = [u for w in works for u in w.unchanged]
    for text in unchanged[:4]:
        expected.append(f"Unchanged: {text}")
    expected.append(
        "Error handling follows the existing handlers (same error shape and status codes)"
    )
    nice = ["Structured logging of state changes"]
    if feature.external:
        nice.append("Metrics for external calls")
    return ValidationCriteria(
        critical=critical or ["The change works as requested"], expected=expected, nice_to_have=nice
    )


def _generators() -> set[str]:
    from backend_planner.planning.patterns import REPO_COMMANDS

    repo = REPO_COMMANDS.get()
    if repo is None:
        return set()
    own = repo.command("generate")
    return {*repo.generators, *([own] if own else [])}


def _requirements(spec: ChangeSpec, works: list[Work], feature: FeatureSpec) -> str:
    parts = [spec.request.rstrip(".") + "."]
    parts.append(summary(spec, works))
    for work in works:
        parts += [r.rstrip(".") + "." for r in work.requirements]
    for ext in feature.external:
        parts.append(f"{ext.name}: " + " ".join(i.rstrip(".") + "." for i in ext.implications))
    return " ".join(parts)


def _patterns(service: Service, works: list[Work]) -> str:
    base = patterns_to_follow(service)
    extra = list(dict.fromkeys(p for w in works for p in w.patterns))
    if extra:
        return base + "; " + "; ".join(extra)
    return base


def _description(works: list[Work]) -> str:
    phrases = []
    for work in works:
        item = work.item
        if item.kind == "not_found":
            phrases.append(item.note or f"The repository has no {item.name}")
        elif item.kind in ("capability", "existing") and item.endpoints:
            where = item.endpoints[0].where
            phrases.append(
                f"{work.title} in the existing handler" + (f" ({where})" if where else "")
            )
        elif item.kind == "relation" and item.template:
            phrases.append(f"{work.title}, copying the existing {item.template}")
        elif item.kind == "new_entity" and item.new_entity is not None:
            like = (
                f" by copying the existing {item.template} feature file by file"
                if (item.template)
                else ""
            )
            phrases.append(
                f"Create {item.new_entity.name}{like}: migration, model, handlers and routes"
            )
        elif item.kind == "integration":
            hook = any(e.public for e in item.new_endpoints)
            phrases.append(
                f"Integrate {item.name}: one service wrapping its API"
                + (", and a signature-verified webhook endpoint" if hook else "")
            )
        else:
            phrases.append(work.title)
    return "; ".join(phrases)


# ----------------------------------------------------------------------------- tasks


def compose(
    spec: ChangeSpec,
    works: list[Work],
    feature: FeatureSpec,
    service: Service,
    skills: SkillIds,
) -> tuple[PatternName, str, list[PlannedTask]]:
    pattern, reason = choose_pattern(works)
    if pattern == "subtasks":
        return pattern, reason, _subtasks(spec, works, feature, service, skills)
    return pattern, reason, _standard(spec, works, feature, service, skills)


def _title(works: list[Work], feature: FeatureSpec | None = None) -> str:
    found = [w for w in works if w.item.kind != "not_found"] or works
    if (
        feature is not None
        and feature.subject
        and any(w.item.kind == "new_entity" and w.recipe is None for w in found)
    ):
        return feature.subject  # "subscription API", "order, inventory and payment API"
    return and_list([w.title for w in found]) if found else "the change"


def _standard(
    spec: ChangeSpec, works: list[Work], feature: FeatureSpec, service: Service, skills: SkillIds
) -> list[PlannedTask]:
    create, modify = _files(works)
    investigate = _closest_files(works)
    cmds = _cmds(service, works)
    title = _title(works, feature)
    inputs: dict[str, object] = {
        "requirements": _requirements(spec, works, feature),
        "files_to_create": create,
        "files_to_modify": modify,
        "patterns_to_follow": _patterns(service, works),
    }
    if investigate:
        inputs["files_to_investigate"] = investigate
    unchanged = list(dict.fromkeys([*spec.unchanged, *(u for w in works for u in w.unchanged)]))
    if unchanged:
        inputs["must_not_change"] = unchanged
    if cmds:
        inputs["validation_commands"] = cmds
    verb = (
        "Locate"
        if all(w.item.kind == "not_found" for w in works)
        else ("Build" if any(w.item.kind == "new_entity" for w in works) else "Implement")
    )
    build = PlannedTask(
        skill_id=skills.development,
        task_name=title if verb == "Locate" else f"{verb} {title}",
        description=_description(works),
        task_order=1,
        inputs=inputs,
        validation_criteria=_criteria(service, works, feature, cmds),
        timeout_seconds=BUILD_TIMEOUT,
    )
    review = review_of(
        build,
        feature,
        skills,
        2,
        name=f"QA: Validate {title}",
        description=f"Review {title} for correctness, security, fit with the existing code, and "
        "that nothing outside the change moved",
        critical=[
            "Security issues identified",
            "Unintended changes to existing behaviour identified",
        ],
        files=[*create, *modify],
    )
    tests_create, tests_modify = _tests(works)
    test_cmd = test_command(service)
    sources = [p for p in [*create, *modify] if _is_source(p) and not is_migration(p)]
    expectations = list(dict.fromkeys(e for w in works for e in w.expectations))
    expectations += [f"{u}" for u in unchanged[:4]]
    if not expectations:
        expectations = [f"The request is met: {spec.request.rstrip('.')}"]
    test_inputs: dict[str, object] = {
        "original_prompt": spec.request,
        "user_expectations": expectations,
        "files_to_test": sources or investigate or create,
        "test_types": ["unit", "integration"],
    }
    if tests_create:
        test_inputs["files_to_create"] = tests_create
    if tests_modify:
        test_inputs["files_to_modify"] = tests_modify
    if test_cmd:
        test_inputs["validation_commands"] = [test_cmd]
    test = PlannedTask(
        skill_id=skills.testing,
        task_name=f"Test {title} against user requirements",
        description="Write tests that validate the USER's original request: "
        f"{spec.request.rstrip('.')}. Each expectation gets a test that fails without the "
        "change; the existing tests of the touched endpoints keep passing.",
        task_order=3,
        dependencies=["$2"],
        inputs=test_inputs,
        validation_criteria=ValidationCriteria(
            critical=[
                "Tests validate user requirements: every user expectation has a test that fails "
                "without the change",
                "Existing tests of the touched endpoints pass unchanged",
                *([f"`{test_cmd}` passes"] if test_cmd else []),
            ],
            expected=["Error cases tested (invalid input, not found, unauthorised)"],
            nice_to_have=["Edge cases covered"],
        ),
        timeout_seconds=TEST_TIMEOUT,
    )
    review_tests = review_of_tests(test, feature, skills, [*tests_create, *tests_modify] or None)
    return [build, review, test, review_tests]


def _is_source(path: str) -> bool:
    """Code a test can exercise (not configuration, schema or template files)."""
    return path.endswith(SOURCE_SUFFIXES)


def _closest_files(works: list[Work]) -> list[str]:
    return list(dict.fromkeys(p for w in works for p in w.investigate))


def _layers(work: Work) -> list[Work]:
    """One big item split into data → logic → interface work (tests go with each)."""
    data = [p for p in work.create + work.modify if is_migration(p) or p.endswith(".sql")]
    model_words = ("model", "entity", "entities", "domain", "schema")
    data += [
        p
        for p in work.create + work.modify
        if p not in data and any(w in p.lower() for w in model_words)
    ]
    interface_words = (
        "handler",
        "controller",
        "route",
        "router",
        "view",
        "api",
        "endpoint",
        "resource",
    )
    interface = [
        p
        for p in work.create + work.modify
        if p not in data and any(w in p.lower() for w in interface_words)
    ]
    logic = [p for p in work.create + work.modify if p not in data and p not in interface]
    out: list[Work] = []
    for name, files in (("data", data), ("logic", logic), ("interface", interface)):
        if not files:
            continue
        part = Work(
            item=work.item, recipe=work.recipe, title=f"{work.title}: {name}", order=work.order
        )
        part.create = [p for p in files if p in work.create]
        part.modify = [p for p in files if p in work.modify]
        part.migrations = [m for m in work.migrations if m in files]
        if name == "interface" or (name == "logic" and not interface):
            part.critical = list(work.critical)
            part.tests_create, part.tests_modify = work.tests_create, work.tests_modify
        part.requirements = (
            list(work.requirements)
            if name != "data"
            else [
                f"{work.item.new_entity.name} entity: migration and model"
                if work.item.new_entity
                else "Data changes"
            ]
        )
        out.append(part)
    return out or [work]


def _subtasks(
    spec: ChangeSpec, works: list[Work], feature: FeatureSpec, service: Service, skills: SkillIds
) -> list[PlannedTask]:
    found = [w for w in works if w.item.kind != "not_found"]
    parts = _layers(found[0]) if len(found) == 1 else found
    missing = [w for w in works if w.item.kind == "not_found"]
    title = _title(works, feature)
    planned = [m for w in works for m in w.migrations]
    subtasks: list[PlannedTask] = []
    test_cmd = test_command(service)
    created_before: set[str] = set()
    for number, work in enumerate(parts, start=1):
        critical: list[str] = []
        if work.migrations:
            critical.append(
                migration_criterion(service, work.migrations, rolls_back=False, planned=planned)
            )
        critical += work.critical or [f"{work.title} works as specified"]
        tests = [*work.tests_create]
        if tests or work.tests_modify:
            critical.append("Tests for this part pass" + (f" (`{test_cmd}`)" if test_cmd else ""))
        sub_cmds = commands(service, "change", with_migration=bool(work.migrations))
        create = [p for p in [*work.create, *tests] if p not in created_before]
        modify = [
            p
            for p in [
                *work.modify,
                *work.tests_modify,
                *(p for p in [*work.create, *tests] if p in created_before),
            ]
            if p not in create
        ]
        created_before |= set(create)
        inputs: dict[str, object] = {
            "requirements": " ".join(r.rstrip(".") + "." for r in work.requirements) or work.title,
            "files_to_create": list(dict.fromkeys(create)),
            "files_to_modify": list(dict.fromkeys(modify)),
            "patterns_to_follow": _patterns(service, [work]),
        }
        if work.unchanged:
            inputs["must_not_change"] = work.unchanged
        if sub_cmds:
            inputs["validation_commands"] = sub_cmds
        subtasks.append(
            PlannedTask(
                skill_id=skills.development,
                task_name=work.title,
                description=_description([work]),
                task_order=number,
                inputs=inputs,
                validation_criteria=ValidationCriteria(
                    critical=critical,
                    expected=list(work.expected),
                    nice_to_have=["Logging"],
                ),
                timeout_seconds=BUILD_TIMEOUT,
            )
        )
    cmds = _cmds(service, works)
    parent_criteria = _criteria(service, works, feature, cmds)
    parent_criteria = ValidationCriteria(
        critical=[
            f"All {len(parts)} parts done in order: " + ", ".join(w.title for w in parts),
            *[c for c in parent_criteria.critical if c.startswith("`") or "identified" in c],
            *(
                [
                    "The user's expectations hold end to end: "
                    + "; ".join(list(dict.fromkeys(e for w in works for e in w.expectations))[:3])
                ]
                if any(w.expectations for w in works)
                else []
            ),
        ],
        expected=parent_criteria.expected,
        nice_to_have=parent_criteria.nice_to_have,
    )
    unchanged = list(dict.fromkeys([*spec.unchanged, *(u for w in works for u in w.unchanged)]))
    inputs = {
        "requirements": _requirements(spec, works, feature),
        "patterns_to_follow": _patterns(service, works),
    }
    if unchanged:
        inputs["must_not_change"] = unchanged
    if missing:
        inputs["not_found"] = [w.item.note for w in missing]
    verb = "Build" if any(w.item.kind == "new_entity" for w in works) else "Implement"
    parent = PlannedTask(
        skill_id=skills.development,
        task_name=f"{verb} {title}",
        description=f"{_description(works)}. One sequential sub-task per part, data first",
        task_order=1,
        inputs=inputs,
        validation_criteria=parent_criteria,
        timeout_seconds=BUILD_TIMEOUT,
        subtasks=subtasks,
    )
    review = review_of(
        parent,
        feature,
        skills,
        2,
        name=f"QA: Validate {title}",
        description=f"Review every part of {title}: correctness, security, the order of the "
        "parts, and that nothing outside the change moved",
        critical=["Security issues identified", "Each sub-task's criteria checked"],
    )
    return [parent, review]
