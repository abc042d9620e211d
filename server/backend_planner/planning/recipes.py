"""Feature recipes, kept as data: what a kind of change touches, adds, checks and keeps.

Each `recipes/*.toml` file holds `[<key>]` tables with the shape of `Recipe` (one checked schema:
an unknown or missing key, a wrong type, a key used twice or an unknown placeholder is a
ConfigError naming the file, the recipe and the key, at load time).

Texts may use placeholders filled from the resolved target (see `PLACEHOLDERS`); a text whose
placeholder has no value in a plan is left out rather than shown half-filled.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend_planner.errors import ConfigError
from backend_planner.planning.spec import ItemKind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# What a recipe is applied to, found in the code map from the request's words:
# - list_endpoint: the GET collection endpoint of the named entity (or the named list endpoint);
# - endpoint: the named endpoint(s) (by method+path, path words, handler name, or operation+entity);
# - write_endpoints: the create/update endpoints of the named entity;
# - entity: the named entity (its model, table, and every endpoint serving it);
# - auth: the user entity and the login endpoints;
# - signup: the user entity and the registration endpoint (POST on the users collection);
# - service: the service as a whole (no single target);
# - new: a new domain thing named by the request.
Target = Literal[
    "list_endpoint", "endpoint", "write_endpoints", "entity", "auth", "signup", "service", "new"
]
# Where a recipe's work lands, relative to its target (files to modify) or new (files to create).
Role = Literal[
    "registration",  # the file that registers the target's routes
    "handler",  # the target endpoints' handler files
    "service",  # the entity's service-layer files, when the repo has them
    "repository",  # the entity's data-access files (repository/DAO/query files)
    "model",  # the entity's model/schema file
    "serializer",  # the entity's serializer/DTO/schema files, when the repo has them
    "user_model",  # the user entity's model file
    "config",  # the service's configuration/settings file
    "entry",  # the application entry point (where middleware is installed)
    "auth",  # where requests are authenticated (auth middleware, guard, strategy, security config)
]
NewRole = Literal[
    "middleware",
    "service",
    "handler",
    "model",
    "worker",
    "client",
    "job",
    "template",
    "policy",
]
MigrationKind = Literal["none", "new_entity", "new_fields", "index"]

PLACEHOLDERS = frozenset(
    {
        "entity",  # target entity's class name: Article
        "entities",  # the target entities' names, joined
        "table",  # target entity's table: articles
        "singular",  # article
        "plural",  # articles
        "endpoint",  # target endpoint(s): GET /api/articles
        "collection",  # target collection path: /api/articles
        "item",  # target item path: /api/articles/{slug}
        "item_param",  # the item path's parameter: slug
        "prefix",  # API prefix: /api
        "auth",  # the auth endpoints' common path: /api/users
        "user_table",  # users
        "user_entity",  # User
        "handler",  # target handler symbol
        "handler_file",  # target handler file
        "model_file",  # target entity file
        "relation",  # the noun that triggered a relation recipe: bookmark
        "relations",  # bookmarks
        "Relation",  # Bookmark
        "template",  # the existing feature copied: favorites (favourite_articles)
        "field",  # the new field's name: reading_time
        "fields",  # new fields, joined
        "external",  # the external system's name: Stripe
        "update_method",  # PUT or PATCH, as the repo's routes use
        "new_table",  # the table of the entity the recipe creates: organizations
        "subject",  # what the request calls the thing the change is about: avatar (else "file")
    }
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
# Path parameters inside endpoint paths ({id}) are not text placeholders.
PATH_PARAMS = frozenset({"id", "token", "provider", "key", "job_id"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldTemplate(_Model):
    name: str
    type: str = "string"
    nullable: bool = True
    unique: bool = False
    index: bool = False
    references: str | None = Field(
        default=None, description="A table name or a placeholder ({table}, {user_table})."
    )


class EntityTemplate(_Model):
    name: str = Field(description="Class name, may use placeholders: '{Relation}'.")
    table: str = Field(description="Table name, may use placeholders: '{relations}'.")
    fields: list[FieldTemplate] = Field(default_factory=list)
    unique: list[list[str]] = Field(default_factory=list)


class EndpointTemplate(_Model):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "{update_method}"]
    path: str = Field(description="Path built from placeholders: '{item}/bookmark'.")
    purpose: str
    public: bool = False


class NewFile(_Model):
    role: NewRole
    name: str = Field(description="snake_case stem, may use placeholders: '{relation}'.")


class Recipe(_Model):
    key: str
    title: str
    kind: ItemKind
    triggers: list[str] = Field(
        min_length=1,
        description="Phrases (lower case) whose words, singular or plural, in order and "
        "adjacent, name this kind of change: 'cursor pagination', 'soft delete'.",
    )
    requires_any: list[str] = Field(
        default_factory=list,
        description="When set, one of these words must also appear in the request.",
    )
    excludes: list[str] = Field(
        default_factory=list, description="Words that, when present, mean it is not this kind."
    )
    priority: int = Field(default=0, description="Higher wins when recipes overlap.")
    replaces: list[str] = Field(
        default_factory=list, description="Recipes dropped when this one matches."
    )
    target: Target
    target_required: bool = Field(
        default=True,
        description="A target the code map lacks makes the item not_found (closest named).",
    )
    operations: list[Literal["list", "get", "create", "update", "delete"]] = Field(
        default_factory=list,
        description="For an entity target: its endpoints of these operations are modified "
        "(soft delete changes DELETE, caching the GETs).",
    )
    touches: list[Role] = Field(default_factory=list)
    creates: list[NewFile] = Field(default_factory=list)
    migration: MigrationKind = "none"
    fields: list[FieldTemplate] = Field(default_factory=list)
    entity: EntityTemplate | None = None
    entity_nouns: list[str] = Field(
        default_factory=list,
        description="The new entity is named as the request names it: the first of these "
        "nouns the request uses (else the first listed) — organization, workspace, team.",
    )
    endpoints: list[EndpointTemplate] = Field(default_factory=list)
    requirements: list[str] = Field(min_length=1)
    critical: list[str] = Field(min_length=1)
    expected: list[str] = Field(default_factory=list)
    tests: list[str] = Field(min_length=1, description="What the user expects, as test cases.")
    security: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    external: str | None = Field(
        default=None, description="Catalog key of the external system this recipe integrates."
    )

    @field_validator("security")
    @classmethod
    def _known_security(cls, value: list[str]) -> list[str]:
        known = {"auth", "input_validation", "secrets", "pii", "idempotency", "webhook_signature"}
        for tag in value:
            if tag not in known:
                raise ValueError(
                    f"unknown security tag {tag!r} (one of {', '.join(sorted(known))})"
                )
        return value

    def texts(self) -> list[str]:
        """Every text of the recipe that may hold placeholders."""
        out = [*self.requirements, *self.critical, *self.expected, *self.tests, *self.unchanged]
        out += [f.name for f in self.creates]
        out += [e.path for e in self.endpoints] + [e.purpose for e in self.endpoints]
        if self.entity is not None:
            out += [self.entity.name, self.entity.table]
            out += [f.references or "" for f in self.entity.fields]
        out += [f.references or "" for f in self.fields]
        return out


def placeholders(text: str) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(text) if name not in PATH_PARAMS]


def _recipe_files() -> list[Any]:
    folder = files("backend_planner.planning").joinpath("recipes")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)


@cache
def load_recipes() -> dict[str, Recipe]:
    """Every recipe by key, checked (see the module doc)."""
    out: dict[str, Recipe] = {}
    for resource in _recipe_files():
        place = f"planning/recipes/{resource.name}"
        for key, recipe in parse_recipes(resource.read_text(encoding="utf-8"), place).items():
            if key in out:
                raise ConfigError(f"{place}: [{key}]: recipe key used twice")
            out[key] = recipe
    check_references(out)
    return out


def parse_recipes(text: str, place: str) -> dict[str, Recipe]:
    """The recipes of one TOML document; errors name `place`, the recipe and the key."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{place}: {exc}") from exc
    out: dict[str, Recipe] = {}
    for key, entry in document.items():
        where = f"{place}: [{key}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: must be a table")
        try:
            recipe = Recipe(key=key, **entry)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = ".".join(str(p) for p in error["loc"])
            raise ConfigError(f"{where}.{loc}: {error['msg']}") from None
        for text_ in recipe.texts():
            for name in placeholders(text_):
                if name not in PLACEHOLDERS:
                    raise ConfigError(f"{where}: unknown placeholder {{{name}}} in {text_!r}")
        out[key] = recipe
    return out


def check_references(recipes: dict[str, Recipe]) -> None:
    """Every `replaces` names a recipe that exists."""
    for key, recipe in recipes.items():
        for other in recipe.replaces:
            if other not in recipes:
                raise ConfigError(f"planning/recipes: [{key}].replaces names unknown {other!r}")
