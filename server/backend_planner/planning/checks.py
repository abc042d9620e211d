"""Checks against the tree: a plan held to the workspace it is for, each finding at its place.

Next to the skill's rules (validate.py), a plan must fit the repository: `check_plan` takes the
plan, the service it targets (its code map: endpoints, entities, migrations) and the set of the
workspace's files (repo-relative POSIX paths), and returns every finding, sorted by place (a JSON
path into the plan, e.g. `tasks[0].inputs.files_to_create[2]`). Checks:

1. files to create don't exist yet (nor does the plan create them twice);
2. files to modify, investigate, test or review exist (a `:line` suffix is ignored), unless the
   plan creates them in an earlier task or the same one;
3. identifiers are valid in the language: each new directory and the name of every created file
   (Python/Rust/Ruby modules, Go packages, Java/Kotlin/C#/PHP classes, TS/JS files), the names
   of models and new entities (class names), their tables and fields; migration files go in the
   service's migration directory;
4. no template placeholders in any string of the plan (`<name>`, `{name}`, `{{…}}`, `XXX`,
   `TODO`, unfilled recipe placeholders such as `{entity}`); path parameters inside endpoint
   paths (`/articles/{slug}`, `:id`) are fine, and so is a `<value>` documenting a format in
   prose (in a code span or a URL: `?sort=<field>`), never in a file path or a command; the
   request's own text is not the plan's;
5. new endpoints use the repo's prefix and path-segment style, one parameter syntax, and don't
   collide with an existing endpoint unless the change spec says it modifies that endpoint;
6. foreign keys target an entity the service has or the plan creates;
7. every part of the request (each change spec item) is covered by a task doing work (not a
   review, a test run or a parent's summary of its sub-tasks) that names it (its name, recipe
   title, new entity or fields) or, for an existing endpoint or entity, works on its file; what
   was not found is said plainly in the first task ("the repository has no …").

Pure and fast (it runs on every edit of a plan): no disk reads, only `files`; with an empty
`files` (no listing at hand) the existence checks are skipped.
"""

from __future__ import annotations

import keyword
import posixpath
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from backend_planner.errors import ConfigError, Problem
from backend_planner.planning.model import Plan, PlannedTask
from backend_planner.planning.recipes import PATH_PARAMS, PLACEHOLDERS, load_recipes
from backend_planner.planning.resolve import lemma, lemmas, vocabulary
from backend_planner.planning.spec import ChangeSpec, SpecItem
from backend_planner.workspace.codemap.routepath import normalize
from backend_planner.workspace.profile import Endpoint, Service


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


CREATE_KEY = "files_to_create"
EXISTING_KEYS = ("files_to_modify", "files_to_investigate", "files_to_test", "files_to_review")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# Function words a name's coverage does not depend on.
STOP_WORDS = _wordset(
    "a an the and or of for to on in with by from into at as is are be it its this that their "
    "all any each every new existing add support allow via per"
)


def check_plan(
    plan: Plan,
    service: Service,
    files: frozenset[str],
    *,
    profile_root: str | None = None,
) -> list[Problem]:
    """Every finding of the checks against the tree, sorted by place; [] when the plan fits.

    `files` is the workspace's files (repo-relative, POSIX); `profile_root`, when given, is the
    workspace root, so that absolute paths under it in the plan are read as repo-relative.
    """
    tree = _tree(files)
    root = profile_root.rstrip("/") + "/" if profile_root else None
    entries = list(_file_entries(plan, root))
    problems: list[Problem] = []
    if tree.files:
        _check_existence(entries, tree, problems)
    _check_created_names(entries, service, tree, problems)
    _check_model_names(plan, service, problems)
    _check_placeholders(plan, problems)
    _check_endpoints(plan, service, problems)
    _check_foreign_keys(plan, service, problems)
    if plan.change_spec is not None:
        _check_coverage(plan, plan.change_spec, problems)
    return sorted(set(problems))


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Tree:
    files: frozenset[str]
    dirs: frozenset[str]
    by_name: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=8)
def _tree(files: frozenset[str]) -> Tree:
    dirs: set[str] = set()
    by_name: dict[str, list[str]] = {}
    for path in files:
        by_name.setdefault(posixpath.basename(path), []).append(path)
        parent = posixpath.dirname(path)
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = posixpath.dirname(parent)
    return Tree(
        files=files,
        dirs=frozenset(dirs | {"."}),
        by_name={name: tuple(sorted(paths)) for name, paths in by_name.items()},
    )


# ----------------------------------------------------------------------------- 1-2 files


@dataclass(frozen=True)
class FileEntry:
    """One path of a task's inputs: where it sits and when in the plan it happens."""

    place: str
    key: str
    path: str  # cleaned: no `:line`, no `./`, no trailing `/`
    family: int  # index of the top-level task
    step: int  # 0 for the task itself, j+1 for its sub-task j


def _nodes(plan: Plan) -> Iterator[tuple[str, PlannedTask, int, int]]:
    for i, task in enumerate(plan.tasks):
        yield f"tasks[{i}]", task, i, 0
        for j, sub in enumerate(task.subtasks):
            yield f"tasks[{i}].subtasks[{j}]", sub, i, j + 1


_LINE_SUFFIX = re.compile(r"(?::\d+)+(?:-\d+)?$|#L\d+(?:-L?\d+)?$")


def clean_path(path: str, root: str | None = None) -> str:
    """A plan's file reference as a repo-relative path: `a/b.go:42` → `a/b.go`."""
    path = path.strip()
    if root and (path.startswith(root) or path == root.rstrip("/")):
        path = path[len(root) :]
    path = _LINE_SUFFIX.sub("", path)
    if ":" in path:  # `file.go:HandlerName`
        path = path.split(":", 1)[0]
    while path.startswith("./"):
        path = path[2:]
    path = path.rstrip("/")
    return "." if path in ("", ".") else path


def _file_entries(plan: Plan, root: str | None) -> Iterator[FileEntry]:
    for where, task, family, step in _nodes(plan):
        for key in (CREATE_KEY, *EXISTING_KEYS):
            paths = task.inputs.get(key)
            if not isinstance(paths, list):
                continue
            for k, path in enumerate(paths):
                if isinstance(path, str) and path.strip():
                    cleaned = clean_path(path, root)
                    if cleaned:  # "." is the workspace root
                        yield FileEntry(f"{where}.inputs.{key}[{k}]", key, cleaned, family, step)


def _available(created: FileEntry, at: FileEntry) -> bool:
    """Whether a file created by `created` may be used by the task of `at`: it is created in an
    earlier task, in the same task, or (for a parent task) by one of its sub-tasks."""
    if created.family != at.family:
        return created.family < at.family
    return at.step == 0 or created.step in (0, at.step) or created.step < at.step


def _check_existence(entries: list[FileEntry], tree: Tree, problems: list[Problem]) -> None:
    add = problems.append
    entries = [e for e in entries if not TEMPLATE_CHARS.search(e.path)]  # placeholders: check 4
    creates = [e for e in entries if e.key == CREATE_KEY]
    first: dict[str, FileEntry] = {}
    for entry in creates:
        exists = entry.path in tree.files or entry.path in tree.dirs
        if entry.path in tree.files:
            add(
                Problem(
                    entry.place,
                    f'"{entry.path}" exists already — modify it (list it in files_to_modify)',
                )
            )
        elif entry.path in tree.dirs:
            add(
                Problem(
                    entry.place,
                    f'"{entry.path}" is an existing directory — name the new files to create in it',
                )
            )
        earlier = first.get(entry.path)
        if earlier is None:
            first[entry.path] = entry
        elif not exists and not _aggregate(earlier, entry):
            add(
                Problem(
                    entry.place,
                    f'"{entry.path}" is already created by {_task_of(earlier.place)} — '
                    "modify it here instead (files_to_modify)",
                )
            )
    for entry in entries:
        if entry.key == CREATE_KEY or entry.path in tree.files:
            continue
        if entry.path in tree.dirs:
            if entry.key == "files_to_modify":
                add(
                    Problem(
                        entry.place,
                        f'"{entry.path}" is a directory — name the files in it to modify',
                    )
                )
            continue
        made = [c for c in creates if c.path == entry.path]
        if any(_available(c, entry) for c in made):
            continue
        if made:
            add(
                Problem(
                    entry.place,
                    f'"{entry.path}" is created only later, by {_task_of(made[0].place)} — '
                    "create it first or move this work after it",
                )
            )
            continue
        add(Problem(entry.place, _missing(entry, tree)))


def _aggregate(a: FileEntry, b: FileEntry) -> bool:
    """A parent task listing a file one of its sub-tasks creates (not a second creation)."""
    return a.family == b.family and (a.step == 0) != (b.step == 0)


def _task_of(place: str) -> str:
    return place.split(".inputs", 1)[0]


def _missing(entry: FileEntry, tree: Tree) -> str:
    what = {
        "files_to_modify": "modify",
        "files_to_investigate": "investigate",
        "files_to_test": "test",
        "files_to_review": "review",
    }[entry.key]
    message = f'"{entry.path}" does not exist — name an existing file to {what}'
    if entry.key == "files_to_modify":
        message += " or create it (files_to_create)"
    same = tree.by_name.get(posixpath.basename(entry.path), ())
    if same:
        shown = ", ".join(f'"{p}"' for p in same[:3])
        message += f" (did you mean {shown}?)"
    return message


# ----------------------------------------------------------------------------- 3 identifiers

LANGUAGES = {
    ".py": "python",
    ".go": "go",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".rs": "rust",
    ".php": "php",
    ".cs": "csharp",
    ".ts": "script",
    ".tsx": "script",
    ".mts": "script",
    ".cts": "script",
    ".js": "script",
    ".jsx": "script",
    ".mjs": "script",
    ".cjs": "script",
}
SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")
GO_PACKAGE = re.compile(r"^[a-z][a-z0-9_]*$")
GO_FILE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
KOTLIN_FILE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
CSHARP_FILE = re.compile(r"^[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*$")
JAVA_PACKAGE = re.compile(r"^[a-z][a-z0-9_]*$")
SCRIPT_PART = re.compile(
    r"^(?:[a-z0-9]+(?:-[a-z0-9]+)*"  # kebab-case
    r"|[A-Za-z0-9]+"  # camelCase, PascalCase
    r"|[a-z0-9_]+"  # snake_case, __tests__
    r"|\[{1,2}(?:\.\.\.)?[A-Za-z0-9_]+\]{1,2}"  # [id], [...slug]
    r"|[@$+][A-Za-z0-9_-]*)$"
)
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.@+$\[\]()-]+$")
TEMPLATE_CHARS = re.compile(r"[<>{}]")
CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
LOWER_TABLE = re.compile(r"^[a-z][a-z0-9_]*$")
ANY_TABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
JAVA_KEYWORDS = _wordset(
    "abstract assert boolean break byte case catch char class const continue default do double "
    "else enum extends final finally float for goto if implements import instanceof int "
    "interface long native new package private protected public return short static strictfp "
    "super switch synchronized this throw throws transient try void volatile while true false "
    "null var record yield sealed permits"
)
RUST_KEYWORDS = _wordset(
    "as break const continue crate else enum extern false fn for if impl in let loop match move "
    "mut pub ref return self static struct super trait true type unsafe use where while async "
    "await dyn abstract become box do final macro override priv typeof unsized virtual yield "
    "try"
)
RUBY_KEYWORDS = _wordset(
    "alias and begin break case class def defined do else elsif end ensure false for if in "
    "module next nil not or redo rescue retry return self super then true undef unless until "
    "when while yield"
)
_MIGRATION_NAME = re.compile(
    r"^(?:\d{3,}|\d{4}[-_]\d{2}[-_]\d{2}(?:[-_]?\d+)?|[0-9a-f]{12})[_-]"  # sequence, date
    r"|^[VRU]\d+(?:[._]\d+)*__",  # Flyway
    re.IGNORECASE,
)
MIGRATION_EXTENSIONS = frozenset(
    {".sql", ".py", ".rb", ".php", ".ts", ".js", ".mjs", ".cjs", ".go", ".xml", ".yaml", ".yml"}
)
MIGRATION_SEGMENTS = frozenset({"migrations", "migration", "migrate"})


def _words_of(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def snake(name: str) -> str:
    return "_".join(w.lower() for w in _words_of(name))


def pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in _words_of(name))


def _python(segment: str) -> str | None:
    if not SNAKE.match(segment):
        return f"not a valid Python module name — use snake_case: {_fix(snake(segment))}"
    if keyword.iskeyword(segment):
        return f"is a Python keyword — name it {segment}_ or pick another word"
    return None


def _fix(suggestion: str) -> str:
    if suggestion and suggestion[0].isdigit():
        suggestion = "_" + suggestion
    return f'"{suggestion}"' if suggestion else "letters, digits and _"


def _snake_like(segment: str, language: str, keywords: frozenset[str]) -> str | None:
    if not SNAKE.match(segment):
        return f"not a valid {language} file name — use snake_case: {_fix(snake(segment))}"
    if segment in keywords:
        return f"is a {language} keyword — pick another word"
    return None


def _check_segment(language: str, segment: str, *, is_file: bool, path: str) -> str | None:
    """What is wrong with one new path segment (a directory, or a file's stem), or None."""
    if language == "python":
        return _python(segment)
    if language == "go":
        if is_file:
            if not GO_FILE.match(segment):
                return f"not a Go file name — use lower_snake_case: {_fix(snake(segment))}"
            return None
        if not GO_PACKAGE.match(segment):
            return (
                "not a valid Go package directory — lower case, no dashes: "
                f'"{snake(segment).replace("_", "")}"'
            )
        return None
    if language in ("java", "kotlin"):
        if is_file:
            if segment in ("package-info", "module-info"):
                return None
            pattern = PASCAL if language == "java" else KOTLIN_FILE
            if not pattern.match(segment):
                return f'not a valid class name — use PascalCase: "{pascal(segment)}"'
            return None
        if not JAVA_PACKAGE.match(segment) or segment in JAVA_KEYWORDS:
            return (
                "not a valid package directory — a lower-case identifier: "
                f'"{snake(segment).replace("_", "")}"'
            )
        return None
    if language == "ruby":
        return _snake_like(segment, "Ruby", RUBY_KEYWORDS)
    if language == "rust":
        if is_file and segment == "mod":
            return None
        return _snake_like(segment, "Rust module", RUST_KEYWORDS)
    if language == "csharp":
        if is_file and not CSHARP_FILE.match(segment):
            return f'not a valid class name — use PascalCase: "{pascal(segment)}"'
        return None
    if language == "php":
        # PSR-4: under a namespace directory (App/Http/...), files and directories are classes.
        namespaced = any(s[:1].isupper() for s in path.split("/")[:-1])
        if namespaced and not PASCAL.match(segment):
            return f'not a valid PHP class or namespace name — use PascalCase: "{pascal(segment)}"'
        return None
    if language == "script":
        for part in segment.split("."):
            if not part:
                continue
            if not SCRIPT_PART.match(part):
                return (
                    "not a usable module name — use kebab-case, camelCase or dots, "
                    f'not mixed: "{snake(segment).replace("_", "-")}"'
                )
    return None


def is_migration(path: str) -> bool:
    """A migration file by its name (`000008_x.up.sql`, `2024_01_01_000000_x.php`, Prisma's
    `20240101000000_x/migration.sql`), or an SQL file in a `migrations` folder. (Code in a
    `migrate` package, such as the call that runs the migrations, is not one.)"""
    segments = path.split("/")
    if _split_ext(segments[-1])[1] not in MIGRATION_EXTENSIONS:
        return False
    if any(_MIGRATION_NAME.match(s) for s in segments[-2:]):
        return True
    return path.lower().endswith(".sql") and any(
        s.lower() in MIGRATION_SEGMENTS for s in segments[:-1]
    )


def _migration_dirs(service: Service) -> list[str]:
    migrations = service.migrations
    if migrations is None or not migrations.tool:
        return []
    dirs = [*migrations.dirs]
    if migrations.dir and migrations.dir not in dirs:
        dirs.append(migrations.dir)
    return [d.strip("/") for d in dirs if d and d.strip("/")]


def _in_migration_dir(path: str, dirs: list[str]) -> bool:
    if any(path.startswith(d + "/") for d in dirs):
        return True
    # One migration folder per app (Django): a new app's `<app>/migrations` is as good.
    per_app = len(dirs) > 1 and len({posixpath.basename(d) for d in dirs}) == 1
    if per_app:
        name = posixpath.basename(dirs[0])
        return f"/{name}/" in f"/{posixpath.dirname(path)}/"
    return False


def _check_created_names(
    entries: list[FileEntry], service: Service, tree: Tree, problems: list[Problem]
) -> None:
    add = problems.append
    seen: set[str] = set()
    migration_dirs = _migration_dirs(service)
    service_dirs = (
        set(_prefixes(service.path.strip("/"))) if service.path not in ("", ".") else set()
    )
    for entry in entries:
        if entry.key != CREATE_KEY or entry.path in seen:
            continue
        seen.add(entry.path)
        path = entry.path
        if TEMPLATE_CHARS.search(path):
            continue  # a placeholder: reported by the placeholder check
        segments = path.split("/")
        bad = next((s for s in segments if not s or not SAFE_NAME.match(s)), None)
        if bad is not None:
            shown = bad or "(empty)"
            add(
                Problem(
                    entry.place,
                    f'"{path}": "{shown}" is not a valid file or directory name — use letters, '
                    "digits, _ and - (no spaces)",
                )
            )
            continue
        migration = is_migration(path)
        if migration and migration_dirs and not _in_migration_dir(path, migration_dirs):
            add(
                Problem(
                    entry.place,
                    f'"{path}" is a migration outside the service\'s migration directory '
                    f"({', '.join(migration_dirs)}) — create it there, named as the tool does",
                )
            )
        stem, ext = _split_ext(segments[-1])
        language = LANGUAGES.get(ext)
        if language is None:
            continue
        checks: list[tuple[str, bool]] = []
        if tree.files:
            dirs = _prefixes("/".join(segments[:-1]))
            new_dirs = [d for d in dirs if d not in tree.dirs and d not in service_dirs]
            package_from = _package_root(segments) if language in ("java", "kotlin") else 0
            for d in new_dirs:
                depth = d.count("/")
                name = posixpath.basename(d)
                if depth < package_from or name.lower() in MIGRATION_SEGMENTS:
                    continue
                if language == "go" and depth > 0 and segments[depth - 1] == "cmd":
                    continue  # cmd/<binary-name>: a main package, named by its binary
                checks.append((name, False))
        if not migration:
            checks.append((stem, True))
        wrong = [
            f'"{segment}" is {reason}'
            for segment, is_file in checks
            if (reason := _check_segment(language, segment, is_file=is_file, path=path))
        ]
        if wrong:
            add(Problem(entry.place, f'"{path}": ' + "; ".join(wrong)))


def _split_ext(name: str) -> tuple[str, str]:
    stem, ext = posixpath.splitext(name)
    return stem, ext.lower()


def _prefixes(path: str) -> list[str]:
    """`a/b/c` → [`a`, `a/b`, `a/b/c`]."""
    if not path:
        return []
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _package_root(segments: list[str]) -> int:
    """Index of the first package directory: after the last `java`/`kotlin` source root."""
    roots = [i for i, s in enumerate(segments[:-1]) if s in ("java", "kotlin")]
    return roots[-1] + 1 if roots else 0


def _check_model_names(plan: Plan, service: Service, problems: list[Problem]) -> None:
    add = problems.append
    for i, model in enumerate(plan.architecture.models):
        if not CLASS_NAME.match(model.name) and not TEMPLATE_CHARS.search(model.name):
            add(
                Problem(
                    f"architecture.models[{i}].name",
                    f'"{model.name}" is not a valid class name — use PascalCase: '
                    f'"{pascal(model.name)}"',
                )
            )
    spec = plan.change_spec
    if spec is None:
        return
    lower_tables = all(LOWER_TABLE.match(e.table) for e in service.entities if e.table)
    for i, item in enumerate(spec.items):
        where = f"change_spec.items[{i}]"
        entity = item.new_entity
        if entity is not None:
            if not CLASS_NAME.match(entity.name) and not TEMPLATE_CHARS.search(entity.name):
                add(
                    Problem(
                        f"{where}.new_entity.name",
                        f'"{entity.name}" is not a valid class name — use PascalCase: '
                        f'"{pascal(entity.name)}"',
                    )
                )
            table_ok = (LOWER_TABLE if lower_tables else ANY_TABLE).match(entity.table)
            if not table_ok and not TEMPLATE_CHARS.search(entity.table):
                add(
                    Problem(
                        f"{where}.new_entity.table",
                        f'"{entity.table}" is not a valid table name — use '
                        f"{'lower snake_case' if lower_tables else 'an identifier'}: "
                        f'"{snake(entity.table)}"',
                    )
                )
            fields = [(f"{where}.new_entity.fields[{j}]", f) for j, f in enumerate(entity.fields)]
        else:
            fields = []
        fields += [(f"{where}.new_fields[{j}]", f) for j, f in enumerate(item.new_fields)]
        for place, spec_field in fields:
            name = spec_field.name
            if not FIELD_NAME.match(name) and not TEMPLATE_CHARS.search(name):
                add(
                    Problem(
                        f"{place}.name",
                        f'"{name}" is not a valid field name — use an identifier: "{snake(name)}"',
                    )
                )


# ----------------------------------------------------------------------------- 4 placeholders

_TEXT_PLACEHOLDERS = [
    (re.compile(r"\{\{[^{}]*\}\}"), "a template placeholder"),
    (re.compile(r"(?<![$#%@{])\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})"), "a template placeholder"),
    (re.compile(r"(?<![\w<])<([a-z][a-z0-9_-]*)>"), "a template placeholder"),
    (re.compile(r"\bXXX\b|\bTODO\b|\bFIXME\b|\bTBD\b"), "a placeholder left in"),
    (re.compile(r"(?<![\w])0+X(?![A-Za-z0-9])"), "a placeholder left in"),
]
_PATH_TOKEN_START = re.compile(r"[\s(\[`'\"]")
_BRACED = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Endpoint paths the plan writes: their parameters are not placeholders.
_PATH_FIELDS = re.compile(
    r"^(?:architecture\.endpoints\[\d+\]|change_spec\.items\[\d+\]\.(?:new_)?endpoints\[\d+\])"
    r"\.path$"
)
_SKIPPED = re.compile(r"^(?:request|violations.*|change_spec\.request)$")


def _strings(value: Any, place: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield place, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{place}.{key}" if place else str(key))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _strings(item, f"{place}[{k}]")


def _token_start(text: str, at: int) -> int:
    start = at
    while start > 0 and not _PATH_TOKEN_START.match(text[start - 1]):
        start -= 1
    return start


def _path_start(text: str, at: int) -> int | None:
    """Where the endpoint path holding position `at` starts (a token beginning with `/`)."""
    start = _token_start(text, at)
    return start if text.startswith("/", start) else None


def _described(text: str, at: int) -> bool:
    """Position `at` is in a code span or a URL, where `<field>` documents a value's format
    (`?sort=<field>`, `articles-<date>.csv`) rather than stands for a name left unfilled."""
    if text.count("`", 0, at) % 2 == 1:
        return True
    token = text[_token_start(text, at) : at]
    return token.startswith(("/", "?")) or "?" in token or "=" in token


def _recipe_leak(path: str, name: str, at: int) -> bool:
    """A `{name}` at `at` inside an endpoint path that is an unfilled recipe placeholder, not a
    path parameter: a recipe's name that no preceding segment explains (`/items/{item}` is)."""
    if name not in PLACEHOLDERS or name in PATH_PARAMS:
        return False
    before = path[:at].rstrip("/").rsplit("/", 1)[-1]
    return not before or before.startswith("{") or lemma(before) != lemma(name)


def placeholders_in(text: str, *, path: bool = False, strict: bool = False) -> list[str]:
    """The placeholders left in `text` (as written); `path`: the whole text is an endpoint path;
    `strict`: the text is a file path or a command, where any `<name>` is a leftover.

    Inside an endpoint path (the text, or a token of it starting with `/`) parameters such as
    `{slug}`, `<int:id>` or `:id` are fine; a recipe placeholder (`{entity}`) is not. In prose,
    `<field>` inside a code span or a URL documents a format (`?sort=<field>`)."""
    found: list[tuple[int, str]] = []
    for index, (pattern, _) in enumerate(_TEXT_PLACEHOLDERS):
        for match in pattern.finditer(text):
            at = match.start()
            start = 0 if path else _path_start(text, at)
            if index == 1 and start is not None:
                if not _recipe_leak(text[start:], match.group(1), at - start):
                    continue
            elif index == 2 and not strict and (path or _described(text, at)):
                continue  # <id>, <int:id>: a path parameter; `<date>.csv`: a format
            found.append((at, match.group(0)))
    return [token for _, token in sorted(found)]


def _placeholder_message(token: str) -> str:
    name = token.strip("{}<>")
    if token.startswith("{") and not token.startswith("{{") and name in PLACEHOLDERS:
        return (
            f"unfilled recipe placeholder {token} — write the actual {name.replace('_', ' ')} "
            "from the code map"
        )
    if token in ("TODO", "XXX", "FIXME", "TBD") or token.endswith("X"):
        return f'"{token}" is a placeholder left in the plan — write what is meant'
    return f"{token} is a template placeholder — write the actual name"


def _check_placeholders(plan: Plan, problems: list[Problem]) -> None:
    data = plan.model_dump(mode="json")
    requests = [
        r for r in {plan.request, plan.change_spec.request if plan.change_spec else ""} if r
    ]
    requests.sort(key=len, reverse=True)
    for place, text in _strings(data, ""):
        if _SKIPPED.match(place) or not text:
            continue
        for request in requests:
            text = text.replace(request, " ")
        key = re.sub(r"\[\d+\]", "", place).rsplit(".", 1)[-1]
        strict = key.startswith("files_") or "command" in key
        tokens = placeholders_in(text, path=bool(_PATH_FIELDS.match(place)), strict=strict)
        if tokens:
            shown = "; ".join(dict.fromkeys(_placeholder_message(t) for t in tokens))
            problems.append(Problem(place, shown))


# ----------------------------------------------------------------------------- 5 endpoints


@dataclass
class NewRoute:
    place: str  # the endpoint object's place
    method: str
    path: str


def _anonymous(path: str) -> str:
    """`/articles/:id` and `/articles/{slug}` → `/articles/{}`."""
    return "/".join("{}" if s.startswith("{") else s for s in normalize(path).split("/"))


def _literal_segments(path: str) -> list[str]:
    return [s for s in normalize(path).split("/") if s and "{" not in s]


@lru_cache(maxsize=1)
def _prefix_words() -> frozenset[str]:
    """Path segments that are prefixes, never features (`api`, `v1`, …: vocabulary.toml)."""
    return frozenset(vocabulary()["segments"]["ignore"])


def _prefix_like(segment: str) -> bool:
    word = segment.lower()
    return word in _prefix_words() or bool(re.fullmatch(r"v\d+(?:\.\d+)?", word))


@dataclass
class RouteStyle:
    prefix: str | None  # `/api`, when the repo's API lives under one
    roots_outside: bool  # the repo also serves single-segment paths outside the prefix
    separator: str | None  # "-", "_" or "camel": how multi-word literal segments are written
    example: str = ""


def route_style(endpoints: list[Endpoint]) -> RouteStyle:
    """The API prefix and the segment style of a service's endpoints (from the code map)."""
    paths = [normalize(e.path) for e in endpoints if not e.dynamic]
    deep = [[s for s in p.split("/") if s] for p in paths]
    long = [segs for segs in deep if len(segs) >= 2]
    short = len(deep) - len(long)
    prefix: str | None = None
    if len(long) >= 2 and short <= max(2, len(deep) // 4):
        common: list[str] = []
        for column in zip(*long, strict=False):
            if len(set(column)) != 1 or column[0].startswith("{") or not _prefix_like(column[0]):
                break
            common.append(column[0])
        if common:
            prefix = "/" + "/".join(common)
    roots_outside = prefix is not None and any(
        len(segs) <= 1 and not "/".join(["", *segs]).startswith(prefix) for segs in deep
    )
    styles: Counter[str] = Counter()
    example: dict[str, str] = {}
    for path in paths:
        for segment in _literal_segments(path):
            kind = _segment_kind(segment)
            if kind:
                styles[kind] += 1
                example.setdefault(kind, path)
    separator = styles.most_common(1)[0][0] if len(styles) == 1 else None
    return RouteStyle(prefix, roots_outside, separator, example.get(separator or "", ""))


def _segment_kind(segment: str) -> str | None:
    if "-" in segment and "_" not in segment and segment.lower() == segment:
        return "-"
    if "_" in segment and "-" not in segment and segment.lower() == segment:
        return "_"
    if re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", segment):
        return "camel"
    return None


SEPARATOR_NAMES = {"-": "kebab-case", "_": "snake_case", "camel": "camelCase"}
_PARAM_FAMILIES = [
    ("{name}", re.compile(r"(?:^|/)\{[^/]*\}")),
    (":name", re.compile(r"(?:^|/):[A-Za-z_]")),
    ("<name>", re.compile(r"(?:^|/)<[^/]*>")),
]


def _new_routes(plan: Plan) -> list[NewRoute]:
    routes = [
        NewRoute(f"architecture.endpoints[{i}]", e.method, e.path)
        for i, e in enumerate(plan.architecture.endpoints)
    ]
    if plan.change_spec is not None:
        for i, item in enumerate(plan.change_spec.items):
            for j, e in enumerate(item.new_endpoints):
                routes.append(
                    NewRoute(f"change_spec.items[{i}].new_endpoints[{j}]", e.method, e.path)
                )
    return routes


def _modified(spec: ChangeSpec | None) -> set[tuple[str, str]]:
    if spec is None:
        return set()
    return {
        (e.method.upper(), _anonymous(e.path))
        for item in spec.items
        if item.kind != "not_found"
        for e in item.endpoints
    }


def _check_endpoints(plan: Plan, service: Service, problems: list[Problem]) -> None:
    add = problems.append
    routes = _new_routes(plan)
    if not routes:
        return
    existing: dict[tuple[str, str], Endpoint] = {}
    for endpoint in sorted(service.endpoints, key=lambda e: (e.file, e.line)):
        if not endpoint.dynamic:
            existing.setdefault((endpoint.method.upper(), _anonymous(endpoint.path)), endpoint)
    modified = _modified(plan.change_spec)
    style = route_style(service.endpoints)
    seen: dict[tuple[str, str], str] = {}
    # Parameter syntaxes per list (the architecture's, the change spec's): one way in each.
    families: dict[str, dict[str, list[str]]] = {}
    for route in routes:
        method = route.method.upper()
        if method not in HTTP_METHODS and not TEMPLATE_CHARS.search(route.method):
            add(Problem(f"{route.place}.method", f'"{route.method}" is not an HTTP method'))
        path = route.path.strip()
        where = f"{route.place}.path"
        if TEMPLATE_CHARS.search(path) and placeholders_in(path, path=True):
            continue  # reported by the placeholder check
        if not path.startswith("/"):
            add(Problem(where, f'"{path}" must be a full path starting with "/"'))
            continue
        group = families.setdefault(route.place.split(".", 1)[0], {})
        for family, pattern in _PARAM_FAMILIES:
            if pattern.search(path):
                group.setdefault(family, []).append(where)
        key = (method, _anonymous(path))
        if route.place.startswith("architecture."):
            if key in seen:
                add(Problem(where, f"{method} {path} is listed twice (also {seen[key]})"))
            seen.setdefault(key, where)
        found = existing.get(key)
        if found is not None and key not in modified:
            at = f"{found.file}:{found.line}"
            handler = f", handler {found.handler}" if found.handler else ""
            same = "" if normalize(path) == found.path else f"as {found.method} {found.path} "
            add(
                Problem(
                    where,
                    f"{method} {path} already exists ({same}at {at}{handler}) — modify that "
                    "endpoint (an `existing` item of the change spec) instead of adding it again",
                )
            )
        normalized = normalize(path)
        segments = [s for s in normalized.split("/") if s]
        prefix = style.prefix
        if (
            prefix
            and normalized != prefix
            and not normalized.startswith(prefix + "/")
            and not (len(segments) <= 1 and style.roots_outside)
        ):
            add(
                Problem(
                    where,
                    f'"{path}" is outside the API prefix "{prefix}" every endpoint of the '
                    f'service uses — write "{prefix}{normalized}"',
                )
            )
        if style.separator:
            skip = len([s for s in (prefix or "").split("/") if s])
            for segment in _literal_segments(normalized)[skip:]:
                kind = _segment_kind(segment)
                if kind and kind != style.separator:
                    name = SEPARATOR_NAMES[style.separator]
                    add(
                        Problem(
                            where,
                            f'"{segment}" in {path}: the repo writes multi-word path segments '
                            f"in {name} (e.g. {style.example}) — write "
                            f'"{_respell(segment, style.separator)}"',
                        )
                    )
    for group in families.values():
        if len(group) < 2:
            continue
        used = " and ".join(sorted(group))
        for family in sorted(group, key=lambda f: (len(group[f]), f))[:-1]:
            for where in group[family]:
                add(
                    Problem(
                        where,
                        f"the plan mixes path-parameter syntaxes ({used}) — write every "
                        "parameter one way, as the repo's routes do",
                    )
                )


def _respell(segment: str, separator: str) -> str:
    words = [w.lower() for w in _words_of(segment)]
    if separator == "camel":
        return words[0] + "".join(w.capitalize() for w in words[1:]) if words else segment
    return separator.join(words)


# ----------------------------------------------------------------------------- 6 foreign keys

_FK = re.compile(r"\bFK\b\s*(?:→|->|=>|to|:)?\s*([A-Za-z_][\w.]*)", re.IGNORECASE)


@dataclass
class Known:
    """The entities a foreign key may target: the service's and the plan's."""

    exact: set[str] = field(default_factory=set)
    words: set[tuple[str, ...]] = field(default_factory=set)
    tables: list[tuple[str, ...]] = field(default_factory=list)

    def add(
        self, name: str | None, *, table: bool = False, suffixes: frozenset[str] = frozenset()
    ) -> None:
        if not name:
            return
        self.exact.add(name.lower())
        ws = tuple(lemmas(name))
        if not ws:
            return
        self.words.add(ws)
        for n in range(1, len(ws)):
            if " ".join(ws[n:]) in suffixes:
                self.words.add(ws[:n])
                break
        if table:
            self.tables.append(ws)

    def has(self, target: str) -> bool:
        target = target.split(".", 1)[0]
        if target.lower() in self.exact:
            return True
        ws = tuple(lemmas(target))
        if not ws or ws in self.words:
            return True
        # `articles` names `articles_article` (Django's app prefix) or `t_articles`.
        return any(len(t) > len(ws) and t[-len(ws) :] == ws for t in self.tables)


def _name_suffixes(names: list[str]) -> frozenset[str]:
    """Trailing words two or more entity names share (`JdbcEntity`, `Model`): not the thing."""
    counts: Counter[str] = Counter()
    for name in names:
        ws = lemmas(name)
        counts.update({" ".join(ws[n:]) for n in range(1, len(ws))})
    return frozenset(s for s, c in counts.items() if c >= 2)


def _known_entities(plan: Plan, service: Service) -> Known:
    known = Known()
    suffixes = _name_suffixes([e.name.split(".")[-1] for e in service.entities])
    for entity in service.entities:
        known.add(entity.name.split(".")[-1], suffixes=suffixes)
        known.add(entity.table, table=True)
    for model in plan.architecture.models:
        known.add(model.name)
    if plan.change_spec is not None:
        for item in plan.change_spec.items:
            if item.new_entity is not None:
                known.add(item.new_entity.name)
                known.add(item.new_entity.table, table=True)
    return known


def _check_foreign_keys(plan: Plan, service: Service, problems: list[Problem]) -> None:
    targets: list[tuple[str, str]] = []
    for i, model in enumerate(plan.architecture.models):
        for j, text in enumerate(model.fields):
            for match in _FK.finditer(text):
                targets.append((f"architecture.models[{i}].fields[{j}]", match.group(1)))
    if plan.change_spec is not None:
        for i, item in enumerate(plan.change_spec.items):
            where = f"change_spec.items[{i}]"
            if item.new_entity is not None:
                for j, f in enumerate(item.new_entity.fields):
                    if f.references:
                        targets.append((f"{where}.new_entity.fields[{j}].references", f.references))
            for j, f in enumerate(item.new_fields):
                if f.references:
                    targets.append((f"{where}.new_fields[{j}].references", f.references))
    if not targets or not service.entities:
        return  # a code map that knows no entity can't tell a made-up one
    known = _known_entities(plan, service)
    names = sorted({e.table or e.name for e in service.entities})
    for place, target in targets:
        if TEMPLATE_CHARS.search(target) or known.has(target):
            continue
        shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
        problems.append(
            Problem(
                place,
                f'foreign key to "{target}", which is no entity of the service nor one the plan '
                f"creates — reference an existing table ({shown or 'none known'}) or add "
                "the entity to the plan",
            )
        )


# ----------------------------------------------------------------------------- 7 coverage

_PHRASES = ("not found", "has no", "have no", "does not have", "doesn't have", "no such")
_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n+")


def _content(text: str) -> set[str]:
    return {w for w in lemmas(text) if len(w) >= 3 and w not in STOP_WORDS}


def _task_text(task: PlannedTask, requests: list[str]) -> str:
    data = task.model_dump(mode="json", exclude={"subtasks", "skill_id", "dependencies"})
    texts = [text for _, text in _strings(data, "")]
    joined = "\n".join(texts)
    for request in requests:
        joined = joined.replace(request, " ")
    return joined


def _recipe_title(key: str | None) -> str:
    if not key:
        return ""
    try:
        recipe = load_recipes().get(key)
    except ConfigError:  # reported where recipes are loaded; a title only widens coverage
        return ""
    return re.sub(r"\{[^{}]*\}", " ", recipe.title) if recipe is not None else ""


WORK_KEYS = ("files_to_create", "files_to_modify", "files_to_investigate")


@dataclass(frozen=True)
class Work:
    """What one working task says (its words, the request's left out) and the files it works on."""

    words: frozenset[str]
    files: frozenset[str]

    @classmethod
    def of(cls, task: PlannedTask, requests: list[str]) -> Work:
        files = {
            clean_path(path)
            for key in WORK_KEYS
            for path in task.inputs.get(key) or []
            if isinstance(path, str)
        }
        return cls(frozenset(_content(_task_text(task, requests))), frozenset(files))


def _item_files(item: SpecItem) -> set[str]:
    return {f for e in item.endpoints for f in (e.file, e.handler_file) if f} | {
        e.file for e in item.entities if e.file
    }


def _covered(item: SpecItem, work: list[Work], shared: set[str]) -> bool:
    """Some working task names the item (its name, its recipe's title, its new entity or new
    fields); an existing endpoint or entity the item modifies is also covered by a task working
    on its file — one no other item of the spec has (a handler two items change can't tell
    which of them a task covers). Other kinds touch files other items touch too: their names
    say whether a task does them."""
    names = [item.name, _recipe_title(item.recipe), *(f.name for f in item.new_fields)]
    if item.new_entity is not None:
        names += [item.new_entity.name, item.new_entity.table]
    wanted = [w for w in (_content(n) for n in names) if w]
    files = _item_files(item) if item.kind == "existing" or not wanted else set()
    if not wanted and not files:
        return True
    files -= shared
    return any(any(w <= task.words for w in wanted) or files & task.files for task in work)


def _working_tasks(plan: Plan) -> list[PlannedTask]:
    """The tasks that do the work: not reviews or test runs (their texts repeat the work's),
    and of a parent with sub-tasks, the sub-tasks (its own name only sums them up)."""
    out: list[PlannedTask] = []
    for task in plan.tasks:
        if "preceding_task" in task.inputs or "user_expectations" in task.inputs:
            continue
        out += task.subtasks or [task]
    return out or [t for task in plan.tasks for t in [task, *task.subtasks]]


def _check_coverage(plan: Plan, spec: ChangeSpec, problems: list[Problem]) -> None:
    requests = sorted({r for r in (plan.request, spec.request) if r}, key=len, reverse=True)
    work = [Work.of(task, requests) for task in _working_tasks(plan)]
    counts = Counter(f for item in spec.items for f in _item_files(item))
    shared = {f for f, n in counts.items() if n > 1}
    first = plan.tasks[0] if plan.tasks else None
    opening = ""
    if first is not None:
        requirements = first.inputs.get("requirements")
        opening = "\n".join(
            [first.description, requirements if isinstance(requirements, str) else ""]
        )
    sentences = [s for s in _SENTENCE.split(opening) if s.strip()]
    for i, item in enumerate(spec.items):
        where = f"change_spec.items[{i}]"
        if item.kind == "not_found":
            words = _content(item.name)
            said = [s for s in sentences if any(p in s.lower() for p in _PHRASES)]
            if not said:
                problems.append(
                    Problem(
                        where,
                        f'"{item.name}" was not found in the repository, but tasks[0] does not '
                        'say so — state it plainly in its description or requirements ("the '
                        f'repository has no {item.name}") and name the closest existing ones',
                    )
                )
            elif words and not any(words & _content(s) for s in said):
                problems.append(
                    Problem(
                        where,
                        f'"{item.name}" was not found in the repository, but tasks[0] does not '
                        f'name it where it says what is missing — write "the repository has no '
                        f'{item.name}"',
                    )
                )
            continue
        if not _covered(item, work, shared):
            problems.append(
                Problem(
                    where,
                    f'"{item.name}" ({item.kind.replace("_", " ")}) is part of the request but '
                    "no task covers it — add it to a task (name it, its files and its criteria)",
                )
            )
