"""Django URLconfs and Django REST framework views and routers.

Per file, `extract` reads the URL pattern lists (`urlpatterns = [path(…), re_path(…)]`, `+=`,
`.append`/`.extend`, `+= router.urls`, other lists used by `include(list)`), the DRF routers
and their `register(prefix, ViewSet)` calls, the views (function views with their method
decorators, classes with their bases, handler methods, `http_method_names`, `lookup_field` and
`@action`s) and the settings `ROOT_URLCONF` / `AUTH_USER_MODEL`.

`resolve` walks the URLconf from `ROOT_URLCONF` (else from every URL module no other includes),
following `include("app.urls")`, `include(router.urls)`, `include(list)` and inline lists with
their prefixes. A function view answers ANY unless decorated (`@api_view`,
`require_http_methods`); a class view the handler methods it (or its framework base, see
`django_base` in rules/python.toml) defines; a viewset the list/detail routes of its actions
plus its `@action` routes, restricted by `http_method_names`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import python_common as py
from backend_planner.workspace.codemap.rules import rules_by_name
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tree_sitter import Node


@dataclass(frozen=True)
class PathRule:
    name: str
    regex: bool = False


@dataclass(frozen=True)
class ViewDecorator:
    name: str
    methods: tuple[str, ...] = ()
    methods_position: int = -1
    default_methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class ViewBase:
    name: str
    methods: tuple[str, ...] = ()
    viewset: bool = False
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionRule:
    name: str
    method: str
    detail: bool = False


@dataclass(frozen=True)
class RouterRule:
    name: str
    api_root: bool = False
    nested: bool = False


PATHS = rules_by_name("python", "django_path", PathRule)
VIEW_DECORATORS = rules_by_name("python", "django_view_decorator", ViewDecorator)
VIEW_BASES = rules_by_name("python", "django_base", ViewBase)
ACTIONS = rules_by_name("python", "drf_action", ActionRule)
DRF_ROUTERS = rules_by_name("python", "drf_router", RouterRule)
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
URL_LIST = "urlpatterns"
MAX_DEPTH = 12


class PythonDjango(Extractor):
    name = "python-django"
    version = 3
    extensions = frozenset({".py"})
    markers = (b"django", b"rest_framework", b"urlpatterns", b"ROOT_URLCONF")
    languages = frozenset({"python"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = syntax.parse("python", source).root_node
        found = py.structure(root)
        constants = py.module_constants(root)
        facts: dict[str, Any] = {
            "imports": py.read_imports(found.get("import", []), path),
            "constants": {k: v for k, v in constants.items() if k.isupper()},
            "lists": _url_lists(root, constants),
            "routers": _routers(found.get("assignment", []), found.get("call", []), constants),
            "functions": _functions(root),
            "classes": _classes(found.get("class", [])),
        }
        return facts

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(endpoints=_Resolver(facts, ctx).endpoints())


# --- extract ---------------------------------------------------------------------------------


def _url_lists(root: Node, constants: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Module-level lists of URL patterns by variable (`urlpatterns` and lists it includes)."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for statement in _module_statements(root):
        node = statement.named_children[0] if statement.named_children else None
        if node is None:
            continue
        if node.type in ("assignment", "augmented_assignment"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier":
                continue
            entries = _entries(right, constants)
            if entries is None:
                continue
            name = syntax.text(left)
            if node.type == "assignment":
                lists[name] = entries
            else:
                lists.setdefault(name, []).extend(entries)
        elif node.type == "call":  # urlpatterns.append(path(...)) / .extend([...])
            function = node.child_by_field_name("function")
            if function is None or function.type != "attribute":
                continue
            verb = syntax.text(function.child_by_field_name("attribute"))
            target = syntax.text(function.child_by_field_name("object"))
            argument = py.argument(node, 0)
            if verb not in ("append", "extend") or argument is None:
                continue
            entries = (
                _entries(argument, constants)
                if verb == "extend"
                else _entries_of([argument], constants)
            )
            if entries and (target in lists or target == URL_LIST):
                lists.setdefault(target, []).extend(entries)
    return lists


def _module_statements(root: Node) -> Iterator[Node]:
    """Module-level expression statements, also inside `if settings.DEBUG:` blocks."""
    for node in root.children:
        if node.type == "expression_statement":
            yield node
        elif node.type in ("if_statement", "try_statement"):
            for block in node.named_children:
                body = block if block.type == "block" else block.child_by_field_name("body")
                if body is not None and body.type == "block":
                    yield from (s for s in body.named_children if s.type == "expression_statement")


def _entries(node: Node, constants: dict[str, str]) -> list[dict[str, Any]] | None:
    """The URL entries of an expression: a list, `router.urls`, `a + b`, or None."""
    if node.type in ("list", "tuple"):
        return _entries_of(node.named_children, constants)
    if node.type == "attribute" and syntax.text(node.child_by_field_name("attribute")) == "urls":
        return [
            {
                "kind": "router",
                "router": syntax.text(node.child_by_field_name("object")),
                "route": [["s", ""]],
                "regex": False,
                "line": syntax.line(node),
            }
        ]
    if node.type == "binary_operator":
        left = _entries(node.child_by_field_name("left") or node, constants)
        right = _entries(node.child_by_field_name("right") or node, constants)
        if left is None and right is None:
            return None
        return (left or []) + (right or [])
    if node.type == "identifier":
        return [
            {
                "kind": "list",
                "list": syntax.text(node),
                "route": [["s", ""]],
                "regex": False,
                "line": syntax.line(node),
            }
        ]
    return None


def _splat_router(node: Node) -> str | None:
    """The router of `*router.urls` in a list (the grammar reads it `(*router).urls` or
    `*(router.urls)`)."""
    if node.type == "list_splat" and node.named_children:
        node = node.named_children[0]
        if node.type != "attribute":
            return None
    elif node.type != "attribute":
        return None
    owner = node.child_by_field_name("object")
    if syntax.text(node.child_by_field_name("attribute")) != "urls" or owner is None:
        return None
    if owner.type == "list_splat" and owner.named_children:
        return syntax.text(owner.named_children[0])
    return (
        syntax.text(owner) if node.parent is not None and node.parent.type == "list_splat" else None
    )


def _router_entry(router: str, node: Node) -> dict[str, Any]:
    return {
        "kind": "router",
        "router": router,
        "route": [["s", ""]],
        "regex": False,
        "line": syntax.line(node),
    }


def _entries_of(nodes: list[Node], constants: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        splat = _splat_router(node)
        if splat is not None:  # [*router.urls, …]
            out.append(_router_entry(splat, node))
            continue
        if node.type == "list_splat" and node.named_children:  # [*more_patterns, …]
            out.extend(_entries(node.named_children[0], constants) or [])
            continue
        if node.type != "call":
            continue
        rule = PATHS.get(py.last_name(syntax.text(node.child_by_field_name("function"))))
        if rule is None:
            continue
        route = py.argument(node, 0, "route")
        entry: dict[str, Any] = {
            "route": py.string_parts(route, constants) if route is not None else [["s", ""]],
            "regex": rule.regex,
            "line": syntax.line(node),
        }
        entry.update(_target(py.argument(node, 1, "view"), constants))
        out.append(entry)
    return out


def _target(view: Node | None, constants: dict[str, str]) -> dict[str, Any]:
    """What a path() points at: a view function, a class view, or an include."""
    if view is None:
        return {"kind": "view", "view": None}
    if view.type in ("identifier", "attribute"):
        text = syntax.text(view)
        if text.endswith(".urls"):  # admin.site.urls and friends
            return {"kind": "site", "view": text}
        return {"kind": "view", "view": text}
    if view.type != "call":
        return {"kind": "view", "view": None}
    function = view.child_by_field_name("function")
    name = py.last_name(syntax.text(function))
    if name == "as_view" and function is not None and function.type == "attribute":
        return {"kind": "class", "view": syntax.text(function.child_by_field_name("object"))}
    if name == "include":
        return _include(py.argument(view, 0), constants)
    wrapped = py.argument(view, 0)
    if wrapped is not None and wrapped.type in ("identifier", "attribute", "call"):
        return _target(wrapped, constants)  # login_required(view), cache_page(60)(X.as_view())
    return {"kind": "view", "view": None}


def _include(target: Node | None, constants: dict[str, str]) -> dict[str, Any]:
    if target is not None and target.type in ("tuple", "list") and target.named_children:
        first = target.named_children[0]
        if syntax.string_value(first) is not None or (
            first.type not in ("call", "list_splat") and _splat_router(first) is None
        ):
            target = first  # include(("app.urls", "namespace"))
    if target is None:
        return {"kind": "view", "view": None}
    module = syntax.string_value(target)
    if module is not None:
        return {"kind": "module", "module": module}
    if (
        target.type == "attribute"
        and syntax.text(target.child_by_field_name("attribute")) == "urls"
    ):
        return {"kind": "router", "router": syntax.text(target.child_by_field_name("object"))}
    if target.type in ("list", "tuple"):
        return {"kind": "inline", "entries": _entries_of(target.named_children, constants)}
    if target.type in ("identifier", "attribute"):
        return {"kind": "list", "list": syntax.text(target)}
    return {"kind": "view", "view": None}


def _routers(
    assignments: list[Node], calls: list[Node], constants: dict[str, str]
) -> dict[str, Any]:
    routers: dict[str, Any] = {}
    registering = {
        syntax.text(function.child_by_field_name("object"))
        for call in calls
        if (function := call.child_by_field_name("function")) is not None
        and py.last_name(syntax.text(function)) == "register"
    }
    for node in assignments:
        call = node.child_by_field_name("right")
        callee = syntax.text(call.child_by_field_name("function")) if call else ""
        left = syntax.text(node.child_by_field_name("left"))
        # a DRF router, or an instance of a class that may be one (resolve decides)
        if call is None or (py.last_name(callee) not in DRF_ROUTERS and left not in registering):
            continue
        trailing = py.argument(call, -1, "trailing_slash")
        routers[left] = {
            "class": py.last_name(callee),
            "class_ref": callee,
            "line": syntax.line(node),
            "trailing_slash": syntax.text(trailing) if trailing is not None else None,
            "registrations": [],
        }
    for call in calls:
        function = call.child_by_field_name("function")
        owner = syntax.text(function.child_by_field_name("object")) if function else ""
        if owner not in routers or py.last_name(syntax.text(function)) != "register":
            continue
        prefix, viewset = py.argument(call, 0, "prefix"), py.argument(call, 1, "viewset")
        if viewset is None:
            continue
        routers[owner]["registrations"].append(
            {
                "prefix": py.string_parts(prefix, constants) if prefix is not None else [["d", ""]],
                "viewset": syntax.text(viewset),
                "line": syntax.line(call),
            }
        )
    return routers


def _functions(root: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in root.children:
        definition = (
            node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        )
        if definition is None or definition.type != "function_definition":
            continue
        methods = _decorated_methods(node) if node.type == "decorated_definition" else None
        out[syntax.text(definition.child_by_field_name("name"))] = {
            "line": syntax.line(definition),
            "methods": methods,
        }
    return out


def _decorated_methods(node: Node) -> list[str] | None:
    for decorator in node.children:
        if decorator.type != "decorator" or not decorator.named_children:
            continue
        expression = decorator.named_children[0]
        call = expression if expression.type == "call" else None
        name = py.last_name(
            syntax.text(call.child_by_field_name("function") if call else expression)
        )
        rule = VIEW_DECORATORS.get(name)
        if rule is None:
            continue
        if rule.methods:
            return list(rule.methods)
        listed = (
            py.strings(py.argument(call, rule.methods_position, "http_method_names"))
            if call
            else None
        )
        return [m.upper() for m in listed] if listed else list(rule.default_methods) or None
    return None


def _classes(nodes: list[Node]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in nodes:
        bases, _ = py.superclasses(node)
        info: dict[str, Any] = {
            "line": syntax.line(node),
            "bases": bases,
            "methods": {},
            "attrs": {},
            "actions": [],
        }
        for child in py.class_body(node):
            _class_member(child, info)
        out.setdefault(syntax.text(node.child_by_field_name("name")), info)
    return out


def _class_member(child: Node, info: dict[str, Any]) -> None:
    assignment = py.assignment_of(child)
    if assignment is not None:
        name = syntax.text(assignment.child_by_field_name("left"))
        value = assignment.child_by_field_name("right")
        if name == "http_method_names":
            info["attrs"][name] = py.strings(value)
        elif name in ("lookup_field", "lookup_url_kwarg"):
            info["attrs"][name] = syntax.string_value(value)
        return
    definition = (
        child.child_by_field_name("definition") if child.type == "decorated_definition" else child
    )
    if definition is None or definition.type != "function_definition":
        return
    name = syntax.text(definition.child_by_field_name("name"))
    info["methods"][name] = syntax.line(definition)
    if child.type == "decorated_definition":
        action = _action(child, name, syntax.line(definition))
        if action is not None:
            info["actions"].append(action)


def _action(node: Node, name: str, def_line: int) -> dict[str, Any] | None:
    """A DRF `@action(detail=…, methods=[…], url_path=…)`."""
    for decorator in node.children:
        if decorator.type != "decorator" or not decorator.named_children:
            continue
        call = decorator.named_children[0]
        if call.type != "call" or py.last_name(
            syntax.text(call.child_by_field_name("function"))
        ) not in ("action", "detail_route", "list_route"):
            continue
        kind = py.last_name(syntax.text(call.child_by_field_name("function")))
        detail = py.boolean(py.argument(call, -1, "detail"))
        methods = py.strings(py.argument(call, -1, "methods")) or ["get"]
        url_path = syntax.string_value(py.argument(call, -1, "url_path"))
        return {
            "name": name,
            "line": syntax.line(decorator),
            "def_line": def_line,
            "detail": detail if detail is not None else kind == "detail_route",
            "methods": [m.upper() for m in methods],
            "url_path": url_path if url_path is not None else name,
        }
    return None


# --- resolve ---------------------------------------------------------------------------------


def regex_to_path(pattern: str) -> str:
    """`^articles/(?P<slug>[-\\w]+)/$` → `articles/{slug}`; unnamed groups → `{param}`."""
    pattern = pattern.lstrip("^").rstrip("$")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "(":
            end, depth = i, 0
            while end < len(pattern):
                if pattern[end] == "\\":
                    end += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[end], 0)
                if depth == 0:
                    break
                end += 1
            named = re.match(r"\(\?P<(\w+)>", pattern[i:])
            out.append("{" + (named.group(1) if named else "param") + "}")
            i = end + 1
            if i < len(pattern) and pattern[i] in "?*+":
                i += 1
            continue
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch == "." and i + 1 < len(pattern) and pattern[i + 1] in "*+":  # `.*`: anything
            out.append("{param}")
            i += 2
            continue
        if ch not in "?*+":
            out.append(ch)
        i += 1
    return "".join(out)


class _Resolver:
    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.modules = py.Modules(facts, ctx)
        self.facts = self.modules.facts
        self.out: list[Endpoint] = []

    # names
    def _defines_list(self, path: str, name: str) -> bool:
        return name in self.facts[path].get("lists", {})

    def _defines_router(self, path: str, name: str) -> bool:
        return name in self.facts[path].get("routers", {})

    def _defines_code(self, path: str, name: str) -> bool:
        file_facts = self.facts[path]
        return name in file_facts.get("functions", {}) or name in file_facts.get("classes", {})

    def _constant(self, path: str, ref: str) -> str | None:
        return self.modules.constant(path, ref)

    def _route(self, path: str, entry: dict[str, Any]) -> tuple[str, bool]:
        text, dynamic = py.render(entry["route"], lambda ref: self._constant(path, ref))
        return (regex_to_path(text) if entry.get("regex") else py.converted_params(text)), dynamic

    # walk
    def endpoints(self) -> list[Endpoint]:
        for path in self._roots():
            self._walk(path, self.facts[path]["lists"][URL_LIST], "", False, 0)
        return self.out

    def _roots(self) -> list[str]:
        configured = [
            v
            for f in list(self.facts.values())
            if (v := f.get("constants", {}).get("ROOT_URLCONF"))
        ]
        roots = [
            p
            for m in configured
            if (p := self.modules.file_of(m)) in self.facts
            and URL_LIST in self.facts[p].get("lists", {})
        ]
        if roots:
            return sorted(set(roots))
        included = {p for f in list(self.facts.values()) for p in self._included_modules(f)}
        return sorted(
            p
            for p, f in list(self.facts.items())
            if URL_LIST in f.get("lists", {}) and p not in included
        )

    def _included_modules(self, file_facts: Mapping[str, Any]) -> Iterator[str]:
        stack = [e for entries in file_facts.get("lists", {}).values() for e in entries]
        while stack:
            entry = stack.pop()
            if entry["kind"] == "module":
                path = self.modules.file_of(entry["module"])
                if path is not None:
                    yield path
            elif entry["kind"] == "inline":
                stack.extend(entry["entries"])

    def _walk(
        self, path: str, entries: list[dict[str, Any]], prefix: str, dynamic: bool, depth: int
    ) -> None:
        if depth > MAX_DEPTH:
            return
        for entry in entries:
            route, route_dynamic = self._route(path, entry)
            full, is_dynamic = routepath.join(prefix, route), dynamic or route_dynamic
            kind = entry["kind"]
            if kind == "view":
                self._function_view(path, entry, full, is_dynamic)
            elif kind == "class":
                self._class_view(path, entry, full, is_dynamic)
            elif kind == "module":
                target = self.modules.file_of(entry["module"])
                if target is not None and URL_LIST in self.facts[target].get("lists", {}):
                    self._walk(
                        target, self.facts[target]["lists"][URL_LIST], full, is_dynamic, depth + 1
                    )
            elif kind == "inline":
                self._walk(path, entry["entries"], full, is_dynamic, depth + 1)
            elif kind == "list":
                found = self.modules.resolve(path, entry["list"], self._defines_list)
                if found is not None:
                    self._walk(
                        found[0],
                        self.facts[found[0]]["lists"][found[1]],
                        full,
                        is_dynamic,
                        depth + 1,
                    )
            elif kind == "router":
                found = self.modules.resolve(path, entry["router"], self._defines_router)
                if found is not None:
                    self._router(found[0], found[1], full, is_dynamic)

    def _function_view(self, path: str, entry: dict[str, Any], full: str, dynamic: bool) -> None:
        view = entry.get("view")
        if not view:
            return
        found = self.modules.resolve(path, view, self._defines_code)
        if found is not None and found[1] in self.facts[found[0]].get("classes", {}):
            self._class_view(path, {**entry, "view": view}, full, dynamic)
            return
        info = self.facts[found[0]]["functions"][found[1]] if found else None
        methods = (info or {}).get("methods") or ["ANY"]
        for method in methods:
            self.out.append(
                Endpoint(
                    method,
                    full,
                    view,
                    path,
                    entry["line"],
                    found[0] if found else None,
                    info["line"] if info else None,
                    dynamic,
                )
            )

    def _class_view(self, path: str, entry: dict[str, Any], full: str, dynamic: bool) -> None:
        found = self.modules.resolve(path, entry["view"], self._defines_code)
        if found is None:
            base = VIEW_BASES.get(py.last_name(entry["view"]))  # TemplateView.as_view(…)
            methods = [m.upper() for m in base.methods] if base and base.methods else ["ANY"]
            for method in methods:
                self.out.append(
                    Endpoint(method, full, entry["view"], path, entry["line"], dynamic=dynamic)
                )
            return
        view = _ClassView(self, *found)
        handlers = view.http_handlers() or [("ANY", None)]
        for method, where in handlers:
            name = f"{found[1]}.{method.lower()}" if where else found[1]
            file, line = where or (found[0], view.line)
            self.out.append(Endpoint(method, full, name, path, entry["line"], file, line, dynamic))

    def _router_rule(self, path: str, router: dict[str, Any]) -> RouterRule | None:
        """The DRF router class a router is an instance of, following project subclasses
        (`class ApiRouter(DefaultRouter)`); a class we cannot follow whose name says it is a
        router counts as a SimpleRouter."""
        if router["class"] in DRF_ROUTERS:
            return DRF_ROUTERS[router["class"]]
        todo = [(path, router.get("class_ref") or router["class"])]
        for _ in range(MAX_DEPTH):
            if not todo:
                break
            where, name = todo.pop()
            found = self.modules.resolve(where, name, self._defines_code)
            if found is None or found[1] not in self.facts[found[0]].get("classes", {}):
                continue
            for base in self.facts[found[0]]["classes"][found[1]]["bases"]:
                if py.last_name(base) in DRF_ROUTERS:
                    return DRF_ROUTERS[py.last_name(base)]
                todo.append((found[0], base))
        if router["class"].endswith("Router") and not self.modules.resolve(
            path, router.get("class_ref") or router["class"], self._defines_code
        ):
            return DRF_ROUTERS["SimpleRouter"]
        return None

    def _router(self, path: str, name: str, prefix: str, dynamic: bool) -> None:
        router = self.facts[path]["routers"][name]
        rule = self._router_rule(path, router)
        if rule is None:
            return
        if rule.api_root:
            self.out.append(
                Endpoint(
                    "GET",
                    routepath.join(prefix),
                    f"{router['class']}.api_root",
                    path,
                    router["line"],
                    dynamic=dynamic,
                )
            )
        for registration in router["registrations"]:
            text, register_dynamic = py.render(
                registration["prefix"], lambda ref: self._constant(path, ref)
            )
            base = routepath.join(prefix, regex_to_path(text))
            found = self.modules.resolve(path, registration["viewset"], self._defines_code)
            if found is None:
                continue
            view = _ClassView(self, *found)
            for method, route, handler, where, place in view.viewset_routes(base):
                file, line = place or (path, registration["line"])
                self.out.append(
                    Endpoint(
                        method,
                        route,
                        handler,
                        file,
                        line,
                        where[0],
                        where[1],
                        dynamic or register_dynamic,
                    )
                )


class _ClassView:
    """A view class with its project base classes, read up the inheritance chain."""

    def __init__(self, resolver: _Resolver, path: str, name: str) -> None:
        self.resolver = resolver
        self.path, self.name = path, name
        self.line: int = resolver.facts[path]["classes"][name]["line"]
        self.chain: list[tuple[str, str, dict[str, Any]]] = []
        self.framework: list[ViewBase] = []
        self._read(path, name, set(), 0)

    def _read(self, path: str, name: str, seen: set[tuple[str, str]], depth: int) -> None:
        if (path, name) in seen or depth > MAX_DEPTH:
            return
        seen.add((path, name))
        info = self.resolver.facts[path]["classes"][name]
        self.chain.append((path, name, info))
        for base in info["bases"]:
            found = self.resolver.modules.resolve(path, base, self.resolver._defines_code)
            if found is not None and found[1] in self.resolver.facts[found[0]].get("classes", {}):
                self._read(found[0], found[1], seen, depth + 1)
            elif py.last_name(base) in VIEW_BASES:
                self.framework.append(VIEW_BASES[py.last_name(base)])

    def _attr(self, name: str) -> Any:
        for _, _, info in self.chain:
            if info["attrs"].get(name) is not None:
                return info["attrs"][name]
        return None

    def _defined(self, method: str) -> tuple[str, int] | None:
        for path, _, info in self.chain:
            if method in info["methods"]:
                return path, info["methods"][method]
        return None

    def _allowed(self, method: str) -> bool:
        allowed = self._attr("http_method_names")
        return allowed is None or method.lower() in [m.lower() for m in allowed]

    def http_handlers(self) -> list[tuple[str, tuple[str, int] | None]]:
        """(METHOD, where its handler is defined) for an as_view class."""
        names = [m for m in HTTP_METHODS if self._defined(m)]
        names += [m for base in self.framework for m in base.methods if m not in names]
        return [
            (m.upper(), self._defined(m)) for m in HTTP_METHODS if m in names and self._allowed(m)
        ]

    def viewset_routes(
        self, base: str
    ) -> list[tuple[str, str, str, tuple[str | None, int | None], tuple[str, int] | None]]:
        """(METHOD, path, handler, (handler file, line), registration place or None)."""
        actions = [a for b in self.framework for a in b.actions]
        actions += [a for a in ACTIONS if a not in actions and self._defined(a)]
        lookup = self._attr("lookup_url_kwarg") or self._attr("lookup_field") or "pk"
        detail = routepath.join(base, "{" + lookup + "}")
        out: list[Any] = []
        for action in ACTIONS.values():
            if action.name not in actions or not self._allowed(action.method):
                continue
            where = self._defined(action.name) or (self.path, self.line)
            out.append(
                (
                    action.method,
                    detail if action.detail else base,
                    f"{self.name}.{action.name}",
                    where,
                    None,
                )
            )
        seen: set[str] = set()
        for path, _, info in self.chain:
            for extra in info["actions"]:
                if extra["name"] in seen:
                    continue
                seen.add(extra["name"])
                route = routepath.join(
                    detail if extra["detail"] else base, regex_to_path(extra["url_path"])
                )
                for method in extra["methods"]:
                    if self._allowed(method):
                        out.append(
                            (
                                method,
                                route,
                                f"{self.name}.{extra['name']}",
                                (path, extra["def_line"]),
                                (path, extra["line"]),
                            )
                        )
        return out


EXTRACTORS = [PythonDjango]
