"""The MCP face of the task backend: tools, resources and prompts over `TaskStore`.

Thin by design: every tool validates nothing itself and delegates to the store (which runs in
a worker thread); a `BackendPlannerError` becomes a tool error carrying every problem with its
place. The database is opened in the server's lifespan and reaches the tools through a typed
context (`AppContext`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.prompts.base import Prompt
from mcp.server.mcpserver.resources import ResourceSecurity
from mcp.server.mcpserver.resources.types import TextResource
from mcp.server.mcpserver.tools.base import Tool
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from backend_planner import __version__
from backend_planner.errors import BackendPlannerError, NotFound, PlanError, Problem
from backend_planner.tasks.models import (
    MAX_ID_CHARS,
    MAX_PAGE,
    BatchResult,
    ClaimResult,
    SkillSearchResult,
    SubtaskSpec,
    TaskFields,
    TaskPage,
    TaskSpec,
    TaskStatus,
    TaskView,
)
from backend_planner.tasks.skills import Skill, SkillRegistry, SkillSource
from backend_planner.tasks.store import TaskStore
from backend_planner.tasks.tree import render_markdown

if TYPE_CHECKING:
    from backend_planner.planning.spec import ChangeSpec

log = logging.getLogger(__name__)

T = TypeVar("T")

INSTRUCTIONS = """\
Task backend for backend-planner. Find skills with search_skills (use the full_id it returns),
create tasks with create_tasks_batch ("$k" = k-th task of the batch) or create_task +
create_subtask (sequential sub-tasks), and let workers take ready tasks with claim_next_task and
report with update_task_status. Errors list every problem with its place, e.g.
tasks[1].dependencies[0]; fix them all and call again — nothing is written on error."""


@dataclass(frozen=True)
class ServerConfig:
    db_url: str | None = None
    skill_sources: tuple[SkillSource, ...] = ()
    lease_sweep_seconds: float = 5.0


@dataclass
class AppContext:
    """What every tool gets: the store and the skills registry."""

    store: TaskStore
    skills: SkillRegistry


AppCtx = Context[AppContext, Any]


# ----------------------------------------------------------------------------- tool schemas


class _ContextFields(BaseModel):
    project_id: str | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Project the tasks belong to; sub-tasks inherit it. Filters list/claim.",
    )
    context: dict[str, Any] | None = Field(
        default=None,
        description="Free-form context shared by the tasks (e.g. user_id, repository); "
        "sub-tasks inherit it.",
    )
    idempotency_key: str | None = Field(
        default=None,
        max_length=MAX_ID_CHARS,
        description="Retry safely: the same key with the same payload returns the first result "
        "and creates nothing; the same key with a different payload is an error.",
    )


class CreateTasksBatchArgs(_ContextFields):
    model_config = ConfigDict(title="create_tasks_batchArguments")
    tasks: list[TaskSpec] = Field(
        description="All tasks of the plan, in task_order 1..N. Written all together or not at all."
    )


class CreateTaskArgs(TaskFields, _ContextFields):
    model_config = ConfigDict(title="create_taskArguments", extra="forbid")
    task_order: int = Field(default=1, ge=1, description="Order of the task in its plan.")
    dependencies: list[str] = Field(
        default_factory=list,
        description="task_ids of existing tasks that must be completed first (e.g. a parent task).",
    )


class CreateSubtaskArgs(BaseModel):
    model_config = ConfigDict(title="create_subtaskArguments")
    parent_task_id: str = Field(
        description="The parent task (which must not itself be a sub-task)."
    )
    subtask: SubtaskSpec = Field(description="The sub-task: Task fields, no task_order needed.")
    position: int | None = Field(
        default=None,
        ge=1,
        description="1-based place among the parent's sub-tasks; later ones shift down. "
        "Omit to append. Sub-tasks run one after another in this order.",
    )


def _tool(fn: Callable[..., Any], *, args_model: type[BaseModel] | None = None, **kw: Any) -> Tool:
    """A tool from `fn`; with `args_model`, the advertised input schema comes from that model.

    The creating tools accept loose JSON and validate it themselves, so that every problem of a
    payload (missing fields included) is reported at once with its place.
    """
    tool = Tool.from_function(fn, **kw)
    if args_model is not None:
        tool.parameters = args_model.model_json_schema()
    return tool


def _app(ctx: AppCtx) -> AppContext:
    return ctx.request_context.lifespan_context


async def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a store call in a worker thread; domain errors become tool errors."""
    try:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
    except BackendPlannerError as exc:
        raise ToolError(exc.details()) from exc


# ----------------------------------------------------------------------------- tools


async def search_skills(
    ctx: AppCtx,
    category: Annotated[
        str | None,
        Field(description='Skill category, e.g. "development", "critique", "testing", "planner".'),
    ] = None,
    tag: Annotated[
        str | None, Field(description='A tag the skill must have, e.g. "backend".')
    ] = None,
    query: Annotated[
        str | None, Field(description="Free text matched against name, tags and description.")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="Most results to return.")] = 10,
) -> SkillSearchResult:
    """Find skills for tasks, best match first. Use a result's full_id as a task's skill_id."""
    skills = _app(ctx).skills
    found = skills.search(category=category, tag=tag, query=query, limit=limit)
    return SkillSearchResult(skills=[s.summary() for s in found])


async def create_tasks_batch(
    ctx: AppCtx,
    tasks: list[Any],
    project_id: str | None = None,
    context: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> BatchResult:
    """Create all tasks of a plan at once, with dependencies between them.

    In dependencies, "$k" is the k-th task of this batch (1-indexed) and any other string is
    the task_id of an existing task. task_order must run 1..N in the order listed. Alternative
    shape: give every task an integer unique_id and list unique_ids in logical_dependencies.
    All-or-nothing: on error nothing is written and every problem is listed with its place.
    """
    return await _call(
        _app(ctx).store.create_batch,
        tasks,
        project_id=project_id,
        context=context,
        idempotency_key=idempotency_key,
    )


async def create_task(
    ctx: AppCtx,
    skill_id: Any = None,
    task_name: Any = None,
    description: Any = None,
    task_order: Any = None,
    dependencies: Any = None,
    inputs: Any = None,
    validation_criteria: Any = None,
    timeout_seconds: Any = None,
    max_retries: Any = None,
    project_id: str | None = None,
    context: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> TaskView:
    """Create one task, e.g. a parent to which create_subtask then adds sequential sub-tasks.

    dependencies are task_ids of existing tasks (a review task can depend on a parent: it waits
    until the parent's last sub-task is completed).
    """
    given = {
        "skill_id": skill_id,
        "task_name": task_name,
        "description": description,
        "task_order": task_order,
        "dependencies": dependencies,
        "inputs": inputs,
        "validation_criteria": validation_criteria,
        "timeout_seconds": timeout_seconds,
        "max_retries": max_retries,
    }
    task = {k: v for k, v in given.items() if v is not None}
    return await _call(
        _app(ctx).store.create_task,
        task,
        project_id=project_id,
        context=context,
        idempotency_key=idempotency_key,
    )


async def create_subtask(
    ctx: AppCtx,
    parent_task_id: str,
    subtask: dict[str, Any],
    position: int | None = None,
) -> TaskView:
    """Add a sub-task to a parent task. Sub-tasks run sequentially (k waits for k-1).

    The parent becomes a container: it is never claimed itself and completes when its last
    sub-task completes. Sub-tasks inherit the parent's project_id and context. One level only:
    a sub-task cannot have sub-tasks. The result's subtask_index is the sub-task's position.
    """
    return await _call(_app(ctx).store.create_subtask, parent_task_id, subtask, position=position)


async def get_task(
    ctx: AppCtx, task_id: Annotated[str, Field(description="The task's id.")]
) -> TaskView:
    """A task with its status, readiness, dependency ids and (for a parent) its sub-tasks."""
    return await _call(_app(ctx).store.get_task, task_id)


async def list_tasks(
    ctx: AppCtx,
    project_id: str | None = None,
    status: TaskStatus | None = None,
    parent_task_id: Annotated[
        str | None, Field(description="Only the sub-tasks of this parent, in sub-task order.")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Field(description="next_cursor from the previous page.")] = None,
) -> TaskPage:
    """A page of tasks in creation order, optionally filtered."""
    return await _call(
        _app(ctx).store.list_tasks,
        project_id=project_id,
        status=status,
        parent_task_id=parent_task_id,
        limit=limit,
        cursor=cursor,
    )


async def update_task_status(
    ctx: AppCtx,
    task_id: str,
    status: Annotated[
        TaskStatus,
        Field(
            description="pending → in_progress → completed | failed | cancelled; failed → pending "
            "re-queues; in_progress → pending releases. completed and cancelled are final."
        ),
    ],
    result: Annotated[
        Any, Field(description="The outcome to keep with the task (any JSON), e.g. a verdict.")
    ] = None,
) -> TaskView:
    """Report progress on a task. Senseless transitions are refused with the allowed ones. The
    task's current status with a result keeps the result as a note (e.g. progress evidence)."""
    return await _call(_app(ctx).store.update_task_status, task_id, status, result)


async def claim_next_task(
    ctx: AppCtx,
    project_id: str | None = None,
    skill_id: Annotated[
        str | None, Field(description="Only tasks for this skill (full_id).")
    ] = None,
    worker: Annotated[str | None, Field(description="Who takes the task (for people).")] = None,
) -> ClaimResult:
    """Take the next ready task (in task_order / sub-task order): it becomes in_progress, leased
    for its timeout_seconds. Report with update_task_status before the lease expires, or it
    returns to pending. task is null when nothing is ready."""
    task = await _call(
        _app(ctx).store.claim_next_task, project_id=project_id, skill_id=skill_id, worker=worker
    )
    return ClaimResult(task=task)


# ----------------------------------------------------------------------------- planning tools


class PlanCheck(BaseModel):
    ok: bool = Field(
        description="True when the plan passes every rule of the planner skill and, when the "
        "workspace path was given, every check against the tree."
    )
    violations: list[dict[str, str]] = Field(
        default_factory=list,
        description="Each problem: {place, message, check}; check is 'skill' (a rule of the "
        "planner skill), 'tree' (a check against the workspace) or 'shape' (the plan does "
        "not parse, so the tree was not checked).",
    )


CHANGE_SPEC_HELP = (
    "Optional: the request as you understood it, in the ChangeSpec shape; the planner then "
    "plans from it instead of its own reading. One item per thing the request names, by kind: "
    "existing (an endpoint or entity that changes), new_entity (a genuinely new domain thing), "
    "new_fields (fields on an existing entity), capability (added to existing endpoints: "
    "pagination, filtering, rate limiting …), relation (between existing entities, e.g. "
    "bookmarks copying favorites), cross_cutting (middleware, caching, audit …), flow "
    "(password reset, email verification, OAuth login, 2FA …), integration (webhooks, "
    "clients, events, workers). Name existing endpoints by method + path and entities by name: "
    "the planner finds their files and lines in the code map. What the repository lacks comes "
    "back as a not_found item naming the closest existing endpoints; nothing is invented."
)


def _draft_schema() -> dict[str, Any]:
    """draft_plan's input schema: the ChangeSpec in full (item kinds, fields, descriptions),
    with the recipe keys spelled out. Built when the server starts (planning loads lazily)."""
    from backend_planner.planning.recipes import load_recipes
    from backend_planner.planning.spec import ChangeSpec

    args = create_model(
        "draft_planArguments",
        request=(
            str,
            Field(description='The feature request, e.g. "Build subscription API with Stripe".'),
        ),
        path=(str, Field(description="Directory of the workspace on the server's machine.")),
        service_path=(
            str | None,
            Field(default=None, description="The service of a monorepo to plan for (its path)."),
        ),
        change_spec=(ChangeSpec | None, Field(default=None, description=CHANGE_SPEC_HELP)),
    )
    schema = args.model_json_schema()
    try:
        recipes = load_recipes()
    except BackendPlannerError as exc:  # the task tools serve on; draft_plan will say why
        log.warning("draft_plan schema without recipe keys: %s", exc)
        return schema
    recipe = schema["$defs"]["SpecItem"]["properties"]["recipe"]
    recipe["description"] = (
        "Key of the feature recipe that plans this item (null when none fits): "
        + "; ".join(f"{key} ({r.title}, {r.kind})" for key, r in sorted(recipes.items()))
        + "."
    )
    for option in recipe.get("anyOf", []):
        if option.get("type") == "string":
            option["enum"] = sorted(recipes)
    return schema


def _draft_tool(annotations: ToolAnnotations) -> Tool:
    tool = _tool(draft_plan, annotations=annotations)
    tool.parameters = _draft_schema()
    return tool


def _analyze(path: str) -> Any:
    from backend_planner.workspace import analyze

    return analyze(path)


def _spec(data: Any, request: str) -> ChangeSpec:
    """The agent's spec, checked: its shape (pydantic) and its recipe keys."""
    from backend_planner.cli.plan import parse_change_spec
    from backend_planner.planning.recipes import load_recipes

    spec = parse_change_spec(data, request)
    recipes = load_recipes()
    problems = [
        Problem(
            f"change_spec.items[{i}].recipe",
            f"unknown recipe {item.recipe!r} (one of {', '.join(sorted(recipes))}; "
            "null when none fits)",
        )
        for i, item in enumerate(spec.items)
        if item.recipe is not None and item.recipe not in recipes
    ]
    if problems:
        raise PlanError("the change spec is not valid; fix every problem and call again", problems)
    return spec


def _draft(
    registry: SkillRegistry,
    request: str,
    path: str,
    service_path: str | None,
    change_spec: Any,
) -> Any:
    from backend_planner.planning import plan_workspace
    from backend_planner.tasks.client import registry_skill_ids

    spec = _spec(change_spec, request) if change_spec is not None else None
    return plan_workspace(  # its violations: the skill's rules and the checks against the tree
        request,
        Path(path),
        registry_skill_ids(registry),
        service_path=service_path,
        change_spec=spec,
    )


def _check(plan: dict[str, Any], known: list[str], path: str | None) -> list[dict[str, str]]:
    """The skill's rules, then (with `path`) the checks against the tree; a plan that does not
    parse gets the rules and its shape problems (the tree needs a parsed plan)."""
    from backend_planner.planning import Plan, validate_plan

    found = [
        {"place": p.place, "message": p.message, "check": "skill"}
        for p in validate_plan(plan, known_skill_ids=known)
    ]
    if path is None:
        return found
    from backend_planner.cli.plan import tree_findings
    from backend_planner.tasks.validation import problems_from_pydantic
    from backend_planner.workspace import analyze

    profile = analyze(path)  # first: a workspace that can't be read is the call's error
    try:
        parsed = Plan.model_validate(_plan_defaults(plan, profile))
    except ValidationError as exc:
        flagged = {v["place"] for v in found}
        return found + [
            {"place": p.place, "message": p.message, "check": "shape"}
            for p in problems_from_pydantic(exc, "")
            if p.place not in flagged
        ]
    try:
        tree = tree_findings(parsed, Path(path), profile)
    except PlanError as exc:  # the plan's service is not in the workspace
        return [*found, {"place": "service", "message": exc.message, "check": "tree"}]
    return found + [{"place": p.place, "message": p.message, "check": "tree"} for p in tree]


def _plan_defaults(plan: dict[str, Any], profile: Any) -> dict[str, Any]:
    """A plan as an agent may write it (request, pattern, tasks), completed with what the
    checks against the tree do not depend on (the service: the workspace's main backend); its
    old violations are dropped."""
    from backend_planner.planning import pick_service

    data = {k: v for k, v in plan.items() if k != "violations"}
    data.setdefault("intent", "build")
    data.setdefault("pattern_reason", "")
    data.setdefault("architecture", {"summary": ""})
    if data.get("service") is None:
        with contextlib.suppress(PlanError):  # no backend: the plan's missing service is named
            data["service"] = pick_service(profile, None).path
    return data


async def analyze_workspace(
    path: Annotated[str, Field(description="Directory of the workspace on the server's machine.")],
) -> dict[str, Any]:
    """The workspace's StackProfile: languages, services, frameworks, ORM, migrations (with the
    next file name), tests, where each layer's code lives and how its files are named — and
    each backend's code map: `endpoints` (method, full served path, handler, registration and
    handler file:line) and `entities` (name, table, fields with type, nullability, uniqueness
    and references, indexes), read from the code."""
    profile = await _call(_analyze, path)
    return dict(profile.model_dump(mode="json"))


async def draft_plan(
    ctx: AppCtx,
    request: str,
    path: str,
    service_path: str | None = None,
    change_spec: Any = None,  # checked by _spec, so that every problem is named with its place
) -> dict[str, Any]:
    """Draft a plan in the planner skill's patterns, grounded in the workspace's code map:
    the change spec first (what exists and is modified, with file:line; what is created; what
    must not change; what the repository does not have), the architecture, then tasks with
    this registry's skill full_ids, real file paths and criteria. Pass change_spec when you
    have understood the request yourself: it is grounded and checked like the planner's own.
    `violations` lists every broken rule and every check against the tree that fails, each
    at its place. Review it, then create the tasks with create_tasks_batch (standard) or
    create_task + create_subtask (sub-task patterns)."""
    plan = await _call(_draft, _app(ctx).skills, request, path, service_path, change_spec)
    return dict(plan.model_dump(mode="json"))


async def validate_plan(
    ctx: AppCtx,
    plan: Annotated[
        dict[str, Any],
        Field(
            description="A plan as JSON: request, pattern (standard|subtasks|investigation), "
            "tasks (with nested subtasks); service, change_spec and architecture when it came "
            "from draft_plan."
        ),
    ],
    path: Annotated[
        str | None,
        Field(
            description="The workspace directory the plan is for: also run the checks against "
            "the tree (files to create don't exist yet, files to modify do, valid identifiers, "
            "no placeholders, endpoints in the repo's prefix and style without collisions, "
            "foreign keys to known entities, every part of the request covered)."
        ),
    ] = None,
) -> PlanCheck:
    """Check a plan against every rule of the planner skill and, given the workspace `path`,
    against the tree (the plan's `service` in it, the default backend when absent); each
    problem names its place."""
    known = [s.full_id for s in _app(ctx).skills.all()]
    violations = await _call(_check, plan, known, path)
    return PlanCheck(ok=not violations, violations=violations)


# ----------------------------------------------------------------------------- resources & prompts


async def task_resource(task_id: str, ctx: AppCtx) -> str:
    """A task tree as JSON: the task and its sub-tasks."""
    try:
        root, subs = await anyio.to_thread.run_sync(_app(ctx).store.tree, task_id)
    except NotFound as exc:
        raise ResourceNotFoundError(exc.message) from exc
    return json.dumps(
        {
            "task": root.model_dump(mode="json"),
            "subtasks": [s.model_dump(mode="json") for s in subs],
        },
        indent=2,
    )


async def task_markdown_resource(task_id: str, ctx: AppCtx) -> str:
    """A task tree as markdown, for people."""
    try:
        root, subs = await anyio.to_thread.run_sync(_app(ctx).store.tree, task_id)
    except NotFound as exc:
        raise ResourceNotFoundError(exc.message) from exc
    return render_markdown(root, subs)


def _skill_prompt(skill: Skill) -> Prompt:
    def render(request: str = "") -> str:
        text = skill.body.strip()
        if request.strip():
            text += f"\n\n---\n\nRequest:\n{request.strip()}"
        return text

    return Prompt.from_function(
        render, name=skill.full_id, title=skill.name, description=skill.description
    )


# ----------------------------------------------------------------------------- the server


def build_server(
    config: ServerConfig, skills: SkillRegistry | None = None
) -> MCPServer[AppContext]:
    """The MCP server; the database is opened when it starts (its lifespan)."""
    registry = skills if skills is not None else SkillRegistry.load(config.skill_sources)

    @asynccontextmanager
    async def lifespan(_server: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        store = await anyio.to_thread.run_sync(TaskStore.open, config.db_url, registry)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_sweep_leases, store, config.lease_sweep_seconds)
                yield AppContext(store=store, skills=registry)
                group.cancel_scope.cancel()
        finally:
            store.close()

    read_only = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
    writes = ToolAnnotations(readOnlyHint=False, destructiveHint=False, openWorldHint=False)
    tools = [
        _tool(search_skills, annotations=read_only),
        _tool(create_tasks_batch, args_model=CreateTasksBatchArgs, annotations=writes),
        _tool(create_task, args_model=CreateTaskArgs, annotations=writes),
        _tool(create_subtask, args_model=CreateSubtaskArgs, annotations=writes),
        _tool(get_task, annotations=read_only),
        _tool(list_tasks, annotations=read_only),
        _tool(update_task_status, annotations=writes),
        _tool(claim_next_task, annotations=writes),
        _tool(analyze_workspace, annotations=read_only),
        _draft_tool(read_only),
        _tool(validate_plan, annotations=read_only),
    ]
    server: MCPServer[AppContext] = MCPServer(
        "backend-planner-tasks",
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=tools,
        lifespan=lifespan,
        log_level="WARNING",
    )
    server.resource("task://{task_id}", name="task", mime_type="application/json")(task_resource)
    server.resource("task://{task_id}/tree.md", name="task-tree", mime_type="text/markdown")(
        task_markdown_resource
    )
    for skill in registry.all():
        server.add_resource(
            TextResource(
                uri=f"skill://{skill.full_id}",
                name=skill.full_id,
                title=skill.name,
                description=skill.description,
                mime_type="text/markdown",
                text=skill.text,
            )
        )
        server.add_prompt(_skill_prompt(skill))

    def skill_resource(full_id: str) -> str:
        """The SKILL.md of a skill, by full_id."""
        try:
            return registry.get(full_id).text
        except NotFound as exc:
            raise ResourceNotFoundError(exc.message) from exc

    server.resource(
        "skill://{+full_id}",
        name="skill",
        mime_type="text/markdown",
        security=ResourceSecurity(exempt_params={"full_id"}),
    )(skill_resource)
    return server


async def _sweep_leases(store: TaskStore, interval: float) -> None:
    """Expire leases in the background, so statuses are right even when nobody claims."""
    while True:
        await anyio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(store.expire_leases)
        except BackendPlannerError as exc:
            log.warning("lease sweep failed: %s", exc)
