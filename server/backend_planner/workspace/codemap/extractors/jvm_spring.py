"""Spring MVC / WebFlux routes of Java and Kotlin code.

An endpoint is a method of a `@RestController`/`@Controller` class with a route annotation
(`@GetMapping`, `@RequestMapping(method = ...)`, Spring 6 `@GetExchange` …) — its own, or the
one of the same method in a superclass or an interface it implements (an API interface, maybe
in another module of the build: `ctx.module_files`). The class's `@RequestMapping` (or its
interface's) is the prefix; `${placeholders}` are read from application.properties/.yml and
Spring Boot's base paths (`server.servlet.context-path` …) are prepended. Path constants
(`static final String`, `const val`) are followed across files; what stays unknown is
`{dynamic}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from backend_planner.workspace.codemap import routepath
from backend_planner.workspace.codemap.extractor import (
    Extractor,
    FileFacts,
    Part,
    ServiceContext,
)
from backend_planner.workspace.codemap.extractors.jvm_config import read_config
from backend_planner.workspace.codemap.extractors.jvm_source import (
    Annotation,
    Item,
    TypeFacts,
    argument,
    evaluate,
    read_file,
)
from backend_planner.workspace.codemap.rules import load_rules
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
ROUTES = {r.name: r for r in load_rules("jvm", "route", RouteAnnotation)}
BASE_PATHS = tuple(b.name for b in load_rules("jvm", "base_path", BasePath))
PLACEHOLDER = re.compile(r"\$\{([^}:]+)(?::([^}]*))?\}")
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@dataclass
class _Type:
    path: str
    package: str
    facts: TypeFacts


class SpringRoutes(Extractor):
    name = "jvm-spring"
    version = 2
    extensions = frozenset({".java", ".kt"})
    markers = (b"Mapping", b"Exchange", b"Controller", b"final String", b"const val")
    languages = frozenset({"java", "kotlin"})
    reads_module_files = True

    def applies(self, ctx: ServiceContext) -> bool:
        return super().applies(ctx) and (not ctx.frameworks or "spring-boot" in ctx.frameworks)

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = grammar_of(path)
        if grammar not in ("java", "kotlin"):
            return None
        data = read_file(grammar, source)
        for facts in data["types"]:
            facts.pop("fields", None)  # routes need no fields
        if not data["types"] and not data["constants"]:
            return None
        return data

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        index = _TypeIndex(facts)
        config = read_config(ctx)
        base = routepath.join(*(_placeholders(config.get(k, ""), config) for k in BASE_PATHS))
        own = set(ctx.files)
        endpoints: list[Endpoint] = []
        for path in sorted(facts):
            if path not in own:
                continue  # the build's other modules only declare (interfaces, constants)
            for facts_of_type in facts[path].get("types", []):
                controller = _Type(path, facts[path].get("package", ""), facts_of_type)
                if _is_controller(controller):
                    endpoints += _endpoints(controller, index, config, base)
        return Part(endpoints=endpoints)


class _TypeIndex:
    """Every type and string constant of the service and its build's modules."""

    def __init__(self, facts: Mapping[str, FileFacts]) -> None:
        self.types: dict[str, list[_Type]] = {}
        self.constants: dict[str, Item] = {}
        for path in sorted(facts):
            data = facts[path]
            for facts_of_type in data.get("types", []):
                found = _Type(path, data.get("package", ""), facts_of_type)
                self.types.setdefault(facts_of_type["name"], []).append(found)
            for key, item in data.get("constants", {}).items():
                self.constants.setdefault(key, item)

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


def _is_controller(found: _Type) -> bool:
    return found.facts.get("kind") in ("class", "object") and any(
        a["name"] in CONTROLLERS for a in found.facts.get("annotations", [])
    )


def _route(annotations: list[Annotation]) -> Annotation | None:
    return next((a for a in annotations if a["name"] in ROUTES), None)


def _endpoints(
    controller: _Type, index: _TypeIndex, config: Mapping[str, str], base: str
) -> list[Endpoint]:
    chain = list(index.ancestry(controller))
    prefixes = [""]
    for found in chain:
        mapping = _route(found.facts.get("annotations", []))
        if mapping is not None:
            prefixes = _paths(mapping, found, index, config)
            break
    own_methods = {m["name"]: m for m in controller.facts.get("methods", [])}
    done: set[str] = set()
    out: list[Endpoint] = []
    for found in chain:
        for method in found.facts.get("methods", []):
            mapping = _route(method.get("annotations", []))
            if mapping is None or method["name"] in done:
                continue
            done.add(method["name"])
            handler = own_methods.get(method["name"])
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
    return out


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
        value = evaluate(item, index.constants, found.facts["name"])
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
