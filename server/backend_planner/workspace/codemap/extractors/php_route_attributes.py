r"""Laravel route attributes (spatie/laravel-route-attributes): `#[Prefix('articles')]` on a
controller class, `#[Get('/{slug}')]`, `#[Post]` … `#[Route(['put', 'patch'], 'uri')]` on its
methods, `#[Resource('photos', apiResource: true)]` on the class. Attribute classes are matched
by their fully qualified name (rules: route_attribute), so an OpenAPI `#[OA\Get]` is not a route.

A controller's routes are served only when a registrar scans its directory: a
`registerDirectory(app_path('Http/Controllers/Api'))` call, under the prefix of the route group
that wraps it, or the `directories` of config/route-attributes.php (each with its group
options' prefix); when the service shows neither, the package's default config registers them
at the root.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import FileFacts, ServiceContext
from backend_planner.workspace.codemap.extractors.php_laravel_routes import (
    Base,
    ClassIndex,
    RouteAttribute,
    join_raw,
    resource_endpoints,
    rules,
)
from backend_planner.workspace.codemap.extractors.php_syntax import (
    UNKNOWN,
    Call,
    Names,
    PhpArray,
    argument,
    arguments,
    evaluate,
    file_path,
)
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

ATTRIBUTE_CONFIG = "config/route-attributes.php"


# ------------------------------------------------------------------------- extraction: one file


def read_attribute_config(root: Node, names: Names, path: str) -> dict[str, Any] | None:
    """config/route-attributes.php: `enabled` and the `directories` scanned (with the group
    options of each: `app_path('Http/Controllers/Api') => ['prefix' => 'api']`)."""
    returned = next((n for n in root.named_children if n.type == "return_statement"), None)
    if returned is None or not returned.named_children:
        return None
    config = evaluate(returned.named_children[0], names, path)
    if not isinstance(config, PhpArray):
        return None
    directories = []
    listed = config.get("directories")
    for key, value in listed.items if isinstance(listed, PhpArray) else []:
        directory, options = (key, value) if isinstance(key, str) else (value, None)
        if not isinstance(directory, str):
            continue
        prefix = options.get("prefix") if isinstance(options, PhpArray) else None
        directories.append(
            {
                "directory": directory,
                "prefix": prefix if isinstance(prefix, str) else "",
                "dynamic": False,
            }
        )
    return {"enabled": config.get("enabled") is not False, "directories": directories}


def read_route_attributes(attributes: Node | None, names: Names, path: str) -> list[dict[str, Any]]:
    """The route attributes of a class or method: [{kind, methods, uri, …, line}]."""
    out: list[dict[str, Any]] = []
    if attributes is None:
        return out
    known = rules().attributes
    for group in attributes.named_children:
        for node in group.named_children:
            if node.type != "attribute":
                continue
            written = next((c for c in node.named_children if c.type != "arguments"), None)
            rule = known.get(names.resolve(syntax.text(written)))
            if rule is None:
                continue
            call = Call(rule.name, node, node, *_attribute_arguments(node))
            out.append(_route_attribute(rule, call, names, path))
    return out


def _attribute_arguments(node: Node) -> tuple[list[Node], dict[str, Node]]:
    return arguments(node.child_by_field_name("parameters"))


def _route_attribute(rule: RouteAttribute, call: Call, names: Names, path: str) -> dict[str, Any]:
    def value(index: int, name: str) -> Any:
        return evaluate(argument(call, index, name), names, path)

    record: dict[str, Any] = {"kind": rule.kind, "line": syntax.line(call.node)}
    if rule.kind == "verb":
        record["methods"] = list(rule.methods)
        record["uri"] = _text_or_none(value(0, "uri"))
    elif rule.kind == "route":
        methods = value(0, "methods")
        if methods is UNKNOWN:
            methods = value(0, "method")
        listed = methods.strings() if isinstance(methods, PhpArray) else [methods]
        record["methods"] = [m.upper() for m in listed if isinstance(m, str)]
        record["uri"] = _text_or_none(value(1, "uri"))
    elif rule.kind == "prefix":
        record["prefix"] = _text_or_none(value(0, "prefix"))
    elif rule.kind == "resource":
        api = value(-1, "apiResource")
        record["name"] = _text_or_none(value(0, "resource"))
        record["api"] = rule.api or api is True
        for key in ("only", "except"):
            listed = value(-1, key)
            items = listed.strings() if isinstance(listed, PhpArray) else [listed]
            strings = [v for v in items if isinstance(v, str)]
            record[key] = strings or None
        shallow = value(-1, "shallow")
        record["shallow"] = shallow is True
    return record


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------- resolution: the service


def resolve_attribute_routes(facts: Mapping[str, FileFacts], ctx: ServiceContext) -> list[Endpoint]:
    """Routes of controllers with route attributes, under the prefix of each registrar that
    scans their directory (none known: registered at /, the package's default config)."""
    classes = ClassIndex.of(facts)
    registrations = _registrations(facts, ctx)
    out: list[Endpoint] = []
    for path in sorted(facts):
        for entry in facts[path].get("classes", ()):
            if not entry.get("routes") and not entry.get("class_routes"):
                continue
            covering = [r for r in registrations if _under(path, r[0])]
            if not registrations:
                covering = [("", "", False)]
            for _, base, dynamic in covering:
                out.extend(_class_endpoints(entry, path, base, dynamic, classes))
    return out


def _registrations(
    facts: Mapping[str, FileFacts], ctx: ServiceContext
) -> list[tuple[str, str, bool]]:
    """(directory, prefix, dynamic) of each registrar of attribute routes."""
    found = []
    for path in sorted(facts):
        entries = list(facts[path].get("registrars", ()))
        config = facts[path].get("attribute_config")
        if config and config.get("enabled"):
            entries.extend(config["directories"])
        for entry in entries:
            directory = file_path(entry["directory"], ctx.service_dir)
            if directory:
                found.append((directory, entry["prefix"], entry["dynamic"]))
    return found


def _under(path: str, directory: str) -> bool:
    return directory in ("", ".") or path.startswith(directory.rstrip("/") + "/")


def _class_endpoints(
    entry: dict[str, Any], file: str, base: str, base_dynamic: bool, classes: ClassIndex
) -> list[Endpoint]:
    class_routes = entry.get("class_routes", [])
    prefixes = [a.get("prefix") for a in class_routes if a["kind"] == "prefix"] or [""]
    out = []
    for prefix in prefixes:
        dynamic = base_dynamic or prefix is None
        head = join_raw(base, prefix if prefix is not None else routepath.DYNAMIC)
        for route in entry.get("routes", ()):
            uri = route["uri"]
            path = routepath.join(head, uri if uri is not None else routepath.DYNAMIC)
            line = entry["methods"].get(route["method"])
            for method in route["methods"]:
                out.append(
                    Endpoint(
                        method,
                        path,
                        f"{entry['name']}@{route['method']}",
                        file,
                        route["line"],
                        file,
                        line,
                        dynamic=dynamic or uri is None,
                    )
                )
        for resource in (a for a in class_routes if a["kind"] == "resource" and a.get("name")):
            record = {
                "macro": "apiResource" if resource["api"] else "resource",
                "name": resource["name"],
                "prefix": "",
                "dynamic": dynamic,
                "line": resource["line"],
                "controller": entry["fqn"],
                "only": resource["only"],
                "except": resource["except"],
                "add": [],
                "parameters": {},
                "shallow": resource["shallow"],
            }
            out.extend(resource_endpoints(record, Base(head, dynamic), file, classes))
    return out
