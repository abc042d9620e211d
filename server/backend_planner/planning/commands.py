"""The commands a plan asks to run, from the repository when it has its own: Makefile targets,
package.json scripts (with the repo's package manager), the Gradle or Maven wrapper, and the code
generators whose output must be regenerated instead of edited (sqlc, buf, gqlgen, Prisma).

`RepoCommands` is read from disk by `planning/workspace.py` (`read_repo_commands`); the planner
stays pure and takes it as an input. What each purpose is called lives in
`catalog/commands.toml`.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from backend_planner.planning.placement import SOURCE_SUFFIXES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_TARGET = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_./-]*)\s*:(?!=)", re.MULTILINE)
MAX_BYTES = 200_000


@cache
def catalog() -> dict[str, dict[str, object]]:
    text = (
        resources.files("backend_planner.planning")
        .joinpath("catalog/commands.toml")
        .read_text(encoding="utf-8")
    )
    data: dict[str, dict[str, object]] = tomllib.loads(text)
    return data


@dataclass(frozen=True)
class RepoCommands:
    """What the repository itself offers to run (see the module doc)."""

    make_targets: frozenset[str] = frozenset()
    make_dir: str = "."
    scripts: frozenset[str] = frozenset()
    package_manager: str = "npm"
    wrapper: str | None = None  # ./gradlew or ./mvnw
    generators: tuple[str, ...] = ()
    auto_migration: str | None = None  # the file whose ORM call creates the schema

    def make(self, purpose: str) -> str | None:
        for name in _names("make", purpose):
            if name in self.make_targets:
                where = "" if self.make_dir in ("", ".") else f" -C {self.make_dir}"
                return f"make{where} {name}"
        return None

    def script(self, purpose: str) -> str | None:
        for name in _names("scripts", purpose):
            if name in self.scripts:
                if name == "test" and self.package_manager in ("npm", "yarn", "pnpm", "bun"):
                    return f"{self.package_manager} test"
                return f"{self.package_manager} run {name}"
        return None

    def command(self, purpose: str) -> str | None:
        """The repo's own command for a purpose (test, migrate, build, typecheck, lint)."""
        return self.make(purpose) or self.script(purpose)


def _names(table: str, purpose: str) -> list[str]:
    names = catalog()[table].get(purpose, [])
    return [str(n) for n in names] if isinstance(names, list) else []


MAX_SCANNED = 400


def find_auto_migration(
    root: Path, service_path: str, orms: list[str], files: tuple[str, ...]
) -> str | None:
    """The source file whose ORM call creates the schema at start-up (gorm AutoMigrate,
    Sequelize sync, SQLAlchemy create_all), read from at most MAX_SCANNED files."""
    calls = catalog()["auto_migration"]
    wanted = [str(calls[o]) for o in orms if o in calls]
    if not wanted:
        return None
    prefix = "" if service_path in ("", ".") else service_path.rstrip("/") + "/"
    sources = [
        f
        for f in sorted(files, key=lambda f: (f.count("/"), f))
        if f.startswith(prefix) and f.endswith(SOURCE_SUFFIXES) and "test" not in f.lower()
    ]
    for path in sources[:MAX_SCANNED]:
        text = _read(root / path)
        if any(call in text for call in wanted):
            return path
    return None


def read_repo_commands(
    root: Path, service_path: str, files: tuple[str, ...], orms: list[str] | None = None
) -> RepoCommands:
    """Read the Makefile (the service's, else the repository's), package.json scripts, lock
    files, build wrappers and generator configs of one service. Unreadable files are skipped."""
    prefix = "" if service_path in ("", ".") else service_path.rstrip("/") + "/"
    names = set(files)
    targets: frozenset[str] = frozenset()
    make_dir = "."
    for candidate in (f"{prefix}Makefile", "Makefile"):
        if candidate in names:
            text = _read(root / candidate)
            targets = frozenset(_TARGET.findall(text))
            make_dir = candidate.rsplit("/", 1)[0] if "/" in candidate else "."
            break
    scripts: frozenset[str] = frozenset()
    if f"{prefix}package.json" in names:
        try:
            data = json.loads(_read(root / f"{prefix}package.json") or "{}")
        except ValueError:
            data = {}
        found = data.get("scripts") if isinstance(data, dict) else None
        if isinstance(found, dict):
            scripts = frozenset(str(k) for k in found)
    manager = "npm"
    lockfiles = catalog()["lockfiles"]
    for lockfile, tool in lockfiles.items():
        if f"{prefix}{lockfile}" in names or lockfile in names:
            manager = str(tool)
            break
    wrapper = None
    for candidate, command in (("gradlew", "./gradlew"), ("mvnw", "./mvnw")):
        if f"{prefix}{candidate}" in names or candidate in names:
            wrapper = command
            break
    generators: list[str] = []
    for path in sorted(names):
        if not path.startswith(prefix):
            continue
        generator = catalog()["generators"].get(path.rsplit("/", 1)[-1])
        if isinstance(generator, str) and generator not in generators:
            generators.append(generator)
    auto = find_auto_migration(root, service_path, orms or [], files) if orms else None
    return RepoCommands(targets, make_dir, scripts, manager, wrapper, tuple(generators), auto)


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
