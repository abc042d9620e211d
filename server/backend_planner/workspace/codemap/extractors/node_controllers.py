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

import re
from collections.abc import Iterator, Mapping
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


@dataclass(frozen=True)
class ModuleRouter:
    name: str
    modules: tuple[str, ...]
    router: str
    calls: tuple[str, ...]
    path_option: str
    module_option: str
    children_option: str
    module_decorators: tuple[str, ...]
    decorator_modules: tuple[str, ...]
    controllers_option: str


STYLES = load_rules("node", "controller_style", ControllerStyle)
MODULE_ROUTERS = load_rules("node", "module_router", ModuleRouter)
SETTINGS = load_rules("node", "app_setting", AppSetting)
SETTING_CALLS = {call: s for s in SETTINGS for call in s.calls}
NEUTRAL = "VERSION_NEUTRAL"


class _FileReader:
    def __init__(self, path: str, grammar: str, root: Node) -> None:
        self.path = path
        self.grammar = grammar
        self.root = root
        self.module = node_js.read_module(root)
        self.consts: Mapping[str, str] = _ImportedConsts(
            self.module["consts"], self.module["imports"]
        )
        self.decorators = _decorator_styles(self.module["imports"])
        # `const routes: Routes = [...]` given to `RouterModule.register(routes)`
        self.arrays: dict[str, Node] = {}

    def read(self) -> FileFacts | None:
        found = node_js.matches_by_capture(self.grammar, "controllers", self.root)
        controllers = [c for c in (self._controller(n) for n in found.get("class", [])) if c]
        settings = [s for s in (self._setting(n) for n in found.get("call", [])) if s]
        nest_modules = [m for m in (self._nest_module(n) for n in found.get("class", [])) if m]
        mounts = [m for call in found.get("call", []) for m in self._module_routes(call)]
        if not (controllers or settings or nest_modules or mounts):
            module = self._module_facts(False)
            return {"module": module} if module else None
        out: FileFacts = {"controllers": controllers, "settings": settings}
        if nest_modules or mounts:
            out.update(nest_modules=nest_modules, module_routes=mounts)
        out["module"] = self._module_facts(True)
        return out

    def _nest_module(self, cls: Node) -> dict[str, Any] | None:
        """`@Module({controllers: [UsersController]}) class UsersModule`."""
        for decorator in _class_decorators(cls):
            name, args = _decorator_call(decorator)
            router = self._module_router(name, "decorator_modules")
            if router is None or name not in router.module_decorators or not args:
                continue
            given = node_js.unwrap(node_js.object_pairs(args[0]).get(router.controllers_option))
            listed = given.named_children if given is not None and given.type == "array" else []
            return {
                "name": syntax.text(cls.child_by_field_name("name")),
                "controllers": [syntax.text(c) for c in listed if c.type == "identifier"],
            }
        return None

    def _module_router(self, local: str, modules_attr: str) -> ModuleRouter | None:
        ref = self.module["imports"].get(local)
        for router in MODULE_ROUTERS:
            if ref is not None and ref["module"] in getattr(router, modules_attr):
                return router
        return None

    def _module_routes(self, call: Node) -> list[dict[str, Any]]:
        """`RouterModule.register([{path, module, children}])` → [{prefix, module}], the paths
        of the children joined to their parent's."""
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return []
        owner = syntax.text(callee.child_by_field_name("object"))
        router = self._module_router(owner, "modules")
        imported = self.module["imports"].get(owner, {}).get("name")
        if router is None or imported != router.router:  # `RouterModule as NestRouter` too
            return []
        if syntax.text(callee.child_by_field_name("property")) not in router.calls:
            return []
        args = node_js.arguments(call)
        out: list[dict[str, Any]] = []
        if args:
            self._route_tree(router, args[0], "", out, 0)
        return out

    def _route_tree(
        self,
        router: ModuleRouter,
        node: Node | None,
        base: str,
        out: list[dict[str, Any]],
        depth: int,
    ) -> None:
        node = node_js.unwrap(node)
        if node is not None and node.type == "identifier":
            node = node_js.unwrap(self._local_value(syntax.text(node)))
        if node is None or node.type != "array" or depth > 6:
            return
        for item in node.named_children:
            if item.type == "identifier":  # `children: [UsersModule]`
                out.append({"prefix": base, "module": syntax.text(item)})
                continue
            pairs = node_js.object_pairs(item)
            given = pairs.get(router.path_option)
            path = node_js.string_of(given, self.consts) if given is not None else ""
            prefix = routepath.join(base, routepath.DYNAMIC if path is None else path)
            module = node_js.unwrap(pairs.get(router.module_option))
            if module is not None and module.type == "identifier":
                out.append({"prefix": prefix, "module": syntax.text(module)})
            self._route_tree(router, pairs.get(router.children_option), prefix, out, depth + 1)

    def _local_value(self, name: str) -> Node | None:
        """The initializer of a top-level `const name = …` of this file."""
        if not self.arrays:
            for decl in node_js.walk(self.root):
                if decl.type == "variable_declarator" and decl.parent is not None:
                    key = decl.child_by_field_name("name")
                    value = decl.child_by_field_name("value")
                    if key is not None and value is not None and key.type == "identifier":
                        self.arrays.setdefault(syntax.text(key), value)
        return self.arrays.get(name)

    def _module_facts(self, uses_imports: bool) -> dict[str, Any] | None:
        """What another file's decorator may import from this one: exported constants
        (`export const routes = {users: "users"}`), re-exports (barrels), and this file's
        imports when its own paths name imported constants."""
        exports = self.module["exports"]
        exported = set(exports.values())
        consts = {
            name: value
            for name, value in self.module["consts"].items()
            if name.split(".", 1)[0] in exported
        }
        if not consts and not self.module["reexports"] and not uses_imports:
            return None
        return {
            "imports": self.module["imports"] if uses_imports else {},
            "exports": exports if consts or self.module["reexports"] or uses_imports else {},
            "reexports": self.module["reexports"],
            "consts": consts,
        }

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


class _ImportedConsts(Mapping[str, str]):
    """The file's constants, and a placeholder for a name whose head is imported
    (`routesV1.user.root` from `@config/app.routes`): resolve() puts the exporting file's
    value in its place."""

    def __init__(self, consts: Mapping[str, str], imports: Mapping[str, Any]) -> None:
        self.consts = consts
        self.imports = imports

    def __getitem__(self, name: str) -> str:
        if name in self.consts:
            return self.consts[name]
        if name.split(".", 1)[0] in self.imports:
            return f"{_REF}{name}{_REF}"
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.consts)

    def __len__(self) -> int:
        return len(self.consts)


_REF = "\x00"
_REF_PATTERN = re.compile("\x00([^\x00]*)\x00")


class _ImportedValues:
    """Replaces the placeholders of imported constants by the values the exporting files
    declare (followed across re-exports and tsconfig path aliases); `{dynamic}` when unknown."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.facts = facts
        modules = {file: f["module"] for file, f in facts.items() if f.get("module")}
        self.graph = node_js.ModuleGraph(
            modules, ctx.files, ctx.service_dir, node_js.tsconfig_aliases(ctx)
        )

    def value(self, file: str, text: Any) -> Any:
        if isinstance(text, list):
            return [self.value(file, item) for item in text]
        if not isinstance(text, str) or _REF not in text:
            return text
        return _REF_PATTERN.sub(lambda m: self._constant(file, m.group(1)), text)

    def _constant(self, file: str, name: str) -> str:
        found = self.graph.symbol(file, {"local": name})
        if found is None:
            return routepath.DYNAMIC
        target, symbol = found
        module = self.facts.get(target, {}).get("module") or {}
        value = module.get("consts", {}).get(symbol)
        return value if isinstance(value, str) and _REF not in value else routepath.DYNAMIC


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


def _app_settings(facts: Mapping[str, FileFacts], values: _ImportedValues) -> _App:
    app = _App()
    for file in sorted(facts):
        for setting in facts[file].get("settings", []):
            if "prefix" in setting:
                prefix = values.value(file, setting["prefix"])
                app.prefix = prefix if prefix is not None else routepath.DYNAMIC
                app.exclude = tuple(setting.get("exclude", ()))
            if "versioning" in setting:
                app.version_prefix = values.value(file, setting["versioning"]["prefix"]) or ""
                app.default_version = values.value(file, setting["versioning"]["default"])
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
    version = 3
    extensions = frozenset(node_js.SOURCE_EXTENSIONS)
    # decorators, and the bootstrap calls of [[app_setting]] (a loader file calling
    # `createExpressServer({routePrefix})` may have no decorator at all)
    # … and the modules exporting the constants a decorator may name (`@Get(routes.user)`)
    markers = (
        b"@",
        b"export const",
        b"export enum",
        b"export {",
        b"export *",
        *sorted(router.router.encode() for router in MODULE_ROUTERS),
        *sorted(call.encode() for call in SETTING_CALLS),
    )
    languages = frozenset({"javascript", "typescript"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = syntax.grammar_of(path)
        if grammar is None:
            return None
        tree = syntax.parse(grammar, source)
        return _FileReader(path, grammar, tree.root_node).read()

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        values = _ImportedValues(facts, ctx)
        app = _app_settings(facts, values)
        module_prefixes = _module_prefixes(facts, values)
        endpoints: list[Endpoint] = []
        for file in sorted(facts):
            for controller in facts[file].get("controllers", []):
                prefixes = module_prefixes.get((file, controller["name"]), [""])
                filled = _with_values(file, controller, values)
                for module_prefix in prefixes:
                    endpoints.extend(_endpoints(file, filled, app, module_prefix))
        return Part(endpoints=endpoints)


def _module_prefixes(
    facts: Mapping[str, FileFacts], values: _ImportedValues
) -> dict[tuple[str, str], list[str]]:
    """(file, controller class) → the paths RouterModule gives the module declaring it."""
    by_module: dict[tuple[str, str], list[str]] = {}
    for file in sorted(facts):
        for mount in facts[file].get("module_routes", []):
            found = values.graph.symbol(file, {"local": mount["module"]})
            if found is not None:
                prefix = values.value(file, mount["prefix"])
                by_module.setdefault(found, []).append(prefix)
    out: dict[tuple[str, str], list[str]] = {}
    if not by_module:
        return out
    for file in sorted(facts):
        for module in facts[file].get("nest_modules", []):
            prefixes = by_module.get((file, module["name"]))
            if not prefixes:
                continue
            for controller in module["controllers"]:
                found = values.graph.symbol(file, {"local": controller})
                if found is not None:
                    out.setdefault(found, []).extend(prefixes)
    return out


def _with_values(file: str, controller: Mapping[str, Any], values: _ImportedValues) -> Any:
    """The controller with the imported constants of its paths and versions filled in."""
    routes = [
        {**r, "path": values.value(file, r["path"]), "version": values.value(file, r["version"])}
        for r in controller["routes"]
    ]
    return {
        **controller,
        "prefixes": values.value(file, controller["prefixes"]),
        "version": values.value(file, controller.get("version")),
        "routes": routes,
    }


def _endpoints(
    file: str, controller: Mapping[str, Any], app: _App, module_prefix: str = ""
) -> list[Endpoint]:
    out = []
    for prefix in controller["prefixes"]:
        for route in controller["routes"]:
            local = routepath.join(
                module_prefix,
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
