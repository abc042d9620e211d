"""The StackProfile: what a workspace uses and where things live (pydantic models).

`StackProfile.model_dump(mode="json")` is the `backend-planner analyze --json` shape. Paths are
repo-relative POSIX paths; a `<name>` segment stands for "each such sub-directory" (one folder
per feature), e.g. `src/modules/<name>`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ServiceKind = Literal["backend", "frontend"]
DataAccessKind = Literal["orm", "query-builder", "driver", "codegen"]
TestLayout = Literal["colocated", "separate", "mixed"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Language(_Model):
    """A programming language of application code and how many files are written in it."""

    name: str
    files: int


class Migrations(_Model):
    """The migration tool, where its files live and the names the next migration gets.

    `next` is for the slug `sample_slug`; `latest` holds the newest existing migration file of
    each dir, which is all `next_migration_files` needs to continue a sequence or timestamp;
    `down_revision` is the Alembic head a new revision must point to.
    """

    tool: str
    dir: str | None = None
    dirs: list[str] = Field(default_factory=list)
    pattern: str | None = None
    next: list[str] = Field(default_factory=list)
    sample_slug: str = "example"
    down_revision: str | None = None
    latest: list[str] = Field(default_factory=list)


class Tests(_Model):
    """How the tests run: `framework` is the runner, `helpers` the test libraries besides it
    (testify, chai, factory_bot)."""

    framework: str | None = None
    layout: TestLayout | None = None
    dir: str | None = None
    pattern: str | None = None
    helpers: list[str] = Field(default_factory=list)


class DataAccess(_Model):
    """One technology of the data layer: an ORM, a query builder, a driver or a code generator."""

    name: str
    kind: DataAccessKind


class Layout(_Model):
    """Per layer, the repo-relative directories (or files) where that code lives today."""

    handlers: list[str] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    repositories: list[str] = Field(default_factory=list)
    migrations: list[str] = Field(default_factory=list)
    tests: list[str] = Field(default_factory=list)


class LayerNaming(_Model):
    """How files of one layer are named.

    `template` is the path of a new file with `{name}` standing for the feature name, written
    in the service's `file_case`, singular or plural as `plural` says (e.g.
    `internal/handlers/{name}_handler.go`, or `hc/{name}/views.py` for one file per app);
    `suffix` is what follows the feature name; `example` is a real file it was learnt from.
    """

    dir: str
    template: str
    suffix: str
    plural: bool = False
    example: str


class Naming(_Model):
    file_case: str | None = None
    handlers: LayerNaming | None = None
    routes: LayerNaming | None = None
    services: LayerNaming | None = None
    models: LayerNaming | None = None
    repositories: LayerNaming | None = None
    tests: LayerNaming | None = None


class Endpoint(_Model):
    """One HTTP endpoint as served: `path` is the full path (every group, mount, prefix and
    context path applied; parameters written `{name}`; no trailing slash). `file:line` is where
    it is registered, `handler_file:handler_line` where the function serving it is defined (when
    it can be followed statically). `dynamic`: part of the path is built at run time and reads
    `{dynamic}`."""

    method: str
    path: str
    handler: str | None
    file: str
    line: int
    handler_file: str | None = None
    handler_line: int | None = None
    dynamic: bool = False


class EntityField(_Model):
    """A column or persisted attribute; `references` is `table` or `table.column`."""

    name: str
    type: str | None = None
    nullable: bool | None = None
    unique: bool = False
    primary_key: bool = False
    references: str | None = None


class EntityIndex(_Model):
    columns: list[str]
    unique: bool = False
    name: str | None = None


class Entity(_Model):
    """A persistent entity: an ORM model and/or a table from schema files and migrations,
    merged per table. `file:line` is its main declaration; `sources` every other one."""

    name: str
    table: str | None
    file: str
    line: int
    fields: list[EntityField] = Field(default_factory=list)
    indexes: list[EntityIndex] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)


class Service(_Model):
    path: str
    kind: ServiceKind = "backend"
    language: str | None = None
    frameworks: list[str] = Field(default_factory=list)
    orm: list[str] = Field(default_factory=list)
    data_access: list[DataAccess] = Field(default_factory=list)
    migrations: Migrations | None = None
    tests: Tests = Field(default_factory=Tests)
    layout: Layout = Field(default_factory=Layout)
    naming: Naming = Field(default_factory=Naming)
    manifests: list[str] = Field(default_factory=list)
    evidence: dict[str, str] = Field(default_factory=dict)
    endpoints: list[Endpoint] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    unreadable: list[str] = Field(default_factory=list)


class StackProfile(_Model):
    root: str
    languages: list[Language] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    overrides: str | None = None

    def backends(self) -> list[Service]:
        return [s for s in self.services if s.kind == "backend"]
