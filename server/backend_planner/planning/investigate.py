"""Fix, debug, performance and refactor requests resolved through the code map.

A request that reports a problem ("Debug the intermittent 500 on article creation", "The articles
list endpoint is slow", "Fix login returning 500") is read against one service's code map:

    investigate(request: str, service: Service, files: tuple[str, ...]) -> Investigation

`files` are the workspace's repo-relative files (`workspace.scan.scan(root)`); nothing else is
read from disk. The result is pure, deterministic and fast (a few milliseconds).

`Investigation` (a frozen pydantic model):

- `endpoints: list[EndpointRef]` — the endpoints the request names: written out
  ("POST /api/articles"), entity + operation words ("500 on create article", "the articles list"),
  auth phrases ("login fails" → the login endpoint), path words ("feed");
- `entities: list[EntityRef]` — the entities named, then those the endpoints serve;
- `locations: list[str]` — what to read, in order, as "path:line — what" ("path — what" when the
  map has no line): each endpoint's registration and handler, then per entity its service,
  repository, query, serializer … files (found in `files` by name and layer, see
  `entity_files`), its model with unique constraints and indexes, and the migrations that
  created its table;
- `files: list[str]` — the same paths without lines, deduplicated (for `files_to_investigate`);
- `facts: list[str]` — one line per entity: "Article (articles) at app/Models/Article.php:51 —
  unique: slug; indexes: none on author_id, created_at";
- `symptom: str | None` — the main symptom kind (a key of `catalog/symptoms.toml`: slow,
  n_plus_one, server_error, intermittent, duplicates, wrong_results, memory_leak,
  auth_failure, deadlock); `symptoms` every kind the request names, main first;
- `operation` — the entity operation concerned (list, get, create, update, delete) when known;
- `causes`, `checks`, `regression_test` — candidate causes, what to verify and the regression
  test to write, from the catalog, filled with the target's facts (a cause the code map rules out,
  such as a missing index when every filter column is indexed, is left out);
- `refactor: RefactorFacts | None` — for refactor requests: the layer asked for, the layers the
  service already has (with files), whether the target layer exists already for the entity, and
  the handler files that reach the database themselves (approximately: the handler files of the
  entity's endpoints that are no repository files);
- `not_found`, `closest` — what the request names that the code map lacks ("orders list
  endpoint"), and the nearest existing endpoints as labels ("GET /api/articles");
- `found` (property) — the target was found and nothing the request names is missing.

Two helpers are public for the planner: `entity_files(service, entity, files, roles, operation,
limit) -> list[LayerFile]` (an entity's files of the given layer roles, best first) and
`describe_entity(service, entity) -> str` (the `facts` line of one entity).

Knowledge (symptoms, causes, ORM idioms, layer words) lives in `catalog/symptoms.toml`, checked at
load time (`load_catalog`): an unknown key, cause, placeholder or condition, or a trigger used by
two symptoms, is a ConfigError naming the place.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend_planner.errors import ConfigError
from backend_planner.planning.resolve import (
    CodeIndex,
    Mention,
    collection_segment,
    contains,
    entity_words,
    find_entities,
    is_param,
    lemma,
    lemmas,
    literal_lemmas,
    segments,
    table_words,
    vocabulary,
    words,
)
from backend_planner.planning.spec import EndpointRef, EntityRef
from backend_planner.workspace.codemap.inflection import pluralize
from backend_planner.workspace.profile import Endpoint, Entity, EntityField, Service

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Operation = Literal["list", "get", "create", "update", "delete"]
OPERATIONS: tuple[Operation, ...] = ("list", "get", "create", "update", "delete")
METHODS: dict[Operation, tuple[str, ...]] = {
    "list": ("GET",),
    "get": ("GET",),
    "create": ("POST",),
    "update": ("PUT", "PATCH"),
    "delete": ("DELETE",),
}
ITEM_OPERATIONS: dict[str, Operation] = {
    "GET": "get",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
FAMILY: dict[Operation, str] = {
    "list": "read",
    "get": "read",
    "create": "create",
    "update": "update",
    "delete": "delete",
}
COLLECTION_OPERATIONS: dict[str, Operation] = {
    "GET": "list",
    "POST": "create",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
# When a cause applies: an operation, its family (read/write), `crud` (the target is an entity's
# CRUD endpoint, not an action such as login), `auth` (a login/registration path), or what the
# code map says of the entity (`unique`: it has unique columns or is unknown; `no_unique`).
Condition = Literal[
    "list",
    "get",
    "create",
    "update",
    "delete",
    "read",
    "write",
    "crud",
    "auth",
    "unique",
    "no_unique",
]
LayerRole = Literal[
    "repository", "query", "service", "serializer", "validation", "auth", "handler", "model"
]
ROLE_ORDER: tuple[LayerRole, ...] = (
    "repository",
    "query",
    "service",
    "serializer",
    "validation",
    "auth",
    "handler",
    "model",
)
ROLE_LABELS: dict[str, str] = {
    "repository": "repository",
    "query": "queries",
    "service": "service",
    "serializer": "serializer",
    "validation": "input validation",
    "auth": "auth",
    "handler": "handler code",
    "model": "model",
}
PLACEHOLDERS = frozenset(
    {
        "entity",
        "table",
        "endpoint",
        "handler",
        "columns",
        "foreign_keys",
        "unique",
        "relations",
        "eager",
        "transaction",
        "upsert",
        "lock",
        "count_queries",
    }
)
# Facts of the entity: a text needing one the code map shows to be empty is left out.
REQUIRED = frozenset({"columns", "foreign_keys", "unique", "relations"})
ORM_KEYS = ("eager", "transaction", "upsert", "lock", "count_queries")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
_EXPLICIT = re.compile(
    r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[\w{}:<>/.\-]*)|(?<![\w/])(/[a-z][\w{}:<>/.\-]*)",
    re.IGNORECASE,
)
_SOURCE_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "our", "my", "its", "their"})


# ----------------------------------------------------------------------------- catalog schema


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CauseEntry(_Frozen):
    text: str
    when: list[Condition] = Field(default_factory=list)


class SymptomEntry(_Frozen):
    title: str
    priority: int
    operation: Operation | None = None
    triggers: list[str] = Field(min_length=1)
    weak_triggers: list[str] = Field(default_factory=list)
    causes: list[str] = Field(min_length=1)
    checks: list[str] = Field(min_length=1)
    regression_test: str
    roles: list[LayerRole] = Field(min_length=1)


class OrmEntry(_Frozen):
    eager: str | None = None
    transaction: str | None = None
    upsert: str | None = None
    lock: str | None = None
    count_queries: str | None = None


class AliasEntry(_Frozen):
    phrases: list[str] = Field(min_length=1)
    segments: list[str] = Field(min_length=1)
    methods: list[str] = Field(default_factory=list)
    user_operation: Operation | None = None


class AuthFiles(_Frozen):
    words: list[str] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)


class Defaults(_Frozen):
    roles: list[LayerRole] = Field(min_length=1)
    max_causes: int = Field(ge=1)


class FileRules(_Frozen):
    noise: list[str]
    wiring: list[str]
    skip_dirs: list[str]
    tests: list[str]
    generic_stems: list[str]
    migrations: list[str]
    per_entity: int = Field(ge=1)
    per_other_entity: int = Field(ge=1)
    max_entities: int = Field(ge=1)
    max_endpoints: int = Field(ge=1)
    global_files: int = Field(ge=0)


class EntityNames(_Frozen):
    strip: list[str]
    table_prefixes: list[str]


class FieldRules(_Frozen):
    sort: list[str]
    sort_suffixes: list[str]
    filters: list[str]
    many_types: list[str]
    implicit_fk_index: list[str]


class RequestWords(_Frozen):
    stop: list[str]
    anchors: list[str]


class RefactorRules(_Frozen):
    triggers: list[str] = Field(min_length=1)
    layers: dict[LayerRole, list[str]]


class Catalog(_Frozen):
    """`catalog/symptoms.toml`, checked."""

    causes: dict[str, CauseEntry]
    symptoms: dict[str, SymptomEntry]
    fallback: dict[str, str]
    orm: dict[str, OrmEntry]
    roles: dict[LayerRole, list[str]]
    auth_files: AuthFiles
    defaults: Defaults
    files: FileRules
    languages: dict[str, list[str]]
    file_operations: dict[Operation, list[str]]
    entity_names: EntityNames
    fields: FieldRules
    operation_words: dict[Operation, list[str]]
    operation_labels: dict[Operation, str]
    aliases: dict[str, AliasEntry]
    request: RequestWords
    refactor: RefactorRules

    def texts(self) -> Iterable[tuple[str, str]]:
        """(place, text) of every text that may hold placeholders."""
        for key, cause in self.causes.items():
            yield f"[causes.{key}]", cause.text
        for key, symptom in self.symptoms.items():
            for text in [*symptom.checks, symptom.regression_test]:
                yield f"[symptoms.{key}]", text


@cache
def load_catalog() -> Catalog:
    """The symptom catalog, checked (see the module doc)."""
    text = (
        resources.files("backend_planner.planning")
        .joinpath("catalog/symptoms.toml")
        .read_text(encoding="utf-8")
    )
    return parse_catalog(text, "planning/catalog/symptoms.toml")


def parse_catalog(text: str, place: str) -> Catalog:
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{place}: {exc}") from exc
    try:
        catalog = Catalog(**document)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = ".".join(str(p) for p in error["loc"])
        raise ConfigError(f"{place}: {loc}: {error['msg']}") from None
    _check_catalog(catalog, place)
    return catalog


def _check_catalog(catalog: Catalog, place: str) -> None:
    for name in PLACEHOLDERS - set(catalog.fallback):
        raise ConfigError(f"{place}: [fallback] lacks placeholder {name!r}")
    for name in set(catalog.fallback) - PLACEHOLDERS:
        raise ConfigError(f"{place}: [fallback] has unknown placeholder {name!r}")
    for where, text in catalog.texts():
        for name in _PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                raise ConfigError(f"{place}: {where}: unknown placeholder {{{name}}} in {text!r}")
    used: set[str] = set()
    seen: dict[tuple[str, ...], str] = {}
    for key, symptom in catalog.symptoms.items():
        for cause in symptom.causes:
            if cause not in catalog.causes:
                raise ConfigError(f"{place}: [symptoms.{key}].causes names unknown {cause!r}")
            used.add(cause)
        for trigger in [*symptom.triggers, *symptom.weak_triggers]:
            phrase = tuple(lemmas(trigger))
            if not phrase:
                raise ConfigError(f"{place}: [symptoms.{key}]: empty trigger {trigger!r}")
            if phrase in seen and seen[phrase] != key:
                raise ConfigError(
                    f"{place}: [symptoms.{key}]: trigger {trigger!r} is also "
                    f"[symptoms.{seen[phrase]}]'s"
                )
            seen[phrase] = key
    for cause in sorted(set(catalog.causes) - used):
        raise ConfigError(f"{place}: [causes.{cause}] is used by no symptom")
    for role in ROLE_ORDER:
        if role not in catalog.roles:
            raise ConfigError(f"{place}: [roles] lacks {role!r}")
    for op in OPERATIONS:
        if op not in catalog.operation_labels or op not in catalog.file_operations:
            raise ConfigError(f"{place}: [operation_labels]/[file_operations] lack {op!r}")
    for op, names in catalog.operation_words.items():
        for name in names:
            if " " in name:
                raise ConfigError(f"{place}: [operation_words].{op}: {name!r} is not one word")


# ----------------------------------------------------------------------------- result


class RefactorFacts(_Frozen):
    """What a refactor plan must know about the layers the service already has."""

    target_layer: LayerRole | None = Field(
        default=None, description="The layer the request asks for: repository, service, query."
    )
    layers: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Layer → existing files of that layer in the service (repository, service, "
        "query), at most a dozen each.",
    )
    target_exists: bool = Field(
        default=False,
        description="The target layer exists already (for the named entity when there is one).",
    )
    target_files: list[str] = Field(
        default_factory=list, description="The existing files of the target layer to build on."
    )
    direct_handlers: list[str] = Field(
        default_factory=list,
        description="Handler files that reach the database themselves (approximation: the "
        "entity's handler files that are no repository files).",
    )


class Investigation(_Frozen):
    """A problem report resolved against the code map (see the module doc)."""

    request: str
    endpoints: list[EndpointRef] = Field(default_factory=list)
    entities: list[EntityRef] = Field(default_factory=list)
    locations: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    facts: list[str] = Field(default_factory=list)
    symptom: str | None = None
    symptoms: list[str] = Field(default_factory=list)
    operation: Operation | None = None
    causes: list[str] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list)
    regression_test: str | None = None
    refactor: RefactorFacts | None = None
    not_found: list[str] = Field(default_factory=list)
    closest: list[str] = Field(default_factory=list)

    @property
    def found(self) -> bool:
        """The request's target was found and nothing it names is missing."""
        return bool(self.endpoints or self.entities) and not self.not_found


# ----------------------------------------------------------------------------- code map


Key = tuple[str, ...]


@dataclass
class _Map:
    """A service's code map arranged for this module: entity names include their domain name
    (`ArticleJdbcEntity` and `t_articles` are also "article")."""

    index: CodeIndex
    catalog: Catalog
    keys: dict[int, list[Key]] = field(default_factory=dict)
    by_key: dict[Key, Entity] = field(default_factory=dict)
    longest: int = 1
    _named: dict[Key, tuple[Entity, int, int] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, service: Service, catalog: Catalog) -> _Map:
        index = CodeIndex.of(service)
        m = cls(index=index, catalog=catalog)
        added: dict[str, list[Entity]] = {}
        for entity in index.entities:
            keys = _entity_keys(entity, catalog.entity_names)
            m.keys[id(entity)] = keys
            for key in keys:
                text = " ".join(key)
                if text not in index.by_word:
                    added.setdefault(text, []).append(entity)
        index.by_word.update(added)
        for text in index.by_word:
            found = index.entity_named(text.split())
            if found is not None:
                m.by_key[tuple(text.split())] = found
        m.longest = max((len(k) for k in m.by_key), default=1)
        return m

    def entity_keys(self, entity: Entity) -> list[Key]:
        return self.keys.get(id(entity), [])

    def entity_in(self, seq: Sequence[str]) -> tuple[Entity, int, int] | None:
        """The entity named in `seq` (lemmas): longest name first, then the rightmost (the head
        of a compound: FavoriteArticle is about articles)."""
        key = tuple(seq)
        if key not in self._named:
            self._named[key] = self._entity_in(key)
        return self._named[key]

    def _entity_in(self, seq: Key) -> tuple[Entity, int, int] | None:
        best: tuple[int, int, Entity] | None = None
        for n in range(min(self.longest, len(seq)), 0, -1):
            for i in range(len(seq) - n + 1):
                found = self.by_key.get(tuple(seq[i : i + n]))
                if found is not None and (best is None or i > best[0]):
                    best = (i, n, found)
            if best is not None:
                return best[2], best[0], best[0] + best[1]
        return None


def _entity_keys(entity: Entity, names: EntityNames) -> list[Key]:
    strip = set(names.strip)
    name = entity_words(entity)
    table = table_words(entity)
    core_name = [w for w in name if w not in strip] or name
    core_table = list(table)
    if len(core_table) > 1 and core_table[0] in names.table_prefixes:
        core_table = core_table[1:]
    core_table = [w for w in core_table if w not in strip] or core_table
    out: list[Key] = []
    for key in (name, table, core_name, core_table):
        if key and tuple(key) not in out:
            out.append(tuple(key))
    return out


def _endings(m: _Map, entity: Entity, methods: Sequence[str], *, item: bool) -> list[Endpoint]:
    """The entity's collection (or item) endpoints of `methods`: the path's last literal
    segment names the entity; fewest parameters first (`/articles`, not
    `/profiles/{u}/articles`)."""
    keys = set(m.entity_keys(entity))
    found: list[Endpoint] = []
    for endpoint in m.index.endpoints:
        if endpoint.method not in methods:
            continue
        last = collection_segment(endpoint.path, item=item)
        if last is None:
            continue
        if tuple(lemmas(last)) in keys:
            found.append(endpoint)
    if not found:
        return []
    fewest = min(_params(e) for e in found)
    found = [e for e in found if _params(e) == fewest]
    found.sort(key=lambda e: (len(segments(e.path)), e.path, methods.index(e.method)))
    out: list[Endpoint] = []
    for endpoint in found:
        if any(o.path == endpoint.path and o.handler == endpoint.handler for o in out):
            continue  # PUT and PATCH served by one handler
        out.append(endpoint)
    return out[:3]


def _params(endpoint: Endpoint) -> int:
    return sum(1 for s in segments(endpoint.path) if is_param(s))


def _endpoints_for(m: _Map, entity: Entity, operation: Operation | None) -> list[Endpoint]:
    """The entity's endpoints of an operation (its list when none is named)."""
    operation = operation or "list"
    return _endings(m, entity, METHODS[operation], item=operation not in ("list", "create"))


def _entity_of_path(m: _Map, path: str) -> Entity | None:
    """The entity an endpoint serves: the last path segment (before parameters) that names one,
    directly or by a synonym (`/profiles/{username}` → User)."""
    ignore = set(vocabulary()["segments"]["ignore"])
    literal = [lemmas(s) for s in segments(path) if not is_param(s) and s.lower() not in ignore]
    for n in range(len(literal) - 1, -1, -1):
        # `/articles/{slug}/favorite` → ArticleFavorite, before Article
        for earlier in reversed(literal[:n]):
            for key in (tuple(earlier + literal[n]), tuple(literal[n] + earlier)):
                if key in m.by_key:
                    return m.by_key[key]
        found = _names_entity(m, literal[n])
        if found is not None:
            return found
    return None


def _names_entity(m: _Map, seq: Sequence[str]) -> Entity | None:
    found = m.entity_in(seq)
    if found is not None:
        return found[0]
    synonyms = vocabulary()["synonyms"]
    for word in seq:
        for other in synonyms.get(word, []):
            entity = m.by_key.get((other,))
            if entity is not None:
                return entity
    return None


def _operation_of(m: _Map, endpoint: Endpoint, ops: dict[str, Operation]) -> Operation | None:
    """The CRUD operation an endpoint performs on its entity, from its shape (None for actions
    such as login)."""
    parts = segments(endpoint.path)
    if not parts:
        return None
    item = is_param(parts[-1])
    literal = [p for p in parts if not is_param(p)]
    if not literal:
        return None
    last = lemmas(literal[-1])
    if item and len(parts) >= 2 and is_param(parts[-2]):
        return None
    if _names_entity(m, last) is None:
        word = last[-1] if last else ""
        return "list" if endpoint.method == "GET" and ops.get(word) == "list" else None
    return (ITEM_OPERATIONS if item else COLLECTION_OPERATIONS).get(endpoint.method)


# ----------------------------------------------------------------------------- request


@dataclass
class _Resolved:
    endpoints: list[Endpoint] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    operation: Operation | None = None
    auth: bool = False
    alias_entities: list[Entity] = field(default_factory=list)  # the users of a login request
    not_found: list[str] = field(default_factory=list)
    closest: list[str] = field(default_factory=list)

    def add(self, endpoints: Iterable[Endpoint]) -> None:
        for endpoint in endpoints:
            if endpoint not in self.endpoints:
                self.endpoints.append(endpoint)

    def add_entity(self, entity: Entity | None) -> None:
        if entity is not None and all(e is not entity for e in self.entities):
            self.entities.append(entity)


@cache
def _operation_words() -> dict[str, Operation]:
    """Request words naming an operation: the resolver's vocabulary and its inflections."""
    catalog = load_catalog()
    out: dict[str, Operation] = {}
    base = vocabulary()["operations"]
    stop = set(catalog.request.stop)  # "users get a 401": a verb, not the get operation
    for op in OPERATIONS:
        for name in [*base.get(op, []), *catalog.operation_words.get(op, [])]:
            for form in (name, lemma(name)):
                if form not in stop:
                    out.setdefault(form, op)
    return out


def _operation_near(
    request: list[str], start: int, end: int, ops: dict[str, Operation]
) -> Operation | None:
    best: tuple[int, Operation] | None = None
    for i in range(max(0, start - 3), min(len(request), end + 3)):
        if start <= i < end or request[i] not in ops:
            continue
        distance = start - i if i < start else i - end + 1
        if best is None or distance < best[0]:
            best = (distance, ops[request[i]])
    return best[1] if best else None


@cache
def _triggers() -> dict[str, tuple[list[list[str]], list[list[str]]]]:
    catalog = load_catalog()
    return {
        key: ([lemmas(t) for t in s.triggers], [lemmas(t) for t in s.weak_triggers])
        for key, s in catalog.symptoms.items()
    }


def _symptoms(request: list[str], catalog: Catalog) -> list[str]:
    """Symptom kinds the request names, main (highest priority) first."""
    strong: list[str] = []
    weak: list[str] = []
    present = set(request)
    for key, (triggers, weak_triggers) in _triggers().items():
        if any(t[0] in present and contains(request, t) >= 0 for t in triggers):
            strong.append(key)
        elif any(t[0] in present and contains(request, t) >= 0 for t in weak_triggers):
            weak.append(key)
    found = strong or weak
    return sorted(found, key=lambda k: (-catalog.symptoms[k].priority, k))


def _blank_explicit(request: str, m: _Map, out: _Resolved) -> str:
    """Endpoints written out in the request; their text is blanked for the other readings."""
    rest = request
    for match in _EXPLICIT.finditer(request):
        raw = match.group(0).strip().rstrip(".,;:)")
        found = m.index.explicit(raw)
        if found:
            out.add(found)
        else:
            out.not_found.append(raw)
            out.closest += _labels(m.index.closest(literal_lemmas(raw.split()[-1])))
        rest = rest[: match.start()] + " " * (match.end() - match.start()) + rest[match.end() :]
    return rest


def _compact(text: str) -> str:
    return re.sub(r"[-_\s]", "", text.lower())


def _alias_endpoints(request: list[str], m: _Map, out: _Resolved, taken: set[int]) -> None:
    for key, alias in m.catalog.aliases.items():
        span: tuple[int, int] | None = None
        for phrase in alias.phrases:
            needle = lemmas(phrase)
            at = contains(request, needle)
            if at >= 0 and not set(range(at, at + len(needle))) & taken:
                span = (at, at + len(needle))
                break
        if span is None:
            continue
        wanted = {_compact(s) for s in alias.segments}
        found = [
            e
            for e in m.index.endpoints
            if any(_compact(s) in wanted for s in segments(e.path) if not is_param(s))
        ]
        if alias.methods:
            preferred = [e for e in found if e.method in alias.methods]
            found = preferred or found
        if not found and alias.user_operation and m.index.user is not None:
            found = _endpoints_for(m, m.index.user, alias.user_operation)
        taken.update(range(*span))
        out.auth = True
        if m.index.user is not None:
            out.alias_entities.append(m.index.user)
        if found:
            out.add(found)
        else:
            out.not_found.append(f"{key} endpoint")
            out.closest += _labels(m.index.closest(lemmas(alias.phrases[0])))


def _segment_hits(
    request: list[str], m: _Map, taken: set[int], skip: set[str]
) -> dict[int, list[Endpoint]]:
    """Endpoints named by a path word of the request ("feed"), by word position; endpoints
    whose last literal segment is the word come first."""
    hits: dict[int, list[Endpoint]] = {}
    entity_words_ = {w for key in m.by_key for w in key}
    for i, word in enumerate(request):
        if i in taken or word in skip or word in entity_words_ or len(word) < 3 or word.isdigit():
            continue
        for form in _forms(word):
            found = m.index.with_segment(form)
            if found:
                last = [e for e in found if (literal_lemmas(e.path) or [""])[-1] == form]
                hits[i] = last or found
                break
    return hits


def _forms(word: str) -> list[str]:
    """A request word and the bare verb of its -ing/-ed form ("favoriting" → "favorite")."""
    out = [word]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 3:
            stem = word[: -len(suffix)]
            out += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # "unfollowing"; "stopped" → "stop"
    return out


def _filter_methods(endpoints: list[Endpoint], operation: Operation | None) -> list[Endpoint]:
    """The endpoints of the operation's methods, when there are some."""
    if operation is None:
        return endpoints
    kept = [e for e in endpoints if e.method in METHODS[operation]]
    return kept or endpoints


def _resolve(
    request: str,
    m: _Map,
    default_op: Operation | None,
    trigger_words: set[str],
    *,
    every_endpoint: bool = False,
) -> _Resolved:
    """What the request names. `every_endpoint`: an entity named without an operation stands
    for all its endpoints (a refactor), not its list."""
    catalog = m.catalog
    out = _Resolved()
    rest = _blank_explicit(request, m, out)
    explicit = bool(out.endpoints)
    req = lemmas(rest)
    ops = _operation_words()
    taken: set[int] = set()
    _alias_endpoints(req, m, out, taken)
    anchors = {lemma(w) for w in catalog.request.anchors}
    skip = trigger_words | anchors | _known_words()
    mentions = _subjects_dropped(find_entities(rest, m.index, skip=taken), req, m, ops, anchors)
    mentioned = {i for mention in mentions for i in range(mention.start, mention.end)}
    hits = _segment_hits(req, m, taken | mentioned, skip)
    # A synonym that is also a path word reads as the path word (profile → /profiles/{username}).
    for mention in mentions:
        if mention.synonym:
            found = m.index.with_segment(req[mention.start])
            if found:
                last = [
                    e for e in found if (literal_lemmas(e.path) or [""])[-1] == req[mention.start]
                ]
                hits[mention.start] = last or found
    segment_endpoints: list[Endpoint] = []
    for i, found in sorted(hits.items()):
        op = _operation_near(req, i, i + 1, ops)
        found = _filter_methods(found, op)
        segment_endpoints += [e for e in found if e not in segment_endpoints]
        taken.add(i)
    first_op: Operation | None = None
    for mention in mentions:
        entity = mention.entity
        out.add_entity(entity)
        if mention.synonym and mention.start in hits:
            continue
        named_op = _operation_near(req, mention.start, mention.end, ops)
        op = named_op or default_op
        if first_op is None:
            first_op = op
        if explicit:
            continue  # the endpoint is written out; the entity is context
        keys = set(m.entity_keys(entity))
        if any(_serves(e, keys) for e in segment_endpoints):
            continue  # "the articles feed": the path word is more precise
        if every_endpoint and named_op is None:
            found = [e for e in m.index.endpoints if _entity_of_path(m, e.path) is entity]
        else:
            found = _endpoints_for(m, entity, op)
        if found:
            out.add(found)
        elif named_op is not None:
            label = catalog.operation_labels[named_op]
            name = min(m.entity_keys(entity), key=len)
            out.not_found.append(f"{pluralize('_'.join(name)).replace('_', ' ')} {label} endpoint")
            out.closest += _labels(
                _near_entity(m, entity) or m.index.closest(req[mention.start : mention.end])
            )
    out.add(segment_endpoints)
    taken |= mentioned
    _unknown_nouns(req, words(rest), m, out, taken, skip, ops)
    named, out.entities = out.entities, []
    for endpoint in out.endpoints:  # the endpoints' entities first: they are the more precise
        out.add_entity(_entity_of_path(m, endpoint.path))
    for entity in [*named, *out.alias_entities]:
        out.add_entity(entity)
    if out.endpoints:
        out.operation = _operation_of(m, out.endpoints[0], ops)
    if out.operation is None and mentions and not out.auth:
        out.operation = first_op
    auth_words = {_compact(s) for a in catalog.aliases.values() for s in a.segments}
    if any(
        _compact(s) in auth_words
        for e in out.endpoints
        for s in segments(e.path)
        if not is_param(s)
    ):
        out.auth = True
    return out


@cache
def _known_words() -> frozenset[str]:
    """Words of the request that never name a thing of the code map: stop words, refactoring
    and layer words ("refactor the handlers into a repository layer")."""
    catalog = load_catalog()
    phrases = [
        *catalog.request.stop,
        *catalog.refactor.triggers,
        *(p for phrases in catalog.refactor.layers.values() for p in phrases),
        *(w for role in catalog.roles.values() for w in role),
    ]
    return frozenset({w for p in phrases for w in [*words(p), *lemmas(p)]})


def _subjects_dropped(
    mentions: list[Mention], req: list[str], m: _Map, ops: dict[str, Operation], anchors: set[str]
) -> list[Mention]:
    """Mentions without the users who merely act in the request ("duplicate comments when users
    double click"), unless the users entity is the only one named or is itself the target
    ("the users list", "user registration")."""
    user = m.index.user
    if user is None or all(mn.entity is user for mn in mentions):
        return mentions
    out = []
    for mention in mentions:
        after = req[mention.end] if mention.end < len(req) else ""
        before = req[mention.start - 1] if mention.start > 0 else ""
        if mention.entity is not user or after in ops or after in anchors or before in ops:
            out.append(mention)
    return out


def _serves(endpoint: Endpoint, keys: set[Key]) -> bool:
    literal = literal_lemmas(endpoint.path)
    return any(contains(literal, list(k)) >= 0 for k in keys)


def _near_entity(m: _Map, entity: Entity) -> list[Endpoint]:
    """The existing endpoints of an entity (what to look at when the named one is missing)."""
    keys = set(m.entity_keys(entity))
    return [e for e in m.index.endpoints if _serves(e, keys)][:3]


def _unknown_nouns(
    req: list[str],
    raw: list[str],
    m: _Map,
    out: _Resolved,
    taken: set[int],
    skip: set[str],
    ops: dict[str, Operation],
) -> None:
    """Nouns the request uses as an endpoint or entity ("orders list", "create an order",
    "checkout endpoint") that nothing in the code map answers to."""
    anchors = {lemma(w) for w in m.catalog.request.anchors}
    fields = {lemma(w) for e in m.index.entities for f in e.fields for w in words(f.name)}
    for i, word in enumerate(req):
        if i in taken or word in skip or word in ops or len(word) < 3 or not word.isalpha():
            continue
        if word in fields and raw[i] == word:
            continue  # a field's name ("slug"), not a collection ("orders")
        after = req[i + 1] if i + 1 < len(req) else ""
        j = i - 1
        while j >= 0 and req[j] in _DETERMINERS:
            j -= 1
        before = req[j] if j >= 0 else ""
        label: str | None = None
        if after in ops and ops[after] in OPERATIONS:
            label = m.catalog.operation_labels[ops[after]]
        elif after in anchors:
            label = after
        elif before in ops and ops[before] in ("create", "update", "delete"):
            label = m.catalog.operation_labels[ops[before]]
        if label is None:
            continue
        if label in ("list", "create", "update", "delete", "detail"):
            text = f"{pluralize(word)} {label} endpoint"
        else:
            text = f"{pluralize(word)} {label}"
        if text not in out.not_found:
            out.not_found.append(text)
            out.closest += _labels(m.index.closest([word]))


def _labels(endpoints: Iterable[Endpoint]) -> list[str]:
    return [f"{e.method} {e.path}" for e in endpoints]


# ----------------------------------------------------------------------------- files


@dataclass(frozen=True)
class LayerFile:
    """A file of an entity's layer: `ArticleRepository.java` is the repository of Article."""

    path: str
    role: LayerRole
    entity: str | None


@dataclass(frozen=True)
class _FileInfo:
    path: str
    stem: tuple[str, ...]  # lower-case words of the file name
    stem_lemmas: tuple[str, ...]
    dirs: tuple[tuple[str, ...], ...]  # lemmas of each directory below the service
    roles: tuple[LayerRole, ...]
    depth: int
    wiring: bool = False  # a provider, module or configuration file
    by_name: bool = False  # the roles come from the file's name, not its directories


@cache
def _path_words(text: str) -> tuple[str, ...]:
    return tuple(_SOURCE_WORD.findall(_CAMEL.sub(r"\1 \2", text).replace("_", " ").lower()))


def _layout_patterns(service: Service) -> list[tuple[re.Pattern[str], LayerRole]]:
    out: list[tuple[re.Pattern[str], LayerRole]] = []
    layers: tuple[tuple[list[str], LayerRole], ...] = (
        (service.layout.repositories, "repository"),
        (service.layout.services, "service"),
    )
    for entries, role in layers:
        for entry in entries:
            exact = bool(posixpath.splitext(entry)[1])
            if "<name>" in entry and not exact:
                continue  # a folder per feature holds every layer, not only this one
            text = re.escape(entry.rstrip("/")).replace(re.escape("<name>"), "[^/]+")
            out.append((re.compile(f"^{text}$" if exact else f"^{text}/"), role))
    return out


class _Files:
    """The service's source files with the layer roles their names say."""

    def __init__(self, service: Service, files: Sequence[str], catalog: Catalog) -> None:
        prefix = "" if service.path in ("", ".") else service.path.rstrip("/") + "/"
        exts = tuple(f".{e}" for e in catalog.languages.get(service.language or "", [])) or tuple(
            f".{e}" for exts in catalog.languages.values() for e in exts
        )
        layout = _layout_patterns(service)
        self.infos: list[_FileInfo] = []
        for path in files:
            info = _file_info(path, prefix, exts)
            if info is None:
                continue
            if not info.roles:
                roles = tuple(
                    dict.fromkeys(role for pattern, role in layout if pattern.match(path))
                )
                if not roles:
                    continue
                info = replace(info, roles=roles)
            self.infos.append(info)


@lru_cache(maxsize=1 << 16)
def _file_info(path: str, prefix: str, exts: tuple[str, ...]) -> _FileInfo | None:
    """A source file's words and the roles its name says (empty: none), or None for files
    that are no entity's code (tests, migrations, vendored or generic files)."""
    if not path.startswith(prefix):
        return None
    is_sql = path.endswith(".sql")
    if not (is_sql or path.endswith(exts)):
        return None
    catalog = load_catalog()
    rules = catalog.files
    parts = path[len(prefix) :].split("/")
    dir_parts = parts[:-1]
    if any(d.lower() in rules.skip_dirs for d in dir_parts):
        return None
    stem_text = parts[-1].rsplit(".", 1)[0] or parts[-1]
    stem = tuple(_path_words(stem_text))
    if not stem or " ".join(stem) in rules.generic_stems:
        return None
    dir_words = [tuple(_path_words(d)) for d in dir_parts]
    tests = set(rules.tests)
    if tests & set(stem) or any(tests & set(d) for d in dir_words):
        return None
    roles: list[LayerRole] = [r for r in ROLE_ORDER if set(catalog.roles[r]) & set(stem)]
    by_name = bool(roles)
    if not roles:
        roles = [r for r in ROLE_ORDER if any(set(catalog.roles[r]) & set(d) for d in dir_words)]
    if is_sql and "query" not in roles:
        roles = ["query"]
    wiring = set(rules.wiring)
    return _FileInfo(
        path=path,
        stem=stem,
        stem_lemmas=tuple(lemma(w) for w in stem),
        dirs=tuple(tuple(lemma(w) for w in d) for d in dir_words),
        roles=tuple(dict.fromkeys(roles)),
        depth=len(parts),
        wiring=bool(wiring & set(stem)) or any(wiring & set(d) for d in dir_words),
        by_name=by_name,
    )


def entity_files(
    service: Service,
    entity: Entity,
    files: Sequence[str],
    roles: Sequence[LayerRole] = ("service", "repository", "query"),
    operation: Operation | None = None,
    limit: int = 6,
) -> list[LayerFile]:
    """The entity's files of the given layer roles, best first (see `Investigation.locations`)."""
    catalog = load_catalog()
    m = _Map.of(service, catalog)
    target = next(
        (e for e in m.index.entities if e.name == entity.name and e.file == entity.file), None
    )
    if target is None:
        return []
    return _entity_files(m, _Files(service, files, catalog), target, roles, operation, limit)


def _entity_files(
    m: _Map,
    corpus: _Files,
    entity: Entity,
    roles: Sequence[LayerRole],
    operation: Operation | None,
    limit: int,
    exclude: Iterable[str] = (),
    topics: frozenset[str] = frozenset(),
) -> list[LayerFile]:
    """The entity's files of `roles`, best first: files named after the endpoint's action
    (`topics`) or the operation, then by role order, exact names (`ArticleRepository`) before
    compounds (`FavoriteArticleHandler`), shallow before deep. Files named after an operation of
    another kind (`UpdateArticleRequest` for a create) are left out."""
    excluded = set(exclude) | {entity.file} | {e.file for e in m.index.entities}
    noise, file_ops = _file_words()
    ranked: list[tuple[tuple[int, int, int, int, str], LayerFile]] = []
    for info in corpus.infos:
        if info.path in excluded or info.wiring:
            continue
        wanted = [r for r in roles if r in info.roles]
        if not wanted:
            continue
        named = m.entity_in(info.stem_lemmas)
        plural = False
        if named is not None:
            owner, start, end = named
            rest = [w for k, w in enumerate(info.stem) if not start <= k < end]
            plural = info.stem[end - 1] != info.stem_lemmas[end - 1]
        else:
            owner = None
            for d in reversed(info.dirs):
                found = m.entity_in(d)
                if found is not None:
                    owner = found[0]
                    break
            rest = list(info.stem)
        topical = bool(topics & set(info.stem_lemmas))
        if owner is not entity and not (owner is None and topical):
            continue  # another entity's file; a file named after the action alone is kept
        names = {file_ops[w] for w in rest if w in file_ops}
        extras = [w for w in rest if w not in file_ops and w not in noise and lemma(w) not in noise]
        if topical:
            score = 0  # named after the endpoint's action: LoginUserHandler, GetFeedHandler
        elif operation is None:
            score = 1
        elif (operation == "list" and plural and not names - {"list", "get"}) or operation in names:
            score = 0
        elif not names:
            score = 1
        elif FAMILY[operation] in {FAMILY[n] for n in names}:
            score = 2
        else:
            continue
        role_rank = min(roles.index(r) for r in wanted)
        key = (score, role_rank, 1 if extras else 0, info.depth, info.path)
        role = next(r for r in info.roles if r in roles)
        ranked.append((key, LayerFile(info.path, role, entity.name)))
    ranked.sort(key=lambda item: item[0])
    return [layer for _, layer in ranked[:limit]]


@cache
def _file_words() -> tuple[frozenset[str], dict[str, Operation]]:
    """Words of file names that say nothing of the entity, and those naming an operation."""
    catalog = load_catalog()
    noise = set(catalog.files.noise)
    noise |= {form for ws in catalog.roles.values() for w in ws for form in (w, lemma(w))}
    file_ops: dict[str, Operation] = {}
    for op in OPERATIONS:
        for name in catalog.file_operations[op]:
            file_ops.setdefault(name, op)
    return frozenset(noise), file_ops


def _auth_files(m: _Map, corpus: _Files, limit: int, exclude: set[str]) -> list[LayerFile]:
    """The service's auth code whatever its entity (middleware, guards, token services),
    strongest name first: files named after another entity than the user's are left out."""
    rules = m.catalog.auth_files
    strength = {w: n for n, w in enumerate(rules.words)}
    model_words = set(m.catalog.roles["model"])
    ranked: list[tuple[int, int, int, int, str]] = []
    for info in corpus.infos:
        if info.path in exclude or set(rules.exclude) & set(info.stem):
            continue
        if any(model_words & set(d) for d in info.dirs):
            continue
        named = m.entity_in(info.stem_lemmas)
        if named is not None and named[0] is not m.index.user:
            continue
        in_stem = [strength[w] for w in info.stem if w in strength]
        in_dirs = [strength[w] for d in info.dirs for w in d if w in strength]
        code = 0 if len(info.roles) > 1 else 1  # auth.service.ts before auth.module.ts
        if in_stem:
            ranked.append((0, min(in_stem), code, info.depth, info.path))
        elif in_dirs:
            ranked.append((1, min(in_dirs), code, info.depth, info.path))
    ranked.sort()
    return [LayerFile(path, "auth", None) for *_, path in ranked[:limit]]


# ----------------------------------------------------------------------------- entity facts


def _norm(name: str) -> str:
    return "_".join(_path_words(name))


@dataclass(frozen=True)
class _EntityFacts:
    unique: list[str]
    indexed: list[str]
    missing: list[str]  # foreign-key, sort and filter columns without an index
    foreign_keys: list[str]  # the foreign keys among them
    relations: list[str]


def _entity_facts(m: _Map, entity: Entity, orm: Sequence[str]) -> _EntityFacts:
    rules = m.catalog.fields
    implicit = any(o in rules.implicit_fk_index for o in orm)
    pks = [f for f in entity.fields if f.primary_key]
    indexed: set[str] = {_norm(pks[0].name)} if pks else set()
    unique: list[str] = []
    if len(pks) > 1:
        unique.append(f"({', '.join(f.name for f in pks)}) (primary key)")
    for f in entity.fields:
        if f.unique and not f.primary_key:
            unique.append(f.name)
            indexed.add(_norm(f.name))
    shown: list[str] = []
    for index in entity.indexes:
        if not index.columns:
            continue
        indexed.add(_norm(index.columns[0]))
        cols = index.columns[0] if len(index.columns) == 1 else f"({', '.join(index.columns)})"
        if index.unique:
            if cols not in unique:
                unique.append(cols)
        elif cols not in shown:
            shown.append(cols)
    missing: list[str] = []
    foreign_keys: list[str] = []
    for f in entity.fields:
        if (f.primary_key and len(pks) == 1) or _is_many(f, rules):
            continue
        fk = _is_fk(f)
        if not (fk or _is_sort(f, rules) or _norm(f.name) in rules.filters):
            continue
        if _norm(f.name) in indexed:
            continue
        if fk and implicit:
            shown.append(f"{f.name} (foreign key, indexed by the ORM)")
            continue
        missing.append(f.name)
        if fk:
            foreign_keys.append(f.name)
    relations: list[str] = []
    for f in entity.fields:
        if f.references:
            name = _norm(f.name)
            name = re.sub(r"_id$", "", name) or name
            if name not in relations:
                relations.append(name)
    for join in _joins_of(m, entity):
        name = join.table or join.name
        if name not in relations:
            relations.append(name)
    return _EntityFacts(
        unique=unique,
        indexed=shown,
        missing=missing,
        foreign_keys=foreign_keys,
        relations=relations[:5],
    )


def _joins_of(m: _Map, entity: Entity) -> list[Entity]:
    """Join entities referencing `entity` (by a foreign key to its table or a `<name>_id`)."""
    targets = {entity.table or "", entity.name} - {""}
    ids = {"_".join(key) + "_id" for key in m.entity_keys(entity)}
    out = []
    for other in m.index.entities:
        if other is entity or not m.index.is_join(other):
            continue
        if any(
            (f.references or "").split(".")[0] in targets or _norm(f.name) in ids
            for f in other.fields
        ):
            out.append(other)
    return out


def _is_many(f: EntityField, rules: FieldRules) -> bool:
    kind = (f.type or "").lower().replace(" ", "")
    return any(m in kind for m in rules.many_types)


def _is_fk(f: EntityField) -> bool:
    parts = _path_words(f.name)
    return bool(f.references) or (len(parts) > 1 and parts[-1] == "id")


def _is_sort(f: EntityField, rules: FieldRules) -> bool:
    parts = _path_words(f.name)
    return (
        bool(parts)
        and parts[0] in rules.sort
        and (len(parts) == 1 or parts[-1] in rules.sort_suffixes)
    )


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def describe_entity(service: Service, entity: Entity) -> str:
    """One line on an entity of `service`: "Article (articles) at app/Models/Article.php:51 —
    unique: slug; indexes: none on author_id, created_at"."""
    m = _Map.of(service, load_catalog())
    return _describe(m, entity, _entity_facts(m, entity, service.orm))


def _describe(m: _Map, entity: Entity, facts: _EntityFacts) -> str:
    table = f" ({entity.table})" if entity.table and entity.table != entity.name else ""
    unique = ", ".join(facts.unique) or "none"
    if facts.indexed and facts.missing:
        indexes = f"{', '.join(facts.indexed)}; none on {', '.join(facts.missing)}"
    elif facts.indexed:
        indexes = ", ".join(facts.indexed)
    elif facts.missing:
        indexes = f"none on {', '.join(facts.missing)}"
    else:
        indexes = "none"
    where = _where(entity.file, entity.line)
    return f"{entity.name}{table} at {where} — unique: {unique}; indexes: {indexes}"


def _is_migration(path: str, service: Service, words_: set[str]) -> bool:
    if any(path.startswith(d.rstrip("/") + "/") for d in service.layout.migrations if d):
        return True
    return bool(words_ & set(_path_words(path)))


# ----------------------------------------------------------------------------- causes


@dataclass(frozen=True)
class _Context:
    operation: Operation | None
    family: str | None  # read / write, from the operation or the endpoint's method
    auth: bool
    entity_known: bool
    unique: bool

    def holds(self, condition: str) -> bool:
        if condition in OPERATIONS:
            return self.operation == condition
        if condition in ("read", "write"):
            return self.family == condition
        if condition == "crud":
            return self.operation is not None
        if condition == "auth":
            return self.auth
        if condition == "unique":
            return not self.entity_known or self.unique
        if condition == "no_unique":
            return self.entity_known and not self.unique
        return False


def _fill(
    text: str, values: dict[str, str], fallback: dict[str, str], entity_known: bool
) -> str | None:
    """`text` with its placeholders filled; None when it needs an entity fact that is empty."""
    out = text
    for name in _PLACEHOLDER.findall(text):
        value = values.get(name, "")
        if not value:
            if name in REQUIRED and entity_known:
                return None
            value = fallback[name]
        out = out.replace(f"{{{name}}}", value)
    return out


# ----------------------------------------------------------------------------- refactor


@cache
def _refactor_triggers() -> tuple[list[str], ...]:
    return tuple(lemmas(t) for t in load_catalog().refactor.triggers)


def _is_refactor(request: list[str]) -> bool:
    return any(contains(request, t) >= 0 for t in _refactor_triggers())


def _refactor(
    request: list[str],
    m: _Map,
    corpus: _Files,
    resolved: _Resolved,
    known: set[str],
) -> RefactorFacts | None:
    catalog = m.catalog
    if not _is_refactor(request):
        return None
    target: LayerRole | None = None
    for role, phrases in catalog.refactor.layers.items():
        if any(contains(request, lemmas(p)) >= 0 for p in phrases):
            target = role
            break
    layers: dict[str, list[str]] = {}
    for role in ("repository", "service", "query"):
        paths = [
            i.path
            for i in corpus.infos
            if i.roles[0] == role
            and not i.wiring
            and (i.by_name or _names_entity(m, i.stem_lemmas) is not None)
        ]
        if paths:
            layers[role] = sorted(paths, key=lambda p: (p.count("/"), p))[:12]
    entity = resolved.entities[0] if resolved.entities else None
    target_files: list[str] = []
    if target is not None:
        if entity is not None:
            target_files = [
                f.path
                for f in _entity_files(m, corpus, entity, [target], None, catalog.files.per_entity)
            ]
        else:
            target_files = layers.get(target, [])
    endpoints = list(resolved.endpoints)
    if entity is None and not endpoints:
        endpoints = list(m.index.endpoints)
    if entity is not None:
        endpoints += [
            e
            for e in m.index.endpoints
            if _entity_of_path(m, e.path) is entity and e not in endpoints
        ]
    repository = set(layers.get("repository", [])) | {
        i.path for i in corpus.infos if "repository" in i.roles
    }
    direct = []
    for endpoint in endpoints:
        path = endpoint.handler_file or endpoint.file
        if path and path not in direct and path not in repository and (not known or path in known):
            direct.append(path)
    return RefactorFacts(
        target_layer=target,
        layers=layers,
        target_exists=bool(target_files),
        target_files=target_files,
        direct_handlers=direct,
    )


# ----------------------------------------------------------------------------- investigate


def investigate(request: str, service: Service, files: tuple[str, ...]) -> Investigation:
    """The request resolved through the code map: what to read, with lines, and why."""
    catalog = load_catalog()
    m = _Map.of(service, catalog)
    known = set(files)

    def exists(path: str | None) -> bool:
        return bool(path) and (not known or path in known)

    req = lemmas(request)
    kinds = _symptoms(req, catalog)
    primary = catalog.symptoms[kinds[0]] if kinds else None
    trigger_words = {
        w
        for k in kinds
        for t in [*catalog.symptoms[k].triggers, *catalog.symptoms[k].weak_triggers]
        for w in lemmas(t)
    }
    refactoring = _is_refactor(req)
    resolved = _resolve(
        request,
        m,
        primary.operation if primary else None,
        trigger_words,
        every_endpoint=refactoring and primary is None,
    )
    endpoints = resolved.endpoints[: catalog.files.max_endpoints]
    entities = resolved.entities[: catalog.files.max_entities]

    roles: list[LayerRole] = []
    for kind in kinds:
        roles += [r for r in catalog.symptoms[kind].roles if r not in roles]
    if not roles:
        roles = list(catalog.defaults.roles)
    roles += [r for r in ("handler", "model") if r not in roles]

    corpus = _Files(service, files, catalog)
    locations: list[str] = []
    paths: list[str] = []

    def note(path: str, line: int | None, what: str) -> None:
        if not exists(path):
            return
        where = _where(path, line)
        text = f"{where} — {what}"
        if not any(known_.startswith(f"{where} — ") for known_ in locations):
            locations.append(text)
        if path not in paths:
            paths.append(path)

    for endpoint in endpoints:
        label = f"{endpoint.method} {endpoint.path}"
        note(endpoint.file, endpoint.line, f"registers {label}")
        if endpoint.handler_file:
            handler = f"handler {endpoint.handler}" if endpoint.handler else "handler"
            note(endpoint.handler_file, endpoint.handler_line, f"{handler} of {label}")
    if resolved.auth or (primary is not None and "auth" in primary.roles):
        for layer in _auth_files(m, corpus, catalog.files.global_files, set(paths)):
            note(layer.path, None, "auth")

    keys = {w for key in m.by_key for w in key}
    topics = frozenset(
        last for e in endpoints for last in literal_lemmas(e.path)[-1:] if last not in keys
    )
    facts: list[str] = []
    entity_facts: list[_EntityFacts] = []
    migration_words = set(catalog.files.migrations)
    for n, entity in enumerate(entities):
        limit = catalog.files.per_entity if n == 0 else catalog.files.per_other_entity
        found = _entity_files(m, corpus, entity, roles, resolved.operation, limit, paths, topics)
        for layer in found:
            note(layer.path, None, f"{ROLE_LABELS[layer.role]} of {entity.name}")
        ef = _entity_facts(m, entity, service.orm)
        entity_facts.append(ef)
        description = _describe(m, entity, ef)
        facts.append(description)
        summary = description.split(" — ", 1)[1]
        table = f" ({entity.table})" if entity.table and entity.table != entity.name else ""
        if _is_migration(entity.file, service, migration_words):
            note(entity.file, entity.line, f"creates {entity.name}{table}; {summary}")
        else:
            note(entity.file, entity.line, f"model {entity.name}{table}; {summary}")
        created = _is_migration(entity.file, service, migration_words)
        for source in sorted(entity.sources)[:4]:
            path, _, line = source.rpartition(":")
            if not path or not line.isdigit():
                path, line = source, ""
            if path == entity.file:
                continue
            verb = "declares"
            if _is_migration(path, service, migration_words):
                verb = "alters" if created else "creates"
                created = True
            note(path, int(line) if line else None, f"{verb} table {entity.table or entity.name}")

    # Causes, checks and the regression test, filled with the first entity's facts.
    target = entities[0] if entities else None
    ef0 = entity_facts[0] if entity_facts else None
    first = endpoints[0] if endpoints else None
    family: str | None = None
    if resolved.operation in ("list", "get"):
        family = "read"
    elif resolved.operation is not None:
        family = "write"
    ctx = _Context(
        operation=resolved.operation,
        family=family,
        auth=resolved.auth,
        entity_known=target is not None,
        unique=bool(ef0 and ef0.unique),
    )
    values = {
        "entity": target.name if target else "",
        "table": (target.table or target.name) if target else "",
        "endpoint": f"{first.method} {first.path}" if first else "",
        "handler": _handler_text(first) if first else "",
        "columns": ", ".join(ef0.missing) if ef0 else "",
        "foreign_keys": ", ".join(ef0.foreign_keys) if ef0 else "",
        "unique": ", ".join(ef0.unique) if ef0 else "",
        "relations": ", ".join(ef0.relations) if ef0 else "",
    }
    for key in ORM_KEYS:
        values[key] = next(
            (
                str(getattr(catalog.orm[o], key))
                for o in service.orm
                if o in catalog.orm and getattr(catalog.orm[o], key)
            ),
            "",
        )
    causes: list[str] = []
    checks: list[str] = []
    seen: set[str] = set()
    for kind in kinds:
        symptom = catalog.symptoms[kind]
        for key in symptom.causes:
            cause = catalog.causes[key]
            if key in seen or not all(ctx.holds(c) for c in cause.when):
                continue
            text = _fill(cause.text, values, catalog.fallback, ctx.entity_known)
            if text is not None:
                seen.add(key)
                causes.append(text)
        for check in symptom.checks:
            text = _fill(check, values, catalog.fallback, ctx.entity_known)
            if text is not None and text not in checks:
                checks.append(text)
    regression = (
        _fill(primary.regression_test, values, catalog.fallback, ctx.entity_known)
        if primary
        else None
    )
    refactor = _refactor(req, m, corpus, resolved, known)
    closest = list(dict.fromkeys(resolved.closest))[:5]
    return Investigation(
        request=request,
        endpoints=[EndpointRef.of(e) for e in endpoints],
        entities=[EntityRef.of(e) for e in entities],
        locations=locations,
        files=paths,
        facts=facts,
        symptom=kinds[0] if kinds else None,
        symptoms=kinds,
        operation=resolved.operation,
        causes=causes[: catalog.defaults.max_causes],
        checks=checks,
        regression_test=regression,
        refactor=refactor,
        not_found=list(dict.fromkeys(resolved.not_found)),
        closest=closest if resolved.not_found else [],
    )


def _handler_text(endpoint: Endpoint) -> str:
    where = _where(endpoint.handler_file or endpoint.file, endpoint.handler_line or endpoint.line)
    return f"{endpoint.handler} ({where})" if endpoint.handler else where
