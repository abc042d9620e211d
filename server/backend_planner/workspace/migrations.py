"""Migration files: where they live, their naming scheme and the next file name(s) for a slug.

Deterministic: no clock. Timestamped schemes continue from the latest existing timestamp plus
one unit; with no existing file they use `now` when a face passes it, else a placeholder
(`YYYYMMDDHHMMSS`) the caller fills in.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import compress, repeat
from operator import attrgetter, methodcaller
from pathlib import Path
from typing import TYPE_CHECKING

from backend_planner.workspace.facts import Migrations
from backend_planner.workspace.manifests import read_text
from backend_planner.workspace.rules import Rules, Tech

if TYPE_CHECKING:
    from backend_planner.workspace import profile

# Only paths with one of these (or .sql files) can be migrations: the regexes see no other.
_CANDIDATE = re.compile(r"igrat|IGRAT|versions/|changelog|liquibase|db/|\.sql(?=\n|$)")
_CANDIDATE_WORDS = ("igrat", "IGRAT", "versions/", "changelog", "liquibase", "db/", ".sql\n")

SAMPLE_SLUG = "example"


@dataclass(frozen=True)
class Located:
    """Where one tool's migration files are: dirs by file count, and the files themselves."""

    dirs: tuple[str, ...]
    files: tuple[str, ...]


_DIR_GROUP = methodcaller("group", "dir")
_STRING = attrgetter("string")


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def literal_tail(pattern: str) -> str:
    """Text that every match of `pattern` ends with ("" when that isn't sure): the plain or
    escaped characters right before a final `$`, outside any group or class and not
    quantified, in a pattern with no top-level `|` nor flags that change what they match.
    (Anything not known to be such a character ends the tail: it can only come out short.)"""
    if _regex(pattern).flags & (re.IGNORECASE | re.VERBOSE) or not pattern.endswith("$"):
        return ""
    tail: list[str] = []  # the top-level characters since the last anything-else
    depth = 0  # of groups
    i = 0
    end = len(pattern) - 1  # the final `$`
    while i < end:
        char = pattern[i]
        literal: str | None = None
        if char == "\\":
            escaped = pattern[i + 1]
            literal = None if escaped.isalnum() else escaped  # \d, \w, \1 ...: no literal
            i += 2
        elif char == "[":  # a class, up to its "]" (which may come first: `[]a]`, `[^]a]`)
            i += 2 if pattern.startswith("[^", i) else 1
            i += 1 if pattern.startswith("]", i) else 0
            while i < end and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            if i >= end:  # not a class after all (`(?#[)`, a comment): unsure
                return ""
            i += 1
        else:
            if char == "|" and depth == 0:
                return ""
            depth += (char == "(") - (char == ")")
            literal = None if char in "()|.^$?*+{}" else char
            i += 1
        if literal is not None and depth == 0:
            tail.append(literal)
        else:
            tail = []  # a group, class, quantifier (of the characters before it) ...
    if i != end:  # the last `$` was escaped: no anchor
        return ""
    return "".join(tail)


def candidates(files: list[str], rel: int) -> list[str]:
    """Files (made relative by dropping `rel` chars) that may be migrations, in order.

    The paths holding one of `_CANDIDATE`'s words, found by plain substring search on the
    joined paths (several times faster than the regex's scan)."""
    text = "\n".join(files) + "\n"
    ends: dict[int, int] = {}  # start -> end of each candidate line
    for word in _CANDIDATE_WORDS:
        at = text.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = ends.get(start)
            if end is None:
                end = ends[start] = text.find("\n", at + len(word.rstrip("\n")))
            at = text.find(word, end)
    return [text[start + rel : ends[start]] for start in sorted(ends)]


def locate(tech: Tech, rel_files: list[str], joined: str | None = None) -> Located | None:
    """The migration dir(s) of `tech` among project-relative candidate files; `joined`: those
    files, each followed by a newline (it lets a tool skip its regex when no file ends the way
    every match would)."""
    if tech.path_regex is None:
        return None
    regex = _regex(tech.path_regex)
    tail = literal_tail(tech.path_regex)
    # A match ends with the tail, then the path's end or a newline (`$` matches before one).
    if tail and joined is not None and tail + "\n" not in joined:
        matches = []
    else:  # C loops, over the misses and the matches alike (a tool's may be thousands)
        matches = list(filter(None, map(regex.search, rel_files)))
    matched_dirs = list(map(str.rstrip, map(_DIR_GROUP, matches), repeat("/")))
    by_dir = Counter(matched_dirs)
    if (not by_dir or tech.multi_dir) and tech.marker_regex:
        marker = _regex(tech.marker_regex)
        for match in filter(None, map(marker.search, rel_files)):
            base = match.group("dir").rstrip("/")
            sub = tech.marker_subdir or ""
            by_dir[f"{base}/{sub}".strip("/")] += 0
    if not by_dir:
        return None
    ranked = sorted(by_dir, key=lambda d: (-by_dir[d], d))
    dirs = tuple(sorted(ranked)) if tech.multi_dir else (ranked[0],)
    paths = map(_STRING, matches)
    files = tuple(sorted(compress(paths, map(dirs.__contains__, matched_dirs))))
    return Located(dirs=dirs, files=files)


def locate_all(
    rules: Rules, rel_files: list[str], wanted: Callable[[Tech], bool] | None = None
) -> dict[str, Located]:
    """Where each migration tool's files are (the `wanted` tools only, when given)."""
    out: dict[str, Located] = {}
    joined = "\n".join(rel_files) + "\n"
    for tech in rules.by_category("migrations"):
        if wanted is not None and not wanted(tech):
            continue
        located = locate(tech, rel_files, joined)
        if located is not None:
            out[tech.name] = located
    return out


# ---------------------------------------------------------------------------- next file names


def slugify(slug: str, case: str = "snake") -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", slug) if w]
    words = [w.lower() for w in words] or ["migration"]
    if case == "kebab":
        return "-".join(words)
    if case == "pascal":
        return "".join(w.capitalize() for w in words)
    return "_".join(words)


def _names(files: tuple[str, ...]) -> list[str]:
    return [f.rpartition("/")[2] for f in files]


def _max_seq(names: list[str], regex: str) -> tuple[int, int]:
    """(largest sequence number, its digit width) among names matching regex group 1."""
    best, width = 0, 0
    for match in filter(None, map(_regex(regex).match, names)):
        value = int(match.group(1))
        if value >= best:
            best, width = value, len(match.group(1))
    return best, width


_TS_FORMATS = {14: "%Y%m%d%H%M%S", 17: "%Y_%m_%d_%H%M%S", 13: "ms"}


def _next_timestamp(stamps: list[str], fmt: str, now: datetime | None) -> str:
    """Latest existing stamp + 1 second (or `now`, or a placeholder when there is neither)."""
    if fmt == "ms":  # integer arithmetic: a float would drift by a millisecond
        numbers = [int(st) for st in stamps if st.isdigit()]
        if numbers:
            value = max(numbers) + 1
            if now is not None:
                value = max(value, int(now.timestamp() * 1000))
            return str(value)
        return str(int(now.timestamp() * 1000)) if now is not None else "TIMESTAMP_MS"
    placeholder = {
        "%Y%m%d%H%M%S": "YYYYMMDDHHMMSS",
        "%Y_%m_%d_%H%M%S": "YYYY_MM_DD_HHMMSS",
        "ms": "TIMESTAMP_MS",
        "%Y-%m-%d": "YYYY-MM-DD",
    }[fmt]
    parsed: list[datetime] = []
    for stamp in stamps:
        try:
            if fmt == "ms":
                parsed.append(datetime(1970, 1, 1) + timedelta(milliseconds=int(stamp)))
            else:
                parsed.append(datetime.strptime(stamp, fmt))
        except ValueError:
            continue
    if parsed:
        step = timedelta(days=1) if fmt == "%Y-%m-%d" else timedelta(seconds=1)
        chosen = max(parsed) + step
        if now is not None and now.replace(tzinfo=None) > chosen:
            chosen = now.replace(tzinfo=None)
    elif now is not None:
        chosen = now.replace(tzinfo=None)
    else:
        return placeholder
    if fmt == "ms":
        return str(int((chosen - datetime(1970, 1, 1)).total_seconds() * 1000))
    return chosen.strftime(fmt)


def _alembic_head(root: Path | None, directory: str, files: tuple[str, ...]) -> str | None:
    """The head revision: read `revision`/`down_revision` from the files when they say."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in files:
        text = read_text(root / path) if root is not None else None
        rev = re.search(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", text or "", re.M)
        if rev is None:
            continue
        down = re.search(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", text or "", re.M)
        downs = tuple(re.findall(r"""['"]([^'"]+)['"]""", down.group(1))) if down else ()
        revisions[rev.group(1)] = downs
    if not revisions:
        return None
    pointed = {d for downs in revisions.values() for d in downs}
    heads = sorted(r for r in revisions if r not in pointed)
    return heads[0] if len(heads) == 1 else None


def next_migration_files(
    migrations: profile.Migrations | profile.Service,
    slug: str,
    *,
    existing: tuple[str, ...] | None = None,
    now: datetime | None = None,
    app_dir: str | None = None,
) -> list[str]:
    """Repo-relative path(s) of the next migration for `slug`, in the tool's naming scheme.

    Takes a service's profile or its `migrations`. `existing` are repo-relative migration
    files; by default the profile's `latest` ones, enough to continue numbering. `app_dir`
    picks one of several dirs (Django apps). No migration service: [].
    """
    from backend_planner.workspace.profile import Service  # callers hold pydantic models

    if isinstance(migrations, Service):
        if migrations.migrations is None:
            return []
        migrations = migrations.migrations
    return _next_files(migrations, slug, existing=existing, now=now, app_dir=app_dir)


def _next_files(
    migrations: Migrations | profile.Migrations,
    slug: str,
    *,
    existing: tuple[str, ...] | None,
    now: datetime | None,
    app_dir: str | None,
) -> list[str]:
    """next_migration_files of a Migrations fact (the analysis's or the profile's)."""
    if existing is None:
        existing = tuple(migrations.latest)
    scheme = naming_scheme(migrations.tool)
    directory = app_dir or migrations.dir
    if directory is None or scheme == "none":
        return []
    base = directory + "/"
    in_dir = tuple(f for f in existing if f.startswith(base))
    names = _names(in_dir)
    snake = slugify(slug)
    if scheme == "golang-migrate":
        value, width = _max_seq(names, r"^(\d+)_.*\.(?:up|down)\.sql$")
        if width >= 14:
            stamp = _next_timestamp(
                [n[:14] for n in names if re.match(r"\d{14}_", n)],
                "%Y%m%d%H%M%S",
                now,
            )
            stem = f"{stamp}_{snake}"
        else:
            stem = f"{value + 1:0{width or 6}d}_{snake}"
        return [f"{base}{stem}.up.sql", f"{base}{stem}.down.sql"]
    if scheme == "goose":
        value, width = _max_seq(names, r"^(\d+)_.*\.(?:sql|go)$")
        if width >= 14:
            stamps = [n[:14] for n in names if re.match(r"\d{14}_", n)]
            return [f"{base}{_next_timestamp(stamps, '%Y%m%d%H%M%S', now)}_{snake}.sql"]
        return [f"{base}{value + 1:0{width or 5}d}_{snake}.sql"]
    if scheme == "postgrator":
        value, width = _max_seq(names, r"^(\d+)\.(?:do|undo)\.")
        number = f"{value + 1:0{width or 3}d}"
        return [f"{base}{number}.do.{snake}.sql", f"{base}{number}.undo.{snake}.sql"]
    if scheme == "django":
        value, width = _max_seq(names, r"^(\d{4})_.*\.py$")
        return [f"{base}{value + 1:04d}_{snake}.py"]
    if scheme == "flyway":
        value, _ = _max_seq(names, r"^V(\d+)")
        return [f"{base}V{value + 1}__{snake}.sql"]
    if scheme == "alembic":
        return [f"{base}{_alembic_name(names, snake, migrations.down_revision, now)}"]
    if scheme == "single-file":
        sql = sorted(n for n in names if n.endswith(".sql") and "seed" not in n)
        return [f"{base}{sql[0] if sql else 'migrate.sql'}"]
    if scheme == "typeorm":
        stamps = [m.group(1) for n in names if (m := re.match(r"^(\d{13})-", n))]
        stamp = _next_timestamp(stamps, "ms", now)
        kebab = any(re.match(r"^\d{13}-[a-z0-9]+-", n) for n in names)
        ext = ".js" if names and all(n.endswith(".js") for n in names) else ".ts"
        return [f"{base}{stamp}-{slugify(slug, 'kebab' if kebab else 'pascal')}{ext}"]
    if scheme == "laravel":
        stamps = [n[:17] for n in names if re.match(r"\d{4}_\d{2}_\d{2}_\d{6}_", n)]
        return [f"{base}{_next_timestamp(stamps, '%Y_%m_%d_%H%M%S', now)}_{snake}.php"]
    if scheme == "doctrine":
        stamps = [m.group(1) for n in names if (m := re.match(r"^Version(\d{14})", n))]
        return [f"{base}Version{_next_timestamp(stamps, '%Y%m%d%H%M%S', now)}.php"]
    if scheme == "prisma":
        stamps = [f.split("/")[-2][:14] for f in existing if re.search(r"/\d{14}_[^/]+/", f)]
        return [f"{base}{_next_timestamp(stamps, '%Y%m%d%H%M%S', now)}_{snake}/migration.sql"]
    if scheme == "diesel":
        stamps = [
            f.split("/")[-2][:17] for f in existing if re.search(r"/\d{4}-\d\d-\d\d-\d{6}_", f)
        ]
        stamp = _next_timestamp([s.replace("-", "") for s in stamps], "%Y%m%d%H%M%S", now)
        if len(stamp) == 14 and stamp.isdigit():
            stamp = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}-{stamp[8:]}"
        return [f"{base}{stamp}_{snake}/up.sql", f"{base}{stamp}_{snake}/down.sql"]
    stamps = [n[:14] for n in names if re.match(r"\d{14}", n)]
    stamp = _next_timestamp(stamps, "%Y%m%d%H%M%S", now)
    if scheme == "rails":
        return [f"{base}{stamp}_{snake}.rb"]
    if scheme == "sequelize":
        return [f"{base}{stamp}-{slugify(slug, 'kebab')}.js"]
    if scheme == "timestamp-js":
        ext = ".ts" if any(n.endswith(".ts") for n in names) else ".js"
        return [f"{base}{stamp}_{snake}{ext}"]
    if scheme == "liquibase":
        common = Counter(n.rpartition(".")[2] for n in names).most_common(1)
        ext = common[0][0] if common else "xml"
        numbered = [m for n in names if (m := re.match(r"^(\d{1,6})([-_])", n))]
        if numbered:  # 01-schema.xml: the sequence goes on, written the same way
            width = max(len(m.group(1)) for m in numbered)
            value = max(int(m.group(1)) for m in numbered)
            sep = numbered[0].group(2)
            name = slugify(slug, "kebab") if sep == "-" else snake
            return [f"{base}{value + 1:0{width}d}{sep}{name}.{ext}"]
        return [f"{base}{stamp}_{snake}.{ext}"]
    if any(n.endswith((".up.sql", ".down.sql")) for n in names):
        return [f"{base}{stamp}_{snake}.up.sql", f"{base}{stamp}_{snake}.down.sql"]
    return [f"{base}{stamp}_{snake}.sql"]


def _alembic_name(names: list[str], snake: str, down: str | None, now: datetime | None) -> str:
    """Alembic's default `<rev>_<slug>.py`, or the dated template the repo already uses."""
    import hashlib  # here, not at the top: it costs a CLI run 6 ms of start-up

    revision = hashlib.sha1(f"{down or ''}:{snake}".encode()).hexdigest()[:12]
    dated = [n[:10] for n in names if re.match(r"\d{4}-\d{2}-\d{2}_", n)]
    if dated:
        stamp = max(dated) if now is None else now.strftime("%Y-%m-%d")
        return f"{stamp}_{snake}_{revision}.py"
    return f"{revision}_{snake}.py"


_SCHEMES: dict[str, str] = {}


def naming_scheme(tool: str) -> str:
    """The naming scheme of a tool from the rules data ("timestamp-sql" when unknown)."""
    if not _SCHEMES:
        from backend_planner.workspace.rules import default_rules

        for tech in default_rules().by_category("migrations"):
            _SCHEMES[tech.name] = tech.naming or "timestamp-sql"
    return _SCHEMES.get(tool, "timestamp-sql")


def build_migrations(
    tech: Tech,
    located: Located | None,
    prefix: str,
    root: Path | None,
    now: datetime | None = None,
) -> tuple[Migrations, tuple[str, ...]]:
    """The Migrations fact (repo-relative) and the existing migration files it was read from."""
    dirs = [prefix + d if d else prefix.rstrip("/") or "." for d in located.dirs] if located else []
    files = tuple(prefix + f for f in located.files) if located else ()
    migrations = Migrations(
        tool=tech.name,
        dir=dirs[0] if dirs else None,
        dirs=dirs,
        pattern=tech.pattern,
    )
    if tech.naming == "alembic" and migrations.dir:
        migrations.down_revision = _alembic_head(root, migrations.dir, files)
    if tech.naming != "alembic":
        migrations.latest = _latest(files, dirs)
    elif migrations.down_revision:  # the head revision's file
        head = migrations.down_revision
        migrations.latest = [f for f in files if f.rpartition("/")[2].startswith(head + "_")]
    elif all(re.match(r"\d{4}-\d\d-\d\d_", f.rpartition("/")[2]) for f in files):
        migrations.latest = _latest(files, dirs)  # a dated file template orders itself
    # else: hexadecimal revisions whose head can't be read: no claim
    migrations.next = _next_files(migrations, SAMPLE_SLUG, existing=files, now=now, app_dir=None)
    return migrations, files


_LEADING_DIGITS = re.compile(r"\D{0,8}?(\d+)")


def _order(name: str) -> tuple[int, str]:
    """Sequence/timestamp order of a migration name (leading digits, then the name)."""
    digits = _LEADING_DIGITS.match(name)
    return (int(digits.group(1)) if digits else -1, name)


def _latest(files: tuple[str, ...], dirs: list[str]) -> list[str]:
    """The newest migration file of each dir (up and down files of it alike)."""
    out = []
    for directory in dirs:
        base = directory + "/"
        inside = [f for f in files if f.startswith(base)]
        if inside:
            # _order(name)[0] of each, without slicing out the names
            orders = [
                int(m.group(1)) if (m := _LEADING_DIGITS.match(f, len(base))) else -1
                for f in inside
            ]
            newest = max(orders)
            out += sorted(f for f, order in zip(inside, orders, strict=True) if order == newest)
    return sorted(out)
