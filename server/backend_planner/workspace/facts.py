"""The StackProfile as the analysis builds it: plain dataclasses, no pydantic.

Each class mirrors the pydantic model of the same name in `profile.py` field for field (same
names, order and defaults; tests/workspace/test_facts.py checks it). The analysis fills these;
`analyze()` turns them into the validated models with `to_profile`, and `backend-planner
analyze --json` prints `as_json` directly, the same JSON as `model_dump(mode="json")`. So a CLI
run never imports pydantic, whose import and model building cost about 150 ms of start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, is_dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend_planner.workspace import profile


@dataclass
class Language:
    name: str
    files: int


@dataclass
class Migrations:
    tool: str
    dir: str | None = None
    dirs: list[str] = field(default_factory=list)
    pattern: str | None = None
    next: list[str] = field(default_factory=list)
    sample_slug: str = "example"
    down_revision: str | None = None
    latest: list[str] = field(default_factory=list)


@dataclass
class Tests:
    framework: str | None = None
    layout: str | None = None
    dir: str | None = None
    pattern: str | None = None
    helpers: list[str] = field(default_factory=list)


@dataclass
class DataAccess:
    name: str
    kind: str


@dataclass
class Layout:
    handlers: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    repositories: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class LayerNaming:
    dir: str
    template: str
    suffix: str
    plural: bool = False
    example: str


@dataclass
class Naming:
    file_case: str | None = None
    handlers: LayerNaming | None = None
    routes: LayerNaming | None = None
    services: LayerNaming | None = None
    models: LayerNaming | None = None
    repositories: LayerNaming | None = None
    tests: LayerNaming | None = None


@dataclass
class Endpoint:
    method: str
    path: str
    handler: str | None
    file: str
    line: int
    handler_file: str | None = None
    handler_line: int | None = None
    dynamic: bool = False


@dataclass
class EntityField:
    name: str
    type: str | None = None
    nullable: bool | None = None
    unique: bool = False
    primary_key: bool = False
    references: str | None = None


@dataclass
class EntityIndex:
    columns: list[str]
    unique: bool = False
    name: str | None = None


@dataclass
class Entity:
    name: str
    table: str | None
    file: str
    line: int
    fields: list[EntityField] = field(default_factory=list)
    indexes: list[EntityIndex] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class Service:
    path: str
    kind: str = "backend"
    language: str | None = None
    frameworks: list[str] = field(default_factory=list)
    orm: list[str] = field(default_factory=list)
    data_access: list[DataAccess] = field(default_factory=list)
    migrations: Migrations | None = None
    tests: Tests = field(default_factory=Tests)
    layout: Layout = field(default_factory=Layout)
    naming: Naming = field(default_factory=Naming)
    manifests: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    endpoints: list[Endpoint] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


@dataclass
class StackProfile:
    root: str
    languages: list[Language] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    overrides: str | None = None


def as_json(facts: StackProfile) -> dict[str, Any]:
    """The profile as JSON data: what `to_profile(facts).model_dump(mode="json")` gives."""
    data: dict[str, Any] = _data(facts)
    return data


def as_data(value: Any) -> Any:
    """Any of these dataclasses (or lists of them) as JSON data."""
    return _data(value)


def to_profile(facts: StackProfile) -> profile.StackProfile:
    """The validated pydantic StackProfile of these facts."""
    from backend_planner.workspace.profile import StackProfile as Model

    return Model.model_validate(_data(facts))


def _data(value: Any) -> Any:
    """dataclasses.asdict for these classes (fresh dicts and lists, fields in order), without
    its deep copy of every string."""
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    if isinstance(value, dict):
        return {k: _data(v) for k, v in value.items()}
    if is_dataclass(value):
        return {name: _data(getattr(value, name)) for name in value.__dataclass_fields__}
    return value
