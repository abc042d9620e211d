"""Conventions read from where the code actually is: layout per layer, naming, tests.

Every file votes for the places of the layers it belongs to: by a directory named for the
layer (`controllers/`, `repository/`), or by its own name (`user_handler.go`,
`post.service.ts`, `views.py`). The strongest kind of vote wins per layer; sibling feature
folders that hold the same thing collapse into one `<name>` path (`src/modules/<name>`).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from itertools import chain, compress, filterfalse, groupby, islice, repeat
from operator import itemgetter, methodcaller, not_
from typing import NamedTuple

from backend_planner.workspace.facts import LayerNaming, Layout, Naming, Tests
from backend_planner.workspace.index import entries_matching, split_path

LAYERS = ("handlers", "routes", "services", "models", "repositories")
NAME = "<name>"
COLLAPSE_MIN = 3
NAMING_SAMPLE = 400  # naming is learnt from this many files per layer (sorted, so stable)

# Directory names per layer and tier (1 beats 2 beats 3). Compared lowercase.
LAYER_DIRS: dict[str, tuple[frozenset[str], ...]] = {
    "handlers": (
        frozenset(
            {"handlers", "handler", "controllers", "controller", "resolvers", "endpoints", "views"}
        ),
        frozenset({"api", "rest", "http", "httpapi", "routes", "routers", "transport", "delivery"}),
    ),
    "routes": (frozenset({"router", "routers", "routes", "routing", "mux", "urls"}),),
    "services": (
        frozenset({"services", "service", "usecase", "usecases", "use_cases", "application"}),
    ),
    "models": (
        frozenset({"models", "model", "entities", "entity"}),
        frozenset({"domain"}),
    ),
    "repositories": (
        frozenset(
            {
                "repositories",
                "repository",
                "repos",
                "repo",
                "stores",
                "store",
                "dao",
                "daos",
                "crud",
                "persistence",
            }
        ),
        frozenset({"database", "db"}),  # direct files only: db/ often holds models too
    ),
}
_DIRECT_ONLY = frozenset({"database", "db"})
_DIR_SUFFIX = {"repositories": ("repo", "store")}

# File stems naming a whole layer file (`views.py`, `router.go`): the file is the location.
LAYER_STEMS: dict[str, frozenset[str]] = {
    "handlers": frozenset(
        {
            "handler",
            "handlers",
            "controller",
            "controllers",
            "views",
            "resolver",
            "resolvers",
            "endpoints",
        }
    ),
    "routes": frozenset({"router", "routes", "route", "urls", "routing", "startup"}),
    "services": frozenset({"service", "services", "usecase", "usecases"}),
    "models": frozenset({"model", "models", "entity", "entities"}),
    "repositories": frozenset({"repository", "repositories", "repo", "store", "dao"}),
}
# Name suffixes (after a separator or a CamelCase boundary): `user_handler`, `UserController`.
LAYER_SUFFIXES: dict[str, tuple[str, ...]] = {
    "handlers": ("handler", "controller", "resolver", "views", "view", "endpoint"),
    "routes": ("routes", "router", "route"),
    "services": ("service", "serviceimpl", "usecase"),
    "models": ("model", "entity"),
    "repositories": ("repository", "repo", "store", "dao"),
}
_SUFFIX_RE = {
    layer: re.compile(
        r"^(?P<stem>.+?)(?P<sep>[_.\-]|(?<=[a-z0-9])(?=[A-Z]))(?P<kw>"
        + "|".join(f"(?:{w[0].upper()}|{w[0]}){w[1:]}" for w in words)
        + r")$"
    )
    for layer, words in LAYER_SUFFIXES.items()
}

_KEYWORD_LAYER = {w: layer for layer, words in LAYER_SUFFIXES.items() for w in words}
_ANY_SUFFIX = re.compile(
    r"^(?P<stem>.+?)(?P<sep>[_.\-]|(?<=[a-z0-9])(?=[A-Z]))(?P<kw>"
    + "|".join(
        f"(?:{w[0].upper()}|{w[0]}){w[1:]}" for w in sorted(_KEYWORD_LAYER, key=len, reverse=True)
    )
    + r")$"
)
# What a stem `_ANY_SUFFIX` matches ends with: a keyword (either case of its first letter),
# maybe followed by a newline (`$` also matches before a final one). `str.endswith` with these
# is several times cheaper than the regex, which most stems fail.
_KEYWORD_ENDINGS = tuple(
    f"{first}{w[1:]}{end}"
    for w in _KEYWORD_LAYER
    for first in (w[0].upper(), w[0])
    for end in ("", "\n")
)
_STEM_LAYERS: dict[str, list[str]] = {}
for _layer, _stems in LAYER_STEMS.items():
    for _stem in _stems:
        _STEM_LAYERS.setdefault(_stem, []).append(_layer)
_JAXRS_RESOURCE = re.compile(r"^(?P<stem>[A-Z]\w*?)(?P<sep>)(?P<kw>Resource)$")

# Folders that hold plumbing or other people's code, never a feature layer.
CROSS_CUTTING = frozenset(
    {
        "shared",
        "common",
        "core",
        "utils",
        "util",
        "helpers",
        "helper",
        "lib",
        "libs",
        "middleware",
        "middlewares",
        "interceptors",
        "guards",
        "filters",
        "decorators",
        "pipes",
        "exceptions",
        "errors",
        "error",
        "config",
        "configs",
        "configuration",
        "constants",
        "types",
        "interfaces",
        "validators",
        "mocks",
        "mock",
        "fixtures",
        "testdata",
        "test",
        "tests",
        "spec",
        "__tests__",
        "e2e",
        "docs",
        "doc",
        "scripts",
        "script",
        "tools",
        "migrations",
        "migrate",
        "seeds",
        "seeders",
        "factories",
        "examples",
        "example",
        "generated",
        "gen",
        "stubs",
        "templates",
        "static",
        "assets",
        "public",
        "dist",
        "deploy",
        "deployment",
        ".github",
        "logger",
        "logging",
        "log",
        "telemetry",
        "sdk",
    }
)
TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "__tests__", "testing"})
VERSION_DIR = re.compile(r"^v\d+$")
DRIVER_DIRS = frozenset(
    {
        "mysql",
        "postgres",
        "postgresql",
        "pg",
        "sqlite",
        "mongo",
        "mongodb",
        "redis",
        "sql",
        "memory",
        "inmemory",
        "dynamo",
        "dynamodb",
    }
)


_JS_TEST = re.compile(r"\.(?:test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?$")
_JVM_TEST = re.compile(r"(?:Test|Tests|IT)\.(?:java|kt)$")
_TEST_DIR = re.compile(r"(?:^|/)(?:" + "|".join(sorted(TEST_DIRS)) + r")/", re.I)


# A test by its name alone, per language, found on the NUL-joined paths in one scan (`$`
# as in a search on the name: at the end, or before a final newline).
_END = r"(?=\n?(?:\0|\Z))"
_NAME_TEST: dict[str, re.Pattern[str]] = {
    "go": re.compile(r"_test\.go(?=\0|\Z)"),
    "java": re.compile(r"(?:Test|Tests|IT)\.(?:java|kt)" + _END),
    "python": re.compile(
        r"(?<![^\0/])test_[^\0/]*(?=\0|\Z)|_test\.py(?=\0|\Z)"
        r"|(?<![^\0/])(?:tests|conftest)\.py(?=\0|\Z)"
    ),
    "javascript": re.compile(r"\.(?:test|spec|e2e-spec|e2e)\.[cm]?[jt]sx?" + _END),
    "ruby": re.compile(r"_(?:spec|test)\.rb(?=\0|\Z)"),
    "php": re.compile(r"Test\.php(?=\0|\Z)"),
}
_NAME_TEST["kotlin"] = _NAME_TEST["java"]
_NAME_TEST["typescript"] = _NAME_TEST["javascript"]


# The same as plain name endings (`$`: at the end or before a final newline), where they say it
_TEST_ENDINGS = {
    "go": ("_test.go",),
    "java": tuple(
        f"{a}.{b}{c}" for a in ("Test", "Tests", "IT") for b in ("java", "kt") for c in ("", "\n")
    ),
    "ruby": ("_spec.rb", "_test.rb"),
    "php": ("Test.php",),
}
_TEST_ENDINGS["kotlin"] = _TEST_ENDINGS["java"]


def _test_names(paths: list[str], language: str | None) -> set[str]:
    """The paths whose file name alone makes them a test of `language` (see is_test_file)."""
    endings = _TEST_ENDINGS.get(language or "")
    if endings is not None:
        return set(compress(paths, map(str.endswith, paths, repeat(endings))))  # C loops
    regex = _NAME_TEST.get(language or "")
    if regex is None or not paths:
        return set()
    return set(entries_matching("\0".join(paths), regex, "\0"))


def _test_dir(directory: str, jvm: bool) -> bool:
    """Whether every file of `directory` (service-relative) is a test by is_test_file's folder
    rules (Go has none): `src/test/` for Java and Kotlin, any test folder for the rest."""
    if jvm:
        return "/src/test/" in f"/{directory}/"
    return _TEST_DIR.search(directory + "/") is not None


def any_test(
    paths: list[str], language: str | None, cut: int, dirs: list[str] | None = None
) -> bool:
    """Whether any of `paths` (files of `language`) is a test once made relative by dropping
    `cut` chars: is_test_file on each, with one scan of the names and one check per folder
    (`dirs`: the paths' directories, when known)."""
    regex = _NAME_TEST.get(language or "")
    if not paths:
        return False
    if regex is not None and regex.search("\0".join(paths)) is not None:
        return True
    if language == "go":
        return False
    jvm = language in ("java", "kotlin")
    for directory in set(by_directory(paths) if dirs is None else dirs):
        rel = directory[cut:]
        if _test_dir(rel, jvm):
            return True
    return False


def by_directory(paths: list[str], dirs: list[str] | None = None) -> dict[str, list[str]]:
    """Paths grouped by directory, in order; one Python step per run of a directory.
    `dirs`: each path's directory, when the caller has them (scan split them once)."""
    if dirs is None:
        dirs = [p.rpartition("/")[0] for p in paths]
    out: dict[str, list[str]] = {}
    start = 0
    for directory, run in groupby(dirs):
        end = start + len(list(run))
        entry = out.get(directory)
        if entry is None:
            out[directory] = paths[start:end]
        else:
            entry.extend(paths[start:end])
        start = end
    return out


def is_test_file(path: str, language: str | None) -> bool:
    """Whether a file of `language` is a test, by its name or a test folder on its path."""
    if language == "go":
        return path.endswith("_test.go")
    directory, _, name = path.rpartition("/")
    if language in ("java", "kotlin"):
        return "/src/test/" in f"/{path}" or _JVM_TEST.search(name) is not None
    if language == "python" and (
        name.startswith("test_") or name.endswith("_test.py") or name in ("tests.py", "conftest.py")
    ):
        return True
    if language in ("javascript", "typescript") and _JS_TEST.search(name) is not None:
        return True
    if language == "ruby" and name.endswith(("_spec.rb", "_test.rb")):
        return True
    if language == "php" and name.endswith("Test.php"):
        return True
    return _TEST_DIR.search(directory + "/") is not None


_TEST_SUFFIX = re.compile(r"(_test|_spec|Test|Tests|IT|\.test|\.spec|\.e2e-spec)(\.[\w.]+)$")


def test_pattern(name: str, language: str | None) -> str:
    """The glob a test file's name follows, e.g. `*_test.go`, `test_*.py`, `*.spec.ts`."""
    if language == "python" and name.startswith("test_"):
        return "test_*.py"
    match = _TEST_SUFFIX.search(name)
    if match:
        return f"*{match.group(1)}{match.group(2)}"
    return name if name in ("tests.py",) else "*" + split_path(name)[3]


def _within(path: str, root: str) -> str:
    return path if root in ("", ".") else path[len(root) + 1 :]


def _code_segments(directory: str, root: str) -> list[str]:
    inner = _within(directory, root) if directory != root else ""
    segments = inner.split("/") if inner else []
    if segments and segments[0].lower() in SOURCE_ROOTS:
        segments = segments[1:]
    return segments


DirVote = tuple[str, int, str, bool]  # layer, tier, place, only for files right in it


@dataclass(frozen=True)
class DirInfo:
    """What a directory says about the files in it, computed once per directory."""

    excluded: bool
    router: bool  # a router package inside plumbing (app/sdk/mux): a routes vote only
    top: bool  # the code root itself
    votes: tuple[DirVote, ...]


def dir_info(directory: str, root: str, neutral: frozenset[str] = frozenset()) -> DirInfo:
    segments = _code_segments(directory, root)
    lowered = [s.lower() for s in segments]
    if any(s in CROSS_CUTTING or "migration" in s for s in lowered):
        router = (
            bool(lowered)
            and lowered[-1] in LAYER_DIRS["routes"][0]
            and not any(s in TEST_DIRS or "migration" in s for s in lowered)
        )
        return DirInfo(True, router, False, ())
    prefix = directory[: len(directory) - len("/".join(segments))].rstrip("/")
    votes: list[DirVote] = []
    for layer, tiers in LAYER_DIRS.items():
        for tier_index, names in enumerate(tiers, start=1):
            hit = None
            for i in range(len(lowered) - 1, -1, -1):
                seg = lowered[i]
                if seg in names or seg.endswith(_DIR_SUFFIX.get(layer, ("\0",))):
                    place = "/".join(p for p in (prefix, *segments[: i + 1]) if p)
                    if neutral and place in neutral:
                        continue
                    if seg in _DIRECT_ONLY and i != len(lowered) - 1:
                        continue
                    hit = (place, seg in _DIRECT_ONLY)
                    break
            if hit is not None:
                votes.append((layer, tier_index, hit[0], hit[1]))
                break
    return DirInfo(False, False, not segments, tuple(votes))


# Names that may vote by themselves (a layer stem or suffix, `UserResource`): a superset,
# checked on a directory's joined names so most files are never looked at one by one.
_NAME_HINT = re.compile(
    r"(?i)handler|controller|resolver|view|endpoint|rout|service|usecase|model|entit|repo"
    r"|store|dao|urls|startup|database|resource"
)


def _votes_in(
    directory: str, paths: list[str], info: DirInfo, out: dict[tuple[str, int, str, str], list[str]]
) -> None:
    """Add the layer votes of the non-test source files `paths` of one directory to `out`
    (keyed by layer, tier, place and kind)."""
    if info.excluded:
        if info.router:
            out.setdefault(("routes", 1, directory, "router"), []).extend(paths)
        return
    cut = len(directory) + 1 if directory else 0
    # the file names: the paths without their common `directory/` (which, ending in the
    # last "/" of each path, can only occur at the start of one)
    names = "\0".join(paths).replace(directory + "/", "") if directory else "\0".join(paths)
    padded = f"\0{names}\0"
    if "\0__init__" in padded or "\0mod" in padded or ".pb.go\0" in padded or ".d.ts\0" in padded:
        paths = [p for p in paths if not _silent(p[cut:])]
    if not paths:
        return
    lowered = names.lower() if info.votes else ""
    for layer, tier, place, direct in info.votes:
        if direct and ("schema" in lowered or "seed" in lowered):
            files = [p for p in paths if not _schema_or_seed(p[cut:])]
        else:
            files = paths
        if files:
            out.setdefault((layer, tier, place, "dir"), []).extend(files)
    # Files right in the code root (app.ts, main.go, gql-config.service.ts) vote with a tier
    # of their own, so they only count when nothing else does.
    top = 9 if info.top else 0
    if len(paths) < 4 or not names.isascii() or "\n" in names:
        for path in paths:
            name = path[cut:]
            if _NAME_HINT.search(name) is not None:
                _name_votes(path, name, directory, top, out)
        return
    # Many files: one scan of the directory's joined names. Usually every file is named
    # `<feature><sep><keyword>` with one keyword (user_handler.go, post.service.ts).
    if len(paths) != names.count("\0") + 1:
        names = "\0".join(p[cut:] for p in paths)
    shared = _shared_keyword(names, len(paths))
    if shared is not None:  # what the scan below would find in each name
        key = (_KEYWORD_LAYER[shared[::-1].lower()], top or 1, directory, "suffix")
        out.setdefault(key, []).extend(paths)
        return
    # Reversed, each name starts with its extension: the scan jumps from NUL to NUL.
    found = _REVERSED_NAMES.findall("\0" + names[::-1])
    if len(found) == len(paths) and "" not in found:  # one keyword per name, none a stem
        if len(set(found)) == 1:
            key = (_KEYWORD_LAYER[found[0][::-1].lower()], top or 1, directory, "suffix")
            out.setdefault(key, []).extend(paths)
            return
        for path, keyword in zip(paths, reversed(found), strict=True):
            key = (_KEYWORD_LAYER[keyword[::-1].lower()], top or 1, directory, "suffix")
            out.setdefault(key, []).append(path)
        return
    for path in paths:
        name = path[cut:]
        if _NAME_HINT.search(name) is not None:
            _name_votes(path, name, directory, top, out)


def _shared_keyword(names: str, count: int) -> str | None:
    """The (reversed) keyword _REVERSED_NAMES finds in each of the `count` NUL-joined names
    when all of them end like the first one from the separator before its keyword on
    (`_handler.go`) and go on before it; else None. The regex, reading a name backwards,
    decides by that ending and the character past it alone: no keyword holds a separator."""
    match = _REVERSED_NAMES.match("\0" + names.partition("\0")[0][::-1])
    if match is None or not match.group(1) or match.group()[-1] not in "_.-":
        return None  # no keyword, or one not after a separator (`UserHandler.java`)
    ending = match.group()[:0:-1]  # `<sep><keyword>.<ext>`, the NUL left out
    if f"{names}\0".count(ending + "\0") != count or f"\0{ending}\0" in f"\0{names}\0":
        return None
    return match.group(1)


def _name_votes(
    path: str, name: str, directory: str, top: int, out: dict[tuple[str, int, str, str], list[str]]
) -> None:
    """The votes of one file by its own name (a layer stem or suffix)."""
    dot = name.rfind(".")
    stem = name[:dot] if dot > 0 else name
    low_stem = stem.lower()
    for layer, weak in WEAK_STEMS.items():
        if low_stem in weak:
            out.setdefault((layer, top or 2, path, "file"), []).append(path)
    layers = _STEM_LAYERS.get(low_stem)
    if layers is not None:
        for layer in layers:
            place = path if low_stem in _FILE_LAYERS or layer == "routes" else directory
            # a route file is where routes are registered, wherever it sits (src/startup.rs)
            tier = 1 if layer == "routes" else top or 1
            out.setdefault((layer, tier, place, "file"), []).append(path)
        return
    match = _ANY_SUFFIX.match(stem)
    if match is not None:
        layer = _KEYWORD_LAYER[match.group("kw").lower()]
        out.setdefault((layer, top or 1, directory, "suffix"), []).append(path)
    elif name.endswith((".java", ".kt")) and _JAXRS_RESOURCE.match(stem):
        out.setdefault(("handlers", top or 1, directory, "suffix"), []).append(path)  # UserResource


def _silent(name: str) -> bool:
    """Package markers and generated code: no vote at all."""
    dot = name.rfind(".")
    stem = name[:dot] if dot > 0 else name
    return stem in ("__init__", "mod") or name.endswith((".pb.go", ".d.ts"))


def _schema_or_seed(name: str) -> bool:
    dot = name.rfind(".")
    low_stem = (name[:dot] if dot > 0 else name).lower()
    return "schema" in low_stem or "seed" in low_stem


# Stems that are one file per app/feature (`views.py`, `models.py`): the file is the place.
_FILE_LAYERS = frozenset(
    {
        "views",
        "models",
        "urls",
        "routes",
        "repository",
        "database",
        "controllers",
        "handlers",
        "resolvers",
        "services",
        "entities",
    }
)
# Weak file votes: `routes.py` of a Flask blueprint holds its view functions; a lone
# `Database.php` may be the data access class (or just the connection).
WEAK_STEMS = {"handlers": frozenset({"routes"}), "repositories": frozenset({"database"})}
# The same on a directory's NUL-joined ASCII file names, reversed (so each starts with its
# extension and the scan only stops at NULs): per name, the (reversed) keyword of its leftmost
# `<stem><sep><keyword>` split, the longest keyword, as `_ANY_SUFFIX` finds it; "" for a name
# that is a layer stem (or weak stem) of its own; nothing for a name that is neither.
_REVERSED_NAMES = re.compile(
    r"\0[^.\0]*\.(?:("
    + "|".join(
        f"{w[1:][::-1]}(?:{w[0].upper()}|{w[0]})"
        for w in sorted(_KEYWORD_LAYER, key=len, reverse=True)
    )
    + r")(?:[_.\-](?=[^\0])|(?<=[A-Z])(?=[a-z0-9]))|(?i:"
    # tried second (the faster order): no stem ends in `<sep><keyword>`
    + "|".join(
        s[::-1] for s in sorted({*_STEM_LAYERS, *(w for ws in WEAK_STEMS.values() for w in ws)})
    )
    + r")(?=\0|\Z))"
)
SOURCE_ROOTS = frozenset({"src", "source", "sources"})


def _strip_ext(segment: str) -> str:
    return segment.rpartition(".")[0] if segment.endswith(_EXTS) else segment


def _collapse(paths: Iterable[str]) -> list[str]:
    """Replace >= COLLAPSE_MIN sibling paths that differ in one segment by `<name>`.

    `a/x/views.py`, `a/y/views`, `a/z/views` become `a/<name>/views` (a module file and a
    package of the same name are the same place).
    """
    current = sorted(set(paths))
    while True:
        groups: dict[tuple[tuple[str, ...], tuple[str, ...], int], set[str]] = {}
        for path in current:
            segs = path.split("/")
            for i in range(len(segs)):
                if segs[i] == NAME:
                    continue
                tail = tuple(segs[i + 1 :])
                if tail:
                    tail = (*tail[:-1], _strip_ext(tail[-1]))
                key = (tuple(segs[:i]), tail, i)
                groups.setdefault(key, set()).add(path)
        best = max(
            (
                g
                for g in groups.items()
                if len({p.split("/")[g[0][2]] for p in g[1]}) >= COLLAPSE_MIN
            ),
            key=lambda g: (len(g[1]), -g[0][2], g[0][0]),
            default=None,
        )
        if best is None:
            return current
        (head, tail, _), members = best
        if len({p.rsplit("/", 1)[-1] for p in members}) == 1 and tail:
            tail = (*tail[:-1], members.copy().pop().rsplit("/", 1)[-1])
        merged = "/".join((*head, NAME, *tail))
        current = sorted((set(current) - members) | {merged})


def _drop_nested(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return sorted(kept)


def _refine(place: str, files: list[str]) -> str:
    """Step into a lone `v1/` or driver (`mysql/`) folder that holds the layer's code."""
    while True:
        cut = len(place) + 1 if place else 0
        if _all_right_in(place, files):
            return place
        # the files in sub-folders: a "/" after the place (str.count in a C loop)
        nested = [f[cut:] for f in compress(files, map(str.count, files, repeat("/"), repeat(cut)))]
        if not nested:
            return place
        children = Counter(rest.partition("/")[0] for rest in nested)
        if len(children) != 1:
            return place
        direct = sum(
            1
            for f in files
            if "/" not in f[cut:] and split_path(f)[2] not in ("__init__", "helper", "helpers")
        )
        child, count = next(iter(children.items()))
        if count <= direct or not (VERSION_DIR.match(child) or child.lower() in DRIVER_DIRS):
            return place
        place = f"{place}/{child}" if place else child


def _all_right_in(place: str, files: list[str]) -> bool:
    """Whether every file lies right in the directory `place` ("" the root): each one starts
    with `place/` and has no other "/" (counted on the joined paths: a few C scans)."""
    head = place + "/" if place else ""
    joined = "\0" + "\0".join(files)
    slashes = len(files) * head.count("/")
    return joined.count("\0" + head) == len(files) and joined.count("/") == slashes


@cache
def _pattern_regex(place: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(place).replace(re.escape(NAME), "[^/]+") + "(?:$|/|\\.)")


class Group(NamedTuple):
    """The votes of one layer, tier, place and kind: every file is `place` or lies inside it
    (the place "" holds root files). Per-directory aggregates of per-file votes."""

    layer: str
    tier: int  # 1 strongest
    place: str  # repo-relative dir or file
    kind: str  # "dir" | "file" | "suffix" | "router" | "entity"
    files: list[str]


def _matching(place: str, groups: list[Group]) -> dict[str, None]:
    """The files of `groups` under the place pattern `place` (a `<name>` matches a segment),
    each once, in the groups' order (a dict as an ordered set: see resolve_layer).

    A group whose own place matches has all its files matching (they lie inside it); a group
    that can't hold the pattern's literal prefix has none; only the rest is checked per file.
    """
    regex = _pattern_regex(place)
    literal = place.partition(NAME)[0]
    found: list[list[str]] = []
    for group in groups:
        where = group.place
        if where and regex.match(where):
            found.append(group.files)
        elif not where or where.startswith(literal) or literal.startswith(where + "/"):
            found.append([f for f in group.files if regex.match(f)])
    return dict.fromkeys(chain.from_iterable(found))


def resolve_layer(groups: list[Group]) -> tuple[list[str], dict[str, None]]:
    """The places of one layer from its votes, and the files that support them (a dict as an
    ordered set: in the order of the votes, runs of sorted paths, which sort quickly).

    Only the strongest tier of vote counts; places are merged (nested ones into their
    ancestor, siblings into `<name>`), then places with under a tenth of the top place's
    files are dropped as noise.
    """
    if not groups:
        return [], {}
    best = min(g.tier for g in groups)
    strong = [g for g in groups if g.tier == best]
    by_place: dict[str, list[str]] = {}
    for g in strong:
        by_place.setdefault(g.place, []).extend(g.files)
    places = [p if p.endswith(_EXTS) else _refine(p, fs) for p, fs in by_place.items()]
    places = _collapse(_drop_nested(places))
    files_of = {p: _matching(p, strong) for p in places}
    top = max(len(f) for f in files_of.values())
    named = {g.place for g in strong if g.kind in ("file", "router") and g.layer == "routes"}
    kept = sorted(p for p in places if len(files_of[p]) * 10 >= top or p in named)
    supporting: dict[str, None] = {}
    for p in kept:
        supporting.update(files_of[p])
    return kept, supporting


_EXTS = (
    ".go",
    ".py",
    ".js",
    ".ts",
    ".tsx",
    ".jsx",
    ".java",
    ".kt",
    ".rb",
    ".php",
    ".rs",
    ".mjs",
    ".cjs",
    ".prisma",
)


def _inside(path: str, place: str) -> bool:
    return path == place or path.startswith(place + "/")


@dataclass
class LayerResult:
    layout: Layout
    naming: Naming
    tests: Tests
    evidence: dict[str, str]


def file_case(stems: Iterable[str]) -> str | None:
    """snake, kebab, pascal, camel or lower (one-word names, which lose any tie)."""
    counts: Counter[str] = Counter()
    for stem in stems:
        base = stem.split(".")[0].strip("_")
        if not base:
            continue
        if "_" in base:
            counts["snake"] += 2
        elif "-" in base:
            counts["kebab"] += 2
        elif base[0].isupper():
            counts["pascal"] += 2
        elif any(c.isupper() for c in base):
            counts["camel"] += 2
        elif base.isalnum():
            counts["lower"] += 1
    return counts.most_common(1)[0][0] if counts else None


# Files that say little about how a layer's files are named: never learnt from or shown.
_NAMING_NOISE = frozenset(
    {
        "__init__",
        "package-info",
        "index",
        "mod",
        "errors",
        "error",
        "base",
        "types",
        "constants",
        "utils",
        "helpers",
        "doc",
        "module-info",
    }
)
# A trailing word of a file stem: `AccountResource` → Resource, `user_schema` → _schema.
_TRAILING_WORD = re.compile(
    r"(?:(?<=[a-z0-9])(?P<camel>[A-Z][a-z0-9]+)|(?P<sep>[_.\-])(?P<word>[a-z0-9]+))$"
)


def _learnt_suffix(stems: list[str]) -> str | None:
    """A trailing word most of a layer's file stems share (at least 3 files and 60 %), so a
    repo's own convention (`*Resource.java`, `*_schema.py`) is kept when no layer keyword is."""
    words: Counter[str] = Counter()
    counted = 0
    for stem in stems:
        if stem.lower() in _NAMING_NOISE:
            continue
        counted += 1
        match = _TRAILING_WORD.search(stem)
        if match and match.start() > 0:
            words[match.group("camel") or match.group("sep") + match.group("word")] += 1
    if not words:
        return None
    word, count = words.most_common(1)[0]
    return word if count >= 3 and count * 5 >= counted * 3 else None


# A file name's extension as split_path sees it: from its last dot, which doesn't start it
# (the dot first, then the look-behind: the scan jumps from dot to dot).
_EXTENSION = re.compile(r"\.(?<=[^/\0]\.)[^./\0]*(?=\0)")


def _extensions(paths: Collection[str]) -> set[str]:
    """{split_path(p)[3] for p in paths}, by one regex scan of the joined paths."""
    found = _EXTENSION.findall("\0".join(paths) + "\0")
    kinds = {ext.lower() for ext in set(found)}
    if len(found) < len(paths):  # some have none
        kinds.add("")
    return kinds


def _same_kind(paths: list[str], supporting: Collection[str]) -> list[str]:
    """The NAMING_SAMPLE smallest of `paths` (one directory's files) outside `supporting`
    with no layer keyword in their stem, not tests (`user_handler_test.go` beside the
    handlers), and an extension some supporting file has: only the smallest can reach the
    sample, so the per-file checks stop once that many are found."""
    out: list[str] = []
    kinds: set[str] | None = None  # the supporting files' extensions, made on first need
    rest = sorted(filterfalse(supporting.__contains__, paths))
    # Tests (common beside the layer's files: `user_handler_test.go`) are left out first, by
    # their suffix in lazy C loops over the names (they stop with this loop), then `test_*`.
    names = map(itemgetter(2), map(str.rpartition, rest, repeat("/")))
    for f in compress(rest, map(not_, map(_TEST_SUFFIX.search, names))):
        _, name, stem, ext = split_path(f)
        if name.startswith("test_"):
            continue
        if not stem.endswith(_KEYWORD_ENDINGS) or _ANY_SUFFIX.match(stem) is None:
            if kinds is None:
                kinds = _extensions(supporting)
            if ext in kinds:
                out.append(f)
                if len(out) == NAMING_SAMPLE:
                    break
    return out


def _naming(
    layer: str,
    places: list[str],
    supporting: dict[str, None],
    inflector: _Plural,
    by_dir: dict[str, list[str]] | None = None,
) -> LayerNaming | None:
    if not places or not supporting:
        return None
    place = places[0]
    anchor = place.split("/" + NAME)[0]
    inner = anchor + "/"
    pool = list(supporting)
    inside = list(compress(pool, map(str.startswith, pool, repeat(inner))))  # C loops
    if anchor in supporting:
        inside.append(anchor)
    if by_dir is not None and len(places) == 1 and NAME not in place and place in by_dir and place:
        # The layer's one directory: learn from its other files of the same kind too, not
        # only the ones whose names gave a vote (`domain/Label.java` beside
        # `AbstractAuditingEntity.java`), leaving out files named for another layer. (At the
        # root no path starts with `inner` = "/": they would never count.)
        inside += _same_kind(by_dir[place], supporting)
    # The smallest: the votes' order is runs of sorted paths, which sorted() merges quickly.
    files = sorted(inside or supporting)[:NAMING_SAMPLE]
    example = files[0]
    ext = split_path(example)[3]
    suffixes: Counter[str] = Counter()
    stems: list[str] = []
    shown: list[str] = []  # the sample without its noise (`index.ts`, `__init__.py`)
    suffix_re, layer_stems = _SUFFIX_RE[layer], LAYER_STEMS[layer]
    for f in files:
        _, fname, fstem, fext = split_path(f)
        low_stem = fstem.lower()
        if low_stem not in _NAMING_NOISE:
            shown.append(f)
        match = suffix_re.match(fstem)
        if match:
            suffixes[match.group("sep") + match.group("kw") + fext] += 1
            stems.append(match.group("stem"))
        elif low_stem in layer_stems:
            suffixes["=" + fname] += 1
        else:
            suffixes[fext] += 1
            stems.append(fstem)
    suffix = suffixes.most_common(1)[0][0] if suffixes else ext
    if suffix == ext and stems:
        learnt = _learnt_suffix(stems)
        if learnt is not None:
            suffix = learnt + ext
            stems = [s.removesuffix(learnt) for s in stems if s.endswith(learnt)]
    if not suffix.startswith("="):
        example = next((f for f in shown if f.endswith(suffix)), shown[0] if shown else example)
    directory = place if not place.endswith(_EXTS) else place.rpartition("/")[0]
    if suffix.startswith("="):
        fixed = suffix[1:]
        directory = place.rpartition("/")[0] if place.endswith(_EXTS) else place
        return LayerNaming(
            dir=directory,
            suffix=fixed,
            plural=False,
            example=example,
            template=f"{_feature_dir(directory)}/{fixed}",
        )
    plural = inflector.mostly_plural(stems)
    return LayerNaming(
        dir=directory,
        suffix=suffix,
        plural=plural,
        example=example,
        template=f"{_feature_dir(directory)}/{{name}}{suffix}",
    )


def _feature_dir(directory: str) -> str:
    return directory.replace(NAME, "{name}") if NAME in directory else directory


# A reversed repositories name's `<ext>.<keyword><sep>` (see _REVERSED_NAMES)
_REPOSITORY_HEAD = re.compile(
    r"\0[^.\0]*\.(?:"
    + "|".join(
        f"{w[1:][::-1]}(?:{w[0].upper()}|{w[0]})"
        for w in sorted(LAYER_SUFFIXES["repositories"], key=len, reverse=True)
    )
    + r")(?:[_.\-](?=[^\0])|(?<=[A-Z])(?=[a-z0-9]))"
)


def _entity_votes(groups: list[Group], by_dir: dict[str, list[str]]) -> list[Group]:
    """`CityRepository.java` next to `City.java`: City is an entity (a weak models vote)."""
    typed: set[str] = set()
    typed_dirs: set[str] = set()  # the directory part of each of them
    regex = _SUFFIX_RE["repositories"]
    for group in groups:
        if group.layer == "repositories" and group.kind == "suffix":
            place = group.place  # every file lies right in it
            cut = len(place) + 1 if place else 0
            names = "\0".join([f[cut:] for f in group.files])
            if len(group.files) > 3 and names.isascii() and not ("\n" in names or "/" in names):
                # reversed, each name starts with `<ext>.<keyword><sep>`: drop it
                stems, count = _REPOSITORY_HEAD.subn("\0", "\0" + names[::-1])
                if count == len(group.files):
                    stems = stems[::-1][:-1].replace("\0", f"\0{place}/")
                    entries = f"{place}/{stems}".lower().split("\0")
                    typed.update(entries)
                    typed_dirs.add(entries[0].rpartition("/")[0])  # the stems hold no "/"
                    continue
            for file in group.files:
                directory, _, name = file.rpartition("/")
                match = regex.match(name.rpartition(".")[0])
                if match:
                    entry = f"{directory}/{match.group('stem')}".lower()
                    typed.add(entry)
                    typed_dirs.add(entry.rpartition("/")[0])
    if not typed:
        return []
    out = []
    for directory, paths in by_dir.items():
        if directory.lower() in typed_dirs:
            lowered = "\0".join(paths).lower().split("\0")
            # each path's lowercase without its extension, in C loops
            bare = map(itemgetter(0), map(str.rpartition, lowered, repeat(".")))
            hits = list(compress(paths, map(typed.__contains__, bare)))
            if hits:
                out.append(Group("models", 8, directory, "entity", hits))
    return out


_WORD_BREAK = re.compile(r"[_.\-]|(?<=[a-z])(?=[A-Z])")


class _Plural:
    """Whether feature stems are mostly plural (`users_controller`): an English-suffix guess."""

    def mostly_plural(self, stems: list[str]) -> bool:
        words = [_WORD_BREAK.split(s)[-1].lower() for s in stems if s]
        words = [w for w in words if w.isalpha() and len(w) > 2]
        if not words:
            return False
        plural = sum(1 for w in words if w.endswith("s") and not w.endswith(("ss", "us", "is")))
        return plural * 2 > len(words)


def analyze_conventions(
    files: list[str],
    language: str | None,
    code_root: str,
    files_by_dir: dict[str, list[str]],
    *,
    routes_fallback: str,
    routes_files: list[str],
    models_files: list[str],
    migration_dirs: list[str],
    entrypoint: str | None,
    neutral: frozenset[str] = frozenset(),
    increasing: bool = False,
) -> LayerResult:
    """Layout, naming and tests of one service from its (repo-relative) files of `language`,
    `files_by_dir` being the same files by directory (see by_directory); `increasing` vouches
    the files are sorted without duplicates."""
    source = files
    by_dir = files_by_dir
    if language == "php" and any(f.endswith(".blade.php") for f in files):
        source = [f for f in files if not f.endswith(".blade.php")]  # templates
        by_dir = by_directory(source)
    cut = len(code_root) + 1 if code_root else 0  # test folders count inside the service only
    test_names = _test_names(source, language)
    dir_tests = language != "go"
    jvm = language in ("java", "kotlin")
    test_set: set[str] = set()
    code_dirs: set[str] = set()
    groups: dict[tuple[str, int, str, str], list[str]] = {}
    migration_prefixes = tuple(d + "/" for d in migration_dirs)
    for directory, paths in by_dir.items():
        rel = directory[cut:]
        if dir_tests and _test_dir(rel, jvm):
            test_set.update(paths)
            continue
        if test_names:
            code = list(filterfalse(test_names.__contains__, paths))
            if len(code) < len(paths):
                test_set.update(compress(paths, map(test_names.__contains__, paths)))
            if not code:
                continue
        else:
            code = paths
        code_dirs.add(rel)
        if migration_prefixes and (directory + "/" if directory else "").startswith(
            migration_prefixes
        ):
            continue
        _votes_in(directory, code, dir_info(directory, code_root, neutral), groups)
    tests = list(compress(source, map(test_set.__contains__, source))) if test_set else []
    votes = [Group(*key, files) for key, files in groups.items()]
    votes.extend(_entity_votes(votes, by_dir))
    layout = Layout()
    naming = Naming()
    inflector = _Plural()
    evidence: dict[str, str] = {}
    voted: set[str] = set()
    for layer in LAYERS:
        layer_votes = [v for v in votes if v.layer == layer]
        places, supporting = resolve_layer(layer_votes)
        setattr(layout, layer, places)
        setattr(naming, layer, _naming(layer, places, supporting, inflector, by_dir))
        if supporting:
            evidence[f"layout.{layer}"] = min(supporting)
            voted.update(supporting)
    if not layout.handlers and layout.routes and any(NAME in r for r in layout.routes):
        # route files in every feature package (app/domain/<name>/route.go): the handlers
        # live in those packages
        layout.handlers = sorted(
            {r.rpartition("/")[0] if r.endswith(_EXTS) else r for r in layout.routes if NAME in r}
        )
        naming.handlers = None
    if len(layout.models) > 1 and set(layout.models) - set(layout.handlers):
        # model.go next to the handlers holds request/response types, not the entities
        layout.models = [m for m in layout.models if m not in layout.handlers]
    if models_files:
        layout.models = sorted(models_files)
        naming.models = None
    if routes_files:
        layout.routes = _collapse(routes_files)
        naming.routes = None
    elif len(layout.routes) > 1 and set(layout.routes) - set(layout.handlers):
        # A `routes/` folder of handlers doesn't register the routes when a router file does.
        layout.routes = [r for r in layout.routes if r not in layout.handlers]
    if not layout.handlers and entrypoint:
        layout.handlers = [entrypoint]
    if routes_fallback == "handlers-always" and layout.handlers:
        layout.routes = list(layout.handlers)
        naming.routes = naming.handlers
    elif not layout.routes:
        if routes_fallback == "entrypoint" and entrypoint:
            layout.routes = [entrypoint]
        elif routes_fallback != "none":
            layout.routes = list(layout.handlers)
            naming.routes = naming.handlers
    layout.migrations = sorted(migration_dirs)
    if increasing:  # the voted files in order: the first of them are the smallest
        sample = list(islice(compress(source, map(voted.__contains__, source)), NAMING_SAMPLE))
    else:
        sample = heapq.nsmallest(NAMING_SAMPLE, voted)
    sample = sample or [f for f in source if f not in test_set]
    naming.file_case = file_case(split_path(f)[2] for f in sample[:NAMING_SAMPLE])
    test_fact, test_dirs, test_naming = _tests([t[cut:] for t in tests], language, code_dirs)
    if code_root:
        test_fact, test_dirs, test_naming = _under(code_root, test_fact, test_dirs, test_naming)
    layout.tests = test_dirs
    naming.tests = test_naming
    if tests:
        if increasing:  # the first real test (not a package marker), else the first file
            evidence["tests"] = next(
                filterfalse(methodcaller("endswith", _TEST_MARKERS), tests), tests[0]
            )
        else:
            evidence["tests"] = min(tests, key=lambda f: (f.endswith(_TEST_MARKERS), f))
    for layer in (*LAYERS, "tests"):
        key = f"layout.{layer}"
        places = getattr(layout, layer)
        if not places:
            evidence.pop(key, None)
        elif not any(_pattern_regex(p).match(evidence.get(key, "")) for p in places):
            # the places changed after voting (fallbacks, framework route files): a file in them
            pool = source
            if layer == "tests":  # a real test rather than a package marker
                pool = sorted(tests, key=lambda f: f.endswith(_TEST_MARKERS))
            evidence[key] = next(
                (f for p in places for f in pool if _pattern_regex(p).match(f)), places[0]
            )
    return LayerResult(layout=layout, naming=naming, tests=test_fact, evidence=evidence)


_TEST_MARKERS = ("__init__.py", "conftest.py")


def _under(
    root: str, tests: Tests, dirs: list[str], naming: LayerNaming | None
) -> tuple[Tests, list[str], LayerNaming | None]:
    """The test facts of a service read relative to its root, made repo-relative."""
    if tests.dir:
        tests.dir = f"{root}/{tests.dir}"
    if naming is not None:
        naming.example = f"{root}/{naming.example}"
        if naming.dir:
            naming.dir = f"{root}/{naming.dir}"
            naming.template = f"{root}/{naming.template}"
    return tests, [f"{root}/{d}" for d in dirs], naming


def _tests(
    tests: list[str], language: str | None, code_dirs: set[str]
) -> tuple[Tests, list[str], LayerNaming | None]:
    """Where the tests are; `code_dirs` are the dirs holding non-test code."""
    if not tests:
        return Tests(), [], None
    roots: Counter[str] = Counter()
    colocated = 0
    separate_unit = 0
    for directory, paths in by_directory(tests).items():
        cut = len(directory) + 1 if directory else 0
        names = [p[cut:] for p in paths]
        names = [n for n in names if n not in ("conftest.py", "__init__.py")]
        if not names:
            continue
        segs = directory.split("/") if directory else []
        idx = next((i for i, s in enumerate(segs) if s.lower() in TEST_DIRS), None)
        if idx is not None and language == "go" and directory in code_dirs:
            idx = None  # a Go test next to its package's code is colocated, even in test/
        if idx is None:
            if language == "python" and not directory.strip("."):
                for name in names:
                    roots[f"{directory}/{name}" if directory else name] += 1
                separate_unit += len(names)
                continue
            for name in names:
                if name == "tests.py":
                    roots[f"{directory}/{name}" if directory else name] += 1
                    separate_unit += 1
                else:
                    colocated += 1
            continue
        root = "/".join(segs[: idx + 1])
        if root.endswith("src/test") and language in ("java", "kotlin"):
            nxt = segs[idx + 1] if len(segs) > idx + 1 else None
            if nxt in ("java", "kotlin"):
                root = f"{root}/{nxt}"
        roots[root] += len(names)
        if "e2e" not in directory.split("/"):
            separate_unit += sum(1 for name in names if "e2e" not in name)
    dirs = _test_roots(roots, tests)
    if not roots:
        layout = "colocated"
    elif colocated == 0:
        layout = "separate"
    elif separate_unit == 0:
        layout = "colocated"
    else:
        layout = "mixed"
    patterns = Counter(
        test_pattern(name, language)
        for name in (f.rpartition("/")[2] for f in sorted(tests)[: NAMING_SAMPLE * 4])
        if name not in ("conftest.py", "__init__.py")
    )
    pattern: str | None = patterns.most_common(1)[0][0] if patterns else None
    example = sorted(tests)[0]
    naming = None
    if pattern:
        test_dir = dirs[0] if dirs and layout == "separate" else None
        template = (
            f"{test_dir}/{pattern.replace('*', '{name}')}"
            if test_dir and "*" in pattern
            else pattern.replace("*", "{name}")
        )
        naming = LayerNaming(
            dir=test_dir or "",
            suffix=pattern.replace("*", ""),
            plural=False,
            example=example,
            template=template,
        )
    return (
        Tests(layout=layout, dir=dirs[0] if dirs else None, pattern=pattern),
        dirs,
        naming,
    )


def _test_roots(roots: Counter[str], tests: list[str]) -> list[str]:
    """Test directories, collapsed, the minor ones (< 10 % of the tests) left out."""
    if not roots:
        return []
    refined: Counter[str] = Counter()
    for root, count in roots.items():
        inside = [t for t in tests if t.startswith(root + "/")]
        while (
            inside
            and not root.endswith(("/java", "/kotlin"))
            and all(t.count("/") > root.count("/") + 1 for t in inside)
        ):
            children = {t[len(root) + 1 :].split("/", 1)[0] for t in inside}
            if len(children) != 1:
                break
            root = f"{root}/{children.pop()}"
        refined[root] += count
    collapsed = _collapse(refined)
    totals: Counter[str] = Counter()
    for place in collapsed:
        pattern = re.compile("^" + re.escape(place).replace(re.escape(NAME), "[^/]+") + "$")
        totals[place] = sum(c for r, c in refined.items() if pattern.match(r))
    top = max(totals.values())
    kept = [p for p, c in totals.items() if c * 10 >= top]
    return sorted(kept, key=lambda p: (-totals[p], p))
