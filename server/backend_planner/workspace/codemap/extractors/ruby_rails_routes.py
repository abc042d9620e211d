"""Rails routes: `config/routes.rb` (and the `config/routes/*.rb` files it `draw`s) read into
endpoints, each pointing at its controller action.

extract:
- a routes file → the tree of its routing-DSL calls (`get`, `resources`, `namespace`, `scope`,
  `member`, `concern`, `with_options`, `devise_for`, gem macros like `use_doorkeeper` …) with
  their literal arguments; other Ruby (`if`, `constraints` blocks) is looked through, and a loop
  over a literal array (`%w(a b).each do |x|`, or a local variable holding one) becomes a
  `$each` drawing its block once per element. `X.routes.draw do … end` blocks are the roots.
- a controller file (`…/controllers/…`) → its classes and modules: full name, superclass,
  included modules and public methods with their lines.
- a model file calling `devise` → the Devise modules of its class.

resolve walks the roots the way ActionDispatch's mapper does: scopes accumulate a path, a
controller module and a controller; `resources`/`resource` add their REST routes after their
block (`only:`/`except:`, `param:`, `path:`, `controller:`, `shallow`, `format: true`, API-only
apps without `new`/`edit`), `member`/`collection`/`on:` place extra routes under the current
scope path, nested resources (and namespaces inside a resource) take the parent's
`:<singular>_<param>`, `with_options` merges its options into every call of its block,
`concerns` replay a `concern`, `draw` reads another file and `mount` of an engine defined in the
repo expands that engine's routes under the mount path; `devise_for` and the macros of
rules/ruby.toml draw the gems' routes. Every route then points at `def <action>` of its
controller (found through the superclass chain and included modules); a route whose controller
clearly exists and has neither the action nor a view template for it is dropped (Rails answers
404 there). Parameters are written `{name}` wherever they sit in a segment (`/~:user` →
`/~{user}`); optional `(…)` parts are left out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors.ruby_syntax import (
    CONST,
    EXPR,
    HASH,
    TEMPLATE,
    block_body,
    block_parameter,
    call_facts,
    constant_name,
    inflector,
    is_dynamic,
    literal,
    resolve_constant,
    underscore,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

ROOT_CALLS = frozenset({"draw", "prepend", "append"})
DEVISE_MARKER = b"devise"
ISOLATE_NAMESPACE = "isolate_namespace"  # an engine's routes then reach `<module>/…` controllers
LOOP_CALLS = frozenset({"each"})  # `<literal array>.each do |x| … end` draws its block per element
ARRAY_KEEPING = frozenset({"freeze", "dup", "uniq", "compact"})  # calls returning the same array
SCOPE_CALLS = frozenset(
    {
        "namespace",
        "scope",
        "controller",
        "member",
        "collection",
        "new",
        "nested",
        "shallow",
        "concern",
        "concerns",
        "draw",
        "mount",
        "root",
        "match",
        "resources",
        "resource",
        "with_options",
        "devise_for",
    }
)
# options of `resources` that describe the resource; the others open a scope around it
RESOURCE_OPTIONS = frozenset(
    {"as", "controller", "path", "only", "except", "param", "concerns", "shallow"}
)
CANONICAL_ACTIONS = frozenset({"index", "create", "new", "show", "update", "destroy"})
SHORTHAND = re.compile(r"^/?[-\w]+/[-\w/]+$")
ACTION_WORD = re.compile(r"^[\w\-/]+$")
OPTIONAL_SEGMENT = re.compile(r"\([^()]*\)")
PARAMETER = re.compile(r"[:*]([A-Za-z_]\w*)")  # `:id`, `*path`, anywhere in a segment (`/~:name`)
VIEW_FILE = re.compile(r"(?:^|/)app/views/(.+)/([^/_.][^/.]*)\.[^/]+$")


@dataclass(frozen=True)
class Verb:
    name: str
    methods: tuple[str, ...]


@dataclass(frozen=True)
class ResourceAction:
    name: str
    kind: str
    action: str
    methods: tuple[str, ...]
    on: str
    path: str = ""
    api_only: bool = True


@dataclass(frozen=True)
class ControllerBase:
    name: str


@cache
def verbs() -> dict[str, tuple[str, ...]]:
    return {v.name: v.methods for v in load_rules("ruby", "verb", Verb)}


@cache
def resource_actions() -> tuple[ResourceAction, ...]:
    return load_rules("ruby", "resource_action", ResourceAction)


@cache
def controller_bases() -> frozenset[str]:
    return frozenset(b.name for b in load_rules("ruby", "controller_base", ControllerBase))


@dataclass(frozen=True)
class DeviseRoute:
    name: str
    modules: tuple[str, ...]
    controller: str
    action: str
    methods: tuple[str, ...]
    path: str
    methods_option: str = ""


@dataclass(frozen=True)
class DevisePathName:
    name: str
    default: str


@dataclass(frozen=True)
class DeviseModule:
    name: str


@dataclass(frozen=True)
class RouteMacro:
    name: str
    prefix_option: str
    prefix: str
    controllers_call: str
    skip_call: str


@dataclass(frozen=True)
class MacroRoute:
    name: str
    macro: str
    key: str
    controller: str
    action: str
    methods: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class MixinCall:
    name: str
    prefixes: tuple[str, ...]
    open: bool


@cache
def mixin_calls() -> dict[str, MixinCall]:
    return rules_by_name("ruby", "mixin_call", MixinCall)


@cache
def route_macros() -> dict[str, RouteMacro]:
    return rules_by_name("ruby", "route_macro", RouteMacro)


@cache
def macro_routes() -> tuple[MacroRoute, ...]:
    return load_rules("ruby", "macro_route", MacroRoute)


@cache
def macro_calls() -> frozenset[str]:
    """The macros and the calls configuring them in their block."""
    return frozenset(
        name
        for m in route_macros().values()
        for name in (m.name, m.controllers_call, m.skip_call)
        if name
    )


@dataclass(frozen=True)
class TokenAuthMacro:
    name: str
    module: str
    path_option: str
    controllers: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class TokenAuthRoute:
    name: str
    key: str
    action: str
    methods: tuple[str, ...]
    path: str
    omniauth: bool


@cache
def token_auth_macros() -> dict[str, TokenAuthMacro]:
    return rules_by_name("ruby", "token_auth_macro", TokenAuthMacro)


@cache
def token_auth_routes() -> tuple[TokenAuthRoute, ...]:
    return load_rules("ruby", "token_auth_route", TokenAuthRoute)


@cache
def devise_routes() -> tuple[DeviseRoute, ...]:
    return load_rules("ruby", "devise_route", DeviseRoute)


@cache
def devise_path_names() -> dict[str, str]:
    return {n.name: n.default for n in load_rules("ruby", "devise_path_name", DevisePathName)}


@cache
def devise_default_modules() -> tuple[DeviseModule, ...]:
    return load_rules("ruby", "devise_default_module", DeviseModule)


def is_routes_file(path: str) -> bool:
    return path.endswith("config/routes.rb") or "config/routes/" in path


class RailsRoutes(Extractor):
    name: ClassVar[str] = "ruby-rails-routes"
    version: ClassVar[int] = 5
    extensions: ClassVar[frozenset[str]] = frozenset({".rb"})
    languages: ClassVar[frozenset[str]] = frozenset({"ruby"})

    def wants(self, path: str) -> bool:
        return path.endswith(".rb") and (
            is_routes_file(path) or "controllers/" in path or "models/" in path or "lib/" in path
        )

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        if "lib/" in path and not any(d in path for d in ("config/", "controllers/", "models/")):
            return _engine_facts(source)
        is_model = not is_routes_file(path) and "controllers/" not in path
        if is_model and DEVISE_MARKER not in source:
            return None
        tree = syntax.parse("ruby", source)
        if is_model:
            devise = dict(_devise_models(tree.root_node, []))
            return {"devise": devise} if devise else None
        if is_routes_file(path):
            statements = _statements(tree.root_node)
            if (
                path.endswith("config/routes.rb")
                and statements
                and not any(s["m"] == "$root" for s in statements)
            ):
                # a syntax error hid the draw block: its calls are still the app's routes
                statements = [
                    {"m": "$root", "l": 1, "recv": "Rails.application", "body": statements}
                ]
            return {"routes": statements}
        facts: FileFacts = {}
        classes = list(_classes(tree.root_node, []))
        if classes:
            facts["classes"] = classes
        reopened = list(_reopenings(tree.root_node))
        if reopened:
            facts["reopened"] = reopened
        return facts or None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        routes = {p: f["routes"] for p, f in facts.items() if "routes" in f}
        classes = {
            c["name"]: dict(c, file=p) for p, f in facts.items() for c in f.get("classes", ())
        }
        for file_facts in facts.values():
            for reopening in file_facts.get("reopened", ()):
                info = classes.get(reopening["target"])
                if info is not None:
                    info["includes"] = [*info["includes"], *reopening["includes"]]
                    info["dynamic"] = info["dynamic"] or reopening["dynamic"]
        devise = {name: mods for f in facts.values() for name, mods in f.get("devise", {}).items()}
        isolated = {
            name: mod for f in facts.values() for name, mod in f.get("isolated", {}).items()
        }
        walker = RouteWalker(routes, ctx, devise, isolated)
        found = walker.run()
        return Part(endpoints=Handlers(classes, ctx.files).endpoints(found))


# ---------------------------------------------------------------------------------- extract


def _engine_facts(source: bytes) -> FileFacts | None:
    """The engines of a `lib/` file calling `isolate_namespace Mod`: engine class → the
    controller module (`shop/admin`) its routes default to."""
    if ISOLATE_NAMESPACE.encode() not in source:
        return None
    isolated = dict(_isolating_classes(syntax.parse("ruby", source).root_node, []))
    return {"isolated": isolated} if isolated else None


def _class_bodies(node: Node, nesting: list[str]) -> Iterator[tuple[str, Node]]:
    """(full name, body) of every class and module, nested ones included."""
    for child in node.named_children:
        if child.type == "body_statement":
            yield from _class_bodies(child, nesting)
        if child.type not in ("class", "module"):
            continue
        parts = [*nesting, *constant_name(child.child_by_field_name("name")).split("::")]
        body = child.child_by_field_name("body")
        if body is None:
            continue
        yield "::".join(parts), body
        yield from _class_bodies(body, parts)


def _isolating_classes(node: Node, nesting: list[str]) -> Iterator[tuple[str, str]]:
    """(engine class, its controllers' module) of each `isolate_namespace Mod`."""
    for name, body in _class_bodies(node, nesting):
        for stmt in body.named_children:
            method = stmt.child_by_field_name("method") if stmt.type == "call" else None
            args = stmt.child_by_field_name("arguments") if method is not None else None
            if (
                syntax.text(method) == ISOLATE_NAMESPACE
                and args is not None
                and args.named_children
            ):
                module = constant_name(args.named_children[0]).removeprefix("::")
                if module:
                    yield name, underscore(module)


def _statements(node: Node, arrays: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """The routing-DSL calls of a block; `arrays` are the local variables holding a literal
    array (`paths = %w(/a /b)`) seen so far, which `paths.each do |path| … end` iterates."""
    out: list[dict[str, Any]] = []
    known = {} if arrays is None else arrays
    for child in node.named_children:
        _collect(child, out, known)
    return out


def _collect(node: Node, out: list[dict[str, Any]], arrays: dict[str, list[Any]]) -> None:
    """Routing-DSL calls under `node` (looking through other code) appended to `out`."""
    if node.type == "assignment":
        _remember_array(node, arrays)
    elif node.type == "call":
        method = syntax.text(node.child_by_field_name("method"))
        receiver = node.child_by_field_name("receiver")
        body = block_body(node)
        if receiver is None and (
            method in SCOPE_CALLS
            or method in verbs()
            or method in macro_calls()
            or method in token_auth_macros()
        ):
            fact = call_facts(node)
            if body is not None:
                fact["body"] = _statements(body, arrays)
            out.append(fact)
            return
        is_draw = method in ROOT_CALLS and receiver is not None and body is not None
        if is_draw and syntax.text(receiver).endswith("routes"):
            out.append(
                {
                    "m": "$root",
                    "l": syntax.line(node),
                    "recv": constant_name(receiver).removesuffix(".routes"),
                    "body": _statements(body or node, arrays),
                }
            )
            return
        each = _iteration(node, method, receiver, arrays)
        if each is not None:
            out.append(each)
            return
    for child in node.named_children:
        _collect(child, out, arrays)


def _remember_array(node: Node, arrays: dict[str, list[Any]]) -> None:
    """`name = %w(a b)` (optionally `.freeze`d): a literal array a later loop may iterate."""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or left.type != "identifier":
        return
    values = _array_values(right, arrays)
    if values is None:
        arrays.pop(syntax.text(left), None)
    else:
        arrays[syntax.text(left)] = values


def _array_values(node: Node | None, arrays: dict[str, list[Any]]) -> list[Any] | None:
    """The elements of a literal array of strings/symbols (or of a variable holding one)."""
    if node is None:
        return None
    if node.type in ("array", "string_array", "symbol_array"):
        values = literal(node)
        if isinstance(values, list) and all(isinstance(v, str) for v in values):
            return values
        return None
    if node.type == "identifier":
        return arrays.get(syntax.text(node))
    if node.type == "call" and syntax.text(node.child_by_field_name("method")) in ARRAY_KEEPING:
        return _array_values(node.child_by_field_name("receiver"), arrays)
    if node.type == "parenthesized_statements" and node.named_child_count == 1:
        return _array_values(node.named_children[0], arrays)
    return None


def _iteration(
    node: Node, method: str, receiver: Node | None, arrays: dict[str, list[Any]]
) -> dict[str, Any] | None:
    """`%w(a b).each do |name| get name … end`: the block drawn once per element."""
    body = block_body(node)
    if method not in LOOP_CALLS or body is None:
        return None
    values = _array_values(receiver, arrays)
    variable = block_parameter(node)
    if values is None or variable is None:
        return None
    return {
        "m": "$each",
        "l": syntax.line(node),
        "var": variable,
        "values": values,
        "body": _statements(body, arrays),
    }


def _classes(node: Node, nesting: list[str]) -> Iterator[dict[str, Any]]:
    """Classes and modules (any depth of module nesting) with what makes their actions."""
    for child in node.named_children:
        if child.type not in ("class", "module"):
            if child.type == "body_statement":
                yield from _classes(child, nesting)
            continue
        name = constant_name(child.child_by_field_name("name"))
        if not name:
            continue
        parts = [*nesting, *name.split("::")]
        superclass = child.child_by_field_name("superclass")
        info: dict[str, Any] = {
            "name": "::".join(parts),
            "l": syntax.line(child),
            "nesting": nesting,
            "super": constant_name(superclass.named_children[0])
            if superclass is not None and superclass.named_children
            else None,
            "methods": {},
            "includes": [],
            "dynamic": False,
        }
        body = child.child_by_field_name("body")
        if body is not None:
            _read_class_body(body, info)
            yield from _classes(body, parts)
        yield info


def _mixin(method: str, values: list[Node]) -> tuple[list[str], bool] | None:
    """(modules, may they be outside the files read) a mixin call (`include Concern`,
    `prepend_mod_with("Name")`) adds to a class, or None for another call."""
    rule = mixin_calls().get(method)
    if rule is None:
        return None
    modules: list[str] = []
    for value in values:
        if value.type in ("constant", "scope_resolution"):
            modules.append(constant_name(value))
        else:
            name = syntax.string_value(value)
            if name:
                modules.extend(f"{prefix}::{name}" for prefix in rule.prefixes)
    return modules, rule.open


def _reopenings(node: Node) -> Iterator[dict[str, Any]]:
    """Classes given modules from outside their body: `Api::UsersController.include(X)`,
    `Api::UsersController.prepend_mod_with("Api::UsersController")`."""
    for child in node.named_children:
        if child.type == "body_statement":
            yield from _reopenings(child)
        receiver = child.child_by_field_name("receiver") if child.type == "call" else None
        if receiver is None or receiver.type not in ("constant", "scope_resolution"):
            continue
        args = child.child_by_field_name("arguments")
        mixin = _mixin(
            syntax.text(child.child_by_field_name("method")),
            args.named_children if args is not None else [],
        )
        if mixin is not None:
            yield {"target": constant_name(receiver), "includes": mixin[0], "dynamic": mixin[1]}


def _devise_models(node: Node, nesting: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(model, Devise modules) of the classes calling `devise :database_authenticatable, …`."""
    for name, body in _class_bodies(node, nesting):
        modules: list[str] = []
        for stmt in body.named_children:
            method = stmt.child_by_field_name("method") if stmt.type == "call" else None
            if syntax.text(method) == "devise" and stmt.child_by_field_name("receiver") is None:
                modules.extend(a for a in call_facts(stmt)["args"] if isinstance(a, str))
        if modules:
            yield name, modules


def _read_class_body(body: Node, info: dict[str, Any]) -> None:
    public = True
    for stmt in body.named_children:
        kind = stmt.type
        if kind == "method":
            name = syntax.text(stmt.child_by_field_name("name"))
            if name in ("method_missing", "action_missing"):
                info["dynamic"] = True
            if public:
                info["methods"][name] = syntax.line(stmt)
        elif kind == "identifier" and syntax.text(stmt) in ("private", "protected", "public"):
            public = syntax.text(stmt) == "public"
        elif kind == "call" and stmt.child_by_field_name("receiver") is None:
            method = syntax.text(stmt.child_by_field_name("method"))
            args = stmt.child_by_field_name("arguments")
            values = args.named_children if args is not None else []
            mixin = _mixin(method, values)
            if mixin is not None:
                info["includes"].extend(mixin[0])
                info["dynamic"] = info["dynamic"] or mixin[1]
            elif method in ("define_method", "alias_method"):
                info["dynamic"] = True
            elif method in ("private", "protected"):
                for value in values:
                    if value.type == "method":
                        name = syntax.text(value.child_by_field_name("name"))
                        info["methods"].pop(name, None)


# ---------------------------------------------------------------------------------- resolve


@dataclass(frozen=True)
class Resource:
    """A `resources`/`resource` being drawn."""

    name: str
    singleton: bool
    path: str  # the resource's own path segment
    param: str
    singular: str
    controller: str
    depth: int  # enclosing (non-singleton) resources

    def collection(self, start: str) -> str:
        """The resource's own path under `start` (the scope path its block is in)."""
        return f"{start}/{self.path}"

    def member(self, start: str) -> str:
        return self.collection(start) if self.singleton else f"{start}/{self.path}/:{self.param}"

    def nested(self, start: str) -> str:
        if self.singleton:
            return self.collection(start)
        return f"{start}/{self.path}/:{self.singular}_{self.param}"


@dataclass(frozen=True)
class Scope:
    path: str = ""
    module: str = ""
    controller: str | None = None
    action: str | None = None
    level: str = ""  # "", resources, resource, member, collection, new, nested
    resource: Resource | None = None
    shallow: bool = False
    shallow_path: str = ""
    path_names: tuple[tuple[str, str], ...] = ()
    dynamic: bool = False
    formatted: bool = False  # `format: true`: the paths end with a mandatory `.:format`
    to: str | None = None  # a `to:` given to a scope (or a resource): every route's target

    def path_name(self, action: str) -> str:
        return dict(self.path_names).get(action, action)


@dataclass
class Route:
    method: str
    path: str
    controller: str | None
    action: str | None
    file: str
    line: int
    dynamic: bool
    target: str | None = None  # a Rack app / redirect instead of a controller action


@dataclass
class RouteWalker:
    """Draws the routes of every root `routes.draw` block, following ActionDispatch."""

    files: Mapping[str, list[dict[str, Any]]]
    ctx: ServiceContext
    devise_models: Mapping[str, list[str]] = field(default_factory=dict)
    isolated: Mapping[str, str] = field(default_factory=dict)  # engine → controller module
    routes: list[Route] = field(default_factory=list)
    concerns: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)
    engines: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    api_only: bool = False
    _drawing: set[str] = field(default_factory=set)
    _file: str = ""

    def run(self) -> list[Route]:
        apps: list[tuple[str, dict[str, Any]]] = []
        for path in sorted(self.files):
            for stmt in self.files[path]:
                if stmt["m"] == "$root":
                    receiver = stmt.get("recv") or ""
                    is_app = receiver.startswith("Rails.application") or receiver.endswith(
                        "Application"
                    )
                    (apps if is_app else self.engines.setdefault(receiver, [])).append((path, stmt))
        self.api_only = self._api_only(apps)
        mounted: set[str] = set()
        for path, root in apps:
            self._walk(path, root["body"], Scope(), mounted)
        for name, roots in sorted(self.engines.items()):
            if name not in mounted:  # an engine the app does not mount here: drawn at /
                for path, root in roots:
                    self._walk(path, root["body"], self._engine_scope(name, Scope()), mounted)
        return self.routes

    def _api_only(self, apps: list[tuple[str, dict[str, Any]]]) -> bool:
        for path, _ in apps[:1]:
            text = self.ctx.read_text(posixpath.join(posixpath.dirname(path), "application.rb"))
            if text and re.search(r"config\.api_only\s*=\s*true", text):
                return True
        return False

    def _walk(self, file: str, body: list[dict[str, Any]], scope: Scope, mounted: set[str]) -> None:
        previous, self._file = self._file, file
        for stmt in body:
            try:
                self._statement(stmt, scope, mounted)
            except (TypeError, ValueError, AttributeError, KeyError):
                continue  # odd arguments: the statement is skipped, the rest still drawn
        self._file = previous

    def _statement(self, stmt: dict[str, Any], scope: Scope, mounted: set[str]) -> None:
        method = stmt["m"]
        body = stmt.get("body") or []
        if method in verbs() or method == "match":
            self._match(stmt, scope)
        elif method in ("resources", "resource"):
            for name in stmt["args"]:
                self._resource(name, method == "resource", stmt, scope, mounted)
        elif method == "namespace":
            if scope.level in ("resources", "resource"):  # a namespace in a resource nests
                scope = self._on("nested", scope)
            self._walk(self._file, body, self._namespace(stmt, scope), mounted)
        elif method == "with_options":
            options = _with_options_of(stmt)
            self._walk(self._file, [_merged(s, options) for s in body], scope, mounted)
        elif method == "$each":
            for value in stmt["values"]:
                self._walk(self._file, _substituted(body, stmt["var"], value), scope, mounted)
        elif method == "scope":
            self._walk(self._file, body, self._scope(stmt["args"], stmt["opts"], scope), mounted)
        elif method == "controller" and stmt["args"]:
            inner = self._scope([], dict(stmt["opts"], controller=stmt["args"][0]), scope)
            self._walk(self._file, body, inner, mounted)
        elif method in ("member", "collection", "new", "nested"):
            self._walk(self._file, body, self._on(method, scope), mounted)
        elif method == "shallow":
            self._walk(self._file, body, replace(scope, shallow=True), mounted)
        elif method == "concern" and stmt["args"] and isinstance(stmt["args"][0], str):
            self.concerns[stmt["args"][0]] = (self._file, body)
        elif method == "concerns":
            self._concerns(stmt["args"], scope, mounted)
        elif method == "draw":
            self._draw(stmt, scope, mounted)
        elif method == "mount":
            self._mount(stmt, scope, mounted)
        elif method == "root":
            self._root(stmt, scope)
        elif method in route_macros():
            self._macro(route_macros()[method], stmt, scope)
        elif method == "devise_for":
            for name in stmt["args"]:
                self._devise_for(name, stmt, scope)
        elif method in token_auth_macros():
            self._token_auth(token_auth_macros()[method], stmt, scope)
        elif method == "$root":
            self._walk(self._file, body, scope, mounted)

    # ------------------------------------------------------------------ scopes

    def _namespace(self, stmt: dict[str, Any], scope: Scope) -> Scope:
        name, dynamic = _text(stmt["args"][0] if stmt["args"] else None)
        opts = stmt["opts"]
        path, path_dynamic = _text(opts["path"]) if "path" in opts else (name, False)
        module = opts.get("module", name)
        rest = {k: v for k, v in opts.items() if k not in ("path", "module", "as")}
        inner = self._scope([], rest, scope)
        return replace(
            inner,
            path=f"{scope.path}/{path}",
            module=_join_module(scope.module, module if isinstance(module, str) else ""),
            shallow_path=f"{scope.shallow_path}/{path}",
            dynamic=scope.dynamic or dynamic or path_dynamic,
        )

    def _scope(self, args: list[Any], opts: dict[str, Any], scope: Scope) -> Scope:
        paths = [_text(a) for a in args if not isinstance(a, dict) or is_dynamic(a)]
        if "path" in opts:
            paths.append(_text(opts["path"]))
        path = scope.path
        for segment, _ in paths:
            path = f"{path}/{segment}"
        module = opts.get("module")
        controller = opts.get("controller")
        names = opts.get("path_names")
        new_names = dict(scope.path_names)
        if isinstance(names, dict):
            new_names.update(
                {k: v for k, v in names.get("$hash", {}).items() if isinstance(v, str)}
            )
        shallow_path = opts.get("shallow_path")
        return replace(
            scope,
            path=path,
            module=_join_module(scope.module, module) if isinstance(module, str) else scope.module,
            controller=controller if isinstance(controller, str) else scope.controller,
            action=opts["action"] if isinstance(opts.get("action"), str) else scope.action,
            shallow=bool(opts["shallow"]) if "shallow" in opts else scope.shallow,
            shallow_path=f"{scope.shallow_path}/{shallow_path}"
            if isinstance(shallow_path, str)
            else scope.shallow_path,
            path_names=tuple(sorted(new_names.items())),
            dynamic=scope.dynamic or any(d for _, d in paths),
            formatted=_formatted(opts, scope.formatted),
            to=opts["to"] if isinstance(opts.get("to"), str) else scope.to,
        )

    def _on(self, where: str, scope: Scope) -> Scope:
        """The scope of `member`, `collection`, `new` or `nested` in a resource's block: the
        resource's path appended to the current scope path (the shallow path for shallow
        member and nested routes)."""
        resource = scope.resource
        if resource is None:
            return scope
        shallow = scope.shallow and not resource.singleton
        if where == "member":
            path = resource.member(scope.shallow_path if shallow else scope.path)
        elif where == "collection":
            path = resource.collection(scope.path)
        elif where == "new":
            path = f"{resource.collection(scope.path)}/{scope.path_name('new')}"
        else:
            nested_shallow = shallow and resource.depth
            path = resource.nested(scope.shallow_path if nested_shallow else scope.path)
        return replace(scope, path=path, level=where)

    def _concerns(self, names: list[Any], scope: Scope, mounted: set[str]) -> None:
        for name in names:
            for one in name if isinstance(name, list) else [name]:
                if isinstance(one, str) and one in self.concerns:
                    file, body = self.concerns[one]
                    here = self._file
                    self._walk(file, body, scope, mounted)
                    self._file = here

    def _draw(self, stmt: dict[str, Any], scope: Scope, mounted: set[str]) -> None:
        name = stmt["args"][0] if stmt["args"] else None
        if not isinstance(name, str):
            return
        config = self._file.rsplit("config/", 1)[0] + "config/routes/"
        target = f"{config}{name}.rb"
        if target in self.files and target not in self._drawing:
            self._drawing.add(target)
            here = self._file
            self._walk(target, self.files[target], scope, mounted)
            self._file = here
            self._drawing.discard(target)

    def _engine_scope(self, engine: str, scope: Scope) -> Scope:
        """The scope an engine's routes start in: its `isolate_namespace` module, else none."""
        return replace(scope, module=self.isolated.get(engine.removeprefix("::"), ""))

    def _mount(self, stmt: dict[str, Any], scope: Scope, mounted: set[str]) -> None:
        app: Any = stmt["args"][0] if stmt["args"] else None
        at: Any = stmt["opts"].get("at")
        if stmt["pairs"]:
            app, at = stmt["pairs"][0]
        if at is None:
            return
        path, dynamic = _text(at)
        name = app.get(CONST) if isinstance(app, dict) else None
        if name and name in self.engines and name not in mounted:
            mounted.add(name)
            here = self._file
            inner = replace(
                self._engine_scope(name, scope),
                path=f"{scope.path}/{path}",
                controller=None,
                level="",
                resource=None,
                dynamic=scope.dynamic or dynamic,
            )
            for file, root in self.engines[name]:
                self._walk(file, root["body"], inner, mounted)
            self._file = here
            return
        target = name or (app.get(EXPR) if isinstance(app, dict) else str(app))
        self._add(
            "ANY",
            f"{scope.path}/{path}",
            None,
            None,
            stmt["l"],
            scope.dynamic or dynamic,
            target=target,
        )

    def _macro(self, macro: RouteMacro, stmt: dict[str, Any], scope: Scope) -> None:
        """A gem's macro drawing a fixed set of routes (`use_doorkeeper`) under the scope path
        and its prefix option; its block may rename controllers or skip some."""
        given = stmt["opts"].get(macro.prefix_option)
        prefix, dynamic = _text(given) if given is not None else (macro.prefix, False)
        controllers: dict[str, Any] = {}
        skipped: set[str] = set()
        for inner in stmt.get("body") or []:
            if inner["m"] == macro.controllers_call:
                controllers.update(inner["opts"])
            elif inner["m"] == macro.skip_call:
                skipped.update(_names(inner["args"]))
        for route in macro_routes():
            if route.macro != macro.name or route.key in skipped:
                continue
            controller = controllers.get(route.key)
            for method in route.methods:
                self._add(
                    method,
                    f"{scope.path}/{prefix}/{route.path}",
                    controller if isinstance(controller, str) else route.controller,
                    route.action,
                    stmt["l"],
                    scope.dynamic or dynamic,
                )

    def _devise_for(self, name: Any, stmt: dict[str, Any], scope: Scope) -> None:
        """`devise_for :users`: the routes of the modules its model declares (`devise
        :database_authenticatable, :registerable …`), under the scope path and `path:`."""
        if not isinstance(name, str):
            return
        opts = stmt["opts"]
        class_name = opts.get("class_name")
        model = (
            class_name if isinstance(class_name, str) else _camelize(inflector().singularize(name))
        )
        modules = self.devise_models.get(model.lstrip(":"))
        if modules is None:
            modules = [m.name for m in devise_default_modules()]
        path, dynamic = _text(opts["path"]) if "path" in opts else (name, False)
        names = dict(_hash(opts.get("path_names")))
        controllers = dict(_hash(opts.get("controllers")))
        skipped, kept = set(_names(opts.get("skip"))), opts.get("only")
        given = opts.get("module")
        module = given if isinstance(given, str) else scope.module or "devise"
        for route in devise_routes():
            if not set(route.modules) & set(modules) or {"all", route.controller} & skipped:
                continue
            if kept is not None and route.controller not in _names(kept):
                continue
            segments = route.path.format_map(_PathNames(names))
            controller = controllers.get(route.controller)
            if not isinstance(controller, str):
                controller = f"{module}/{route.controller}"
            methods = route.methods
            if route.methods_option and route.methods_option in opts:
                methods = _via(opts[route.methods_option])
            for method in methods:
                self._add(
                    method,
                    f"{scope.path}/{path}/{segments}",
                    controller.lstrip("/"),
                    route.action or None,
                    stmt["l"],
                    scope.dynamic or dynamic,
                )

    def _token_auth(self, macro: TokenAuthMacro, stmt: dict[str, Any], scope: Scope) -> None:
        """`mount_devise_token_auth_for "User", at: "auth"`: a `devise_for` of the model with
        the gem's controllers under `at`, then its token and OmniAuth routes (their controllers
        outside the namespace module)."""
        resource = stmt["args"][0] if stmt["args"] else None
        if not isinstance(resource, str):
            return
        opts = stmt["opts"]
        at_value = opts.get(macro.path_option, "")
        at, dynamic = _text(at_value)
        given = dict(_hash(opts.get("controllers")))
        skipped = set(_names(opts.get("skip")))
        controllers = {
            key: given.get(key, f"{macro.module}/{key}")
            for key in macro.controllers
            if key not in skipped
        }
        devise = dict(
            stmt,
            opts={
                "class_name": resource,
                "path": at_value,
                "module": "devise",
                "controllers": {HASH: controllers},
                "skip": sorted(skipped | set(macro.skipped)),
            },
        )
        name = inflector().pluralize(underscore(resource.lstrip(":"))).replace("/", "_")
        self._devise_for(name, devise, scope)
        modules = self.devise_models.get(resource.lstrip(":")) or []
        omniauth = "omniauthable" in modules or "omniauth_callbacks" in given
        for route in token_auth_routes():
            if route.key in skipped or (route.omniauth and not omniauth):
                continue
            path = route.path.replace("{at}", f"{scope.path}/{at}").replace("{root}", "")
            controller = given.get(route.key, f"{macro.module}/{route.key}").lstrip("/")
            for method in route.methods:
                if route.action:
                    self._add(
                        method, path, controller, route.action, stmt["l"], scope.dynamic or dynamic
                    )
                else:
                    self._add(
                        method, path, None, None, stmt["l"], scope.dynamic or dynamic, "redirect"
                    )

    # ------------------------------------------------------------------ routes

    def _root(self, stmt: dict[str, Any], scope: Scope) -> None:
        opts = dict(stmt["opts"])
        if stmt["args"]:
            first = stmt["args"][0]
            opts.setdefault("to", first)
        resource = scope.resource
        path = resource.collection(scope.path) if resource is not None else scope.path
        controller, action, target = self._target(opts, scope, None)
        methods = _via(opts["via"]) if "via" in opts else ("GET",)
        for method in methods:
            self._add(method, path or "/", controller, action, stmt["l"], scope.dynamic, target)

    def _match(self, stmt: dict[str, Any], scope: Scope) -> None:
        opts = dict(stmt["opts"])
        paths: list[Any] = list(stmt["args"])
        for key, value in stmt["pairs"][:1]:
            paths = [key]
            if isinstance(value, str) and "#" in value:
                opts.setdefault("to", value)
            elif isinstance(value, str):
                opts.setdefault("action", value)
            else:
                opts.setdefault("to", value)
        methods = verbs().get(stmt["m"]) or _via(opts.get("via"))
        for path in paths:
            self._decomposed(path, opts, methods, stmt["l"], scope)

    def _decomposed(
        self, path: Any, opts: dict[str, Any], methods: tuple[str, ...], line: int, scope: Scope
    ) -> None:
        """A verb's route placed the way Rails does: `on:` first, then a bare verb inside
        `resources` is nested under the parent's id, inside `resource` it is a member route."""
        on = opts.get("on")
        if on in ("member", "collection", "new") and scope.resource is not None:
            scope = self._on(str(on), scope)
        elif scope.level == "resources":
            scope = self._on("nested", scope)
        elif scope.level == "resource":
            scope = self._on("member", scope)
        segment, dynamic = _text(path)
        option_path = opts.get("path")
        action_word = segment if isinstance(path, str) else None
        if option_path is not None:
            full, option_dynamic = _text(option_path)
            full, dynamic = f"{scope.path}/{full}", dynamic or option_dynamic
        elif action_word in CANONICAL_ACTIONS and scope.level in ("member", "collection", "new"):
            full = scope.path
        else:
            full = f"{scope.path}/{scope.path_name(segment) if action_word else segment}"
        if "to" not in opts and "action" not in opts and action_word is not None:
            shorthand = action_word.removesuffix("(.:format)")
            if SHORTHAND.match(shorthand):
                controller_part, _, action_part = shorthand.lstrip("/").rpartition("/")
                opts = dict(opts, to=f"{controller_part}#{action_part}".replace("-", "_"))
        default_action = None
        if action_word is not None and ACTION_WORD.match(action_word) and "/" not in action_word:
            default_action = action_word.replace("-", "_")
        controller, action, target = self._target(opts, scope, default_action)
        if _formatted(opts, scope.formatted):
            full += ".:format"
        for method in methods:
            self._add(method, full, controller, action, line, scope.dynamic or dynamic, target)

    def _target(
        self, opts: dict[str, Any], scope: Scope, default_action: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """(controller with its module, action) of a route, or the Rack app it is sent to."""
        to = opts.get("to", scope.to)
        controller = opts.get("controller") if isinstance(opts.get("controller"), str) else None
        action = opts.get("action") if isinstance(opts.get("action"), str) else None
        if isinstance(to, str) and "#" in to:
            to_controller, _, to_action = to.partition("#")
            controller = controller or to_controller or None
            action = action or to_action or None
        elif isinstance(to, dict):
            return None, None, to.get(CONST) or to.get(EXPR)
        elif isinstance(to, str):
            action = action or to
        controller = controller or scope.controller
        action = action or scope.action or default_action
        if controller is None:
            return None, action, None
        if controller.startswith("/"):
            return controller.lstrip("/"), action, None
        return _join_module(scope.module, controller), action, None

    def _resource(
        self, name: Any, singleton: bool, stmt: dict[str, Any], scope: Scope, mounted: set[str]
    ) -> None:
        opts = stmt["opts"]
        if opts.get("shallow"):
            scope = replace(scope, shallow=True)
        if scope.level in ("resources", "resource"):
            scope = self._on("nested", scope)
        extra = {k: v for k, v in opts.items() if k not in RESOURCE_OPTIONS}
        if extra:
            scope = self._scope([], extra, scope)
        word, dynamic = _text(name)
        path, path_dynamic = _text(opts["path"]) if "path" in opts else (word, False)
        controller = opts.get("controller")
        if not isinstance(controller, str):
            controller = word if not singleton else inflector().pluralize(word)
        param = opts.get("param") if isinstance(opts.get("param"), str) else "id"
        alias = opts.get("as") if isinstance(opts.get("as"), str) else word
        parent = scope.resource
        depth = (parent.depth + (0 if parent.singleton else 1)) if parent is not None else 0
        resource = Resource(
            name=word,
            singleton=singleton,
            path=path,
            param=str(param),
            singular=alias if singleton else inflector().singularize(alias),
            controller=controller,
            depth=depth,
        )
        inner = replace(
            scope,
            level="resource" if singleton else "resources",
            resource=resource,
            controller=controller,
            action=None,
            dynamic=scope.dynamic or dynamic or path_dynamic,
        )
        self._walk(self._file, stmt.get("body") or [], inner, mounted)
        concerns = opts.get("concerns")
        if concerns is not None:
            self._concerns(concerns if isinstance(concerns, list) else [concerns], inner, mounted)
        for action in self._actions(singleton, opts):
            on = self._on(action.on, inner)
            full = f"{on.path}/{on.path_name(action.path)}" if action.path else on.path
            full += ".:format" if on.formatted else ""
            controller_name, action_name, _ = self._target({}, on, action.action)
            for method in action.methods:
                self._add(method, full, controller_name, action_name, stmt["l"], on.dynamic)

    def _actions(self, singleton: bool, opts: dict[str, Any]) -> list[ResourceAction]:
        kind = "resource" if singleton else "resources"
        actions = [
            a for a in resource_actions() if a.kind == kind and (a.api_only or not self.api_only)
        ]
        only, except_ = opts.get("only"), opts.get("except")
        if only is not None:
            keep = set(_names(only))
            actions = [a for a in actions if a.action in keep]
        if except_ is not None:
            drop = set(_names(except_))
            actions = [a for a in actions if a.action not in drop]
        return actions

    def _add(
        self,
        method: str,
        path: str,
        controller: str | None,
        action: str | None,
        line: int,
        dynamic: bool,
        target: str | None = None,
    ) -> None:
        self.routes.append(
            Route(method, path, controller, action, self._file, line, dynamic, target)
        )


def _text(value: Any) -> tuple[str, bool]:
    """A path segment from a literal: (text, False), or ({dynamic}, True) when computed."""
    if isinstance(value, str):
        return value, False
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), False
    if isinstance(value, dict) and isinstance(value.get(TEMPLATE), str):
        return value[TEMPLATE], True
    return routepath.DYNAMIC, True


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


def _via(value: Any) -> tuple[str, ...]:
    names = _names(value)
    if not names or "all" in names:
        return ("ANY",)
    return tuple(n.upper() for n in names)


def _formatted(opts: dict[str, Any], inherited: bool) -> bool:
    """Whether `format: true` (a mandatory `.:format`) applies; `format: false` ends it."""
    value = opts.get("format")
    return value if isinstance(value, bool) else inherited


def _with_options_of(stmt: dict[str, Any]) -> dict[str, Any]:
    """The options `with_options key: value do … end` (or `with_options({…})`) gives."""
    options = dict(stmt["opts"])
    for arg in stmt["args"]:
        if isinstance(arg, dict) and isinstance(arg.get(HASH), dict):
            options.update(arg[HASH])
    return options


def _merged(stmt: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """A statement inside `with_options`: the options merged under its own (its own win,
    hashes merged key by key), and likewise for every statement of its block, as
    ActiveSupport's OptionMerger does for every call lexically inside the block."""
    merged = dict(stmt)
    if "opts" in stmt:
        opts = dict(options)
        for key, value in stmt["opts"].items():
            previous = opts.get(key)
            if isinstance(previous, dict) and HASH in previous and isinstance(value, dict):
                value = {HASH: {**previous[HASH], **value.get(HASH, {})}}
            opts[key] = value
        merged["opts"] = opts
    if stmt.get("body"):
        merged["body"] = [_merged(s, options) for s in stmt["body"]]
    return merged


def _substituted(value: Any, variable: str, element: str) -> Any:
    """`value` with the loop variable (`{"$expr": "path"}`) replaced by one array element."""
    if isinstance(value, list):
        return [_substituted(v, variable, element) for v in value]
    if isinstance(value, dict):
        if value.get(EXPR) == variable and len(value) == 1:
            return element
        return {k: _substituted(v, variable, element) for k, v in value.items()}
    return value


def _hash(value: Any) -> list[tuple[str, Any]]:
    """The string-valued entries of a `{ key: "value" }` option."""
    entries = value.get(HASH) if isinstance(value, dict) else None
    if not isinstance(entries, dict):
        return []
    return [(k, v) for k, v in entries.items() if isinstance(v, str)]


class _PathNames(dict[str, str]):
    """Devise's `path_names:` with its defaults: a missing key is its own default."""

    def __missing__(self, key: str) -> str:
        return devise_path_names().get(key, key)


def _camelize(word: str) -> str:
    """`admin_user` → `AdminUser`, `admin/user` → `Admin::User`."""
    return "::".join(
        "".join(part[:1].upper() + part[1:] for part in piece.split("_"))
        for piece in word.split("/")
    )


def _join_module(parent: str, child: str) -> str:
    child = child.strip("/")
    return f"{parent}/{child}" if parent and child else parent or child


def served_path(raw: str) -> str:
    """A Rails path pattern as the map writes it: optional `(…)` parts left out."""
    previous = None
    while previous != raw:
        previous, raw = raw, OPTIONAL_SEGMENT.sub("", raw)
    return routepath.normalize(PARAMETER.sub(r"{\1}", raw))


# ---------------------------------------------------------------------------------- handlers


@dataclass
class Handlers:
    """Controller actions of the routes: where each is defined, and which routes have none."""

    classes: Mapping[str, dict[str, Any]]
    files: list[str]

    def __post_init__(self) -> None:
        self.by_route_name = {
            _controller_key(name): info
            for name, info in self.classes.items()
            if name.endswith("Controller")
        }
        self.views: set[tuple[str, str]] = set()
        for path in self.files:
            match = VIEW_FILE.search(path)
            if match:
                self.views.add((match.group(1), match.group(2)))

    def endpoints(self, routes: list[Route]) -> list[Endpoint]:
        out: list[Endpoint] = []
        seen: set[tuple[str, str]] = set()
        for route in routes:
            path = served_path(route.path)
            if (route.method, path) in seen:
                continue  # Rails serves the first route drawn for a method and path
            handler, where, served = self._handler(route)
            if not served:
                continue
            seen.add((route.method, path))
            out.append(
                Endpoint(
                    method=route.method,
                    path=path,
                    handler=handler,
                    file=route.file,
                    line=route.line,
                    handler_file=where[0] if where else None,
                    handler_line=where[1] if where else None,
                    dynamic=route.dynamic or routepath.DYNAMIC in path,
                )
            )
        return out

    def _handler(self, route: Route) -> tuple[str | None, tuple[str, int] | None, bool]:
        if route.target is not None:
            return route.target, None, True
        if route.controller is None:
            return (f"#{route.action}" if route.action else None), None, True
        handler = f"{route.controller}#{route.action}" if route.action else route.controller
        info = self.by_route_name.get(_controller_key(route.controller))
        if info is None or route.action is None:
            return handler, None, True
        found, complete = self._find(info, route.action, set())
        if found is not None:
            return handler, found, True
        served = not complete or (route.controller, route.action) in self.views
        return handler, None, served

    def _find(
        self, info: dict[str, Any], action: str, visited: set[str]
    ) -> tuple[tuple[str, int] | None, bool]:
        """(file, line) of `def action` in the class, its modules or ancestors; and whether
        every ancestor is known (so a miss means the action does not exist)."""
        if info["name"] in visited:
            return None, True
        visited.add(info["name"])
        if action in info["methods"]:
            return (info["file"], info["methods"][action]), True
        complete = not info["dynamic"]
        for module in info["includes"]:
            included = self.classes.get(resolve_constant(module, info["nesting"], self.classes))
            if included is not None:
                found, known = self._find(included, action, visited)
                if found is not None:
                    return found, True
                complete = complete and known
        superclass = info.get("super")
        if superclass:
            name = resolve_constant(superclass, info["nesting"], self.classes)
            parent = self.classes.get(name)
            if parent is not None:
                found, known = self._find(parent, action, visited)
                return found, complete and known
            return None, complete and name in controller_bases()
        return None, complete and info["name"] not in ("",)


def _controller_key(name: str) -> str:
    """`Api::UserSessionsController` and `api/user_sessions` → `api/usersessions`."""
    key = underscore(name) if any(c.isupper() for c in name) or "::" in name else name
    return key.removesuffix("_controller").replace("_", "").lower()


EXTRACTORS = [RailsRoutes]
