"""What the Python extractors read the same way: module names, imports, module constants,
string expressions (literals, f-strings, `+`, names of constants), call arguments, and the
resolution of a name used in one module to the module that defines it (across `import x`,
`from x import y as z`, relative imports and re-exports in `__init__.py`).

Facts stay JSON: a string expression is a list of parts, each `["s", text]` (literal),
`["r", "name.attr"]` (a name to look up when resolving) or `["d", source]` (run-time value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import routepath, syntax
from backend_planner.workspace.codemap.extractor import ServiceContext

if TYPE_CHECKING:
    from tree_sitter import Node

Parts = list[list[str]]
Imports = dict[str, list[str | None]]  # local name -> [module, attribute or None]
MAX_DEPTH = 8
CONSTANTS_LIMIT = 64 * 1024  # a module read only for its constants (settings, config)


def module_name(path: str) -> str:
    """`app/api/users.py` → `app.api.users`; `app/api/__init__.py` → `app.api`."""
    stem = path[: -len(".py")] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_name(path: str) -> str:
    """The package a module's relative imports start from."""
    module = module_name(path)
    if path.endswith("__init__.py"):
        return module
    return module.rpartition(".")[0]


def structure(root: Node) -> dict[str, list[Node]]:
    """Imports, decorated definitions, classes, attribute calls and call assignments."""
    return syntax.captures("python", "python-structure", root)


def read_imports(nodes: Iterable[Node], path: str) -> Imports:
    """Local name → [module, attribute]; attribute None for `import a.b as x`."""
    out: Imports = {}
    for node in nodes:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    module = syntax.text(name.child_by_field_name("name"))
                    out[syntax.text(name.child_by_field_name("alias"))] = [module, None]
                else:
                    module = syntax.text(name)
                    out[module.split(".")[0]] = [module.split(".")[0], None]
                    out[module] = [module, None]
        elif node.type == "import_from_statement":
            source = node.child_by_field_name("module_name")
            module = _absolute(syntax.text(source), path)
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    attr = syntax.text(name.child_by_field_name("name"))
                    out[syntax.text(name.child_by_field_name("alias"))] = [module, attr]
                else:
                    attr = syntax.text(name)
                    out[attr] = [module, attr]
    return out


def _absolute(module: str, path: str) -> str:
    if not module.startswith("."):
        return module
    dots = len(module) - len(module.lstrip("."))
    package = package_name(path).split(".") if package_name(path) else []
    base = package[: len(package) - (dots - 1)] if dots > 1 else package
    rest = module[dots:]
    return ".".join([*base, rest] if rest else base)


def module_constants(root: Node) -> dict[str, str]:
    """Module-level `NAME = "text"` assignments, and the string defaults of a settings object
    made at module level (`settings = Settings()`, or `settings = get_settings()` whose body
    returns `Settings()`): `class Settings(BaseSettings): API_V1: str = "/api/v1"` gives
    `settings.API_V1`."""
    out: dict[str, str] = {}
    classes: dict[str, dict[str, str]] = {}
    factories: dict[str, str] = {}  # function name -> the class it returns an instance of
    for statement in root.children:
        definition = (
            statement.child_by_field_name("definition")
            if statement.type == "decorated_definition"
            else statement
        )
        if definition is None:
            continue
        name = syntax.text(definition.child_by_field_name("name"))
        if definition.type == "class_definition":
            attributes = _string_attributes(class_body(definition))
            if attributes:
                classes[name] = attributes
        elif definition.type == "function_definition":
            returned = _returned_class(definition)
            if returned is not None:
                factories[name] = returned
    for statement in root.children:
        node = assignment_of(statement)
        if node is None:
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or left.type != "identifier":
            continue
        value = syntax.string_value(right)
        if value is not None and right.type == "string":
            out[syntax.text(left)] = value
        elif right.type == "call":
            callee = syntax.text(right.child_by_field_name("function"))
            attributes = classes.get(factories.get(callee, callee), {})
            out.update({f"{syntax.text(left)}.{k}": v for k, v in attributes.items()})
    return out


def _string_attributes(body: list[Node]) -> dict[str, str]:
    """`NAME = "x"` / `NAME: str = "x"` in a class body."""
    out: dict[str, str] = {}
    for child in body:
        node = assignment_of(child)
        if node is None:
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and left.type == "identifier" and right is not None:
            value = syntax.string_value(right) if right.type == "string" else None
            if value is not None:
                out[syntax.text(left)] = value
    return out


def _returned_class(function: Node) -> str | None:
    """The class a module function returns an instance of (`return Settings()`)."""
    body = function.child_by_field_name("body")
    for statement in body.named_children if body is not None else []:
        if statement.type == "return_statement" and statement.named_children:
            value = statement.named_children[0]
            if value.type == "call":
                callee = value.child_by_field_name("function")
                if callee is not None and callee.type == "identifier":
                    return syntax.text(callee)
    return None


def string_parts(node: Node | None, constants: Mapping[str, str]) -> Parts:
    """A string expression as parts; names of module constants are folded in."""
    if node is None:
        return [["d", ""]]
    kind = node.type
    if kind == "string":
        return _string(node, constants)
    if kind == "concatenated_string":
        return [p for child in node.named_children for p in string_parts(child, constants)]
    if kind == "parenthesized_expression" and node.named_children:
        return string_parts(node.named_children[0], constants)
    if kind == "binary_operator" and syntax.text(node.child_by_field_name("operator")) == "+":
        return string_parts(node.child_by_field_name("left"), constants) + string_parts(
            node.child_by_field_name("right"), constants
        )
    if kind in ("identifier", "attribute"):
        name = syntax.text(node)
        if name in constants:
            return [["s", constants[name]]]
        return [["r", name]]
    return [["d", syntax.text(node)]]


def _string(node: Node, constants: Mapping[str, str]) -> Parts:
    if not any(c.type == "interpolation" for c in node.children):
        value = syntax.string_value(node)
        return [["s", value]] if value is not None else [["d", syntax.text(node)]]
    out: Parts = []
    for child in node.children:
        if child.type == "string_content":
            out.append(["s", syntax.text(child)])
        elif child.type == "interpolation":
            expression = child.child_by_field_name("expression")
            if expression is not None and expression.type in ("identifier", "attribute"):
                out.extend(string_parts(expression, constants))
            else:
                out.append(["d", syntax.text(child)])
    return out


def render(parts: Parts, lookup: Callable[[str], str | None] | None = None) -> tuple[str, bool]:
    """The text of string parts and whether some part is only known at run time (written
    `{dynamic}`). `lookup` resolves names (`["r", …]`)."""
    out: list[str] = []
    dynamic = False
    for kind, value in parts:
        if kind == "s":
            out.append(value)
            continue
        known = lookup(value) if kind == "r" and lookup is not None else None
        if known is None:
            dynamic = True
            out.append(routepath.DYNAMIC)
        else:
            out.append(known)
    return "".join(out), dynamic


_CONVERTED = re.compile(r"<(?:[^<>:]+:)?(\w+)>")


def converted_params(path: str) -> str:
    """Werkzeug / Django route parameters written `{name}` wherever they stand, several in one
    segment too: `badge/<slug:key>.<slug:fmt>` → `badge/{key}.{fmt}`."""
    return _CONVERTED.sub(lambda m: "{" + m.group(1) + "}", path) if "<" in path else path


def literal(parts: Parts) -> str | None:
    """The text of parts that are all literal, else None."""
    text, dynamic = render(parts)
    return None if dynamic else text


def call_arguments(call: Node) -> tuple[list[Node], dict[str, Node]]:
    """A call's positional arguments and keyword arguments by name."""
    positional: list[Node] = []
    keywords: dict[str, Node] = {}
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return positional, keywords
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and value is not None:
                keywords[syntax.text(name)] = value
        elif child.type != "comment":
            positional.append(child)
    return positional, keywords


def argument(call: Node, index: int, keyword: str | None = None) -> Node | None:
    """The argument at a position or with a keyword."""
    positional, keywords = call_arguments(call)
    if keyword is not None and keyword in keywords:
        return keywords[keyword]
    return positional[index] if 0 <= index < len(positional) else None


def strings(node: Node | None) -> list[str] | None:
    """A list/tuple/set of string literals (`["GET", "POST"]`), or None."""
    if node is None or node.type not in ("list", "tuple", "set"):
        return None
    out = []
    for child in node.named_children:
        value = syntax.string_value(child)
        if value is None:
            return None
        out.append(value)
    return out


def boolean(node: Node | None) -> bool | None:
    if node is None:
        return None
    return {"True": True, "False": False}.get(syntax.text(node))


def last_name(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def class_body(node: Node) -> list[Node]:
    body = node.child_by_field_name("body")
    return list(body.named_children) if body is not None else []


def assignment_of(statement: Node) -> Node | None:
    """The assignment node of an expression statement, else None."""
    if statement.type == "expression_statement" and statement.named_children:
        child = statement.named_children[0]
        if child.type == "assignment":
            return child
    return None


def superclasses(node: Node) -> tuple[list[str], dict[str, Node]]:
    """A class's bases as written (`models.Model`) and its keyword arguments (`table=True`)."""
    arguments = node.child_by_field_name("superclasses")
    bases: list[str] = []
    keywords: dict[str, Node] = {}
    if arguments is None:
        return bases, keywords
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            value = child.child_by_field_name("value")
            if value is not None:
                keywords[syntax.text(child.child_by_field_name("name"))] = value
        elif child.type in ("identifier", "attribute"):
            bases.append(syntax.text(child))
        elif child.type == "subscript":  # Generic[T], Base[Model]
            bases.append(syntax.text(child.child_by_field_name("value")))
    return bases, keywords


class Modules:
    """Finds the file of a dotted module name among a service's files, and resolves a name
    used in one file to the file and name that define it.

    Modules are indexed by every suffix of their dotted path, so `app.api.users` is found
    whether the code runs from the repo root, `src/` or the service folder."""

    def __init__(
        self, facts: Mapping[str, Mapping[str, Any]], ctx: ServiceContext | None = None
    ) -> None:
        self.facts: dict[str, Mapping[str, Any]] = dict(facts)
        self.ctx = ctx
        self._loading = False
        self._by_suffix: dict[str, list[str]] = {}
        paths = set(facts) | {p for p in (ctx.files if ctx else []) if p.endswith(".py")}
        for path in sorted(paths, key=lambda p: (p not in facts, p.count("/"), p)):
            parts = module_name(path).split(".")
            for i in range(len(parts)):
                self._by_suffix.setdefault(".".join(parts[i:]), []).append(path)

    def file_of(self, module: str) -> str | None:
        found = self._by_suffix.get(module)
        return found[0] if found else None

    def imports(self, path: str) -> Imports:
        return self.facts.get(path, {}).get("imports", {})  # type: ignore[no-any-return]

    def resolve(
        self, path: str, name: str, defines: Callable[[str, str], bool], depth: int = 0
    ) -> tuple[str, str] | None:
        """The (file, name) that defines `name` as used in `path`, following imports;
        `defines(file, name)` says whether a file defines a name itself."""
        if depth > MAX_DEPTH or not self._known(path):
            return None
        if defines(path, name):
            return path, name
        head, _, rest = name.partition(".")
        imports = self.imports(path)
        target = imports.get(head)
        if target is None and rest:  # `import a.b` then `a.b.c`
            for size in range(name.count("."), 0, -1):
                dotted = ".".join(name.split(".")[:size])
                if dotted in imports and imports[dotted][1] is None:
                    remainder = ".".join(name.split(".")[size:])
                    return self._in_module(dotted, remainder, defines, depth)
            return None
        if target is None:
            return None
        module, attr = target
        if module is None:
            return None
        if attr is None:
            return self._in_module(module, rest, defines, depth) if rest else None
        full = f"{attr}.{rest}" if rest else attr
        return self._in_module(module, full, defines, depth)

    def _in_module(
        self, module: str, name: str, defines: Callable[[str, str], bool], depth: int
    ) -> tuple[str, str] | None:
        """`name` in `module`: defined or re-exported there, or in a submodule."""
        path = self.file_of(module)
        if path is not None and self._known(path):
            found = self.resolve(path, name, defines, depth + 1)
            if found is not None:
                return found
        head, _, rest = name.partition(".")
        if rest:
            return self._in_module(f"{module}.{head}", rest, defines, depth + 1)
        return None

    def constant(self, path: str, name: str) -> str | None:
        """The value of a module-level string constant used in `path` (`API_PREFIX`,
        `settings.API_V1`), reading the small modules that define constants when the
        extractor did not (they hold no routes, so their facts were not extracted)."""
        self._loading = True
        try:
            found = self.resolve(path, name, lambda p, n: n in self.facts[p].get("constants", {}))
        finally:
            self._loading = False
        return self.facts[found[0]]["constants"][found[1]] if found else None

    def _known(self, path: str) -> bool:
        if path in self.facts:
            return True
        if not self._loading or self.ctx is None or not path.endswith(".py"):
            return False
        text = self.ctx.read_text(path, CONSTANTS_LIMIT)
        if text is None:
            return False
        root = syntax.parse("python", text.encode()).root_node
        imports = read_imports(structure(root).get("import", []), path)
        self.facts[path] = {"imports": imports, "constants": module_constants(root)}
        return True

    def module_of(self, path: str, name: str) -> str | None:
        """The file of a module a name stands for (`from app.api import users` → users.py)."""
        target = self.imports(path).get(name)
        if target is None or target[0] is None:
            return None
        module, attr = target
        return self.file_of(f"{module}.{attr}" if attr else str(module))
