"""Rails routes: `config/routes.rb` (and the `config/routes/*.rb` files it `draw`s) read into
endpoints, each pointing at its controller action.

extract:
- a routes file → the tree of its routing-DSL calls (`get`, `resources`, `namespace`, `scope`,
  `member`, `concern` …) with their literal arguments; other Ruby (`if`, loops, `constraints`
  blocks) is looked through. `X.routes.draw do … end` blocks are the roots.
- a controller file (`…/controllers/…`) → its classes and modules: full name, superclass,
  included modules and public methods with their lines.

resolve walks the roots the way ActionDispatch's mapper does: scopes accumulate a path, a
controller module and a controller; `resources`/`resource` add their REST routes after their
block (`only:`/`except:`, `param:`, `path:`, `controller:`, `shallow`, API-only apps without
`new`/`edit`), `member`/`collection`/`on:` place extra routes, nested resources take the
parent's `:<singular>_<param>`, `concerns` replay a `concern`, `draw` reads another file and
`mount` of an engine defined in the repo expands that engine's routes under the mount path.
Every route then points at `def <action>` of its controller (found through the superclass
chain and included modules); a route whose controller clearly exists and has neither the
action nor a view template for it is dropped (Rails answers 404 there).
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
    TEMPLATE,
    block_body,
    call_facts,
    constant_name,
    inflector,
    is_dynamic,
    resolve_constant,
    underscore,
)
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

ROOT_CALLS = frozenset({"draw", "prepend", "append"})
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


def is_routes_file(path: str) -> bool:
    return path.endswith("config/routes.rb") or "config/routes/" in path


class RailsRoutes(Extractor):
    name: ClassVar[str] = "ruby-rails-routes"
    version: ClassVar[int] = 2
    extensions: ClassVar[frozenset[str]] = frozenset({".rb"})
    languages: ClassVar[frozenset[str]] = frozenset({"ruby"})

    def wants(self, path: str) -> bool:
        return path.endswith(".rb") and (is_routes_file(path) or "controllers/" in path)

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        tree = syntax.parse("ruby", source)
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
        classes = list(_classes(tree.root_node, []))
        return {"classes": classes} if classes else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        routes = {p: f["routes"] for p, f in facts.items() if "routes" in f}
        classes = {
            c["name"]: dict(c, file=p) for p, f in facts.items() for c in f.get("classes", ())
        }
        walker = RouteWalker(routes, ctx)
        found = walker.run()
        return Part(endpoints=Handlers(classes, ctx.files).endpoints(found))


# ---------------------------------------------------------------------------------- extract


def _statements(node: Node) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for child in node.named_children:
        _collect(child, out)
    return out


def _collect(node: Node, out: list[dict[str, Any]]) -> None:
    """Routing-DSL calls under `node` (looking through other code) appended to `out`."""
    if node.type == "call":
        method = syntax.text(node.child_by_field_name("method"))
        receiver = node.child_by_field_name("receiver")
        body = block_body(node)
        if receiver is None and (method in SCOPE_CALLS or method in verbs()):
            fact = call_facts(node)
            if body is not None:
                fact["body"] = _statements(body)
            out.append(fact)
            return
        is_draw = method in ROOT_CALLS and receiver is not None and body is not None
        if is_draw and syntax.text(receiver).endswith("routes"):
            out.append(
                {
                    "m": "$root",
                    "l": syntax.line(node),
                    "recv": constant_name(receiver).removesuffix(".routes"),
                    "body": _statements(body or node),
                }
            )
            return
    for child in node.named_children:
        _collect(child, out)


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
            if method == "include":
                info["includes"].extend(
                    constant_name(v) for v in values if v.type in ("constant", "scope_resolution")
                )
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
    base: str  # the scope path it is drawn under
    param: str
    singular: str
    controller: str
    depth: int  # enclosing (non-singleton) resources

    @property
    def collection(self) -> str:
        return f"{self.base}/{self.path}"

    def member(self, base: str | None = None) -> str:
        start = self.collection if base is None else f"{base}/{self.path}"
        return start if self.singleton else f"{start}/:{self.param}"

    def nested(self, base: str | None = None) -> str:
        start = self.collection if base is None else f"{base}/{self.path}"
        return start if self.singleton else f"{start}/:{self.singular}_{self.param}"


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
                    self._walk(path, root["body"], Scope(), mounted)
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
            self._walk(self._file, body, self._namespace(stmt, scope), mounted)
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
        )

    def _on(self, where: str, scope: Scope) -> Scope:
        """The scope of `member`, `collection`, `new` or `nested` in a resource's block."""
        resource = scope.resource
        if resource is None:
            return scope
        shallow = scope.shallow and not resource.singleton
        if where == "member":
            path = resource.member(scope.shallow_path if shallow else None)
        elif where == "collection":
            path = resource.collection
        elif where == "new":
            path = f"{resource.collection}/{scope.path_name('new')}"
        else:
            path = resource.nested(scope.shallow_path if shallow and resource.depth else None)
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
                scope,
                path=f"{scope.path}/{path}",
                module="",
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

    # ------------------------------------------------------------------ routes

    def _root(self, stmt: dict[str, Any], scope: Scope) -> None:
        opts = dict(stmt["opts"])
        if stmt["args"]:
            first = stmt["args"][0]
            opts.setdefault("to", first)
        path = scope.resource.collection if scope.resource is not None else scope.path
        controller, action, target = self._target(opts, scope, None)
        self._add("GET", path or "/", controller, action, stmt["l"], scope.dynamic, target)

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
        for method in methods:
            self._add(method, full, controller, action, line, scope.dynamic or dynamic, target)

    def _target(
        self, opts: dict[str, Any], scope: Scope, default_action: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """(controller with its module, action) of a route, or the Rack app it is sent to."""
        to = opts.get("to")
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
            base=scope.path,
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


def _join_module(parent: str, child: str) -> str:
    child = child.strip("/")
    return f"{parent}/{child}" if parent and child else parent or child


def served_path(raw: str) -> str:
    """A Rails path pattern as the map writes it: optional `(…)` parts left out."""
    previous = None
    while previous != raw:
        previous, raw = raw, OPTIONAL_SEGMENT.sub("", raw)
    return routepath.normalize(raw)


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
