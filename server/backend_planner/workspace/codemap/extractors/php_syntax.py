"""PHP reading shared by the Laravel extractors: names resolved through `namespace`/`use`,
call chains (`Route::prefix('x')->middleware('y')->group(...)`), and constant values
(strings, concatenations, arrays, `X::class`, `__DIR__`, `base_path()` …) evaluated statically.

Values are plain Python: str, bool, int, float, None, `ClassRef` (an `X::class`), `PhpArray`
(an array literal, keeping keyed and positional items in order), or `UNKNOWN` when the code
computes it at run time. File paths keep the application's root as the `BASE` marker, resolved
against the service directory later (extraction does not know it).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax

if TYPE_CHECKING:
    from tree_sitter import Node

BASE = "@base"  # the application's root directory (base_path())


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

# Laravel's path helpers: function → directory under the application's root
PATH_HELPERS = {
    "base_path": "",
    "app_path": "app",
    "database_path": "database",
    "resource_path": "resources",
    "config_path": "config",
    "storage_path": "storage",
    "public_path": "public",
}

CALL_TYPES = ("member_call_expression", "scoped_call_expression", "nullsafe_member_call_expression")
CLOSURE_TYPES = ("anonymous_function", "arrow_function", "anonymous_function_creation_expression")


@dataclass(frozen=True)
class ClassRef:
    """`X::class`, X resolved to its fully qualified name."""

    name: str


@dataclass
class PhpArray:
    """An array literal: items as (key or None, value), in order."""

    items: list[tuple[Any, Any]] = field(default_factory=list)

    def values(self) -> list[Any]:
        return [v for _, v in self.items]

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.items:
            if k == key:
                return v
        return default

    def strings(self) -> list[str]:
        return [v for v in self.values() if isinstance(v, str)]


@dataclass
class Names:
    """How class names are written in one file: its namespace and `use` imports."""

    namespace: str = ""
    uses: dict[str, str] = field(default_factory=dict)  # alias → fully qualified name
    # string properties of the file's classes, read as `$this->name` (a provider's
    # `protected $namespace = 'App\Http\Controllers'`)
    properties: dict[str, str] = field(default_factory=dict)
    # variables with a static value: top-level `$prefix = 'api/v1';` assigned once, and what
    # a reader binds while it walks (a migration's `foreach ($tables as $table)`)
    variables: dict[str, Any] = field(default_factory=dict)

    def resolve(self, written: str) -> str:
        """The fully qualified name (no leading backslash) of a class name as written."""
        written = written.strip()
        if written.startswith("\\"):
            return written[1:]
        if written.lower() == "namespace\\" or written.lower().startswith("namespace\\"):
            written = written[len("namespace\\") :]
            return f"{self.namespace}\\{written}" if self.namespace else written
        head, sep, rest = written.partition("\\")
        if head in self.uses:
            return self.uses[head] + (sep + rest if sep else "")
        return f"{self.namespace}\\{written}" if self.namespace else written


def read_names(root: Node) -> Names:
    """The file's namespace and imported classes (first namespace only for alias lookups)."""
    names = Names()
    classes = []
    assignments = []
    for node in top_level(root):
        if node.type == "namespace_definition" and not names.namespace:
            names.namespace = syntax.text(node.child_by_field_name("name"))
        elif node.type == "namespace_use_declaration":
            _read_use(node, names)
        elif node.type == "class_declaration":
            classes.append(node)
        elif node.type == "expression_statement" and node.named_children:
            assignments.append(node.named_children[0])
    for node in classes:
        _read_properties(node, names)
    _read_variables(assignments, names)
    return names


def _read_variables(expressions: list[Node], names: Names) -> None:
    """Top-level `$name = <constant>;` assignments; a variable assigned twice is not static."""
    seen: set[str] = set()
    for node in expressions:
        target = assigned_variable(node)
        if target is None:
            continue
        if target in seen:
            names.variables.pop(target, None)
            continue
        seen.add(target)
        value = evaluate(node.child_by_field_name("right"), names, "")
        if value is not UNKNOWN:
            names.variables[target] = value


def assigned_variable(node: Node) -> str | None:
    """The variable name of `$name = value` (None for other expressions)."""
    if node.type != "assignment_expression":
        return None
    left = node.child_by_field_name("left")
    if left is None or left.type != "variable_name":
        return None
    return syntax.text(left)


def _read_properties(node: Node, names: Names) -> None:
    body = node.child_by_field_name("body")
    for member in body.named_children if body is not None else []:
        if member.type != "property_declaration":
            continue
        for element in member.named_children:
            if element.type == "property_element":
                name = syntax.text(element.child_by_field_name("name")).lstrip("$")
                value = evaluate(element.child_by_field_name("default_value"), names, "")
                if isinstance(value, str):
                    names.properties.setdefault(name, value)


def top_level(root: Node) -> list[Node]:
    out = []
    for node in root.named_children:
        out.append(node)
        if node.type == "namespace_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                out.extend(body.named_children)
    return out


def _read_use(node: Node, names: Names) -> None:
    kinds = {c.type for c in node.children}
    if "function" in kinds or "const" in kinds:
        return
    prefix = ""
    for child in node.named_children:
        if child.type == "namespace_name":
            prefix = syntax.text(child)
        elif child.type == "namespace_use_clause":
            _add_use(child, prefix, names)
        elif child.type == "namespace_use_group":
            for clause in child.named_children:
                if clause.type == "namespace_use_clause":
                    _add_use(clause, prefix, names)


def _add_use(clause: Node, prefix: str, names: Names) -> None:
    alias = clause.child_by_field_name("alias")
    target = next((c for c in clause.named_children if c != alias), None)
    if target is None:
        return
    full = syntax.text(target).lstrip("\\")
    if prefix:
        full = f"{prefix.strip(chr(92))}\\{full}"
    short = syntax.text(alias) if alias is not None else full.rsplit("\\", 1)[-1]
    names.uses[short] = full


@dataclass
class Call:
    """One call of a chain: `->name(arguments)`."""

    name: str
    node: Node  # the call expression
    name_node: Node
    args: list[Node]  # positional argument values
    named: dict[str, Node]  # named argument values

    @property
    def line(self) -> int:
        return syntax.line(self.name_node)


@dataclass
class Chain:
    """`Root::a(...)->b(...)->c(...)`: the root (a scope name or an object expression) and the
    calls from the innermost outwards."""

    root: Node
    static: bool  # the first call is `Root::a(...)`
    calls: list[Call]

    def root_name(self) -> str:
        return syntax.text(self.root)


def call_chain(node: Node) -> Chain | None:
    """The chain whose outermost call is `node` (None if `node` is not a method call)."""
    calls: list[Call] = []
    current: Node | None = node
    while current is not None and current.type in CALL_TYPES:
        name_node = current.child_by_field_name("name")
        args_node = current.child_by_field_name("arguments")
        if name_node is None:
            return None
        args, named = arguments(args_node)
        calls.append(Call(syntax.text(name_node), current, name_node, args, named))
        field_name = "scope" if current.type == "scoped_call_expression" else "object"
        parent = current
        current = current.child_by_field_name(field_name)
        if current is None:
            return None
        if parent.type == "scoped_call_expression":
            calls.reverse()
            return Chain(current, True, calls)
    if current is None or not calls:
        return None
    calls.reverse()
    return Chain(current, False, calls)


def arguments(args_node: Node | None) -> tuple[list[Node], dict[str, Node]]:
    """Positional and named argument values of an `arguments` node."""
    positional: list[Node] = []
    named: dict[str, Node] = {}
    if args_node is None:
        return positional, named
    for arg in args_node.named_children:
        if arg.type != "argument":
            continue
        name = arg.child_by_field_name("name")
        values = [c for c in arg.named_children if c != name]
        if not values:
            continue
        if name is not None:
            named[syntax.text(name)] = values[-1]
        elif any(c.type == "..." for c in arg.children):
            continue
        else:
            positional.append(values[-1])
    return positional, named


def argument(call: Call, index: int, name: str | None = None) -> Node | None:
    """A call's argument by position, or by name when given that way."""
    if name is not None and name in call.named:
        return call.named[name]
    return call.args[index] if 0 <= index < len(call.args) else None


def evaluate(node: Node | None, names: Names, path: str) -> Any:
    """The static value of an expression in file `path` (UNKNOWN when computed at run time)."""
    if node is None:
        return UNKNOWN
    kind = node.type
    if kind in ("string", "encapsed_string"):
        value = syntax.string_value(node)
        if value is None:
            return UNKNOWN
        if kind == "string":  # single quotes: only \\ and \' are escapes
            return re.sub(r"\\([\\'])", r"\1", value)
        return re.sub(r'\\([\\"$])', r"\1", value)
    if kind == "integer":
        try:
            return int(syntax.text(node), 0)
        except ValueError:
            return UNKNOWN
    if kind == "boolean":
        return syntax.text(node).lower() == "true"
    if kind == "null":
        return None
    if kind == "parenthesized_expression" and node.named_children:
        return evaluate(node.named_children[0], names, path)
    if kind == "binary_expression":
        return _concat(node, names, path)
    if kind == "variable_name":
        return names.variables.get(syntax.text(node), UNKNOWN)
    if kind == "name" and syntax.text(node) == "__DIR__":
        return posixpath.dirname(path) or "."
    if kind == "class_constant_access_expression":
        return _class_constant(node, names)
    if kind == "member_access_expression":
        target = node.child_by_field_name("object")
        if syntax.text(target) == "$this":
            return names.properties.get(syntax.text(node.child_by_field_name("name")), UNKNOWN)
        return UNKNOWN
    if kind == "array_creation_expression":
        return _array(node, names, path)
    if kind == "function_call_expression":
        return _function_call(node, names, path)
    return UNKNOWN


def evaluate_path(node: Node | None, names: Names, path: str, dynamic: str) -> tuple[str, bool]:
    """A URL path expression: its static value, with `dynamic` in place of each part computed
    at run time (`'tenants/' . $tenant . '/users'` → `tenants/{dynamic}/users`); and whether
    any part was."""
    value, dynamic_part = _path_parts(node, names, path, dynamic)
    if not dynamic_part:
        return value, False
    # a segment partly computed (`'v' . $version`) is computed as a whole
    segments = [dynamic if dynamic in s else s for s in value.split("/")]
    return "/".join(segments), True


def _path_parts(node: Node | None, names: Names, path: str, dynamic: str) -> tuple[str, bool]:
    value = evaluate(node, names, path)
    if isinstance(value, str):
        return value, False
    if (
        node is not None
        and node.type == "binary_expression"
        and syntax.text(node.child_by_field_name("operator")) == "."
    ):
        left = _path_parts(node.child_by_field_name("left"), names, path, dynamic)
        right = _path_parts(node.child_by_field_name("right"), names, path, dynamic)
        return left[0] + right[0], True
    return dynamic, True


def _concat(node: Node, names: Names, path: str) -> Any:
    operator = node.child_by_field_name("operator")
    if syntax.text(operator) != ".":
        return UNKNOWN
    left = _as_text(evaluate(node.child_by_field_name("left"), names, path))
    right = _as_text(evaluate(node.child_by_field_name("right"), names, path))
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    return UNKNOWN


def _as_text(value: Any) -> Any:
    """A value as string concatenation reads it: `X::class . '@index'` is `\\App\\X@index`
    (fully qualified, so not relative to a group namespace)."""
    if isinstance(value, ClassRef):
        return "\\" + value.name
    return value


def _class_constant(node: Node, names: Names) -> Any:
    parts = node.named_children
    if len(parts) == 2 and syntax.text(parts[1]) == "class":
        written = syntax.text(parts[0])
        if written in ("self", "static", "parent"):
            return UNKNOWN
        return ClassRef(names.resolve(written))
    return UNKNOWN


def _array(node: Node, names: Names, path: str) -> PhpArray:
    array = PhpArray()
    for element in node.named_children:
        if element.type != "array_element_initializer":
            continue
        values = element.named_children
        if any(c.type == "=>" for c in element.children) and len(values) >= 2:
            key = evaluate(values[0], names, path)
            array.items.append((key, evaluate(values[-1], names, path)))
        elif values:
            array.items.append((None, evaluate(values[-1], names, path)))
    return array


def array_value_node(node: Node, key: str, names: Names, path: str) -> Node | None:
    """The value node of `key => value` in an array literal node (None if absent)."""
    if node.type != "array_creation_expression":
        return None
    for element in node.named_children:
        values = element.named_children
        if (
            element.type == "array_element_initializer"
            and len(values) >= 2
            and evaluate(values[0], names, path) == key
        ):
            return values[-1]
    return None


def _function_call(node: Node, names: Names, path: str) -> Any:
    function = syntax.text(node.child_by_field_name("function")).lstrip("\\")
    args, _ = arguments(node.child_by_field_name("arguments"))
    if function in PATH_HELPERS:
        base = posixpath.join(BASE, PATH_HELPERS[function]).rstrip("/")
        if not args:
            return base
        rest = evaluate(args[0], names, path)
        return posixpath.join(base, rest.lstrip("/")) if isinstance(rest, str) else UNKNOWN
    if function == "dirname" and args:
        inner = evaluate(args[0], names, path)
        levels = evaluate(args[1], names, path) if len(args) > 1 else 1
        if isinstance(inner, str) and isinstance(levels, int):
            for _ in range(levels):
                inner = posixpath.dirname(inner)
            return inner
        return UNKNOWN
    if function == "env" and len(args) > 1:
        return evaluate(args[1], names, path)
    return UNKNOWN


def file_path(raw: Any, service_dir: str) -> str | None:
    """A path value (relative to the repo, or under BASE) as a normalized repo-relative path."""
    if not isinstance(raw, str) or not raw:
        return None
    value: str = raw
    if value == BASE or value.startswith(BASE + "/"):
        rest = value[len(BASE) :].lstrip("/")
        value = posixpath.join(service_dir, rest) if service_dir not in ("", ".") else rest
    value = posixpath.normpath(value)
    if value == ".." or value.startswith(("../", "/")):
        return None
    return value


def closure_of(node: Node | None) -> Node | None:
    """The closure node of an argument (`function () {...}`, `fn () => ...`), or None."""
    if node is not None and node.type in CLOSURE_TYPES:
        return node
    return None


def first_parameter(closure: Node) -> str | None:
    """The name of a closure's first parameter (`function (Router $router)` → `$router`)."""
    parameters = closure.child_by_field_name("parameters")
    for parameter in parameters.named_children if parameters is not None else []:
        name = parameter.child_by_field_name("name")
        if name is not None:
            return syntax.text(name)
    return None


def walk(node: Node, visit: Any) -> None:
    """Depth-first walk; `visit(node)` returns True when it handled the node's subtree."""
    stack = [node]
    while stack:
        current = stack.pop()
        if visit(current):
            continue
        stack.extend(reversed(current.named_children))
