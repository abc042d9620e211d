"""FastAPI, Flask and their kin: routes declared on router objects.

Per file, `extract` reads the routers a file creates (`APIRouter(prefix=…)`, `Blueprint(…,
url_prefix=…)`), the routes declared on a router (`@router.get("/x")`, `@bp.route("/x",
methods=[…])`, `app.add_url_rule(…)`, `add_api_route`, Flask-RESTful `add_resource`), the
mounts (`include_router`, `register_blueprint`, `mount`) and the functions and classes a route
can point at.

`resolve` follows each router name to the file that creates it (imports, `users.router`,
re-exports), walks the mounts from the app down (a FastAPI include prefix joins the router's
own prefix; a Flask registration prefix replaces the blueprint's), and lists every route under
every full prefix. A class view (`MethodView.as_view`, a Resource) answers the HTTP methods it
defines. A prefix that cannot be known statically is `{dynamic}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import python_common as py
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class WebModule:
    name: str


@dataclass(frozen=True)
class RouterRule:
    name: str
    prefix_keyword: str
    # the router's prefix when the keyword is absent: "/" + the argument at this position
    name_prefix_position: int = -1
    # the app/blueprint the router is served on, passed at creation (`Api(blueprint)`)
    parent_position: int = -1


@dataclass(frozen=True)
class RouteRule:
    name: str
    kind: str
    methods: tuple[str, ...] = ()
    methods_keyword: str = ""
    default_methods: tuple[str, ...] = ()
    path_position: int = 0
    path_keyword: str = ""
    view_position: int = -1
    view_keyword: str = ""
    # the positional arguments after the path are more paths of the same view
    more_paths: bool = False


@dataclass(frozen=True)
class MountRule:
    name: str
    child_position: int = 0
    child_keyword: str = ""
    prefix_position: int = -1
    prefix_keyword: str = ""
    replaces_prefix: bool = False


@dataclass(frozen=True)
class ClassViewRule:
    name: str
    methods: tuple[str, ...]


WEB_MODULES = tuple(r.name for r in load_rules("python", "web_module", WebModule))
ROUTERS = rules_by_name("python", "router", RouterRule)
ROUTES = rules_by_name("python", "route", RouteRule)
DECORATOR_ROUTES = {n: r for n, r in ROUTES.items() if r.kind == "decorator"}
CALL_ROUTES = {n: r for n, r in ROUTES.items() if r.kind == "call"}
MOUNTS = rules_by_name("python", "mount", MountRule)
CLASS_VIEW_METHODS = frozenset(
    m for r in load_rules("python", "class_view", ClassViewRule) for m in r.methods
)
PREFIX_ATTRIBUTES = ("url_prefix", "prefix")

RouterKey = tuple[str, str]  # (file, router name)


class PythonRoutes(Extractor):
    name = "python-routes"
    version = 4
    extensions = frozenset({".py"})
    markers = (
        b"fastapi",
        b"flask",
        b"Flask",
        b"router",
        b"Router",
        b"blueprint",
        b"Blueprint",
        b"add_url_rule",
        b"add_resource",
        b".route(",
        b"starlette",
    )
    languages = frozenset({"python"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = syntax.parse("python", source).root_node
        found = py.structure(root)
        constants = py.module_constants(root)
        facts: dict[str, Any] = {
            "imports": py.read_imports(found.get("import", []), path),
            "constants": constants,
            "web": False,
            "routers": _routers(found.get("assignment", []), constants),
            "aliases": _aliases(root),
            "routes": [],
            "mounts": _creation_mounts(found.get("assignment", [])),
            "functions": _functions(root),
            "classes": _classes(found.get("class", [])),
            "router_classes": _router_classes(found.get("class", [])),
            "instances": _instances(found.get("assignment", []), constants),
            "forwarders": {},
            "pending_routes": [],
            "route_wrappers": {},
            "wrapper_calls": [],
        }
        facts["web"] = any(
            m == w or m.startswith(w + ".")
            for m, _ in facts["imports"].values()
            if m
            for w in WEB_MODULES
        )
        for node in found.get("decorated", []):
            facts["routes"].extend(_decorator_routes(node, constants))
        for call in found.get("call", []):
            _read_call(call, constants, facts)
        for call in found.get("plain_call", []):
            _read_plain_call(call, constants, facts)
        if not (facts["routers"] or facts["routes"] or facts["mounts"] or facts["imports"]):
            return None
        return facts

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(endpoints=_Resolver(facts, ctx).endpoints())


def _router_rule(node: Node) -> RouterRule | None:
    call = node.child_by_field_name("right")
    if call is None or call.type != "call":
        return None
    return ROUTERS.get(py.last_name(syntax.text(call.child_by_field_name("function"))))


def _assigned_name(node: Node) -> str:
    """The name an assignment binds: `router`, or `UserDto.api` in a class body."""
    name = syntax.text(node.child_by_field_name("left"))
    block = node.parent.parent if node.parent is not None else None
    owner = block.parent if block is not None and block.type == "block" else None
    if owner is not None and owner.type == "class_definition":
        return f"{syntax.text(owner.child_by_field_name('name'))}.{name}"
    return name


def _routers(assignments: list[Node], constants: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in assignments:
        rule = _router_rule(node)
        call = node.child_by_field_name("right")
        if rule is None or call is None:
            continue
        prefix = py.argument(call, -1, rule.prefix_keyword) if rule.prefix_keyword else None
        if prefix is None and rule.name_prefix_position >= 0:
            named = py.argument(call, rule.name_prefix_position)
            prefix = named if syntax.string_value(named) is not None else None
        out[_assigned_name(node)] = {
            "prefix": py.string_parts(prefix, constants) if prefix is not None else None,
            "line": syntax.line(node),
        }
    return out


def _router_classes(nodes: list[Node]) -> dict[str, str]:
    """Project classes deriving from a router class (`class UserRouter(APIRouter)`, or from
    another project class, resolved later): class name → base as written."""
    out: dict[str, str] = {}
    for node in nodes:
        bases, _ = py.superclasses(node)
        if len(bases) == 1 or any(py.last_name(b) in ROUTERS for b in bases):
            known = [b for b in bases if py.last_name(b) in ROUTERS]
            out[syntax.text(node.child_by_field_name("name"))] = (known or bases)[0]
    return out


def _instances(assignments: list[Node], constants: dict[str, str]) -> dict[str, Any]:
    """Module-level `name = SomeClass(…)` of classes no rule knows: routers when the class
    turns out to derive from a router class. Their string arguments are kept."""
    out: dict[str, Any] = {}
    for node in assignments:
        call = node.child_by_field_name("right")
        if call is None or _router_rule(node) is not None or node.parent is None:
            continue
        if node.parent.parent is None or node.parent.parent.type != "module":
            continue
        callee = call.child_by_field_name("function")
        if callee is None or not py.last_name(syntax.text(callee))[:1].isupper():
            continue
        positional, keywords = py.call_arguments(call)
        strings = {
            key: py.string_parts(value, constants)
            for key, value in keywords.items()
            if value.type in ("string", "concatenated_string", "binary_operator")
        }
        first = positional[0] if positional else None
        out[_assigned_name(node)] = {
            "class": syntax.text(callee),
            "keywords": strings,
            "first": py.string_parts(first, constants)
            if first is not None and first.type == "string"
            else None,
            "line": syntax.line(node),
        }
    return out


def _creation_mounts(assignments: list[Node]) -> list[dict[str, Any]]:
    """Routers created on an app or blueprint (`api = Api(blueprint)`): mounted there."""
    out = []
    for node in assignments:
        rule = _router_rule(node)
        call = node.child_by_field_name("right")
        if rule is None or call is None or rule.parent_position < 0:
            continue
        parent = py.argument(call, rule.parent_position)
        if parent is not None and parent.type in ("identifier", "attribute"):
            out.append(
                {
                    "parent": syntax.text(parent),
                    "child": _assigned_name(node),
                    "prefix": None,
                    "replaces": False,
                    "line": syntax.line(node),
                }
            )
    return out


def _aliases(root: Node) -> dict[str, str]:
    """Module-level `api = UserDto.api`: another name for a router."""
    out: dict[str, str] = {}
    for statement in root.children:
        node = py.assignment_of(statement)
        left = node.child_by_field_name("left") if node is not None else None
        right = node.child_by_field_name("right") if node is not None else None
        if (
            left is not None
            and right is not None
            and (left.type, right.type)
            == (
                "identifier",
                "attribute",
            )
        ):
            out[syntax.text(left)] = syntax.text(right)
    return out


def _functions(root: Node) -> dict[str, int]:
    out: dict[str, int] = {}
    for node in root.children:
        definition = (
            node.child_by_field_name("definition") if node.type == "decorated_definition" else node
        )
        if definition is not None and definition.type == "function_definition":
            out[syntax.text(definition.child_by_field_name("name"))] = syntax.line(definition)
    return out


def _classes(nodes: list[Node]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in nodes:
        methods: dict[str, int] = {}
        for child in py.class_body(node):
            definition = (
                child.child_by_field_name("definition")
                if child.type == "decorated_definition"
                else child
            )
            if definition is not None and definition.type == "function_definition":
                methods[syntax.text(definition.child_by_field_name("name"))] = syntax.line(
                    definition
                )
        out.setdefault(
            syntax.text(node.child_by_field_name("name")),
            {
                "line": syntax.line(node),
                "methods": methods,
            },
        )
    return out


def _decorator_routes(node: Node, constants: dict[str, str]) -> list[dict[str, Any]]:
    definition = node.child_by_field_name("definition")
    if definition is None:
        return []
    name = syntax.text(definition.child_by_field_name("name"))
    is_class = definition.type == "class_definition"
    owner = _enclosing_class(node)
    if owner is not None and not is_class:
        name = f"{owner}.{name}"  # a route method of a controller class
    out = []
    for decorator in node.children:
        if decorator.type != "decorator" or not decorator.named_children:
            continue
        call = decorator.named_children[0]
        if call.type != "call":
            continue
        function = call.child_by_field_name("function")
        if function is None or function.type != "attribute":
            continue
        rule = DECORATOR_ROUTES.get(syntax.text(function.child_by_field_name("attribute")))
        if rule is None:
            continue
        route = _route(rule, call, constants, syntax.text(function.child_by_field_name("object")))
        route.update(
            handler=name, handler_line=syntax.line(definition), line=syntax.line(decorator)
        )
        if is_class and not rule.methods:
            route["methods"] = None
            route["view_class"] = name
        out.append(route)
    return out


def _enclosing_class(node: Node) -> str | None:
    """The class whose body a definition sits in directly, else None."""
    block = node.parent
    owner = block.parent if block is not None and block.type == "block" else None
    if owner is not None and owner.type == "class_definition":
        return syntax.text(owner.child_by_field_name("name"))
    return None


def _route(rule: RouteRule, call: Node, constants: dict[str, str], receiver: str) -> dict[str, Any]:
    path = py.argument(call, rule.path_position, rule.path_keyword or None)
    methods: list[str] | None = list(rule.methods)
    if not methods:
        listed = py.strings(py.argument(call, -1, rule.methods_keyword or None))
        methods = [m.upper() for m in listed] if listed else list(rule.default_methods) or None
    return {
        "receiver": receiver,
        "path": py.string_parts(path, constants) if path is not None else [["s", ""]],
        "methods": methods,
    }


def _read_call(call: Node, constants: dict[str, str], facts: dict[str, Any]) -> None:
    function = call.child_by_field_name("function")
    if function is None:
        return
    method = syntax.text(function.child_by_field_name("attribute"))
    receiver = syntax.text(function.child_by_field_name("object"))
    forwarding = _forwarding(call, receiver) if method in CALL_ROUTES else None
    wrapper = _route_wrapper(call, CALL_ROUTES[method]) if method in CALL_ROUTES else None
    if wrapper is not None:  # `def register_view(bp, routes, view): bp.add_url_rule(…)`
        name = wrapper.pop("function")
        facts["route_wrappers"][name] = {**wrapper, "rule": method}
    elif forwarding is not None:  # `def add_org_resource(self, r, *urls): self.add_resource(…)`
        owner, wrapping = forwarding
        facts["forwarders"].setdefault(owner, {})[wrapping] = method
    elif method in CALL_ROUTES:
        _read_call_as(call, CALL_ROUTES[method], receiver, constants, facts)
    elif (
        method not in MOUNTS
        and method not in DECORATOR_ROUTES
        and call.parent is not None
        and call.parent.type != "decorator"
    ):
        _read_wrapper_call(call, method, receiver, constants, facts)
    elif method in MOUNTS:
        mount = MOUNTS[method]
        child = py.argument(call, mount.child_position, mount.child_keyword or None)
        if child is None or child.type not in ("identifier", "attribute"):
            return
        prefix = py.argument(call, mount.prefix_position, mount.prefix_keyword or None)
        facts["mounts"].append(
            {
                "parent": receiver,
                "child": syntax.text(child),
                "prefix": py.string_parts(prefix, constants) if prefix is not None else None,
                "replaces": mount.replaces_prefix,
                "line": syntax.line(call),
            }
        )


def _read_call_as(
    call: Node, rule: RouteRule, receiver: str, constants: dict[str, str], facts: dict[str, Any]
) -> None:
    """The routes a route call (`app.add_url_rule(…)`, `api.add_resource(…)`) declares."""
    route = _route(rule, call, constants, receiver)
    view = py.argument(call, rule.view_position, rule.view_keyword or None)
    route.update(_view(view), line=syntax.line(call))
    if route.get("view_class") and not py.argument(call, -1, rule.methods_keyword or None):
        route["methods"] = None  # a class view answers the methods it defines
    facts["routes"].append(route)
    if rule.more_paths:  # add_resource(Todo, "/todos", "/todos/<int:id>")
        positional, _ = py.call_arguments(call)
        for extra in positional[rule.path_position + 1 :]:
            facts["routes"].append({**route, "path": py.string_parts(extra, constants)})


def _forwarding(call: Node, receiver: str) -> tuple[str, str] | None:
    """(class, method) when a route call is a router subclass's method handing its own
    parameters on, in order (`self.add_resource(resource, *urls, **kwargs)`): calls of that
    method are routes of the same kind, and this call is none."""
    if receiver != "self":
        return None
    function = call.parent
    while function is not None and function.type != "function_definition":
        function = function.parent
    if function is None or function.parent is None:
        return None
    definition = function.parent if function.parent.type == "decorated_definition" else function
    owner = _enclosing_class(definition)
    parameters = function.child_by_field_name("parameters")
    if owner is None or parameters is None:
        return None
    own = [_bare_name(p) for p in parameters.named_children][1:]
    forwarded = [_bare_name(a) for a in py.call_arguments(call)[0]]
    if not forwarded or forwarded != own[: len(forwarded)]:
        return None
    return owner, syntax.text(function.child_by_field_name("name"))


def _route_wrapper(call: Node, rule: RouteRule) -> dict[str, Any] | None:
    """A module-level function that declares a route on the router it is given: where its
    router, path(s) and view parameters are (`def register_view(bp_or_app, routes,
    view_func): for route in routes: bp_or_app.add_url_rule(route, view_func=view_func)`).
    Its calls are routes of this kind; this call is none."""
    function = call.parent
    loops: dict[str, str] = {}  # loop variable -> the iterated name
    while function is not None and function.type != "function_definition":
        if function.type == "for_statement":
            left, right = (
                function.child_by_field_name("left"),
                function.child_by_field_name("right"),
            )
            if left is not None and right is not None and right.type == "identifier":
                loops[syntax.text(left)] = syntax.text(right)
        function = function.parent
    if function is None or _enclosing_class(_definition_of(function)) is not None:
        return None
    parameters = function.child_by_field_name("parameters")
    own = [_bare_name(p) for p in parameters.named_children] if parameters is not None else []
    callee = call.child_by_field_name("function")
    receiver = callee.child_by_field_name("object") if callee is not None else None
    if receiver is None or syntax.text(receiver) not in own:
        return None
    path = py.argument(call, rule.path_position, rule.path_keyword or None)
    path_name = _bare_name(path) if path is not None else ""
    many = path_name in loops or (path is not None and path.type == "list_splat")
    path_name = loops.get(path_name, path_name)
    if path_name not in own:
        return None
    view = py.argument(call, rule.view_position, rule.view_keyword or None)
    view_name = syntax.text(view) if view is not None else ""
    return {
        "function": syntax.text(function.child_by_field_name("name")),
        "receiver": [own.index(syntax.text(receiver)), syntax.text(receiver)],
        "path": [own.index(path_name), path_name],
        "many": many,
        "view": [own.index(view_name), view_name] if view_name in own else None,
    }


def _definition_of(function: Node) -> Node:
    parent = function.parent
    return parent if parent is not None and parent.type == "decorated_definition" else function


def _read_plain_call(call: Node, constants: dict[str, str], facts: dict[str, Any]) -> None:
    """A call of a plain function that passes route paths (`register_view(bp, routes=["/x"],
    view_func=…)`): its arguments, kept for `resolve` in case the function is a route
    wrapper (`_route_wrapper`)."""
    if not _passes_a_path(call):
        return
    positional, keywords = py.call_arguments(call)
    arguments = [*positional, *keywords.values()]
    if not any(_paths_in(a) for a in arguments):
        return
    facts["wrapper_calls"].append(
        {
            "callee": syntax.text(call.child_by_field_name("function")),
            "positional": [_wrapper_argument(a, constants) for a in positional],
            "keywords": {k: _wrapper_argument(v, constants) for k, v in keywords.items()},
            "line": syntax.line(call),
        }
    )


def _passes_a_path(call: Node) -> bool:
    """Cheaply: whether some argument is (or lists) a string literal starting with "/"."""
    arguments = call.child_by_field_name("arguments")
    stack = list(arguments.named_children) if arguments is not None else []
    while stack:
        node = stack.pop()
        if node.type == "string":
            if b"/" in (node.text or b"")[:4]:
                return True
        elif node.type in ("list", "tuple", "keyword_argument"):
            stack.extend(node.named_children)
    return False


def _paths_in(node: Node) -> list[Node]:
    """The route path literals an argument is: "/x", or a list or tuple of them."""
    items = node.named_children if node.type in ("list", "tuple") else [node]
    return [i for i in items if (syntax.string_value(i) or "").startswith("/")]


def _wrapper_argument(node: Node, constants: dict[str, str]) -> dict[str, Any]:
    paths = _paths_in(node)
    return {
        "name": syntax.text(node) if node.type in ("identifier", "attribute") else None,
        "paths": [py.string_parts(p, constants) for p in paths],
        "view": _view(node) if not paths else None,
    }


def _bare_name(node: Node) -> str:
    """`*urls`, `**kw`, `x: int = 1` (parameters or arguments) → the bare name."""
    if node.type != "identifier" and node.named_children:
        first = node.named_children[0]
        return syntax.text(first if first.type == "identifier" else node)
    return syntax.text(node)


def _read_wrapper_call(
    call: Node, method: str, receiver: str, constants: dict[str, str], facts: dict[str, Any]
) -> None:
    """A call of a method no rule knows that passes a path (`api.add_org_resource(R, "/x")`):
    kept as a route of each call kind, for `resolve` to keep if the receiver's class
    forwards that method to a route call of this kind."""
    if not _passes_a_path(call):
        return
    positional, _ = py.call_arguments(call)
    for name, rule in CALL_ROUTES.items():
        path = positional[rule.path_position] if len(positional) > rule.path_position else None
        value = syntax.string_value(path) if path is not None else None
        if value is None or not value.startswith("/"):
            continue
        found: dict[str, Any] = {"routes": []}
        _read_call_as(call, rule, receiver, constants, found)
        for route in found["routes"]:
            facts["pending_routes"].append({**route, "via": method, "rule": name})


def _view(node: Node | None) -> dict[str, Any]:
    """The handler a route call points at: a function name, or a class (`X.as_view(…)`)."""
    if node is None:
        return {"handler": None}
    if node.type in ("identifier", "attribute"):
        return {"handler": syntax.text(node), "view_ref": syntax.text(node)}
    if node.type == "call":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "attribute":
            owner = syntax.text(function.child_by_field_name("object"))
            return {"handler": owner, "view_ref": owner, "view_class": owner}
    return {"handler": syntax.text(node)[:80]}


class _Resolver:
    """Routers followed across files, prefixes from the app down, endpoints listed."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.modules = py.Modules(facts, ctx)
        self.facts = self.modules.facts
        self._promote_router_instances()
        self.parents: dict[RouterKey, list[tuple[str, dict[str, Any]]]] = {}
        self._prefixes: dict[RouterKey, list[tuple[str, bool]]] = {}  # full prefixes by router
        for path, file_facts in facts.items():
            for mount in file_facts.get("mounts", []):
                child = self.router(path, mount["child"])
                if child is not None:
                    self.parents.setdefault(child, []).append((path, mount))

    def _promote_router_instances(self) -> None:
        """`router = UserAPIRouter(prefix="/x")` where `UserAPIRouter` derives (through project
        classes) from a router class: a router with that class's prefix keyword. The facts
        of such files are copied, never changed in place (they are cached)."""
        for path, file_facts in list(self.facts.items()):
            promoted: dict[str, Any] = {}
            for name, instance in file_facts.get("instances", {}).items():
                rule = self._router_class_rule(path, instance["class"])
                if rule is None:
                    continue
                prefix = instance["keywords"].get(rule.prefix_keyword)
                if prefix is None and rule.name_prefix_position == 0:
                    prefix = instance["first"]
                promoted[name] = {"prefix": prefix, "line": instance["line"]}
            if promoted:
                self.facts[path] = {
                    **file_facts,
                    "routers": {**file_facts.get("routers", {}), **promoted},
                }

    def _router_class_rule(self, path: str, name: str) -> RouterRule | None:
        """The router rule a project class derives from, following its bases."""
        for _ in range(py.MAX_DEPTH):
            found = self.modules.resolve(
                path, name, lambda p, n: n in self.facts[p].get("router_classes", {})
            )
            if found is None:
                return None
            path, base = found[0], self.facts[found[0]]["router_classes"][found[1]]
            rule = ROUTERS.get(py.last_name(base))
            if rule is not None:
                return rule
            name = base
        return None

    def router(self, path: str, name: str, depth: int = 0) -> RouterKey | None:
        """The router a name stands for in a file, or None when it is none we know."""
        found = self.modules.resolve(path, name, self._defines_router)
        if found is not None and found[1] not in self.facts[found[0]].get("routers", {}):
            alias = self.facts[found[0]]["aliases"][found[1]]  # api = UserDto.api
            target = self.router(found[0], alias, depth + 1) if depth < py.MAX_DEPTH else None
            if target is not None:
                return target
            found = None
        if found is not None:
            return found
        if name in self.modules.imports(path) or "." in name:
            return None
        return (path, name) if self.facts[path].get("web") else None

    def _defines_router(self, path: str, name: str) -> bool:
        file_facts = self.facts[path]
        return name in file_facts.get("routers", {}) or name in file_facts.get("aliases", {})

    def _defines_code(self, path: str, name: str) -> bool:
        file_facts = self.facts[path]
        head, _, method = name.partition(".")
        if not method:
            return name in file_facts.get("functions", {}) or name in file_facts.get("classes", {})
        return method in file_facts.get("classes", {}).get(head, {}).get("methods", {})

    def lookup(self, path: str, ref: str) -> str | None:
        """The value of a name used in a string: a constant, or a router's own prefix."""
        owner, _, attribute = ref.rpartition(".")
        if owner and attribute in PREFIX_ATTRIBUTES:
            key = self.router(path, owner)
            if key is not None:
                text, dynamic = self.own_prefix(key)
                return None if dynamic else text
        return self.modules.constant(path, ref)

    def render(self, path: str, parts: py.Parts | None) -> tuple[str, bool]:
        if parts is None:
            return "", False
        return py.render(parts, lambda ref: self.lookup(path, ref))

    def own_prefix(self, key: RouterKey) -> tuple[str, bool]:
        router = self.facts[key[0]].get("routers", {}).get(key[1])
        return self.render(key[0], router["prefix"]) if router else ("", False)

    def prefixes(self, key: RouterKey) -> list[tuple[str, bool]]:
        """Every full prefix the router is served under (one per chain of mounts), worked
        out once per router."""
        if key not in self._prefixes:
            self._prefixes[key] = self._prefixes_through(key, frozenset())
        return self._prefixes[key]

    def _prefixes_through(
        self, key: RouterKey, seen: frozenset[RouterKey]
    ) -> list[tuple[str, bool]]:
        own, own_dynamic = self.own_prefix(key)
        mounts = self.parents.get(key, [])
        if not mounts or key in seen:
            return [(own, own_dynamic)]
        out: list[tuple[str, bool]] = []
        for path, mount in mounts:
            parent = self.router(path, mount["parent"])
            above = (
                self._prefixes_through(parent, seen | {key})
                if parent is not None
                else [("", False)]
            )
            prefix, dynamic = self.render(path, mount["prefix"])
            if not (mount["replaces"] and mount["prefix"] is not None):
                prefix, dynamic = routepath.join(prefix, own), dynamic or own_dynamic
            for base, base_dynamic in above:
                out.append((routepath.join(base, prefix), base_dynamic or dynamic))
        return list(dict.fromkeys(out))

    def endpoints(self) -> list[Endpoint]:
        out: list[Endpoint] = []
        for path, file_facts in list(self.facts.items()):
            for route in file_facts.get("routes", []):
                key = self.router(path, route["receiver"])
                if key is None:
                    continue
                out.extend(self._endpoints(path, route, key))
            for route in file_facts.get("pending_routes", []):
                key = self.router(path, route["receiver"])
                if key is not None and self._forwards(path, route) == route["rule"]:
                    out.extend(self._endpoints(path, route, key))
            for call in file_facts.get("wrapper_calls", []):
                for route in self._wrapped_routes(path, call):
                    key = self.router(path, route["receiver"])
                    if key is not None:
                        out.extend(self._endpoints(path, route, key))
        return out

    def _wrapped_routes(self, path: str, call: dict[str, Any]) -> list[dict[str, Any]]:
        """The routes a call of a route wrapper function declares (see `_route_wrapper`)."""
        found = self.modules.resolve(
            path, call["callee"], lambda p, n: n in self.facts[p].get("route_wrappers", {})
        )
        if found is None:
            return []
        wrapper = self.facts[found[0]]["route_wrappers"][found[1]]

        def argument(where: list[Any] | None) -> dict[str, Any] | None:
            if where is None:
                return None
            index, name = where
            if name in call["keywords"]:
                return call["keywords"][name]  # type: ignore[no-any-return]
            return call["positional"][index] if index < len(call["positional"]) else None

        receiver, paths = argument(wrapper["receiver"]), argument(wrapper["path"])
        if receiver is None or not receiver["name"] or paths is None:
            return []
        view = argument(wrapper["view"])
        handler = (view or {}).get("view") or {"handler": None}
        rule = ROUTES[wrapper["rule"]]
        methods = None if handler.get("view_class") else list(rule.default_methods) or None
        return [
            {
                **handler,
                "receiver": receiver["name"],
                "path": parts,
                "methods": methods,
                "line": call["line"],
            }
            for parts in (paths["paths"] if wrapper["many"] else paths["paths"][:1])
        ]

    def _forwards(self, path: str, route: dict[str, Any]) -> str | None:
        """The route call the receiver's class hands the called method on to, following the
        class's project bases (`api = ApiExt()`, `class ApiExt(Api)`)."""
        found = self.modules.resolve(
            path, route["receiver"], lambda p, n: n in self.facts[p].get("instances", {})
        )
        if found is None:
            return None
        path, name = found[0], self.facts[found[0]]["instances"][found[1]]["class"]
        for _ in range(py.MAX_DEPTH):
            found = self.modules.resolve(
                path, name, lambda p, n: n in self.facts[p].get("router_classes", {})
            )
            if found is None:
                return None
            forwarders = self.facts[found[0]].get("forwarders", {}).get(found[1], {})
            if route["via"] in forwarders:
                return forwarders[route["via"]]  # type: ignore[no-any-return]
            path, name = found[0], self.facts[found[0]]["router_classes"][found[1]]
        return None

    def _endpoints(self, path: str, route: dict[str, Any], key: RouterKey) -> list[Endpoint]:
        tail, tail_dynamic = self.render(path, route["path"])
        tail = py.converted_params(tail)
        handlers = self._handlers(path, route)
        out = []
        for prefix, dynamic in self.prefixes(key):
            full = routepath.join(prefix, tail)
            for method, handler, handler_file, handler_line in handlers:
                out.append(
                    Endpoint(
                        method,
                        full,
                        handler,
                        path,
                        route["line"],
                        handler_file,
                        handler_line,
                        dynamic or tail_dynamic,
                    )
                )
        return out

    def _handlers(
        self, path: str, route: dict[str, Any]
    ) -> list[tuple[str, str | None, str | None, int | None]]:
        """(method, handler, handler file, handler line) for each method the route answers."""
        handler = route.get("handler")
        where: tuple[str, str] | None
        if route.get("handler_line") is not None and handler:
            where = (path, handler)
        elif route.get("view_ref"):
            where = self.modules.resolve(path, route["view_ref"], self._defines_code)
        else:
            where = None
        if route["methods"] is not None:
            line = route.get("handler_line") or (self._line(*where) if where else None)
            return [(m, handler, where[0] if where else None, line) for m in route["methods"]]
        if where is None:
            return [("ANY", handler, None, None)]
        methods = self.facts[where[0]].get("classes", {}).get(where[1], {}).get("methods", {})
        views = [(name, line) for name, line in methods.items() if name in CLASS_VIEW_METHODS]
        if not views:
            return [("ANY", handler, where[0], self._line(*where))]
        return [(name.upper(), f"{handler}.{name}", where[0], line) for name, line in views]

    def _line(self, path: str, name: str) -> int | None:
        file_facts = self.facts[path]
        head, _, method = name.partition(".")
        if method:
            return file_facts.get("classes", {}).get(head, {}).get("methods", {}).get(method)  # type: ignore[no-any-return]
        line = file_facts.get("functions", {}).get(name)
        if line is None:
            line = file_facts.get("classes", {}).get(name, {}).get("line")
        return line  # type: ignore[no-any-return]


EXTRACTORS = [PythonRoutes]
