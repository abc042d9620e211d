"""Progress from evidence: per task, checks computed from the code map and the tree.

A task's checks say what its work leaves in the code, so anyone can see how far it got without
asking who did it:

- `file`: each file the task creates exists;
- `endpoint`: each endpoint the task adds is registered with its method and path (the code map
  has it, parameters named any way);
- `entity`: a new entity exists (by table or name) with its fields; `fields`: an existing
  entity has the new fields;
- `migration`: a migration creates the new table or adds the new fields (a planned migration
  file exists, or a file of the migration directories names them) — when the service keeps
  migrations;
- `test`: a test file references the new endpoint or code (a new path's last word, the new
  entity, a created file's name).

What a task adds is the part of the change spec it works on: a sub-task or task named after the
item (or creating its files), else the first task doing work. Review tasks have no checks; a
parent's are its own and its sub-tasks'. Evidence is shown next to the backend status and may
be pushed as a task's result note; it never closes a task.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from backend_planner.planning.anchors import route_key, service_of_plan, words_of
from backend_planner.planning.checks import clean_path, is_migration
from backend_planner.planning.model import Plan, PlannedTask
from backend_planner.planning.spec import SpecItem
from backend_planner.workspace.profile import Entity, Service, StackProfile

CheckKind = Literal["file", "endpoint", "entity", "fields", "migration", "test"]
# Fields an ORM adds by itself (their absence from the code map says nothing).
IMPLICIT_FIELDS = frozenset({"id", "createdat", "updatedat", "deletedat"})
TEST_NAME = re.compile(
    r"(^test_.*|.*_test\.[a-z]+$|.*\.(test|spec)\.[a-z]+$|.*(Test|Tests|Spec|IT)\.[a-zA-Z]+$)"
)
TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "__tests__", "e2e", "integration"})
MAX_TEST_FILES = 2000
MAX_READ = 1_000_000


@dataclass(frozen=True)
class Check:
    kind: CheckKind
    label: str
    passed: bool

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "check": self.label, "passed": self.passed}


@dataclass(frozen=True)
class TaskEvidence:
    """The checks of one task (`number` as the task tree numbers it: "1", "1.2")."""

    number: str
    task_name: str
    checks: tuple[Check, ...] = ()

    @property
    def passed(self) -> int:
        return sum(1 for c in self.checks if c.passed)

    @property
    def total(self) -> int:
        return len(self.checks)

    def summary(self) -> str:
        """`code: 4/5 checks` (`code: no checks` for a review)."""
        if not self.checks:
            return "code: no checks"
        return f"code: {self.passed}/{self.total} check" + ("s" if self.total != 1 else "")

    def note(self) -> dict[str, Any]:
        """The task's result note: the evidence, not a verdict."""
        return {
            "evidence": {
                "summary": self.summary(),
                "passed": self.passed,
                "total": self.total,
                "checks": [c.as_data() for c in self.checks],
            }
        }


# ----------------------------------------------------------------------------- the tree


@dataclass
class Tree:
    """What the checks read: the workspace root, its files, and file contents on demand."""

    root: Path
    files: frozenset[str]
    _texts: dict[str, str] = field(default_factory=dict)

    def exists(self, path: str) -> bool:
        return path in self.files or (self.root / path).exists()

    def text(self, path: str) -> str:
        if path not in self._texts:
            self._texts[path] = _read(self.root / path)
        return self._texts[path]


_CACHE: dict[str, tuple[int, int, str]] = {}


def _read(path: Path) -> str:
    """A file's text, cached by (mtime, size): test and migration files are read on every
    hover, and rarely change."""
    key = str(path)
    try:
        stat = path.stat()
    except OSError:
        return ""
    cached = _CACHE.get(key)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_READ)
    except OSError:
        text = ""
    if len(_CACHE) > 4096:
        _CACHE.clear()
    _CACHE[key] = (stat.st_mtime_ns, stat.st_size, text)
    return text


def is_test_path(path: str) -> bool:
    name = posixpath.basename(path)
    if TEST_NAME.match(name):
        return True
    return any(part in TEST_DIRS for part in path.split("/")[:-1])


# ----------------------------------------------------------------------------- which task does what


def _nodes(plan: Plan) -> list[tuple[str, PlannedTask, PlannedTask | None]]:
    out: list[tuple[str, PlannedTask, PlannedTask | None]] = []
    for task in plan.tasks:
        out.append((str(task.task_order), task, None))
        for sub in task.subtasks:
            out.append((f"{task.task_order}.{sub.task_order}", sub, task))
    return out


def _paths(task: PlannedTask, key: str) -> list[str]:
    values = task.inputs.get(key)
    if not isinstance(values, list):
        return []
    return [clean_path(v) for v in values if isinstance(v, str) and v.strip()]


def _is_review(task: PlannedTask) -> bool:
    """A review: it only reads (files to review, a task to review), creating nothing."""
    keys = {k for k, v in task.inputs.items() if v}
    writes = keys & {"files_to_create", "files_to_modify", "files_to_test", "files_to_investigate"}
    return not writes and ("files_to_review" in keys or "preceding_task" in keys)


def _is_test_task(task: PlannedTask) -> bool:
    return bool(_paths(task, "files_to_test"))


def _does_work(task: PlannedTask) -> bool:
    return not _is_review(task) and not _is_test_task(task) and not task.subtasks


def _item_words(item: SpecItem) -> set[str]:
    words = words_of(item.name)
    if item.new_entity is not None:
        words |= words_of(item.new_entity.name) | words_of(item.new_entity.table)
    return {w for w in words if len(w) > 2}


def _task_words(task: PlannedTask) -> set[str]:
    text = " ".join([task.task_name, *_paths(task, "files_to_create")])
    return words_of(text)


def _owner(item: SpecItem, workers: list[tuple[str, PlannedTask]]) -> str | None:
    """The number of the task doing `item`: the one whose name (or created files) shares the
    most words with it, else the first task doing work."""
    if not workers:
        return None
    wanted = _item_words(item)
    scored = [
        (len(wanted & _task_words(task)), -i, number) for i, (number, task) in enumerate(workers)
    ]
    best = max(scored)
    return best[2] if best[0] > 0 else workers[0][0]


def _adds_something(item: SpecItem) -> bool:
    return bool(item.new_endpoints or item.new_entity or item.new_fields)


# ----------------------------------------------------------------------------- the checks


def plan_evidence(
    plan: Plan, profile: StackProfile, root: Path, *, files: Iterable[str] | None = None
) -> list[TaskEvidence]:
    """Each task's evidence (tasks, then each one's sub-tasks, in tree order).

    `files` is the workspace's file list (repo-relative POSIX paths); read with `scan` when
    not given."""
    if files is None:
        from backend_planner.workspace.scan import scan

        files = scan(Path(root))
    tree = Tree(Path(root), frozenset(files))
    service = service_of_plan(profile, plan.service)
    nodes = _nodes(plan)
    workers = [(n, t) for n, t, _ in nodes if _does_work(t)]
    items = [
        i for i in (plan.change_spec.items if plan.change_spec else []) if i.kind != "not_found"
    ]
    owned: dict[str, list[SpecItem]] = {}
    for item in items:
        if _adds_something(item):
            owner = _owner(item, workers)
            if owner is not None:
                owned.setdefault(owner, []).append(item)
    created = [p for _, t, _ in nodes for p in _paths(t, "files_to_create")]
    checks: dict[str, list[Check]] = {}
    for number, task, _parent in nodes:
        found: list[Check] = []
        if _is_review(task):
            checks[number] = found
            continue
        mine = owned.get(number, [])
        for path in _paths(task, "files_to_create"):
            found.append(Check("file", f"creates `{path}`", tree.exists(path)))
        for item in mine:
            found += _item_checks(item, task, service, tree, created)
        touches_tests = any(
            is_test_path(p)
            for p in _paths(task, "files_to_create") + _paths(task, "files_to_modify")
        )
        if _is_test_task(task) or (touches_tests and mine):
            subjects = mine or [i for i in items if _adds_something(i)]
            code = _paths(task, "files_to_create") if mine else created
            check = _test_check(subjects, code, service, tree)
            if check is not None:
                found.append(check)
        checks[number] = found
    out = []
    for number, task, parent in nodes:
        own = checks.get(number, [])
        if parent is None and task.subtasks:
            for sub in task.subtasks:
                own = own + checks.get(f"{number}.{sub.task_order}", [])
        out.append(TaskEvidence(number, task.task_name, tuple(own)))
    return out


def _item_checks(
    item: SpecItem, task: PlannedTask, service: Service | None, tree: Tree, created: list[str]
) -> list[Check]:
    out: list[Check] = []
    endpoints = _endpoint_keys(service)
    for new in item.new_endpoints:
        normal, anonymous = route_key(new.path)
        out.append(
            Check(
                "endpoint",
                f"registers `{new.method.upper()} {normal}`",
                (new.method.upper(), anonymous) in endpoints,
            )
        )
    entities = service.entities if service else []
    if item.new_entity is not None:
        made = item.new_entity
        entity = _entity(entities, made.name, made.table)
        names = [f.name for f in made.fields if _plain(f.name) not in IMPLICIT_FIELDS]
        out.append(
            Check(
                "entity",
                f"entity `{made.name}` (`{made.table}`) has " + ", ".join(names)
                if names
                else f"entity `{made.name}` (`{made.table}`) exists",
                entity is not None and _has_fields(entity, names),
            )
        )
    if item.new_fields:
        target = item.entities[0] if item.entities else None
        names = [f.name for f in item.new_fields]
        entity = _entity(entities, target.name, target.table) if target else None
        label = target.name if target else "the entity"
        out.append(
            Check(
                "fields",
                f"`{label}` has " + ", ".join(names),
                entity is not None and _has_fields(entity, names),
            )
        )
    if (item.new_entity is not None or item.new_fields) and _keeps_migrations(service, created):
        out.append(_migration_check(item, task, service, tree, created))
    return out


def _endpoint_keys(service: Service | None) -> set[tuple[str, str]]:
    if service is None:
        return set()
    return {(e.method.upper(), route_key(e.path)[1]) for e in service.endpoints if not e.dynamic}


def _entity(entities: list[Entity], name: str, table: str | None) -> Entity | None:
    for entity in entities:
        if table and entity.table and entity.table.lower() == table.lower():
            return entity
    for entity in entities:
        if entity.name.lower() == name.lower():
            return entity
    return None


def _plain(name: str) -> str:
    return name.replace("_", "").lower()


def _has_fields(entity: Entity, names: list[str]) -> bool:
    have = {_plain(f.name) for f in entity.fields}
    # A foreign key may be mapped as the relation itself (`article` for `article_id`).
    have |= {h[:-2] for h in have if h.endswith("id")} | {h + "id" for h in have}
    return all(_plain(n) in have for n in names if _plain(n) not in IMPLICIT_FIELDS)


def _keeps_migrations(service: Service | None, created: list[str]) -> bool:
    migrations = service.migrations if service else None
    return bool(migrations and migrations.dir) or any(is_migration(p) for p in created)


def _migration_dirs(service: Service | None) -> list[str]:
    migrations = service.migrations if service else None
    if migrations is None:
        return []
    dirs = [*migrations.dirs, *([migrations.dir] if migrations.dir else [])]
    return sorted({d.strip("/") for d in dirs if d and d.strip("/")})


def _migration_check(
    item: SpecItem, task: PlannedTask, service: Service | None, tree: Tree, created: list[str]
) -> Check:
    if item.new_entity is not None:
        label = f"a migration creates `{item.new_entity.table}`"
        needles = [item.new_entity.table]
    else:
        target = item.entities[0].table or item.entities[0].name if item.entities else "the table"
        names = [f.name for f in item.new_fields]
        label = f"a migration adds {', '.join(names)} to `{target}`"
        needles = names
    planned = [p for p in _paths(task, "files_to_create") if is_migration(p)] or [
        p for p in created if is_migration(p)
    ]
    for path in planned:
        if tree.exists(path) and _names_all(tree.text(path), needles):
            return Check("migration", label, True)
    dirs = _migration_dirs(service)
    for path in sorted(tree.files):
        if path in planned or not is_migration(path):
            continue
        if dirs and not any(path.startswith(d + "/") for d in dirs):
            continue
        if _names_all(tree.text(path), needles):
            return Check("migration", label, True)
    return Check("migration", label, False)


def _names_all(text: str, needles: list[str]) -> bool:
    lowered = text.lower()
    return bool(text.strip()) and all(n.lower() in lowered for n in needles)


def _test_check(
    items: list[SpecItem], created: list[str], service: Service | None, tree: Tree
) -> Check | None:
    needles = _test_needles(items, created)
    if not needles:
        return None
    shown = ", ".join(f"`{n}`" for n in needles[:3])
    label = f"a test references {shown}" + (" …" if len(needles) > 3 else "")
    prefix = "" if service is None or service.path in ("", ".") else service.path.rstrip("/") + "/"
    tests = [p for p in sorted(tree.files) if p.startswith(prefix) and is_test_path(p)]
    tests += [p for p in created if is_test_path(p) and p not in tree.files and tree.exists(p)]
    for path in tests[:MAX_TEST_FILES]:
        text = tree.text(path)
        if any(_references(text, n) for n in needles):
            return Check("test", label, True)
    return Check("test", label, False)


def _test_needles(items: list[SpecItem], created: list[str]) -> list[str]:
    """What a test of the new work would name: the new paths' last literal segment (with its
    slash: `/bookmark`), the new entities, the created code files' names."""
    out: list[str] = []
    for item in items:
        for new in item.new_endpoints:
            literal = [s for s in route_key(new.path)[0].split("/") if s and not s.startswith("{")]
            if literal:
                out.append("/" + literal[-1])
        if item.new_entity is not None:
            out.append(item.new_entity.name)
        out += [f.name for f in item.new_fields]
    for path in created:
        if is_test_path(path) or is_migration(path):
            continue
        stem = posixpath.basename(path).split(".")[0]
        if len(stem) > 3:
            out.append(stem)
    return list(dict.fromkeys(out))


def _references(text: str, needle: str) -> bool:
    """`needle` as a whole word (or a path segment) of `text`, in any of its spellings."""
    if needle.startswith("/"):
        return re.search(re.escape(needle) + r"(?![A-Za-z0-9_])", text, re.IGNORECASE) is not None
    words = [w for w in re.split(r"[_\-]", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", needle)) if w]
    if not words:
        return False
    forms = {
        needle,
        "_".join(w.lower() for w in words),
        "".join(w.capitalize() for w in words),
        words[0].lower() + "".join(w.capitalize() for w in words[1:]),
        "-".join(w.lower() for w in words),
    }
    pattern = "|".join(re.escape(f) for f in sorted(forms))
    return re.search(rf"(?<![A-Za-z0-9_])(?:{pattern})(?![A-Za-z0-9_])", text) is not None


def evidence_by_number(evidence: list[TaskEvidence]) -> dict[str, TaskEvidence]:
    return {e.number: e for e in evidence}


def file_list(root: Path) -> list[str]:
    """The workspace's files (for callers that keep the list between checks)."""
    from backend_planner.workspace.scan import scan

    return scan(Path(root))
