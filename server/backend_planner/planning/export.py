"""Plans exported for the tools people already use.

`tasks_markdown(plan)` is a checklist in the `- [ ] T001 [P] description (path)` style: every
task and sub-task numbered in tree order (T001, T002 …; sub-tasks indented under their parent),
the files it writes in parentheses (else the ones it reads), and `[P]` on a task that can run in
parallel with another: no dependency orders the two (directly or through others; a parent's
sub-tasks run in sequence) and their file sets are disjoint. A `## Dependencies` list follows.
With `statuses` (task number → backend status) a completed task is ticked.

`EXPORT_FORMATS` are the CLI's `--format` values; `json` is the plan payload as `--json` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_planner.planning.checks import clean_path
from backend_planner.planning.model import Plan, PlannedTask

EXPORT_FORMATS = ("markdown", "json", "tasks-md")
WRITES = ("files_to_create", "files_to_modify")
READS = ("files_to_test", "files_to_review", "files_to_investigate")


@dataclass
class _Node:
    number: str  # "1", "1.2"
    label: str  # "T001"
    task: PlannedTask
    level: int
    writes: frozenset[str]
    reads: tuple[str, ...]


def _files(task: PlannedTask, keys: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for key in keys:
        values = task.inputs.get(key)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str) and value.strip():
                path = clean_path(value)
                if path not in out:
                    out.append(path)
    return out


def _nodes(plan: Plan) -> list[_Node]:
    nodes: list[_Node] = []

    def add(number: str, task: PlannedTask, level: int) -> None:
        label = f"T{len(nodes) + 1:03d}"
        writes = frozenset(_files(task, WRITES))
        nodes.append(_Node(number, label, task, level, writes, tuple(_files(task, READS))))

    for task in plan.tasks:
        add(str(task.task_order), task, 0)
        for sub in task.subtasks:
            add(f"{task.task_order}.{sub.task_order}", sub, 1)
    return nodes


def _order(plan: Plan, nodes: list[_Node]) -> dict[str, set[str]]:
    """number → the numbers that must come before it (transitively)."""
    family = {n.number: n.number.split(".")[0] for n in nodes}
    members: dict[str, list[str]] = {}
    for n in nodes:
        members.setdefault(family[n.number], []).append(n.number)
    before: dict[str, set[str]] = {n.number: set() for n in nodes}
    for task in plan.tasks:
        top = str(task.task_order)
        deps = [d.lstrip("$") for d in task.dependencies if d.lstrip("$") in members]
        for number in members[top]:
            for dep in deps:
                before[number].update(members[dep])
        subs = [m for m in members[top] if m != top]
        for i, number in enumerate(subs):
            before[number].update(subs[:i])  # sub-tasks run in sequence
            before[number].add(top)  # and belong to their parent (never parallel to it)
    changed = True
    while changed:  # transitive closure (plans are small)
        changed = False
        for earlier in before.values():
            extra: set[str] = set().union(*(before[e] for e in earlier)) - earlier
            if extra:
                earlier |= extra
                changed = True
    return before


def parallel(plan: Plan) -> set[str]:
    """The numbers of the tasks that can run alongside another one."""
    nodes = _nodes(plan)
    before = _order(plan, nodes)
    out: set[str] = set()
    for a in nodes:
        for b in nodes:
            if a.number == b.number or a.number in before[b.number] or b.number in before[a.number]:
                continue
            if a.writes & b.writes:
                continue
            out.add(a.number)
            break
    return out


def tasks_markdown(plan: Plan, statuses: dict[str, str] | None = None) -> str:
    statuses = statuses or {}
    nodes = _nodes(plan)
    marked = parallel(plan)
    by_number = {n.number: n.label for n in nodes}
    lines = [f"# Tasks: {' '.join(plan.request.split())}", ""]
    for node in nodes:
        box = "[x]" if statuses.get(node.number) == "completed" else "[ ]"
        flag = " [P]" if node.number in marked else ""
        files = sorted(node.writes, key=list(_files(node.task, WRITES)).index) or list(node.reads)
        where = f" ({', '.join(files)})" if files else ""
        name = " ".join(node.task.task_name.split())
        lines.append(f"{'  ' * node.level}- {box} {node.label}{flag} {name}{where}")
    deps = []
    # A sub-task comes after the one before it; the first, after its parent's dependencies.
    previous: dict[str, list[str]] = {}
    parent_deps: list[str] = []
    last: str | None = None
    for node in nodes:
        if node.level == 0:
            parent_deps = [
                by_number[d.lstrip("$")]
                for d in node.task.dependencies
                if d.lstrip("$") in by_number
            ]
            last = None
        else:
            previous[node.number] = [last] if last else parent_deps
            last = node.label
    for node in nodes:
        after = [
            by_number[d.lstrip("$")] for d in node.task.dependencies if d.lstrip("$") in by_number
        ]
        after = list(dict.fromkeys(after + previous.get(node.number, [])))
        if after:
            deps.append(f"- {node.label} after {', '.join(after)}")
    if deps:
        lines += ["", "## Dependencies", "", *deps]
    return "\n".join(lines) + "\n"
