"""Rust HTTP routes: actix-web, axum and rocket, whose routers are method-call chains.

`extract` reads each function of a file into the router it builds, as data: a router is a list
of items — a route (path, [method, handler] pairs), a mount (path prefix, items) or a reference
to another function (`.configure(api::config)`, `.nest("/api", users::router())`,
`.service(handler)`, `.merge(routes())`). Local variables holding routers are followed inside the
function; a function registering on its `&mut ServiceConfig` parameter builds a router too. The
route attribute macros of handlers (`#[get("/x")]`, `#[route("/x", method = "POST")]`) and every
function's place (for handler file:line) are kept as well. Framework names live in rules/rust.toml.

`resolve` starts from the functions no other function references (main, the app factory) and
expands references across files — by module path (`crate::api::users::router`, `use` imports,
`Type::method`), else by a unique name — joining the prefixes of nested scopes, nests and mounts.
A handler registered by `.service(h)` contributes its attribute routes under the current prefix.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors.rust_modules import (
    FunctionIndex,
    crates_of,
    read_items,
)
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class Named:
    """A call, macro or type known by name."""

    name: str


@dataclass(frozen=True)
class HttpMethod:
    name: str
    method: str


@dataclass(frozen=True)
class MethodFilter:
    name: str
    filter_type: str


@dataclass(frozen=True)
class OpenApiPathAttribute:
    name: str
    path_key: str


@dataclass(frozen=True)
class RouterMethod:
    name: str
    action: str  # route | methods | service | mount | include


@dataclass(frozen=True)
class Rules:
    router_new: tuple[tuple[str, ...], ...]
    scope_new: frozenset[str]
    resource_new: frozenset[str]
    http_methods: dict[str, str]
    documented_http_methods: dict[str, str]
    method_filters: dict[str, str]
    handler_methods: frozenset[str]
    router_methods: dict[str, str]
    handler_list_macros: frozenset[str]
    route_attributes: dict[str, str]
    openapi_path_attributes: dict[tuple[str, ...], str]
    router_parameters: frozenset[str]


@cache
def rules() -> Rules:
    def names(table: str) -> list[str]:
        return [r.name for r in load_rules("rust", table, Named)]

    return Rules(
        router_new=tuple(tuple(n.split("::")) for n in names("router_new")),
        scope_new=frozenset(names("scope_new")),
        resource_new=frozenset(names("resource_new")),
        http_methods={r.name: r.method for r in load_rules("rust", "http_method", HttpMethod)},
        documented_http_methods={
            r.name: r.method for r in load_rules("rust", "documented_http_method", HttpMethod)
        },
        method_filters={
            r.name: r.filter_type for r in load_rules("rust", "method_filter", MethodFilter)
        },
        handler_methods=frozenset(names("handler_method")),
        router_methods={
            r.name: r.action for r in load_rules("rust", "router_method", RouterMethod)
        },
        handler_list_macros=frozenset(names("handler_list_macro")),
        route_attributes={
            r.name: r.method for r in load_rules("rust", "route_attribute", HttpMethod)
        },
        openapi_path_attributes={
            tuple(r.name.split("::")): r.path_key
            for r in load_rules("rust", "openapi_path_attribute", OpenApiPathAttribute)
        },
        router_parameters=frozenset(names("router_parameter")),
    )


# ------------------------------------------------------------------------------ values (extract)
# While a function is read, expressions evaluate to these; only Router items reach the facts.


@dataclass(eq=False)
class Router:
    items: list[dict[str, Any]]
    prefix: Any = None  # a scope's path (str | {"const": name} | None) when `scoped`
    scoped: bool = False


@dataclass(eq=False)
class Resource:
    path: Any
    methods: list[list[Any]]
    line: int


@dataclass(eq=False)
class Methods:
    pairs: list[list[Any]]  # [METHOD, handler or None]


@dataclass(eq=False)
class Ref:
    name: str
    line: int


@dataclass(eq=False)
class Text:
    value: str


@dataclass(eq=False)
class Const:
    name: str


_GENERICS = re.compile(r"::<[^<>]*(?:<[^<>]*>[^<>]*)*>|<[^<>]*(?:<[^<>]*>[^<>]*)*>")


def segments(text: str) -> list[str]:
    """`axum::Router::<AppState>::new` → ['axum', 'Router', 'new']."""
    text = _GENERICS.sub("", re.sub(r"\s+", "", text))
    return [s for s in text.split("::") if s]


_MULTI_SEGMENT = re.compile(r"<(\w+)\.\.>|\{\*(\w+)\}")


def clean_path(path: str) -> str:
    """A route path as served: without the query part rocket declares (`/articles?<params..>`
    → `/articles`), multi-segment parameters named plainly (rocket `<path..>`, axum `{*rest}`
    → `{path}`, `{rest}`)."""
    depth = 0
    for i, char in enumerate(path):
        if char in "<{(":
            depth += 1
        elif char in ">})" and depth:
            depth -= 1
        elif char == "?" and depth == 0:
            path = path[:i]
            break
    return _MULTI_SEGMENT.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", path)


_JOIN_METHODS = frozenset({"concat", "join"})


def _path_fact(value: Any) -> Any:
    """A path argument as facts: the literal, {"const": name}, or None (not static)."""
    if isinstance(value, Text):
        return value.value
    if isinstance(value, Const):
        return {"const": value.name}
    return None


class FunctionReader:
    """Evaluates one function body's router-building expressions."""

    def __init__(self, router_params: set[str]) -> None:
        self.env: dict[str, Any] = {}
        self.produced: list[Any] = []
        self.consumed: set[int] = set()
        for name in router_params:
            self.env[name] = Router([])

    # --- statements

    def read_body(self, body: Node) -> list[dict[str, Any]]:
        """The items of every router the body builds and does not hand to another router."""
        self._block(body)
        items: list[dict[str, Any]] = []
        for value in self.produced:
            if id(value) not in self.consumed:
                items.extend(self._as_items(value))
        return items

    def _block(self, block: Node) -> None:
        for child in block.named_children:
            self._statement(child)

    def _statement(self, node: Node) -> None:
        kind = node.type
        if kind == "let_declaration":
            pattern = node.child_by_field_name("pattern")
            value = node.child_by_field_name("value")
            if value is None:
                return
            result = self.eval(value)
            if pattern is not None and pattern.type in ("identifier", "mut_pattern"):
                self.env[syntax.text(pattern).replace("mut ", "").strip()] = result
            return
        if kind == "expression_statement":
            inner = node.named_children[0] if node.named_children else None
            if inner is not None:
                self._statement(inner)
            return
        if kind in ("assignment_expression", "compound_assignment_expr"):
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            if right is not None:
                result = self.eval(right)
                if left is not None and left.type == "identifier":
                    self.env[syntax.text(left)] = result
            return
        if kind in (
            "function_item",
            "impl_item",
            "mod_item",
            "struct_item",
            "use_declaration",
            "attribute_item",
            "line_comment",
            "block_comment",
            "macro_definition",
        ):
            return
        self.eval(node)

    # --- expressions

    def eval(self, node: Node | None) -> Any:
        if node is None:
            return None
        kind = node.type
        if kind in (
            "await_expression",
            "try_expression",
            "parenthesized_expression",
            "return_expression",
        ):
            return self.eval(node.named_children[0] if node.named_children else None)
        if kind == "reference_expression":
            return self.eval(node.child_by_field_name("value"))
        if kind in ("string_literal", "raw_string_literal"):
            value = syntax.string_value(node)
            return Text(clean_path(value)) if value is not None and "{}" not in value else None
        if kind == "identifier":
            name = syntax.text(node)
            if name in self.env:
                return self.env[name]
            return Const(name) if name.isupper() else Ref(name, syntax.line(node))
        if kind == "scoped_identifier":
            name = "::".join(segments(syntax.text(node)))
            last = name.rsplit("::", 1)[-1]
            return Const(name) if last.isupper() else Ref(name, syntax.line(node))
        if kind == "call_expression":
            return self._call(node)
        if kind == "macro_invocation":
            return self._macro(node)
        if kind == "closure_expression":
            return self.eval(node.child_by_field_name("body"))
        if kind in ("block", "async_block", "unsafe_block"):
            return self._block_value(node)
        if kind in (
            "if_expression",
            "match_expression",
            "for_expression",
            "while_expression",
            "loop_expression",
            "else_clause",
            "match_block",
            "match_arm",
        ):
            for child in node.named_children:
                self.eval(child)
            return None
        return None

    def _block_value(self, node: Node) -> Any:
        block = (
            node
            if node.type == "block"
            else next((c for c in node.named_children if c.type == "block"), None)
        )
        if block is None:
            return None
        children = [
            c for c in block.named_children if c.type not in ("line_comment", "block_comment")
        ]
        for child in children[:-1]:
            self._statement(child)
        if not children:
            return None
        last = children[-1]
        if last.type == "expression_statement" or last.type == "let_declaration":
            self._statement(last)
            return None
        return self.eval(last)

    def _produce(self, value: Any) -> Any:
        self.produced.append(value)
        return value

    def _consume(self, value: Any) -> None:
        self.consumed.add(id(value))

    def _args(self, node: Node) -> list[Node]:
        arguments = node.child_by_field_name("arguments")
        if arguments is None:
            return []
        return [
            c for c in arguments.named_children if c.type not in ("line_comment", "block_comment")
        ]

    def _call(self, node: Node) -> Any:
        function = node.child_by_field_name("function")
        args = self._args(node)
        if function is None:
            return None
        if function.type == "generic_function":  # `router.with_state::<()>(s)`, `get::<T>(h)`
            inner = function.child_by_field_name("function")
            if inner is not None and inner.type == "field_expression":
                function = inner
        if function.type == "field_expression":
            joined = self._joined_path(function)
            if joined is not None:
                return joined
            receiver = self.eval(function.child_by_field_name("value"))
            field = function.child_by_field_name("field")
            return self._method(receiver, syntax.text(field), args, field or node)
        if function.type in ("identifier", "scoped_identifier", "generic_function"):
            return self._function(segments(syntax.text(function)), args, node)
        for arg in args:
            self.eval(arg)
        return None

    def _joined_path(self, function: Node) -> Text | None:
        """`[base, "/api"].concat()` (a path built of pieces): the literal pieces joined, every
        other piece a dynamic segment; None for any other call."""
        array = function.child_by_field_name("value")
        field = syntax.text(function.child_by_field_name("field"))
        if array is None or array.type != "array_expression" or field not in _JOIN_METHODS:
            return None
        pieces = []
        for element in array.named_children:
            value = self.eval(element)
            pieces.append(value.value if isinstance(value, Text) else routepath.DYNAMIC)
        return Text("".join(pieces))

    def _function(self, names: list[str], args: list[Node], node: Node) -> Any:
        r = rules()
        line = syntax.line(node)
        last = names[-1] if names else ""
        if any(
            tuple(names[-len(rule) :]) == rule for rule in r.router_new if len(names) >= len(rule)
        ):
            for arg in args:
                self.eval(arg)
            return self._produce(Router([]))
        if last in r.scope_new and len(args) == 1:
            return self._produce(Router([], _path_fact(self.eval(args[0])), scoped=True))
        if last in r.resource_new and len(args) == 1:
            return self._produce(Resource(_path_fact(self.eval(args[0])), [], line))
        if last in r.http_methods and len(args) <= 1:
            handler = self._handler(args[0]) if args else None
            return Methods([[r.http_methods[last], handler]])
        if last in r.documented_http_methods and len(args) == 2:
            return Methods([[r.documented_http_methods[last], self._handler(args[0])]])
        if last in r.method_filters and len(args) == 2:
            found = re.findall(re.escape(r.method_filters[last]) + r"::(\w+)", syntax.text(args[0]))
            handler = self._handler(args[1])
            return Methods([[m.upper(), handler] for m in found])
        values = [self.eval(arg) for arg in args]
        del values  # router values passed to other calls stay where they are produced
        if not names or not (last[:1].islower() or last[:1] == "_"):
            return None  # Ok(…), Some(…), tuple structs
        return self._produce(Ref("::".join(names), line))

    def _method(self, receiver: Any, name: str, args: list[Node], at: Node) -> Any:
        """`receiver.name(args)`; `at` is the method name (the registration's line)."""
        r = rules()
        line = syntax.line(at)
        if isinstance(receiver, Methods | Resource):
            return self._method_router_call(receiver, name, args)
        if not isinstance(receiver, Router | Ref):
            for arg in args:
                self.eval(arg)
            return None
        action = r.router_methods.get(name)
        if action is None:
            for arg in args:
                self.eval(arg)
            return receiver  # .layer(), .with_state(), .wrap(), .app_data() …
        if action == "route" and len(args) == 1:
            action = "methods"
        items = self._add(action, args, line)
        if items is None:
            return receiver
        self._consume(receiver)
        base = receiver if isinstance(receiver, Router) else Router([self._ref_item(receiver)])
        return self._produce(Router(base.items + items, base.prefix, base.scoped))

    def _add(self, action: str, args: list[Node], line: int) -> list[dict[str, Any]] | None:
        """The items a router method call adds (None: not a registration after all)."""
        if len(args) >= 2:
            line = syntax.line(args[0])  # where the path is written
        if action == "route" and len(args) >= 2:
            path = _path_fact(self.eval(args[0]))
            methods = self.eval(args[1])
            if isinstance(methods, Resource):
                methods = Methods(methods.methods)
            pairs = methods.pairs if isinstance(methods, Methods) else [["ANY", None]]
            return [{"route": path, "methods": pairs, "line": line}]
        if action == "service" and len(args) >= 2:
            path = _path_fact(self.eval(args[0]))
            self.eval(args[1])
            return [{"route": path, "methods": [["ANY", None]], "line": line}]
        if action == "mount" and len(args) >= 2:
            path = _path_fact(self.eval(args[0]))
            value = self.eval(args[1])
            self._consume(value)
            return [{"mount": path, "items": self._as_items(value), "line": line}]
        if action == "include" and args:
            items: list[dict[str, Any]] = []
            for arg in args:
                value = self.eval(arg)
                self._consume(value)
                if isinstance(value, tuple | list):
                    for each in value:
                        items.extend(self._as_items(each))
                else:
                    items.extend(self._as_items(value))
            return items
        return None

    def _method_router_call(self, receiver: Methods | Resource, name: str, args: list[Node]) -> Any:
        r = rules()
        pairs = receiver.pairs if isinstance(receiver, Methods) else receiver.methods
        added: list[list[Any]] | None = None
        if name == "route" and len(args) == 1 and isinstance(receiver, Resource):
            value = self.eval(args[0])
            extra = value.pairs if isinstance(value, Methods) else []
            added = pairs + extra
        elif name in r.http_methods and len(args) == 1:
            added = [*pairs, [r.http_methods[name], self._handler(args[0])]]
        elif name in r.documented_http_methods and len(args) == 2:
            added = [*pairs, [r.documented_http_methods[name], self._handler(args[0])]]
        elif name in r.handler_methods and len(args) == 1:
            handler = self._handler(args[0])
            if pairs:
                added = [[m, h if h is not None else handler] for m, h in pairs]
            else:
                added = [["ANY", handler]]
        else:
            for arg in args:
                self.eval(arg)
            return receiver
        if isinstance(receiver, Resource):
            self._consume(receiver)
            return self._produce(Resource(receiver.path, added, receiver.line))
        return Methods(added)

    def _handler(self, node: Node) -> str | None:
        """A handler as written (`users::create`, `Controller::show`), None for a closure."""
        while node.type in ("reference_expression", "parenthesized_expression"):
            inner = node.child_by_field_name("value") or (
                node.named_children[0] if node.named_children else None
            )
            if inner is None:
                return None
            node = inner
        if node.type in ("identifier", "scoped_identifier", "generic_function"):
            return "::".join(segments(syntax.text(node)))
        if node.type == "call_expression":
            self.eval(node)
            return self._wrapped_handler(node)
        return None

    def _wrapped_handler(self, call: Node) -> str | None:
        """The handler a call wraps: a wrapper type or function around it (`SeqHandler(h)`,
        `web::to(h)`), or a method called on it (`h.layer(x)`, `h.with_request_id()`)."""
        function = call.child_by_field_name("function")
        if function is None:
            return None
        if function.type == "field_expression":
            inner = function.child_by_field_name("value")
            if inner is not None and inner.type in ("identifier", "scoped_identifier"):
                return self._handler(inner)
            return None
        args = self._args(call)
        wraps_one_name = len(args) == 1 and args[0].type in (
            "identifier",
            "scoped_identifier",
            "generic_function",
        )
        if function.type in ("identifier", "scoped_identifier") and wraps_one_name:
            return self._handler(args[0])
        return None

    def _macro(self, node: Node) -> Any:
        name = segments(syntax.text(node.child_by_field_name("macro")))
        if not name or name[-1] not in rules().handler_list_macros:
            return None
        tree = next((c for c in node.named_children if c.type == "token_tree"), None)
        if tree is None:
            return None
        refs: list[Any] = []
        current: list[str] = []
        for child in tree.children:
            text = syntax.text(child)
            if child.type == "identifier" or text == "::":
                current.append(text)
            elif text == ",":
                if current:
                    refs.append(Ref("".join(current), syntax.line(child)))
                current = []
        if current:
            refs.append(Ref("".join(current), syntax.line(node)))
        return self._produce(Router([self._ref_item(ref) for ref in refs]))

    def _ref_item(self, ref: Ref) -> dict[str, Any]:
        return {"ref": ref.name, "line": ref.line}

    def _as_items(self, value: Any) -> list[dict[str, Any]]:
        """A value as router items: a router's, a scope mounted at its path, a resource's route,
        a reference to another function."""
        if isinstance(value, Router):
            if value.scoped:
                return [{"mount": value.prefix, "items": value.items, "line": 0}]
            return value.items
        if isinstance(value, Resource):
            return [{"route": value.path, "methods": value.methods, "line": value.line}]
        if isinstance(value, Ref):
            return [self._ref_item(value)]
        return []


def router_parameters(function: Node) -> set[str]:
    """The parameters through which a function registers routes (`cfg: &mut ServiceConfig`)."""
    names: set[str] = set()
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        return names
    for parameter in parameters.named_children:
        if parameter.type != "parameter":
            continue
        type_text = syntax.text(parameter.child_by_field_name("type"))
        if any(t in type_text for t in rules().router_parameters):
            pattern = parameter.child_by_field_name("pattern")
            names.add(syntax.text(pattern).replace("mut ", "").strip())
    return names


def route_attributes(attributes: list[Node]) -> list[list[Any]]:
    """`#[get("/x")]`, `#[actix_web::post("/x")]`, `#[route("/x", method = "GET")]` →
    [[METHOD, path, line]]."""
    routes: list[list[Any]] = []
    for item in attributes:
        attribute = next((c for c in item.named_children if c.type == "attribute"), None)
        if attribute is None or not attribute.named_children:
            continue
        name = segments(syntax.text(attribute.named_children[0]))
        method = rules().route_attributes.get(name[-1]) if name else None
        arguments = attribute.child_by_field_name("arguments")
        if method is None or arguments is None:
            continue
        path: str | None = None
        methods: list[str] = []
        key = None
        for child in arguments.named_children:
            if child.type == "identifier":
                key = syntax.text(child)
            elif child.type in ("string_literal", "raw_string_literal"):
                value = syntax.string_value(child) or ""
                if key == "method":
                    methods.append(value.upper())
                elif path is None and key is None:
                    path = value
                key = None
        if path is None:
            continue
        for each in [method] if method else methods:
            routes.append([each, clean_path(path), syntax.line(item)])
    return routes


_STRING_LITERALS = ("string_literal", "raw_string_literal")


def documented_routes(attributes: list[Node]) -> list[list[Any]]:
    """`#[utoipa::path(get, path = "/users/{id}", …)]` → [["GET", "/users/{id}", line]]: the
    first bare HTTP method name among the arguments, and the path key's string."""
    routes: list[list[Any]] = []
    for item in attributes:
        attribute = next((c for c in item.named_children if c.type == "attribute"), None)
        if attribute is None or not attribute.named_children:
            continue
        name = tuple(segments(syntax.text(attribute.named_children[0])))
        path_key = rules().openapi_path_attributes.get(name)
        arguments = attribute.child_by_field_name("arguments")
        if path_key is None or arguments is None:
            continue
        method: str | None = None
        path: str | None = None
        children = arguments.named_children
        for i, child in enumerate(children):
            if child.type != "identifier":
                continue
            word = syntax.text(child)
            following = children[i + 1] if i + 1 < len(children) else None
            is_string = following is not None and following.type in _STRING_LITERALS
            if word == path_key and following is not None and is_string:
                path = syntax.string_value(following)
            elif method is None and word in rules().route_attributes and word != "route":
                method = rules().route_attributes[word]
        if method and path is not None:
            routes.append([method, clean_path(path), syntax.line(item)])
    return routes


# --------------------------------------------------------------------------------- extractor

# A router chain is read recursively, a few frames per link: one `cfg.service(scope(…)
# .route(…)…)` chain of a big API has hundreds of links, more than Python's default limit allows.
# The limit is raised only while a function body is read, and only where Python calls don't use
# the C stack (3.11+); elsewhere a longer chain is dropped (RecursionError), never a crash.
_CHAIN_RECURSION_LIMIT = 30_000


@contextmanager
def _long_chains() -> Iterator[None]:
    before = sys.getrecursionlimit()
    if sys.version_info >= (3, 11) and before < _CHAIN_RECURSION_LIMIT:
        sys.setrecursionlimit(_CHAIN_RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


_FRAMEWORK_MARKERS = (b"actix_web", b"axum", b"rocket", b"utoipa")


class RustRoutesExtractor(Extractor):
    """Endpoints of actix-web, axum and rocket services."""

    reads_module_files = True

    name = "rust-routes"
    version = 4
    extensions = frozenset({".rs"})
    markers = (*_FRAMEWORK_MARKERS, b"pub use")
    languages = frozenset({"rust"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        """A file's functions, imports and constants; of a file naming no framework (a module
        that only re-exports its children's router functions), its `pub use` re-exports."""
        tree = syntax.parse("rust", source)
        items = read_items(tree.root_node, self._read_function)
        if not any(marker in source for marker in _FRAMEWORK_MARKERS):
            exports = items.get("exports")
            return {"exports": exports} if exports else None
        return items or None

    def _read_function(self, function: Node, attributes: list[Node]) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        routes = route_attributes(attributes)
        if routes:
            facts["routes"] = routes
        else:
            documented = documented_routes(attributes)
            if documented:
                facts["documented_routes"] = documented
        body = function.child_by_field_name("body")
        if body is not None:
            try:
                with _long_chains():
                    items = FunctionReader(router_parameters(function)).read_body(body)
            except RecursionError:
                items = []
            if items:
                facts["items"] = items
        return facts

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        # The other crates of a Cargo workspace lend their routers and handlers; the service's
        # endpoints are those its own crate reaches.
        own = frozenset(ctx.files) if ctx.module_files else None
        crates = crates_of(facts, ctx.read_text) if ctx.module_files else None
        return Part(endpoints=RouteResolver(FunctionIndex(facts, crates), own).endpoints())


class RouteResolver:
    """Expands the routers of the root functions into endpoints."""

    def __init__(self, index: FunctionIndex, own: frozenset[str] | None = None) -> None:
        self.index = index
        self.own = own  # the files whose functions may start a router (None: all)
        self.out: list[Endpoint] = []
        self.reached: set[str] = set()

    def endpoints(self) -> list[Endpoint]:
        referenced: set[str] = set()
        for function in self.index.functions:
            for ref, file in _refs(function.facts.get("items", []), function.file):
                target = self.index.lookup(ref, file)
                if target is not None and target.key != function.key:
                    referenced.add(target.key)
        roots = [f for f in self.index.functions if self.own is None or f.file in self.own]
        for function in roots:
            if function.facts.get("items") and function.key not in referenced:
                self._expand(function.facts["items"], function.file, "", (function.key,))
        for function in roots:  # cycles: routers nobody outside them reaches
            if function.facts.get("items") and function.key not in self.reached:
                self._expand(function.facts["items"], function.file, "", (function.key,))
        for function in roots:  # handlers registered where we could not see
            if function.facts.get("routes") and function.key not in self.reached:
                self._attribute_routes(function, "")
        return self.out

    def _expand(
        self, items: list[dict[str, Any]], file: str, prefix: str, stack: tuple[str, ...]
    ) -> None:
        for item in items:
            if "route" in item:
                path, dynamic = self._path(item["route"], file)
                full = routepath.join(prefix, path)
                for method, handler in item.get("methods", []):
                    self._endpoint(method, full, handler, file, item["line"], dynamic)
            elif "mount" in item:
                path, dynamic = self._path(item["mount"], file)
                inner = routepath.join(prefix, path) if path != "" else prefix
                self._expand(item.get("items", []), file, inner, stack)
            elif "ref" in item:
                target = self.index.lookup(item["ref"], file)
                if target is None or target.key in stack:
                    continue
                self.reached.add(target.key)
                if target.facts.get("routes"):
                    self._attribute_routes(target, prefix)
                elif target.facts.get("documented_routes"):
                    self._attribute_routes(target, prefix, "documented_routes")
                if target.facts.get("items"):
                    self._expand(target.facts["items"], target.file, prefix, (*stack, target.key))

    def _attribute_routes(self, function: Any, prefix: str, key: str = "routes") -> None:
        self.reached.add(function.key)
        for method, path, line in function.facts[key]:
            self.out.append(
                Endpoint(
                    method=method,
                    path=routepath.join(prefix, path),
                    handler=function.display,
                    file=function.file,
                    line=line,
                    handler_file=function.file,
                    handler_line=function.line,
                    dynamic=routepath.DYNAMIC in prefix,
                )
            )

    def _endpoint(
        self, method: str, path: str, handler: str | None, file: str, line: int, dynamic: bool
    ) -> None:
        target = self.index.lookup(handler, file) if handler else None
        self.out.append(
            Endpoint(
                method=method,
                path=path,
                handler=handler,
                file=file,
                line=line,
                handler_file=target.file if target else None,
                handler_line=target.line if target else None,
                dynamic=dynamic or routepath.DYNAMIC in path,
            )
        )

    def _path(self, value: Any, file: str) -> tuple[str, bool]:
        if isinstance(value, str):
            return value, False
        if isinstance(value, dict) and "const" in value:
            constant = self.index.constant(value["const"], file)
            if constant is not None:
                return constant, False
        return routepath.DYNAMIC, True


def _refs(items: list[dict[str, Any]], file: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items:
        if "ref" in item:
            out.append((item["ref"], file))
        elif "mount" in item:
            out.extend(_refs(item.get("items", []), file))
    return out


EXTRACTORS = [RustRoutesExtractor]
