"""HTTP endpoints of Go services: gin, echo, chi, fiber, gorilla/mux, httprouter and net/http.

`extract` turns each Go file into a small, JSON-able outline of its code: imports, package-level
constants and variables, struct fields, and every function and method with its parameters and
the statements of its body as expression trees (see `_Outline`). `resolve` runs those outlines
through a tiny abstract interpreter (`_Interpreter`) that only knows what routers are:

- a router is created by a constructor (`gin.Default()`, `chi.NewRouter()`, `http.NewServeMux()`)
  or arrives as a parameter typed as a router (`func Register(r *gin.RouterGroup)`);
- a group (`r.Group("/v1")`, `r.PathPrefix("/api").Subrouter()`, `r.Route("/x", func(r …))`) is
  a child router with a prefix; a mount (`r.Mount("/x", sub())`, `mux.Handle("/api/",
  http.StripPrefix("/api", api))`) puts a router under a prefix of another;
- a router passed to a function (in any file or package of the service) is bound to that
  function's parameter, so routes registered there get the caller's prefix; functions returning
  a router (`func routes() http.Handler`) are evaluated for that router;
- routers kept in struct fields or package variables are followed through them;
- a loop over a literal table (`for _, r := range routes { mux.HandleFunc(r.Path, r.H) }`, a
  slice of modules each registering its routes) runs once per element, struct literals keeping
  their fields' values; a handler is followed through the variables that wrap it;
- `init` functions run first, so a package slice they `append` route functions to is filled
  when another function loops over it;
- a helper registering routes from its string parameters (`s.handle("GET", "/notes", h)`) is
  evaluated per call, its routes placed at the call.

Files without a router import only give their package-level string constants (read without
parsing: `const APIPrefix = "/api/v1"`), for prefixes declared in another package.

What each call means per framework is data: `rules/go.toml`. Paths the map can't read statically
become `{dynamic}`. A function with a router parameter that nobody calls (called through an
interface) is read on its own, its routes relative to that parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import go_common
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Endpoint

if TYPE_CHECKING:
    from tree_sitter import Node

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE")
MAX_DEPTH = 40  # nesting of evaluated calls and expressions
MAX_EVALUATIONS = 20_000  # function evaluations per service
MAX_ITEMS = 500  # elements of a literal a loop is unrolled over


@dataclass(frozen=True)
class RouterRule:
    """What the calls on one router package's values mean (see rules/go.toml)."""

    name: str
    imports: tuple[str, ...]
    constructors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    handler: str = "last"
    methods: dict[str, str] = field(default_factory=dict)
    method_first: tuple[str, ...] = ()
    path_only: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    inline_scope: tuple[str, ...] = ()
    same: tuple[str, ...] = ()
    mount: tuple[str, ...] = ()
    mount_if_router: tuple[str, ...] = ()
    builder_path: tuple[str, ...] = ()
    builder_prefix: tuple[str, ...] = ()
    builder_methods: tuple[str, ...] = ()
    builder_new: tuple[str, ...] = ()
    builder_subrouter: tuple[str, ...] = ()
    builder_handler: tuple[str, ...] = ()
    restrict: tuple[str, ...] = ()
    static: tuple[str, ...] = ()
    static_file: tuple[str, ...] = ()
    static_param: str = "*filepath"
    default_router: bool = False
    patterns: bool = False
    concat_paths: bool = False

    def owns(self, import_path: str) -> bool:
        return any(import_path == p or import_path.startswith(p + "/") for p in self.imports)


@dataclass(frozen=True)
class RouterResult:
    """A non-router result type whose functions are evaluated for the router they return."""

    name: str
    package: str
    type: str


@dataclass(frozen=True)
class StringFunction:
    """A standard library function computing a string the map can follow (see rules/go.toml)."""

    name: str
    package: str
    operation: str  # "upper", "lower" or "join" (path.Join)


ROUTERS = load_rules("go", "router", RouterRule)
ROUTER_RESULTS = load_rules("go", "router_result", RouterResult)
STRING_FUNCTIONS = {
    (f.package, f.name): f.operation for f in load_rules("go", "string_function", StringFunction)
}


# ---------------------------------------------------------------------------------------------
# extract: one file → its outline
#
# Expressions are lists: ["id", name] ["sel", x, name] ["call", fn, [args], line] ["str", value]
# ["add", a, b] ["func", [[param, type]], [statements], line]
# ["lit", type, line, {field: expr}, [positional exprs]] ["list", [items], [map keys]] ["?"].
# Statements: ["set", [targets], [exprs], define(, True: inside an `if`)] ["do", expr]
# ["ret", [exprs]]
# ["range", [targets], expr, [statements]]. Types: [package alias | None, name, shape] (see
# go_common.type_ref).
# ---------------------------------------------------------------------------------------------


class _Outline:
    """Builds the outline of one parsed Go file."""

    def __init__(self) -> None:
        self.depth = 0

    def file(self, root: Node) -> FileFacts:
        facts: FileFacts = {
            "package": "",
            "imports": go_common.imports(root),
            "vars": {},
            "structs": {},
            "lists": {},
            "funcs": [],
        }
        for child in root.named_children:
            if child.type == "package_clause" and child.named_children:
                facts["package"] = syntax.text(child.named_children[0])
        captures = syntax.captures("go", "go-declarations", root)
        for node in captures.get("func", []) + captures.get("method", []):
            decl = self.function(node)
            if decl is not None:
                facts["funcs"].append(decl)
        for node in captures.get("type", []):
            self.struct(node, facts["structs"], facts["lists"])
        for node in captures.get("var", []):
            for name, value in self.var_spec(node):
                facts["vars"][name] = value
        facts["funcs"].sort(key=lambda d: d["line"])
        return facts

    def function(self, node: Node) -> dict[str, Any] | None:
        name = node.child_by_field_name("name")
        if name is None:
            return None
        receiver: list[Any] | None = None
        receiver_node = node.child_by_field_name("receiver")
        if receiver_node is not None:
            receiver = self.params(receiver_node)[:1] or [[None, None]]
            receiver = receiver[0]
        result = node.child_by_field_name("result")
        results: list[Any] = []
        if result is not None:
            if result.type == "parameter_list":
                results = [t for _, t in self.params(result)]
            else:
                results = [go_common.type_ref(result)]
        body = node.child_by_field_name("body")
        return {
            "name": syntax.text(name),
            "line": syntax.line(node),
            "receiver": receiver,
            "params": self.params(node.child_by_field_name("parameters")),
            "results": results,
            "body": self.block(body) if body is not None else [],
        }

    def params(self, node: Node | None) -> list[list[Any]]:
        out: list[list[Any]] = []
        if node is None:
            return out
        for param in node.named_children:
            if param.type not in ("parameter_declaration", "variadic_parameter_declaration"):
                continue
            kind = go_common.type_ref(param.child_by_field_name("type"))
            names = [c for c in param.children_by_field_name("name")]
            if not names:
                out.append([None, kind])
            for n in names:
                out.append([syntax.text(n), kind])
        return out

    def struct(self, node: Node, structs: dict[str, Any], lists: dict[str, Any]) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("type")
        if name is not None and body is not None and body.type in _LIST_TYPES:
            element = body.child_by_field_name("value" if body.type == "map_type" else "element")
            lists[syntax.text(name)] = go_common.type_ref(element)  # type Routes []Route
            return
        if name is None or body is None or body.type != "struct_type":
            return
        fields: dict[str, Any] = {}
        for decl in _descendants(body, "field_declaration"):
            kind = go_common.type_ref(decl.child_by_field_name("type"))
            names = decl.children_by_field_name("name")
            if not names and kind is not None:
                fields[str(kind[1])] = kind  # embedded: the field is named after its type
            for n in names:
                fields[syntax.text(n)] = kind
        structs[syntax.text(name)] = {"line": syntax.line(node), "fields": fields}

    def var_spec(self, node: Node) -> Iterator[tuple[str, list[Any]]]:
        names = node.children_by_field_name("name")
        kind = go_common.type_ref(node.child_by_field_name("type"))
        value = node.child_by_field_name("value")
        values = value.named_children if value is not None else []
        for i, n in enumerate(names):
            expr = self.expr(values[i]) if i < len(values) else None
            yield syntax.text(n), [kind, expr]

    def block(self, node: Node) -> list[Any]:
        """The statements of a block, nested blocks (if/for/switch bodies, `{ … }` groups)
        flattened in order: the interpreter reads straight-line code."""
        out: list[Any] = []
        self.statements(node, out)
        return out

    def statements(self, node: Node, out: list[Any], conditional: bool = False) -> None:
        for child in node.named_children:
            kind = child.type
            if kind == "expression_statement":
                if child.named_children:
                    out.append(["do", self.expr(child.named_children[0])])
            elif kind in ("short_var_declaration", "assignment_statement"):
                left = child.child_by_field_name("left")
                right = child.child_by_field_name("right")
                targets = [self.expr(n) for n in left.named_children] if left else []
                values = [self.expr(n) for n in right.named_children] if right else []
                define = kind == "short_var_declaration"
                operator = child.child_by_field_name("operator")
                if operator is not None and syntax.text(operator) == "+=":
                    values = [["add", t, v] for t, v in zip(targets, values, strict=False)]
                elif operator is not None and syntax.text(operator) != "=":
                    values = [["?"] for _ in targets]  # -=, *=, |= …: not a string
                out.append(["set", targets, values, define] + ([True] if conditional else []))
            elif kind in ("var_declaration", "const_declaration"):
                for spec in _descendants(child, "var_spec", "const_spec"):
                    for name, (_, expr) in self.var_spec(spec):
                        out.append(["set", [["id", name]], [expr], True])
            elif kind == "return_statement":
                results = child.named_children[0].named_children if child.named_children else []
                out.append(["ret", [self.expr(n) for n in results]])
            elif kind in ("go_statement", "defer_statement"):
                for call in child.named_children:
                    out.append(["do", self.expr(call)])
            elif kind == "for_statement" and _is_range(child):
                out.append(self.range_loop(child))
            elif kind == "if_statement":
                self.statements(child, out, conditional=True)
            elif kind.endswith("_statement") or kind in _NESTING:
                self.statements(child, out, conditional)

    def range_loop(self, node: Node) -> list[Any]:
        """`for k, v := range x { … }` → ["range", [targets], x, [statements]]."""
        clause = node.named_children[0]
        left = clause.child_by_field_name("left")
        targets = [self.expr(n) for n in left.named_children] if left is not None else []
        body = node.child_by_field_name("body")
        statements = self.block(body) if body is not None else []
        return ["range", targets, self.expr(clause.child_by_field_name("right")), statements]

    def expr(self, node: Node | None) -> list[Any]:
        if node is None:
            return ["?"]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return ["?"]
            return self._expr(node)
        finally:
            self.depth -= 1

    def _expr(self, node: Node) -> list[Any]:
        kind = node.type
        if kind in ("identifier", "field_identifier", "package_identifier", "type_identifier"):
            return ["id", syntax.text(node)]
        if kind in ("interpreted_string_literal", "raw_string_literal"):
            value = syntax.string_value(node)
            return ["str", value] if value is not None else ["?"]
        if kind == "selector_expression":
            operand = node.child_by_field_name("operand")
            name = node.child_by_field_name("field")
            return ["sel", self.expr(operand), syntax.text(name)]
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            arguments = node.child_by_field_name("arguments")
            args = [self.expr(a) for a in arguments.named_children] if arguments else []
            return ["call", self.expr(function), args, syntax.line(node)]
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if syntax.text(operator) == "+":
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                return ["add", self.expr(left), self.expr(right)]
            return ["?"]
        if kind in ("unary_expression", "parenthesized_expression"):
            operand = node.child_by_field_name("operand") or _first_named(node)
            return self.expr(operand)
        if kind == "func_literal":
            body = node.child_by_field_name("body")
            params = self.params(node.child_by_field_name("parameters"))
            return ["func", params, self.block(body) if body else [], syntax.line(node)]
        if kind == "composite_literal":
            return self.composite(node)
        if kind == "type_conversion_expression" or kind == "type_assertion_expression":
            return self.expr(node.child_by_field_name("operand"))
        return ["?"]

    def composite(self, node: Node) -> list[Any]:
        return self.literal(
            node.child_by_field_name("body"), node.child_by_field_name("type"), syntax.line(node)
        )

    def literal(self, body: Node | None, type_node: Node | None, line: int) -> list[Any]:
        """A composite literal: ["list", items, keys] for slices, arrays and maps (keys: a map's
        string keys), ["lit", type, line, {field: expr}, [positional exprs]] otherwise. Elements
        written without their type (`[]Route{{"GET", "/x"}}`) get the element type."""
        elements = body.named_children if body is not None else []
        if type_node is not None and type_node.type in _LIST_TYPES:
            element_type = type_node.child_by_field_name(
                "value" if type_node.type == "map_type" else "element"
            )
            items: list[Any] = []
            keys: list[str | None] = []
            for element in elements:
                key, value = _key_value(element)
                keys.append(_key_text(key) if key is not None else None)
                items.append(self.element(value, element_type))
            return ["list", items, keys]
        keyed: dict[str, Any] = {}
        positional: list[Any] = []
        for element in elements:
            key, value = _key_value(element)
            if key is None:
                positional.append(self.element(value, None))
            elif value is not None:
                keyed[_key_text(key)] = self.element(value, None)
        return ["lit", go_common.type_ref(type_node), line, keyed, positional]

    def element(self, node: Node | None, element_type: Node | None) -> list[Any]:
        inner = _first_named(node) if node is not None and node.type == "literal_element" else node
        if inner is None or inner.type != "literal_value":
            return self.expr(inner)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                return ["?"]
            return self.literal(inner, element_type, syntax.line(inner))
        finally:
            self.depth -= 1


_LIST_TYPES = frozenset({"slice_type", "array_type", "implicit_length_array_type", "map_type"})


def _is_range(node: Node) -> bool:
    first = _first_named(node)
    return first is not None and first.type == "range_clause"


def _key_value(element: Node) -> tuple[Node | None, Node | None]:
    """(key, value) of a literal's element; no key for a positional one."""
    if element.type == "keyed_element" and len(element.named_children) >= 2:
        return element.named_children[0], element.named_children[1]
    return None, element


def _key_text(key: Node) -> str:
    inner = _first_named(key) if key.type == "literal_element" else key
    inner = inner or key
    value = syntax.string_value(inner)
    return value if value is not None else syntax.text(inner)


# nodes whose statements are read as if they were inline (if/for/switch bodies, cases)
_NESTING = frozenset(
    {
        "block",
        "statement_list",
        "expression_case",
        "default_case",
        "type_case",
        "communication_case",
        "labeled_statement",
    }
)


def _first_named(node: Node) -> Node | None:
    named = node.named_children
    return named[0] if named else None


def _descendants(node: Node, *kinds: str) -> Iterator[Node]:
    stack = list(reversed(node.named_children))
    while stack:
        child = stack.pop()
        if child.type in kinds:
            yield child
            continue
        if child.type in ("struct_type", "func_literal", "interface_type"):
            continue
        stack.extend(reversed(child.named_children))


# ---------------------------------------------------------------------------------------------
# resolve: the interpreter's values
# ---------------------------------------------------------------------------------------------


@dataclass
class _Route:
    methods: list[str]
    path: str
    dynamic: bool
    handler: str | None
    handler_at: tuple[str, int] | None
    file: str
    line: int
    # the function read on its own whose evaluation registered it (its parameters unknown)
    standalone: str | None = None


@dataclass(eq=False)
class _Router:
    """A router value: a root (constructor, parameter, field), a child with a prefix, or a
    root mounted under prefixes of other routers."""

    rule: RouterRule | None
    parent: _Router | None = None
    prefix: str = ""
    owner: str | None = None  # a parameter's stand-in: the function read on its own
    mounts: list[tuple[_Router, str]] = field(default_factory=list)
    routes: list[_Route] = field(default_factory=list)
    children: list[_Router] = field(default_factory=list)

    def child(self, prefix: str) -> _Router:
        node = _Router(self.rule, parent=self, prefix=prefix)
        self.children.append(node)
        return node


@dataclass(eq=False)
class _Builder:
    """A gorilla route under construction: r.Path(...) / r.PathPrefix(...) / r.Methods(...)."""

    router: _Router
    path: str = ""
    methods: list[str] | None = None
    at: tuple[str, int] | None = None  # a route table entry's place


@dataclass(eq=False)
class _Registration:
    routes: list[_Route]
    rule: RouterRule | None


@dataclass(frozen=True)
class _Str:
    value: str  # routepath.DYNAMIC where unknown
    dynamic: bool = False
    # where it was written when read from a route table's entry: the route's place
    at: tuple[str, int] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Obj:
    """A value of a known named type of the service: (directory, type name)."""

    directory: str
    name: str


@dataclass(frozen=True)
class _Record(_Obj):
    """A struct literal of the service: its fields' values and the expressions they came from
    (`Route{"GET", "/x", h.List}`), for routes registered in a loop over a table of them."""

    values: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    exprs: dict[str, tuple[list[Any], _Env]] = field(
        default_factory=dict, compare=False, hash=False
    )
    at: tuple[str, int] | None = field(default=None, compare=False, hash=False)


@dataclass(eq=False)
class _Items:
    """A slice, array or map literal: its elements (and a map's keys)."""

    values: list[Any]
    keys: list[str | None]


@dataclass(frozen=True)
class _Pkg:
    path: str


@dataclass(eq=False)
class _Closure:
    expr: list[Any]
    env: _Env
    file: str


@dataclass(frozen=True)
class _Decl:
    key: str  # "file:line"
    file: str
    directory: str
    name: str
    receiver_type: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class _Origin:
    expr: list[Any]
    env: _Env
    previous: _Origin | None


@dataclass(eq=False)
class _Env:
    file: str
    decl: _Decl | None
    vars: dict[str, Any] = field(default_factory=dict)
    parent: _Env | None = None
    returned: list[Any] = field(default_factory=list)
    # variable → the expression last assigned to it (with its env and the variable's origin
    # before), to follow a handler through `h = route.Handler; h = logged(h)`
    origins: dict[str, _Origin | None] = field(default_factory=dict)

    def origin(self, name: str) -> tuple[_Env, _Origin] | None:
        env: _Env | None = self
        while env is not None:
            if name in env.origins:
                found = env.origins[name]
                return (env, found) if found is not None else None
            env = env.parent
        return None

    def lookup(self, name: str) -> tuple[bool, Any]:
        env: _Env | None = self
        while env is not None:
            if name in env.vars:
                return True, env.vars[name]
            env = env.parent
        return False, None

    def assign(self, name: str, value: Any) -> bool:
        env: _Env | None = self
        while env is not None:
            if name in env.vars:
                env.vars[name] = value
                return True
            env = env.parent
        return False


class _Index:
    """Where the declarations of a service are: functions, methods, structs, package vars."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.facts = facts
        self.functions: dict[tuple[str, str], list[_Decl]] = {}
        self.methods: dict[tuple[str, str, str], list[_Decl]] = {}
        self.methods_by_name: dict[str, list[_Decl]] = {}
        self.structs: dict[tuple[str, str], dict[str, Any]] = {}
        self.struct_files: dict[tuple[str, str], str] = {}
        self.vars: dict[tuple[str, str], tuple[str, list[Any]]] = {}
        self.lists: dict[tuple[str, str], tuple[str, list[Any] | None]] = {}
        self.package_names: dict[str, str] = {}
        self.by_key: dict[str, _Decl] = {}
        directories = set()
        for path in sorted(facts):
            data = facts[path]
            directory = go_common.dirname(path)
            directories.add(directory)
            if data.get("package") and not data["package"].endswith("_test"):
                self.package_names.setdefault(directory, data["package"])
            for decl_data in data.get("funcs", []):
                receiver = decl_data.get("receiver")
                receiver_type = receiver[1][1] if receiver and receiver[1] else None
                decl = _Decl(
                    f"{path}:{decl_data['line']}",
                    path,
                    directory,
                    decl_data["name"],
                    receiver_type,
                    decl_data,
                )
                self.by_key[decl.key] = decl
                if receiver_type is None:
                    self.functions.setdefault((directory, decl.name), []).append(decl)
                else:
                    key = (directory, receiver_type, decl.name)
                    self.methods.setdefault(key, []).append(decl)
                    self.methods_by_name.setdefault(decl.name, []).append(decl)
            for name, struct in data.get("structs", {}).items():
                self.structs.setdefault((directory, name), struct)
                self.struct_files.setdefault((directory, name), path)
            for name, element in data.get("lists", {}).items():
                self.lists.setdefault((directory, name), (path, element))
            for name, var in data.get("vars", {}).items():
                self.vars.setdefault((directory, name), (path, var))
        self.directories = sorted(directories)
        self.packages = go_common.Packages(ctx, self.directories)

    def package_dir(self, import_path: str) -> str | None:
        """The directory of a package of the service (None: an outside package)."""
        return self.packages.dir_of(import_path)

    def function(self, directory: str, name: str) -> _Decl | None:
        found = self.functions.get((directory, name))
        return found[0] if found else None

    def method(self, directory: str, type_name: str, name: str) -> _Decl | None:
        found = self.methods.get((directory, type_name, name))
        return found[0] if found else None

    def only_method(self, name: str) -> _Decl | None:
        found = self.methods_by_name.get(name, [])
        return found[0] if len(found) == 1 else None

    def field_type(self, obj: _Obj, name: str) -> list[Any] | None:
        struct = self.structs.get((obj.directory, obj.name))
        if struct is None:
            return None
        kind = struct["fields"].get(name)
        return kind if isinstance(kind, list) else None


# ---------------------------------------------------------------------------------------------
# resolve: the interpreter
# ---------------------------------------------------------------------------------------------


class _Interpreter:
    """Evaluates the outlines of a service's Go files for the routers they build."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.index = _Index(facts, ctx)
        self.memo: dict[tuple[Any, ...], Any] = {}
        self.active: set[tuple[Any, ...]] = set()
        self.bound: set[str] = set()  # functions called with a router argument
        self.roots: list[_Router] = []
        self.fields: dict[tuple[str, str, str], _Router] = {}
        self.globals: dict[tuple[str, str], Any] = {}
        self.default_routers: dict[str, _Router] = {}
        self.evaluations = 0
        self.rules_by_import: dict[str, RouterRule | None] = {}
        self.imports_by_file: dict[str, dict[str, str]] = {}
        self.standalone_key: str | None = None  # the function being read on its own
        self.called_with_values: set[str] = set()  # registering functions called with strings
        self.registrars: dict[str, bool] = {}
        self.called: set[str] = set()  # functions called from other code (not only read alone)
        self.depth = 0
        service_rules = [
            r
            for r in ROUTERS
            if any(r.owns(p) for data in facts.values() for p in data.get("imports", {}).values())
        ]
        self.fallback_rule = next(
            (r for r in service_rules if r.name != "nethttp"),
            service_rules[0] if service_rules else None,
        )

    # -- entry -----------------------------------------------------------------------------

    def run(self) -> list[Endpoint]:
        """Every function read on its own, the packages' `init` functions first (as Go runs
        them before any other code: they fill the package variables others read, e.g. a slice
        of route-registering functions)."""
        decls = [d for ds in self.index.functions.values() for d in ds]
        decls += [d for ds in self.index.methods.values() for d in ds]
        decls.sort(key=lambda d: d.name != "init" or d.receiver_type is not None)
        for decl in decls:
            self.standalone(decl)
        return self.endpoints()

    def standalone(self, decl: _Decl) -> None:
        """Read a function on its own: its router parameters stand for routers of unknown
        prefix (dropped later if the function is also called with a real router)."""
        args: list[Any] = []
        for _, kind in decl.data.get("params", []):
            rule = self.router_type(kind, decl.file)
            if rule is not None:
                node = _Router(rule, owner=decl.key)
                self.roots.append(node)
                args.append(node)
            else:
                args.append(self.typed(kind, decl))
        self.standalone_key = decl.key
        try:
            self.call(decl, args, None, always=True)
        finally:
            self.standalone_key = None

    # -- functions ---------------------------------------------------------------------------

    def call(
        self,
        decl: _Decl,
        args: list[Any],
        receiver: Any,
        always: bool = False,
        site: tuple[str, int] | None = None,
        caller: tuple[list[Any], _Env] | None = None,
    ) -> Any:
        """Evaluate a function with arguments, when they or its result involve routers (or
        `always`: a function read on its own). `caller`: the argument expressions and their
        env, so a handler parameter is followed to the argument written at the call."""
        if not always:
            self.called.add(decl.key)
        routers = [a for a in args if isinstance(a, (_Router, _Closure))]
        returns_router = any(
            self.router_result(k, decl.file)
            or self.items_result(k, decl.file)
            or self.holds_router(k, decl.file)
            for k in decl.data["results"]
        )
        with_values = any(isinstance(a, _Str) for a in args) and self.registrar(decl)
        if with_values:
            self.called_with_values.add(decl.key)
            if site is not None:  # its routes are placed at the call
                args = [
                    _Str(a.value, a.dynamic, a.at or site) if isinstance(a, _Str) else a
                    for a in args
                ]
        if not routers and not returns_router and not always and not with_values:
            return self.result_of(decl)
        if any(isinstance(a, _Router) and a.owner != decl.key for a in args):
            self.bound.add(decl.key)
        key = (decl.key, _memo_key(receiver), tuple(_memo_key(a) for a in args))
        if key in self.memo:
            return self.memo[key]
        if key in self.active or self.evaluations >= MAX_EVALUATIONS:
            return None
        self.active.add(key)
        self.evaluations += 1
        try:
            env = _Env(decl.file, decl)
            receiver_spec = decl.data.get("receiver")
            if receiver_spec and receiver_spec[0]:
                env.vars[receiver_spec[0]] = (
                    receiver if receiver is not None else self.typed(receiver_spec[1], decl)
                )
            self.bind(env, decl.data.get("params", []), args, decl)
            if caller is not None:
                self.bind_origins(env, decl.data.get("params", []), *caller)
            self.block(decl.data["body"], env)
            result: Any = next((v for v in env.returned if isinstance(v, _Router)), None)
            if result is None:
                result = next((v for v in env.returned if isinstance(v, (_Items, _Record))), None)
            if result is None:
                result = self.result_of(decl)
        finally:
            self.active.discard(key)
        self.memo[key] = result
        return result

    def registrar(self, decl: _Decl) -> bool:
        """A helper registering routes from its string parameters (`func (s *Server)
        handle(method, path string, h http.HandlerFunc) { s.mux.HandleFunc(method+" "+path, h)
        }`): each call with known strings is evaluated, for the routes it really registers."""
        found = self.registrars.get(decl.key)
        if found is None:
            has_string = any(kind and kind[1] == "string" for _, kind in decl.data["params"])
            found = has_string and _calls_any(decl.data["body"], REGISTRATION_NAMES)
            self.registrars[decl.key] = found
        return found

    def bind(self, env: _Env, params: list[Any], args: list[Any], decl: _Decl | None) -> None:
        for i, (name, kind) in enumerate(params):
            if not name:
                continue
            if i < len(args) and args[i] is not None:
                env.vars[name] = args[i]
            elif decl is not None:
                env.vars[name] = self.typed(kind, decl)
            else:
                env.vars[name] = None

    def bind_origins(
        self, env: _Env, params: list[Any], arg_exprs: list[Any], caller_env: _Env
    ) -> None:
        """A parameter's origin is the argument written at the call (`r.GET("/", gist.Create)`
        into `func (r *Router) GET(path string, h Handler)`): the handler as the caller wrote
        it. Not for a variadic parameter given several arguments (which one is unknown)."""
        if len(arg_exprs) > len(params):
            params = params[:-1]
        for (name, _), expr in zip(params, arg_exprs, strict=False):
            if name and expr and expr[0] in ("id", "sel"):
                env.origins[name] = _Origin(expr, caller_env, None)

    def holds_router(self, kind: list[Any] | None, file: str) -> bool:
        """A struct of the service with a router field (`type Router struct{ *echo.Group }`):
        a function returning one wraps a router (`func (r *Router) Sub(p string) *Router`)."""
        obj = self.typed_in(kind, file)
        if not isinstance(obj, _Obj) or str(kind and kind[2]).startswith("[]"):
            return False
        struct = self.index.structs.get((obj.directory, obj.name))
        struct_file = self.struct_file(obj)
        if struct is None or struct_file is None:
            return False
        return any(
            isinstance(k, list) and self.router_type(k, struct_file) is not None
            for k in struct["fields"].values()
        )

    def call_closure(self, closure: _Closure, args: list[Any]) -> Any:
        _, params, body, _ = closure.expr
        key = ("closure", id(closure), tuple(id(a) for a in args))
        if key in self.active or self.depth > MAX_DEPTH:
            return None
        self.active.add(key)
        self.depth += 1
        try:
            env = _Env(closure.file, closure.env.decl, parent=closure.env)
            self.bind(env, params, args, None)
            self.block(body, env)
            return next((v for v in env.returned if isinstance(v, _Router)), None)
        finally:
            self.depth -= 1
            self.active.discard(key)

    def result_of(self, decl: _Decl) -> Any:
        results = decl.data.get("results") or []
        return self.typed(results[0], decl) if results else None

    def typed(self, kind: list[Any] | None, decl: _Decl) -> Any:
        """A value standing for "something of this type" (an object of a service type)."""
        return self.typed_in(kind, decl.file)

    def typed_in(self, kind: list[Any] | None, file: str) -> Any:
        if not kind or kind[1] is None:
            return None
        package, name = kind[0], kind[1]
        if package is None:
            local = go_common.dirname(file)
            return _Obj(local, name) if (local, name) in self.index.structs else None
        import_path = self.imports(file).get(package)
        directory = self.index.package_dir(import_path) if import_path else None
        if directory is not None and (directory, name) in self.index.structs:
            return _Obj(directory, name)
        return None

    def imports(self, file: str) -> dict[str, str]:
        """alias → import path of a file; a package of the service is also known by the name
        its files declare (`package v1` in routers/api/v1, `package handlers` in http-handlers)."""
        found = self.imports_by_file.get(file)
        if found is not None:
            return found
        imports: dict[str, str] = dict(self.index.facts[file].get("imports", {}))
        for path in list(imports.values()):
            directory = self.index.package_dir(path)
            name = self.index.package_names.get(directory) if directory is not None else None
            if name:
                imports.setdefault(name, path)
        self.imports_by_file[file] = imports
        return imports

    def rule_of(self, path: str) -> RouterRule | None:
        if path not in self.rules_by_import:
            self.rules_by_import[path] = next((r for r in ROUTERS if r.owns(path)), None)
        return self.rules_by_import[path]

    def router_type(self, kind: list[Any] | None, file: str) -> RouterRule | None:
        """The router rule of a parameter or field type (`*gin.RouterGroup` → gin)."""
        if not kind or not kind[0] or str(kind[2] or "").startswith("[]"):
            return None
        path = self.imports(file).get(kind[0])
        rule = self.rule_of(path) if path else None
        return rule if rule is not None and kind[1] in rule.types else None

    def items_result(self, kind: list[Any] | None, file: str) -> bool:
        """A result that is a table of the service's structs (`[]Route`, `Routes`)."""
        if not kind or kind[1] is None:
            return False
        if str(kind[2] or "").startswith("[]"):
            return isinstance(self.typed_in(kind, file), _Obj)
        return self.list_element(kind, file) is not None

    def router_result(self, kind: list[Any] | None, file: str) -> bool:
        if self.router_type(kind, file) is not None:
            return True
        if not kind or not kind[0]:
            return False
        path = self.imports(file).get(kind[0])
        return any(r.package == path and r.type == kind[1] for r in ROUTER_RESULTS)

    # -- statements --------------------------------------------------------------------------

    def block(self, statements: list[Any], env: _Env) -> None:
        for statement in statements:
            kind = statement[0]
            if kind == "do":
                self.eval(statement[1], env)
            elif kind == "set":
                conditional = len(statement) > 4
                self.assign(statement[1], statement[2], statement[3], env, conditional)
            elif kind == "ret":
                env.returned.extend(self.eval(e, env) for e in statement[1])
            elif kind == "range":
                self.range_loop(statement[1], statement[2], statement[3], env)

    def range_loop(self, targets: list[Any], expr: list[Any], body: list[Any], env: _Env) -> None:
        """A loop over a literal's elements runs its body once per element (a table of routes);
        over anything else, once with unknown values."""
        value = self.eval(expr, env)
        rounds: list[list[Any]] = [[None, None]]
        if isinstance(value, _Items) and value.values:
            rounds = [
                [_Str(k) if k is not None else None, v]
                for k, v in zip(value.keys, value.values, strict=False)
            ]
        for key_value in rounds:
            for target, item in zip(targets, key_value, strict=False):
                if target[0] == "id" and target[1] != "_":
                    env.vars[target[1]] = item
            self.block(body, env)

    def assign(
        self,
        targets: list[Any],
        exprs: list[Any],
        define: bool,
        env: _Env,
        conditional: bool = False,
    ) -> None:
        """Assignments; `if base != "" { r = r.PathPrefix(base).Subrouter() }` (a router
        variable given, under a condition, a sub-router of itself at a prefix the map cannot
        read) keeps the router: the routes are served without the optional prefix."""
        values = [self.eval(e, env) for e in exprs]
        if len(values) != len(targets):
            values = (
                values[:1] + [None] * (len(targets) - 1)
                if len(values) == 1
                else ([None] * len(targets))
            )
        same_count = len(exprs) == len(targets)
        for i, (target, value) in enumerate(zip(targets, values, strict=False)):
            if target[0] == "id":
                name = target[1]
                if name == "_" or (conditional and self.optional_prefix(name, value, env)):
                    continue
                source = exprs[i] if same_count else None
                if source and source[0] in ("id", "sel", "call"):
                    before = None if define else env.origin(name)
                    env.origins[name] = _Origin(source, env, before[1] if before else None)
                elif define or name in env.origins:
                    env.origins[name] = None
                if define or not env.assign(name, value):
                    if not define and (self.directory(env), name) in self.index.vars:
                        self.store_global(self.directory(env), name, value)
                    else:
                        env.vars[name] = value
            elif target[0] == "sel":
                owner = self.eval(target[1], env)
                if isinstance(owner, _Obj) and isinstance(value, _Router):
                    self.link(self.field_router(owner, target[2], value.rule), value)

    def optional_prefix(self, name: str, value: Any, env: _Env) -> bool:
        found, current = env.lookup(name)
        if not found or not isinstance(current, _Router) or not isinstance(value, _Router):
            return False
        node: _Router | None = value
        dynamic = False
        while node is not None and node is not current:
            dynamic = dynamic or routepath.DYNAMIC in node.prefix
            node = node.parent
        return node is current and dynamic

    def directory(self, env: _Env) -> str:
        return go_common.dirname(env.file)

    # -- routers in fields and package variables ---------------------------------------------

    def field_router(self, obj: _Obj, name: str, rule: RouterRule | None) -> _Router:
        key = (obj.directory, obj.name, name)
        node = self.fields.get(key)
        if node is None:
            node = _Router(rule)
            self.roots.append(node)
            self.fields[key] = node
        return node

    def link(self, alias: _Router, value: _Router) -> None:
        """`s.router = r`: the field's router is r (mounted at r's place)."""
        if alias is value or any(p is value for p, _ in alias.mounts):
            return
        alias.mounts.append((value, ""))
        if alias.rule is None:
            alias.rule = value.rule

    def store_global(self, directory: str, name: str, value: Any) -> None:
        current = self.global_value(directory, name)
        if isinstance(current, _Router) and isinstance(value, _Router):
            self.link(current, value)
        else:
            self.globals[(directory, name)] = value

    def global_value(self, directory: str, name: str) -> Any:
        key = (directory, name)
        if key in self.globals:
            return self.globals[key]
        file, (kind, expr) = self.index.vars[key]
        self.globals[key] = None  # no recursion through its own initializer
        value = self.eval(expr, _Env(file, None)) if expr else None
        if value is None:
            rule = self.router_type(kind, file)
            if rule is not None:
                value = _Router(rule)
                self.roots.append(value)
        self.globals[key] = value
        return value

    # -- expressions -------------------------------------------------------------------------

    def eval(self, expr: list[Any] | None, env: _Env) -> Any:
        if not expr or self.depth > MAX_DEPTH:
            return None
        self.depth += 1
        try:
            return self._eval(expr, env)
        finally:
            self.depth -= 1

    def _eval(self, expr: list[Any], env: _Env) -> Any:
        kind = expr[0]
        if kind == "str":
            return _Str(expr[1])
        if kind == "id":
            return self.name(expr[1], env)
        if kind == "add":
            return self.concat(self.eval(expr[1], env), self.eval(expr[2], env))
        if kind == "sel":
            return self.select(self.eval(expr[1], env), expr[2])
        if kind == "call":
            return self.eval_call(expr, env)
        if kind == "func":
            return _Closure(expr, env, env.file)
        if kind == "lit":
            return self.literal(expr, env)
        if kind == "list":
            return self.list_items(expr, env)
        return None

    def name(self, name: str, env: _Env) -> Any:
        found, value = env.lookup(name)
        if found:
            return value
        directory = self.directory(env)
        if (directory, name) in self.index.vars:
            return self.global_value(directory, name)
        path = self.imports(env.file).get(name)
        if path is not None:
            return _Pkg(path)
        return self.index.function(directory, name)

    def concat(self, left: Any, right: Any) -> _Str:
        def part(value: Any) -> tuple[str, bool]:
            if isinstance(value, _Str):
                return value.value, value.dynamic
            return routepath.DYNAMIC, True

        a, b = part(left), part(right)
        at = next((v.at for v in (left, right) if isinstance(v, _Str) and v.at), None)
        return _Str(a[0] + b[0], a[1] or b[1], at)

    def select(self, owner: Any, name: str) -> Any:
        if isinstance(owner, _Pkg):
            if name.startswith("Method") and name[len("Method") :].upper() in HTTP_METHODS:
                return _Str(name[len("Method") :].upper())  # http.MethodGet
            directory = self.index.package_dir(owner.path)
            if directory is not None and (directory, name) in self.index.vars:
                return self.global_value(directory, name)
            return self.index.function(directory, name) if directory is not None else None
        if isinstance(owner, _Record) and owner.values.get(name) is not None:
            value = owner.values[name]
            if isinstance(value, _Str) and value.at is None:
                return _Str(value.value, value.dynamic, owner.at)
            return value
        if isinstance(owner, _Obj):
            key = (owner.directory, owner.name, name)
            if key in self.fields:
                return self.fields[key]
            method = self.index.method(owner.directory, owner.name, name)
            if method is not None:
                return method
            kind = self.index.field_type(owner, name)
            struct = self.index.structs.get((owner.directory, owner.name))
            file = self.struct_file(owner) if struct is not None else None
            if kind is not None and file is not None:
                rule = self.router_type(kind, file)
                if rule is not None:
                    return self.field_router(owner, name, rule)
                return self.typed_in(kind, file)
        return None

    def embedded_router(self, obj: _Obj) -> _Router | None:
        """The router a struct embeds (`struct{ *echo.Group }`: its methods are the struct's)."""
        struct = self.index.structs.get((obj.directory, obj.name))
        file = self.struct_file(obj)
        if struct is None or file is None:
            return None
        for name, kind in struct["fields"].items():
            if isinstance(kind, list) and kind[1] == name and self.router_type(kind, file):
                value = self.select(obj, name)
                return value if isinstance(value, _Router) else None
        return None

    def struct_file(self, obj: _Obj) -> str | None:
        return self.index.struct_files.get((obj.directory, obj.name))

    def literal(
        self,
        expr: list[Any],
        env: _Env,
        hint: tuple[list[Any] | None, str] | None = None,
        entry: bool = False,
    ) -> Any:
        """A struct literal → a _Record (routers in its fields are linked to the fields); a
        literal of a named slice or map type → its _Items. `hint`: the type (and the file it is
        written in) of a literal written without one; `entry`: an element of a table, whose
        routes are placed where it is written."""
        _, kind, _, keyed, positional = expr
        kind_file = env.file
        if kind is None and hint is not None:
            kind, kind_file = hint
        value = self.typed_in(kind, kind_file)
        if isinstance(value, _Obj):
            struct = self.index.structs[(value.directory, value.name)]
            at = (env.file, expr[2]) if entry else None
            record = _Record(value.directory, value.name, at=at)
            pairs = list(keyed.items()) + list(zip(struct["fields"], positional, strict=False))
            for key, item in pairs:
                item_value = self.eval(item, env)
                record.values[key] = item_value
                record.exprs[key] = (item, env)
                if isinstance(item_value, _Router):
                    self.link(self.field_router(value, key, item_value.rule), item_value)
            return record
        element = self.list_element(kind, kind_file)
        if element is not None:
            items = (positional or list(keyed.values()))[:MAX_ITEMS]
            keys: list[str | None] = [None] * len(items) if positional else list(keyed)
            return _Items([self.eval_element(i, env, element) for i in items], keys)
        return None

    def list_items(self, expr: list[Any], env: _Env) -> _Items:
        _, items, keys = expr
        values = [
            self.literal(i, env, entry=True) if i[0] == "lit" else self.eval(i, env)
            for i in items[:MAX_ITEMS]
        ]
        return _Items(values, keys[:MAX_ITEMS])

    def eval_element(
        self, item: list[Any], env: _Env, element: tuple[str, list[Any] | None]
    ) -> Any:
        """An element of a named list type's literal; one written without its type
        (`Routes{{"GET", "/x", h}}`) has the list's element type (declared in element[0])."""
        if item[0] == "lit":
            hint = (element[1], element[0]) if item[1] is None else None
            return self.literal(item, env, hint, entry=True)
        return self.eval(item, env)

    def list_element(
        self, kind: list[Any] | None, file: str
    ) -> tuple[str, list[Any] | None] | None:
        """(file of the declaration, element type) of a named slice/map type of the service."""
        if not kind or kind[1] is None:
            return None
        if kind[0] is None:
            return self.index.lists.get((go_common.dirname(file), kind[1]))
        import_path = self.imports(file).get(kind[0])
        directory = self.index.package_dir(import_path) if import_path else None
        return self.index.lists.get((directory, kind[1])) if directory is not None else None

    def eval_call(self, expr: list[Any], env: _Env) -> Any:
        _, function, arg_exprs, line = expr
        if function[0] == "sel":
            owner = self.eval(function[1], env)
            name = function[2]
            if isinstance(owner, _Router):
                return self.router_call(owner, name, arg_exprs, env, line)
            if isinstance(owner, _Builder):
                return self.builder_call(owner, name, arg_exprs, env, line)
            if isinstance(owner, _Registration):
                return self.registration_call(owner, name, arg_exprs, env)
            args = [self.eval(a, env) for a in arg_exprs]
            if isinstance(owner, _Pkg):
                return self.package_call(owner, name, arg_exprs, args, env, line)
            if isinstance(owner, _Obj):
                decl = self.index.method(owner.directory, owner.name, name)
                site = (env.file, line)
                if decl is None:
                    embedded = self.embedded_router(owner)
                    if embedded is not None:  # a method promoted from an embedded router
                        return self.router_call(embedded, name, arg_exprs, env, line)
                    return None
                return self.call(decl, args, owner, site=site, caller=(arg_exprs, env))
            if owner is None and any(isinstance(a, _Router) for a in args):
                decl = self.index.only_method(name)
                return self.call(decl, args, None) if decl is not None else None
            return None
        args = [self.eval(a, env) for a in arg_exprs]
        if function[0] == "id":
            found, value = env.lookup(function[1])
            if found:
                if isinstance(value, _Decl):  # a function taken from a table of them
                    return self.call(value, args, None, site=(env.file, line))
                return self.call_closure(value, args) if isinstance(value, _Closure) else None
            decl = self.index.function(self.directory(env), function[1])
            if decl is None and function[1] in BUILTINS:
                return BUILTINS[function[1]](args)
            if decl is None:
                return None
            return self.call(decl, args, None, site=(env.file, line), caller=(arg_exprs, env))
        if function[0] == "func":
            return self.call_closure(_Closure(function, env, env.file), args)
        return None

    def package_call(
        self, pkg: _Pkg, name: str, arg_exprs: list[Any], args: list[Any], env: _Env, line: int
    ) -> Any:
        rule = self.rule_of(pkg.path)
        if rule is not None:
            if name in rule.constructors:
                node = _Router(rule)
                self.roots.append(node)
                return node
            if rule.default_router and (name in rule.path_only):
                default = self.default_routers.get(pkg.path)
                if default is None:
                    default = self.default_routers[pkg.path] = _Router(rule)
                    self.roots.append(default)
                return self.router_call(default, name, arg_exprs, env, line)
            # http.StripPrefix(prefix, h), http.HandlerFunc(f) …: the router they wrap
            return next((a for a in args if isinstance(a, _Router)), None)
        operation = STRING_FUNCTIONS.get((pkg.path, name))
        if operation is not None:
            return _string_function(operation, args)
        directory = self.index.package_dir(pkg.path)
        decl = self.index.function(directory, name) if directory is not None else None
        return self.call(decl, args, None, site=(env.file, line)) if decl is not None else None

    # -- router calls ------------------------------------------------------------------------

    def router_call(
        self, node: _Router, name: str, arg_exprs: list[Any], env: _Env, line: int
    ) -> Any:
        rule = node.rule or self.fallback_rule
        if rule is None:
            return None
        if name in rule.methods:
            return self.register(node, rule, [rule.methods[name]], arg_exprs, 0, env, line)
        if name in rule.method_first and len(arg_exprs) >= 2:
            methods = self.methods_of(arg_exprs[0], env)
            return self.register(node, rule, methods, arg_exprs, 1, env, line)
        if name in rule.path_only and arg_exprs:
            return self.register(node, rule, ["ANY"], arg_exprs, 0, env, line)
        if (name in rule.static or name in rule.static_file) and arg_exprs:
            path = self.eval(arg_exprs[0], env)
            if not isinstance(path, _Str):
                path = _Str(routepath.DYNAMIC, True)
            if name in rule.static:  # a directory: every file under the prefix
                path = _Str(routepath.join(path.value, rule.static_param), path.dynamic)
            return self.add_route(node, ["GET"], path, None, env, line)
        if name in rule.group:
            prefix = self.eval(arg_exprs[0], env) if arg_exprs else _Str("")
            return node.child(self.path_text(prefix))
        if name in rule.scope and len(arg_exprs) >= 2:
            prefix = self.eval(arg_exprs[0], env)
            sub = node.child(self.path_text(prefix))
            self.enter(self.eval(arg_exprs[1], env), sub, env)
            return sub
        if name in rule.inline_scope and arg_exprs:
            sub = node.child("")
            self.enter(self.eval(arg_exprs[0], env), sub, env)
            return sub
        if name in rule.same:
            for a in arg_exprs:
                self.eval(a, env)
            return node
        if (name in rule.mount or name in rule.mount_if_router) and len(arg_exprs) >= 2:
            prefix = self.path_text(self.eval(arg_exprs[0], env))
            target = self.eval(arg_exprs[1], env)
            if isinstance(target, _Router):
                self.mount(node, prefix, target)
            elif name in rule.mount:
                self.add_route(node, ["ANY"], _Str(prefix), arg_exprs[1], env, line)
            return None
        if name in rule.builder_path or name in rule.builder_prefix:
            path = self.eval(arg_exprs[0], env) if arg_exprs else None
            at = path.at if isinstance(path, _Str) else None
            return _Builder(node, path=self.path_text(path), at=at)
        if name in rule.builder_methods:
            return _Builder(node, methods=self.method_list(arg_exprs, env))
        if name in rule.builder_new:
            return _Builder(node)
        return None

    def enter(self, target: Any, sub: _Router, env: _Env) -> None:
        """Call a scope's function (closure or named function) with the sub-router."""
        if isinstance(target, _Closure):
            self.call_closure(target, [sub])
        elif isinstance(target, _Decl):
            self.call(target, [sub], None)

    def mount(self, parent: _Router, prefix: str, target: _Router) -> None:
        if target is parent:
            return
        target.mounts.append((parent, prefix))

    def builder_call(
        self, builder: _Builder, name: str, arg_exprs: list[Any], env: _Env, line: int
    ) -> Any:
        rule = builder.router.rule or self.fallback_rule
        if rule is None:
            return None
        if name in rule.builder_path or name in rule.builder_prefix:
            path = self.eval(arg_exprs[0], env) if arg_exprs else None
            return _Builder(
                builder.router,
                routepath.join(builder.path, self.path_text(path)),
                builder.methods,
                (path.at if isinstance(path, _Str) else None) or builder.at,
            )
        if name in rule.builder_methods:
            methods = self.method_list(arg_exprs, env)
            return _Builder(builder.router, builder.path, methods, builder.at)
        if name in rule.builder_subrouter:
            return builder.router.child(builder.path)
        if name in rule.builder_handler and arg_exprs:
            target = self.eval(arg_exprs[0], env)
            if isinstance(target, _Router):
                self.mount(builder.router, builder.path, target)
                return None
            methods = builder.methods or ["ANY"]
            path_value = _Str(builder.path, at=builder.at)
            return self.add_route(builder.router, methods, path_value, arg_exprs[0], env, line)
        return builder  # Host, Schemes, Headers, Queries, Name …: same route

    def registration_call(
        self, registration: _Registration, name: str, arg_exprs: list[Any], env: _Env
    ) -> Any:
        rule = registration.rule
        if rule is not None and name in rule.restrict:
            methods = self.method_list(arg_exprs, env)
            for route in registration.routes:
                route.methods = methods
        return registration

    def register(
        self,
        node: _Router,
        rule: RouterRule,
        methods: list[str],
        arg_exprs: list[Any],
        path_index: int,
        env: _Env,
        line: int,
    ) -> Any:
        if len(arg_exprs) <= path_index:
            return None
        path_value = self.eval(arg_exprs[path_index], env)
        handlers = arg_exprs[path_index + 1 :]
        if not isinstance(path_value, _Str):
            path_value = _Str(routepath.DYNAMIC, True)
        if rule.patterns:
            methods, path_value = self.pattern(methods, path_value)
        if rule.path_only and handlers and methods == ["ANY"]:
            target = self.eval(handlers[0], env)
            if isinstance(target, _Router):
                self.mount(node, path_value.value, target)
                return None
        handler = None
        if handlers:
            handler = handlers[0] if rule.handler == "first" else handlers[-1]
        return self.add_route(node, methods, path_value, handler, env, line)

    def pattern(self, methods: list[str], value: _Str) -> tuple[list[str], _Str]:
        """A Go 1.22 ServeMux pattern: "[METHOD ][HOST]/path", `{name...}` and `{$}`."""
        text = value.value.strip()
        head, _, rest = text.partition(" ")
        if rest and head.upper() in HTTP_METHODS:
            methods = [head.upper()]
            text = rest.strip()
        slash = text.find("/")
        if slash > 0 and routepath.DYNAMIC not in text[:slash]:  # a host, not `base + "/x"`
            text = text[slash:]
        text = text.replace("{$}", "")
        text = re.sub(r"\{(\w+)\.\.\.\}", r"{\1}", text)
        return methods, _Str(text, value.dynamic, value.at)

    def add_route(
        self,
        node: _Router,
        methods: list[str],
        path: _Str,
        handler_expr: list[Any] | None,
        env: _Env,
        line: int,
    ) -> _Registration:
        handler, handler_at = self.handler(handler_expr, env)
        file, line = path.at or (env.file, line)
        route = _Route(list(methods), path.value, path.dynamic, handler, handler_at, file, line)
        route.standalone = self.standalone_key
        node.routes.append(route)
        return _Registration([route], node.rule or self.fallback_rule)

    # -- arguments ---------------------------------------------------------------------------

    def path_text(self, value: Any) -> str:
        return value.value if isinstance(value, _Str) else routepath.DYNAMIC

    def method_list(self, arg_exprs: list[Any], env: _Env) -> list[str]:
        out: list[str] = []
        for expr in arg_exprs:
            out.extend(self.methods_of(expr, env))
        return out or ["ANY"]

    def methods_of(self, expr: list[Any], env: _Env) -> list[str]:
        """`"GET"`, `http.MethodGet`, `[]string{"GET", "POST"}` → HTTP methods."""
        if expr[0] == "list":
            return [m for item in expr[1] for m in self.methods_of(item, env)]
        if expr[0] == "sel":
            owner = self.eval(expr[1], env)
            if isinstance(owner, _Record) and expr[2] in owner.exprs:
                return self.methods_of(*owner.exprs[expr[2]])  # a route table's method
        if expr[0] == "sel" and expr[2][len("Method") :].upper() in HTTP_METHODS:
            return [expr[2][len("Method") :].upper()]  # http.MethodGet
        value = self.eval(expr, env)
        if isinstance(value, _Str) and value.value.upper() in HTTP_METHODS:
            return [value.value.upper()]
        return ["ANY"]

    # -- handlers ----------------------------------------------------------------------------

    def handler(
        self, expr: list[Any] | None, env: _Env
    ) -> tuple[str | None, tuple[str, int] | None]:
        """The handler as written and where it is defined: a function, a method (through the
        receiver's type), a closure; a wrapper call (`auth(h.Get)`) is looked through."""
        if not expr:
            return None, None
        if expr[0] == "func":
            return None, (env.file, expr[3])
        if expr[0] == "call":
            traced: str | None = None  # a parameter followed to the caller's argument
            for arg in reversed(expr[2]):
                if arg[0] == "func" and not arg[1]:
                    continue  # `func() bool { … }`: an option, not a handler (it has no request)
                name, place = self.handler(arg, env)
                if place is not None:
                    return name, place
                if arg[0] == "id" and env.origin(arg[1]) is not None:
                    traced = name
            function = expr[1]
            if function[0] == "sel" and function[1] and function[1][0] == "call":
                return self.handler(function[1], env)  # chain(h, m...).toEchoHandler()
            if traced is not None:
                return traced, None
            return _expr_text(expr), self.factory_place(expr[1], env)
        if expr[0] == "id":
            origin = env.origin(expr[1])
            if origin is not None and self.depth < MAX_DEPTH:
                return self.origin_handler(expr[1], *origin)
            found, value = env.lookup(expr[1])
            if found and isinstance(value, _Closure):
                # a function literal the caller passed is anonymous; a local one has a name
                name = expr[1] if value.env is env else None
                return name, (value.file, value.expr[3])
            if found and isinstance(value, _Decl):  # a parameter given a function or method
                name = f"{value.receiver_type}.{value.name}" if value.receiver_type else value.name
                return name, (value.file, value.data["line"])
            decl = self.index.function(self.directory(env), expr[1])
            return expr[1], (decl.file, decl.data["line"]) if decl is not None else None
        if expr[0] == "sel":
            owner = self.eval(expr[1], env)
            if isinstance(owner, _Record) and expr[2] in owner.exprs:
                return self.handler(*owner.exprs[expr[2]])  # route.Handler of a route table
            return _expr_text(expr), self.member_place(owner, expr[2])
        return _expr_text(expr) or None, None

    def origin_handler(
        self, name: str, holder: _Env, origin: _Origin
    ) -> tuple[str | None, tuple[str, int] | None]:
        """The handler a variable holds: the expression assigned to it, read with the variable
        standing for what it held before (`h = logged(h)`)."""
        holder.origins[name] = origin.previous
        self.depth += 1
        try:
            return self.handler(origin.expr, origin.env)
        finally:
            self.depth -= 1
            holder.origins[name] = origin

    def factory_place(self, function: list[Any], env: _Env) -> tuple[str, int] | None:
        """Where a function of the service returning the handler is defined (`serveFile("x")`,
        `handlers.Static(dir)`); a method only when it makes a handler without taking one
        (`ctrl.HandleItemGet()` returning a HandlerFunc), as other methods mostly wrap one."""
        decl: _Decl | None = None
        if function[0] == "id" and not env.lookup(function[1])[0]:
            decl = self.index.function(self.directory(env), function[1])
        elif function[0] == "sel" and function[1][0] == "id":
            owner = self.name(function[1][1], env)
            if isinstance(owner, _Pkg):
                directory = self.index.package_dir(owner.path)
                decl = self.index.function(directory, function[2]) if directory else None
            elif isinstance(owner, _Obj):
                method = self.index.method(owner.directory, owner.name, function[2])
                decl = method if method is not None and _handler_factory(method) else None
        return (decl.file, decl.data["line"]) if decl is not None else None

    def member_place(self, owner: Any, name: str) -> tuple[str, int] | None:
        decl: _Decl | None = None
        if isinstance(owner, _Pkg):
            directory = self.index.package_dir(owner.path)
            decl = self.index.function(directory, name) if directory is not None else None
        elif isinstance(owner, _Obj):
            decl = self.index.method(owner.directory, owner.name, name)
        if decl is None and not isinstance(owner, _Pkg):
            decl = self.index.only_method(name)
        return (decl.file, decl.data["line"]) if decl is not None else None

    # -- results -----------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        out: list[Endpoint] = []
        seen: set[int] = set()
        for root in self.roots:
            for node in _walk(root):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                prefixes = self.prefixes(node, set())
                for route in _first_registrations(node.routes):
                    if route.dynamic and route.standalone in self.called_with_values:
                        continue  # read with unknown strings; its calls give the real paths
                    if route.dynamic and self.unused_wrapper(route.standalone):
                        continue
                    for prefix in prefixes:
                        out.extend(self.endpoint(route, prefix, node.rule))
        return out

    def unused_wrapper(self, key: str | None) -> bool:
        """A method registering a route at the path its caller gives that nobody calls
        (`func (r *Router) PATCH(path string, h Handler)`): it serves nothing."""
        if key is None or key in self.called:
            return False
        decl = self.index.by_key.get(key)
        return decl is not None and decl.receiver_type is not None and self.registrar(decl)

    def prefixes(self, node: _Router, visiting: set[int]) -> list[tuple[str, bool]]:
        """Every absolute prefix of a router (and whether it is dynamic); none for the
        stand-in of a parameter whose function is also called with a real router."""
        if id(node) in visiting:
            return []
        visiting = visiting | {id(node)}
        out: list[tuple[str, bool]] = []
        if node.parent is not None:
            for prefix, dynamic in self.prefixes(node.parent, visiting):
                out.append(
                    (
                        _join(node.rule, prefix, node.prefix),
                        dynamic or routepath.DYNAMIC in node.prefix,
                    )
                )
        for parent, at in node.mounts:
            for prefix, dynamic in self.prefixes(parent, visiting):
                out.append((routepath.join(prefix, at), dynamic or routepath.DYNAMIC in at))
        unbound = node.owner is None or node.owner not in self.bound
        if node.parent is None and not node.mounts and unbound:
            out.append(("", False))
        return list(dict.fromkeys(out))

    def endpoint(
        self, route: _Route, prefix: tuple[str, bool], rule: RouterRule | None
    ) -> Iterator[Endpoint]:
        path = _join(rule, prefix[0], route.path)
        dynamic = prefix[1] or route.dynamic or routepath.DYNAMIC in path
        for method in dict.fromkeys(route.methods):
            yield Endpoint(
                method=method,
                path=path,
                handler=route.handler,
                file=route.file,
                line=route.line,
                handler_file=route.handler_at[0] if route.handler_at else None,
                handler_line=route.handler_at[1] if route.handler_at else None,
                dynamic=dynamic,
            )


REGISTRATION_NAMES = frozenset(
    name
    for rule in ROUTERS
    for names in (
        tuple(rule.methods),
        rule.method_first,
        rule.path_only,
        rule.static,
        rule.static_file,
        rule.builder_path,
        rule.builder_prefix,
        rule.group,
        rule.scope,
        rule.mount,
    )
    for name in names
)


_HANDLER_TYPE = re.compile(r"(?:Handler|HandlerFunc|Handle)$")


def _handler_factory(decl: _Decl) -> bool:
    """A method returning a handler type (`http.HandlerFunc`, `echo.HandlerFunc`,
    `fiber.Handler`) that takes no handler itself: it makes the handler, not wraps one."""
    results = decl.data.get("results") or []
    makes = any(k and _HANDLER_TYPE.search(str(k[1] or "")) for k in results)
    wraps = any(k and _HANDLER_TYPE.search(str(k[1] or "")) for _, k in decl.data["params"])
    return bool(makes) and not wraps


def _memo_key(value: Any) -> Any:
    """What of an argument makes a function's evaluation differ: the router or closure it
    is, a string's value."""
    if isinstance(value, (_Router, _Closure)):
        return id(value)
    if isinstance(value, _Str):
        return ("str", value.value, value.dynamic)
    if isinstance(value, _Record):  # a struct holding routers: which routers
        return tuple(id(v) for v in value.values.values() if isinstance(v, _Router)) or None
    return None


def _calls_any(node: Any, names: frozenset[str]) -> bool:
    """Whether an outline (statements, expressions) calls a method named in `names`."""
    stack = [node]
    while stack:
        item = stack.pop()
        if not isinstance(item, list):
            continue
        if item and item[0] == "call" and len(item) > 1:
            function = item[1]
            if isinstance(function, list) and function[:1] == ["sel"] and function[2] in names:
                return True
        stack.extend(item)
    return False


def _first_registrations(routes: list[_Route]) -> list[_Route]:
    """A router's routes without a later registration of the same methods and path (the
    if/else branches of a function both registering `/css/`: one route is served)."""
    seen: set[tuple[tuple[str, ...], str]] = set()
    out: list[_Route] = []
    for route in routes:
        key = (tuple(route.methods), route.path)
        if key not in seen:
            seen.add(key)
            out.append(route)
    return out


def _join(rule: RouterRule | None, prefix: str, path: str) -> str:
    """A path under a prefix: joined with one '/', or glued to it when the router concatenates
    (echo: `g := e.Group("/user"); g.GET("s", h)` serves /users)."""
    if rule is not None and rule.concat_paths and path and not path.startswith("/"):
        return routepath.normalize(prefix + path)
    return routepath.join(prefix, path)


def _string_function(operation: str, args: list[Any]) -> _Str:
    """`strings.ToUpper("Post")`, `path.Join("/api", version)`: the string, `{dynamic}` where an
    argument is not known."""
    if not args or not all(isinstance(a, _Str) for a in args):
        return _Str(routepath.DYNAMIC, True)
    if operation == "upper":
        return _Str(args[0].value.upper(), args[0].dynamic)
    if operation == "lower":
        return _Str(args[0].value.lower(), args[0].dynamic)
    joined = "/".join(a.value for a in args if a.value)
    return _Str(re.sub("/+", "/", joined), any(a.dynamic for a in args))


def _append(args: list[Any]) -> _Items | None:
    """`append(slice, items...)`: a new slice of the known elements (`routes = append(routes,
    registerUsers)` in an init function)."""
    if not args:
        return None
    first = args[0]
    values = list(first.values) if isinstance(first, _Items) else []
    keys = list(first.keys) if isinstance(first, _Items) else []
    added = [a for a in args[1:] if a is not None]
    return _Items(values + added, keys + [None] * len(added))


def _make(args: list[Any]) -> _Items:
    """`make([]T, n)`: an empty slice (or map)."""
    return _Items([], [])


BUILTINS: dict[str, Any] = {"append": _append, "make": _make}


def _walk(root: _Router) -> Iterator[_Router]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _expr_text(expr: list[Any]) -> str:
    kind = expr[0]
    if kind == "id":
        return str(expr[1])
    if kind == "sel":
        return f"{_expr_text(expr[1])}.{expr[2]}"
    if kind == "call":
        return f"{_expr_text(expr[1])}(…)"
    if kind == "str":
        return f'"{expr[1]}"'
    return ""


# ---------------------------------------------------------------------------------------------
# files without a router import: only their package-level string constants and variables
# (`const APIPrefix = "/api/v1"` in a config package), read without parsing
# ---------------------------------------------------------------------------------------------

ROUTER_MARKERS = tuple(f'"{p}'.encode() for rule in ROUTERS for p in rule.imports)
DECLARATION_MARKERS = (b"\nconst", b"\nvar")

_STRING = r'"(?:[^"\\\n]|\\.)*"|`[^`]*`'
_OPERAND = rf"(?:{_STRING}|[A-Za-z_]\w*)"
_VALUE = rf"({_OPERAND}(?:[ \t]*\+[ \t]*{_OPERAND})*)(?=[ \t]*(?://[^\n]*)?$)"
_SINGLE = re.compile(rf"^(?:const|var)[ \t]+(\w+)(?:[ \t]+string)?[ \t]*=[ \t]*{_VALUE}", re.M)
_BLOCK = re.compile(r"^(?:const|var)[ \t]*\((.*?)^\)", re.M | re.S)
_IN_BLOCK = re.compile(rf"^[ \t]+(\w+)(?:[ \t]+string)?[ \t]*=[ \t]*{_VALUE}", re.M)
_PACKAGE = re.compile(rb"^package[ \t]+(\w+)", re.M)


def _string_constants(text: str) -> dict[str, Any]:
    """name → [None, expression] of the package-level string constants and variables."""
    out: dict[str, Any] = {}
    found = [m.groups() for m in _SINGLE.finditer(text)]
    for block in _BLOCK.finditer(text):
        found.extend(m.groups() for m in _IN_BLOCK.finditer(block.group(1)))
    for name, value in found:
        expr = _value_expr(value)
        if expr is not None:
            out[name] = [None, expr]
    return out


def _value_expr(text: str) -> list[Any] | None:
    """`"/api" + Version` → ["add", ["str", "/api"], ["id", "Version"]]."""
    expr: list[Any] | None = None
    for operand in re.findall(_OPERAND, text):
        if operand[0] in '"`':
            item: list[Any] = ["str", _unquote(operand)]
        elif operand in ("true", "false", "nil", "iota"):
            return None
        else:
            item = ["id", operand]
        expr = item if expr is None else ["add", expr, item]
    return expr


def _unquote(literal: str) -> str:
    if literal[0] == "`":
        return literal[1:-1]
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


class GoRoutes(Extractor):
    """Routes of gin, echo, chi, fiber, gorilla/mux, httprouter and net/http."""

    name: ClassVar[str] = "go-routes"
    version: ClassVar[int] = 5
    extensions: ClassVar[frozenset[str]] = frozenset({".go"})
    markers: ClassVar[tuple[bytes, ...]] = ROUTER_MARKERS + DECLARATION_MARKERS
    languages: ClassVar[frozenset[str]] = frozenset({"go"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        if not any(marker in source for marker in ROUTER_MARKERS):
            return self.constants(source)
        tree = syntax.parse("go", source)
        facts = _Outline().file(tree.root_node)
        if not facts["funcs"] and not facts["vars"] and not facts["structs"]:
            return None
        return facts

    def constants(self, source: bytes) -> FileFacts | None:
        """The string constants of a file without a router import (no parse)."""
        package = _PACKAGE.search(source)
        constants = _string_constants(source.decode("utf-8", "replace"))
        if package is None or not constants:
            return None
        return {
            "package": package.group(1).decode(),
            "imports": {},
            "vars": constants,
            "structs": {},
            "lists": {},
            "funcs": [],
        }

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(endpoints=_Interpreter(facts, ctx).run())


EXTRACTORS = [GoRoutes]
