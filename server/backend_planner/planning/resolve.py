"""Reading a request against the code map: which entities, endpoints and recipes it names.

Pure and deterministic: works on the words of the request and a service's code map (its
`endpoints` and `entities`). Words are compared as lower-case singulars (the code map's
inflector), so "articles", "Article" and "article" are one word.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from backend_planner.planning.recipes import Recipe, load_recipes
from backend_planner.workspace.codemap.inflection import pluralize, singularize
from backend_planner.workspace.codemap.routepath import normalize
from backend_planner.workspace.profile import Endpoint, Entity, Service

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_EXPLICIT = re.compile(
    r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[\w{}:<>/.\-]*)|(?<![\w/])(/[a-z][\w{}:<>/.\-]*)",
    re.IGNORECASE,
)
COLLECTION_METHODS = ("GET", "POST")
ITEM_METHODS = ("GET", "PUT", "PATCH", "DELETE")


@cache
def vocabulary() -> dict[str, dict[str, list[str]]]:
    text = (
        resources.files("backend_planner.planning")
        .joinpath("catalog/vocabulary.toml")
        .read_text(encoding="utf-8")
    )
    data: dict[str, dict[str, list[str]]] = tomllib.loads(text)
    return data


@cache
def lemma(word: str) -> str:
    """A word's comparison form: lower case, singular ("Articles" → "article")."""
    word = word.lower()
    if len(word) > 3 and not word.endswith(("ss", "us", "is", "ing")):
        word = singularize(word)
    spelling = vocabulary()["spellings"].get(word)
    return spelling[0] if spelling else word


def words(text: str) -> list[str]:
    """The lower-case words of `text`, camelCase and snake_case split."""
    return list(_words(text))


@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_CAMEL.sub(r"\1 \2", text).replace("_", " ").lower()))


def lemmas(text: str) -> list[str]:
    return list(_lemmas(text))


@lru_cache(maxsize=1 << 16)
def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemma(w) for w in _words(text))


def contains(haystack: list[str], needle: list[str]) -> int:
    """Position of `needle` as adjacent words of `haystack`, or -1."""
    n = len(needle)
    if not n:
        return -1
    for i in range(len(haystack) - n + 1):
        if haystack[i : i + n] == needle:
            return i
    return -1


# ----------------------------------------------------------------------------- code index


def entity_words(entity: Entity) -> list[str]:
    """An entity's name as lemmas: `FavouriteArticle` → ["favourite", "article"]."""
    name = entity.name.split(".")[-1]
    out = lemmas(name)
    suffixes = set(vocabulary()["entity_names"]["suffixes"])
    while len(out) > 1 and out[-1] in suffixes:
        out = out[:-1]
    return out or lemmas(entity.table or "")


def table_words(entity: Entity) -> list[str]:
    return lemmas(entity.table or "")


def segments(path: str) -> list[str]:
    return list(_segments(path))


@lru_cache(maxsize=1 << 14)
def _segments(path: str) -> tuple[str, ...]:
    return tuple(s for s in normalize(path).split("/") if s)


def collection_segment(path: str, *, item: bool) -> str | None:
    """The collection word of a path: `articles` in `/api/articles` (item=False) or in
    `/api/articles/{slug}` (item=True); None when the path is not of that shape."""
    parts = _segments(path)
    if item:
        if len(parts) < 2 or not is_param(parts[-1]) or is_param(parts[-2]):
            return None
        return parts[-2]
    if not parts or is_param(parts[-1]):
        return None
    return parts[-1]


def is_param(segment: str) -> bool:
    return segment.startswith("{")


def literal_lemmas(path: str) -> list[str]:
    return list(_literal_lemmas(path))


@lru_cache(maxsize=1 << 14)
def _literal_lemmas(path: str) -> tuple[str, ...]:
    ignore = set(vocabulary()["segments"]["ignore"])
    out: list[str] = []
    for segment in segments(path):
        if is_param(segment) or segment.lower() in ignore:
            continue
        out += lemmas(segment)
    return tuple(out)


@dataclass
class CodeIndex:
    """A service's code map arranged for lookups by word."""

    service: Service
    entities: list[Entity]
    endpoints: list[Endpoint]
    user: Entity | None = None
    by_word: dict[str, list[Entity]] = field(default_factory=dict)
    memo: dict[object, Any] = field(default_factory=dict)  # per-index caches of the engines

    @classmethod
    def of(cls, service: Service) -> CodeIndex:
        """The index of a service (the last few are kept: one plan asks several times)."""
        for known, index in _RECENT:
            if known is service:
                return index
        index = cls._build(service)
        _RECENT.insert(0, (service, index))
        del _RECENT[8:]
        return index

    @classmethod
    def _build(cls, service: Service) -> CodeIndex:
        endpoints = sorted(service.endpoints, key=lambda e: (e.path, e.method, e.file, e.line))
        entities = sorted(service.entities, key=lambda e: (e.name, e.file, e.line))
        index = cls(service=service, entities=entities, endpoints=endpoints)
        for entity in entities:
            for key in {" ".join(entity_words(entity)), " ".join(table_words(entity))}:
                if key:
                    index.by_word.setdefault(key, []).append(entity)
        heads: dict[str, list[Entity]] = {}
        for entity in entities:
            name = entity_words(entity)
            if len(name) > 1:
                heads.setdefault(name[-1], []).append(entity)
        for head, owners in heads.items():
            if head not in index.by_word and len(owners) == 1:
                index.by_word[head] = owners  # article_comments is the comments
        users = vocabulary()["auth"]["user_entities"]
        for word in users:
            found = index.by_word.get(word)
            if found:
                index.user = found[0]
                break
        return index

    # -- entities

    def entity_named(self, phrase: list[str]) -> Entity | None:
        """The entity whose name (or table) is exactly the lemmas `phrase`."""
        found = self.by_word.get(" ".join(phrase))
        if not found:
            return None
        # Of several (a model and its table's DDL merged elsewhere), the one with most fields.
        return sorted(found, key=lambda e: (-len(e.fields), e.name))[0]

    def is_join(self, entity: Entity) -> bool:
        """A join entity: two or more references and few fields of its own."""
        refs = [
            f
            for f in entity.fields
            if f.references or (f.name.lower().endswith(("_id", "id")) and f.name.lower() != "id")
        ]
        return len(refs) >= 2 and len(entity.fields) - len(refs) <= 3

    def joins_of(self, entity: Entity) -> list[Entity]:
        """Join entities that reference `entity` (by FK or by a `<singular>_id` field)."""
        table = entity.table or ""
        singular = "_".join(entity_words(entity))
        out = []
        for other in self.entities:
            if other is entity or not self.is_join(other):
                continue
            if any(
                (f.references or "").split(".")[0] in (table, entity.name)
                or f.name.lower() in (f"{singular}_id", f"{singular}id".replace("_", ""))
                for f in other.fields
            ):
                out.append(other)
        return out

    # -- endpoints

    def serving(self, entity: Entity) -> list[Endpoint]:
        """Endpoints whose path names the entity's collection (its table or plural name)."""
        names = self.collection_words(entity)
        out = []
        for endpoint in self.endpoints:
            literal = literal_lemmas(endpoint.path)
            if any(contains(literal, n) >= 0 for n in names):
                out.append(endpoint)
        return out

    def collection_words(self, entity: Entity) -> list[list[str]]:
        out = [entity_words(entity)]
        if table_words(entity) and table_words(entity) != out[0]:
            out.append(table_words(entity))
        return [w for w in out if w]

    def collection_of(self, entity: Entity) -> Endpoint | None:
        """The entity's GET collection endpoint: its path ends with the entity's plural."""
        return self._ending(entity, "GET", item=False)

    def item_of(self, entity: Entity, method: str = "GET") -> Endpoint | None:
        return self._ending(entity, method, item=True)

    def _ending(self, entity: Entity, method: str, *, item: bool) -> Endpoint | None:
        candidates = []
        for endpoint in self.endpoints:
            if endpoint.method != method:
                continue
            last = collection_segment(endpoint.path, item=item)
            if last is None:
                continue
            if any(lemmas(last) == n for n in self.collection_words(entity)):
                candidates.append(endpoint)
        candidates.sort(key=lambda e: (len(segments(e.path)), e.path))
        return candidates[0] if candidates else None

    def with_segment(self, word: str) -> list[Endpoint]:
        """Endpoints with a literal path segment (or handler name) whose lemma is `word`."""
        out = []
        for endpoint in self.endpoints:
            if word in literal_lemmas(endpoint.path):
                out.append(endpoint)
        return out

    def explicit(self, text: str) -> list[Endpoint]:
        """Endpoints the request writes out: `GET /api/articles`, `/api/articles/feed`."""
        out: list[Endpoint] = []
        for match in _EXPLICIT.finditer(text):
            method = (match.group(1) or "").upper()
            raw = match.group(2) or match.group(3) or ""
            path = normalize(raw.rstrip(".,;:)"))
            shape = _shape(path)
            for endpoint in self.endpoints:
                if method and endpoint.method != method:
                    continue
                known = _shape(endpoint.path)
                if (known == shape or known.endswith(shape)) and endpoint not in out:
                    out.append(endpoint)
        return out

    def closest(self, phrase: list[str], limit: int = 3) -> list[Endpoint]:
        """The endpoints nearest to `phrase` by shared letters of path words (never empty when
        the service has endpoints): what a reader would look at instead."""
        target = " ".join(phrase)

        def score(endpoint: Endpoint) -> tuple[float, str, str]:
            literal = " ".join(literal_lemmas(endpoint.path)) or endpoint.path
            return (-_similarity(target, literal), endpoint.path, endpoint.method)

        gets = [e for e in self.endpoints if e.method == "GET"]
        ranked = sorted(gets or self.endpoints, key=score)
        out: list[Endpoint] = []
        for endpoint in ranked:
            if all(e.path != endpoint.path for e in out):
                out.append(endpoint)
            if len(out) == limit:
                break
        return out


_RECENT: list[tuple[Service, CodeIndex]] = []


def _shape(path: str) -> str:
    """A path with every parameter written `{}`: `/api/articles/{slug}` → `/api/articles/{}`."""
    return "/" + "/".join("{}" if is_param(s) else s.lower() for s in segments(path))


def _similarity(a: str, b: str) -> float:
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio()


# ----------------------------------------------------------------------------- recipes


@dataclass(frozen=True)
class RecipeMatch:
    recipe: Recipe
    phrase: str  # the trigger that matched
    start: int  # word position in the request
    end: int


DETERMINERS = frozenset({"a", "an", "the", "their", "its", "our", "my", "your", "each", "every"})


def match_recipes(text: str) -> list[RecipeMatch]:
    """Recipes the request names, in request order; overlaps resolved by priority.

    Triggers match adjacent words, determiners aside ("publish an event" is "publish event")."""
    full = lemmas(text)
    keep = [i for i, w in enumerate(full) if w not in DETERMINERS]
    request = [full[i] for i in keep]
    present = set(full) | set(words(text))
    found: list[RecipeMatch] = []
    for recipe in load_recipes().values():
        if recipe.requires_any and not present & {lemma(w) for w in recipe.requires_any} | (
            present & set(recipe.requires_any)
        ):
            continue
        if any(lemma(w) in present or w in present for w in recipe.excludes):
            continue
        best: RecipeMatch | None = None
        for trigger in recipe.triggers:
            needle = [w for w in lemmas(trigger) if w not in DETERMINERS]
            at = contains(request, needle)
            if at >= 0 and (best is None or len(needle) > best.end - best.start):
                start, end = keep[at], keep[at + len(needle) - 1] + 1
                best = RecipeMatch(recipe, trigger, start, end)
        if best is not None:
            found.append(best)
    dropped = {other for m in found for other in m.recipe.replaces}
    found = [m for m in found if m.recipe.key not in dropped]
    # Overlapping spans: the higher priority (then the longer trigger) keeps the words.
    found.sort(key=lambda m: (-m.recipe.priority, -(m.end - m.start), m.recipe.key))
    kept: list[RecipeMatch] = []
    for match in found:
        if any(match.start < k.end and k.start < match.end for k in kept):
            continue
        kept.append(match)
    return sorted(kept, key=lambda m: (m.start, m.recipe.key))


# ----------------------------------------------------------------------------- mentions


@dataclass(frozen=True)
class Mention:
    """An entity the request names, where, and by which words."""

    entity: Entity
    start: int
    end: int
    synonym: bool = False


def find_entities(text: str, index: CodeIndex, skip: set[int] | None = None) -> list[Mention]:
    """Entities the request names (longest names first, then synonyms), in request order.

    `skip` holds word positions already taken (by recipe triggers), never read as entities.
    """
    request = lemmas(text)
    taken = set(skip or ())
    found: list[Mention] = []
    keys = sorted(index.by_word, key=lambda k: (-len(k.split()), k))
    for key in keys:
        needle = key.split()
        for i in range(len(request) - len(needle) + 1):
            span = set(range(i, i + len(needle)))
            if request[i : i + len(needle)] == needle and not span & taken:
                entity = index.entity_named(needle)
                if entity is not None:
                    found.append(Mention(entity, i, i + len(needle)))
                    taken |= span
    synonyms = vocabulary()["synonyms"]
    for i, word in enumerate(request):
        if i in taken or word not in synonyms:
            continue
        for other in synonyms[word]:
            entity = index.entity_named([other])
            if entity is not None:
                found.append(Mention(entity, i, i + 1, synonym=True))
                taken.add(i)
                break
    found.sort(key=lambda m: m.start)
    return found


def operation_at(request: list[str], start: int, end: int) -> str | None:
    """The operation word nearest a mention (within three words either side)."""
    ops = vocabulary()["operations"]
    best: tuple[int, str] | None = None
    for i in range(max(0, start - 3), min(len(request), end + 3)):
        if start <= i < end:
            continue
        for op, names in ops.items():
            if request[i] in names or request[i] in {lemma(n) for n in names}:
                distance = abs(i - start) if i < start else abs(i - end + 1)
                if best is None or distance < best[0]:
                    best = (distance, op)
    return best[1] if best else None


def endpoint_for(index: CodeIndex, entity: Entity, operation: str | None) -> Endpoint | None:
    update = "PATCH" if any(e.method == "PATCH" for e in index.endpoints) else "PUT"
    if operation in (None, "list"):
        return index.collection_of(entity)
    if operation == "create":
        return index._ending(entity, "POST", item=False)
    if operation == "get":
        return index.item_of(entity, "GET")
    if operation == "update":
        return index.item_of(entity, update) or index.item_of(entity, "PUT")
    if operation == "delete":
        return index.item_of(entity, "DELETE")
    return None


def segment_endpoints(text: str, index: CodeIndex, skip: set[str]) -> list[Endpoint]:
    """Endpoints named by a distinctive path word of the request ("login", "feed")."""
    request = lemmas(text)
    entity_keys = {w for key in index.by_word for w in key.split()}
    out: list[Endpoint] = []
    for word in dict.fromkeys(request):
        if word in skip or word in entity_keys or len(word) < 3:
            continue
        for endpoint in index.with_segment(word):
            if endpoint not in out:
                out.append(endpoint)
    return out


def pluralized(word: str) -> str:
    return pluralize(word)
