"""Technology rules as data: every `rules/*.toml` file, loaded and validated once.

A bad rules file raises `RulesError` naming the file and the entry, so a typo in a rule can't
silently turn a detection off.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend_planner.errors import Problem, RulesError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

RULES_DIR = Path(__file__).resolve().parent / "rules"

Category = Literal["framework", "frontend", "orm", "migrations", "tests"]
Ecosystem = Literal["go", "pypi", "npm", "maven", "rubygems", "composer", "cargo"]
CATEGORIES: tuple[Category, ...] = ("framework", "frontend", "orm", "migrations", "tests")


class Tech(BaseModel):
    """One technology: how to recognise it in manifests and file paths."""

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


class Rules(BaseModel):
    model_config = ConfigDict(frozen=True)

    techs: tuple[Tech, ...]

    def by_category(self, category: Category) -> tuple[Tech, ...]:
        return tuple(t for t in self.techs if t.category == category)

    def get(self, name: str) -> Tech | None:
        return next((t for t in self.techs if t.name == name), None)


def load_rules_file(path: Path) -> list[Tech]:
    """Parse and validate one rules file; every error names the file and the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: can't read rules file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: invalid TOML: {exc}") from exc
    entries = data.pop("tech", None)
    if data:
        raise RulesError(f"{path}: unknown top-level keys {sorted(data)} (only [[tech]] entries)")
    if not isinstance(entries, list):
        raise RulesError(f"{path}: expected [[tech]] entries")
    techs: list[Tech] = []
    for index, entry in enumerate(entries):
        name = entry.get("name", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            techs.append(Tech.model_validate(entry))
        except ValidationError as exc:
            problems = [
                Problem(".".join(str(p) for p in err["loc"]), err["msg"]) for err in exc.errors()
            ]
            raise RulesError(f"{path}: entry {name!r} is invalid", problems) from exc
    return techs


def load_rules(directory: Path = RULES_DIR) -> Rules:
    """All rules files of `directory`, checked for duplicate names and dangling references."""
    techs: list[Tech] = []
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        for tech in load_rules_file(path):
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
    """The bundled rules, loaded once per process."""
    return load_rules()
