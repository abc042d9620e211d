"""Spring MVC / WebFlux routes of Java and Kotlin code.

An endpoint is a method of a `@RestController`/`@Controller` class with a route annotation
(`@GetMapping`, `@RequestMapping(method = ...)`, Spring 6 `@GetExchange` …) — its own, or the
one of the same method in a superclass or an interface it implements (an API interface, maybe
in another module of the build: `ctx.module_files`). The class's `@RequestMapping` (or its
interface's) is the prefix. A composed annotation — an annotation type of the code annotated with
a route or controller annotation (`@RequestMapping(method = POST) @interface AnonymousPost`,
`@RestController @RequestMapping("/api") @interface ApiController`) — stands for what it is
annotated with, its own `value`/`path` replacing the path. `${placeholders}` are read from
application.properties/.yml and Spring Boot's base paths (`server.servlet.context-path` …) are
prepended. Path constants (`static final String`, `const val`) are followed across files; what
stays unknown is `{dynamic}`.

Functional endpoints (Kotlin's `router { }` DSL, Java's RouterFunctions) are read by
jvm_functional; their handler references (`handler::show`) are followed to the handler class's
method.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import (
    Extractor,
    FileFacts,
    Part,
    ServiceContext,
)
from backend_planner.workspace.codemap.extractors.jvm_config import read_config
from backend_planner.workspace.codemap.extractors.jvm_functional import (
    HANDLER_MARKER,
    ROUTER_TYPE,
    Route,
    read_routes,
)
from backend_planner.workspace.codemap.extractors.jvm_functional import (
    RULES as FUNCTIONAL,
)
from backend_planner.workspace.codemap.extractors.jvm_source import (
    Annotation,
    Item,
    TypeFacts,
    argument,
    evaluate,
    read_tree,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.codemap.syntax import grammar_of
from backend_planner.workspace.facts import Endpoint


@dataclass(frozen=True)
class Controller:
    name: str


@dataclass(frozen=True)
class RouteAnnotation:
    name: str
    path_arguments: tuple[str, ...]
    method: str | None = None
    method_argument: str | None = None


@dataclass(frozen=True)
class BasePath:
    name: str


CONTROLLERS = frozenset(c.name for c in load_rules("jvm", "controller", Controller))
ROUTES = rules_by_name("jvm", "route", RouteAnnotation)
DYNAMIC = routepath.DYNAMIC
BASE_PATHS = tuple(b.name for b in load_rules("jvm", "base_path", BasePath))
PLACEHOLDER = re.compile(r"\$\{([^}:]+)(?::([^}]*))?\}")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
PATH_KEYS = frozenset(key for rule in ROUTES.values() for key in rule.path_arguments)
MAX_COMPOSITION = 5  # composed annotations of composed annotations, this deep
# files that may declare functional routes: a router DSL call or a RouterFunction
FUNCTIONAL_MARKERS = (
    ROUTER_TYPE.encode(),
    *(name.encode() for name, role in FUNCTIONAL.items() if role == "dsl"),
)


@dataclass
class _Type:
    path: str
    package: str
    facts: TypeFacts


class SpringRoutes(Extractor):
    name = "jvm-spring"
    version = 4
    extensions = frozenset({".java", ".kt"})
    markers = (
        b"Mapping",
        b"Exchange",
        b"Controller",
        b"final String",
        b"const val",
        b"@interface",  # composed annotations
        b"annotation class",
        *FUNCTIONAL_MARKERS,
        HANDLER_MARKER.encode(),
    )
    languages = frozenset({"java", "kotlin"})
    reads_module_files = True

    def applies(self, ctx: ServiceContext) -> bool:
        return super().applies(ctx) and (not ctx.frameworks or "spring-boot" in ctx.frameworks)

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = grammar_of(path)
        if grammar not in ("java", "kotlin"):
            return None
        root = syntax.parse(grammar, source).root_node
        data = read_tree(grammar, root)
        for facts in data["types"]:
            facts.pop("fields", None)  # routes need no fields
        if any(marker in source for marker in FUNCTIONAL_MARKERS):
            routes = read_routes(grammar, root)
            if routes:
                data["routes"] = routes
        if not data["types"] and not data["constants"]:
            return None
        return data

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        index = _TypeIndex(facts)
        index.read_composed_annotations()
        config = read_config(ctx)
        base = routepath.join(*(_placeholders(config.get(k, ""), config) for k in BASE_PATHS))
        own = set(ctx.files)
        endpoints: list[Endpoint] = []
        for path in sorted(facts):
            if path not in own:
                continue  # the build's other modules only declare (interfaces, constants)
            for facts_of_type in facts[path].get("types", []):
                controller = _Type(path, facts[path].get("package", ""), facts_of_type)
                if _is_controller(controller, index):
                    endpoints += _endpoints(controller, index, config, base)
            for route in facts[path].get("routes", []):
                endpoints.append(_functional(route, path, facts[path], index, config, base))
        return Part(endpoints=endpoints)


class _TypeIndex:
    """Every type and string constant of the service and its build's modules."""

    def __init__(self, facts: Mapping[str, FileFacts]) -> None:
        self.types: dict[str, list[_Type]] = {}
        self.constants: dict[str, Item] = {}
        self.files = facts
        for path in sorted(facts):
            data = facts[path]
            for facts_of_type in data.get("types", []):
                found = _Type(path, data.get("package", ""), facts_of_type)
                self.types.setdefault(facts_of_type["name"], []).append(found)
            for key, item in data.get("constants", {}).items():
                self.constants.setdefault(key, item)
        self.controllers: set[str] = set(CONTROLLERS)
        self.composed: dict[str, Annotation] = {}  # annotation type → the route it stands for

    def read_composed_annotations(self) -> None:
        """The annotation types annotated with a controller or route annotation (or with
        another composed one: repeated until nothing changes)."""
        kinds = [
            t for found in self.types.values() for t in found if t.facts["kind"] == "annotation"
        ]
        for _ in range(MAX_COMPOSITION):
            changed = False
            for found in kinds:
                name = found.facts["name"]
                annotations = found.facts.get("annotations", [])
                if name not in self.controllers and any(
                    a["name"] in self.controllers for a in annotations
                ):
                    self.controllers.add(name)
                    changed = True
                mapping = self.route(annotations)
                if mapping is not None and name not in self.composed:
                    self.composed[name] = mapping
                    changed = True
            if not changed:
                return

    def route(self, annotations: list[Annotation]) -> Annotation | None:
        """The route annotation among `annotations`, a composed one as the annotation it stands
        for (its arguments, with the path and method the composed annotation sets)."""
        for annotation in annotations:
            if annotation["name"] in ROUTES:
                return annotation
            meta = self.composed.get(annotation["name"])
            if meta is not None:
                return _compose(annotation, meta)
        return None

    def lookup(self, name: str, near: _Type) -> _Type | None:
        """The type a simple name means from `near`: same file, same package, else any."""
        candidates = self.types.get(name, [])
        same_file = [t for t in candidates if t.path == near.path]
        same_package = [t for t in candidates if t.package == near.package]
        for found in (same_file, same_package, candidates):
            if found:
                return found[0]
        return None

    def ancestry(self, start: _Type) -> Iterator[_Type]:
        """The type, then its superclasses and interfaces, breadth first, each once."""
        queue = [start]
        seen: set[tuple[str, str]] = set()
        while queue:
            current = queue.pop(0)
            key = (current.path, current.facts["name"])
            if key in seen:
                continue
            seen.add(key)
            yield current
            for name in current.facts.get("supertypes", []):
                found = self.lookup(name, current)
                if found is not None:
                    queue.append(found)


def _compose(used: Annotation, meta: Annotation) -> Annotation:
    """`@AnonymousPost("/login")` (its type annotated `@RequestMapping(method = POST)`) read as
    `@RequestMapping(method = POST, value = "/login")`, reported at its own line."""
    args = dict(meta.get("args", {}))
    own = used.get("args", {})
    if any(key in own for key in PATH_KEYS):
        args = {k: v for k, v in args.items() if k not in PATH_KEYS}
    args.update({k: v for k, v in own.items() if k in PATH_KEYS or k == "method"})
    return {"name": meta["name"], "line": used["line"], "args": args}


def _is_controller(found: _Type, index: _TypeIndex) -> bool:
    return found.facts.get("kind") in ("class", "object") and any(
        a["name"] in index.controllers for a in found.facts.get("annotations", [])
    )


def _endpoints(
    controller: _Type, index: _TypeIndex, config: Mapping[str, str], base: str
) -> list[Endpoint]:
    chain = list(index.ancestry(controller))
    prefixes = [""]
    for found in chain:
        mapping = index.route(found.facts.get("annotations", []))
        if mapping is not None:
            prefixes = _paths(mapping, found, index, config)
            break
    own_methods = controller.facts.get("methods", [])
    done: set[tuple[str, int | None]] = set()
    out: list[Endpoint] = []
    for found in chain:
        emitted: set[tuple[str, int | None]] = set()
        for method in found.facts.get("methods", []):
            mapping = index.route(method.get("annotations", []))
            key = (method["name"], method.get("arity"))
            if mapping is None or key in done or (method["name"], None) in done:
                continue
            emitted.add(key)
            handler = method if found is controller else _implementation(method, own_methods)
            handler_file, handler_line = (
                (controller.path, handler["line"])
                if handler is not None
                else (found.path, method["line"])
            )
            for verb in _methods(mapping):
                for prefix in prefixes:
                    for route in _paths(mapping, found, index, config):
                        full = routepath.join(base, prefix, route)
                        out.append(
                            Endpoint(
                                method=verb,
                                path=full,
                                handler=f"{controller.facts['name']}.{method['name']}",
                                file=found.path,
                                line=mapping["line"],
                                handler_file=handler_file,
                                handler_line=handler_line,
                                dynamic=routepath.DYNAMIC in full,
                            )
                        )
        done |= emitted  # a supertype's mapped method the controller already serves is skipped
    return out


def _implementation(
    declared: Mapping[str, Any], methods: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The controller's method implementing a supertype's mapped method: the one with the
    same name and parameter count, else the only one with that name."""
    named = [m for m in methods if m["name"] == declared["name"]]
    same = [m for m in named if m.get("arity") == declared.get("arity")]
    if same:
        return same[0]
    return named[0] if len(named) == 1 else None


def _functional(
    route: Route,
    path: str,
    file_facts: FileFacts,
    index: _TypeIndex,
    config: Mapping[str, str],
    base: str,
) -> Endpoint:
    """A functional route, its handler reference followed to the handler class's method."""
    owner = str(route.get("owner", ""))
    parts = []
    for item in route.get("path", []):
        value = evaluate(item, index.constants, owner.split(".")[0], file_facts, DYNAMIC)
        parts.append(routepath.DYNAMIC if value is None else _placeholders(value, config))
    full = routepath.join(base, *parts)
    handler = route.get("handler") or {}
    name = owner
    handler_file: str | None = path
    handler_line: int | None = handler.get("line")
    if "method" in handler:
        kind = str(handler.get("type") or "")
        name = f"{kind or handler['receiver']}.{handler['method']}"
        near = _Type(path, file_facts.get("package", ""), {"name": owner.split(".")[0]})
        found = index.lookup(kind, near) if kind else None
        handler_file, handler_line = None, None
        for ancestor in index.ancestry(found) if found is not None else ():
            method = next(
                (m for m in ancestor.facts.get("methods", []) if m["name"] == handler["method"]),
                None,
            )
            if method is not None:
                handler_file, handler_line = ancestor.path, method["line"]
                break
    return Endpoint(
        method=str(route["method"]),
        path=full,
        handler=name,
        file=path,
        line=int(route["line"]),
        handler_file=handler_file,
        handler_line=handler_line,
        dynamic=routepath.DYNAMIC in full,
    )


def _methods(mapping: Annotation) -> list[str]:
    rule = ROUTES[mapping["name"]]
    if rule.method:
        return [rule.method]
    verbs = []
    for item in argument(mapping, rule.method_argument) if rule.method_argument else []:
        word = str(item[1]).rsplit(".", 1)[-1].strip("\"'").upper()
        if word in HTTP_METHODS and word not in verbs:
            verbs.append(word)
    return verbs or ["ANY"]


def _paths(
    mapping: Annotation, found: _Type, index: _TypeIndex, config: Mapping[str, str]
) -> list[str]:
    items = argument(mapping, *ROUTES[mapping["name"]].path_arguments)
    if not items:
        return [""]
    out = []
    for item in items:
        facts = index.files.get(found.path)
        value = evaluate(item, index.constants, found.facts["name"], facts, DYNAMIC)
        out.append(routepath.DYNAMIC if value is None else _placeholders(value, config))
    return out


def _placeholders(value: str, config: Mapping[str, str], depth: int = 0) -> str:
    """`${api.version}` replaced by its configured value (or its `:default`), else
    `{dynamic}`."""

    def replace(match: re.Match[str]) -> str:
        key, default = match.group(1).strip(), match.group(2)
        if key in config and depth < 5:
            return _placeholders(config[key], config, depth + 1)
        return default if default is not None else routepath.DYNAMIC

    return PLACEHOLDER.sub(replace, value)


EXTRACTORS = [SpringRoutes]
