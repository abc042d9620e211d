"""Checks of task payloads, all at once, each problem named by its place.

`validate_batch` checks a whole `create_tasks_batch` payload and either returns a
`PlannedBatch` (every dependency resolved to a batch index or an existing task id) or raises
`ValidationFailed` listing every violation, e.g.
`tasks[2].dependencies[0]: "$5" is past the end of a 4-task batch`. Places are JSON paths with
0-based list indexes; placeholders `$k` are 1-based positions in the batch.

Nothing here touches a database: the caller passes `existing`, a function that says which of
some task ids exist (the store calls it inside its transaction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from backend_planner.errors import Problem, ValidationFailed
from backend_planner.tasks.models import (
    MAX_BATCH_TASKS,
    MAX_CONTEXT_BYTES,
    MAX_CRITERION_CHARS,
    MAX_ID_CHARS,
    MAX_INPUTS_BYTES,
    MAX_RESULT_BYTES,
    SubtaskSpec,
    TaskFields,
    TaskSpec,
)

PLACEHOLDER = re.compile(r"^\$([0-9]+)$")

ExistingLookup = Callable[[Collection[str]], Collection[str]]
"""Given task ids, return those that exist."""


class SkillCatalog(Protocol):
    """What validation needs from the skills registry."""

    def skill_id_problem(self, skill_id: str) -> str | None:
        """None if `skill_id` is a full_id in the registry, else why not (and what to use)."""
        ...


@dataclass(frozen=True)
class BatchRef:
    """A dependency on the task at `index` (0-based) of the same batch."""

    index: int


@dataclass(frozen=True)
class TaskRef:
    """A dependency on an existing task."""

    task_id: str


Dependency = BatchRef | TaskRef


@dataclass
class PlannedTask:
    spec: TaskSpec
    task_order: int
    dependencies: list[Dependency] = field(default_factory=list)


@dataclass
class PlannedBatch:
    tasks: list[PlannedTask]


# ----------------------------------------------------------------------------- helpers


def place(prefix: str, *parts: str | int) -> str:
    """`place("tasks", 2, "dependencies", 0)` → `tasks[2].dependencies[0]`."""
    text = prefix
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else part
    return text


def problems_from_pydantic(exc: ValidationError, prefix: str) -> list[Problem]:
    """Turn pydantic's errors into place-named problems with messages a model can act on."""
    found: list[Problem] = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, str | int)]
        where = place(prefix, *loc)
        kind = err["type"]
        if kind == "missing":
            message = "missing required field"
        elif kind == "extra_forbidden":
            message = "unknown field (check the spelling against the tool's input schema)"
        elif kind in ("string_too_long", "too_long"):
            message = f"too long: {err['msg'].lower()}"
        elif kind == "string_too_short":
            message = "must not be empty"
        else:
            message = str(err["msg"])
        found.append(Problem(where, message))
    return found


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def _check_common(
    fields: TaskFields, prefix: str, skills: SkillCatalog, bad: Collection[str] = ()
) -> list[Problem]:
    found: list[Problem] = []
    skill_problem = None if "skill_id" in bad else skills.skill_id_problem(fields.skill_id)
    if skill_problem:
        found.append(Problem(place(prefix, "skill_id"), skill_problem))
    for name in ("task_name", "description"):
        if name not in bad and not getattr(fields, name).strip():
            found.append(Problem(place(prefix, name), "must not be blank"))
    size = json_size(fields.inputs)
    if size > MAX_INPUTS_BYTES:
        found.append(
            Problem(place(prefix, "inputs"), f"{size} bytes as JSON; at most {MAX_INPUTS_BYTES}")
        )
    criteria = fields.validation_criteria
    for level in ("critical", "expected", "nice_to_have"):
        for i, item in enumerate(getattr(criteria, level)):
            if len(item) > MAX_CRITERION_CHARS:
                found.append(
                    Problem(
                        place(prefix, "validation_criteria", level, i),
                        f"{len(item)} characters; at most {MAX_CRITERION_CHARS}",
                    )
                )
    return found


_FILLERS: dict[str, Any] = {"skill_id": "-", "task_name": "-", "description": "-"}


def _parse(raw: Any, model: type[BaseModel], prefix: str) -> tuple[Any, list[Problem], set[str]]:
    """Validate `raw` as `model`.

    Returns (value, problems, bad_fields). When some fields are wrong, `value` is still built from
    the others (wrong ones replaced by fillers) so that later checks can report their problems
    too; `bad_fields` names the replaced fields, whose checks must be skipped.
    """
    if isinstance(raw, model):
        raw = raw.model_dump(exclude_unset=True)
    if not isinstance(raw, Mapping):
        where = prefix or "(arguments)"
        return None, [Problem(where, "must be an object with the task's fields")], set()
    try:
        return model.model_validate(dict(raw)), [], set()
    except ValidationError as exc:
        problems = problems_from_pydantic(exc, prefix)
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    cleaned = {k: v for k, v in raw.items() if k not in bad and k in model.model_fields}
    for name in bad:
        if name in _FILLERS:
            cleaned[name] = _FILLERS[name]
    try:
        return model.model_validate(cleaned), problems, bad
    except ValidationError:
        return None, problems, bad


def _raise_if(problems: list[Problem], what: str) -> None:
    if problems:
        problems = sorted(set(problems), key=_problem_key)
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        raise ValidationFailed(f"{what} refused, nothing was written ({count} {noun}):", problems)


def _problem_key(problem: Problem) -> tuple[Any, ...]:
    # Natural order: tasks[2] before tasks[10].
    parts = re.split(r"(\d+)", problem.place)
    return tuple(int(p) if p.isdigit() else p for p in parts), problem.message


def check_context(context: Mapping[str, Any] | None, where: str = "context") -> list[Problem]:
    if context is None:
        return []
    size = json_size(context)
    if size > MAX_CONTEXT_BYTES:
        return [Problem(where, f"{size} bytes as JSON; at most {MAX_CONTEXT_BYTES}")]
    return []


def check_project_id(project_id: str | None, where: str = "project_id") -> list[Problem]:
    if project_id is not None and (not project_id.strip() or len(project_id) > MAX_ID_CHARS):
        return [Problem(where, f"must be 1..{MAX_ID_CHARS} characters, not blank")]
    return []


def check_result(result: Any, where: str = "result") -> list[Problem]:
    size = json_size(result)
    if size > MAX_RESULT_BYTES:
        return [Problem(where, f"{size} bytes as JSON; at most {MAX_RESULT_BYTES}")]
    return []


# ----------------------------------------------------------------------------- batches


def validate_batch(
    raw_tasks: Any,
    skills: SkillCatalog,
    existing: ExistingLookup,
    *,
    extra_problems: Sequence[Problem] = (),
) -> PlannedBatch:
    """Check a whole batch; return it planned, or raise `ValidationFailed` with every problem."""
    problems: list[Problem] = list(extra_problems)
    if not isinstance(raw_tasks, Sequence) or isinstance(raw_tasks, str | bytes):
        raise ValidationFailed(
            "Batch refused, nothing was written (1 problem):",
            [Problem("tasks", "must be a list of tasks")],
        )
    count = len(raw_tasks)
    if count == 0:
        problems.append(Problem("tasks", "a batch needs at least one task"))
    if count > MAX_BATCH_TASKS:
        problems.append(Problem("tasks", f"{count} tasks; a batch holds at most {MAX_BATCH_TASKS}"))
        _raise_if(problems, "Batch")

    specs: list[TaskSpec | None] = []
    bad_fields: list[set[str]] = []
    for i, raw in enumerate(raw_tasks):
        spec, found, bad = _parse(raw, TaskSpec, place("tasks", i))
        problems.extend(found)
        specs.append(spec)
        bad_fields.append(bad)
        if spec is not None:
            problems.extend(_check_common(spec, place("tasks", i), skills, bad))

    uses_unique_ids = any(
        s is not None and (s.unique_id is not None or s.logical_dependencies) for s in specs
    )
    unique_index: dict[int, int] = {}
    if uses_unique_ids:
        for i, spec in enumerate(specs):
            if spec is None or "unique_id" in bad_fields[i]:
                continue
            where = place("tasks", i, "unique_id")
            if spec.unique_id is None:
                problems.append(
                    Problem(where, "missing; every task of a batch that uses unique_id needs one")
                )
            elif spec.unique_id in unique_index:
                other = unique_index[spec.unique_id]
                problems.append(
                    Problem(where, f"{spec.unique_id} is already used by tasks[{other}]")
                )
            else:
                unique_index[spec.unique_id] = i

    # task_order: 1..N in sequence.
    orders: list[int] = []
    for i, spec in enumerate(specs):
        if spec is None:
            orders.append(i + 1)
            continue
        where = place("tasks", i, "task_order")
        if "task_order" in bad_fields[i]:
            pass
        elif spec.task_order is None:
            if not uses_unique_ids:
                problems.append(
                    Problem(where, f"missing; number the tasks 1..{count} in the order given")
                )
        elif spec.task_order != i + 1:
            problems.append(
                Problem(
                    where,
                    f"expected {i + 1}, got {spec.task_order} "
                    f"(task_order must run 1..{count} in sequence, in the order the tasks are "
                    f"listed)",
                )
            )
        orders.append(i + 1)

    # Dependencies: placeholders, unique ids, existing ids.
    edges: dict[int, list[tuple[int, str]]] = {i: [] for i in range(count)}
    deps: dict[int, list[Dependency]] = {i: [] for i in range(count)}
    wanted_ids: dict[str, list[str]] = {}
    for i, spec in enumerate(specs):
        if spec is None:
            continue
        seen: set[Dependency] = set()
        for j, dep in enumerate(spec.dependencies):
            where = place("tasks", i, "dependencies", j)
            ref: Dependency | None = None
            match = PLACEHOLDER.match(dep)
            if match:
                k = int(match.group(1))
                if k == 0:
                    problems.append(
                        Problem(
                            where, f'"{dep}" is not a placeholder: they start at $1 (1-indexed)'
                        )
                    )
                elif k > count:
                    problems.append(
                        Problem(where, f'"{dep}" is past the end of a {count}-task batch')
                    )
                elif k - 1 == i:
                    problems.append(
                        Problem(where, f'"{dep}" points at the task itself (it is task ${i + 1})')
                    )
                else:
                    ref = BatchRef(k - 1)
                    edges[i].append((k - 1, where))
            elif dep.startswith("$"):
                problems.append(
                    Problem(where, f'"{dep}" is not a placeholder; write $1, $2, ... (1-indexed)')
                )
            elif not dep.strip():
                problems.append(Problem(where, "must not be blank"))
            else:
                ref = TaskRef(dep)
                wanted_ids.setdefault(dep, []).append(where)
            if ref is not None:
                if ref in seen:
                    problems.append(Problem(where, f'"{dep}" is listed twice'))
                else:
                    seen.add(ref)
                    deps[i].append(ref)
        for j, uid in enumerate(spec.logical_dependencies):
            where = place("tasks", i, "logical_dependencies", j)
            if uid not in unique_index:
                problems.append(Problem(where, f"no task in this batch has unique_id {uid}"))
            elif unique_index[uid] == i:
                problems.append(Problem(where, f"unique_id {uid} is the task itself"))
            else:
                target = unique_index[uid]
                if BatchRef(target) in seen:
                    problems.append(Problem(where, f"unique_id {uid} is listed twice"))
                else:
                    seen.add(BatchRef(target))
                    deps[i].append(BatchRef(target))
                    edges[i].append((target, where))

    problems.extend(_cycle_problems(edges))

    if wanted_ids:
        found_ids = set(existing(list(wanted_ids)))
        for task_id, places in wanted_ids.items():
            if task_id not in found_ids:
                for where in places:
                    problems.append(
                        Problem(
                            where,
                            f'no task with id "{task_id}" (use "$k" for the k-th task of this '
                            f"batch)",
                        )
                    )

    _raise_if(problems, "Batch")
    planned = [
        PlannedTask(spec=spec, task_order=orders[i], dependencies=deps[i])
        for i, spec in enumerate(specs)
        if spec is not None
    ]
    return PlannedBatch(planned)


def _cycle_problems(edges: Mapping[int, list[tuple[int, str]]]) -> list[Problem]:
    """One problem per dependency that closes a cycle, with the cycle spelled out."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(edges, white)
    found: list[Problem] = []
    for root in sorted(edges):
        if color[root] != white:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        path: list[int] = [root]
        color[root] = grey
        while stack:
            node, next_edge = stack[-1]
            out = edges[node]
            if next_edge >= len(out):
                stack.pop()
                path.pop()
                color[node] = black
                continue
            stack[-1] = (node, next_edge + 1)
            target, where = out[next_edge]
            if color[target] == grey:
                cycle = [*path[path.index(target) :], target]
                spelled = " → ".join(f"${n + 1}" for n in cycle)
                found.append(
                    Problem(where, f'"${target + 1}" closes a dependency cycle: {spelled}')
                )
            elif color[target] == white:
                color[target] = grey
                path.append(target)
                stack.append((target, 0))
    return found


# ----------------------------------------------------------------------------- single tasks


def validate_single_task(
    raw: Any,
    skills: SkillCatalog,
    existing: ExistingLookup,
    *,
    extra_problems: Sequence[Problem] = (),
) -> PlannedTask:
    """Check a `create_task` payload (places are top-level field names)."""
    problems: list[Problem] = list(extra_problems)
    spec, found, bad = _parse(raw, TaskSpec, "")
    problems.extend(found)
    deps: list[Dependency] = []
    if spec is not None:
        problems.extend(_check_common(spec, "", skills, bad))
        if spec.task_order is not None and spec.task_order < 1:
            problems.append(Problem("task_order", f"must be 1 or more, got {spec.task_order}"))
        if spec.unique_id is not None or spec.logical_dependencies:
            problems.append(
                Problem(
                    "unique_id" if spec.unique_id is not None else "logical_dependencies",
                    "only used inside create_tasks_batch; list task_ids in dependencies",
                )
            )
        ids, id_problems = _existing_dependencies(spec.dependencies, "dependencies", existing)
        problems.extend(id_problems)
        deps = [TaskRef(t) for t in ids]
    _raise_if(problems, "Task")
    assert spec is not None
    return PlannedTask(spec=spec, task_order=spec.task_order or 1, dependencies=deps)


def validate_subtask(
    raw: Any,
    skills: SkillCatalog,
    existing: ExistingLookup,
    *,
    parent_task_id: str | None = None,
    extra_problems: Sequence[Problem] = (),
) -> tuple[SubtaskSpec, list[str]]:
    """Check a `create_subtask` payload (places start with `subtask`)."""
    problems: list[Problem] = list(extra_problems)
    spec, found, bad = _parse(raw, SubtaskSpec, "subtask")
    problems.extend(found)
    ids: list[str] = []
    if spec is not None:
        problems.extend(_check_common(spec, "subtask", skills, bad))
        ids, id_problems = _existing_dependencies(
            spec.dependencies, "subtask.dependencies", existing
        )
        problems.extend(id_problems)
        for j, dep in enumerate(spec.dependencies):
            if parent_task_id is not None and dep == parent_task_id:
                problems.append(
                    Problem(
                        place("subtask.dependencies", j),
                        "is the parent itself; a sub-task already runs inside its parent "
                        "(the parent completes only when its last sub-task does)",
                    )
                )
    _raise_if(problems, "Sub-task")
    assert spec is not None
    return spec, [i for i in ids if i != parent_task_id]


def _existing_dependencies(
    dependencies: Sequence[str], prefix: str, existing: ExistingLookup
) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    ids: list[str] = []
    for j, dep in enumerate(dependencies):
        where = place(prefix, j)
        if dep.startswith("$"):
            problems.append(
                Problem(
                    where,
                    f'"{dep}": placeholders only work inside create_tasks_batch; '
                    "use the task_id of an existing task",
                )
            )
        elif not dep.strip():
            problems.append(Problem(where, "must not be blank"))
        elif dep in ids:
            problems.append(Problem(where, f'"{dep}" is listed twice'))
        else:
            ids.append(dep)
    if ids:
        found = set(existing(ids))
        for j, dep in enumerate(dependencies):
            if dep in ids and dep not in found:
                problems.append(Problem(place(prefix, j), f'no task with id "{dep}"'))
    return ids, problems
