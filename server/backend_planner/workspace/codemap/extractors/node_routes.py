"""Routes registered by method calls: Express, Koa (@koa/router), Fastify, hapi.

extract() reads, per file: routes (`router.get(path, …, handler)`, `router.route(path).get(h)`,
`fastify.route({method, url})`), mounts (`app.use("/api", usersRouter)`,
`router.use("/x", other.routes())`, `fastify.register(plugin, {prefix})`, `setup(app)`),
autoload directories (@fastify/autoload) and each router's own prefix (koa `new Router({prefix})`).
A route's or mount's receiver is a *scope*: a router variable, or — for a function's parameter
(`module.exports = (app) => …`, a Fastify plugin `async (fastify) => …`) — the function itself.

resolve() links scopes across files through imports and exports (node_js.ModuleGraph), walks
the mount tree from its roots (scopes nobody mounts) applying every prefix, and follows each
handler (`controller.list`) to its definition.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import node_js
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

Ref = dict[str, str]
Key = tuple[str, str]  # (file, symbol)


@dataclass(frozen=True)
class CallStyle:
    name: str
    modules: tuple[str, ...]
    methods: dict[str, str]
    mounts: tuple[str, ...] = ()
    plugin_mounts: tuple[str, ...] = ()
    route_objects: tuple[str, ...] = ()
    chains: tuple[str, ...] = ()
    prefix_calls: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()
    receiver_suffixes: tuple[str, ...] = ()
    mount_wrappers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Autoload:
    name: str
    modules: tuple[str, ...]
    dir_option: str
    options_option: str
    prefix_option: str
    dir_prefix_option: str
    route_params_option: str
    file_prefix_export: str


@dataclass(frozen=True)
class Vocabulary:
    """Every call style merged: what a method name means whatever the framework."""

    modules: frozenset[str]
    methods: dict[str, str]
    mounts: frozenset[str]
    plugin_mounts: frozenset[str]
    route_objects: frozenset[str]
    chains: frozenset[str]
    prefix_calls: frozenset[str]
    unwrap: frozenset[str]
    receivers: frozenset[str]
    receiver_suffixes: tuple[str, ...]
    autoload_modules: frozenset[str]
    mount_wrappers: frozenset[str] = field(default_factory=frozenset)
    autoload: Autoload | None = field(default=None)


def _vocabulary() -> Vocabulary:
    styles = load_rules("node", "call_style", CallStyle)
    loaders = load_rules("node", "autoload", Autoload)
    methods: dict[str, str] = {}
    for style in styles:
        methods.update(style.methods)

    def union(attr: str) -> frozenset[str]:
        return frozenset(v for s in styles for v in getattr(s, attr))

    return Vocabulary(
        modules=union("modules"),
        methods=methods,
        mounts=union("mounts"),
        plugin_mounts=union("plugin_mounts"),
        route_objects=union("route_objects"),
        chains=union("chains"),
        prefix_calls=union("prefix_calls"),
        unwrap=union("unwrap"),
        receivers=union("receivers"),
        receiver_suffixes=tuple(sorted(union("receiver_suffixes"))),
        autoload_modules=frozenset(m for a in loaders for m in a.modules),
        mount_wrappers=union("mount_wrappers"),
        autoload=loaders[0] if loaders else None,
    )


VOCABULARY = _vocabulary()
HANDLER_TYPES = frozenset(
    {
        "identifier",
        "member_expression",
        "call_expression",
        "arrow_function",
        "function_expression",
        "function",
        "array",
        "subscript_expression",
    }
)


class _FileReader:
    """Reads the route facts of one file."""

    def __init__(self, path: str, grammar: str, root: Node) -> None:
        self.path = path
        self.grammar = grammar
        self.root = root
        self.module = node_js.read_module(root)
        self.consts: dict[str, str] = self.module["consts"]
        self.imports: dict[str, Ref] = self.module["imports"]
        self.routers: dict[str, dict[str, Any]] = {}
        self.routes: list[dict[str, Any]] = []
        self.mounts: list[dict[str, Any]] = []
        self.autoloads: list[dict[str, Any]] = []
        # `const routes = [{path: "/auth", route: authRouter}, …]`: literal arrays of objects a
        # loop may mount (`routes.forEach((r) => router.use(r.path, r.route))`)
        self.arrays: dict[str, Node] = {}
        # `const controllers = {users: require("./users"), …}`: literal objects a loop may
        # register routes for (`for (const [name, c] of Object.entries(controllers))`)
        self.objects: dict[str, Node] = {}

    def read(self) -> FileFacts | None:
        found = node_js.matches_by_capture(self.grammar, "calls", self.root)
        for decl in found.get("declarator", []):
            self._declaration(decl)
        for call in found.get("method_call", []):
            self._method_call(call)
        for call in found.get("plain_call", []):
            self._plain_call(call)
        module = self.module
        if not (
            self.routes
            or self.mounts
            or self.autoloads
            or self.routers
            or module["exports"]
            or module["reexports"]
            or module["definitions"]
        ):
            return None
        return {
            **self.module,
            "routers": self.routers,
            "routes": self.routes,
            "mounts": self.mounts,
            "autoloads": self.autoloads,
        }

    # --- routers -------------------------------------------------------------------------

    def _declaration(self, decl: Node) -> None:
        """`const router = express.Router()`, `new Router({prefix: "/api"})`, `Fastify()`."""
        value = node_js.unwrap(decl.child_by_field_name("value"))
        name_node = decl.child_by_field_name("name")
        if value is not None and value.type == "array" and name_node is not None:
            self.arrays[syntax.text(name_node)] = value
            return
        if value is not None and value.type == "object" and name_node is not None:
            self.objects[syntax.text(name_node)] = value
            return
        value = self._router_root(value)
        if value is None:
            return
        prefix = None
        for arg in node_js.arguments(value):
            options = node_js.object_pairs(arg)
            if "prefix" in options:
                prefix = node_js.string_of(options["prefix"], self.consts)
                if prefix is None:
                    prefix = routepath.DYNAMIC
        name = syntax.text(decl.child_by_field_name("name"))
        self.routers[name] = {"prefix": prefix, "line": syntax.line(decl)}

    def _router_root(self, node: Node | None) -> Node | None:
        """The router factory call (`Router()`, `new Router({prefix})`) a chain of route and
        mount calls starts from (`Router().use(a).get("/x", h)`: routers return themselves),
        or None when the chain starts elsewhere."""
        node = node_js.unwrap(node)
        while node is not None and node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is None or callee.type != "member_expression":
                break
            name = syntax.text(callee.child_by_field_name("property"))
            if name not in VOCABULARY.methods and name not in VOCABULARY.mounts:
                break
            node = node_js.unwrap(callee.child_by_field_name("object"))
        if node is None or node.type not in ("call_expression", "new_expression"):
            return None
        callee = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        return node if self._makes_router(callee) else None

    def _router_made_at(self, root: Node) -> str:
        """The symbol of the router a factory call makes without `const x =` right before it:
        the variable or export holding the whole chain (`export default Router().use(…)`), or
        a name of its own (`app.use("/x", Router().get(…))`)."""
        name = _chain_holder(root) or f"@{root.start_point[0] + 1}:{root.start_point[1]}"
        self.routers.setdefault(name, {"prefix": None, "line": syntax.line(root)})
        return name

    def _makes_router(self, callee: Node | None) -> bool:
        callee = node_js.unwrap(callee)
        if callee is None:
            return False
        if callee.type == "member_expression":
            callee = node_js.unwrap(callee.child_by_field_name("object"))
        if callee is None:
            return False
        spec = node_js.require_spec(callee)
        if spec is None and callee.type == "identifier":
            imported = self.imports.get(syntax.text(callee))
            spec = imported["module"] if imported else None
        return spec is not None and spec in VOCABULARY.modules

    # --- scopes --------------------------------------------------------------------------

    def _scope(self, receiver: Node | None) -> tuple[Ref, str] | None:
        """The scope a receiver stands for and how sure that is: "router" (made by a router
        factory or imported), "param" (a function's parameter) or "name" (a usual name)."""
        receiver = node_js.unwrap(receiver)
        if receiver is None:
            return None
        if receiver.type in ("call_expression", "new_expression"):
            root = self._router_root(receiver)
            return ({"local": self._router_made_at(root)}, "router") if root is not None else None
        if receiver.type == "identifier":
            name = syntax.text(receiver)
            function = _declaring_function(receiver, name)
            if function is not None:
                return {"local": _function_symbol(function)}, "param"
            if name in self.routers:
                return {"local": name}, "router"
            imported = self.imports.get(name)
            if imported is not None:
                if imported["module"] in VOCABULARY.modules:
                    return None  # `express.static(…)`: the package, not a router
                return {"local": name}, "router" if imported["module"].startswith(".") else "name"
            return {"local": name}, "name"
        if receiver.type == "member_expression":
            obj = node_js.unwrap(receiver.child_by_field_name("object"))
            prop = syntax.text(receiver.child_by_field_name("property"))
            if obj is not None and obj.type == "this":
                cls = _enclosing_class(receiver)
                return {"local": f"{cls or ''}#this.{prop}"}, "name"
            if obj is not None and obj.type == "identifier" and syntax.text(obj) in self.imports:
                return {"local": syntax.text(receiver)}, "router"
        return None

    def _accepts(
        self, certainty: str, name: str, path_node: Node | None, handler: Node | None
    ) -> bool:
        """Whether a `x.get(…)` call is a route: a known router always; a parameter or a usual
        name only with a path-like first argument and a function-like last one."""
        if certainty == "router":
            return True
        if handler is None or handler.type not in HANDLER_TYPES:
            return False
        if path_node is None or path_node.type not in node_js.STRING_TYPES | {
            "identifier",
            "binary_expression",
        }:
            return False
        if certainty == "param":
            return True
        return _usual_receiver(name.split("#this.")[-1])

    # --- calls ---------------------------------------------------------------------------

    def _method_call(self, call: Node) -> None:
        callee = call.child_by_field_name("function")
        if callee is None:
            return
        method = syntax.text(callee.child_by_field_name("property"))
        receiver = callee.child_by_field_name("object")
        args = node_js.arguments(call)
        if method in VOCABULARY.methods and args:
            self._route(call, method, receiver, args)
        if method in VOCABULARY.route_objects and args:
            self._route_object(call, receiver, args)
        if method in VOCABULARY.mounts and args:
            self._mount(call, receiver, args)
        if method in VOCABULARY.plugin_mounts and args:
            self._register(call, receiver, args)
        if method in VOCABULARY.prefix_calls and len(args) == 1:
            scope = self._scope(receiver)
            prefix = node_js.string_of(args[0], self.consts)
            if scope is not None and prefix is not None and scope[0]["local"] in self.routers:
                self.routers[scope[0]["local"]]["prefix"] = prefix

    def _route(self, call: Node, method: str, receiver: Node | None, args: list[Node]) -> None:
        chain = self._chain_base(receiver)
        if chain is not None:
            base_receiver, path_node = chain
            scope = self._scope(base_receiver)
            if scope is None:
                return
            handler = args[-1]
            certainty = "router" if scope[1] != "name" else "name"
        else:
            receiver = _chained_receiver(node_js.unwrap(receiver))
            scope = self._scope(receiver)
            if scope is None or len(args) < 2:
                return
            path_node, handler = args[0], args[-1]
            if len(args) >= 3 and _is_string(args[0]) and _is_string(args[1]):
                path_node = args[1]  # koa named route: router.get("name", "/path", handler)
            certainty = scope[1]
        if not self._accepts(certainty, scope[0]["local"], path_node, handler):
            return
        at = call.child_by_field_name("function")
        at = at.child_by_field_name("property") if at is not None else None
        entries = _object_entries_loop(call, self.objects)
        if entries is None:
            self._add_route(at or call, scope[0], VOCABULARY.methods[method], [path_node], handler)
            return
        for entry in entries:
            self._add_route(
                at or call,
                scope[0],
                VOCABULARY.methods[method],
                [path_node],
                handler,
                {**self.consts, entry.key_variable: entry.key},
                entry,
            )

    def _chain_base(self, receiver: Node | None) -> tuple[Node | None, Node] | None:
        """`router.route("/x").get(h).post(h)`: (router, "/x" node) for any link of the chain."""
        node = node_js.unwrap(receiver)
        while node is not None and node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is None or callee.type != "member_expression":
                return None
            name = syntax.text(callee.child_by_field_name("property"))
            args = node_js.arguments(node)
            if name in VOCABULARY.chains and args and args[0].type != "object":
                return callee.child_by_field_name("object"), args[0]
            if name not in VOCABULARY.methods:
                return None
            node = node_js.unwrap(callee.child_by_field_name("object"))
        return None

    def _route_object(self, call: Node, receiver: Node | None, args: list[Node]) -> None:
        """`fastify.route({method: "GET", url: "/x", handler})`, hapi `server.route([{…}])`."""
        scope = self._scope(receiver)
        if scope is None:
            return
        first = node_js.unwrap(args[0])
        options = [first] if first is not None and first.type == "object" else []
        if first is not None and first.type == "array":
            options = [c for c in first.named_children if c.type == "object"]
        for option in options:
            pairs = node_js.object_pairs(option)
            path_node = pairs.get("url") or pairs.get("path")
            if path_node is None or "method" not in pairs:
                continue
            methods = [m.upper() if m else None for m in node_js.strings_of(pairs["method"], {})]
            handler = pairs.get("handler") or _spread_handler(option)
            for method in methods:
                if method is None:
                    continue
                method = "ANY" if method == "*" else method
                self._add_route(option, scope[0], method, [path_node], handler)

    def _add_route(
        self,
        at: Node,
        scope: Ref,
        method: str,
        path_nodes: list[Node],
        handler: Node | None,
        consts: Mapping[str, str] | None = None,
        entry: _Entry | None = None,
    ) -> None:
        for path in node_js.strings_of(path_nodes[0], consts or self.consts, partial=True):
            route: dict[str, Any] = {
                "scope": scope,
                "method": method,
                "path": _inline_parameters(path),
                "line": syntax.line(at),
            }
            route.update(self._handler(handler))
            if entry is not None:
                self._entry_handler(route, entry)
            self.routes.append(route)

    def _entry_handler(self, route: dict[str, Any], entry: _Entry) -> None:
        """In a loop over an object's entries, `controller.list` is the member `list` of the
        entry's value (`require("./users")` → that module's export `list`)."""
        ref = route.get("handler_ref")
        head, _, member = (ref or {}).get("local", "").partition(".")
        if not member or head != entry.value_variable:
            return
        value = node_js.unwrap(entry.value)
        spec = node_js.require_spec(value)
        if spec is not None and "." not in member:
            route["handler_ref"] = {"module": spec, "name": member}
        elif value is not None and value.type in ("identifier", "member_expression"):
            route["handler_ref"] = {"local": f"{syntax.text(value)}.{member}"}
        else:
            route.pop("handler_ref")

    def _handler(self, handler: Node | None) -> dict[str, Any]:
        """The handler as written and where to look for its definition."""
        node = node_js.unwrap(handler)
        if node is not None and node.type == "array" and node.named_children:
            node = node_js.unwrap(node.named_children[-1])
        if node is None:
            return {"handler": None}
        if node.type in node_js.FUNCTION_TYPES:
            return {"handler": None, "handler_line": syntax.line(node)}
        if node.type == "call_expression":
            node = _wrapped(node)
            if node is None:
                return {"handler": None}
            if node.type in node_js.FUNCTION_TYPES:
                return {"handler": None, "handler_line": syntax.line(node)}
        text = syntax.text(node)
        if node.parent is not None and node.parent.type == "spread_element":
            text += ".handler"
        if node.type == "member_expression" and text.startswith("this."):
            cls = _enclosing_class(node)
            text = f"{cls}.{text[5:]}" if cls else text[5:]
        if node.type not in ("identifier", "member_expression"):
            return {"handler": text}
        return {"handler": text, "handler_ref": {"local": text}}

    def _mount(self, call: Node, receiver: Node | None, args: list[Node]) -> None:
        """`app.use("/api", auth, router)`: each argument that may be a router is a child. Inside
        a loop over a literal array (`routes.forEach((r) => app.use(r.path, r.route))`), one
        mount per element of the array."""
        scope = self._scope(receiver)
        if scope is None:
            return
        looped = _loop_elements(call, self.arrays)
        if looped is None:
            self._mount_arguments(call, scope[0], args)
            return
        for element in looped:
            given = [_element_value(arg, element) for arg in args]
            if all(arg is not None for arg in given):
                self._mount_arguments(call, scope[0], [a for a in given if a is not None])

    def _mount_arguments(
        self, call: Node, parent: Ref, args: list[Node], base: str | None = "", depth: int = 0
    ) -> None:
        if not args:
            return
        prefix: str | None = ""
        children = args
        if _is_string(args[0]) or args[0].type in ("binary_expression", "array"):
            prefixes = node_js.strings_of(args[0], self.consts, partial=True)
            prefix = prefixes[0] if prefixes else None
            children = args[1:]
        elif args[0].type == "identifier" and syntax.text(args[0]) in self.consts:
            prefix = self.consts[syntax.text(args[0])]
            children = args[1:]
        if base and prefix is not None:
            prefix = routepath.join(base, prefix)
        for child in children:
            wrapped = self._mount_wrapper(child)
            if wrapped is not None and depth < 3:
                # `app.use(mount("/api", api))` (koa-mount): the wrapper's own prefix and child
                self._mount_arguments(call, parent, wrapped, prefix, depth + 1)
                continue
            ref = self._child(child)
            if ref is not None:
                self.mounts.append(
                    {"parent": parent, "prefix": prefix, "child": ref, "line": syntax.line(call)}
                )

    def _mount_wrapper(self, given: Node) -> list[Node] | None:
        """The arguments of `mount(prefix?, app)` when `mount` is imported from a package of
        `mount_wrappers` (koa-mount), else None."""
        node = node_js.unwrap(given)
        if node is None or node.type != "call_expression":
            return None
        callee = node_js.unwrap(node.child_by_field_name("function"))
        if callee is None or callee.type != "identifier":
            return None
        ref = self.imports.get(syntax.text(callee))
        if ref is None or ref["module"] not in VOCABULARY.mount_wrappers:
            return None
        return node_js.arguments(node)

    def _register(self, call: Node, receiver: Node | None, args: list[Node]) -> None:
        """`fastify.register(plugin, {prefix: "/v1"})`, or an autoload directory."""
        scope = self._scope(receiver)
        if scope is None:
            return
        options = node_js.object_pairs(args[1]) if len(args) > 1 else {}
        plugin = node_js.unwrap(args[0])
        if plugin is not None and plugin.type == "identifier":
            imported = self.imports.get(syntax.text(plugin))
            if imported is not None and imported["module"] in VOCABULARY.autoload_modules:
                self._autoload(scope[0], options)
                return
        prefix: str | None = ""
        if "prefix" in options:
            prefix = node_js.string_of(options["prefix"], self.consts, partial=True)
        ref = self._child(args[0])
        if ref is not None:
            self.mounts.append(
                {"parent": scope[0], "prefix": prefix, "child": ref, "line": syntax.line(call)}
            )

    def _autoload(self, parent: Ref, options: dict[str, Node]) -> None:
        rules = VOCABULARY.autoload
        if rules is None:
            return
        directory = _directory(options.get(rules.dir_option), self.path, self.consts)
        if directory is None:
            return
        inner = node_js.object_pairs(options.get(rules.options_option))
        prefix = node_js.string_of(inner.get(rules.prefix_option), self.consts) or ""
        dir_prefix = options.get(rules.dir_prefix_option)
        route_params = options.get(rules.route_params_option)
        self.autoloads.append(
            {
                "parent": parent,
                "dir": directory,
                "prefix": prefix,
                "dir_prefix": dir_prefix is None or syntax.text(dir_prefix) != "false",
                "route_params": route_params is not None and syntax.text(route_params) == "true",
            }
        )

    def _child(self, node: Node | None) -> Ref | None:
        """What a mounted argument refers to: a router, a plugin, a required module."""
        node = node_js.unwrap(node)
        if node is None:
            return None
        if node.type in node_js.FUNCTION_TYPES:
            return {"local": _function_symbol(node)}
        spec = node_js.require_spec(node)
        if spec is not None:
            return {"module": spec, "name": "default"}
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is not None and callee.type == "member_expression":
                name = syntax.text(callee.child_by_field_name("property"))
                if name in VOCABULARY.unwrap:  # router.routes()
                    return self._child(callee.child_by_field_name("object"))
                if name == "then":  # import("./x").then(m => m.default)
                    return self._child(callee.child_by_field_name("object"))
            root = self._router_root(node)  # app.use("/x", Router().get("/", h))
            return {"local": self._router_made_at(root)} if root is not None else None
        if node.type == "member_expression":
            obj = node_js.unwrap(node.child_by_field_name("object"))
            prop = syntax.text(node.child_by_field_name("property"))
            spec = node_js.require_spec(obj)
            if spec is not None:
                return {"module": spec, "name": prop}
            if obj is not None and obj.type == "new_expression":
                ctor = syntax.text(obj.child_by_field_name("constructor"))
                return {"local": f"{ctor}#this.{prop}"}
            return {"local": syntax.text(node)}
        if node.type == "identifier":
            return {"local": syntax.text(node)}
        return None

    def _plain_call(self, call: Node) -> None:
        """`routes(app)`, `require("./routes")(app)`: a function given a router mounts the
        routes it registers on its parameter, without a prefix."""
        callee = node_js.unwrap(call.child_by_field_name("function"))
        if callee is None or syntax.text(callee) in ("require", "import"):
            return
        args = node_js.arguments(call)
        if not args:
            return
        for given in args:
            arg = node_js.unwrap(given)
            if arg is None or arg.type not in ("identifier", "member_expression"):
                continue
            scope = self._scope(arg)
            if scope is None:
                continue
            name = syntax.text(arg)
            if scope[1] == "name" and name not in self.routers and not _usual_receiver(name):
                continue
            ref = self._child(callee)
            if ref is not None:
                self.mounts.append(
                    {"parent": scope[0], "prefix": "", "child": ref, "line": syntax.line(call)}
                )
            return


_WHOLE_PARAMETER = re.compile(r"^:[A-Za-z_][\w\-]*\??(\(.*\))?$")
_INLINE_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _inline_parameters(path: str | None) -> str | None:
    """path-to-regexp / find-my-way parameters inside a segment: `/:name.json`,
    `/:lat-:lng` → `/{name}.json`, `/{lat}-{lng}` (`::` is a literal colon)."""
    if path is None or ":" not in path:
        return path
    segments = path.split("/")
    for i, segment in enumerate(segments):
        if ":" in segment and not _WHOLE_PARAMETER.match(segment):
            segments[i] = _INLINE_PARAMETER.sub(r"{\1}", segment)
    return "/".join(segments)


def _usual_receiver(name: str) -> bool:
    """A name usually given to an app or a router (`app`, `router`, `protectedRouter`)."""
    return name in VOCABULARY.receivers or name.endswith(VOCABULARY.receiver_suffixes)


def _chained_receiver(node: Node | None) -> Node | None:
    """`router.get(a, h).post(b, h)`: routers return themselves, so the receiver of `.post` is
    `router` (None when a link of the chain is some other call)."""
    while node is not None and node.type == "call_expression":
        callee = node.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return node  # `Router()`: _scope knows whether the call makes a router
        name = syntax.text(callee.child_by_field_name("property"))
        if name not in VOCABULARY.methods and name not in VOCABULARY.mounts:
            return node
        node = node_js.unwrap(callee.child_by_field_name("object"))
    return node


CHAIN_LINKS = frozenset({"member_expression", "call_expression", "parenthesized_expression"})


def _chain_holder(root: Node) -> str | None:
    """What holds the chain a router factory call starts: `const api = Router().use(…)` →
    `api`; `export default Router().use(…)`, `module.exports = Router().get(…)` → `default`."""
    node = root
    parent = node.parent
    while parent is not None and parent.type in CHAIN_LINKS:
        if parent.type == "call_expression" and parent.child_by_field_name("function") != node:
            return None
        if parent.type == "member_expression" and parent.child_by_field_name("object") != node:
            return None
        node, parent = parent, parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return syntax.text(name) if name is not None and name.type == "identifier" else None
    if parent.type == "export_statement":
        return "default" if any(c.type == "default" for c in parent.children) else None
    if parent.type == "assignment_expression":
        left = syntax.text(parent.child_by_field_name("left"))
        if left in ("module.exports", "exports.default", "module.exports.default"):
            return "default"
    return None


@dataclass
class _Element:
    """One element of a literal array a loop iterates: its object's members, and how the loop
    variable reads them (`route` → `route.path`; `{path, route: r}` → `path`, `r`)."""

    members: dict[str, Node]
    variable: str | None = None
    destructured: dict[str, str] = field(default_factory=dict)  # local name → member


LOOP_CALLS = frozenset({"forEach", "map"})


@dataclass
class _Entry:
    """One entry of a literal object a `for (const [key, value] of Object.entries(OBJ))` loop
    iterates, and the loop's names for its key and value."""

    key_variable: str
    key: str
    value_variable: str
    value: Node


def _object_entries_loop(node: Node, objects: Mapping[str, Node]) -> list[_Entry] | None:
    """The entries of the literal object the nearest enclosing `for … of Object.entries(OBJ)`
    loop iterates, or None (not in such a loop, or the object is not a literal)."""
    parent = node.parent
    while parent is not None and parent.type not in node_js.FUNCTION_TYPES:
        if parent.type == "for_in_statement":
            break
        parent = parent.parent
    if parent is None or parent.type != "for_in_statement":
        return None
    right = node_js.unwrap(parent.child_by_field_name("right"))
    left = parent.child_by_field_name("left")
    if right is None or right.type != "call_expression" or left is None:
        return None
    if syntax.text(right.child_by_field_name("function")) != "Object.entries":
        return None
    args = node_js.arguments(right)
    given = node_js.unwrap(args[0]) if args else None
    if given is not None and given.type == "identifier":
        given = objects.get(syntax.text(given))
    names = [c for c in left.named_children if c.type == "identifier"]
    if given is None or given.type != "object" or left.type != "array_pattern" or len(names) != 2:
        return None
    key_variable, value_variable = (syntax.text(n) for n in names)
    return [
        _Entry(key_variable, key, value_variable, value)
        for key, value in node_js.object_pairs(given).items()
    ]


def _loop_elements(node: Node, arrays: Mapping[str, Node]) -> list[_Element] | None:
    """The elements of the literal array the nearest enclosing loop iterates
    (`LIST.forEach((item) => …)`, `for (const {path, route} of LIST)`), or None."""
    parent = node.parent
    while parent is not None:
        if parent.type == "for_in_statement":
            right = parent.child_by_field_name("right")
            binding = parent.child_by_field_name("left")
            return _elements(right, binding, arrays)
        if parent.type in node_js.FUNCTION_TYPES:
            holder = parent.parent
            call = holder.parent if holder is not None and holder.type == "arguments" else None
            callee = call.child_by_field_name("function") if call is not None else None
            if callee is None or callee.type != "member_expression":
                return None
            if syntax.text(callee.child_by_field_name("property")) not in LOOP_CALLS:
                return None
            return _elements(callee.child_by_field_name("object"), _first_binding(parent), arrays)
        parent = parent.parent
    return None


def _first_binding(function: Node) -> Node | None:
    """The first parameter's name or pattern."""
    single = function.child_by_field_name("parameter")
    if single is not None:
        return single
    params = function.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    if first is not None and first.type in ("required_parameter", "optional_parameter"):
        first = first.child_by_field_name("pattern")
    return first


def _elements(
    iterated: Node | None, binding: Node | None, arrays: Mapping[str, Node]
) -> list[_Element] | None:
    iterated = node_js.unwrap(iterated)
    if iterated is None or binding is None:
        return None
    array = arrays.get(syntax.text(iterated)) if iterated.type == "identifier" else None
    if iterated.type == "array":
        array = iterated
    if array is None:
        return None
    variable: str | None = None
    destructured: dict[str, str] = {}
    if binding.type == "identifier":
        variable = syntax.text(binding)
    elif binding.type == "object_pattern":
        for part in binding.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                destructured[syntax.text(part)] = syntax.text(part)
            elif part.type == "pair_pattern":
                key, value = part.child_by_field_name("key"), part.child_by_field_name("value")
                if key is not None and value is not None and value.type == "identifier":
                    destructured[syntax.text(value)] = syntax.text(key)
    else:
        return None
    return [
        _Element(node_js.object_pairs(item), variable, destructured)
        for item in array.named_children
        if item.type == "object"
    ]


def _element_value(arg: Node, element: _Element) -> Node | None:
    """An argument read from the loop variable (`r.path`, `path`) → that member's value in the
    element; any other argument as it is."""
    node = node_js.unwrap(arg) or arg
    if node.type == "member_expression" and element.variable is not None:
        obj = node.child_by_field_name("object")
        if obj is not None and syntax.text(obj) == element.variable:
            return element.members.get(syntax.text(node.child_by_field_name("property")))
    if node.type == "identifier" and syntax.text(node) in element.destructured:
        return element.members.get(element.destructured[syntax.text(node)])
    return arg


def _spread_handler(option: Node) -> Node | None:
    """`{method, path, ...controller}` (hapi): the handler is the spread object's `handler`."""
    for child in option.named_children:
        if child.type == "spread_element" and child.named_children:
            spread = node_js.unwrap(child.named_children[0])
            if spread is not None and spread.type in ("identifier", "member_expression"):
                return spread
    return None


def _is_string(node: Node) -> bool:
    node = node_js.unwrap(node) or node
    return node.type in node_js.STRING_TYPES


def _wrapped(call: Node) -> Node | None:
    """The handler inside a wrapper: `asyncHandler(ctrl.list)`, `ctrl.list.bind(ctrl)`."""
    callee = call.child_by_field_name("function")
    if (
        callee is not None
        and callee.type == "member_expression"
        and syntax.text(callee.child_by_field_name("property")) == "bind"
    ):
        return callee.child_by_field_name("object")
    # `asyncHandler(ctrl.list)` wraps its argument; `swaggerUi.setup(spec)` makes a handler
    # of its own unless given a function
    factory = callee is not None and callee.type == "member_expression"
    for given in node_js.arguments(call):
        arg = node_js.unwrap(given)
        if arg is None:
            continue
        if arg.type in node_js.FUNCTION_TYPES:
            return arg
        if arg.type in ("identifier", "member_expression") and not factory:
            return arg
    return callee if factory else None


def _declaring_function(node: Node, name: str) -> Node | None:
    """The nearest enclosing function that has `name` as its first parameter."""
    parent = node.parent
    while parent is not None:
        if parent.type in node_js.FUNCTION_TYPES:
            first = _first_parameter(parent)
            if first == name:
                return parent
            if name in _parameters(parent):
                return None  # a later parameter: not a router the caller passes first
        parent = parent.parent
    return None


def _parameters(function: Node) -> list[str]:
    params = function.child_by_field_name("parameters")
    if params is None:
        param = function.child_by_field_name("parameter")
        return [syntax.text(param)] if param is not None else []
    out = []
    for param in params.named_children:
        ident = param.child_by_field_name("pattern") if param.type != "identifier" else param
        if ident is not None and ident.type == "identifier":
            out.append(syntax.text(ident))
        else:
            out.append("")
    return out


def _first_parameter(function: Node) -> str | None:
    params = _parameters(function)
    return params[0] if params else None


def _function_symbol(function: Node) -> str:
    name = node_js.function_name(function)
    if name:
        return name
    return f"@{function.start_point[0] + 1}:{function.start_point[1]}"


def _enclosing_class(node: Node) -> str | None:
    parent = node.parent
    while parent is not None:
        if parent.type in ("class_declaration", "class", "abstract_class_declaration"):
            name = parent.child_by_field_name("name")
            return syntax.text(name) if name is not None else None
        parent = parent.parent
    return None


def _directory(node: Node | None, path: str, consts: Mapping[str, str]) -> str | None:
    """`path.join(__dirname, "routes")` → the repo-relative directory."""
    node = node_js.unwrap(node)
    if node is None:
        return None
    parts: list[str] = []
    if node.type == "call_expression":
        args = node_js.arguments(node)
        if not args or syntax.text(args[0]) not in ("__dirname", "import.meta.dirname"):
            return None
        for arg in args[1:]:
            value = node_js.string_of(arg, consts)
            if value is None:
                return None
            parts.append(value)
    else:
        value = node_js.string_of(node, consts)
        if value is None:
            return None
        parts.append(value)
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), *parts))


@dataclass
class _Scope:
    prefix: str | None = None
    routes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    children: list[tuple[str, Key]] = field(default_factory=list)
    mounted: bool = False


class _Resolver:
    """Links the route facts of a service's files and lays the mount tree out."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.facts = facts
        self.graph = node_js.ModuleGraph(
            facts, ctx.files, ctx.service_dir, node_js.tsconfig_aliases(ctx)
        )
        self.scopes: dict[Key, _Scope] = {}

    def scope(self, key: Key) -> _Scope:
        if key not in self.scopes:
            self.scopes[key] = _Scope()
        return self.scopes[key]

    def key(self, file: str, ref: Mapping[str, str]) -> Key | None:
        found = self.graph.symbol(file, ref)
        if found is None:
            return None
        target, symbol = found
        if symbol == "*":
            return None
        return target, symbol

    def build(self) -> list[Endpoint]:
        for file, facts in self.facts.items():
            for name, router in facts.get("routers", {}).items():
                self.scope((file, name)).prefix = router.get("prefix")
            for route in facts.get("routes", []):
                key = self.key(file, route["scope"])
                if key is not None:
                    self.scope(key).routes.append((file, route))
            for mount in facts.get("mounts", []):
                self._link(file, mount["parent"], mount["prefix"], mount["child"])
            for autoload in facts.get("autoloads", []):
                self._autoload(file, autoload)
        endpoints: list[Endpoint] = []
        for key, scope in sorted(self.scopes.items()):
            if not scope.mounted:
                self._emit(key, [], endpoints, frozenset())
        return endpoints

    def _link(
        self,
        file: str,
        parent_ref: Mapping[str, str],
        prefix: str | None,
        child_ref: Mapping[str, str],
    ) -> None:
        parent = self.key(file, parent_ref)
        child = self.key(file, child_ref)
        if parent is None or child is None or parent == child:
            return
        self.scope(parent).children.append((routepath.DYNAMIC if prefix is None else prefix, child))
        self.scope(child).mounted = True

    def _autoload(self, file: str, autoload: Mapping[str, Any]) -> None:
        parent = self.key(file, autoload["parent"])
        if parent is None:
            return
        directory = autoload["dir"]
        loaded = _autoloaded_files(directory, self.facts)
        for path in loaded:
            plugin = self.graph.export(path, "default")
            if plugin is None:
                continue
            relative = posixpath.dirname(path)[len(directory) :].strip("/")
            segments = relative.split("/") if relative and autoload["dir_prefix"] else []
            if autoload["route_params"]:
                segments = ["{" + s[1:] + "}" if s.startswith("_") else s for s in segments]
            own = self.facts[path].get("consts", {}).get("autoPrefix")
            prefix = routepath.join(
                autoload["prefix"], own if own is not None else "/".join(segments)
            )
            self.scope(parent).children.append((prefix, plugin))
            self.scope(plugin).mounted = True

    def _emit(
        self, key: Key, prefixes: list[str], out: list[Endpoint], seen: frozenset[Key]
    ) -> None:
        if key in seen or len(seen) > 32:
            return
        scope = self.scopes.get(key)
        if scope is None:
            return
        seen = seen | {key}
        own = [*prefixes, scope.prefix] if scope.prefix is not None else prefixes
        for file, route in scope.routes:
            out.append(self._endpoint(file, route, own))
        for prefix, child in scope.children:
            self._emit(child, [*own, prefix], out, seen)

    def _endpoint(self, file: str, route: Mapping[str, Any], prefixes: list[str]) -> Endpoint:
        parts = [routepath.DYNAMIC if p is None else p for p in [*prefixes, route["path"]]]
        path = routepath.join(*parts)
        handler_file, handler_line = None, route.get("handler_line")
        if handler_line is not None:
            handler_file = file
        elif route.get("handler_ref"):
            handler_file, handler_line = self._definition(file, route["handler_ref"])
        return Endpoint(
            method=route["method"],
            path=path,
            handler=route.get("handler"),
            file=file,
            line=route["line"],
            handler_file=handler_file,
            handler_line=handler_line,
            dynamic=routepath.DYNAMIC in path,
        )

    def _definition(self, file: str, ref: Mapping[str, str]) -> tuple[str | None, int | None]:
        found = self.graph.symbol(file, ref)
        if found is None:
            return None, None
        target, symbol = found
        definitions = self.facts.get(target, {}).get("definitions", {})
        if symbol in definitions:
            return target, int(definitions[symbol])
        last = symbol.rsplit(".", 1)[-1]
        candidates = [n for n in definitions if n == last or n.endswith("." + last)]
        if len(candidates) == 1:
            return target, int(definitions[candidates[0]])
        return (target, None) if target != file else (None, None)


def _autoloaded_files(directory: str, facts: Mapping[str, FileFacts]) -> list[str]:
    """The files an autoloader loads under `directory`: every script, except that a directory
    with an index file loads only that one (and its subdirectories)."""
    inside = sorted(p for p in facts if p.startswith(directory + "/"))
    indexed = {
        posixpath.dirname(p)
        for p in inside
        if posixpath.splitext(posixpath.basename(p))[0] == "index"
    }
    return [
        p
        for p in inside
        if posixpath.dirname(p) not in indexed
        or posixpath.splitext(posixpath.basename(p))[0] == "index"
    ]


class NodeRoutes(Extractor):
    name = "node-routes"
    version = 4
    extensions = frozenset(node_js.SOURCE_EXTENSIONS)
    # route registrations, and the modules handlers live in (they take req/ctx/reply) or that
    # re-export them (barrels)
    markers = (
        b".get(",
        b".post(",
        b".put(",
        b".patch(",
        b".delete(",
        b".del(",
        b".all(",
        b".route(",
        b".use(",
        b".register(",
        b"req",
        b"ctx",
        b"reply",
        b"export *",
        b"export {",
    )
    languages = frozenset({"javascript", "typescript"})

    def applies(self, ctx: ServiceContext) -> bool:
        return super().applies(ctx) and bool(
            {"express", "koa", "fastify", "hapi"} & set(ctx.frameworks)
        )

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = syntax.grammar_of(path)
        if grammar is None:
            return None
        tree = syntax.parse(grammar, source)
        return _FileReader(path, grammar, tree.root_node).read()

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(endpoints=_Resolver(facts, ctx).build())


EXTRACTORS = [NodeRoutes]
