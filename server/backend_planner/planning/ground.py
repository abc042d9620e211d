"""From a request to a change spec resolved against the code map (`resolve_request`), and from
a change spec (ours or an agent's) to grounded work: real files, real paths, filled recipes
(`ground_spec`).

Pure: works on the request, the service's profile (code map included), the workspace's file
list and the route style; no disk reads, no clock.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from backend_planner.planning.model import ExternalSystem, FeatureSpec
from backend_planner.planning.placement import swap_names
from backend_planner.planning.recipes import PLACEHOLDERS, Recipe, load_recipes, placeholders
from backend_planner.planning.request import understand
from backend_planner.planning.resolve import (
    CodeIndex,
    Mention,
    RecipeMatch,
    contains,
    endpoint_for,
    find_entities,
    is_param,
    lemma,
    lemmas,
    literal_lemmas,
    match_recipes,
    operation_at,
    segments,
    vocabulary,
    words,
)
from backend_planner.planning.resolve import entity_words as resolve_entity_words
from backend_planner.planning.spec import (
    ChangeSpec,
    EndpointRef,
    EntityRef,
    FieldSpec,
    NewEndpoint,
    NewEntity,
    SpecItem,
)
from backend_planner.workspace.codemap.inflection import pluralize, singularize
from backend_planner.workspace.profile import Endpoint, Entity, Service
from backend_planner.workspace.routing import Routing

MIGRATION_WORDS = ("migration", "migrations", "migrate", "db/migrate", "alembic", "changelog")


endpoint_ref = EndpointRef.of
entity_ref = EntityRef.of


# ----------------------------------------------------------------------------- request → spec


@dataclass
class Reading:
    """What the request says, before grounding: the old reader's spec, recipe matches, entity
    mentions, named endpoints."""

    feature: FeatureSpec
    matches: list[RecipeMatch]
    mentions: list[Mention]
    explicit: list[Endpoint]
    words: list[str]


def read_request(request: str, index: CodeIndex) -> Reading:
    feature = understand(request)
    matches = match_recipes(request)
    taken = {i for m in matches for i in range(m.start, m.end)}
    mentions = find_entities(request, index, skip=taken)
    return Reading(feature, matches, mentions, index.explicit(request), lemmas(request))


def resolve_request(request: str, service: Service) -> ChangeSpec:
    """The request's items, each resolved to what the code map has (or plainly not found)."""
    index = CodeIndex.of(service)
    reading = read_request(request, index)
    intent = reading.feature.intent
    items: list[SpecItem] = []
    if intent in ("build", "integrate"):
        # "CRUD", "new resource": a recipe for the new things the request names, not a thing
        crud = [m for m in reading.matches if m.recipe.target == "new"]
        for match in reading.matches:
            if match not in crud:
                items.append(_recipe_item(match, reading, index))
        crud_key = crud[0].recipe.key if crud else None
        if items:
            missing = {w for i in items if i.kind == "not_found" for w in lemmas(i.name)}
            items += [
                SpecItem(
                    kind="new_entity",
                    name=noun,
                    recipe=crud_key,
                    note="A new domain thing: not in the code map.",
                )
                for noun in _unknown_nouns(reading, index, None, to_build=True)
                if not set(lemmas(noun)) & missing
                and not _names_an_endpoint(noun, reading)
                and not _said_as_context(noun, reading)
            ]
        else:
            existing = _plain_items(reading, index)
            new = [
                SpecItem(
                    kind="new_entity",
                    name=noun,
                    recipe=crud_key,
                    note="A new domain thing: not in the code map.",
                    entities=[e for item in existing for e in item.entities][:1],
                )
                for noun in _unknown_nouns(reading, index, None)
            ]
            # existing entities named next to new ones are what the new ones belong to
            items = new or existing
        covered = {m.recipe.external for m in reading.matches if m.recipe.external}
        for external in reading.feature.external:
            if external.key not in covered:
                items.append(
                    SpecItem(kind="integration", name=external.name, external=external.key)
                )
    else:
        items = _named_existing(reading, index)
    unchanged = _unchanged(items, index)
    return ChangeSpec(
        request=reading.feature.request, intent=intent, items=items, unchanged=unchanged
    )


def _nearest(mentions: list[Mention], match: RecipeMatch, *, users: bool = True) -> Mention | None:
    """The entity mention nearest the recipe's trigger (after it first: "X to the articles")."""
    best: tuple[int, int, Mention] | None = None
    for mention in mentions:
        distance = (
            mention.start - match.end if mention.start >= match.end else match.start - mention.end
        )
        rank = (0 if mention.start >= match.end else 1, abs(distance))
        if best is None or rank < best[:2]:
            best = (*rank, mention)
    return best[2] if best else None


def _non_user(mentions: list[Mention], index: CodeIndex) -> list[Mention]:
    others = [m for m in mentions if m.entity is not index.user]
    return others or mentions


def _unknown_nouns(
    reading: Reading, index: CodeIndex, match: RecipeMatch | None, *, to_build: bool = False
) -> list[str]:
    """Noun phrases of the request that are neither an entity, nor a recipe's words, nor
    generic words: things the request names that the code map may lack ("orders").
    `to_build`: only what the request asks to build (not what it is about)."""
    # the words of a matched recipe's triggers are that recipe's ("publish an event")
    taken = {w for m in reading.matches for t in m.recipe.triggers for w in lemmas(t)}
    taken |= {w for f in extract_fields(reading.feature.request) for w in f.name.split("_")}
    known = {w for key in index.by_word for w in key.split()}
    known |= {w for e in index.endpoints for w in literal_lemmas(e.path)}
    generic = {lemma(w) for names in vocabulary()["operations"].values() for w in names}
    generic |= {lemma(w) for w in vocabulary()["request_words"]["generic"]}
    generic |= {lemma(w) for w in vocabulary()["field_words"]["nouns"]}
    synonyms = vocabulary()["synonyms"]
    phrases = (
        reading.feature.resources
        if to_build
        else [
            *reading.feature.resources,
            *reading.feature.context,
        ]
    )
    out: list[str] = []
    for resource in phrases:
        parts = lemmas(resource.singular.replace("_", " "))
        parts = [p for p in parts if p not in generic and p not in taken]
        if not parts:
            continue
        head = parts[-1]
        if head in known:
            continue  # "article comments": the comments exist ("product reviews" are new)
        if any(index.entity_named([s]) for s in synonyms.get(head, [])):
            continue
        out.append(" ".join(parts))
    return out


def _named_endpoint_word(reading: Reading, index: CodeIndex, match: RecipeMatch) -> str | None:
    """A word the request uses as an endpoint's name that no endpoint or entity has: "the
    login endpoint", or the object right after the trigger ("sort the feed by …")."""
    known = {w for key in index.by_word for w in key.split()}
    known |= {w for e in index.endpoints for w in literal_lemmas(e.path)}
    generic = {lemma(w) for w in vocabulary()["request_words"]["generic"]}
    generic |= {lemma(w) for names in vocabulary()["operations"].values() for w in names}
    generic |= {lemma(w) for w in vocabulary()["field_words"]["nouns"]}
    synonyms = vocabulary()["synonyms"]
    request = reading.words
    candidates: list[int] = []
    for i in range(len(request) - 1):
        if request[i + 1] in ("endpoint", "route"):
            candidates.append(i)
    if match.recipe.target == "list_endpoint":
        # "sort the feed by …": the list the trigger acts on, named with "the"
        for i in range(match.end, min(len(request) - 1, match.end + 2)):
            if request[i] == "the":
                candidates.append(i + 1)
                break
    for i in candidates:
        word = request[i]
        if len(word) < 3 or word in known or word in generic or not word.isalpha():
            continue
        if any(index.entity_named([s]) for s in synonyms.get(word, [])):
            continue
        if i >= 1 and request[i - 1] in ("by", "with", "per", "using", "via"):
            continue
        return word
    return None


def _said_as_context(noun: str, reading: Reading) -> bool:
    """ "webhooks for push events": what the change is for, not a thing to build."""
    needle = lemmas(noun)
    at = contains(reading.words, needle)
    before = reading.words[at - 1] if at > 0 else ""
    return before in ("for", "of", "about", "per")


def _object_after(reading: Reading, match: RecipeMatch) -> str | None:
    """The first content word after a recipe's trigger ("follow tags" → tag)."""
    generic = {lemma(w) for w in vocabulary()["request_words"]["generic"]}
    for word in reading.words[match.end : match.end + 3]:
        if (
            word.isalpha()
            and len(word) > 2
            and word not in generic
            and word not in ("the", "and", "their", "with", "for")
        ):
            return word
    return None


def _names_an_endpoint(noun: str, reading: Reading) -> bool:
    """ "the orders list endpoint": the noun names an endpoint (found or not), not a new thing."""
    request = reading.words
    needle = lemmas(noun)
    at = contains(request, needle)
    if at < 0:
        return False
    after = request[at + len(needle) : at + len(needle) + 2]
    return bool(set(after) & {"endpoint", "list", "route", "page", "feed", "listing"})


def _recipe_item(match: RecipeMatch, reading: Reading, index: CodeIndex) -> SpecItem:
    recipe = match.recipe
    name = recipe.title if not placeholders(recipe.title) else match.phrase
    if recipe.kind == "relation":
        name = pluralize(relation_noun(reading.feature.request, match.phrase))
    item = SpecItem(kind=recipe.kind, name=name, recipe=recipe.key)
    mentions = _non_user(reading.mentions, index)
    mention = _nearest(mentions, match)
    entity = mention.entity if mention else None
    request = reading.words
    target = recipe.target
    endpoints: list[Endpoint] = []
    if target in ("list_endpoint", "endpoint", "write_endpoints"):
        endpoints = list(reading.explicit)
        if target == "list_endpoint":
            endpoints = [e for e in endpoints if e.method == "GET"]
        if not endpoints:
            endpoints = _segment_named(reading, index, match, target)
        if not endpoints and entity is not None and mention is not None:
            if target == "write_endpoints":
                endpoints = _writes(index, entity)
            else:
                op = operation_at(request, mention.start, mention.end)
                if target == "list_endpoint":
                    op = "list"
                found = endpoint_for(index, entity, op)
                if found is None and target == "endpoint":
                    found = endpoint_for(index, entity, "list")
                endpoints = [found] if found else []
        if endpoints and entity is None:
            entity = _entity_of(endpoints[0], index)
    elif target == "entity":
        if (
            entity is None
            and index.user is not None
            and any(m.entity is index.user for m in reading.mentions)
        ):
            entity = index.user
        if entity is not None and recipe.operations:
            endpoints = [
                found for op in recipe.operations if (found := endpoint_for(index, entity, op))
            ]
    elif target == "auth":
        entity = index.user
        endpoints = _auth_endpoints(index)
    elif target == "signup":
        entity = index.user
        endpoints = _signup_endpoints(index)
    elif target == "new":
        item.kind = "new_entity"
    unknown = _unknown_nouns(reading, index, match)
    named = _named_endpoint_word(reading, index, match) if not reading.explicit else None
    if named is not None and target in ("list_endpoint", "endpoint", "write_endpoints"):
        unknown, endpoints = [named], []  # "the login endpoint", "sort the feed": not here
    if (recipe.target_required or named is not None) and target not in (
        "service",
        "new",
        "auth",
        "signup",
    ):
        missing = not endpoints if target != "entity" else entity is None
        if missing or (unknown and mention is None and not reading.explicit):
            label = (
                unknown[0]
                if unknown
                else (
                    " ".join(resolve_entity_words(entity))
                    if entity is not None
                    else _object_after(reading, match) or "target"
                )
            )
            what = {
                "list_endpoint": f"{pluralize(label)} list endpoint",
                "endpoint": f"{label} endpoint",
                "write_endpoints": f"{label} create/update endpoints",
            }.get(target, label)
            closest = index.closest(label.split()) if index.endpoints else []
            listing = index.collection_of(entity) if entity is not None else None
            if listing is not None:  # what the request most likely means instead
                closest = [listing, *(e for e in closest if e is not listing)][:3]
            return SpecItem(
                kind="not_found",
                name=what,
                recipe=recipe.key,
                closest=[f"{e.method} {e.path}" for e in closest],
                entities=[entity_ref(entity)] if entity is not None else [],
                note=f"The repository has no {what}"
                + (
                    f" (closest: {', '.join(f'{e.method} {e.path}' for e in closest)})"
                    if closest
                    else ""
                )
                + "; nothing is invented.",
            )
    if target in ("auth", "signup") and entity is None:
        return SpecItem(
            kind="not_found",
            name="user accounts",
            recipe=recipe.key,
            note="The repository has no user entity to build this flow on; nothing is invented.",
        )
    item.endpoints = [endpoint_ref(e) for e in endpoints]
    if recipe.migration == "new_fields" and not recipe.fields:
        item.new_fields = extract_fields(reading.feature.request)
        if item.new_fields:
            item.name = "new field " + ", ".join(f.name for f in item.new_fields)
    if entity is not None:
        item.entities = [entity_ref(entity)]
    if recipe.kind == "relation" and entity is not None:
        template = _relation_template(index, entity)
        if template is not None:
            item.template = (
                f"{template.name} ({template.table})" if template.table else template.name
            )
    return item


def _segment_named(
    reading: Reading, index: CodeIndex, match: RecipeMatch, target: str
) -> list[Endpoint]:
    """Endpoints named by a distinctive path word of the request ("login", "feed")."""
    trigger = set(lemmas(match.phrase))
    entity_words = {w for key in index.by_word for w in key.split()}
    skip = trigger | entity_words | {"endpoint", "route", "api"}
    out: list[Endpoint] = []
    for word in dict.fromkeys(reading.words):
        if word in skip or len(word) < 3:
            continue
        for endpoint in index.with_segment(word):
            if target == "list_endpoint" and endpoint.method != "GET":
                continue
            if endpoint not in out:
                out.append(endpoint)
    if target == "endpoint" and len({e.method for e in out}) > 1:
        # "the login endpoint": the write (POST) that does it, not a GET form page
        writes = [e for e in out if e.method != "GET"]
        out = writes or out
    return out


def _writes(index: CodeIndex, entity: Entity) -> list[Endpoint]:
    out = []
    for op in ("create", "update", "delete"):
        found = endpoint_for(index, entity, op)
        if found is not None:
            out.append(found)
    return out


def _entity_of(endpoint: Endpoint, index: CodeIndex) -> Entity | None:
    literal = literal_lemmas(endpoint.path)
    for word in reversed(literal):
        found = index.entity_named([word])
        if found is not None:
            return found
    return None


def _auth_endpoints(index: CodeIndex) -> list[Endpoint]:
    auth = vocabulary()["auth"]
    login = {lemma(w) for w in auth["login_segments"]}
    out = []
    for endpoint in index.endpoints:
        literal = literal_lemmas(endpoint.path)
        if endpoint.method == "POST" and set(literal) & login:
            out.append(endpoint)
    return out


def _signup_endpoints(index: CodeIndex) -> list[Endpoint]:
    """The registration endpoint: a register/signup path, else POST on the users collection."""
    names = {lemma(w) for w in vocabulary()["auth"]["register_segments"]} - {"user"}
    found = [
        e for e in index.endpoints if e.method == "POST" and set(literal_lemmas(e.path)) & names
    ]
    if not found and index.user is not None:
        create = endpoint_for(index, index.user, "create")
        found = [create] if create is not None else []
    return found[:1]


def _relation_template(index: CodeIndex, entity: Entity) -> Entity | None:
    """The repo's existing user↔thing relation to copy: a join entity referencing `entity`
    and the users (else any join entity referencing the users)."""
    joins = index.joins_of(entity)
    user = index.user
    if user is not None:
        with_user = [j for j in joins if j in index.joins_of(user)]
        if with_user:
            return with_user[0]
        for other in index.entities:
            if other in index.joins_of(user):
                return other
    return joins[0] if joins else None


def _plain_items(reading: Reading, index: CodeIndex) -> list[SpecItem]:
    """A build request no recipe names: existing things it names, and new domain things."""
    items: list[SpecItem] = []
    seen: set[str] = set()
    for mention in reading.mentions:
        if mention.entity.name in seen or mention.entity is index.user:
            continue
        seen.add(mention.entity.name)
        items.append(
            SpecItem(
                kind="existing",
                name=" ".join(resolve_entity_words(mention.entity)),
                entities=[entity_ref(mention.entity)],
                endpoints=[endpoint_ref(e) for e in index.serving(mention.entity)[:8]],
                note="Exists already: extend it, do not create a second one.",
            )
        )
    if not items:
        # no entity named, but an endpoint is ("the most popular tags" → GET /api/tags)
        named = _segment_named_plain(reading, index)
        if named:
            items.append(
                SpecItem(
                    kind="existing",
                    name=" ".join(
                        dict.fromkeys(w for e in named for w in literal_lemmas(e.path)[-1:])
                    ),
                    endpoints=[endpoint_ref(e) for e in named],
                    note="Exists already: extend it, do not create a second one.",
                )
            )
    elif len(items) == 2 and _links(reading) and not _related(items, index):
        # "Add tags to comments": both exist — the relation between them is what is new
        return [_relation_of(items, reading, index)]
    return items


def _related(items: list[SpecItem], index: CodeIndex) -> bool:
    """The two entities are related already: one references the other, or a join links them."""
    a = _entity(index, items[0].entities[0])
    b = _entity(index, items[1].entities[0])
    if a is None or b is None:
        return True  # nothing to join on: say what exists
    for one, other in ((a, b), (b, a)):
        key = "_".join(resolve_entity_words(other))
        names = {f"{key}_id", f"{key}_ids", key, plural_noun(key), f"{key}id"}
        for f in one.fields:
            target = (f.references or "").split(".")[0]
            embedded = other.name in (f.type or "")  # comments: list[CommentModel]
            normalized = "_".join(lemmas(f.name))  # commentIDs → comment_id
            if target in (other.table, other.name) or normalized in names or embedded:
                return True
    return any(j in index.joins_of(b) for j in index.joins_of(a))


def _links(reading: Reading) -> bool:
    """The request links two things ("add tags to comments", "comments with tags")."""
    return bool(set(reading.words) & {"to", "on", "with", "for"})


def _relation_of(items: list[SpecItem], reading: Reading, index: CodeIndex) -> SpecItem:
    """A join entity between two existing entities, nested under the one the other is added
    to, copying the repo's existing join between them and a third (articles_tags)."""
    first, second = items  # request order: "tags" (the thing) … "comments" (the target)
    thing_ref, target_ref = first.entities[0], second.entities[0]
    thing, target = _entity(index, thing_ref), _entity(index, target_ref)
    template = None
    if thing is not None:
        joins = [
            j for j in index.joins_of(thing) if target is None or j not in index.joins_of(target)
        ]
        template = joins[0] if joins else None
    target_words = resolve_entity_words(target) if target is not None else lemmas(second.name)
    thing_words = resolve_entity_words(thing) if thing is not None else lemmas(first.name)
    name = "".join(w.title() for w in [*target_words, *thing_words])
    target_key = "_".join(target_words) + "_id"
    last = thing_words[-1]
    if template is not None and template.table:
        # the repo's own join naming: article_tag (singular) or articles_tags
        tail = template.table.split("_")[-1]
        last = last if lemma(tail) == tail else plural_noun(last)
        if template.table.split("_")[0] != lemma(template.table.split("_")[0]):
            target_words = [*target_words[:-1], plural_noun(target_words[-1])]
    else:
        last = plural_noun(last)
    table = table_name(index, "_".join([*target_words, *thing_words[:-1], last]))
    fields = [
        FieldSpec(
            name=target_key,
            type="bigint",
            nullable=False,
            references=target_ref.table,
        ),
        FieldSpec(
            name="_".join(thing_words) + "_id",
            type="bigint",
            nullable=False,
            references=thing_ref.table,
        ),
    ]
    return SpecItem(
        kind="relation",
        name=f"{plural_noun(thing_words[-1])} on {target_ref.name.split('.')[-1]}",
        entities=[target_ref, thing_ref],
        new_entity=NewEntity(
            name=name, table=table, fields=fields, unique=[[fields[0].name, fields[1].name]]
        ),
        template=f"{template.name} ({template.table})" if template is not None else None,
        note=f"{first.name} and {second.name} exist already: a join between them is new.",
    )


def _segment_named_plain(reading: Reading, index: CodeIndex) -> list[Endpoint]:
    """GET endpoints named by a path word of the request, their collections first."""
    entity_words = {w for key in index.by_word for w in key.split()}
    out: list[Endpoint] = []
    for word in dict.fromkeys(reading.words):
        if word in entity_words or len(word) < 3:
            continue
        for endpoint in index.with_segment(word):
            parts = segments(endpoint.path)
            last = literal_lemmas(endpoint.path)[-1:] if parts else []
            if endpoint.method == "GET" and last == [word] and endpoint not in out:
                out.append(endpoint)
    return out[:2]


def _named_existing(reading: Reading, index: CodeIndex) -> list[SpecItem]:
    items = []
    for endpoint in reading.explicit:
        items.append(
            SpecItem(
                kind="existing",
                name=f"{endpoint.method} {endpoint.path}",
                endpoints=[endpoint_ref(endpoint)],
            )
        )
    for mention in reading.mentions:
        items.append(
            SpecItem(
                kind="existing",
                name=" ".join(resolve_entity_words(mention.entity)),
                entities=[entity_ref(mention.entity)],
            )
        )
    return items


def _unchanged(items: list[SpecItem], index: CodeIndex) -> list[str]:
    """Sibling endpoints of the entities the change touches keep their behaviour."""
    touched = {(e.method, e.path) for item in items for e in item.endpoints}
    out: list[str] = []
    for item in items:
        if item.kind == "not_found":
            continue
        for ref in item.entities:
            entity = _entity(index, ref)
            for endpoint in index.serving(entity)[:12] if entity is not None else []:
                if (endpoint.method, endpoint.path) in touched:
                    continue
                text = f"{endpoint.method} {endpoint.path} keeps its behaviour and tests"
                if text not in out:
                    out.append(text)
    return out[:6]


def _entity(index: CodeIndex, ref: EntityRef) -> Entity | None:
    for entity in index.entities:
        if entity.name == ref.name and entity.file == ref.file:
            return entity
    for entity in index.entities:
        if entity.name == ref.name:
            return entity
    return None


# ----------------------------------------------------------------------------- spec → work


@dataclass
class Work:
    """One spec item, grounded: what to create and modify, and the recipe's texts filled."""

    item: SpecItem
    recipe: Recipe | None
    title: str
    create: list[str] = field(default_factory=list)
    modify: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    tests_create: list[str] = field(default_factory=list)
    tests_modify: list[str] = field(default_factory=list)
    investigate: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    critical: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    expectations: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    security: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    order: int = 0

    def add(self, path: str | None, *, create: bool) -> None:
        if not path or path in self.create or path in self.modify:
            return
        (self.create if create else self.modify).append(path)


KIND_ORDER = {
    "new_entity": 0,
    "new_fields": 1,
    "existing": 2,
    "relation": 3,
    "capability": 4,
    "flow": 5,
    "integration": 6,
    "cross_cutting": 7,
    "not_found": 8,
}


# ----------------------------------------------------------------------------- new fields


def extract_fields(request: str) -> list[FieldSpec]:
    """New fields a request names: "add a reading time field", "a `published` flag",
    "a column named view_count"."""
    text = request
    quoted = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", text)
    if quoted:
        return [_field(_snake(q)) for q in dict.fromkeys(quoted)]
    tokens = words(text)
    nouns = set(vocabulary()["field_words"]["nouns"])
    stop = {
        "a",
        "an",
        "the",
        "add",
        "new",
        "optional",
        "nullable",
        "required",
        "and",
        "to",
        "on",
        "of",
        "with",
        "for",
        "each",
        "every",
        "store",
        "track",
        "save",
        "record",
        "adding",
        "introduce",
        "their",
        "its",
        "user",
        "users",
        "per",
    }
    out: list[FieldSpec] = []
    for i, token in enumerate(tokens):
        if token not in nouns and lemma(token) not in nouns:
            continue
        if i + 2 < len(tokens) and tokens[i + 1] in ("named", "called"):
            out.append(_field(tokens[i + 2]))
            continue
        name: list[str] = []
        j = i - 1
        while j >= 0 and tokens[j] not in stop and len(name) < 3:
            name.insert(0, tokens[j])
            j -= 1
        if name:
            out.append(_field("_".join(name), noun=token))
    unique: dict[str, FieldSpec] = {f.name: f for f in out}
    return list(unique.values())


def _snake(name: str) -> str:
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _field(name: str, noun: str = "") -> FieldSpec:
    types = vocabulary()["field_types"]
    last = name.split("_")[-1]
    kind = "string"
    if noun in ("flag",):
        kind = "boolean"
    elif noun == "timestamp":
        kind = "timestamp"
    elif noun == "counter":
        kind = "integer"
    else:
        for candidate in ("timestamp", "boolean", "integer", "decimal", "text"):
            if last in types[candidate] or name in types[candidate]:
                kind = candidate
                break
    return FieldSpec(name=name, type=kind, nullable=kind != "boolean")


# ----------------------------------------------------------------------------- grounding


def style_path(path: str, routing: Routing) -> str:
    """A code-map path (`{slug}` parameters) in the repo's parameter style (`:slug`)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        styled = routing.param(name)
        if "int:" in styled and not (name in ("id", "pk") or name.endswith("_id")):
            styled = styled.replace("int:", "")
        return styled

    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", one, path)


def common_prefix(index: CodeIndex, routing: Routing) -> str:
    """The literal prefix most endpoints share (`/api/v1`; health checks aside), else the
    route style's."""
    paths = [segments(e.path) for e in index.endpoints if not e.dynamic]
    if not paths:
        return routing.prefix.rstrip("/")
    ignore = set(vocabulary()["segments"]["ignore"])
    prefix: list[str] = []
    while True:
        depth = len(prefix)
        heads = Counter(p[depth] for p in paths if len(p) > depth + 1 and p[:depth] == prefix)
        if not heads:
            break
        head, count = heads.most_common(1)[0]
        if count * 5 < len(paths) * 3 or is_param(head):
            break  # fewer than 60 % share it
        if head.lower() not in ignore and not re.fullmatch(r"v\d+", head.lower()):
            break  # a resource every route shares, not a prefix
        prefix.append(head)
    return ("/" + "/".join(prefix)) if prefix else ""


def fill(text: str, values: dict[str, str]) -> str | None:
    """`text` with its placeholders filled; None when one has no value (the text is left out)."""
    names = placeholders(text)
    if any(not values.get(n) for n in names):
        return None
    return re.sub(
        r"\{([A-Za-z_]+)\}",
        lambda m: (
            values[m.group(1)]
            if m.group(1) in values and m.group(1) in PLACEHOLDERS
            else m.group(0)
        ),
        text,
    )


def _fill_all(texts: list[str], values: dict[str, str]) -> list[str]:
    out = []
    for text in texts:
        filled = fill(text, values)
        if filled and filled not in out:
            out.append(filled)
    return out


def _values(
    item: SpecItem,
    index: CodeIndex,
    routing: Routing,
    spec: ChangeSpec,
    externals: list[str],
) -> dict[str, str]:
    values: dict[str, str] = {"update_method": routing.update_method}
    prefix = common_prefix(index, routing)
    values["prefix"] = prefix or ""
    entity = _entity(index, item.entities[0]) if item.entities else None
    if entity is not None:
        entity_words = resolve_entity_words(entity)
        values["entity"] = entity.name.split(".")[-1]
        values["table"] = entity.table or "_".join(entity_words)
        values["singular"] = " ".join(entity_words)
        values["plural"] = " ".join([*entity_words[:-1], pluralize(entity_words[-1])])
        model = _model_file(entity)
        if model:
            values["model_file"] = model
        collection = index.collection_of(entity)
        item_endpoint = index.item_of(entity) or next(
            (
                index.item_of(entity, m)
                for m in ("PUT", "PATCH", "DELETE")
                if index.item_of(entity, m)
            ),
            None,
        )
        kebab = "-".join([*entity_words[:-1], pluralize(entity_words[-1])])
        coll_path = (
            collection.path
            if collection
            else (item_endpoint.path.rsplit("/", 1)[0] if item_endpoint else f"{prefix}/{kebab}")
        )
        item_path = item_endpoint.path if item_endpoint else f"{coll_path}/{{id}}"
        if entity is index.user:
            current = _current_user_path(index)
            if current:  # a user's own things hang off their own resource, never an id
                item_path = current
        values["collection"] = style_path(coll_path, routing)
        values["item"] = style_path(item_path, routing)
        values["item_param"] = segments(item_path)[-1].strip("{}")
    elif item.new_entity is not None:
        table = item.new_entity.table
        values["entity"] = item.new_entity.name
        values["table"] = table
        values["singular"] = singularize(table).replace("_", " ")
        values["plural"] = table.replace("_", " ")
        values["collection"] = f"{prefix}/{table.replace('_', '-')}"
        values["item"] = style_path(f"{prefix}/{table.replace('_', '-')}/{{id}}", routing)
        values["item_param"] = "id"
    if len(item.entities) > 1:
        values["entities"] = ", ".join(e.name for e in item.entities)
    elif "entity" in values:
        values["entities"] = values["entity"]
    if item.endpoints:
        values["endpoint"] = ", ".join(f"{e.method} {e.path}" for e in item.endpoints[:3])
        first = item.endpoints[0]
        if first.handler:
            values["handler"] = first.handler
        values["handler_file"] = first.handler_file or first.file or ""
    user = index.user
    if user is not None:
        values["user_table"] = user.table or "users"
        values["user_entity"] = user.name.split(".")[-1]
    auth = _auth_endpoints(index)
    if auth:
        parts = segments(auth[0].path)
        values["auth"] = (
            style_path("/" + "/".join(parts[:-1]), routing) if len(parts) > 1 else prefix
        )
    elif user is not None:
        values["auth"] = f"{prefix}/auth"
    if item.kind == "relation":
        noun = relation_noun(spec.request, item.name)
        values["relation"] = noun
        values["relations"] = pluralize(noun)
        values["Relation"] = noun[:1].upper() + noun[1:]
    if item.template:
        values["template"] = item.template
    fields = [f.name for i in spec.items for f in i.new_fields]
    if fields:
        values["field"] = fields[0]
        values["fields"] = ", ".join(fields)
    if externals:
        values["external"] = ", ".join(externals)
    if item.new_entity is not None:
        values["new_table"] = item.new_entity.table
    values["subject"] = _subject(spec.request, item, index) or "file"
    return {k: v for k, v in values.items() if v is not None}


def _subject(request: str, item: SpecItem, index: CodeIndex) -> str | None:
    """What the request calls the thing the change is about, in snake_case: the first noun of
    the request that is neither a recipe word, an entity, nor a generic word ("upload an
    avatar image" → avatar)."""
    from backend_planner.planning.request import NOT_RESOURCES

    known = {w for key in index.by_word for w in key.split()} | set(
        vocabulary()["auth"]["user_entities"]
    )
    generic = {lemma(w) for w in vocabulary()["request_words"]["generic"]}
    verbs = {"let", "allow", "add", "upload", "users", "can", "to", "their", "own", "new"}
    for word in lemmas(request):
        if (
            len(word) > 2
            and word.isalpha()
            and word not in known
            and word not in generic
            and word not in verbs
            and word not in NOT_RESOURCES
        ):
            return word
    return None


CURRENT_USER = frozenset({"user", "me", "profile", "account"})


def _current_user_path(index: CodeIndex) -> str | None:
    """`/api/user`, `/me`: the current user's own resource, when the API has one."""
    for endpoint in index.endpoints:
        parts = segments(endpoint.path)
        own = parts and not is_param(parts[-1]) and parts[-1].lower() in CURRENT_USER
        if endpoint.method == "GET" and own:
            return endpoint.path
    return None


def relation_noun(request: str, phrase: str) -> str:
    """The relation a request asks for, as a noun: "let users like comments" → like,
    "unfollow" → follow (the vocabulary's relation nouns and their aliases)."""
    table: dict[str, list[str]] = vocabulary()["relations"]
    said = [*lemmas(phrase), *lemmas(request)]
    for word in said:
        for noun, aliases in table.items():
            if word == noun or word in aliases:
                return noun
    return said[0] if said else "relation"


def _model_file(entity: Entity) -> str | None:
    from backend_planner.planning.placement import model_file

    return model_file(entity)


def _ground_refs(item: SpecItem, index: CodeIndex) -> SpecItem:
    """An item's endpoint and entity references checked against the code map and completed
    with file:line; references the map lacks turn the item into `not_found`."""
    if item.kind in ("not_found", "new_entity") and not item.endpoints and not item.entities:
        return item
    shapes: dict[tuple[str, str], Endpoint] = {}
    for endpoint in index.endpoints:
        shapes.setdefault((endpoint.method, _anon(endpoint.path)), endpoint)
    endpoints: list[EndpointRef] = []
    missing: list[str] = []
    for ref in item.endpoints:
        found = shapes.get((ref.method.upper(), _anon(ref.path)))
        if found is None:
            missing.append(f"{ref.method.upper()} {ref.path}")
        else:
            endpoints.append(endpoint_ref(found))
    entities: list[EntityRef] = []
    for entity_ref_ in item.entities:
        entity = _entity(index, entity_ref_) or next(
            (e for e in index.entities if entity_ref_.table and e.table == entity_ref_.table),
            None,
        )
        if entity is None:
            missing.append(entity_ref_.name)
        else:
            entities.append(entity_ref(entity))
    if missing and item.kind != "not_found":
        closest = index.closest(lemmas(" ".join(missing))) if index.endpoints else []
        return SpecItem(
            kind="not_found",
            name=", ".join(missing),
            recipe=item.recipe,
            closest=[f"{e.method} {e.path}" for e in closest],
            note=f"The repository has no {', '.join(missing)}"
            + (
                f" (closest: {', '.join(f'{e.method} {e.path}' for e in closest)})"
                if closest
                else ""
            )
            + "; nothing is invented.",
        )
    return item.model_copy(update={"endpoints": endpoints, "entities": entities})


def _anon(path: str) -> str:
    return "/" + "/".join("{}" if is_param(s) else s.lower() for s in segments(path))


def ground_spec(
    spec: ChangeSpec,
    service: Service,
    files: tuple[str, ...] | frozenset[str],
    routing: Routing,
    externals: list[ExternalSystem] | None = None,
    feature: FeatureSpec | None = None,
) -> tuple[ChangeSpec, list[Work]]:
    """The spec's items grounded in the repo: files to create and modify, migrations, tests,
    and the recipes' texts filled. Returns the spec with references completed."""
    from backend_planner.planning import placement as place

    index = CodeIndex.of(service)
    fs = place.Files.of(tuple(files), service)
    recipes = load_recipes()
    items = [_ground_refs(item, index) for item in spec.items]
    spec = spec.model_copy(update={"items": items})
    planned: tuple[str, ...] = ()
    works: list[Work] = []
    names = [e.name.split(" (")[0].removesuffix(" API") for e in externals or []]
    ordered = sorted(enumerate(items), key=lambda p: (KIND_ORDER.get(p[1].kind, 9), p[0]))
    for position, item in ordered:
        recipe = recipes.get(item.recipe) if item.recipe else None
        analog: list[tuple[str, bool]] = []
        if (
            item.kind == "new_entity"
            and item.new_entity is None
            and (recipe is None or recipe.target == "new")
        ):
            tables = {
                "_".join([*lemmas(i.name)[:-1], plural_noun(lemmas(i.name)[-1])])
                for i in items
                if i.kind == "new_entity" and lemmas(i.name)
            }
            item, analog = _analog(item, index, fs, routing, feature, tables)
            items[position] = item
            spec = spec.model_copy(update={"items": items})
        if recipe is not None and item.kind != "not_found":
            item = _with_recipe_shapes(item, recipe, index, routing, spec, names)
            items[position] = item
        values = _values(item, index, routing, spec, names)
        title = _title(item, recipe, values)
        work = Work(item=item, recipe=recipe, title=title, order=position)
        works.append(work)
        if item.kind == "not_found":
            work.requirements = [item.note or f"The repository has no {item.name}."]
            work.investigate = _closest_files(item, index, fs)
            continue
        entity = _entity(index, item.entities[0]) if item.entities else None
        handler_files = [p for e in item.endpoints if (p := e.handler_file or e.file)]
        for path, create in analog:
            work.add(path, create=create)
        catalog = {e.key: e for e in externals or []}
        if item.kind == "integration" and item.external in catalog:
            built = [p for w in works for p in w.create if not place.is_migration(p)]
            _integration(
                work, catalog[item.external], index, fs, routing, values.get("prefix", ""), built
            )
            items[position] = work.item
            continue
        # -- files it modifies, by role
        roles = list(recipe.touches) if recipe else ([] if analog else ["handler"])
        for role in roles:
            for path in _role_files(role, item, entity, index, fs):
                work.add(path, create=False)
        # -- new files
        if recipe is not None:
            for new in recipe.creates:
                stem = fill(new.name, values)
                if stem:
                    stem = re.sub(r"[^a-z0-9_]+", "_", stem.lower()).strip("_")
                    path = place.new_file(fs, new.role, stem, handler_files)
                    work.add(path, create=not fs.exists(path))  # the repo has one: extend it
        # -- the new entity's model, and new endpoints' handlers / registration
        if item.new_entity is not None and not analog:
            _place_new_entity(work, item, index, fs, entity)
        if item.new_endpoints and not any(r in roles for r in ("registration",)):
            for path in _registration_files(item, entity, index):
                work.add(path, create=False)
        # -- migration
        kind = (
            recipe.migration
            if recipe
            else ("new_entity" if item.new_entity else "new_fields" if item.new_fields else "none")
        )
        if kind == "new_fields" and item.new_entity is not None and service.migrations is not None:
            # the new entity the fields point at is created first
            first = _migration_files(
                service,
                f"create_{item.new_entity.table}",
                planned,
                place.migration_dir_for(service, place.model_file(entity) if entity else None),
            )
            planned += tuple(first)
            work.migrations += first
            for path in first:
                work.add(path, create=not fs.exists(path))
        if kind != "none" and service.migrations is not None:
            slug = _migration_slug(kind, item, values)
            near = place.model_file(entity) if entity is not None else None
            if analog:
                near = analog[0][0]  # the new entity's model, beside the feature it copies
            app_dir = place.migration_dir_for(service, near)
            migrations = _migration_files(service, slug, planned, app_dir)
            planned += tuple(migrations)
            work.migrations = [*work.migrations, *migrations]
            for path in migrations:
                work.add(path, create=not fs.exists(path))
        auto_migrated = kind != "none" and not work.migrations
        if kind in ("new_fields", "index") and entity is not None:
            work.add(place.model_file(entity), create=False)
        if work.migrations and service.migrations is not None:
            # the files the migration tool reads or writes beside the migrations (schema.rs)
            for name in vocabulary()["migration_companions"].get(service.migrations.tool, []):
                found = sorted(p for p in fs.all if p == name or p.endswith("/" + name))
                if found:
                    work.add(found[0], create=False)
        if any(e.public for e in item.new_endpoints):
            # public endpoints are let through where the framework guards every route
            for path in place.public_route_config(fs):
                work.add(path, create=False)
        if item.new_entity is not None:
            # an ORM model of an entity the new one references declares the other side
            for field_ in item.new_entity.fields:
                owner = next(
                    (
                        e
                        for e in index.entities
                        if field_.references and e.table == field_.references
                    ),
                    None,
                )
                model = place.model_file(owner) if owner is not None else None
                if model and not model.endswith((".prisma", ".sql")):
                    work.add(model, create=False)
        if item.kind == "existing" and not work.create and not work.modify:
            # it exists and the map shows no handler: read its definition first
            work.investigate = [p for e in item.entities if (p := e.file)] or [
                p for e in item.endpoints if (p := e.file)
            ]
        # -- the registry that lists a folder's files (a NestJS module, a Rust mod.rs)
        for path in list(work.create):
            for registry in _registries(path, fs):
                if registry not in work.create:
                    work.add(registry, create=False)
        # -- tests: the existing tests of what it touches, else a new test file beside them
        _place_tests(work, item, entity, index, fs)
        # -- texts
        if recipe is not None:
            work.requirements = _fill_all(recipe.requirements, values)
            work.critical = _fill_all(recipe.critical, values)
            work.expected = _fill_all(recipe.expected, values)
            work.expectations = _fill_all(recipe.tests, values)
            work.unchanged = _fill_all(recipe.unchanged, values)
            work.security = list(recipe.security)
        elif item.kind == "new_entity" and item.new_entity is not None:
            _new_entity_texts(work, item)
        elif item.kind == "relation" and item.new_entity is not None and len(item.entities) == 2:
            _join_texts(work, item)
        else:
            work.requirements = [item.note] if item.note else []
            for ref in item.entities:
                work.requirements.append(
                    f"{ref.name} exists already ({ref.where}): extend it, "
                    "do not create a second one"
                )
        if item.new_fields and entity is not None:
            work.critical += _derived_field_criteria(item, entity)
        if auto_migrated:
            _auto_migration(work, kind, item)
        if item.template and item.kind == "new_entity":
            work.patterns.append(f"Follow the existing {item.template} feature file by file")
        elif item.template:
            work.patterns.append(f"Copy the existing relation {item.template}")
        for endpoint in item.endpoints[:3]:
            if endpoint.where:
                work.patterns.append(f"{endpoint.method} {endpoint.path} at {endpoint.where}")
    return spec.model_copy(update={"items": items}), sorted(
        works, key=lambda w: (KIND_ORDER.get(w.item.kind, 9), w.order)
    )


def _closest_files(item: SpecItem, index: CodeIndex, fs: object) -> list[str]:
    """Where to look for what was not found: the closest endpoints' handler files, else the
    files registering routes."""
    labels = set(item.closest)
    out = [
        e.handler_file or e.file
        for e in index.endpoints
        if f"{e.method} {e.path}" in labels and (e.handler_file or e.file)
    ]
    if not out:
        out = [e.file for e in index.endpoints[:3]]
    if not out:
        out = [e.file for e in index.entities[:3]]
    return list(dict.fromkeys(out))[:4]


def _title(item: SpecItem, recipe: Recipe | None, values: dict[str, str]) -> str:
    name = (fill(recipe.title, values) if recipe else None) or item.name
    if item.kind == "not_found":
        return f"Locate the {item.name}"
    if item.kind == "new_entity" and item.new_entity is not None and recipe is None:
        return f"{item.new_entity.name} API"
    if item.kind == "integration" and recipe is None:
        return f"{item.name.removesuffix(' API')} integration"
    display = values.get("singular", "").title().replace(" ", "") or (
        item.entities[0].name.split(".")[-1] if item.entities else ""
    )
    if item.kind == "relation":
        if " on " in item.name:
            return item.name[:1].upper() + item.name[1:]
        return f"{item.name[:1].upper()}{item.name[1:]} on {display}" if display else name
    target = ""
    if item.endpoints and item.kind in ("capability", "existing"):
        target = f" on {item.endpoints[0].method} {item.endpoints[0].path}"
        if len(item.endpoints) > 1:
            target += f" (+{len(item.endpoints) - 1})"
    elif display and item.kind in ("new_fields", "capability", "existing") and display not in name:
        target = f" for {display}"
    return f"{name}{target}"


def _with_recipe_shapes(
    item: SpecItem,
    recipe: Recipe,
    index: CodeIndex,
    routing: Routing,
    spec: ChangeSpec,
    externals: list[str],
) -> SpecItem:
    update: dict[str, object] = {}
    if recipe.entity_nouns and item.new_entity is None:
        said = set(lemmas(spec.request))
        noun = next((n for n in recipe.entity_nouns if n in said), recipe.entity_nouns[0])
        item = item.model_copy(
            update={
                "new_entity": NewEntity(
                    name=noun[:1].upper() + noun[1:],
                    table=table_name(index, plural_noun(noun)),
                    fields=[
                        FieldSpec(name="id", type="bigint", nullable=False, unique=True),
                        FieldSpec(name="name", nullable=False),
                        FieldSpec(name="created_at", type="timestamp", nullable=False),
                    ],
                )
            }
        )
    values = _values(item, index, routing, spec, externals)
    if recipe.entity is not None and item.new_entity is None:
        name = fill(recipe.entity.name, values)
        table = fill(recipe.entity.table, values)
        if name and table:
            fields = []
            for template in recipe.entity.fields:
                ref = fill(template.references, values) if template.references else None
                fname = fill(template.name, values) or template.name
                fields.append(
                    FieldSpec(
                        name=re.sub(r"[^a-z0-9_]", "_", fname.lower()),
                        type=template.type,
                        nullable=template.nullable,
                        unique=template.unique,
                        index=template.index,
                        references=ref,
                    )
                )
            update["new_entity"] = NewEntity(
                name=re.sub(r"[^A-Za-z0-9]", "", name[:1].upper() + name[1:]),
                table=table_name(index, re.sub(r"[^a-z0-9_]", "_", table.lower())),
                fields=fields,
                unique=[[fill(c, values) or c for c in group] for group in recipe.entity.unique],
            )
    if recipe.fields and not item.new_fields:
        update["new_fields"] = [
            FieldSpec(
                name=re.sub(
                    r"[^a-z0-9_]",
                    "_",
                    (fill(f.name, values) or f.name.replace("{", "").replace("}", "")).lower(),
                ).strip("_"),
                type=f.type,
                nullable=f.nullable,
                unique=f.unique,
                index=f.index,
                references=fill(f.references, values) if f.references else None,
            )
            for f in recipe.fields
        ]
    if recipe.endpoints and not item.new_endpoints:
        new = []
        for shape in recipe.endpoints:
            path = fill(shape.path, values)
            purpose = fill(shape.purpose, values)
            method = values["update_method"] if shape.method == "{update_method}" else shape.method
            if path and purpose:
                path = style_path("/" + "/".join(p for p in path.split("/") if p), routing)
                new.append(
                    NewEndpoint(method=method, path=path, purpose=purpose, public=shape.public)
                )
        update["new_endpoints"] = new
    return item.model_copy(update=update) if update else item


def _role_files(
    role: str, item: SpecItem, entity: Entity | None, index: CodeIndex, fs: object
) -> list[str]:
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    endpoints = item.endpoints
    if not endpoints and entity is not None and role in ("registration", "handler"):
        serving = index.serving(entity)
        key = [index.item_of(entity), index.collection_of(entity)]
        endpoints = [endpoint_ref(e) for e in key if e is not None] or [
            endpoint_ref(e) for e in serving[:2]
        ]
    if role == "registration":
        out = [e.file for e in endpoints if e.file is not None]
        if item.template:
            out += _template_files(item, index, "registration")
        return list(dict.fromkeys(out))[:3]
    if role == "handler":
        out = [p for e in endpoints if (p := e.handler_file or e.file)]
        if item.template:
            out = _template_files(item, index, "handler") + out
        return [p for p in dict.fromkeys(out) if p][:3]
    entity_words = resolve_entity_words(entity) if entity is not None else []
    if role == "model":
        found = place.model_file(entity) if entity is not None else None
        if found is None and entity is not None:
            return place.model_fallback(fs, entity_words)
        return [found] if found else []
    if role == "user_model":
        found = place.model_file(index.user) if index.user is not None else None
        return [found] if found else []
    if role in ("service", "repository", "serializer"):
        if entity is None:
            return []
        from backend_planner.planning.investigate import LayerRole
        from backend_planner.planning.investigate import entity_files as layer_files

        roles: tuple[LayerRole, ...] = ("serializer",)
        if role == "repository":
            roles = ("repository", "query")
        elif role == "service":
            roles = ("service",)
        operation = _operation_of(item, index)
        layered = [
            f.path
            for target in [entity, *read_models(index, entity)]
            for f in layer_files(index.service, target, list(fs.ordered), roles, operation, limit=2)
        ][:3]
        layered = layered or place.entity_files(fs, entity_words, role)[:2]
        if not layered and role == "service":
            # no service layer by name: the file beside the handler doing its work
            # (articles/handler.py next to routes.py), else a file named for the entity
            handlers = [p for e in endpoints if (p := e.handler_file or e.file)]
            layered = place.logic_files(fs, entity_words, handlers)[:1]
        return layered
    if role == "auth":
        return place.auth_files(fs)[:3]
    if role == "config":
        config = place.config_file(fs)
        return [config] if config else []
    if role == "entry":
        entry = place.entry_file(fs)
        return [entry] if entry else []
    return []


def _auto_migration(work: Work, kind: str, item: SpecItem) -> None:
    """No migration files: the ORM creates the schema from the models at start-up — the new
    model is registered in that call (a new column follows its model)."""
    from backend_planner.planning.patterns import REPO_COMMANDS

    repo = REPO_COMMANDS.get()
    if repo is None or repo.auto_migration is None:
        return
    work.add(repo.auto_migration, create=False)
    if kind == "new_entity" and item.new_entity is not None:
        work.critical.append(
            f"{item.new_entity.name} is registered in the schema auto-migration in "
            f"{repo.auto_migration}, and the table is created on start-up"
        )
    else:
        work.critical.append(
            f"The auto-migration in {repo.auto_migration} adds the new column to existing "
            "databases (or a one-off migration does, if it cannot alter tables)"
        )


def _registries(path: str, fs: object) -> list[str]:
    """Files that must list a new file of this folder (per language, from the vocabulary)."""
    import fnmatch

    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    patterns = vocabulary()["registries"].get(fs.service.language or "", [])
    folder = posixpath.dirname(path)
    out = []
    for pattern in patterns:
        for candidate in (folder, posixpath.dirname(folder)):
            found = sorted(
                p
                for p in fs.all
                if posixpath.dirname(p) == candidate
                and fnmatch.fnmatch(posixpath.basename(p), pattern)
            )
            if found:
                out.append(found[0])
                break
    return out


def read_models(index: CodeIndex, entity: Entity) -> list[Entity]:
    """Entities that are another shape of this one (ArticleAssembly, a read view of Article):
    named by extending its name, and no join. Their queries change with it."""
    words_ = resolve_entity_words(entity)
    out = []
    for other in index.entities:
        theirs = resolve_entity_words(other)
        if (
            other is not entity
            and len(theirs) > len(words_)
            and theirs[: len(words_)] == words_
            and not index.is_join(other)
        ):
            out.append(other)
    return out


def _operation_of(
    item: SpecItem, index: CodeIndex
) -> Literal["list", "get", "create", "update", "delete"] | None:
    """The entity operation the item's first endpoint performs (list for a GET collection)."""
    if not item.endpoints:
        return None
    endpoint = item.endpoints[0]
    parts = segments(endpoint.path)
    item_path = bool(parts) and is_param(parts[-1])
    if endpoint.method == "GET":
        return "get" if item_path else "list"
    if endpoint.method == "POST":
        return "create"
    if endpoint.method in ("PUT", "PATCH"):
        return "update"
    if endpoint.method == "DELETE":
        return "delete"
    return None


def _template_files(item: SpecItem, index: CodeIndex, role: str) -> list[str]:
    """Files of the relation the item copies: its endpoints' registration or handler files."""
    name = (item.template or "").split(" ")[0]
    template = next((e for e in index.entities if e.name == name), None)
    if template is None:
        return []
    words_ = set(lemmas(template.name)) | set(lemmas(template.table or ""))
    out = []
    for endpoint in index.endpoints:
        if (
            set(literal_lemmas(endpoint.path)) & words_ - {w for w in lemmas(item.entities[0].name)}
            if item.entities
            else set()
        ):
            path = (
                endpoint.file
                if role == "registration"
                else (endpoint.handler_file or endpoint.file)
            )
            if path:
                out.append(path)
    return list(dict.fromkeys(out))


def _registration_files(item: SpecItem, entity: Entity | None, index: CodeIndex) -> list[str]:
    refs = item.endpoints
    if not refs and entity is not None:
        found = index.item_of(entity) or index.collection_of(entity)
        refs = [endpoint_ref(found)] if found else []
    if not refs and item.recipe and index.user is not None:
        refs = [endpoint_ref(e) for e in _auth_endpoints(index)[:1]]
    return [r.file for r in refs[:1] if r.file]


def _place_new_entity(
    work: Work, item: SpecItem, index: CodeIndex, fs: object, near: Entity | None
) -> None:
    """The new entity's model: beside the entity it belongs to, in the same shape — a new file
    named like its sibling, or the shared models file when entities share one."""
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files) and item.new_entity is not None
    new_words = lemmas(item.new_entity.name)
    if near is not None and item.kind != "new_entity":
        # belongs to an existing entity: beside its model (same file, folder or app)
        source = place.model_file(near)
        if source is None:
            handlers = [p for e in item.endpoints if (p := e.handler_file or e.file)]
            handlers += [p for e in index.serving(near)[:1] if (p := e.handler_file or e.file)]
            model_words = set(vocabulary()["roles"]["model"])
            for handler in handlers:
                folder = posixpath.dirname(handler)
                for path in fs.ordered:
                    stem = posixpath.splitext(posixpath.basename(path))[0].lower()
                    if posixpath.dirname(path) == folder and stem in model_words:
                        work.add(path, create=False)
                        return
            return  # the entity lives in SQL only: the migration is its definition
        base = place.swap_names(posixpath.basename(source), resolve_entity_words(near), new_words)
        if base is None or len([e for e in index.entities if place.model_file(e) == source]) > 1:
            work.add(source, create=False)
        else:
            path = posixpath.join(posixpath.dirname(source), base)
            work.add(path, create=not fs.exists(path))
        return
    for entity in [e for e in index.entities if e is not near]:
        source = place.model_file(entity)
        if source is None:
            continue
        sharing = [e for e in index.entities if place.model_file(e) == source]
        if len(sharing) >= 2:
            work.add(source, create=False)
            return
        swapped = place.swap_names(source, resolve_entity_words(entity), new_words)
        if swapped:
            work.add(swapped, create=not fs.exists(swapped))
            return
    from backend_planner.planning.model import Resource
    from backend_planner.planning.paths import file_for

    singular = "_".join(new_words)
    resource = Resource(singular=singular, plural=item.new_entity.table)
    ref = file_for(index.service, "models", resource)
    work.add(ref.path, create=ref.create and not fs.exists(ref.path))


def _migration_slug(kind: str, item: SpecItem, values: dict[str, str]) -> str:
    if kind == "new_entity" and item.new_entity is not None:
        return f"create_{item.new_entity.table}"
    table = values.get("table", "table")
    if kind == "new_fields":
        names = [f.name for f in item.new_fields] or ["fields"]
        return f"add_{'_'.join(names[:2])}_to_{table}"
    return f"add_index_to_{table}"


def _migration_files(
    service: Service, slug: str, planned: tuple[str, ...], app_dir: str | None
) -> list[str]:
    from backend_planner.planning.paths import migration_files

    migrations = service.migrations
    if app_dir and migrations is not None and app_dir != migrations.dir:
        service = service.model_copy(
            update={"migrations": migrations.model_copy(update={"dir": app_dir})}
        )
    return list(migration_files(service, slug, planned))


def _feature_folder_filled(template: str, source: str) -> str | None:
    """`<name>/tests.py` for `accounts/views.py` → `accounts/tests.py`: the source's folder at
    the placeholder's depth."""
    marker = "<name>" if "<name>" in template else "{name}"
    depth = template.split(marker, 1)[0].count("/")
    parts = source.split("/")
    if depth >= len(parts) - 1:
        return None
    return template.replace(marker, parts[depth], 1)


def _place_tests(
    work: Work, item: SpecItem, entity: Entity | None, index: CodeIndex, fs: object
) -> None:
    from backend_planner.planning import placement as place
    from backend_planner.planning.model import Resource
    from backend_planner.planning.paths import test_file

    assert isinstance(fs, place.Files)
    words_ = resolve_entity_words(entity) if entity is not None else []
    if item.new_entity is not None and not words_:
        words_ = lemmas(item.new_entity.name)
    existing = place.entity_files(fs, words_, "test")[:2] if words_ else []
    if existing:
        work.tests_modify = existing
        return
    handlers = [p for e in item.endpoints if (p := e.handler_file or e.file)]
    interface = vocabulary()["roles"]["handler"]

    def rank(path: str) -> int:  # handlers first: an API change is tested through its API
        found = [interface.index(w) for w in words(path) if w in interface]
        return min(found) if found else len(interface)

    created = sorted(work.create, key=lambda p: (rank(p), work.create.index(p)))
    sources = [
        p
        for p in dict.fromkeys([*handlers, *created, *work.modify])
        if p.endswith(fs.ext) and not place.is_migration(p)
    ]
    if not sources:
        return
    singular = "_".join(words_) or "feature"
    resource = Resource(
        singular=singular,
        plural="_".join([*words_[:-1], pluralize(words_[-1])]) if words_ else singular,
    )
    path = test_file(index.service, sources[0], resource)
    if path and ("<name>" in path or "{name}" in path):
        path = _feature_folder_filled(path, sources[0])
    if path and not fs.exists(path):
        work.tests_create = [path]
    elif path:
        work.tests_modify = [path]


# ----------------------------------------------------------------------------- new entities


CRUD_PURPOSES = {
    ("GET", False): "list {plural}",
    ("POST", False): "create a {singular}",
    ("GET", True): "get one {singular}",
    ("PUT", True): "update a {singular}",
    ("PATCH", True): "update a {singular}",
    ("DELETE", True): "delete a {singular}",
}


def _own_endpoints(index: CodeIndex, entity: Entity) -> list[Endpoint]:
    """The entity's own collection and item endpoints (its plural is the path's last word)."""
    key = ("own", id(entity))
    if key not in index.memo:
        index.memo[key] = _own_endpoints_of(index, entity)
    return list(index.memo[key])


def _own_endpoints_of(index: CodeIndex, entity: Entity) -> list[Endpoint]:
    names = index.collection_words(entity)
    out = []
    for endpoint in index.endpoints:
        parts = segments(endpoint.path)
        literal = [p for p in parts if not is_param(p)]
        if not literal:
            continue
        tail_is_param = bool(parts) and is_param(parts[-1])
        if tail_is_param and (len(parts) < 2 or is_param(parts[-2])):
            continue
        if any(lemmas(literal[-1]) == n for n in names):
            out.append(endpoint)
    return out


def _nested_under(index: CodeIndex, child: Entity, parent: Entity) -> bool:
    parent_words = {w for n in index.collection_words(parent) for w in n}
    for endpoint in _own_endpoints(index, child):
        literal = literal_lemmas(endpoint.path)
        if len(literal) >= 2 and set(literal[:-1]) & parent_words:
            return True
    return False


def _feature_files(index: CodeIndex, fs: object, entity: Entity) -> list[str]:
    """An existing feature's file set: model, registration and handler files of its own
    endpoints, its service/repository/serializer files (no migrations, no tests)."""
    key = ("feature", id(entity), id(fs))
    if key not in index.memo:
        index.memo[key] = _feature_files_of(index, fs, entity)
    return list(index.memo[key])


def _feature_files_of(index: CodeIndex, fs: object, entity: Entity) -> list[str]:
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    out: list[str] = []
    model = place.model_file(entity)
    if model:
        out.append(model)
    for endpoint in _own_endpoints(index, entity):
        for path in (endpoint.file, endpoint.handler_file):
            if path and path not in out:
                out.append(path)
    words_ = resolve_entity_words(entity)
    others = frozenset(
        w for e in index.entities if e is not entity for w in resolve_entity_words(e)
    ) - set(words_)
    for layer in ("service", "repository", "serializer"):
        for path in place.entity_files(fs, words_, layer, others)[:2]:
            if path not in out:
                out.append(path)
    return out


def _parent_item(index: CodeIndex, parent: Entity) -> str | None:
    """The parent's item path (`/api/v1/products/{id}`) a child's endpoints nest under."""
    found = index.item_of(parent)
    return found.path if found is not None else None


def _pick_template(index: CodeIndex, fs: object, parent: Entity | None) -> Entity | None:
    """The most similar existing feature: a child nested under the same parent (comments for
    reviews on articles), else the parent, else the entity with the richest file set."""
    best: tuple[int, str, Entity] | None = None
    for entity in index.entities:
        if index.is_join(entity) or entity is index.user or not _own_endpoints(index, entity):
            continue
        score = len(_feature_files(index, fs, entity))
        if parent is None and not any(
            _nested_under(index, entity, other) for other in index.entities if other is not entity
        ):
            score += 5  # a top-level feature for a top-level thing
        if parent is not None and entity is not parent and _nested_under(index, entity, parent):
            score += 20
        elif parent is not None and entity is parent:
            score += 10
        rank = (-score, entity.name, entity)
        if best is None or rank[:2] < best[:2]:
            best = rank
    return best[2] if best else None


def _feature_registration(index: CodeIndex, fs: object) -> list[str]:
    """Files where a framework registers a new feature folder (a Django app in settings and the
    root URLconf, a NestJS module in the app module), per the vocabulary's data."""
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    table = vocabulary()["feature_registration"]
    out: list[str] = []
    for framework in index.service.frameworks:
        for name in table.get(framework, []):
            home = posixpath.dirname(out[0]) if out else None
            found = sorted(
                (p for p in fs.all if posixpath.basename(p) == name and not place.is_test(p)),
                key=lambda p: (posixpath.dirname(p) != home, p.count("/"), p),
            )
            if found:
                out.append(found[0])
    return out


def _swap_path(path: str, old: list[str], new: list[str], nested: bool) -> str:
    """An endpoint path of the template feature, for the new feature (`/articles/{slug}` →
    `/reviews/{id}` unless nested under the same parent)."""
    old_names = {" ".join(old), " ".join([*old[:-1], pluralize(old[-1])])}
    parts = segments(path)
    out: list[str] = []
    swapped_at = -1
    for i, part in enumerate(parts):
        if not is_param(part) and " ".join(lemmas(part)) in old_names:
            sep = "_" if "_" in part else "-"
            out.append(sep.join([*new[:-1], pluralize(new[-1])]))
            swapped_at = i
        else:
            out.append(part)
    if swapped_at >= 0 and swapped_at + 1 < len(out) and is_param(out[swapped_at + 1]):
        param = out[swapped_at + 1].strip("{}")
        renamed = swap_names(param, old, new)
        out[swapped_at + 1] = (
            "{" + renamed + "}" if renamed else ("{" + param + "}" if nested else "{id}")
        )
    return "/" + "/".join(out)


def _new_fields(
    index: CodeIndex,
    words_: list[str],
    template: Entity | None,
    feature: FeatureSpec | None,
    planned: set[str],
) -> list[FieldSpec]:
    """The new entity's fields: the domain's usual ones, the owner and the parent it belongs
    to, the external ids of the systems it is kept in sync with — foreign keys only to tables
    the repo has or the plan creates."""
    from backend_planner.planning.architecture import model_for
    from backend_planner.planning.model import Resource

    known = {e.table for e in index.entities if e.table} | planned
    singular = "_".join(words_)
    plural = "_".join([*words_[:-1], pluralize(words_[-1])])
    spec = feature or FeatureSpec(request="", intent="build", subject="")
    if index.user is not None and "auth" not in spec.security:
        spec = spec.model_copy(update={"security": [*spec.security, "auth"]})
    model = model_for(spec, Resource(singular=singular, plural=plural))
    user_table = index.user.table if index.user is not None else None
    fields: list[FieldSpec] = []
    for text in model.fields:
        name = text.split(" ")[0]
        if name == "id":
            fields.append(FieldSpec(name="id", type="bigint", nullable=False, unique=True))
            continue
        if "(FK" in text:
            target = text.split("→", 1)[1].strip(" )")
            if target == "users" and user_table:
                target = user_table
            if target not in known:
                continue
            fields.append(FieldSpec(name=name, type="bigint", nullable=False, references=target))
        elif name in ("created_at", "updated_at"):
            fields.append(FieldSpec(name=name, type="timestamp", nullable=False))
        else:
            fields.append(FieldSpec(name=name))
    if template is not None:
        for f in template.fields:
            if f.references and f.references in known and all(x.name != f.name for x in fields):
                fields.insert(
                    0,
                    FieldSpec(
                        name=f.name,
                        type=f.type or "bigint",
                        nullable=False,
                        references=f.references,
                    ),
                )
    return fields


def table_name(index: CodeIndex, plain: str) -> str:
    """A new table named like the repo's: its shared prefix (`t_articles` → `t_bookmarks`)."""
    tables = [e.table for e in index.entities if e.table]
    prefixes = Counter(m.group(0) for t in tables if (m := re.match(r"^[a-z]{1,4}_", t)))
    if prefixes and tables:
        prefix, count = prefixes.most_common(1)[0]
        if count * 5 >= len(tables) * 3 and not plain.startswith(prefix):
            return prefix + plain
    return plain


def plural_noun(word: str) -> str:
    """The plural of a noun, uncountable ones kept (inventory, feedback)."""
    from backend_planner.planning.request import UNCOUNTABLE

    return word if word in UNCOUNTABLE else pluralize(word)


def _analog(
    item: SpecItem,
    index: CodeIndex,
    fs: object,
    routing: Routing,
    feature: FeatureSpec | None = None,
    planned: set[str] | None = None,
) -> tuple[SpecItem, list[tuple[str, bool]]]:
    """A new entity planned by analogy with the most similar existing feature: its files with
    the names swapped (shared files modified), its endpoints with the path swapped."""
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    new_words = [w for w in lemmas(item.name) if w] or ["item"]
    parent = _entity(index, item.entities[0]) if item.entities else None
    template = _pick_template(index, fs, parent)
    table = "_".join([*new_words[:-1], plural_noun(new_words[-1])])
    name = "".join(w[:1].upper() + w[1:] for w in new_words)
    files: list[tuple[str, bool]] = []
    endpoints: list[NewEndpoint] = []
    fields = _new_fields(index, new_words, template, feature, planned or set())
    if parent is not None and parent.table:
        key = "_".join(resolve_entity_words(parent)) + "_id"
        if all(f.name != key and f.references != parent.table for f in fields):
            fields.insert(
                1, FieldSpec(name=key, type="bigint", nullable=False, references=parent.table)
            )
    table = table_name(index, table)
    update: dict[str, object] = {"new_entity": NewEntity(name=name, table=table, fields=fields)}
    if template is None:
        return _layered(item.model_copy(update=update), index, fs, routing, new_words)
    if template is not None:
        old = resolve_entity_words(template)
        nested = parent is not None and template is not parent
        sep = place.word_separator(fs)
        route_files = {e.file for e in _own_endpoints(index, template)}
        new_folder = False
        for path in _feature_files(index, fs, template):
            swapped = place.swap_names(path, old, new_words, sep)
            files.append((path, False) if swapped is None else (swapped, not fs.exists(swapped)))
            if swapped is not None and posixpath.dirname(swapped) != posixpath.dirname(path):
                new_folder = True
            if swapped is not None and path in route_files:
                # a new routes module is mounted where the others are
                mount = routing.registration_file
                if mount and fs.exists(mount) and mount not in route_files:
                    files.append((mount, False))
        if new_folder:
            for path in _feature_registration(index, fs):
                files.append((path, False))
        singular = " ".join(new_words)
        plural = " ".join([*new_words[:-1], pluralize(new_words[-1])])
        seen: set[tuple[str, str]] = set()
        under = _parent_item(index, parent) if parent is not None and template is parent else None
        for endpoint in _own_endpoints(index, template):
            path = _swap_path(endpoint.path, old, new_words, nested)
            if under is not None:
                # belongs to the parent it copies: nested under the parent's own item path
                parts = segments(path)
                tail = parts[-1] if parts and is_param(parts[-1]) else None
                owner = resolve_entity_words(parent) if parent is not None else []
                own = [w for w in new_words if w not in owner] or new_words
                collection = "-".join([*own[:-1], plural_noun(own[-1])])
                child = "id" if "{id}" not in under else "_".join(own) + "_id"
                path = f"{under}/{collection}" + ("/{" + child + "}" if tail else "")
            shape = (endpoint.method, path)
            if shape in seen:
                continue
            seen.add(shape)
            item_path = is_param(segments(path)[-1]) if segments(path) else False
            purpose = CRUD_PURPOSES.get((endpoint.method, item_path), "{plural}")
            endpoints.append(
                NewEndpoint(
                    method=endpoint.method,
                    path=style_path(path, routing),
                    purpose=purpose.format(singular=singular, plural=plural),
                )
            )
        if feature is not None and any(e.kind == "payments" for e in feature.external):
            # its state comes from the payment provider's webhooks, never from a client update
            endpoints = [e for e in endpoints if e.method not in ("PUT", "PATCH")]
        update["new_endpoints"] = endpoints
        update["template"] = f"{template.name.split('.')[-1]}" + (
            f" ({template.table})" if template.table else ""
        )
    return item.model_copy(update=update), files


def _layered(
    item: SpecItem, index: CodeIndex, fs: object, routing: Routing, new_words: list[str]
) -> tuple[SpecItem, list[tuple[str, bool]]]:
    """No existing feature to copy (no endpoint in the map): the layers' naming from the
    profile — model, repository, service, handler, routes — and REST endpoints."""
    from backend_planner.planning import placement as place
    from backend_planner.planning.model import Resource
    from backend_planner.planning.paths import file_for, layer_file, routes_file

    assert isinstance(fs, place.Files)
    service = index.service
    singular = "_".join(new_words)
    plural = "_".join([*new_words[:-1], pluralize(new_words[-1])])
    resource = Resource(singular=singular, plural=plural)
    files: list[tuple[str, bool]] = []
    refs = [
        file_for(service, "models", resource),
        layer_file(service, "repositories", resource),
        file_for(service, "services", resource),
        file_for(service, "handlers", resource),
        routes_file(service, resource, routing.registration_file),
    ]
    for ref in refs:
        if ref is not None and all(ref.path != p for p, _ in files):
            files.append((ref.path, ref.create and not fs.exists(ref.path)))
    parent = _entity(index, item.entities[0]) if item.entities else None
    if parent is not None:  # the thing it belongs to exposes it
        words_p = resolve_entity_words(parent)
        owner = Resource(
            singular="_".join(words_p),
            plural="_".join([*words_p[:-1], pluralize(words_p[-1])]),
        )
        ref = layer_file(service, "handlers", owner)
        if ref is not None and fs.exists(ref.path):
            files.append((ref.path, False))
    prefix = common_prefix(index, routing)
    collection = f"{prefix}/{plural.replace('_', '-')}"
    member = style_path(f"{collection}/{{id}}", routing)
    words_ = " ".join(new_words)
    endpoints = [
        NewEndpoint(method="POST", path=collection, purpose=f"create a {words_}"),
        NewEndpoint(method="GET", path=collection, purpose=f"list {words_}s"),
        NewEndpoint(method="GET", path=member, purpose=f"get one {words_}"),
        NewEndpoint(method=routing.update_method, path=member, purpose=f"update a {words_}"),
        NewEndpoint(method="DELETE", path=member, purpose=f"delete a {words_}"),
    ]
    return item.model_copy(update={"new_endpoints": endpoints}), files


# ----------------------------------------------------------------------------- integrations


def work_handlers(index: CodeIndex) -> list[str]:
    """The files most endpoints' handlers live in, most used first."""
    counts = Counter(p for e in index.endpoints if (p := e.handler_file or e.file))
    return [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _integration(
    work: Work,
    external: ExternalSystem,
    index: CodeIndex,
    fs: object,
    routing: Routing,
    prefix: str,
    near: list[str],
) -> None:
    """An external system: its client, its webhook endpoint (signature verified) when it calls
    back, and what integrating it implies (the catalog's implications)."""
    from backend_planner.planning import placement as place

    assert isinstance(fs, place.Files)
    work.add(
        place.new_file(fs, "service", external.service, near[:1] or work_handlers(index)[:1]),
        create=True,
    )
    endpoints = list(work.item.new_endpoints)
    if external.webhook:
        path = f"{prefix}/webhooks/{external.service.replace('_', '-')}"
        endpoints.append(
            NewEndpoint(
                method="POST",
                path=path,
                purpose=f"receive {external.name} events (signature verified)",
                public=True,
            )
        )
        interface = vocabulary()["roles"]["handler"]

        def rank(path: str) -> int:
            found = [interface.index(w) for w in words(path) if w in interface]
            return min(found) if found else len(interface)

        created = sorted((p for p in near if rank(p) < len(interface)), key=lambda p: (rank(p), p))
        stem = f"{external.service}_webhook"
        if created:  # beside the new feature's handlers, named like them
            folder = posixpath.dirname(created[0])
            name = place.sibling_name(fs, folder, stem, "handler", like=created[0])
            hook = posixpath.join(folder, name)
        else:
            hook = place.new_file(fs, "handler", stem, work_handlers(index)[:1])
        work.add(hook, create=True)
        if routing.registration_file and fs.exists(routing.registration_file):
            work.add(routing.registration_file, create=False)
        else:
            registration = Counter(e.file for e in index.endpoints).most_common(1)
            if registration:
                work.add(registration[0][0], create=False)
        work.critical.append(
            f"Webhook signature verification: POST {path} rejects events whose signature does "
            "not verify (400) before any processing, and ignores replayed event ids"
        )
        work.expectations.append(
            f"{external.name} webhooks are handled once each, and forged signatures are rejected"
        )
    else:
        work.expectations.append(
            f"{external.name} failures (timeouts, 5xx) are handled without losing the "
            "user's request"
        )
    work.item = work.item.model_copy(update={"new_endpoints": endpoints})
    work.requirements = [i.rstrip(".") for i in external.implications]
    work.critical.append(f"{external.name} calls go through one client with timeouts and retries")
    work.security = sorted(
        {"secrets", "input_validation"}
        | ({"webhook_signature"} if external.webhook else set())
        | ({"idempotency"} if external.kind == "payments" else set())
        | ({"pii"} if external.pii else set())
    )


def _derived_field_criteria(item: SpecItem, entity: Entity) -> list[str]:
    """A new number or flag on an entity with text columns is usually derived from them: it is
    computed by the server on create and on every update of its source, never sent by clients."""
    preference = ["body", "content", "text", *vocabulary()["field_types"]["text"], "title"]
    names = {f.name for f in entity.fields}
    sources = [name for name in dict.fromkeys(preference) if name in names]
    out = []
    for field_ in item.new_fields:
        if field_.type in ("integer", "decimal", "boolean") and sources:
            out.append(
                f"{field_.name} is derived by the server from the words of "
                f"{', '.join(sources[:2])} on create "
                f"and recomputed on every update of {sources[0]} (clients never send it); "
                "existing rows are backfilled by the migration or a one-off job"
            )
    return out


def _join_texts(work: Work, item: SpecItem) -> None:
    """A many-to-many relation between two existing entities, through a join entity."""
    target, thing = item.entities
    join = item.new_entity
    assert join is not None
    like = f", shaped like the existing {item.template}" if item.template else ""
    work.requirements = [
        f"Join {target.name} and {thing.name} through {join.name} ({join.table}: "
        + ", ".join(f.name for f in join.fields)
        + f"){like}, one row per pair (unique), removed with either side",
        f"{target.name} responses include its {thing.table or thing.name}, loaded with the "
        "list query (no query per row); creating and updating accepts them",
    ]
    work.critical = [
        f"A {target.name} can be given {thing.table or thing.name} and returns them; the same "
        "pair is never stored twice",
        f"Deleting a {target.name} or a {thing.name} removes their {join.table} rows",
    ]
    work.expectations = [
        f"A user attaches {thing.table or thing.name} to a {target.name} and reads them back",
        f"Listing {target.table or target.name} shows each one's {thing.table or thing.name}",
    ]
    work.unchanged = [f"{target.name} and {thing.name} keep their endpoints and tests"]
    work.security = ["auth", "input_validation"]


def _new_entity_texts(work: Work, item: SpecItem) -> None:
    entity = item.new_entity
    assert entity is not None
    fields = ", ".join(
        f.name + (f" → {f.references}" if f.references else "") for f in entity.fields
    )
    shown = ", ".join(f"{e.method} {e.path}" for e in item.new_endpoints[:6])
    like = f" following the existing {item.template} feature" if item.template else ""
    work.requirements = [
        f"Create {entity.name} (table {entity.table}: {fields}){like}: the same layers, file "
        "names, registration and response shape",
    ]
    if shown:
        work.requirements.append(f"Endpoints: {shown}")
    work.critical = [f"Endpoints work as specified: {shown}"] if shown else []
    work.critical.append(
        f"{entity.name} rows reference only existing rows (foreign keys enforced by the database)"
        if any(f.references for f in entity.fields)
        else f"{entity.name} is persisted and read back unchanged"
    )
    work.expectations = [f"User can {e.purpose} ({e.method} {e.path})" for e in item.new_endpoints]
    work.expectations.append(f"{entity.name} state is persisted and survives a restart")
    work.expectations.append("Invalid input is rejected with a clear 4xx error")
    if item.template:
        work.unchanged = [f"The existing {item.template} feature keeps its behaviour and tests"]
    work.security = ["auth", "input_validation"]
