"""Routes declared by decorators on controller classes: NestJS, inversify-express-utils,
routing-controllers, tsoa (rules: `[[controller_style]]` of rules/node.toml).

extract() reads each decorated class (`@Controller("articles")`, `@Controller({path, version})`,
`@controller("/api")`) and its methods' route decorators (`@Get(":slug")`, `@httpPost("/")`,
`@Version("2")`), plus the application-wide settings found in bootstrap files: a global prefix
(`app.setGlobalPrefix("api", {exclude})`, `new InversifyExpressServer(c, null, {rootPath})`,
`useExpressServer(app, {routePrefix})`) and Nest URI versioning (`app.enableVersioning`).
resolve() applies those settings to every controller of the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import node_js
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class ControllerStyle:
    name: str
    modules: tuple[str, ...]
    controllers: tuple[str, ...]
    methods: dict[str, str]
    method_by_argument: tuple[str, ...] = ()
    version: str | None = None


@dataclass(frozen=True)
class AppSetting:
    name: str
    calls: tuple[str, ...]  # receiver.<call>(…) or <call>(…) / new <call>(…)
    prefix_argument: bool = False  # the first argument is the global prefix
    prefix_options: tuple[str, ...] = ()  # an options object key holding the prefix
    exclude_option: str | None = None
    versioning: bool = False


STYLES = load_rules("node", "controller_style", ControllerStyle)
SETTINGS = load_rules("node", "app_setting", AppSetting)
SETTING_CALLS = {call: s for s in SETTINGS for call in s.calls}
NEUTRAL = "VERSION_NEUTRAL"


class _FileReader:
    def __init__(self, path: str, grammar: str, root: Node) -> None:
        self.path = path
        self.grammar = grammar
        self.root = root
        module = node_js.read_module(root)
        self.consts: dict[str, str] = module["consts"]
        self.decorators = _decorator_styles(module["imports"])

    def read(self) -> FileFacts | None:
        found = node_js.matches_by_capture(self.grammar, "controllers", self.root)
        controllers = [c for c in (self._controller(n) for n in found.get("class", [])) if c]
        settings = [s for s in (self._setting(n) for n in found.get("call", [])) if s]
        if not controllers and not settings:
            return None
        return {"controllers": controllers, "settings": settings}

    def _controller(self, cls: Node) -> dict[str, Any] | None:
        decorators = _class_decorators(cls)
        for decorator in decorators:
            name, args = _decorator_call(decorator)
            style = self.decorators.get(name)
            if style is None or name not in style.controllers:
                continue
            prefixes, version = self._controller_paths(args)
            body = cls.child_by_field_name("body")
            class_name = syntax.text(cls.child_by_field_name("name"))
            class_version = self._version(decorators, style) or version
            routes = self._routes(body, style) if body is not None else []
            return {
                "name": class_name,
                "line": syntax.line(cls),
                "prefixes": prefixes,
                "version": class_version,
                "routes": routes,
            }
        return None

    def _controller_paths(self, args: list[Node]) -> tuple[list[str | None], Any]:
        if not args:
            return [""], None
        options = node_js.object_pairs(args[0])
        if options:
            path = options.get("path")
            prefixes: list[str | None] = [""]
            if path is not None:
                prefixes = node_js.strings_of(path, self.consts, partial=True)
            return prefixes, self._version_value(options.get("version"))
        return node_js.strings_of(args[0], self.consts, partial=True), None

    def _version(self, decorators: list[Node], style: ControllerStyle) -> Any:
        for decorator in decorators:
            name, args = _decorator_call(decorator)
            if style.version and name == style.version and args:
                return self._version_value(args[0])
        return None

    def _version_value(self, node: Node | None) -> Any:
        node = node_js.unwrap(node)
        if node is None:
            return None
        if syntax.text(node).endswith(NEUTRAL):
            return NEUTRAL
        values = node_js.strings_of(node, self.consts)
        return [v for v in values if v is not None] or None

    def _routes(self, body: Node, style: ControllerStyle) -> list[dict[str, Any]]:
        routes: list[dict[str, Any]] = []
        pending: list[Node] = []
        for member in body.named_children:
            if member.type == "decorator":
                pending.append(member)
                continue
            decorators = pending + [c for c in member.children if c.type == "decorator"]
            pending = []
            if member.type != "method_definition":
                continue
            method_name = syntax.text(member.child_by_field_name("name"))
            version = self._version(decorators, style)
            for decorator in decorators:
                name, args = _decorator_call(decorator)
                method = style.methods.get(name)
                if name in style.method_by_argument and args:
                    method = (syntax.string_value(args[0]) or "").upper() or None
                    args = args[1:]
                if method is None:
                    continue
                paths = node_js.strings_of(args[0], self.consts, partial=True) if args else [""]
                if args and node_js.object_pairs(args[0]):
                    paths = [""]  # `@Get({…})` options only
                for path in paths:
                    routes.append(
                        {
                            "method": method,
                            "path": path,
                            "line": syntax.line(decorator),
                            "handler": method_name,
                            "handler_line": syntax.line(member),
                            "version": version,
                        }
                    )
        return routes

    def _setting(self, call: Node) -> dict[str, Any] | None:
        callee = call.child_by_field_name("function") or call.child_by_field_name("constructor")
        if callee is None:
            return None
        if callee.type == "member_expression":
            name = syntax.text(callee.child_by_field_name("property"))
        else:
            name = syntax.text(callee)
        setting = SETTING_CALLS.get(name)
        if setting is None:
            return None
        args = node_js.arguments(call)
        out: dict[str, Any] = {"line": syntax.line(call)}
        if setting.prefix_argument and args:
            out["prefix"] = node_js.string_of(args[0], self.consts)
            options = node_js.object_pairs(args[1]) if len(args) > 1 else {}
            if setting.exclude_option and setting.exclude_option in options:
                out["exclude"] = self._excludes(options[setting.exclude_option])
        for arg in args:
            options = node_js.object_pairs(arg)
            for key in setting.prefix_options:
                if key in options:
                    out["prefix"] = node_js.string_of(options[key], self.consts)
            if setting.versioning and options:
                kind = syntax.text(options.get("type"))
                if kind.rsplit(".", 1)[-1].upper() != "URI":
                    return None
                out["versioning"] = {
                    "prefix": node_js.string_of(options.get("prefix"), self.consts)
                    if "prefix" in options
                    else "v",
                    "default": self._version_value(options.get("defaultVersion")),
                }
        return out if len(out) > 1 else None

    def _excludes(self, given: Node) -> list[str]:
        node = node_js.unwrap(given)
        out: list[str] = []
        if node is None or node.type != "array":
            return out
        for item in node.named_children:
            pairs = node_js.object_pairs(item)
            value = node_js.string_of(pairs.get("path") if pairs else item, self.consts)
            if value is not None:
                out.append(routepath.normalize(value))
        return out


def _decorator_styles(imports: Mapping[str, Mapping[str, str]]) -> dict[str, ControllerStyle]:
    """Local decorator name → the style it belongs to, by the package it is imported from."""
    out: dict[str, ControllerStyle] = {}
    for local, ref in imports.items():
        for style in STYLES:
            if ref["module"] in style.modules:
                out[local] = style
    return out


def _class_decorators(cls: Node) -> list[Node]:
    found = [c for c in cls.children if c.type == "decorator"]
    parent = cls.parent
    if parent is not None and parent.type == "export_statement":
        found = [c for c in parent.children if c.type == "decorator"] + found
    return found


def _decorator_call(decorator: Node) -> tuple[str, list[Node]]:
    """`@Get(":id")` → ("Get", [":id" node]); `@Injectable` → ("Injectable", [])."""
    expr = decorator.named_children[0] if decorator.named_children else None
    if expr is None:
        return "", []
    if expr.type == "call_expression":
        callee = expr.child_by_field_name("function")
        return syntax.text(callee), node_js.arguments(expr)
    return syntax.text(expr), []


@dataclass
class _App:
    prefix: str | None = None
    exclude: tuple[str, ...] = ()
    version_prefix: str | None = None
    default_version: Any = None


def _app_settings(facts: Mapping[str, FileFacts]) -> _App:
    app = _App()
    for file in sorted(facts):
        for setting in facts[file].get("settings", []):
            if "prefix" in setting:
                app.prefix = (
                    setting["prefix"] if setting["prefix"] is not None else (routepath.DYNAMIC)
                )
                app.exclude = tuple(setting.get("exclude", ()))
            if "versioning" in setting:
                app.version_prefix = setting["versioning"]["prefix"] or ""
                app.default_version = setting["versioning"]["default"]
    return app


def _versions(app: _App, *declared: Any) -> list[str | None]:
    """The URI version segments of a route (None: no segment)."""
    if app.version_prefix is None:
        return [None]
    for version in (*declared, app.default_version):
        if version == NEUTRAL:
            return [None]
        if version:
            return [app.version_prefix + v for v in version]
    return [None]


class NodeControllers(Extractor):
    name = "node-controllers"
    version = 2
    extensions = frozenset(node_js.SOURCE_EXTENSIONS)
    # decorators, and the bootstrap calls of [[app_setting]] (a loader file calling
    # `createExpressServer({routePrefix})` may have no decorator at all)
    markers = (b"@", *sorted(call.encode() for call in SETTING_CALLS))
    languages = frozenset({"javascript", "typescript"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = syntax.grammar_of(path)
        if grammar is None:
            return None
        tree = syntax.parse(grammar, source)
        return _FileReader(path, grammar, tree.root_node).read()

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        app = _app_settings(facts)
        endpoints: list[Endpoint] = []
        for file in sorted(facts):
            for controller in facts[file].get("controllers", []):
                endpoints.extend(_endpoints(file, controller, app))
        return Part(endpoints=endpoints)


def _endpoints(file: str, controller: Mapping[str, Any], app: _App) -> list[Endpoint]:
    out = []
    for prefix in controller["prefixes"]:
        for route in controller["routes"]:
            local = routepath.join(
                routepath.DYNAMIC if prefix is None else prefix,
                routepath.DYNAMIC if route["path"] is None else route["path"],
            )
            global_prefix = None if local in app.exclude else app.prefix
            for version in _versions(app, route.get("version"), controller.get("version")):
                path = routepath.join(global_prefix, version, local)
                out.append(
                    Endpoint(
                        method=route["method"],
                        path=path,
                        handler=f"{controller['name']}.{route['handler']}",
                        file=file,
                        line=route["line"],
                        handler_file=file,
                        handler_line=route["handler_line"],
                        dynamic=routepath.DYNAMIC in path,
                    )
                )
    return out


EXTRACTORS = [NodeControllers]
