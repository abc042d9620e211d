"""Technology rules as data: every `rules/*.toml` file, loaded and validated once.

A bad rules file raises `RulesError` naming the file and the entry, so a typo in a rule can't
silently turn a detection off.

Validation uses pydantic, whose import alone costs a CLI run ~100 ms; so the bundled rules,
once validated, are kept in a cache file (the user cache dir) together with the exact text of
the rules files they came from. A later process whose rules files read the same takes the
techs from there without pydantic; any difference, or a cache it can't read or doesn't
understand, means a fresh validation (and a new cache file).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from backend_planner import __version__
from backend_planner.errors import Problem, RulesError
from backend_planner.paths import cache_dir

if TYPE_CHECKING:
    from pydantic import BaseModel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parent / "rules"

Category = Literal["framework", "frontend", "orm", "data", "migrations", "tests"]
Ecosystem = Literal["go", "pypi", "npm", "maven", "rubygems", "composer", "cargo"]
CATEGORIES: tuple[Category, ...] = ("framework", "frontend", "orm", "data", "migrations", "tests")
# What a data-access technology is (`orm` for the orm category unless it says otherwise); a
# `helper` of the tests category is a library tests use (testify, chai), not their runner.
Kind = Literal["orm", "query-builder", "driver", "codegen", "helper"]
DATA_KINDS: tuple[Kind, ...] = ("orm", "query-builder", "driver", "codegen")


@dataclass(frozen=True)
class Tech:
    """One technology: how to recognise it in manifests and file paths (validated by
    `_schema()`, which lists the same fields with their constraints)."""

    name: str
    category: Category
    language: tuple[str, ...] = ()
    deps: dict[Ecosystem, tuple[str, ...]] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    scripts: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    fallback: bool = False
    addon: bool = False
    kind: Kind | None = None
    imports: tuple[str, ...] = ()  # what code imports (default: the dependency names)
    routes_files: tuple[str, ...] = ()
    # frameworks only: where routes are registered (see rules/frameworks.toml)
    routes: Literal["files", "handlers", "entrypoint"] = "files"
    # orm only: files that hold the models (prisma/schema.prisma) when the ORM has one
    models_files: tuple[str, ...] = ()
    # migrations only
    path_regex: str | None = None
    path_detects: bool = False
    marker_regex: str | None = None
    marker_subdir: str | None = None
    multi_dir: bool = False
    naming: str | None = None
    pattern: str | None = None


@cache
def _schema() -> type[BaseModel]:
    """The pydantic model a rules entry is validated with: Tech's fields, constraints added."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

    class TechSchema(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        name: str = Field(pattern=r"^[a-z0-9][a-z0-9.+-]*$")
        category: Category
        language: tuple[str, ...] = ()
        deps: dict[Ecosystem, tuple[str, ...]] = Field(default_factory=dict)
        files: tuple[str, ...] = ()
        scripts: tuple[str, ...] = ()
        supersedes: tuple[str, ...] = ()
        requires: tuple[str, ...] = ()
        fallback: bool = False
        addon: bool = False
        kind: Kind | None = None
        imports: tuple[str, ...] = ()
        routes_files: tuple[str, ...] = ()
        routes: Literal["files", "handlers", "entrypoint"] = "files"
        models_files: tuple[str, ...] = ()
        path_regex: str | None = None
        path_detects: bool = False
        marker_regex: str | None = None
        marker_subdir: str | None = None
        multi_dir: bool = False
        naming: str | None = None
        pattern: str | None = None

        @field_validator("language", mode="before")
        @classmethod
        def _one_or_many(cls, value: object) -> object:
            return (value,) if isinstance(value, str) else value

        @field_validator("path_regex", "marker_regex")
        @classmethod
        def _compiles(cls, value: str | None) -> str | None:
            if value is not None:
                try:
                    compiled = re.compile(value)
                except re.error as exc:
                    raise ValueError(f"bad regex: {exc}") from exc
                if "dir" not in compiled.groupindex:
                    raise ValueError("regex needs a (?P<dir>...) group")
            return value

        @model_validator(mode="after")
        def _kind_fits(self) -> TechSchema:
            if self.category == "data" and self.kind not in DATA_KINDS:
                raise ValueError(f"a data entry needs a kind: one of {', '.join(DATA_KINDS)}")
            if self.kind == "helper" and self.category != "tests":
                raise ValueError("only a tests entry can be a helper")
            if self.kind is not None and self.category not in ("orm", "data", "tests"):
                raise ValueError("only orm, data and tests entries have a kind")
            return self

    return TechSchema


@dataclass(frozen=True)
class Rules:
    techs: tuple[Tech, ...]

    def by_category(self, category: Category) -> tuple[Tech, ...]:
        return tuple(t for t in self.techs if t.category == category)

    def get(self, name: str) -> Tech | None:
        return next((t for t in self.techs if t.name == name), None)

    def data_kind(self, name: str) -> Kind | None:
        """The data-access kind of an orm or data technology (None for any other)."""
        tech = self.get(name)
        if tech is None or tech.category not in ("orm", "data"):
            return None
        return tech.kind or "orm"


def load_rules_file(path: Path) -> list[Tech]:
    """Parse and validate one rules file; every error names the file and the entry."""
    return _parse(path, _read(path))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: can't read rules file: {exc}") from exc


def _parse(path: Path, text: str) -> list[Tech]:
    from pydantic import ValidationError

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    entries = data.pop("tech", None)
    if data:
        raise RulesError(f"{path}: unknown top-level keys {sorted(data)} (only [[tech]] entries)")
    if not isinstance(entries, list):
        raise RulesError(f"{path}: expected [[tech]] entries")
    schema = _schema()
    techs: list[Tech] = []
    for index, entry in enumerate(entries):
        name = entry.get("name", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            valid = schema.model_validate(entry)
        except ValidationError as exc:
            problems = [
                Problem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
            ]
            raise RulesError(f"{path}: entry {name!r} is invalid", problems) from exc
        techs.append(Tech(**{f.name: getattr(valid, f.name) for f in _FIELDS}))
    return techs


_FIELDS = fields(Tech)


def load_rules(directory: Path = RULES_DIR) -> Rules:
    """All rules files of `directory`, checked for duplicate names and dangling references."""
    return _load({path: _read(path) for path in _rule_files(directory)})


def _rule_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.toml"))


def _load(sources: dict[Path, str]) -> Rules:
    techs: list[Tech] = []
    origin: dict[str, Path] = {}
    for path, text in sources.items():
        for tech in _parse(path, text):
            if tech.name in origin and origin[tech.name] != path:
                raise RulesError(f"{path}: entry {tech.name!r} duplicates {origin[tech.name]}")
            if tech.name in origin:
                raise RulesError(f"{path}: entry {tech.name!r} is defined twice")
            origin[tech.name] = path
            techs.append(tech)
    for tech in techs:
        for ref in (*tech.supersedes, *tech.requires):
            if ref not in origin:
                raise RulesError(f"{origin[tech.name]}: entry {tech.name!r} names unknown {ref!r}")
    return Rules(techs=tuple(techs))


@cache
def default_rules() -> Rules:
    """The bundled rules, loaded once per process (from the cache when it is current)."""
    sources = {path: _read(path) for path in _rule_files(RULES_DIR)}
    texts = {path.name: text for path, text in sources.items()}
    cache_file = _cache_file()
    try:
        key = _cache_key(texts)
    except (OSError, UnicodeDecodeError) as exc:
        log.debug("no rules cache: %s", exc)
        cache_file = None
    rules = _read_cache(cache_file, key) if cache_file is not None else None
    if rules is None:
        rules = _load(sources)
        if cache_file is not None:
            _write_cache(cache_file, key, rules)
    return rules


# --------------------------------------------------------------------- the validated-rules cache

# Bump when the meaning of a cached entry changes (a new validator, a field's new default).
_CACHE_FORMAT = 2


def _cache_file() -> Path | None:
    """Where the bundled rules' cache lives (None: `BACKEND_PLANNER_CACHE_DIR=off`, no cache):
    $BACKEND_PLANNER_CACHE_DIR, else `cache/` in
    $BACKEND_PLANNER_DATA_DIR when that is set (tests isolate their files so), else the user
    cache dir. One file per installation (its rules dir), so two installs don't collide."""
    try:
        base = cache_dir()
    except (OSError, RuntimeError) as exc:  # no home directory
        log.debug("no cache dir for the rules: %s", exc)
        return None
    if base is None:
        return None
    import zlib

    tag = zlib.crc32(str(RULES_DIR).encode("utf-8", "surrogateescape"))
    return base / f"rules-{tag:08x}.json"


def _cache_key(texts: dict[str, str]) -> dict[str, Any]:
    """What the cached techs depend on: the rules files and the code that validated them
    (this module's own text, so an edited validator can't be fooled by an old cache)."""
    return {
        "format": _CACHE_FORMAT,
        "version": __version__,
        "code": Path(__file__).read_text(encoding="utf-8"),
        "sources": texts,
    }


def _read_cache(path: Path, key: dict[str, Any]) -> Rules | None:
    """The cached rules when they were validated under exactly this key, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return Rules(techs=tuple(_tech_of(entry) for entry in data["techs"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.debug("ignoring the rules cache %s: %s", path, exc)  # corrupt: validate afresh
        return None


def _tech_of(entry: dict[str, Any]) -> Tech:
    """A Tech from its cached JSON form (tuples were written as lists)."""
    values = {f.name: entry[f.name] for f in _FIELDS}
    for name, value in values.items():
        if isinstance(value, list):
            values[name] = tuple(value)
        elif isinstance(value, dict):
            values[name] = {k: tuple(v) for k, v in value.items()}
    return Tech(**values)


def _write_cache(path: Path, key: dict[str, Any], rules: Rules) -> None:
    """Best effort: a cache that can't be written only costs the next process a validation."""
    import dataclasses
    import tempfile

    data = {"key": key, "techs": [dataclasses.asdict(t) for t in rules.techs]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.replace(temp, path)  # atomic: a reader sees the old file or the new one
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        log.debug("can't write the rules cache %s: %s", path, exc)
