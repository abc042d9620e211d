"""The MCP client side of the task backend: used by `backend-planner plan --push` (and the
language server next).

`TaskBackendClient` opens a real MCP client session to a backend given as a command (stdio;
by default our own `backend-planner tasks serve` with the embedded SQLite store) or as a
streamable-HTTP URL with an optional bearer token. `push_plan` creates a plan's tasks with the
skill's tools, retry-safe, then reads them back to confirm.

Retry safety: every creating call carries an idempotency key derived from the plan's canonical
JSON (sha256), so pushing the same plan again returns the tasks created the first time.
`create_subtask` has no key of its own: after the (idempotent) parent comes back, its existing
sub-tasks are read and only the missing ones are created (matched by position and name).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from pydantic import BaseModel, Field

from backend_planner.errors import BackendUnavailable, Conflict, PlanError, TaskBackendError
from backend_planner.planning.model import Plan, PlannedTask, SkillIds
from backend_planner.tasks.skills import SkillRegistry

BACKEND_TAG = "backend"
SKILL_CATEGORIES = ("development", "critique", "testing")


@dataclass(frozen=True)
class BackendTarget:
    """Where the task backend is: a command to spawn (stdio) or a streamable-HTTP URL."""

    command: tuple[str, ...] = ()
    url: str | None = None
    token: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    label: str | None = None

    @classmethod
    def default(cls) -> BackendTarget:
        """Our own backend over stdio, with the embedded SQLite store in the user data dir."""
        return cls(
            command=(sys.executable, "-m", "backend_planner", "tasks", "serve"),
            label="backend-planner tasks serve (stdio, embedded SQLite)",
        )

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.url:
            return self.url
        return " ".join(self.command)


class PushedTask(BaseModel):
    task_id: str
    number: str = Field(description='"1", "2", or "1.2" for the second sub-task of task 1.')
    task_order: int
    task_name: str
    skill_id: str
    status: str
    dependencies: list[str] = Field(default_factory=list)
    subtasks: list[PushedTask] = Field(default_factory=list)


class PushResult(BaseModel):
    backend: str
    pattern: str
    project_id: str | None = None
    idempotency_key: str
    tasks: list[PushedTask]

    def ids(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for task in self.tasks:
            out[task.number] = task.task_id
            for sub in task.subtasks:
                out[sub.number] = sub.task_id
        return out

    def statuses(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for task in self.tasks:
            out[task.number] = task.status
            for sub in task.subtasks:
                out[sub.number] = sub.status
        return out


def registry_skill_ids(registry: SkillRegistry) -> SkillIds:
    """The three searches of the skill, made in-process on a registry (no backend needed)."""
    found: list[str] = []
    for category in SKILL_CATEGORIES:
        skills = registry.search(category=category, tag=BACKEND_TAG, limit=1)
        if not skills:
            raise PlanError(f'no "{category}" skill tagged "{BACKEND_TAG}" in the skills registry')
        found.append(skills[0].full_id)
    return SkillIds(*found)


def idempotency_key(plan: Plan, project_id: str | None) -> str:
    """A key derived from the plan's canonical JSON and the project: same plan, same key."""
    digest = hashlib.sha256(f"{project_id or ''}\n{plan.canonical_json()}".encode()).hexdigest()
    return f"plan-{digest[:40]}"


class TaskBackendClient:
    """An open MCP session to a task backend (`async with TaskBackendClient(target) as c:`)."""

    def __init__(self, target: BackendTarget | None = None, *, timeout: float = 60.0) -> None:
        self.target = target or BackendTarget.default()
        self.timeout = timeout
        self._client: Any = None
        self._http: Any = None

    async def __aenter__(self) -> TaskBackendClient:
        from mcp import Client, StdioServerParameters

        try:
            if self.target.url:
                source: Any = self._http_transport()
            else:
                if not self.target.command:
                    raise BackendUnavailable("no task backend given: pass a command or a URL")
                env = {**os.environ, **self.target.env}
                source = StdioServerParameters(
                    command=self.target.command[0], args=list(self.target.command[1:]), env=env
                )
            self._client = Client(source, read_timeout_seconds=self.timeout)
            await self._client.__aenter__()
        except BackendUnavailable:
            raise
        except Exception as exc:  # connection refused, command missing, handshake failed
            self._client = None
            reason = _reason(exc)
            if self.target.url:
                reason = await self._http_refusal() or reason
            raise BackendUnavailable(
                f"can't reach the task backend at {self.target.describe()}: {reason}"
            ) from exc
        return self

    async def _http_refusal(self) -> str | None:
        """Why an HTTP backend refused us, when it answered at all (401, 403, 404...)."""
        import httpx2

        assert self.target.url is not None
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
        }
        if self.target.token:
            headers["authorization"] = f"Bearer {self.target.token}"
        probe = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "backend-planner", "version": "0"},
            },
        }
        try:
            async with httpx2.AsyncClient(timeout=5) as http:
                response = await http.post(self.target.url, json=probe, headers=headers)
        except Exception:
            return None
        if response.status_code == 401:
            hint = "a wrong bearer token" if self.target.token else "no bearer token (pass --token)"
            return f"refused with 401 Unauthorized: {hint}"
        if response.status_code >= 400:
            return f"refused with HTTP {response.status_code} {response.reason_phrase}"
        return None

    def _http_transport(self) -> Any:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        assert self.target.url is not None
        headers = {"authorization": f"Bearer {self.target.token}"} if self.target.token else {}
        self._http = httpx2.AsyncClient(headers=headers, timeout=self.timeout)
        return streamable_http_client(self.target.url, http_client=self._http)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            # The server may already have gone away: then there is nothing left to close.
            with contextlib.suppress(Exception):
                await client.__aexit__(exc_type, exc, tb)

    # ------------------------------------------------------------------------- tools

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Call a tool; its structured result. A refusal raises with the backend's own text."""
        if self._client is None:
            raise BackendUnavailable("the task backend session is not open")
        try:
            result = await self._client.call_tool(name, arguments)
        except Exception as exc:
            raise BackendUnavailable(
                f"the task backend at {self.target.describe()} stopped answering ({name}): "
                f"{_reason(exc)}"
            ) from exc
        if result.is_error:
            text = "\n".join(getattr(c, "text", "") for c in result.content).strip()
            raise TaskBackendError(f"the task backend refused {name}: {text or 'no reason given'}")
        content = result.structured_content
        if not isinstance(content, dict):
            raise TaskBackendError(f"the task backend answered {name} without structured content")
        return content

    async def search_skill_ids(self) -> SkillIds:
        """The three searches of the skill: development, critique and testing, tag backend."""
        found: list[str] = []
        for category in SKILL_CATEGORIES:
            result = await self.call(
                "search_skills", {"category": category, "tag": BACKEND_TAG, "limit": 1}
            )
            skills = result.get("skills") or []
            if not skills:
                raise PlanError(
                    f'the task backend has no "{category}" skill tagged "{BACKEND_TAG}"; '
                    "add one to its skills registry"
                )
            found.append(str(skills[0]["full_id"]))
        return SkillIds(*found)

    async def get_task(self, task_id: str) -> dict[str, Any]:
        return await self.call("get_task", {"task_id": task_id})

    async def push_plan(self, plan: Plan, *, project_id: str | None = None) -> PushResult:
        """Create the plan's tasks (retry-safe), read them back, return the confirmed tree."""
        if plan.violations:
            raise PlanError(
                "the plan breaks the planner skill's rules or the checks against the tree; "
                "fix it before pushing",
                [_problem(v.place, v.message) for v in plan.violations],
            )
        key = idempotency_key(plan, project_id)
        context: dict[str, Any] = {"project_id": project_id} if project_id else {}
        if plan.pattern == "standard":
            created = await self.call(
                "create_tasks_batch",
                {
                    "tasks": [t.batch_fields() for t in plan.tasks],
                    "idempotency_key": key,
                    **context,
                },
            )
            ids = [str(t["task_id"]) for t in created["tasks"]]
            if len(ids) != len(plan.tasks):
                raise TaskBackendError(
                    f"create_tasks_batch returned {len(ids)} tasks for {len(plan.tasks)}"
                )
            tree = [
                await self._confirm(task, task_id, [])
                for task, task_id in zip(plan.tasks, ids, strict=True)
            ]
        else:
            tree = await self._push_parent_and_review(plan, key, context)
        _check_tree(plan, tree)
        return PushResult(
            backend=self.target.describe(),
            pattern=plan.pattern,
            project_id=project_id,
            idempotency_key=key,
            tasks=tree,
        )

    async def _push_parent_and_review(
        self, plan: Plan, key: str, context: dict[str, Any]
    ) -> list[PushedTask]:
        parent, *rest = plan.tasks
        parent_fields = parent.batch_fields()
        parent_view = await self.call(
            "create_task", {**parent_fields, "idempotency_key": f"{key}-1", **context}
        )
        parent_id = str(parent_view["task_id"])
        # A retried create_task returns the first answer, taken before any sub-task existed:
        # read the parent as it is now to see which sub-tasks a previous push already made.
        parent_view = await self.get_task(parent_id)
        existing = {int(s["subtask_index"]): s for s in parent_view.get("subtasks") or []}
        sub_ids: list[str] = []
        for position, sub in enumerate(parent.subtasks, start=1):
            have = existing.get(position)
            if have is not None:
                if have["task_name"] != sub.task_name:
                    raise Conflict(
                        f'task {parent_id} already has sub-task {position} "{have["task_name"]}", '
                        f'not "{sub.task_name}"; push refused so nothing is duplicated'
                    )
                sub_ids.append(str(have["task_id"]))
                continue
            made = await self.call(
                "create_subtask", {"parent_task_id": parent_id, "subtask": sub.subtask_fields()}
            )
            sub_ids.append(str(made["task_id"]))
        ids = [parent_id]
        for index, task in enumerate(rest, start=2):
            fields = task.batch_fields()
            fields["dependencies"] = [_resolve(d, ids) for d in task.dependencies]
            made = await self.call(
                "create_task", {**fields, "idempotency_key": f"{key}-{index}", **context}
            )
            ids.append(str(made["task_id"]))
        tree = [await self._confirm(parent, parent_id, sub_ids)]
        for task, task_id in zip(rest, ids[1:], strict=True):
            tree.append(await self._confirm(task, task_id, []))
        return tree

    async def _confirm(self, task: PlannedTask, task_id: str, sub_ids: Sequence[str]) -> PushedTask:
        """Read a task back and check it is the one planned."""
        view = await self.get_task(task_id)
        if view.get("task_name") != task.task_name or view.get("skill_id") != task.skill_id:
            raise TaskBackendError(
                f"task {task_id} read back as {view.get('task_name')!r}, "
                f"expected {task.task_name!r}"
            )
        subs: list[PushedTask] = []
        stored = [str(s["task_id"]) for s in view.get("subtasks") or []]
        for position, (_sub, sub_id) in enumerate(
            zip(task.subtasks, sub_ids, strict=True), start=1
        ):
            if sub_id not in stored:
                raise TaskBackendError(f"sub-task {sub_id} is not under task {task_id}")
            sub_view = await self.get_task(sub_id)
            subs.append(
                PushedTask(
                    task_id=sub_id,
                    number=f"{task.task_order}.{position}",
                    task_order=position,
                    task_name=str(sub_view["task_name"]),
                    skill_id=str(sub_view["skill_id"]),
                    status=str(sub_view["status"]),
                    dependencies=[str(d) for d in sub_view.get("dependencies") or []],
                )
            )
        return PushedTask(
            task_id=task_id,
            number=str(task.task_order),
            task_order=task.task_order,
            task_name=str(view["task_name"]),
            skill_id=str(view["skill_id"]),
            status=str(view["status"]),
            dependencies=[str(d) for d in view.get("dependencies") or []],
            subtasks=subs,
        )


def _resolve(dep: str, ids: list[str]) -> str:
    if dep.startswith("$") and dep[1:].isdigit():
        return ids[int(dep[1:]) - 1]
    return dep


def _check_tree(plan: Plan, tree: list[PushedTask]) -> None:
    if len(tree) != len(plan.tasks) or any(
        len(t.subtasks) != len(p.subtasks) for t, p in zip(tree, plan.tasks, strict=True)
    ):
        raise TaskBackendError("the tasks read back do not match the plan")


def _problem(place: str, message: str) -> Any:
    from backend_planner.errors import Problem

    return Problem(place, message)


def _reason(exc: BaseException) -> str:
    """The innermost useful message of an exception (or exception group)."""
    inner = getattr(exc, "exceptions", None)
    if inner:
        return _reason(inner[0])
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def push(
    plan: Plan, target: BackendTarget | None = None, *, project_id: str | None = None
) -> PushResult:
    """Open a session, push `plan`, close."""
    async with TaskBackendClient(target) as client:
        return await client.push_plan(plan, project_id=project_id)
