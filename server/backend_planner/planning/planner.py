"""`make_plan`: request + StackProfile + skill ids → a Plan that passes the skill's rules.

Pure: a function of its inputs (no clock, no randomness, no I/O); the same inputs give the
same plan, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend_planner.errors import PlanError
from backend_planner.planning.architecture import (
    Component,
    build_architecture,
    component,
    external_component,
)
from backend_planner.planning.commands import RepoCommands
from backend_planner.planning.compose import architecture, compose
from backend_planner.planning.diagnose import investigation, refactor_tasks
from backend_planner.planning.ground import ground_spec, resolve_request
from backend_planner.planning.investigate import Investigation
from backend_planner.planning.model import (
    Architecture,
    FeatureSpec,
    PatternName,
    Plan,
    PlannedTask,
    Resource,
    SkillIds,
    Violation,
)
from backend_planner.planning.paths import (
    FileRef,
    FileSet,
    file_for,
    layer_file,
    migration_criterion,
)
from backend_planner.planning.patterns import (
    BUILD_TIMEOUT,
    REPO_COMMANDS,
    TEST_TIMEOUT,
    choose,
    commands,
    implementation_criteria,
    patterns_to_follow,
    review_of,
    review_of_tests,
    test_command,
    testing_criteria,
    user_expectations,
)
from backend_planner.planning.request import and_list, make_resource, short_name, understand
from backend_planner.planning.spec import ChangeSpec
from backend_planner.planning.validate import validate_plan
from backend_planner.tasks.models import ValidationCriteria
from backend_planner.workspace.profile import Service, StackProfile
from backend_planner.workspace.routing import Routing, default_routing


def pick_service(profile: StackProfile, service_path: str | None) -> Service:
    backends = profile.backends()
    if service_path is not None:
        wanted = service_path.strip("/") or "."
        for service in profile.services:
            if service.path == wanted:
                return service
        known = ", ".join(s.path for s in backends) or "none"
        raise PlanError(f'no service at "{wanted}" in the workspace (backend services: {known})')
    if not backends:
        raise PlanError(
            f"no backend service found in {profile.root}; run `backend-planner analyze` to see "
            "what was detected"
        )
    # The root service first, else the one with the most layers known.
    return sorted(backends, key=lambda s: (s.path != ".", -_known_layers(s), s.path))[0]


def _known_layers(service: Service) -> int:
    layout = service.layout
    return sum(
        bool(getattr(layout, layer)) for layer in ("handlers", "routes", "services", "models")
    )


LAYER_WORDS = {
    "repositories": "repository",
    "services": "service",
    "handlers": "controller",
    "models": "model",
    "routes": "router",
}


def make_plan(
    request: str,
    profile: StackProfile,
    skills: SkillIds,
    *,
    service_path: str | None = None,
    routing: Routing | None = None,
    related_files: tuple[str, ...] = (),
    exists: Callable[[str], bool] | None = None,
    files: tuple[str, ...] | None = None,
    change_spec: ChangeSpec | None = None,
    repo_commands: RepoCommands | None = None,
) -> Plan:
    """Plan `request` for the service at `service_path` (default: the main backend).

    `routing` is the service's route style (`workspace.routing.detect_routing`; framework
    defaults without it); `related_files` are existing files the request is about (for
    fix/refactor requests), found by the caller; `exists` tells whether a repo-relative file
    exists, so a resource the code already has ("Add comments to posts") is extended, not
    created again; `files` are the workspace's repo-relative files (placement reads them);
    `change_spec` is a spec an agent wrote, grounded and checked like the planner's own;
    `repo_commands` are the repo's own commands (Makefile targets, package scripts, wrappers).
    """
    token = REPO_COMMANDS.set(repo_commands)
    try:
        return _make_plan(
            request,
            profile,
            skills,
            service_path,
            routing,
            related_files,
            exists,
            files,
            change_spec,
        )
    finally:
        REPO_COMMANDS.reset(token)


def _make_plan(
    request: str,
    profile: StackProfile,
    skills: SkillIds,
    service_path: str | None,
    routing: Routing | None,
    related_files: tuple[str, ...],
    exists: Callable[[str], bool] | None,
    files: tuple[str, ...] | None,
    change_spec: ChangeSpec | None,
) -> Plan:
    if not request.strip():
        raise PlanError("the request is empty; say what to build, integrate or fix")
    service = pick_service(profile, service_path)
    routing = routing if routing is not None else default_routing(service)
    spec = understand(request)
    if spec.intent in ("build", "integrate") or change_spec is not None:
        grounded = _grounded_plan(spec, service, skills, routing, files or (), change_spec)
        if grounded is not None:
            return grounded
        if change_spec is None and (service.endpoints or service.entities):
            spec = _without_existing(spec, service)
    if spec.intent in ("fix", "refactor") and files and (service.endpoints or service.entities):
        return _diagnosed_plan(spec, service, skills, files, related_files)
    if exists is not None:
        spec, present = _existing_as_context(spec, service, exists)
    else:
        present = []
    pattern, reason = choose(spec)
    resources = spec.resources or [_fallback_resource(spec)]

    comps: list[Component] = []
    planned: tuple[str, ...] = ()
    if spec.intent in ("build", "integrate"):
        for resource in resources:
            comp = component(spec, service, routing, resource, planned)
            planned += tuple(comp.migrations)
            comps.append(comp)
    if comps and present:
        # The new resource belongs to the existing ones: their model and handler change.
        for path in present:
            comps[0].files.add(FileRef(path, False))
    externals = [external_component(spec, service, e) for e in spec.external]
    arch = build_architecture(spec, service, comps, externals, routing)
    if pattern == "investigation" and related_files:
        arch.summary += " Suspected code: " + ", ".join(f"`{f}`" for f in related_files) + "."

    if pattern == "investigation":
        tasks = _investigation(spec, service, skills, related_files)
    elif pattern == "subtasks":
        tasks = _subtasks(spec, service, skills, arch, comps, externals)
    elif spec.intent == "refactor":
        tasks = _standard_refactor(spec, service, skills, arch, resources, related_files)
    else:
        tasks = _standard(spec, service, skills, arch, comps, externals)
    plan = _plan(spec, service, pattern, reason, tasks, architecture=arch)
    return _checked(plan, service, skills, files or ())


def _plan(
    spec: FeatureSpec,
    service: Service,
    pattern: PatternName,
    reason: str,
    tasks: list[PlannedTask],
    *,
    architecture: Architecture,
    change_spec: ChangeSpec | None = None,
) -> Plan:
    stack = sorted(
        {*service.frameworks, *service.orm, *([service.language] if service.language else [])}
    )
    return Plan(
        request=spec.request,
        intent=spec.intent,
        pattern=pattern,
        pattern_reason=reason,
        service=service.path,
        stack=stack,
        change_spec=change_spec,
        architecture=architecture,
        tasks=tasks,
    )


def _grounded_plan(
    spec: FeatureSpec,
    service: Service,
    skills: SkillIds,
    routing: Routing,
    files: tuple[str, ...],
    change_spec: ChangeSpec | None,
) -> Plan | None:
    """The plan from the change spec, when the request resolves to recipes and existing code
    (None: a request for new domain things only, planned as new resources)."""
    if change_spec is None and not service.endpoints and not service.entities:
        return None  # no code map (an unknown framework, a skeleton): nothing to ground in
    change = change_spec if change_spec is not None else resolve_request(spec.request, service)
    if change_spec is None and not change.items:
        return None
    change, works = ground_spec(change, service, files, routing, list(spec.external), spec)
    if not works:
        return None
    pattern, reason, tasks = compose(change, works, spec, service, skills)
    plan = _plan(
        spec,
        service,
        pattern,
        reason,
        tasks,
        change_spec=change,
        architecture=architecture(change, works, spec),
    )
    return _checked(plan, service, skills, files)


def _diagnosed_plan(
    spec: FeatureSpec,
    service: Service,
    skills: SkillIds,
    files: tuple[str, ...],
    related: tuple[str, ...],
) -> Plan:
    """A fix or refactor resolved through the code map (diagnose.py)."""
    from backend_planner.planning.diagnose import (
        change_spec_of,
        created_for,
        investigation,
        refactor_tasks,
    )
    from backend_planner.planning.investigate import investigate

    inv = investigate(spec.request, service, files)
    inv = _with_read_models(inv, service, files)
    # what the map could not resolve, the files named like the request (and the TODO's own
    # file) still point at; the service's layers as the last resort
    extra = [f for f in related if f not in inv.files]
    if not inv.files:
        extra = extra or _layer_entries(service)
    if extra:
        inv = inv.model_copy(update={"files": [*inv.files, *extra]})
    suspected = " Suspected code: " + ", ".join(f"`{f}`" for f in extra) + "." if extra else ""
    if spec.intent == "fix":
        pattern, reason = choose(spec)
        summary, tasks = investigation(spec, inv, service, skills)
    else:
        pattern, reason = choose(spec)
        summary, tasks = refactor_tasks(
            spec, inv, service, skills, created_for(inv, service, files)
        )
    plan = _plan(
        spec,
        service,
        pattern,
        reason,
        tasks,
        change_spec=change_spec_of(spec, inv),
        architecture=Architecture(summary=(summary or spec.subject) + suspected),
    )
    return _checked(plan, service, skills, files)


def _with_read_models(inv: Any, service: Service, files: tuple[str, ...]) -> Any:
    """The repository files of the resolved entities' read models (ArticleAssembly for
    Article) join the files to investigate: their queries serve the same endpoints."""
    from backend_planner.planning.ground import read_models
    from backend_planner.planning.investigate import entity_files
    from backend_planner.planning.resolve import CodeIndex

    index = CodeIndex.of(service)
    extra: list[str] = []
    for ref in inv.entities[:1]:
        entity = next((e for e in index.entities if e.name == ref.name), None)
        if entity is None:
            continue
        for other in read_models(index, entity):
            extra += [
                f.path
                for f in entity_files(service, other, files, ("repository", "query"), limit=1)
            ]
    extra = [p for p in extra if p not in inv.files]
    return inv.model_copy(update={"files": [*inv.files, *extra]}) if extra else inv


def _checked(plan: Plan, service: Service, skills: SkillIds, files: tuple[str, ...]) -> Plan:
    """The plan with its findings: the skill's rules, and the checks against the tree when the
    workspace's files are known. Both name the place; a finding both report is shown once."""
    from backend_planner.planning.checks import check_plan

    problems = list(validate_plan(plan, skills=skills))
    if files:
        seen = {p.place for p in problems}
        problems += [p for p in check_plan(plan, service, frozenset(files)) if p.place not in seen]
    plan.violations = [Violation(place=p.place, message=p.message) for p in sorted(problems)]
    plan.tree_checked = bool(files)
    return plan


def _without_existing(spec: FeatureSpec, service: Service) -> FeatureSpec:
    """Nouns the code map has as entities are context, not new resources: "soft delete for
    articles" never plans a second Article."""
    from backend_planner.planning.resolve import CodeIndex, lemma

    index = CodeIndex.of(service)
    synonyms: dict[str, list[str]] = {}
    new: list[Resource] = []
    old: list[Resource] = []
    for resource in spec.resources:
        words = [lemma(w) for w in resource.singular.split("_")]
        found = index.entity_named(words) or index.entity_named(words[-1:])
        if found is None:
            for other in synonyms.get(words[-1], []):
                found = index.entity_named([other])
        (old if found is not None else new).append(resource)
    if not old or not new:
        return spec
    return spec.model_copy(update={"resources": new, "context": [*old, *spec.context]})


def _existing_as_context(
    spec: FeatureSpec, service: Service, exists: Callable[[str], bool]
) -> tuple[FeatureSpec, list[str]]:
    """Resources of a build request the service already has (a model or handler file named
    for them exists) become context: the others are built and refer to them. At least one
    resource stays new. Returns the spec and the existing files to modify."""
    if spec.intent not in ("build", "integrate") or len(spec.resources) < 2:
        return spec, []
    found: dict[str, list[str]] = {}
    for resource in spec.resources:
        refs = [layer_file(service, layer, resource) for layer in ("models", "handlers")]
        paths = [r.path for r in refs if r is not None and r.create and exists(r.path)]
        if paths:
            found[resource.singular] = paths
    new = [r for r in spec.resources if r.singular not in found]
    if not found or not new:
        return spec, []
    old = [r for r in spec.resources if r.singular in found]
    existing = and_list([r.plural.replace("_", " ") for r in old])
    subject = f"{and_list([r.label for r in new])} API for the existing {existing}"
    spec = spec.model_copy(
        update={"resources": new, "context": [*old, *spec.context], "subject": subject}
    )
    return spec, [p for r in old for p in found[r.singular]]


def _fallback_resource(spec: FeatureSpec) -> Resource:
    if spec.external:
        ext = spec.external[0]
        if ext.resource:
            return make_resource(ext.resource.split("_")).model_copy(update={"external": ext.key})
        return Resource(singular=f"{ext.service}_event", plural=f"{ext.service}_events")
    word = spec.keywords[0] if spec.keywords else "feature"
    return Resource(singular=word, plural=word)


def _files(comps: list[Component], externals: list[Component]) -> FileSet:
    files = FileSet()
    for comp in [*comps, *externals]:
        files.extend(comp.files)
    return files


def _requirements(spec: FeatureSpec, arch: Architecture) -> str:
    parts = [spec.request.rstrip(".") + "."]
    if arch.endpoints:
        parts.append(
            "Endpoints: "
            + "; ".join(f"{e.method} {e.path} ({e.purpose})" for e in arch.endpoints)
            + "."
        )
    if arch.models:
        parts.append(
            "Models: " + "; ".join(f"{m.name} ({', '.join(m.fields)})" for m in arch.models) + "."
        )
    for ext in spec.external:
        parts.append(f"{ext.name}: " + " ".join(i.rstrip(".") + "." for i in ext.implications))
    return " ".join(parts)


def _impl_inputs(
    spec: FeatureSpec,
    service: Service,
    arch: Architecture,
    files: FileSet,
    cmds: list[str],
) -> dict[str, object]:
    inputs: dict[str, object] = {
        "requirements": _requirements(spec, arch),
        "files_to_create": list(files.create),
        "files_to_modify": list(files.modify),
        "patterns_to_follow": patterns_to_follow(service),
    }
    if cmds:
        inputs["validation_commands"] = cmds
    return inputs


def _title(spec: FeatureSpec) -> str:
    return spec.subject


def _standard(
    spec: FeatureSpec,
    service: Service,
    skills: SkillIds,
    arch: Architecture,
    comps: list[Component],
    externals: list[Component],
) -> list[PlannedTask]:
    files = _files(comps, externals)
    tests: list[str] = []
    sources: list[str] = []
    for comp in [*comps, *externals]:
        tests += [t for t in comp.tests if t not in tests]
        sources += [s for s in comp.sources if s not in sources]
    migration = any(c.migrations for c in comps)
    slug = f"create_{comps[0].resource.plural}" if comps else "feature"
    cmds = commands(service, slug, with_migration=migration)
    title = _title(spec)
    build = PlannedTask(
        skill_id=skills.development,
        task_name=f"Build {title}",
        description=_build_description(spec, migration),
        task_order=1,
        inputs=_impl_inputs(spec, service, arch, files, cmds),
        validation_criteria=implementation_criteria(spec, service, arch, comps, cmds),
        timeout_seconds=BUILD_TIMEOUT,
    )
    review = review_of(
        build,
        spec,
        skills,
        2,
        name=f"QA: Validate {title}",
        description=f"Review the {title} implementation for correctness, security and fit with "
        "the codebase's conventions",
        critical=[
            "Security issues identified (auth, input validation, secrets"
            + (", webhook signatures" if "webhook_signature" in spec.security else "")
            + ")"
        ],
        files=[*files.create, *files.modify],
    )
    test_cmd = test_command(service)
    test = PlannedTask(
        skill_id=skills.testing,
        task_name=f"Test {title} against user requirements",
        description="Write tests that validate the USER's original request: "
        f"{spec.request.rstrip('.')}. Tests should prove the feature works as the user "
        "expects, not just that the code runs.",
        task_order=3,
        dependencies=["$2"],
        inputs={
            "original_prompt": spec.request,
            "user_expectations": user_expectations(spec, arch),
            "files_to_test": sources or list(files.create),
            "files_to_create": tests,
            "test_types": ["unit", "integration"],
            **({"validation_commands": [test_cmd]} if test_cmd else {}),
        },
        validation_criteria=testing_criteria(spec, test_cmd),
        timeout_seconds=TEST_TIMEOUT,
    )
    review_tests = review_of_tests(test, spec, skills, files=tests)
    return [build, review, test, review_tests]


def _build_description(spec: FeatureSpec, migration: bool) -> str:
    parts = []
    if migration:
        parts.append("migrations")
    parts += ["models", "services", "handlers"]
    if spec.external:
        names = ", ".join(short_name(e) for e in spec.external)
        parts.append(f"the {names} client" + ("s" if len(spec.external) > 1 else ""))
    text = "Create " + and_list(parts)
    return text + ", and register the routes"


def _subtasks(
    spec: FeatureSpec,
    service: Service,
    skills: SkillIds,
    arch: Architecture,
    comps: list[Component],
    externals: list[Component],
) -> list[PlannedTask]:
    migration = any(c.migrations for c in comps)
    cmds = commands(service, "schema", with_migration=migration)
    labels = [c.resource.plural.replace("_", " ") for c in comps]
    names = and_list(labels)
    parent_criteria = ValidationCriteria(
        critical=[
            f"All {len(comps)} services implemented: "
            + ", ".join(f"{c.resource.class_name}Service" for c in comps),
            *(["Database migrations apply in order"] if migration else []),
            "Endpoints respond correctly",
            *[f"`{c}` succeeds" for c in cmds],
        ],
        expected=implementation_criteria(spec, service, arch, comps, []).expected,
        nice_to_have=["Logging", "Metrics"],
    )
    title = _title(spec)
    subtasks: list[PlannedTask] = []
    ext_by_kind = {c.resource.singular: c for c in externals}
    for index, comp in enumerate(comps, start=1):
        files = FileSet()
        files.extend(comp.files)
        # An external system joins the component it serves (payments → Stripe).
        extra = _externals_for(spec, comp, ext_by_kind)
        for e in extra:
            files.extend(e.files)
        sub_cmds = commands(
            service, f"create_{comp.resource.plural}", with_migration=bool(comp.migrations)
        )
        critical = []
        if comp.migrations:
            critical.append(
                migration_criterion(
                    service,
                    comp.migrations,
                    rolls_back=False,
                    planned=[m for c in comps for m in c.migrations],
                )
            )
        critical.append(
            "Endpoints work: " + ", ".join(f"{e.method} {e.path}" for e in comp.endpoints[:5])
        )
        if extra and any(
            e.resource.singular in {x.service for x in spec.external if x.webhook} for e in extra
        ):
            critical.append("Webhook signature verification before any event is processed")
        critical.append(
            "Tests for this component pass" + (f" (`{sub_cmds[-1]}`)" if sub_cmds else "")
        )
        tests = list(comp.tests) + [t for e in extra for t in e.tests]
        subtasks.append(
            PlannedTask(
                skill_id=skills.development,
                task_name=f"Build {comp.resource.class_name}Service",
                description=f"Create the {comp.resource.label} service with its "
                + ("migration, " if comp.migrations else "")
                + f"model, handlers and routes ({len(comp.endpoints)} endpoints)"
                + (f", with tests in {', '.join(tests)}" if tests else ""),
                task_order=index,
                inputs={
                    "requirements": _component_requirements(spec, comp, extra),
                    "files_to_create": [
                        *files.create,
                        *[t for t in tests if t not in files.create],
                    ],
                    "files_to_modify": list(files.modify),
                    "patterns_to_follow": patterns_to_follow(service),
                    **({"validation_commands": sub_cmds} if sub_cmds else {}),
                },
                validation_criteria=ValidationCriteria(
                    critical=critical,
                    expected=[x for x in parent_criteria.expected if not x.startswith("Error")],
                    nice_to_have=["Logging"],
                ),
                timeout_seconds=BUILD_TIMEOUT,
            )
        )
    parent = PlannedTask(
        skill_id=skills.development,
        task_name=f"Build {title}",
        description=f"Create the {title} with {names}: one sequential sub-task per service, "
        "foundations first",
        task_order=1,
        inputs={
            "requirements": _requirements(spec, arch),
            "patterns_to_follow": patterns_to_follow(service),
            **({"flow": " → ".join(arch.flow)} if arch.flow else {}),
        },
        validation_criteria=parent_criteria,
        timeout_seconds=BUILD_TIMEOUT,
        subtasks=subtasks,
    )
    review = review_of(
        parent,
        spec,
        skills,
        2,
        name=f"QA: Validate {title}",
        description=f"Review the complete {title} implementation: every service, the flow "
        "between them, security and tests",
        critical=["Security issues identified", "Each sub-task's criteria checked"],
    )
    return [parent, review]


def _externals_for(
    spec: FeatureSpec, comp: Component, ext_by_kind: dict[str, Component]
) -> list[Component]:
    word = comp.resource.singular
    out = []
    for ext in spec.external:
        matches = (
            (
                ext.kind == "payments"
                and word in {"payment", "subscription", "invoice", "checkout", "billing"}
            )
            or (
                ext.kind in {"email", "messaging"}
                and word in {"notification", "message", "email", "alert"}
            )
            or (
                ext.kind == "storage"
                and word in {"upload", "file", "attachment", "document", "image"}
            )
        )
        if matches and ext.service in ext_by_kind:
            out.append(ext_by_kind[ext.service])
    return out


def _component_requirements(spec: FeatureSpec, comp: Component, extra: list[Component]) -> str:
    text = "; ".join(f"{e.method} {e.path} ({e.purpose})" for e in comp.endpoints)
    parts = [f"{comp.resource.class_name} endpoints: {text}."]
    for e in spec.external:
        if any(x.resource.singular == e.service for x in extra):
            parts.append(f"{e.name}: " + " ".join(i.rstrip(".") + "." for i in e.implications))
    return " ".join(parts)


def _investigation(
    spec: FeatureSpec, service: Service, skills: SkillIds, related: tuple[str, ...]
) -> list[PlannedTask]:
    """No code map to resolve the report through: the files named like it, else the layers."""
    inv = Investigation(request=spec.request, files=list(related) or _layer_entries(service))
    return investigation(spec, inv, service, skills)[1]


def _layer_entries(service: Service) -> list[str]:
    out: list[str] = []
    for layer in ("handlers", "routes", "services"):
        for entry in getattr(service.layout, layer):
            if "<name>" in entry:  # one folder per feature: the folder that holds them
                entry = entry.split("<name>", 1)[0].rstrip("/") or service.path
            if entry not in out:
                out.append(entry)
    return out or [service.path]


def _standard_refactor(
    spec: FeatureSpec,
    service: Service,
    skills: SkillIds,
    arch: Architecture,
    resources: list[Resource],
    related: tuple[str, ...],
) -> list[PlannedTask]:
    files = FileSet()
    request = spec.request.lower()
    # The layers the request names ("into a repository layer") get the resource's file: an
    # existing one (found among the related files) is modified, a missing one created.
    for resource in resources:
        for layer in ("repositories", "services", "handlers", "models", "routes"):
            named = {layer, layer[:-1], LAYER_WORDS.get(layer, layer)}
            if not any(word in request for word in named):
                continue
            ref = file_for(service, layer, resource)
            files.add(FileRef(ref.path, ref.create and ref.path not in related))
    for path in related:
        files.add(FileRef(path, False))
    if not files.create and not files.modify:
        files.modify.extend(_layer_entries(service))
    inv = Investigation(request=spec.request, files=list(files.modify))
    return refactor_tasks(spec, inv, service, skills, list(files.create))[1]
