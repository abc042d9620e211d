"""Laravel routes files: what one PHP file registers, and the endpoints of a service.

Extraction (one file) reads:
- routing chains of the Route facade or a router variable (`Route::get`, `$router->get`), with
  the group attributes around them (`Route::prefix('x')->group(fn)`, `Route::group(['prefix' =>
  'x'], fn)`, `Route::controller(C::class)->group(...)`, `namespace`), resource macros
  (`Route::resource('photos.comments', C::class)->only([...])`, `apiResource(s)`, singletons);
- where route files are loaded: `->group(base_path('routes/api.php'))` in a RouteServiceProvider,
  `require __DIR__.'/auth.php'` in a route file, `withRouting(web: …, api: …, apiPrefix: …)` in
  bootstrap/app.php;
- the registrars of attribute-routed controllers (`registerDirectory(...)` inside a group; the
  attributes themselves are php_route_attributes').

Resolution (all files of a service) applies the prefix each route file is loaded under (a file
loaded by no other file: `/api` for `api.php`, none otherwise, as Laravel's default providers
do), expands resource macros, and follows each handler (`[C::class, 'm']`, `'C@m'`, an
invokable class) to the method's definition through the class index of all files.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import FileFacts, ServiceContext
from backend_planner.workspace.codemap.extractors.php_inflection import singular
from backend_planner.workspace.codemap.extractors.php_syntax import (
    BASE,
    CALL_TYPES,
    Call,
    Chain,
    ClassRef,
    Names,
    PhpArray,
    argument,
    arguments,
    array_value_node,
    assigned_variable,
    call_chain,
    closure_of,
    evaluate,
    evaluate_path,
    file_path,
    first_parameter,
    walk,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

REQUIRE_TYPES = (
    "require_expression",
    "require_once_expression",
    "include_expression",
    "include_once_expression",
)


# ---------------------------------------------------------------- rules (codemap/rules/php.toml)


@dataclass(frozen=True)
class Receiver:
    name: str
    facade: str
    min_args: int = 0


@dataclass(frozen=True)
class GroupMethod:
    name: str
    config_prefix: str = ""


@dataclass(frozen=True)
class RouterClass:
    name: str


@dataclass(frozen=True)
class Verb:
    name: str
    methods: tuple[str, ...]
    uri_arg: int = 0
    action_arg: int = 1
    methods_arg: int = -1
    # the URI the call registers when it takes none (uri_arg -1: `Route::fallback(fn)`)
    path: str = ""


@dataclass(frozen=True)
class GroupAttribute:
    name: str
    attribute: str


@dataclass(frozen=True)
class ResourceMacro:
    name: str
    actions: tuple[str, ...]
    many: bool = False
    singleton: bool = False
    api: bool = False


@dataclass(frozen=True)
class ResourceAction:
    name: str
    methods: tuple[str, ...]
    member: bool
    suffix: str


@dataclass(frozen=True)
class ResourceOption:
    name: str
    effect: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteAttribute:
    name: str
    kind: str
    methods: tuple[str, ...] = ()
    api: bool = False


@dataclass(frozen=True)
class Registrar:
    name: str


@dataclass(frozen=True)
class DirectoryLoader:
    name: str


@dataclass(frozen=True)
class Rules:
    receivers: dict[str, Receiver]
    verbs: dict[str, Verb]
    group_calls: dict[str, str]
    group_keys: dict[str, str]
    resources: dict[str, ResourceMacro]
    actions: dict[str, ResourceAction]
    options: dict[str, ResourceOption]
    attributes: dict[str, RouteAttribute]
    registrars: frozenset[str]
    group_methods: dict[str, GroupMethod]
    router_classes: frozenset[str]
    route_loaders: frozenset[str]
    directory_loaders: frozenset[str]


@cache
def rules() -> Rules:
    return Rules(
        receivers=rules_by_name("php", "receiver", Receiver),
        verbs=rules_by_name("php", "verb", Verb),
        group_calls={g.name: g.attribute for g in load_rules("php", "group_call", GroupAttribute)},
        group_keys={g.name: g.attribute for g in load_rules("php", "group_key", GroupAttribute)},
        resources=rules_by_name("php", "resource", ResourceMacro),
        actions=rules_by_name("php", "resource_action", ResourceAction),
        options=rules_by_name("php", "resource_option", ResourceOption),
        attributes=rules_by_name("php", "route_attribute", RouteAttribute),
        registrars=frozenset(r.name for r in load_rules("php", "registrar", Registrar)),
        group_methods=rules_by_name("php", "group_method", GroupMethod),
        router_classes=frozenset(r.name for r in load_rules("php", "router_class", RouterClass)),
        route_loaders=frozenset(r.name for r in load_rules("php", "route_loader", RouterClass)),
        directory_loaders=frozenset(
            d.name for d in load_rules("php", "directory_loader", DirectoryLoader)
        ),
    )


# ------------------------------------------------------------------------- extraction: one file


@dataclass(frozen=True)
class Scope:
    """The group attributes around a registration."""

    prefix: str = ""
    dynamic: bool = False
    controller: str | None = None
    namespace: str | None = None
    # variables that hold the router here: the parameter of a group's closure
    # (`->group([...], function ($api) { $api->get(...); })`)
    routers: frozenset[str] = frozenset()
    # the routes' prefix also comes from a config value (Dingo's `version()` groups: api.prefix)
    config_prefix: str = ""

    def with_prefix(self, value: Any, dynamic: bool = False) -> Scope:
        if isinstance(value, str):
            prefix = join_raw(self.prefix, value)
            return replace(self, prefix=prefix, dynamic=self.dynamic or dynamic)
        if value is None:
            return self
        return replace(self, prefix=join_raw(self.prefix, routepath.DYNAMIC), dynamic=True)

    def with_namespace(self, value: Any) -> Scope:
        if not isinstance(value, str) or not value:
            return self
        if value.startswith("\\") or not self.namespace:
            return replace(self, namespace=value.strip("\\"))
        return replace(self, namespace=f"{self.namespace}\\{value.strip(chr(92))}")

    def with_controller(self, value: Any) -> Scope:
        if isinstance(value, ClassRef):
            return replace(self, controller=value.name)
        if isinstance(value, str) and value:
            return replace(self, controller=value.strip("\\"))
        return self

    def with_attribute(self, attribute: str, value: Any) -> Scope:
        if attribute == "prefix":
            return self.with_prefix(value)
        if attribute == "namespace":
            return self.with_namespace(value)
        if attribute == "controller":
            return self.with_controller(value)
        return self


def join_raw(prefix: str, path: str) -> str:
    return "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))


class RouteReader:
    """Reads the route registrations of one file into its facts."""

    def __init__(self, path: str, names: Names) -> None:
        self.path = path
        self.names = names
        self.rules = rules()
        self.routes: list[dict[str, Any]] = []
        self.resources: list[dict[str, Any]] = []
        self.includes: list[dict[str, Any]] = []
        self.registrars: list[dict[str, Any]] = []
        self.routing: list[dict[str, Any]] = []
        # `$api = app('Dingo\Api\Routing\Router')`: variables assigned a router
        self.router_variables: set[str] = set()

    def read(self, root: Node) -> FileFacts:
        self._visit(root, Scope())
        facts: FileFacts = {}
        for key in ("routes", "resources", "includes", "registrars", "routing"):
            value = getattr(self, key)
            if value:
                facts[key] = value
        return facts

    def _visit(self, node: Node, scope: Scope) -> None:
        walk(node, lambda n: self._handle(n, scope))

    def _handle(self, node: Node, scope: Scope) -> bool:
        if node.type in CALL_TYPES:
            chain = call_chain(node)
            if chain is None:
                return False
            if self._is_router(chain, scope) and self._routes_something(chain):
                self._routing_chain(chain, scope)
            else:
                self._other_chain(chain, scope)
            return True
        if node.type == "assignment_expression":
            self._router_assignment(node)
            return False
        if node.type in REQUIRE_TYPES:
            target = node.named_children[-1] if node.named_children else None
            self._include(evaluate(target, self.names, self.path), scope, syntax.line(node))
            return True
        if node.type == "function_call_expression":
            return self._directory_include(node, scope)
        return False

    def _directory_include(self, node: Node, scope: Scope) -> bool:
        """`includeRouteFiles(__DIR__.'/backend/')` (rules: directory_loader): every PHP file
        under the directory is loaded in the current group."""
        function = syntax.text(node.child_by_field_name("function")).lstrip("\\")
        if function not in self.rules.directory_loaders:
            return False
        args, _ = arguments(node.child_by_field_name("arguments"))
        target = evaluate(args[0], self.names, self.path) if args else None
        if isinstance(target, str) and target.strip("/"):
            self.includes.append(
                {
                    "target": target.rstrip("/"),
                    "directory": True,
                    "prefix": scope.prefix,
                    "dynamic": scope.dynamic,
                    "namespace": scope.namespace,
                    "line": syntax.line(node),
                }
            )
        return True

    def _is_router(self, chain: Chain, scope: Scope) -> bool:
        root = chain.root_name()
        if chain.static:
            receiver = self.rules.receivers.get(root.lstrip("\\").rsplit("\\", 1)[-1])
            if receiver is None or not receiver.facade:
                return False
            if root.startswith("\\") or root not in self.names.uses:
                return True  # the global `Route` alias
            return self.names.uses[root] == receiver.facade
        if root in scope.routers or root in self.router_variables:
            return True
        receiver = self.rules.receivers.get(root)
        if receiver is None or receiver.facade:
            return False
        first = chain.calls[0]
        return len(first.args) + len(first.named) >= receiver.min_args

    def _routes_something(self, chain: Chain) -> bool:
        """Whether a chain on a router calls any routing method (else it is other code:
        `$app->register(...)`, `$router->app->version()`)."""
        table = self.rules
        return any(
            c.name in table.verbs
            or c.name in table.group_methods
            or c.name in table.group_calls
            or c.name in table.resources
            for c in chain.calls
        )

    def _router_assignment(self, node: Node) -> None:
        """`$api = app('Dingo\\Api\\Routing\\Router')`, `$router = app(Router::class)`."""
        variable = assigned_variable(node)
        value = node.child_by_field_name("right")
        if variable is None or value is None or value.type != "function_call_expression":
            return
        function = syntax.text(value.child_by_field_name("function")).lstrip("\\")
        args, _ = arguments(value.child_by_field_name("arguments"))
        if function not in ("app", "resolve") or not args:
            return
        target = evaluate(args[0], self.names, self.path)
        name = target.name if isinstance(target, ClassRef) else target
        if isinstance(name, str) and name.lstrip("\\") in self.rules.router_classes:
            self.router_variables.add(variable)

    def _other_chain(self, chain: Chain, scope: Scope) -> None:
        """A chain that is not routing: `withRouting(...)`, a registrar, or code around them."""
        for call in chain.calls:
            if call.name == "withRouting":
                self._with_routing(call)
            elif call.name in self.rules.registrars:
                self._registrar(call, scope)
            elif call.name in self.rules.route_loaders:
                target = evaluate(argument(call, 0, "path"), self.names, self.path)
                self._include(target, scope, call.line)
            for arg in [*call.args, *call.named.values()]:
                self._visit(arg, scope)
        if chain.root.type not in CALL_TYPES:
            self._visit(chain.root, scope)

    def _routing_chain(self, chain: Chain, scope: Scope) -> None:
        local = scope
        resources: list[dict[str, Any]] = []
        for call in chain.calls:
            name = call.name
            if name in self.rules.group_calls:
                attribute = self.rules.group_calls[name]
                if attribute == "prefix":
                    local = local.with_prefix(*self._path_value(argument(call, 0, "prefix")))
                else:
                    value = evaluate(argument(call, 0), self.names, self.path)
                    local = local.with_attribute(attribute, value)
            elif name in self.rules.group_methods:
                self._group(call, local)
            elif name in self.rules.verbs:
                self._route(self.rules.verbs[name], call, local)
            elif name in self.rules.resources:
                resources = self._resource(self.rules.resources[name], call, local)
            elif resources and name in self.rules.options:
                for resource in resources:
                    self._resource_option(self.rules.options[name], call, resource)

    def _group(self, call: Call, scope: Scope) -> None:
        """`group([attributes], fn)`, `->group(fn)`, `->group(base_path('routes/x.php'))`."""
        args = [*call.args, *call.named.values()]
        for arg in args[:-1]:
            attributes = evaluate(arg, self.names, self.path)
            if not isinstance(attributes, PhpArray):
                continue
            for key, value in attributes.items:
                attribute = self.rules.group_keys.get(key)
                if attribute == "prefix":
                    node = array_value_node(arg, key, self.names, self.path)
                    scope = scope.with_prefix(*self._path_value(node))
                elif attribute is not None:
                    scope = scope.with_attribute(attribute, value)
        if not args:
            return
        method = self.rules.group_methods.get(call.name)
        if method is not None and method.config_prefix:
            scope = replace(scope, config_prefix=method.config_prefix)
        body = closure_of(args[-1])
        if body is not None:
            parameter = first_parameter(body)
            if parameter:
                scope = replace(scope, routers=scope.routers | {parameter})
            self._visit(body, scope)
            return
        self._include(evaluate(args[-1], self.names, self.path), scope, call.line)

    def _include(self, target: Any, scope: Scope, line: int) -> None:
        if isinstance(target, str) and target.endswith(".php"):
            self.includes.append(
                {
                    "target": target,
                    "prefix": scope.prefix,
                    "dynamic": scope.dynamic,
                    "namespace": scope.namespace,
                    "line": line,
                }
            )

    def _route(self, verb: Verb, call: Call, scope: Scope) -> None:
        methods = list(verb.methods)
        if verb.methods_arg >= 0:
            value = evaluate(argument(call, verb.methods_arg, "methods"), self.names, self.path)
            listed = value.strings() if isinstance(value, PhpArray) else [value]
            methods = [m.upper() for m in listed if isinstance(m, str)]
            if not methods:
                return
        if verb.uri_arg >= 0:
            uri, uri_dynamic = self._path_value(argument(call, verb.uri_arg, "uri"))
        else:
            uri, uri_dynamic = verb.path, False
        action = None
        if verb.action_arg >= 0:
            value = evaluate(argument(call, verb.action_arg, "action"), self.names, self.path)
            action = self._action(value, scope)
        route = {
            "methods": methods,
            "path": join_raw(scope.prefix, uri),
            "dynamic": scope.dynamic or uri_dynamic,
            "line": call.line,
            "action": action,
        }
        if scope.config_prefix:
            route["config_prefix"] = scope.config_prefix
        self.routes.append(route)

    def _path_value(self, node: Node | None) -> tuple[str, bool]:
        return evaluate_path(node, self.names, self.path, routepath.DYNAMIC)

    def _action(self, value: Any, scope: Scope) -> dict[str, Any] | None:
        """The handler of a route: `[C::class, 'm']`, `'C@m'`, `C::class`, `'m'` in a
        controller group, `['uses' => 'C@m']`; None for a closure."""
        if isinstance(value, PhpArray):
            uses = value.get("uses")
            if uses is not None:
                return self._action(uses, scope)
            items = value.values()
            if len(items) == 2 and isinstance(items[0], ClassRef) and isinstance(items[1], str):
                return {"class": items[0].name, "method": items[1]}
            if len(items) == 2 and isinstance(items[0], str) and isinstance(items[1], str):
                return {"class": items[0].strip("\\"), "method": items[1]}
            return None
        if isinstance(value, ClassRef):
            return {"class": value.name, "method": "__invoke"}
        if not isinstance(value, str) or not value:
            return None
        if "@" in value:
            written, _, method = value.partition("@")
            return _relative_action(_in_namespace(written, scope), method, written)
        if scope.controller:
            return {"class": scope.controller, "method": value}
        return _relative_action(_in_namespace(value, scope), "__invoke", value)

    def _resource(self, macro: ResourceMacro, call: Call, scope: Scope) -> list[dict[str, Any]]:
        first = evaluate(argument(call, 0, "name"), self.names, self.path)
        if macro.many:
            pairs = first.items if isinstance(first, PhpArray) else []
            options = evaluate(argument(call, 1, "options"), self.names, self.path)
        else:
            controller = evaluate(argument(call, 1, "controller"), self.names, self.path)
            pairs = [(first, controller)]
            options = evaluate(argument(call, 2, "options"), self.names, self.path)
        out = []
        for name, controller in pairs:
            if isinstance(name, ClassRef):
                continue  # not a resource: the container's `$app->singleton(A::class, B::class)`
            relative = False
            if isinstance(controller, ClassRef):
                target: str | None = controller.name
            elif isinstance(controller, str):
                target = _in_namespace(controller, scope)
                relative = not controller.startswith("\\")
            else:
                target = None
            record = {
                "macro": macro.name,
                "name": name if isinstance(name, str) else routepath.DYNAMIC,
                "prefix": scope.prefix,
                "dynamic": scope.dynamic or not isinstance(name, str),
                "line": call.line,
                "controller": target,
                "relative": relative,
                "only": None,
                "except": None,
                "add": [],
                "parameters": {},
                "shallow": False,
            }
            if scope.config_prefix:
                record["config_prefix"] = scope.config_prefix
            if isinstance(options, PhpArray):
                for key in ("only", "except", "parameters", "shallow"):
                    if options.get(key) is not None:
                        _set_option(record, key, options.get(key))
            out.append(record)
        self.resources.extend(out)
        return out

    def _resource_option(self, option: ResourceOption, call: Call, record: dict[str, Any]) -> None:
        if option.effect == "add":
            record["add"] = [*record["add"], *option.actions]
            return
        values: list[Any] = [evaluate(a, self.names, self.path) for a in call.args]
        if option.effect == "shallow":
            _set_option(record, "shallow", values[0] if values else True)
        elif option.effect in ("only", "except"):
            value: Any = values[0] if len(values) == 1 else PhpArray([(None, v) for v in values])
            _set_option(record, option.effect, value)
        elif option.effect == "parameters" and values:
            _set_option(record, "parameters", values[0])

    def _with_routing(self, call: Call) -> None:
        """Laravel 11+ `->withRouting(web: …, api: …, apiPrefix: 'api', health: '/up')`."""

        def paths(name: str) -> list[str]:
            value = evaluate(call.named.get(name), self.names, self.path)
            items = value.values() if isinstance(value, PhpArray) else [value]
            return [v for v in items if isinstance(v, str)]

        prefix = evaluate(call.named.get("apiPrefix"), self.names, self.path)
        health_node = call.named.get("health")
        health = evaluate(health_node, self.names, self.path)
        self.routing.append(
            {
                "web": paths("web"),
                "api": paths("api"),
                "api_prefix": prefix if isinstance(prefix, str) else "api",
                "health": health if isinstance(health, str) else None,
                "using": "using" in call.named,
                "line": syntax.line(health_node) if health_node is not None else call.line,
            }
        )

    def _registrar(self, call: Call, scope: Scope) -> None:
        value = evaluate(argument(call, 0, "directory"), self.names, self.path)
        directories = value.values() if isinstance(value, PhpArray) else [value]
        for directory in directories:
            if isinstance(directory, str):
                self.registrars.append(
                    {"directory": directory, "prefix": scope.prefix, "dynamic": scope.dynamic}
                )


def _set_option(record: dict[str, Any], key: str, value: Any) -> None:
    if key in ("only", "except"):
        listed = value.strings() if isinstance(value, PhpArray) else [value]
        record[key] = [v for v in listed if isinstance(v, str)]
    elif key == "parameters" and isinstance(value, PhpArray):
        record[key] = {k: v for k, v in value.items if isinstance(k, str) and isinstance(v, str)}
    elif key == "shallow":
        record[key] = value is not False


def _relative_action(name: str, method: str, written: str) -> dict[str, Any]:
    """A controller written as a string: relative to the namespace its file is loaded under
    (a RouteServiceProvider's `->namespace('App\\Http\\Controllers')`) unless it starts
    with a backslash."""
    return {"class": name, "method": method, "relative": not written.startswith("\\")}


def _in_namespace(written: str, scope: Scope) -> str:
    written = written.strip()
    if written.startswith("\\") or not scope.namespace:
        return written.strip("\\")
    return f"{scope.namespace}\\{written}"


# ---------------------------------------------------------------------- resolution: the service


@dataclass
class ClassInfo:
    fqn: str
    name: str
    file: str
    line: int
    methods: dict[str, int]


@dataclass
class ClassIndex:
    """Every class of the service by fully qualified name (and short name), to follow
    handlers."""

    by_name: dict[str, ClassInfo] = field(default_factory=dict)
    by_short: dict[str, list[ClassInfo]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: Mapping[str, FileFacts]) -> ClassIndex:
        index = cls()
        for path in sorted(facts):
            for entry in facts[path].get("classes", ()):
                info = ClassInfo(
                    entry["fqn"], entry["name"], path, entry["line"], entry.get("methods", {})
                )
                if info.fqn not in index.by_name:
                    index.by_name[info.fqn] = info
                    index.by_short.setdefault(info.name, []).append(info)
        return index

    def find(self, name: str) -> ClassInfo | None:
        """The class named `name`; else (a name written relative to an unknown namespace:
        `'UserController@index'` under a provider's namespace) the class whose name ends so,
        controllers first."""
        name = name.strip("\\")
        found = self.by_name.get(name)
        if found is not None:
            return found
        suffix = "\\" + name
        candidates = sorted(
            (i for i in self.by_short.get(name.rsplit("\\", 1)[-1], ()) if i.fqn.endswith(suffix)),
            key=lambda i: ("\\Controllers\\" not in i.fqn, len(i.fqn), i.fqn),
        )
        return candidates[0] if candidates else None


@dataclass(frozen=True)
class Base:
    """Where a route file is loaded: the prefix, and the controller namespace of string
    actions."""

    prefix: str = ""
    dynamic: bool = False
    namespace: str | None = None


def resolve_routes(facts: Mapping[str, FileFacts], ctx: ServiceContext) -> list[Endpoint]:
    classes = ClassIndex.of(facts)
    endpoints: list[Endpoint] = []
    bases = _file_bases(facts, ctx)
    configured = _ConfigValues(facts, ctx)
    for path in sorted(facts):
        file_facts = facts[path]
        if not file_facts.get("routes") and not file_facts.get("resources"):
            continue
        for base in bases.get(path) or [Base(_default_base(path))]:
            for route in file_facts.get("routes", ()):
                endpoints.extend(
                    _route_endpoints(route, configured.base(route, base), path, classes)
                )
            for resource in file_facts.get("resources", ()):
                resource_base = configured.base(resource, base)
                endpoints.extend(resource_endpoints(resource, resource_base, path, classes))
    endpoints.extend(_health_endpoints(facts))
    return endpoints


# ------------------------------------------------------------------ config values (prefixes)


def config_keys() -> dict[str, set[str]]:
    """The config files (repo-relative path under the app's root) and keys whose values are
    route prefixes (rules: group_method config_prefix `config/api.php:prefix`)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for method in rules().group_methods.values():
        if method.config_prefix:
            file, _, key = method.config_prefix.partition(":")
            wanted[file].add(key)
    return wanted


def read_config_values(root: Node, names: Names, path: str) -> dict[str, Any] | None:
    """The wanted keys of a config file (`return ['prefix' => env('API_PREFIX', 'api')]`):
    a string, or {env, default} when the value comes from the environment."""
    wanted = next((keys for file, keys in config_keys().items() if _is_file(path, file)), None)
    returned = next((n for n in root.named_children if n.type == "return_statement"), None)
    if not wanted or returned is None or not returned.named_children:
        return None
    array = returned.named_children[0]
    out: dict[str, Any] = {}
    for key in sorted(wanted):
        node = array_value_node(array, key, names, path)
        if node is None:
            continue
        value = evaluate(node, names, path)
        if (
            node.type == "function_call_expression"
            and syntax.text(node.child_by_field_name("function")).lstrip("\\") == "env"
        ):
            args, _ = arguments(node.child_by_field_name("arguments"))
            variable = evaluate(args[0], names, path) if args else None
            if isinstance(variable, str):
                default = evaluate(args[1], names, path) if len(args) > 1 else None
                value = {"env": variable, "default": default if isinstance(default, str) else None}
        if isinstance(value, (str, dict)):
            out[key] = value
    return out or None


def _is_file(path: str, file: str) -> bool:
    return path == file or path.endswith("/" + file)


ENV_FILES = (".env", ".env.example")


class _ConfigValues:
    """Config values of the service that prefix routes (Dingo's `api.prefix`): the config
    file's literal, else the variable of its `env()` in the service's .env (.env.example),
    else the `env()` default."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.facts = facts
        self.ctx = ctx
        self.values: dict[str, str] = {}

    def base(self, route: dict[str, Any], base: Base) -> Base:
        """Where a route with a config prefix is served: under that prefix only (such a
        router, Dingo's, does not take the groups of the file's loader)."""
        key = route.get("config_prefix")
        if not key:
            return base
        return Base(self.value(key), base.dynamic, base.namespace)

    def value(self, key: str) -> str:
        if key not in self.values:
            self.values[key] = self._lookup(key)
        return self.values[key]

    def _lookup(self, key: str) -> str:
        file, _, name = key.partition(":")
        for path in sorted(self.facts):
            config = self.facts[path].get("config_values")
            if config and _is_file(path, file) and name in config:
                value = config[name]
                if isinstance(value, str):
                    return value
                return self._env(value["env"]) or value["default"] or ""
        return ""

    def _env(self, variable: str) -> str | None:
        for name in ENV_FILES:
            text = self.ctx.read_text(posixpath.join(self.ctx.service_dir, name), 1 << 16)
            for line in (text or "").splitlines():
                head, sep, value = line.partition("=")
                if sep and head.strip() == variable:
                    return value.split("#", 1)[0].strip().strip("\"'") or None
        return None


def _default_base(path: str) -> str:
    """Laravel's default providers load routes/api.php under /api, every other file at /."""
    return "api" if posixpath.basename(path) == "api.php" else ""


@dataclass(frozen=True)
class _Mount:
    source: str | None  # the file that loads the route file (None: the framework)
    base: Base  # relative to the source's own base


def _file_bases(facts: Mapping[str, FileFacts], ctx: ServiceContext) -> dict[str, list[Base]]:
    """Route file → where it is loaded, following includes and withRouting."""
    mounts: dict[str, list[_Mount]] = defaultdict(list)
    directories = _route_files_by_directory(facts)
    for path in sorted(facts):
        for include in facts[path].get("includes", ()):
            target = file_path(_relative(include["target"], path), ctx.service_dir)
            if not target:
                continue
            base = Base(include["prefix"], include["dynamic"], include.get("namespace"))
            targets = directories[target] if include.get("directory") else [target]
            for loaded in targets:
                if loaded != path:
                    mounts[loaded].append(_Mount(path, base))
        for routing in facts[path].get("routing", ()):
            if routing.get("using"):
                continue
            for kind, prefix in (("web", ""), ("api", routing["api_prefix"])):
                for target_value in routing[kind]:
                    target = file_path(_relative(target_value, path), ctx.service_dir)
                    if target:
                        mounts[target].append(_Mount(None, Base(prefix)))

    def bases(path: str, seen: frozenset[str]) -> list[Base]:
        entries = mounts.get(path)
        if not entries or path in seen:
            return [Base(_default_base(path))]
        out: list[Base] = []
        for mount in entries:
            above = bases(mount.source, seen | {path}) if mount.source else [Base()]
            for outer in above:
                namespace = mount.base.namespace
                if namespace and outer.namespace and not namespace.startswith("\\"):
                    namespace = f"{outer.namespace}\\{namespace}"
                out.append(
                    Base(
                        join_raw(outer.prefix, mount.base.prefix),
                        outer.dynamic or mount.base.dynamic,
                        (namespace or outer.namespace or "").strip("\\") or None,
                    )
                )
        return sorted(set(out), key=lambda b: (b.prefix, b.dynamic, b.namespace or ""))

    return {path: bases(path, frozenset()) for path in mounts}


def _route_files_by_directory(facts: Mapping[str, FileFacts]) -> dict[str, list[str]]:
    """Directory → the route files under it, at any depth (what a directory loader loads)."""
    out: dict[str, list[str]] = defaultdict(list)
    for path in sorted(facts):
        if not (facts[path].get("routes") or facts[path].get("resources")):
            continue
        directory = posixpath.dirname(path)
        while directory:
            out[directory].append(path)
            directory = posixpath.dirname(directory)
    return out


def _relative(value: str, from_path: str) -> str:
    """A path value as the map reads it: under BASE or repo-relative (from `__DIR__`) as is; a
    bare file name relative to the including file's directory."""
    if value.startswith(BASE) or "/" in value:
        return value
    return posixpath.join(posixpath.dirname(from_path), value)


def _route_endpoints(
    route: dict[str, Any], base: Base, file: str, classes: ClassIndex
) -> list[Endpoint]:
    path = routepath.join(base.prefix, route["path"])
    handler, handler_file, handler_line = _handler(route.get("action"), base, classes)
    return [
        Endpoint(
            method,
            path,
            handler,
            file,
            route["line"],
            handler_file,
            handler_line,
            dynamic=route["dynamic"] or base.dynamic,
        )
        for method in route["methods"]
    ]


def _handler(
    action: dict[str, Any] | None, base: Base, classes: ClassIndex
) -> tuple[str | None, str | None, int | None]:
    """`Class@method` and where the method is defined, the class found by its name in the
    namespace the route file is loaded under, else by its written name."""
    if not action or not action.get("class"):
        return None, None, None
    info = None
    if action.get("relative") and base.namespace:
        info = classes.by_name.get(f"{base.namespace}\\{action['class']}")
    if info is None:
        info = classes.find(action["class"])
    method = action["method"]
    if info is None:
        short = action["class"].rsplit("\\", 1)[-1]
        return f"{short}@{method}", None, None
    return f"{info.name}@{method}", info.file, info.methods.get(method, info.line)


def resource_endpoints(
    resource: dict[str, Any], base: Base, file: str, classes: ClassIndex
) -> list[Endpoint]:
    out = []
    prefix = join_raw(base.prefix, resource["prefix"])
    for action, method, path in expand_resource(resource):
        target = {
            "class": resource["controller"],
            "method": action,
            "relative": resource.get("relative", False),
        }
        handler, handler_file, handler_line = _handler(target, base, classes)
        out.append(
            Endpoint(
                method,
                routepath.join(prefix, path),
                handler,
                file,
                resource["line"],
                handler_file,
                handler_line,
                dynamic=resource["dynamic"] or base.dynamic,
            )
        )
    return out


def expand_resource(resource: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(action, HTTP method, path) of each route a resource macro registers, in Laravel's
    order: `photos.comments` → `/photos/{photo}/comments`, `/photos/{photo}/comments/{comment}`."""
    table = rules()
    macro = table.resources.get(resource.get("macro", ""), table.resources["resource"])
    actions = [*macro.actions, *resource.get("add", [])]
    if resource.get("only"):
        actions = [a for a in actions if a in resource["only"]]
    if resource.get("except"):
        actions = [a for a in actions if a not in resource["except"]]
    if macro.api or resource.get("api"):
        actions = [a for a in actions if a not in ("create", "edit")]
    name = resource["name"].strip("/")
    literal, _, name = name.rpartition("/")
    segments = [s for s in name.split(".") if s]
    if not segments:
        return []
    parameters = resource.get("parameters") or {}
    parents = "/".join(f"{s}/{{{_parameter(s, parameters)}}}" for s in segments[:-1])
    last = segments[-1]
    collection = join_raw(literal, join_raw(parents, last))
    if macro.singleton:
        member = collection
    elif resource.get("shallow"):
        member = join_raw(literal, f"{last}/{{{_parameter(last, parameters)}}}")
    else:
        member = f"{collection}/{{{_parameter(last, parameters)}}}"
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for action_name in actions:
        action = table.actions.get(action_name)
        if action is None or action_name in seen:
            continue
        seen.add(action_name)
        path = (member if action.member else collection) + action.suffix
        out.extend((action_name, method, path) for method in action.methods)
    return out


def _parameter(segment: str, parameters: dict[str, str]) -> str:
    if segment in parameters:
        return parameters[segment]
    return singular(segment).replace("-", "_")


def _health_endpoints(facts: Mapping[str, FileFacts]) -> list[Endpoint]:
    out = []
    for path in sorted(facts):
        for routing in facts[path].get("routing", ()):
            if routing.get("health"):
                out.append(
                    Endpoint(
                        "GET", routepath.normalize(routing["health"]), None, path, routing["line"]
                    )
                )
    return out
