"""Where a change's files are, and where its new files go — read from the repo, not assumed.

Existing files come from the code map (an endpoint's registration and handler files, an
entity's model file) and from the file list (an entity's service, repository, serializer and
test files, found by name and layer words). New files follow the most similar existing file:
the sibling of the same role for another entity with the names swapped
(`src/article/article.service.ts` → `src/bookmark/bookmark.service.ts`), a role directory the
repo already has (`internal/middleware/`), and only then the language's default layout.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

from backend_planner.planning.resolve import lemma, vocabulary, words
from backend_planner.workspace.profile import Entity, Service

LANGUAGE_EXT = {
    "go": ".go",
    "python": ".py",
    "typescript": ".ts",
    "javascript": ".js",
    "java": ".java",
    "kotlin": ".kt",
    "ruby": ".rb",
    "php": ".php",
    "rust": ".rs",
}
# Role suffix of a new file's name per language, when the repo has no sibling to copy.
JVM_SUFFIX = {
    "middleware": "Filter",
    "service": "Service",
    "worker": "Worker",
    "job": "Job",
    "client": "Client",
    "template": "",
    "policy": "Policy",
    "handler": "Controller",
}
ROLE_SUFFIX = {
    "java": JVM_SUFFIX,
    "kotlin": JVM_SUFFIX,
    "php": {
        "middleware": "",
        "service": "Service",
        "worker": "Job",
        "job": "Job",
        "client": "Client",
        "template": "",
        "policy": "Policy",
        "handler": "Controller",
    },
}
DEFAULT_DIRS = {
    "middleware": "middleware",
    "service": "services",
    "worker": "workers",
    "job": "jobs",
    "client": "clients",
    "template": "templates",
    "policy": "policies",
    "handler": "handlers",
    "model": "models",
}
JVM_DIRS = {
    "services": "service",
    "workers": "worker",
    "jobs": "job",
    "clients": "client",
    "policies": "policy",
    "handlers": "web",
    "models": "domain",
}
PHP_DIRS = {
    "middleware": "app/Http/Middleware",
    "services": "app/Services",
    "workers": "app/Jobs",
    "jobs": "app/Jobs",
    "clients": "app/Services",
    "templates": "resources/views/emails",
    "policies": "app/Policies",
    "handlers": "app/Http/Controllers",
    "models": "app/Models",
}
TEMPLATE_EXT = ".html"
# Files of code a plan reads, changes or tests (not configuration, schemas or templates).
SOURCE_SUFFIXES = (".go", ".py", ".ts", ".tsx", ".js", ".java", ".kt", ".rb", ".php", ".rs", ".cs")


def case(snake: str, style: str) -> str:
    parts = [p for p in snake.split("_") if p]
    if style == "kebab":
        return "-".join(parts)
    if style == "pascal":
        return "".join(p[:1].upper() + p[1:] for p in parts)
    if style == "camel":
        return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:]) if parts else ""
    if style == "lower":
        return "".join(parts)
    return "_".join(parts)


def _style_of(stem: str) -> str:
    if "-" in stem:
        return "kebab"
    if "_" in stem:
        return "snake"
    if stem[:1].isupper():
        return "pascal"
    if re.search(r"[a-z][A-Z]", stem):
        return "camel"
    return "snake"


@dataclass(frozen=True)
class Files:
    """The workspace's files below one service, with lookups by directory and by word."""

    all: frozenset[str]
    service: Service

    @classmethod
    def of(cls, files: tuple[str, ...] | frozenset[str], service: Service) -> Files:
        prefix = "" if service.path in ("", ".") else service.path.rstrip("/") + "/"
        return cls(frozenset(f for f in files if f.startswith(prefix)), service)

    @property
    def root(self) -> str:
        return "" if self.service.path in ("", ".") else self.service.path.rstrip("/")

    @property
    def ext(self) -> str:
        return LANGUAGE_EXT.get(self.service.language or "", ".py")

    def sources(self) -> list[str]:
        return list(self._sources)

    @cached_property
    def _sources(self) -> tuple[str, ...]:
        return tuple(sorted(f for f in self.all if f.endswith(self.ext) and not is_test(f)))

    @cached_property
    def ordered(self) -> tuple[str, ...]:
        return tuple(sorted(self.all))

    @cached_property
    def by_depth(self) -> tuple[str, ...]:
        return tuple(sorted(self.all, key=lambda f: (f.count("/"), f)))

    def exists(self, path: str) -> bool:
        return path in self.all

    def dirs(self) -> Counter[str]:
        return Counter(posixpath.dirname(f) for f in self.sources())


@lru_cache(maxsize=1 << 16)
def is_test(path: str) -> bool:
    name = posixpath.basename(path).lower()
    parts = path.lower().split("/")
    return (
        name.startswith("test_")
        or re.search(r"(_test|_spec|\.test|\.spec|tests?|spec)\.[a-z]+$", name) is not None
        or any(p in ("test", "tests", "spec", "__tests__", "e2e") for p in parts[:-1])
    )


def is_migration(path: str) -> bool:
    parts = path.lower().split("/")
    return bool(
        {"migrations", "migrate", "migration", "alembic", "changelog", "changelogs", "flyway"}
        & set(parts[:-1])
    ) or (parts[-1].endswith(".sql") and "schema" not in parts[-1])


def _path_lemmas(path: str) -> list[str]:
    return [lemma(w) for w in words(path)]


def name_forms(entity_words: list[str]) -> list[str]:
    """An entity's name in every case a file name uses: article, articles, Article …"""
    from backend_planner.workspace.codemap.inflection import pluralize

    snake = "_".join(entity_words)
    plural = "_".join([*entity_words[:-1], pluralize(entity_words[-1])])
    out = []
    for base in (plural, snake):
        for style in ("snake", "kebab", "pascal", "camel", "lower"):
            form = case(base, style)
            if form not in out:
                out.append(form)
    return sorted(out, key=len, reverse=True)


def entity_files(
    files: Files, entity_words: list[str], layer: str, others: frozenset[str] = frozenset()
) -> list[str]:
    """Existing files of `layer` (service, repository, serializer, test) for an entity:
    the entity's name in the file name, a layer word in the path."""
    layers = vocabulary()["layers"]
    preference = layers[layer]
    layer_words = set(preference)
    never = set(layers["not_layer"])
    inputs = set(layers["input_words"])
    wanted = entity_words[-1]
    ranked: list[tuple[int, str]] = []
    for path in files.ordered:
        if not path.endswith(files.ext) and layer != "test":
            continue
        if (layer == "test") != is_test(path) or is_migration(path):
            continue
        if layer == "test" and posixpath.splitext(path)[1] not in (files.ext, ".rb", ".php"):
            continue
        stem_words = _path_lemmas(posixpath.splitext(posixpath.basename(path))[0])
        if wanted not in stem_words:
            continue
        if len(entity_words) > 1 and not all(w in stem_words for w in entity_words):
            continue
        if (set(stem_words) - set(entity_words)) & others:
            continue  # another entity's file (ArticleFavoriteRepository for favorites)
        path_words = set(words(path))
        if path_words & never:
            continue
        if layer == "serializer" and set(stem_words) & inputs:
            continue
        if layer != "test" and not path_words & layer_words:
            continue
        rank = min((preference.index(w) for w in path_words & layer_words), default=0)
        ranked.append((rank, path))
    return [path for _, path in sorted(ranked)]


def swap_names(path: str, old: list[str], new: list[str], sep: str = "_") -> str | None:
    """`path` with the entity `old`'s names replaced by `new`'s, case kept; None when the path
    doesn't name `old` (a shared file). `sep` is the repo's word separator in file names, for
    names of one word that say nothing about it (`comments` → `product-reviews`)."""
    changed = path
    from backend_planner.workspace.codemap.inflection import pluralize

    mapping: dict[str, str] = {}
    old_plural = "_".join([*old[:-1], pluralize(old[-1])])
    new_plural = "_".join([*new[:-1], pluralize(new[-1])])
    first = "kebab" if sep == "-" else "snake"
    for old_base, new_base in ((old_plural, new_plural), ("_".join(old), "_".join(new))):
        for style in (first, "snake", "kebab", "pascal", "camel", "lower"):
            mapping.setdefault(case(old_base, style), case(new_base, style))
    for form in sorted(mapping, key=len, reverse=True):
        # lower-case forms start a word; capitalised ones may follow one (AddCommentHandler)
        before = r"(?<![A-Za-z])" if form[:1].islower() else r"(?<![A-Z])"
        pattern = re.compile(before + re.escape(form) + r"(?![a-z])")
        changed = pattern.sub(mapping[form], changed)
    return changed if changed != path else None


def word_separator(files: Files) -> str:
    """`-` when the repo's file names join words with dashes more than underscores."""
    dashes = underscores = 0
    for path in files.sources():
        stem = posixpath.basename(path).split(".")[0]
        dashes += "-" in stem
        underscores += "_" in stem
    return "-" if dashes > underscores else "_"


def role_dir(files: Files, role: str) -> str | None:
    """An existing directory for new files of `role` (`internal/middleware`), the one holding
    the most source files."""
    names = vocabulary()["roles"].get(role, [])
    counts = files.dirs()
    best: tuple[int, int, str] | None = None
    for directory, count in counts.items():
        base = posixpath.basename(directory).lower()
        if base in names:
            rank = (names.index(base), -count, directory)
            if best is None or rank < best:
                best = rank
    return best[2] if best else None


def sibling_name(
    files: Files, directory: str, stem: str, role: str, like: str | None = None
) -> str:
    """A new file's name in `directory`, written like its siblings (`auth.middleware.ts` →
    `rate-limit.middleware.ts`, `AuthMiddleware.php` → `RateLimitMiddleware.php`)."""
    siblings = sorted(
        f
        for f in files.all
        if posixpath.dirname(f) == directory
        and f.endswith(files.ext)
        and not is_test(f)
        and not posixpath.basename(f).startswith("_")
        and posixpath.basename(f).split(".")[0] not in ("index", "mod", "main", "lib", "app")
    )
    ext = files.ext
    language = files.service.language or ""
    if like is not None:
        siblings = [like]
    if not siblings:
        return _default_name(language, stem, role, ext)
    base = posixpath.basename(siblings[0])
    name = base[: -len(ext)]
    role_words = set(vocabulary()["roles"].get(role, [])) | {role}
    # a dotted role suffix: auth.middleware.ts (another role's sibling: auth.resolver.ts)
    if "." in name:
        head, _, suffix = name.partition(".")
        if suffix.lower() not in role_words:
            suffix = role
        stem = stem.removesuffix("_" + suffix.lower())
        style = _style_of(head) if _style_of(head) != "snake" else "kebab"
        return f"{case(stem, style)}.{suffix}{ext}"
    parts = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)
    if parts and parts[-1].lower() in role_words:  # AuthMiddleware.php, even Controller.php
        suffix = parts[-1]
        stem = stem.removesuffix("_" + suffix.lower())
        style = _style_of(name)
        if style == "pascal":
            return f"{case(stem, 'pascal')}{suffix}{ext}"
        sep = "-" if style == "kebab" else "_"
        return f"{case(stem, style)}{sep}{suffix.lower()}{ext}"
    return f"{case(stem, _style_of(name))}{ext}"


def template_file(files: Files, stem: str) -> str:
    """An email/HTML template where the framework keeps them, with its extension."""
    table = vocabulary()["templates"]
    for framework in files.service.frameworks:
        spec = table.get(framework)
        if spec:
            folder, ext = spec
            directory = posixpath.join(files.root, folder) if files.root else folder
            return posixpath.join(directory, f"{stem}{ext}")
    return ""


def _default_name(language: str, stem: str, role: str, ext: str) -> str:
    if language in ROLE_SUFFIX or language in ("typescript", "javascript", "ruby"):
        stem = stem.removesuffix("_" + role)  # the role suffix is added below
    elif role == "service" and language in ("python", "go", "rust"):
        stem = stem if stem.endswith("_service") else f"{stem}_service"  # never shadows a package
    if role == "template":
        return f"{stem}{TEMPLATE_EXT}"
    if language in ROLE_SUFFIX:
        return f"{case(stem, 'pascal')}{ROLE_SUFFIX[language].get(role, '')}{ext}"
    if language in ("typescript", "javascript"):
        return (
            f"{case(stem, 'kebab')}.{role}{ext}"
            if role != "model"
            else f"{case(stem, 'kebab')}{ext}"
        )
    if language == "ruby" and role in ("service", "worker", "job", "client", "policy"):
        return f"{stem}_{role}{ext}"
    return f"{stem}{ext}"


def anchor(files: Files, near: list[str]) -> str:
    """Where a new role directory goes: beside the directory of the first `near` file (the
    target's handler), else the service's source root."""
    for path in near:
        directory = posixpath.dirname(path)
        if directory:
            return posixpath.dirname(directory) or directory
    counts = files.dirs()
    if counts:
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return posixpath.dirname(top) or top
    return files.root


def new_file(files: Files, role: str, stem: str, near: list[str]) -> str:
    """The path of a new file of `role` named for `stem` (snake_case)."""
    if role == "template" and (found := template_file(files, stem)):
        return found
    language = files.service.language or ""
    directory = None if role == "handler" and near else role_dir(files, role)
    if directory is None and role in ("worker", "job", "client", "policy"):
        directory = role_dir(files, "service")
    feature = _feature_dir(near)
    if directory is None and feature is not None and role not in ("template",):
        # one folder per feature (src/auth/auth.resolver.ts): the new file joins the folder
        return posixpath.join(feature, sibling_name(files, feature, stem, role))
    flat = _flat_feature_dir(files, near) if language in ("go", "rust") else None
    if directory is None and flat is not None and role != "template":
        # features are files of one package (cmd/articles.go, cmd/users.go): one more file there
        return posixpath.join(flat, _default_name(language, stem, role, files.ext))
    if directory is None:
        default = DEFAULT_DIRS.get(role, role)
        if language == "php":
            base = PHP_DIRS.get(default, f"app/{default.capitalize()}")
            directory = posixpath.join(files.root, base) if files.root else base
        else:
            if language in ("java", "kotlin"):
                default = JVM_DIRS.get(default, default)
            directory = (
                posixpath.join(anchor(files, near), default) if anchor(files, near) else default
            )
    return posixpath.join(directory, sibling_name(files, directory, stem, role))


def _feature_dir(near: list[str]) -> str | None:
    """The handler's folder when it is a feature's folder (`src/auth`), not a layer's."""
    layer_words = {w for names in vocabulary()["roles"].values() for w in names}
    layer_words |= {w for names in vocabulary()["layers"].values() for w in names}
    generic = set(vocabulary()["dirs"]["generic"])
    for path in near:
        directory = posixpath.dirname(path)
        base = posixpath.basename(directory).lower()
        if base and base not in layer_words and base not in generic and "." not in base:
            return directory
    return None


def _flat_feature_dir(files: Files, near: list[str]) -> str | None:
    """The handler's directory when it holds the features as sibling files (3 or more)."""
    for path in near:
        directory = posixpath.dirname(path)
        siblings = [f for f in files.sources() if posixpath.dirname(f) == directory]
        if len(siblings) >= 3:
            return directory
    return None


def model_fallback(files: Files, entity_words: list[str]) -> list[str]:
    """The source declaring an entity when the map only knows its SQL: a file named for the
    entity, or the shared models file, in a models folder (models/models.go)."""
    folders = set(vocabulary()["roles"]["model"])
    stems = set(name_forms(entity_words)) | {"models", "model", "entities", "entity", "types"}
    for path in files.sources():
        parts = path.split("/")
        stem = parts[-1].split(".")[0]
        if stem in stems and len(parts) > 1 and parts[-2].lower() in folders:
            return [path]
    return []


def logic_files(files: Files, entity_words: list[str], handlers: list[str]) -> list[str]:
    """Where an entity's logic lives when the repo has no service layer by name: a handler or
    logic module beside the route file, else a source file named for the entity (plural or
    singular) in another folder than the handlers."""
    roles = set(vocabulary()["roles"]["handler"]) | {"handler", "logic", "crud", "core"}
    out: list[str] = []
    for handler in handlers:
        folder = posixpath.dirname(handler)
        for path in files.sources():
            stem = posixpath.basename(path).split(".")[0].lower()
            if posixpath.dirname(path) == folder and path != handler and stem in roles:
                out.append(path)
    forms = set(name_forms(entity_words))
    for path in files.sources():
        stem = posixpath.basename(path).split(".")[0]
        if stem in forms and path not in handlers and path not in out and not is_migration(path):
            out.append(path)
    return out


def auth_files(files: Files) -> list[str]:
    """Where requests are authenticated: files named for auth and a guarding role (an auth
    middleware, a JWT strategy or guard, a security config), most specific first."""
    table = vocabulary()["auth_files"]
    subjects, kinds = set(table["subjects"]), table["kinds"]
    ranked = []
    for path in files.sources():
        stem_words = set(words(posixpath.basename(path).split(".")[0]))
        name_words = set(words(posixpath.basename(path)))
        kind = [kinds.index(w) for w in name_words if w in kinds]
        if (stem_words & subjects or name_words & subjects) and kind:
            ranked.append((min(kind), path.count("/"), path))
        elif name_words == {"middleware", *name_words & {"go", "py", "ts", "js", "rb", "php"}}:
            ranked.append((len(kinds), path.count("/"), path))  # cmd/middleware.go
    return [p for _, _, p in sorted(ranked)]


def public_route_config(files: Files) -> list[str]:
    """Files that guard every route and list the public ones (a Spring SecurityConfig)."""
    out = []
    for pattern in vocabulary()["auth_files"]["route_guards"]:
        for path in files.sources():
            if fnmatch.fnmatch(posixpath.basename(path), pattern) and path not in out:
                out.append(path)
    return out[:1]


def config_file(files: Files) -> str | None:
    return _first_match(files, vocabulary()["files"]["config"])


def entry_file(files: Files) -> str | None:
    return _first_match(files, vocabulary()["files"]["entry"])


def _first_match(files: Files, tails: list[str]) -> str | None:
    """The shallowest non-test file matching the first tail that matches any (a path tail or a
    glob on the basename)."""
    for tail in tails:
        glob = any(c in tail for c in "*?[")
        for path in files.by_depth:
            if (
                path == tail
                or path.endswith("/" + tail)
                or (glob and fnmatch.fnmatch(posixpath.basename(path), tail))
                or (not glob and "/" not in tail and posixpath.basename(path) == tail)
            ):
                if is_test(path):
                    continue
                return path
    return None


def model_file(entity: Entity) -> str | None:
    """The entity's model source: its ORM file rather than a migration that created it (None
    when only migrations or SQL define it)."""
    for path in [entity.file, *entity.sources]:
        if path and not is_migration(path) and not path.endswith(".sql"):
            return path
    return None


def migration_dir_for(service: Service, near: str | None) -> str | None:
    """Of several migration dirs (Django apps), the one beside `near` (the entity's model)."""
    migrations = service.migrations
    if migrations is None:
        return None
    dirs = migrations.dirs or ([migrations.dir] if migrations.dir else [])
    if not near or len(dirs) < 2:
        return migrations.dir

    def shared(d: str) -> int:
        a, b = d.split("/"), near.split("/")
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    best = sorted(dirs, key=lambda d: (-shared(d), d))[0]
    home = posixpath.dirname(near)
    names = {posixpath.basename(d) for d in dirs}
    if len(names) == 1 and posixpath.dirname(best) != home and home:
        # one migrations folder per app (Django): a new app gets its own
        return posixpath.join(home, names.pop())
    return best
