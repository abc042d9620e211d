"""Check a plan against every rule of the planner skill; each violation named by its place.

Works on any plan JSON handed in (from our planner, an agent or a person): places are JSON paths
with 0-based list indexes (`tasks[1].inputs.preceding_task.task_name`); messages name the rule.
The planner's own output always passes (tests hold it to that).

Rules (SKILL-backend-planner.md): 1 explore first (patterns_to_follow names existing code);
2 three skills (development, critique, testing); 3 the right pattern; 4 full_ids; 5 tasks go
through MCP tools (the push client's job, not checkable here); 6 file paths in inputs;
7 security requirements; 8 the testing task validates USER requirements; 9 task_order 1..N;
10 critique tasks carry preceding_task; 11 critique tasks copy the criteria; 12 `$k`
placeholders; 13 one level of sub-tasks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from backend_planner.errors import Problem
from backend_planner.planning.model import Plan, SkillIds
from backend_planner.planning.request import security_needs

FULL_ID = re.compile(r"^[^/\s]+/[^/\s]+/[^/\s]+$")
PLACEHOLDER = re.compile(r"^\$([0-9]+)$")
UNFILLED = re.compile(r"\{name\}|<name>|00X|\bXXX\b|TODO|<[a-z_-]+>")
CRITERIA_LEVELS = ("critical", "expected", "nice_to_have")
SECURITY_TERMS = {
    "auth": r"\bauth",
    "input_validation": r"validat",
    "webhook_signature": r"signature",
    "secrets": r"secret|configuration",
    "pii": r"\bPII\b|personal data",
    "idempotency": r"idempot",
}
PATTERNS = ("standard", "subtasks", "investigation")
FILE_KEYS = ("files_to_create", "files_to_modify", "files_to_investigate")


def validate_plan(
    plan: Plan | Mapping[str, Any],
    *,
    skills: SkillIds | None = None,
    known_skill_ids: Sequence[str] | None = None,
) -> list[Problem]:
    """Every violation of the skill's rules, sorted by place; [] when the plan passes.

    `skills` (the three full_ids search_skills returned) lets the check see which task uses
    which role; `known_skill_ids` restricts skill_ids to a registry's.
    """
    data: Mapping[str, Any] = plan.model_dump(mode="json") if isinstance(plan, Plan) else plan
    problems: list[Problem] = []
    add = problems.append
    if not isinstance(data, Mapping):
        return [Problem("", "a plan must be a JSON object with request, pattern and tasks")]
    request = data.get("request")
    if not isinstance(request, str) or not request.strip():
        add(Problem("request", "missing: the user's original request"))
        request = ""
    pattern = data.get("pattern")
    if pattern not in PATTERNS:
        add(Problem("pattern", f"(rule 3) must be one of {', '.join(PATTERNS)}, got {pattern!r}"))
    tasks = data.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        add(Problem("tasks", "a plan needs at least one task"))
        return sorted(problems)
    known = set(known_skill_ids) if known_skill_ids is not None else None

    for i, task in enumerate(tasks):
        where = f"tasks[{i}]"
        if not isinstance(task, Mapping):
            add(Problem(where, "must be an object"))
            continue
        _check_task(task, where, i + 1, len(tasks), known, problems, top_level=True)
        subs = task.get("subtasks") or []
        if not isinstance(subs, list):
            add(Problem(f"{where}.subtasks", "must be a list"))
            continue
        for j, sub in enumerate(subs):
            sub_where = f"{where}.subtasks[{j}]"
            if not isinstance(sub, Mapping):
                add(Problem(sub_where, "must be an object"))
                continue
            _check_task(sub, sub_where, j + 1, len(subs), known, problems, top_level=False)
            if sub.get("subtasks"):
                add(Problem(f"{sub_where}.subtasks", "(rule 13) sub-tasks cannot have sub-tasks"))
            if sub.get("dependencies"):
                add(
                    Problem(
                        f"{sub_where}.dependencies",
                        "sub-tasks run in order after the previous one; list no placeholders",
                    )
                )

    valid = [t for t in tasks if isinstance(t, Mapping)]
    if len(valid) == len(tasks):
        _check_critiques(tasks, problems)
        _check_roles(tasks, pattern, skills, problems)
        _check_testing(tasks, request, skills, problems)
        _check_security(tasks, request, problems)
    return sorted(set(problems))


def _inputs(task: Any) -> Mapping[str, Any]:
    inputs = task.get("inputs") if isinstance(task, Mapping) else None
    return inputs if isinstance(inputs, Mapping) else {}


def _str(task: Mapping[str, Any], key: str) -> str:
    value = task.get(key)
    return value if isinstance(value, str) else ""


def _check_task(
    task: Mapping[str, Any],
    where: str,
    position: int,
    count: int,
    known: set[str] | None,
    problems: list[Problem],
    *,
    top_level: bool,
) -> None:
    add = problems.append
    for key in ("task_name", "description"):
        if not _str(task, key).strip():
            add(Problem(f"{where}.{key}", "missing"))
    skill_id = task.get("skill_id")
    if not isinstance(skill_id, str) or not skill_id:
        add(Problem(f"{where}.skill_id", "(rule 4) missing: use a full_id from search_skills"))
    elif not FULL_ID.match(skill_id):
        add(
            Problem(
                f"{where}.skill_id",
                f'(rule 4) "{skill_id}" is not a full_id (owner/repo/name) from search_skills',
            )
        )
    elif known is not None and skill_id not in known:
        add(Problem(f"{where}.skill_id", f'(rule 4) "{skill_id}" is not in the skills registry'))
    order = task.get("task_order")
    if order != position:
        what = "task" if top_level else "sub-task"
        add(
            Problem(
                f"{where}.task_order",
                f"(rule 9) must be {position} ({what} {position} of {count}, in sequence from 1), "
                f"got {order!r}",
            )
        )
    timeout = task.get("timeout_seconds")
    if timeout is not None and (not isinstance(timeout, int) or not 1 <= timeout <= 7 * 24 * 3600):
        add(Problem(f"{where}.timeout_seconds", "must be between 1 second and 7 days"))
    criteria = task.get("validation_criteria")
    if not isinstance(criteria, Mapping) or not criteria.get("critical"):
        add(
            Problem(
                f"{where}.validation_criteria.critical", "needs at least one must-pass criterion"
            )
        )
    else:
        for level in CRITERIA_LEVELS:
            if not isinstance(criteria.get(level, []), list):
                add(Problem(f"{where}.validation_criteria.{level}", "must be a list"))
    inputs = task.get("inputs")
    if not isinstance(inputs, Mapping):
        add(Problem(f"{where}.inputs", "must be an object"))
        return
    for key in (*FILE_KEYS, "files_to_test"):
        paths = inputs.get(key)
        if paths is None:
            continue
        if not isinstance(paths, list):
            add(Problem(f"{where}.inputs.{key}", "must be a list of repo-relative paths"))
            continue
        for k, path in enumerate(paths):
            if not isinstance(path, str) or not path.strip():
                add(Problem(f"{where}.inputs.{key}[{k}]", "must be a non-empty path"))
            elif path.startswith("/") or ".." in path.split("/"):
                add(Problem(f"{where}.inputs.{key}[{k}]", f'"{path}" must be repo-relative'))
            elif UNFILLED.search(path):
                add(Problem(f"{where}.inputs.{key}[{k}]", f'"{path}" still holds a placeholder'))
    deps = task.get("dependencies") or []
    if not isinstance(deps, list):
        add(Problem(f"{where}.dependencies", "must be a list"))
        return
    if top_level:
        for k, dep in enumerate(deps):
            match = PLACEHOLDER.match(dep) if isinstance(dep, str) else None
            if match is None:
                add(
                    Problem(
                        f"{where}.dependencies[{k}]",
                        f'(rule 12) {dep!r}: reference tasks of the plan as "$1", "$2", ...',
                    )
                )
            elif not 1 <= int(match.group(1)) < position:
                add(
                    Problem(
                        f"{where}.dependencies[{k}]",
                        f'(rule 12) "{dep}" must point at an earlier task ($1..${position - 1})'
                        if position > 1
                        else f'(rule 12) "{dep}": the first task cannot depend on another',
                    )
                )


def _role(task: Mapping[str, Any], skills: SkillIds | None) -> str:
    """development, critique, testing (by skill id, else by shape)."""
    skill_id = task.get("skill_id")
    if skills is not None:
        for role, full_id in zip(SkillIds._fields, skills, strict=True):
            if skill_id == full_id:
                return role
    inputs = _inputs(task)
    assert isinstance(inputs, Mapping)
    if "preceding_task" in inputs or (isinstance(skill_id, str) and "critique" in skill_id):
        return "critique"
    if "user_expectations" in inputs or (isinstance(skill_id, str) and "test" in skill_id):
        return "testing"
    return "development"


def _check_critiques(tasks: list[Any], problems: list[Problem]) -> None:
    add = problems.append
    for i, task in enumerate(tasks):
        inputs = task.get("inputs")
        if not isinstance(inputs, Mapping) or _role(task, None) != "critique":
            continue
        where = f"tasks[{i}].inputs"
        if not _str(inputs, "original_prompt").strip():
            add(
                Problem(
                    f"{where}.original_prompt", "critique tasks need the user's original request"
                )
            )
        preceding = inputs.get("preceding_task")
        if not isinstance(preceding, Mapping):
            add(
                Problem(
                    f"{where}.preceding_task",
                    "(rule 10) critique tasks must say which task they review",
                )
            )
            continue
        missing = [
            k for k in ("task_order", "skill_id", "task_name", "description") if k not in preceding
        ]
        for key in missing:
            add(Problem(f"{where}.preceding_task.{key}", "(rule 10) missing"))
        order = preceding.get("task_order")
        target = tasks[order - 1] if isinstance(order, int) and 1 <= order <= len(tasks) else None
        if target is None or order == i + 1:
            add(
                Problem(
                    f"{where}.preceding_task.task_order",
                    f"(rule 10) {order!r} is not another task of the plan",
                )
            )
            continue
        for key in ("skill_id", "task_name", "description"):
            if key in preceding and preceding.get(key) != target.get(key):
                add(
                    Problem(
                        f"{where}.preceding_task.{key}",
                        f"(rule 10) must be task {order}'s {key} {target.get(key)!r}",
                    )
                )
        if _norm(inputs.get("validation_criteria")) != _norm(target.get("validation_criteria")):
            add(
                Problem(
                    f"{where}.validation_criteria",
                    f"(rule 11) must be a copy of task {order}'s validation_criteria",
                )
            )
        deps = task.get("dependencies") or []
        if f"${order}" not in deps:
            add(
                Problem(
                    f"tasks[{i}].dependencies",
                    f'(rule 12) must include "${order}", the task it reviews',
                )
            )


def _norm(criteria: Any) -> dict[str, list[Any]]:
    if not isinstance(criteria, Mapping):
        return {}
    return {level: list(criteria.get(level) or []) for level in CRITERIA_LEVELS}


def _check_roles(
    tasks: list[Any], pattern: Any, skills: SkillIds | None, problems: list[Problem]
) -> None:
    add = problems.append
    roles = [_role(t, skills) for t in tasks]
    if pattern == "standard":
        expected = ["development", "critique", "testing", "critique"]
        if roles != expected:
            add(
                Problem(
                    "tasks",
                    "(rule 2/3) the standard pattern is implement → critique → test → critique, "
                    f"got {' → '.join(roles)}",
                )
            )
        for i, task in enumerate(tasks):
            if task.get("subtasks"):
                add(
                    Problem(
                        f"tasks[{i}].subtasks", "(rule 3) the standard pattern has no sub-tasks"
                    )
                )
            if i and f"${i}" not in (task.get("dependencies") or []):
                add(
                    Problem(
                        f"tasks[{i}].dependencies",
                        f'(rule 12) must include "${i}": tasks run in sequence',
                    )
                )
        for i, task in enumerate(tasks):
            inputs = _inputs(task)
            if roles[i] == "development" and not any(inputs.get(k) for k in FILE_KEYS):
                add(
                    Problem(
                        f"tasks[{i}].inputs.files_to_create",
                        "(rule 6) name the files to create or modify",
                    )
                )
            if roles[i] == "development" and not _str(inputs, "patterns_to_follow"):
                add(
                    Problem(
                        f"tasks[{i}].inputs.patterns_to_follow",
                        "(rule 1) name existing code to imitate",
                    )
                )
    elif pattern in ("subtasks", "investigation"):
        parent = tasks[0]
        subs = parent.get("subtasks") or []
        if not subs:
            add(
                Problem(
                    "tasks[0].subtasks",
                    f"(rule 3) the {pattern} pattern needs a parent with sub-tasks",
                )
            )
        for j, sub in enumerate(subs if isinstance(subs, list) else []):
            inputs = _inputs(sub)
            if not any(inputs.get(k) for k in FILE_KEYS):
                add(
                    Problem(
                        f"tasks[0].subtasks[{j}].inputs.files_to_create",
                        "(rule 6) name the files to create, modify or investigate",
                    )
                )
        first = subs[0] if isinstance(subs, list) and subs else None
        if (
            pattern == "investigation"
            and isinstance(first, Mapping)
            and not (_str(first, "task_name").lower().startswith("investigate"))
        ):
            add(Problem("tasks[0].subtasks[0].task_name", "the first sub-task investigates"))
        if (
            len(tasks) < 2
            or roles[-1] != "critique"
            or "$1" not in (tasks[-1].get("dependencies") or [])
        ):
            add(
                Problem(
                    f"tasks[{len(tasks) - 1}]",
                    "(rule 3) a separate review task (critique skill) must depend on the "
                    'parent ("$1")',
                )
            )
        if roles[0] != "development":
            add(Problem("tasks[0].skill_id", "(rule 2) the parent task uses the development skill"))
    if "critique" not in roles:
        add(Problem("tasks", "(rule 2) no critique task: review the work with the critique skill"))


def _check_testing(
    tasks: list[Any], request: str, skills: SkillIds | None, problems: list[Problem]
) -> None:
    add = problems.append
    for i, task in enumerate(tasks):
        if _role(task, skills) != "testing":
            continue
        inputs = _inputs(task)
        where = f"tasks[{i}].inputs"
        expectations = inputs.get("user_expectations")
        if not isinstance(expectations, list) or not expectations:
            add(
                Problem(
                    f"{where}.user_expectations",
                    "(rule 8) list what the USER expects, from the request",
                )
            )
        if _str(inputs, "original_prompt") != request:
            add(Problem(f"{where}.original_prompt", "(rule 8) must be the user's original request"))
        if not inputs.get("files_to_test"):
            add(Problem(f"{where}.files_to_test", "(rule 6) name the files the tests cover"))
        if not inputs.get("test_types"):
            add(Problem(f"{where}.test_types", "say which kinds of tests (unit, integration, ...)"))
        criteria = task.get("validation_criteria")
        critical = (
            " ".join(str(c) for c in (criteria or {}).get("critical", []))
            if isinstance(criteria, Mapping)
            else ""
        )
        if "user" not in critical.lower():
            add(
                Problem(
                    f"tasks[{i}].validation_criteria.critical",
                    "(rule 8) must require that the tests validate the user's requirements",
                )
            )


def _check_security(tasks: list[Any], request: str, problems: list[Problem]) -> None:
    """Rule 7: the implementing task's criteria (or the parent's) cover what the request implies."""
    if not request:
        return
    first = tasks[0]
    texts = []
    for task in [first, *(first.get("subtasks") or [])]:
        criteria = task.get("validation_criteria") if isinstance(task, Mapping) else None
        if isinstance(criteria, Mapping):
            texts += [str(c) for level in CRITERIA_LEVELS for c in criteria.get(level) or []]
    inputs = _inputs(first)
    if _str(inputs, "requirements"):
        texts.append(_str(inputs, "requirements"))
    text = "\n".join(texts)
    needs = security_needs(request)
    if _looks_like_fix(first):
        needs = [n for n in needs if n == "input_validation"]
    for need in needs:
        if not re.search(SECURITY_TERMS[need], text, re.IGNORECASE):
            add_place = "tasks[0].validation_criteria"
            problems.append(
                Problem(
                    add_place,
                    f"(rule 7) the request implies {need.replace('_', ' ')}: "
                    "add a criterion for it",
                )
            )


def _looks_like_fix(task: Mapping[str, Any]) -> bool:
    inputs = _inputs(task)
    return bool(inputs.get("files_to_investigate"))
