"""The change spec: a request understood and resolved against the code map.

Every thing a request names becomes one `SpecItem` of one kind:

- `existing`: an existing endpoint or entity the change modifies (with file:line);
- `new_entity`: a genuinely new domain thing (a table, its model and, when asked, its endpoints);
- `new_fields`: new fields on an existing entity (migration + model + serializer + queries);
- `capability`: a capability added to existing endpoints (pagination, filtering, rate limit …);
- `relation`: a relation between existing entities (a join entity with nested endpoints);
- `cross_cutting`: middleware, caching, audit, multi-tenancy … across many endpoints;
- `flow`: a multi-step flow (password reset, email verification, OAuth login, 2FA …);
- `integration`: inbound webhook, outbound client, events published/consumed, worker/job;
- `not_found`: the request names something the repository does not have; `closest` lists the
  nearest existing endpoints or entities, and the plan does not invent it.

The spec is part of the plan JSON (`Plan.change_spec`), and an agent may hand one in to
`draft_plan` (MCP): the planner grounds it in the code map and checks it like its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from backend_planner.workspace.profile import Endpoint, Entity

ItemKind = Literal[
    "existing",
    "new_entity",
    "new_fields",
    "capability",
    "relation",
    "cross_cutting",
    "flow",
    "integration",
    "not_found",
]
ITEM_KINDS: tuple[str, ...] = ItemKind.__args__  # type: ignore[attr-defined]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EndpointRef(_Model):
    """An endpoint the code map has: where it is registered and where its handler lives."""

    method: str = Field(description="HTTP method in upper case, e.g. GET.")
    path: str = Field(description="Full served path with {name} parameters, e.g. /api/articles.")
    handler: str | None = Field(
        default=None, description="Handler symbol, e.g. ArticlesController.index."
    )
    file: str | None = Field(default=None, description="Repo-relative file registering the route.")
    line: int | None = Field(default=None, description="1-based line of the registration.")
    handler_file: str | None = None
    handler_line: int | None = None

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointRef:
        """The reference to an endpoint of the code map."""
        return cls(
            method=endpoint.method,
            path=endpoint.path,
            handler=endpoint.handler,
            file=endpoint.file,
            line=endpoint.line,
            handler_file=endpoint.handler_file,
            handler_line=endpoint.handler_line,
        )

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def where(self) -> str:
        """`handler_file:line` when known, else the registration's `file:line`."""
        if self.handler_file:
            return (
                f"{self.handler_file}:{self.handler_line}"
                if self.handler_line
                else self.handler_file
            )
        if self.file:
            return f"{self.file}:{self.line}" if self.line else self.file
        return ""


class EntityRef(_Model):
    """An entity (model/table) the code map has."""

    name: str = Field(description="Model or entity name, e.g. Article.")
    table: str | None = Field(default=None, description="Table or collection name, e.g. articles.")
    file: str | None = None
    line: int | None = None
    fields: list[str] = Field(default_factory=list, description="Known field names.")

    @classmethod
    def of(cls, entity: Entity) -> EntityRef:
        """The reference to an entity of the code map."""
        return cls(
            name=entity.name,
            table=entity.table,
            file=entity.file,
            line=entity.line,
            fields=[f.name for f in entity.fields],
        )

    @property
    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


class FieldSpec(_Model):
    """A field to add (to a new or an existing entity)."""

    name: str = Field(description="Field name in snake_case, e.g. reading_time.")
    type: str = Field(
        default="string",
        description="Portable type: string, text, integer, "
        "bigint, boolean, timestamp, date, decimal, json, uuid.",
    )
    nullable: bool = True
    unique: bool = False
    index: bool = False
    references: str | None = Field(
        default=None, description="Table this field references (must be a known or new entity)."
    )


class NewEntity(_Model):
    """An entity the change creates."""

    name: str = Field(description="Class name in PascalCase, e.g. Bookmark.")
    table: str = Field(description="Table name in the repo's style, e.g. bookmarks.")
    fields: list[FieldSpec] = Field(default_factory=list)
    unique: list[list[str]] = Field(
        default_factory=list, description="Unique constraints over field names."
    )


class NewEndpoint(_Model):
    """An endpoint the change adds, in the repo's prefix and parameter style."""

    method: str
    path: str
    purpose: str
    public: bool = Field(default=False, description="Reachable without authentication.")


class SpecItem(_Model):
    """One thing the request names, resolved against the code map."""

    kind: ItemKind
    name: str = Field(description="What the request calls it, e.g. 'cursor pagination'.")
    recipe: str | None = Field(
        default=None, description="Key of the feature recipe that plans this item."
    )
    endpoints: list[EndpointRef] = Field(
        default_factory=list, description="Existing endpoints this item modifies or extends."
    )
    entities: list[EntityRef] = Field(
        default_factory=list, description="Existing entities this item modifies or builds on."
    )
    new_entity: NewEntity | None = None
    new_fields: list[FieldSpec] = Field(default_factory=list)
    new_endpoints: list[NewEndpoint] = Field(default_factory=list)
    template: str | None = Field(
        default=None,
        description="An existing feature to copy (e.g. the favorites relation for bookmarks).",
    )
    external: str | None = Field(
        default=None, description="Catalog key of the external system integrated (stripe, s3 …)."
    )
    closest: list[str] = Field(
        default_factory=list,
        description="For not_found: the nearest existing endpoints or entities, as labels.",
    )
    note: str = ""


class ChangeSpec(_Model):
    """The request understood and resolved against the code map."""

    request: str
    intent: Literal["build", "integrate", "fix", "refactor"] = "build"
    items: list[SpecItem] = Field(default_factory=list)
    unchanged: list[str] = Field(
        default_factory=list, description="What must stay as it is (sibling endpoints, tests)."
    )
    source: Literal["planner", "agent"] = Field(
        default="planner", description="Who understood the request: our reader or an agent."
    )

    def of_kind(self, *kinds: str) -> list[SpecItem]:
        return [item for item in self.items if item.kind in kinds]

    @property
    def found(self) -> bool:
        """Everything the request names exists or is new: nothing was not found."""
        return not self.of_kind("not_found")
