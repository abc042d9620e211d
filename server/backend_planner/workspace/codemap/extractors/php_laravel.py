"""The Laravel extractor: one parse of each PHP file gives the facts of its classes (for
handlers and models), its route registrations and its migrations; resolution turns them into
the endpoints (php_laravel_routes) and entities (php_eloquent) of the service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import (
    Extractor,
    FileFacts,
    Part,
    ServiceContext,
)
from backend_planner.workspace.codemap.extractors.php_eloquent import (
    MigrationReader,
    read_model,
    resolve_entities,
)
from backend_planner.workspace.codemap.extractors.php_laravel_routes import (
    RouteReader,
    config_keys,
    read_config_values,
    resolve_routes,
)
from backend_planner.workspace.codemap.extractors.php_route_attributes import (
    ATTRIBUTE_CONFIG,
    read_attribute_config,
    read_route_attributes,
    resolve_attribute_routes,
)
from backend_planner.workspace.codemap.extractors.php_syntax import Names, read_names, top_level

if TYPE_CHECKING:
    from tree_sitter import Node

ROUTE_MARKERS = (
    b"Route",
    b"$router",
    b"$route",
    b"$app",
    b"withRouting",
    b"registerDirectory",
    b"Router",
)
MIGRATION_MARKER = b"Schema"


class LaravelExtractor(Extractor):
    name = "php-laravel"
    version = 4
    extensions = frozenset({".php"})
    # classes (controllers, models), route files, migrations, bootstrap/app.php, the
    # directories of config/route-attributes.php
    markers = (
        b"class ",
        b"Route",
        b"Schema",
        b"withRouting",
        b"directories",
        b"$router",
        b"$app",
        b"prefix",
    )
    languages = frozenset({"php"})

    def wants(self, path: str) -> bool:
        """PHP files, except Blade templates (HTML; their `Route::has()` is not routing)."""
        return super().wants(path) and not path.lower().endswith(".blade.php")

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = syntax.parse("php", source).root_node
        names = read_names(root)
        facts: FileFacts = {}
        classes = [_class_facts(node, names, path) for node in _classes(root)]
        if classes:
            facts["classes"] = classes
        if any(marker in source for marker in ROUTE_MARKERS):
            facts.update(RouteReader(path, names).read(root))
        if MIGRATION_MARKER in source:
            migrations = MigrationReader(path, names).read(root)
            if migrations:
                facts["migrations"] = migrations
        if path == ATTRIBUTE_CONFIG or path.endswith("/" + ATTRIBUTE_CONFIG):
            config = read_attribute_config(root, names, path)
            if config:
                facts["attribute_config"] = config
        if any(path == f or path.endswith("/" + f) for f in config_keys()):
            values = read_config_values(root, names, path)
            if values:
                facts["config_values"] = values
        return facts or None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        endpoints = resolve_routes(facts, ctx) + resolve_attribute_routes(facts, ctx)
        return Part(endpoints=endpoints, entities=resolve_entities(facts, ctx))


def _classes(root: Node) -> list[Node]:
    return [node for node in top_level(root) if node.type == "class_declaration"]


def _class_facts(node: Node, names: Names, path: str) -> dict[str, Any]:
    """A class: its name, parent, methods (name → line) and what routing and Eloquent read
    from it (route attributes, model properties)."""
    name_node = node.child_by_field_name("name")
    name = syntax.text(name_node)
    base = next((c for c in node.named_children if c.type == "base_clause"), None)
    parent = next((c for c in base.named_children), None) if base is not None else None
    body = node.child_by_field_name("body")
    entry: dict[str, Any] = {
        "name": name,
        "fqn": f"{names.namespace}\\{name}" if names.namespace else name,
        "line": syntax.line(name_node) if name_node is not None else syntax.line(node),
        "extends": names.resolve(syntax.text(parent)) if parent is not None else None,
        "abstract": any(c.type == "abstract_modifier" for c in node.children),
        "methods": {},
    }
    class_routes = read_route_attributes(node.child_by_field_name("attributes"), names, path)
    routes = []
    for member in body.named_children if body is not None else []:
        if member.type != "method_declaration":
            continue
        method_name = member.child_by_field_name("name")
        if method_name is None:
            continue
        method = syntax.text(method_name)
        entry["methods"][method] = syntax.line(method_name)
        attributes = member.child_by_field_name("attributes")
        for route in read_route_attributes(attributes, names, path):
            if route["kind"] in ("verb", "route"):
                routes.append({**route, "method": method})
    if class_routes:
        entry["class_routes"] = class_routes
    if routes:
        entry["routes"] = routes
    model = read_model(body, names, path)
    if model:
        entry["model"] = model
    return entry


EXTRACTORS = [LaravelExtractor]
