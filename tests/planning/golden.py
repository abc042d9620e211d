"""Golden plan expectations: the repos, the facts about them a reviewer relies on, and small
checks that read a `Plan` the way a reviewer reads it.

A check is a function `(plan, repo) -> list[str]`: every string is one review comment ("plan
creates a Comment model, but Comment exists at app/Models/Comment.php:34"); an empty list means
the plan passes that line of the checklist. `UNIVERSAL` holds the checks every plan must pass
whatever the request; the cases in test_golden.py add their own.

Facts come from the repos themselves and from ../shared/realworld/expected.json (the ground
truth scored by the code map tests), never from the planner's output.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from backend_planner.planning import Plan, plan_workspace
from backend_planner.planning.spec import NewEntity, SpecItem
from conftest import EXAMPLES_DIR, SHARED_DIR
from planning.support import SKILLS, profile_of

REALWORLD = SHARED_DIR / "realworld"

Check = Callable[[Plan, "Repo"], list[str]]


# ----------------------------------------------------------------------------- the repos


@dataclass(frozen=True)
class Migrations:
    """How the repo's migration tool names a new migration."""

    tool: str
    files: str  # regex a new migration's repo-relative path matches in full
    ordered: bool = True  # a new one sorts after every existing one in its folder
    paired: tuple[str, str] | None = None  # (".up.sql", ".down.sql"): both halves are created
    registry: tuple[str, ...] = ()  # files every schema change also modifies
    appendable: tuple[str, ...] = ()  # existing files a new change set may be appended to
    folder_style: bool = False  # one folder per migration (<stamp>_<name>/migration.sql)


@dataclass(frozen=True)
class Repo:
    key: str
    root: Path
    prefix: str  # where the repo serves its API
    migrations: Migrations | None  # None: no migration tool (a document store)
    store: str  # how the repo keeps its data, for messages
    rules: tuple[str, ...] = ()  # the framework's wiring rules (see RULES)

    def exists(self, path: str) -> bool:
        return (self.root / path).is_file()


def _rw(name: str) -> Path:
    return REALWORLD / name


GOLANG_MIGRATE = Migrations(
    "golang-migrate",
    r"migrations/\d{6}_[a-z0-9_]+\.(up|down)\.sql",
    paired=(".up.sql", ".down.sql"),
)
PRISMA = Migrations(
    "prisma migrate",
    r"prisma/migrations/\d{14}_[a-z0-9_]+/migration\.sql",
    registry=("prisma/schema.prisma",),
    folder_style=True,
)
ALEMBIC = Migrations("alembic", r"alembic/versions/[0-9a-f]{12}_[a-z0-9_]+\.py", ordered=False)

REPOS: dict[str, Repo] = {
    repo.key: repo
    for repo in (
        Repo(
            "go-httprouter",
            _rw("siahsang__golang-realworld-example-app"),
            "/api",
            GOLANG_MIGRATE,
            "Postgres tables from golang-migrate SQL, raw SQL in internal/core",
        ),
        Repo(
            "django-drf",
            _rw("Sean-Miningah__realWorld-DjangoRestFramework"),
            "/api",
            Migrations("django", r"[a-z_]+/migrations/\d{4}_[a-z0-9_]+\.py"),
            "Django ORM models, one migrations/ folder per app",
            rules=("django_apps",),
        ),
        Repo(
            "fastapi-couchbase",
            _rw("saschavonpapenCB__couchbase-fastapi-realworld"),
            "/api",
            None,
            "Couchbase documents (no schema, no migration tool)",
        ),
        Repo(
            "flask",
            _rw("webofmars__realworld-flask"),
            "/api",
            ALEMBIC,
            "Postgres tables from one alembic revision, raw SQL in each blueprint's handler.py",
        ),
        Repo(
            "express-typeorm",
            _rw("tgiardina__typescript-typeorm-realworld-example-app"),
            "/api",
            Migrations("typeorm", r"migrations/\d{13}-[A-Za-z0-9-]+\.ts"),
            "TypeORM entities with hand-written migrations",
        ),
        Repo(
            "nestjs-prisma",
            _rw("adr1enbe4udou1n__nestjs-realworld-example-app"),
            "/api",
            PRISMA,
            "Prisma models in prisma/schema.prisma",
            rules=("nest_modules",),
        ),
        Repo(
            "spring",
            _rw("alexey-lapin__realworld-backend-spring"),
            "/api",
            Migrations(
                "liquibase",
                r"service/src/main/resources/db/changelog/changes/[\w.-]+\.(xml|ya?ml|sql)",
                registry=("service/src/main/resources/db/changelog/db.changelog-master.yaml",),
                appendable=("service/src/main/resources/db/changelog/changes/01-schema.xml",),
            ),
            "Spring Data JDBC records over Liquibase tables",
            rules=("java_sources", "spring_security"),
        ),
        Repo(
            "laravel",
            _rw("adr1enbe4udou1n__laravel-realworld-example-app"),
            "/api",
            Migrations("laravel", r"database/migrations/\d{4}_\d{2}_\d{2}_\d{6}_[a-z0-9_]+\.php"),
            "Eloquent models over Laravel migrations",
            rules=("laravel_layout",),
        ),
        Repo(
            "rails-couchbase",
            _rw("hummusonrails__realworld-couchbase-ruby-orm"),
            "/api",
            None,
            "couchbase-orm documents (no schema, no migration tool)",
        ),
        Repo(
            "actix-diesel",
            _rw("snamiki1212__realworld-v1-rust-actix-web-diesel"),
            "/api",
            Migrations(
                "diesel",
                r"migrations/\d{4}-\d{2}-\d{2}-\d{6}_[a-z0-9_]+/(up|down)\.sql",
                paired=("/up.sql", "/down.sql"),
                registry=("src/schema.rs",),
                folder_style=True,
            ),
            "Diesel over SQL migrations, src/schema.rs generated from them",
            rules=("rust_modules",),
        ),
        Repo(
            "go-gin-shop",
            EXAMPLES_DIR / "go-gin-shop",
            "/api/v1",
            GOLANG_MIGRATE,
            "gorm models over golang-migrate SQL",
        ),
        Repo(
            "fastapi-inventory",
            EXAMPLES_DIR / "fastapi-inventory",
            "/api/v1",
            ALEMBIC,
            "SQLAlchemy models over alembic revisions",
        ),
        Repo(
            "express-prisma",
            EXAMPLES_DIR / "express-prisma-api",
            "/api",
            PRISMA,
            "Prisma models in prisma/schema.prisma",
        ),
    )
}


@cache
def _truth() -> dict[str, dict[str, Any]]:
    data = json.loads((REALWORLD / "expected.json").read_text())
    repos = data["repos"] if isinstance(data, dict) else data
    return {r["dir"]: r for r in repos}


@dataclass(frozen=True)
class Known:
    """Something the repo already has, with where it is."""

    name: str
    where: str


@cache
def known_entities(key: str) -> tuple[Known, ...]:
    """The repo's entities: the ground truth's (with optional ones) and the code map's."""
    repo = REPOS[key]
    out: list[Known] = []
    entry = _truth().get(repo.root.name)
    if entry is not None:
        for e in entry["entities"] + entry.get("optional_entities", []):
            for name in (e["name"], e.get("table"), *(e.get("aliases") or [])):
                if name:
                    out.append(Known(name, e.get("evidence", "")))
    for service in profile_of(repo.root).services:
        for entity in service.entities:
            where = f"{entity.file}:{entity.line}" if entity.line else (entity.file or "")
            out += [Known(n, where) for n in (entity.name, entity.table) if n]
    return tuple(out)


@cache
def known_endpoints(key: str) -> tuple[Known, ...]:
    """The repo's endpoints ("METHOD /path"): the ground truth's and the code map's."""
    repo = REPOS[key]
    out: list[Known] = []
    entry = _truth().get(repo.root.name)
    if entry is not None:
        for e in entry["endpoints"]:
            out.append(Known(f"{e['method']} {e['path']}", e.get("evidence", "")))
    for service in profile_of(repo.root).services:
        for endpoint in service.endpoints:
            out.append(Known(f"{endpoint.method} {endpoint.path}", f"{endpoint.file}"))
    return tuple(out)


# ----------------------------------------------------------------------------- plans


@cache
def plan_of(key: str, request: str) -> Plan:
    repo = REPOS[key]
    return plan_workspace(request, repo.root, SKILLS, profile=profile_of(repo.root))


def _tasks(plan: Plan) -> Iterator[Any]:
    for task in plan.tasks:
        yield task
        yield from task.subtasks


def paths(plan: Plan, key: str) -> list[str]:
    out: list[str] = []
    for task in _tasks(plan):
        value = task.inputs.get(key, [])
        out += [value] if isinstance(value, str) else list(value)
    return list(dict.fromkeys(out))


def created(plan: Plan) -> list[str]:
    return paths(plan, "files_to_create")


def modified(plan: Plan) -> list[str]:
    return paths(plan, "files_to_modify")


def read(plan: Plan) -> list[str]:
    """Files the plan changes or sends someone to read."""
    return list(dict.fromkeys(modified(plan) + paths(plan, "files_to_investigate")))


def criteria(plan: Plan) -> list[str]:
    """What the plan will be checked against: critical and expected criteria, the testing
    task's user expectations."""
    out: list[str] = []
    for task in _tasks(plan):
        out += task.validation_criteria.critical + task.validation_criteria.expected
        out += [str(e) for e in task.inputs.get("user_expectations", [])]
    return out


def all_texts(plan: Plan) -> list[str]:
    """Every string in the plan (as `plan --json` shows it), violations aside."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(plan.model_dump(mode="json", exclude={"violations"}))
    return found


def items(plan: Plan, *kinds: str) -> list[SpecItem]:
    if plan.change_spec is None:
        return []
    return [i for i in plan.change_spec.items if not kinds or i.kind in kinds]


def describe_items(plan: Plan) -> str:
    if plan.change_spec is None:
        return "the plan has no change spec"
    parts = []
    for i in plan.change_spec.items:
        on = [e.label for e in i.endpoints] + [e.name for e in i.entities]
        parts.append(f"{i.kind} {i.name!r}" + (f" on {', '.join(on[:8])}" if on else ""))
    return "the plan has: " + ("; ".join(parts) if parts else "no items")


@dataclass(frozen=True)
class NewEndpointView:
    method: str
    path: str
    public: bool | None  # None: the plan does not say

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def new_endpoints(plan: Plan) -> list[NewEndpointView]:
    """The endpoints the plan adds: its architecture's and its change spec's, merged."""
    out: dict[tuple[str, str], NewEndpointView] = {}
    for item in items(plan):
        for e in item.new_endpoints:
            out[(e.method, canon(e.path))] = NewEndpointView(e.method, e.path, e.public)
    for a in plan.architecture.endpoints:
        out.setdefault((a.method, canon(a.path)), NewEndpointView(a.method, a.path, None))
    return list(out.values())


def new_entity_names(plan: Plan) -> list[str]:
    names = [m.name for m in plan.architecture.models]
    names += [i.new_entity.name for i in items(plan) if i.new_entity is not None]
    return list(dict.fromkeys(names))


def new_entity_fields(plan: Plan, name: str) -> list[str]:
    """Field names of a new entity, from the spec (or the architecture's field texts)."""
    for item in items(plan):
        if item.new_entity is not None and item.new_entity.name == name:
            return [f.name for f in item.new_entity.fields]
    for model in plan.architecture.models:
        if model.name == name:
            return [re.split(r"[\s(:]", f.strip(), maxsplit=1)[0] for f in model.fields]
    return []


def spec_entities(plan: Plan) -> list[NewEntity]:
    return [i.new_entity for i in items(plan) if i.new_entity is not None]


# ----------------------------------------------------------------------------- names and paths

_PARAM = re.compile(r"^(?::(\w+)\??|\{(\w+)(?::[^}]*)?\}|<(?:\w+:)?(\w+)>|\[(\w+)\])$")


def canon(path: str) -> str:
    """A path with every parameter written `{name}`, no trailing slash."""
    out = []
    for segment in path.split("?")[0].split("/"):
        if not segment:
            continue
        m = _PARAM.match(segment)
        out.append("{" + next(g for g in m.groups() if g) + "}" if m else segment)
    return "/" + "/".join(out)


def shape(path: str) -> str:
    """A path with every parameter written `{}`: what two routes collide on."""
    return re.sub(r"\{[^}]*\}", "{}", canon(path))


def endpoint_key(label: str) -> tuple[str, str]:
    method, _, path = label.partition(" ")
    return method.upper(), shape(path)


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def forms(name: str) -> set[str]:
    """Spellings a name may match under: case, separators, plural, ORM suffixes and table
    prefixes aside (`t_articles`, `ArticleJdbcEntity`, `articles_article` → article)."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    if not words:
        return set()
    while len(words) > 1 and words[-1] in ("entity", "model", "record", "jdbc", "document"):
        words = words[:-1]
    if len(words) > 1 and words[0] in ("t", "v", "tbl"):
        words = words[1:]
    out = {"".join(_singular(w) for w in words)}
    if len(words) == 2 and _singular(words[0]) == _singular(words[1]):  # articles_article
        out.add(_singular(words[1]))
    return out


def same_entity(a: str, b: str) -> bool:
    return bool(forms(a) & forms(b))


def where_entity(key: str, name: str) -> str | None:
    for known in known_entities(key):
        if same_entity(known.name, name):
            return known.where or known.name
    return None


# ----------------------------------------------------------------------------- universal checks

_PLACEHOLDER = re.compile(
    r"<name>|<Name>|<entity>|\{(?:name|entity|entities|table|singular|plural|endpoint|"
    r"collection|item|item_param|prefix|auth|user_table|user_entity|handler|handler_file|"
    r"model_file|relation|relations|Relation|template|field|fields|external|update_method|"
    r"snake|snake_plural|kebab|kebab_plural|Pascal|camel)\}"
)
_NONE = re.compile(r"^None$|/None\b|\bNone/|`None`|\bNone:(None|\d)|\(None\)")


def no_violations(plan: Plan, repo: Repo) -> list[str]:
    return [f"plan breaks a rule of the skill at {v.place}: {v.message}" for v in plan.violations]


def no_placeholders(plan: Plan, repo: Repo) -> list[str]:
    out = []
    for text in all_texts(plan):
        m = _PLACEHOLDER.search(text)
        if m:
            out.append(f"unfilled placeholder {m.group(0)} in {text[:120]!r}")
        elif _NONE.search(text):
            out.append(f"a missing value printed as None in {text[:120]!r}")
    return out[:5]


def no_dangling_text(plan: Plan, repo: Repo) -> list[str]:
    """No criterion or requirement that stops half-way ("… hold end to end: ")."""
    out = []
    for task in _tasks(plan):
        c = task.validation_criteria
        for text in [*c.critical, *c.expected, *c.nice_to_have]:
            if not text.strip() or text.rstrip().endswith((":", ",", "(", " and", " or")):
                out.append(f"criterion of {task.task_name!r} is cut off: {text!r}")
    return out


_PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


def identifiers_valid(plan: Plan, repo: Repo) -> list[str]:
    out = []
    for name in new_entity_names(plan):
        if not _PASCAL.match(name):
            out.append(f"new entity name {name!r} is not a class name (PascalCase identifier)")
    for entity in spec_entities(plan):
        if not _IDENT.match(entity.table):
            out.append(f"new table name {entity.table!r} of {entity.name} is not an identifier")
        for f in entity.fields:
            if not _IDENT.match(f.name):
                out.append(f"field {f.name!r} of new entity {entity.name} is not an identifier")
    for item in items(plan):
        for f in item.new_fields:
            if not _IDENT.match(f.name):
                out.append(f"new field {f.name!r} ({item.name}) is not an identifier")
    for e in new_endpoints(plan):
        for segment in canon(e.path).split("/")[1:]:
            if not (segment.startswith("{") or _LITERAL_SEGMENT.match(segment)):
                out.append(f"new endpoint {e.label} has a malformed path segment {segment!r}")
    for path in created(plan):
        stem, ext = posixpath.splitext(posixpath.basename(path))
        parts = [*posixpath.dirname(path).split("/"), stem] if ext == ".py" else [stem]
        if ext == ".py" and not all(re.match(r"^[A-Za-z0-9_]+$", p) for p in parts if p):
            out.append(f"new Python file {path} is not an importable module path (no dashes)")
        if ext in (".go", ".rs", ".rb") and not re.match(r"^[a-z0-9_]+$", stem):
            out.append(f"new file {path} is not named in snake_case like the language wants")
        if ext == ".java" and not _PASCAL.match(stem):
            out.append(f"new Java file {path} is not named after a class (PascalCase)")
        if ext == ".php" and path.startswith(("app/", "tests/")) and not _PASCAL.match(stem):
            out.append(f"new PHP class file {path} is not PSR-4 (PascalCase)")
    return out


def modified_files_exist(plan: Plan, repo: Repo) -> list[str]:
    """Every file to modify exists (or an earlier task creates it); files to investigate exist."""
    out = []
    made: set[str] = set()
    for task in _tasks(plan):
        mine = set(task.inputs.get("files_to_create", []))
        for p in task.inputs.get("files_to_modify", []):
            if (repo.root / p).is_dir():
                out.append(f"plan lists the directory {p} as a file to modify; name the files")
            elif p in mine:
                out.append(f"task {task.task_name!r} both creates and modifies {p}")
            elif not repo.exists(p) and p not in made:
                out.append(f"plan modifies {p}, which does not exist in the repo")
        for p in task.inputs.get("files_to_investigate", []):
            if not (repo.root / p).exists() and p not in made:
                out.append(f"plan sends the reader to {p}, which does not exist in the repo")
        made |= mine
    return list(dict.fromkeys(out))


def created_files_are_new(plan: Plan, repo: Repo) -> list[str]:
    return [f"plan creates {p}, which already exists" for p in created(plan) if repo.exists(p)]


def existing_entities_not_recreated(plan: Plan, repo: Repo) -> list[str]:
    out = []
    for name in new_entity_names(plan):
        where = where_entity(repo.key, name)
        if where is not None:
            out.append(f"plan creates a {name} model, but {name} exists at {where}")
    return out


def existing_endpoints_not_added(plan: Plan, repo: Repo) -> list[str]:
    known = {endpoint_key(k.name): k for k in known_endpoints(repo.key)}
    out = []
    for e in new_endpoints(plan):
        hit = known.get(endpoint_key(e.label))
        if hit is not None:
            out.append(f"plan adds {e.label}, but {hit.name} exists ({hit.where})")
    return out


def new_endpoints_under_prefix(plan: Plan, repo: Repo) -> list[str]:
    return [
        f"new endpoint {e.label} is outside the API prefix {repo.prefix}"
        for e in new_endpoints(plan)
        if not canon(e.path).startswith(repo.prefix + "/")
    ]


_LOOKS_LIKE_MIGRATION = re.compile(
    r"(^|/)(migrations?|alembic/versions|db/migrate|db/changelog)/|migration", re.IGNORECASE
)


def is_migration(path: str, repo: Repo) -> bool:
    if repo.migrations is not None and re.fullmatch(repo.migrations.files, path):
        return True
    return bool(_LOOKS_LIKE_MIGRATION.search(path)) and not re.search(
        r"(^|/)(tests?|specs?)/|_test\.|\.test\.|\.spec\.|Test\.", path
    )


def migrations_follow_scheme(plan: Plan, repo: Repo) -> list[str]:
    out = []
    scheme = repo.migrations
    new = [p for p in created(plan) if is_migration(p, repo)]
    if scheme is None:
        return [
            f"plan creates migration {p}, but the repo has no migration tool ({repo.store})"
            for p in new
        ]
    for path in new:
        if not re.fullmatch(scheme.files, path):
            out.append(f"migration {path} is not where/how {scheme.tool} names migrations")
            continue
        if scheme.ordered:
            unit = posixpath.dirname(path) if scheme.folder_style else path
            folder, mine = posixpath.split(unit)
            siblings = sorted(
                p.name for p in (repo.root / folder).glob("*") if p.name[:1].isdigit()
            )
            if siblings and siblings[-1] >= mine:
                out.append(f"migration {path} does not sort after the latest, {siblings[-1]}")
        if scheme.paired:
            up, down = scheme.paired
            other = path.replace(up, down) if path.endswith(up) else path.replace(down, up)
            if other not in created(plan):
                out.append(f"migration {path} has no {other} beside it")
    for path in modified(plan):
        if re.fullmatch(scheme.files, path) and path not in scheme.appendable:
            out.append(f"plan edits the applied migration {path} instead of adding a new one")
    return out


# ----------------------------------------------------------------------------- wiring rules
# What a framework needs for a new file to be part of the app at all.


def _is_test(path: str) -> bool:
    return bool(re.search(r"(^|/)(tests?|specs?|intTest)/|_test\.|\.test\.|\.spec\.|Test\.", path))


def laravel_layout(plan: Plan, repo: Repo) -> list[str]:
    out = []
    for p in created(plan):
        if p.startswith("app/Http/Controllers/") and not p.endswith("Controller.php"):
            why = " (the route registrar scans it)" if "/Controllers/Api/" in p else ""
            out.append(f"plan puts {p} in app/Http/Controllers, where only controllers go{why}")
        if p.startswith("resources/views/") and not p.endswith(".blade.php"):
            out.append(f"Laravel view {p} is not a Blade template (.blade.php)")
    return out


def java_sources(plan: Plan, repo: Repo) -> list[str]:
    return [
        f"plan puts {p} under src/main/java, where only Java sources go (resources live in "
        "src/main/resources)"
        for p in created(plan)
        if "/src/main/java/" in p and not p.endswith(".java")
    ]


def nest_modules(plan: Plan, repo: Repo) -> list[str]:
    """A new controller or provider is registered in a module, and a new module is imported by
    an existing one (its parent feature's module or AppModule)."""
    out = []
    new = created(plan)
    for p in new:
        if _is_test(p) or not re.search(r"\.(controller|service)\.ts$", p):
            continue
        folder = posixpath.dirname(p)
        own = [n for n in new if n.endswith(".module.ts") and posixpath.dirname(n) == folder]
        ancestor, modules = folder, list[str]()
        while ancestor and not modules:
            if (repo.root / ancestor).is_dir():
                modules = sorted(
                    f"{ancestor}/{m.name}" for m in (repo.root / ancestor).glob("*.module.ts")
                )
            ancestor = posixpath.dirname(ancestor)
        if not modules or set(modules) & set(modified(plan)):
            continue
        if own:
            out.append(f"plan adds the module {own[0]} but imports it in no module ({modules[0]})")
        else:
            out.append(f"plan adds {p} but registers it in no module ({modules[0]} must list it)")
    return list(dict.fromkeys(out))


def django_apps(plan: Plan, repo: Repo) -> list[str]:
    """A new app is registered in INSTALLED_APPS (and its urls included)."""
    out = []
    apps = {p.split("/", 1)[0] for p in created(plan) if "/" in p}
    for app in sorted(apps):
        if (repo.root / app).exists():
            continue
        files = [p for p in created(plan) if p.startswith(app + "/")]
        has_models = any(p.endswith(("models.py", "apps.py")) or "/migrations/" in p for p in files)
        if has_models and "config/settings.py" not in modified(plan):
            out.append(f"plan creates the app {app}/ but does not add it to INSTALLED_APPS")
        if any(p.endswith("urls.py") for p in files) and "config/urls.py" not in modified(plan):
            out.append(f"plan creates {app}/urls.py but does not include it in config/urls.py")
    return out


def rust_modules(plan: Plan, repo: Repo) -> list[str]:
    """Every new .rs file is declared by its parent module."""
    out = []
    touched = set(created(plan)) | set(modified(plan))
    for p in created(plan):
        if not p.endswith(".rs") or posixpath.basename(p) in ("main.rs", "lib.rs"):
            continue
        folder = posixpath.dirname(p)
        if posixpath.basename(p) == "mod.rs":
            parent = posixpath.dirname(folder)
            owners = [f"{parent}/mod.rs", f"{parent}.rs"]
            name = posixpath.basename(folder)
        else:
            owners = [f"{folder}/mod.rs", f"{folder}.rs"]
            name = posixpath.splitext(posixpath.basename(p))[0]
        declared = any(o in touched for o in owners) or (
            folder == "src" and bool({"src/main.rs", "src/lib.rs"} & touched)
        )
        if not declared:
            out.append(f"plan adds {p} but no mod.rs declares `mod {name}`")
    return out


# What the Spring repo's SecurityConfig already lets through without a token.
_SPRING_PUBLIC = (
    ("POST", r"^/api/users(/login)?$"),
    ("GET", r"^/api/(articles|profiles)(/|$)"),
    ("GET", r"^/api/tags$"),
)


def spring_security(plan: Plan, repo: Repo) -> list[str]:
    """A new public endpoint is let through in SecurityConfig (anyRequest().authenticated())."""
    config = (
        "service/src/main/java/com/github/al/realworld/infrastructure/config/SecurityConfig.java"
    )
    if config in modified(plan):
        return []
    return [
        f"new public endpoint {e.label} stays behind anyRequest().authenticated(): the plan "
        f"does not modify {posixpath.basename(config)}"
        for e in new_endpoints(plan)
        if e.public
        and not any(e.method == m and re.search(p, canon(e.path)) for m, p in _SPRING_PUBLIC)
    ]


RULES: dict[str, Check] = {
    "spring_security": spring_security,
    "laravel_layout": laravel_layout,
    "java_sources": java_sources,
    "nest_modules": nest_modules,
    "django_apps": django_apps,
    "rust_modules": rust_modules,
}


def repo_rules(plan: Plan, repo: Repo) -> list[str]:
    out: list[str] = []
    for rule in repo.rules:
        out += RULES[rule](plan, repo)
    return out


def no_twin_folders(plan: Plan, repo: Repo) -> list[str]:
    """A new folder is not an existing one respelt (article/ beside articles/)."""
    out = []
    seen: set[str] = set()
    for p in created(plan):
        folder = posixpath.dirname(p)
        while folder and not (repo.root / folder).exists() and folder not in seen:
            seen.add(folder)
            parent, name = posixpath.split(folder)
            siblings = [d.name for d in (repo.root / parent).glob("*") if d.is_dir()]
            twins = [d for d in siblings if d != name and forms(d) & forms(name)]
            if twins:
                out.append(f"plan creates the folder {folder}/ beside the existing {twins[0]}/")
            folder = parent
    return out


def entity_names_clean(plan: Plan, repo: Repo) -> list[str]:
    """New class names read like the repo's: no ORM suffix inside, no plural table word."""
    out = []
    for name in new_entity_names(plan):
        words = re.findall(r"[A-Z][a-z0-9]*", name)
        if re.search(r"(Entity|Model|Jdbc|Record)[A-Z]", name):
            out.append(f"new entity {name} carries an existing class's ORM suffix in its name")
        for word in words[:-1]:
            if word.lower().endswith("s") and where_entity(repo.key, word[:-1]) is not None:
                out.append(
                    f"new entity {name} uses the plural {word} (a table name) in a class name"
                )
    return out


def references_resolve(plan: Plan, repo: Repo) -> list[str]:
    """Every foreign key points at a table the repo has or the plan creates."""
    new_tables = [e.table for e in spec_entities(plan)] + new_entity_names(plan)
    out = []
    fields = [(f, i.name) for i in items(plan) for f in i.new_fields]
    fields += [(f, e.name) for e in spec_entities(plan) for f in e.fields]
    for f, owner in fields:
        ref = f.references
        if ref is None:
            continue
        if where_entity(repo.key, ref) is None and not any(same_entity(ref, t) for t in new_tables):
            out.append(f"{owner}.{f.name} references {ref}, which neither exists nor is created")
    return out


def spec_refs_real(plan: Plan, repo: Repo) -> list[str]:
    """What the change spec says exists does: endpoints the repo serves, files it has."""
    real = {endpoint_key(k.name) for k in known_endpoints(repo.key)}
    out = []
    for i in items(plan):
        for e in i.endpoints:
            if endpoint_key(e.label) not in real:
                out.append(f"item {i.name!r} builds on {e.label}, which the repo does not serve")
            for f in (e.file, e.handler_file):
                if f and not repo.exists(f):
                    out.append(f"item {i.name!r} places {e.label} in {f}, which does not exist")
        for n in i.entities:
            if n.file and not repo.exists(n.file):
                out.append(f"item {i.name!r} places {n.name} in {n.file}, which does not exist")
    return list(dict.fromkeys(out))


UNIVERSAL: tuple[Check, ...] = (
    no_violations,
    no_placeholders,
    no_dangling_text,
    identifiers_valid,
    modified_files_exist,
    created_files_are_new,
    existing_entities_not_recreated,
    existing_endpoints_not_added,
    new_endpoints_under_prefix,
    migrations_follow_scheme,
    repo_rules,
    no_twin_folders,
    entity_names_clean,
    references_resolve,
    spec_refs_real,
)


# ----------------------------------------------------------------------------- case checks


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _has_endpoint(item: SpecItem, label: str) -> bool:
    return any(endpoint_key(e.label) == endpoint_key(label) for e in item.endpoints)


def _has_entity(item: SpecItem, name: str) -> bool:
    return any(same_entity(e.name, name) or same_entity(e.table or "", name) for e in item.entities)


def item(
    *kinds: str,
    endpoints: Iterable[str] = (),
    entity: str | None = None,
    recipe: str | None = None,
    name: str | None = None,
) -> Check:
    """An item of one of `kinds` on every endpoint of `endpoints` (and `entity`)."""
    wanted = tuple(endpoints)

    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan, *kinds):
            if not all(_has_endpoint(i, e) for e in wanted):
                continue
            if entity is not None and not _has_entity(i, entity):
                continue
            if recipe is not None and i.recipe != recipe:
                continue
            if name is not None and not _rx(name).search(i.name):
                continue
            return []
        what = "/".join(kinds)
        on = ", ".join([*wanted, *([entity] if entity else [])])
        return [f"plan has no {what} item{' on ' + on if on else ''} ({describe_items(plan)})"]

    return check


def existing(entity: str, file: str) -> Check:
    """The plan says the entity exists, pointing at its file."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan, "existing"):
            for e in i.entities:
                table = e.table or ""
                if (
                    same_entity(e.name, entity)
                    or same_entity(table, entity)
                    or same_entity(table.split("_")[-1], entity)  # article_comments
                ):
                    if e.file == file:
                        return []
                    return [f"plan says {entity} exists but points at {e.where}, not {file}"]
        return [f"plan does not say {entity} exists ({file}) ({describe_items(plan)})"]

    return check


def not_found(word: str, closest: Iterable[str] = ()) -> Check:
    """A not_found item naming `word`, with the nearest existing endpoints."""
    near = tuple(closest)

    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan, "not_found"):
            if word.lower() not in i.name.lower() and word.lower() not in i.note.lower():
                continue
            out = []
            if not i.closest:
                out.append(f"plan says {word!r} is not found but names nothing close to it")
            have = {endpoint_key(c) for c in i.closest if " /" in c}
            real = {endpoint_key(k.name) for k in known_endpoints(repo.key)}
            out += [
                f"plan points at {c} as closest, but the repo has no such endpoint"
                for c in i.closest
                if " /" in c and endpoint_key(c) not in real
            ]
            for label in near:
                if endpoint_key(label) not in have:
                    out.append(
                        f"plan says {word!r} is not found but does not point at {label} "
                        f"(closest: {i.closest})"
                    )
            return out
        return [f"plan does not say {word!r} is not found in the repo ({describe_items(plan)})"]

    return check


def nothing_not_found() -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        return [
            f"plan says {i.name!r} is not found, but the repo has it (closest: {i.closest})"
            for i in items(plan, "not_found")
        ]

    return check


def no_new_entities(why: str = "") -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        names = new_entity_names(plan)
        if not names:
            return []
        return [f"plan creates model(s) {', '.join(names)}, but {why or 'the change needs none'}"]

    return check


def new_entity(
    pattern: str,
    fields: Iterable[str] = (),
    *,
    why: str = "",
) -> Check:
    """A new entity whose name matches `pattern`, with a field matching each of `fields`."""
    wanted = tuple(fields)

    def check(plan: Plan, repo: Repo) -> list[str]:
        names = [n for n in new_entity_names(plan) if _rx(pattern).search(n)]
        if not names:
            return [
                f"plan creates no {pattern} model{' (' + why + ')' if why else ''} "
                f"(new models: {new_entity_names(plan) or 'none'})"
            ]
        have = new_entity_fields(plan, names[0])
        return [
            f"new model {names[0]} has no field like {f!r} (fields: {have})"
            for f in wanted
            if not any(_rx(f).search(h) for h in have)
        ]

    return check


def at_most_new_entities(count: int, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        names = new_entity_names(plan)
        if len(names) <= count:
            return []
        return [f"plan creates {len(names)} models ({', '.join(names)}), at most {count}: {why}"]

    return check


def creates_only(pattern: str, *, why: str) -> Check:
    """Every file the plan creates matches `pattern` (nothing unrelated is invented)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        return [
            f"plan creates {p}, which has nothing to do with {why}"
            for p in created(plan)
            if not _rx(pattern).search(p)
        ]

    return check


def only_new_entities(*patterns: str) -> Check:
    """Every new entity matches one of `patterns` (nothing else is invented)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        return [
            f"plan invents the model {n}, which the request does not need"
            for n in new_entity_names(plan)
            if not any(_rx(p).search(n) for p in patterns)
        ]

    return check


def field_added(entity: str, pattern: str, *, why: str = "") -> Check:
    """A new field matching `pattern` on the existing `entity`."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan):
            hit = any(_rx(pattern).search(f.name) for f in i.new_fields)
            if hit and _has_entity(i, entity):
                return []
        added = [f"{f.name} ({i.name})" for i in items(plan) for f in i.new_fields]
        return [
            f"plan adds no {pattern} field to the existing {entity}"
            f"{' (' + why + ')' if why else ''} (new fields: {added or 'none'})"
        ]

    return check


def field_references(entity: str, pattern: str, target: str, *, why: str) -> Check:
    """The new field matching `pattern` on `entity` is a foreign key to a `target` table."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        found = [
            f
            for i in items(plan)
            if _has_entity(i, entity)
            for f in i.new_fields
            if _rx(pattern).search(f.name)
        ]
        if not found:
            return []  # field_added reports a missing field
        if any(f.references and _rx(target).search(f.references) for f in found):
            return []
        refs = [f"{f.name} → {f.references}" for f in found]
        return [f"{entity}.{found[0].name} is not a foreign key to {target} ({why}): {refs}"]

    return check


def no_field(pattern: str, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        out = []
        for i in items(plan):
            out += [
                f"plan adds field {f.name}, but {why}"
                for f in i.new_fields
                if _rx(pattern).search(f.name)
            ]
        for e in spec_entities(plan):
            out += [
                f"plan adds field {f.name} to {e.name}, but {why}"
                for f in e.fields
                if _rx(pattern).search(f.name)
            ]
        return out

    return check


def no_new_endpoints(why: str = "the change adds no endpoint") -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        labels = [e.label for e in new_endpoints(plan)]
        return [f"plan adds {', '.join(labels[:6])}, but {why}"] if labels else []

    return check


def endpoint_added(method: str, path: str, *, public: bool | None = None) -> Check:
    """`method path` among the new endpoints, parameter names included."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        for e in new_endpoints(plan):
            if e.method == method and canon(e.path) == canon(path):
                if public is not None and e.public is not None and e.public != public:
                    state = "public" if e.public else "behind auth"
                    return [f"new endpoint {e.label} is {state}, it must not be"]
                return []
        labels = [e.label for e in new_endpoints(plan)]
        return [f"plan does not add {method} {path} (new endpoints: {labels or 'none'})"]

    return check


def endpoint_like(method: str, pattern: str, *, public: bool | None = None, why: str) -> Check:
    """A new endpoint whose canonical path matches `pattern`."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        hits = [
            e
            for e in new_endpoints(plan)
            if re.fullmatch(method, e.method) and _rx(pattern).search(canon(e.path))
        ]
        if not hits:
            labels = [e.label for e in new_endpoints(plan)]
            return [f"plan adds no {method} {pattern} endpoint ({why}); new: {labels or 'none'}"]
        if public is not None and not any(e.public is public for e in hits):
            want = "public (no auth)" if public else "behind auth"
            return [f"{hits[0].label} must be {want}: {why}"]
        return []

    return check


def public_endpoints(count: int, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        public = [e for e in new_endpoints(plan) if e.public]
        if len(public) >= count:
            return []
        return [f"plan makes {len(public)} new endpoint(s) public, needs {count}: {why}"]

    return check


def no_public_endpoints(why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        return [f"{e.label} is public, but {why}" for e in new_endpoints(plan) if e.public]

    return check


def no_endpoint(method: str, pattern: str = "", *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        return [
            f"plan adds {e.label}, but {why}"
            for e in new_endpoints(plan)
            if re.fullmatch(method, e.method) and _rx(pattern or ".").search(canon(e.path))
        ]

    return check


def endpoints_within(pattern: str, *, why: str) -> Check:
    """Every new endpoint's canonical path matches `pattern` (no CRUD sprawl elsewhere)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        return [
            f"plan adds {e.label}, but {why}"
            for e in new_endpoints(plan)
            if not _rx(pattern).search(canon(e.path))
        ]

    return check


def modifies(*files: str, why: str = "") -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        have = modified(plan)
        return [
            f"plan does not modify {f}{' (' + why + ')' if why else ''}; it modifies {have}"
            for f in files
            if f not in have
        ]

    return check


def modifies_any(*files: str, why: str) -> Check:
    """One of `files` is modified (no files: the repo needs none in particular)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        have = modified(plan)
        if not files or any(f in have for f in files):
            return []
        return [f"plan modifies none of {', '.join(files)} ({why}); it modifies {have}"]

    return check


def reads(*files: str, why: str = "") -> Check:
    """Each file is modified or investigated."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        have = read(plan)
        return [
            f"plan neither investigates nor modifies {f}{' (' + why + ')' if why else ''}; "
            f"it reads {have}"
            for f in files
            if f not in have
        ]

    return check


def creates_like(pattern: str, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        if any(_rx(pattern).search(p) for p in created(plan)):
            return []
        return [f"plan creates no file like {pattern} ({why}); it creates {created(plan)}"]

    return check


def creates_none_like(pattern: str, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        return [f"plan creates {p}, but {why}" for p in created(plan) if _rx(pattern).search(p)]

    return check


def migration(why: str = "") -> Check:
    """The change ships a migration in the repo's scheme (and updates the schema files the
    tool reads)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        scheme = repo.migrations
        if scheme is None:
            raise AssertionError(f"{repo.key} has no migration tool: use no_migration")
        new = [p for p in created(plan) if re.fullmatch(scheme.files, p)]
        appended = [p for p in modified(plan) if p in scheme.appendable]
        out = []
        if not new and not appended:
            out.append(
                f"plan has no {scheme.tool} migration{' for ' + why if why else ''} "
                f"(creates {created(plan)})"
            )
        if new:
            out += [
                f"plan adds migration(s) but does not modify {f}, which {scheme.tool} reads"
                for f in scheme.registry
                if f not in modified(plan)
            ]
        return out

    return check


def no_migration(why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        out = [
            f"plan creates migration {p}, but {why}" for p in created(plan) if is_migration(p, repo)
        ]
        if repo.migrations is not None:
            out += [
                f"plan changes the schema file {f}, but {why}"
                for f in repo.migrations.registry
                if f in modified(plan)
            ]
        return out

    return check


def mentions(pattern: str, *, why: str) -> Check:
    """Somewhere in the plan (requirements, criteria, spec) the pattern appears."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        if any(_rx(pattern).search(t) for t in all_texts(plan)):
            return []
        return [f"plan never mentions {pattern} ({why})"]

    return check


def criterion(*patterns: str, why: str) -> Check:
    """One criterion (critical/expected/user expectation) matches every pattern."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        for text in criteria(plan):
            if all(_rx(p).search(text) for p in patterns):
                return []
        return [f"no criterion checks {why} (looked for {' + '.join(patterns)})"]

    return check


def intent(*intents: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        if plan.intent in intents:
            return []
        return [f"plan reads the request as {plan.intent!r}, not {' or '.join(intents)}"]

    return check


def template(pattern: str, *, why: str) -> Check:
    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan):
            if i.template and _rx(pattern).search(i.template):
                return []
        found = [i.template for i in items(plan) if i.template]
        return [f"plan does not copy {why} (templates: {found or 'none'})"]

    return check


def token_hashed(entity_pattern: str) -> Check:
    """The new token entity stores a hash of the token, never the token itself."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        names = [n for n in new_entity_names(plan) if _rx(entity_pattern).search(n)]
        if names and any(_rx(r"hash|digest").search(f) for f in new_entity_fields(plan, names[0])):
            return []
        if any(
            _rx(r"hash(ed)? (of|for) the (token|key)|(token|key).{0,40}\bhash").search(t)
            for t in criteria(plan)
        ):
            return []
        return [
            f"plan does not store the {entity_pattern} hashed: neither a hash field "
            "nor a criterion saying only a hash is kept"
        ]

    return check


LOCKOUT = (
    r"auth\w*\b[^.;]{0,40}\bevery (new |changed |new or changed )?endpoint"
    r"|every (new |changed |new or changed )?endpoint[^.;]{0,40}\b(requires?|needs?|enforces?)"
    r" auth"
)
_EXCEPT = r"\b(except|other than|apart from|but not|excluding|unless)\b"


def no_auth_lockout() -> Check:
    """No criterion demands auth on every endpoint without excepting the flow's public ones
    (they are reached logged out: a reset link, an OAuth callback, a webhook)."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        public = [canon(e.path) for e in new_endpoints(plan) if e.public]
        out = []
        for task in _tasks(plan):
            c = task.validation_criteria
            for text in [*c.critical, *c.expected, *c.nice_to_have]:
                if not _rx(LOCKOUT).search(text) or _rx(_EXCEPT).search(text):
                    continue
                if public and all(p in canon_text(text) for p in public):
                    continue
                out.append(f"criterion {text!r} would lock the flow's public endpoints behind auth")
        return list(dict.fromkeys(out))

    return check


def canon_text(text: str) -> str:
    """Paths in a text written with `{name}` parameters."""
    return re.sub(r"/[\w{}:<>./-]+", lambda m: canon(m.group(0)), text)


def run_checks(plan: Plan, repo: Repo, checks: Iterable[Check]) -> list[str]:
    out: list[str] = []
    for check in checks:
        out += check(plan, repo)
    return list(dict.fromkeys(out))


FOUND = (
    "existing",
    "new_entity",
    "new_fields",
    "capability",
    "relation",
    "cross_cutting",
    "flow",
    "integration",
)


def on_endpoint(label: str, *kinds: str) -> Check:
    """Some item (of `kinds`, or any but not_found) works on the existing endpoint."""
    return item(*(kinds or FOUND), endpoints=[label])


def builds_on(entity: str) -> Check:
    """Some item (not not_found) works on the existing entity."""
    return item(*FOUND, entity=entity)


def stores(pattern: str, *, on: str, why: str) -> Check:
    """A new field matching `pattern` on the existing `on`, or on a new entity."""

    def check(plan: Plan, repo: Repo) -> list[str]:
        for i in items(plan):
            if _has_entity(i, on) and any(_rx(pattern).search(f.name) for f in i.new_fields):
                return []
        for name in new_entity_names(plan):
            if any(_rx(pattern).search(f) for f in new_entity_fields(plan, name)):
                return []
        return [f"plan stores no {pattern} anywhere ({why})"]

    return check


def tokens_hashed_if_any(pattern: str) -> Check:
    """When the plan keeps a token entity, it keeps only a hash of the token."""
    inner = token_hashed(pattern)

    def check(plan: Plan, repo: Repo) -> list[str]:
        if not any(_rx(pattern).search(n) for n in new_entity_names(plan)):
            return []
        return inner(plan, repo)

    return check
