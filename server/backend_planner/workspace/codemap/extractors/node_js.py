"""JavaScript / TypeScript reading shared by the node extractors (no extractor of its own).

- `string_of` evaluates what a path argument can statically be: a string literal, a template
  or a `+` concatenation whose parts are literals or module constants; anything else is None.
- `read_module` collects one file's imports, exports (ES and CommonJS), module-level string
  constants and the definitions a handler can point at (functions, class methods, object
  literal members), as JSON-able facts.
- `ModuleGraph` resolves, across the facts of all files, an import (`./routes/users`, a barrel
  `index.ts`, `export * from`) to the file and local symbol that defines it.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.routepath import DYNAMIC

if TYPE_CHECKING:
    from tree_sitter import Node

    from backend_planner.workspace.codemap.extractor import ServiceContext

SOURCE_EXTENSIONS = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".mts", ".cts")
FUNCTION_TYPES = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function_declaration",
        "function",
        "generator_function",
        "generator_function_declaration",
        "method_definition",
    }
)
STRING_TYPES = frozenset({"string", "template_string"})

Ref = dict[str, str]  # {"local": name} or {"module": spec, "name": export name}


def query_name(grammar: str, what: str) -> str:
    """`javascript-<what>` for .js files, `typescript-<what>` for .ts/.tsx."""
    return f"{'javascript' if grammar == 'javascript' else 'typescript'}-{what}"


def matches_by_capture(grammar: str, what: str, root: Node) -> dict[str, list[Node]]:
    """The nodes the query `<javascript|typescript>-<what>.scm` captures, by capture name, in
    source order."""
    found = syntax.captures(grammar, query_name(grammar, what), root)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}


def unwrap(node: Node | None) -> Node | None:
    """The expression inside parentheses, `x as T`, `x!`, `await x`, `<T>x`."""
    while node is not None and node.type in (
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "await_expression",
        "satisfies_expression",
        "type_assertion",
    ):
        inner = [c for c in node.named_children if c.type not in ("type_arguments",)]
        node = inner[0] if inner else None
    return node


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    return [c for c in args.named_children if c.type != "comment"]


def string_of(
    node: Node | None, consts: Mapping[str, str] | None = None, *, partial: bool = False
) -> str | None:
    """The static value of a string expression, or None when it is built at run time.
    `partial`: a template or concatenation keeps its static parts, `{dynamic}` for the others."""
    node = unwrap(node)
    if node is None:
        return None
    consts = {} if consts is None else consts
    value = _string_of(node, consts, partial)
    if value is None and partial and node.type in ("template_string", "binary_expression"):
        return DYNAMIC
    return value


def _string_of(node: Node, consts: Mapping[str, str], partial: bool) -> str | None:
    if node.type == "string":
        return syntax.string_value(node)
    if node.type == "template_string":
        out = []
        for child in node.named_children:
            if child.type == "template_substitution":
                inner = child.named_children[0] if child.named_children else None
                value = string_of(inner, consts, partial=partial)
                if value is None and partial:
                    value = DYNAMIC
                if value is None:
                    return None
                out.append(value)
            elif child.type == "string_fragment":
                out.append(syntax.text(child))
            elif child.type == "escape_sequence":
                out.append(_escape(syntax.text(child)))
        return "".join(out)
    if node.type == "binary_expression" and _operator(node) == "+":
        left = string_of(node.child_by_field_name("left"), consts, partial=partial)
        right = string_of(node.child_by_field_name("right"), consts, partial=partial)
        if partial:
            return (left or DYNAMIC) + (right or DYNAMIC)
        return None if left is None or right is None else left + right
    if node.type in ("identifier", "member_expression"):
        return consts.get(syntax.text(node))
    return None


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\n": "", "\r\n": ""}


def _escape(sequence: str) -> str:
    """`\\n` → newline, a backslash before a line break → nothing, `\\x` → x."""
    body = sequence[1:]
    return _ESCAPES.get(body, body)


def _operator(node: Node) -> str:
    op = node.child_by_field_name("operator")
    return syntax.text(op)


def object_pairs(node: Node | None) -> dict[str, Node]:
    """`{a: 1, b}` → {"a": value node, "b": identifier node}."""
    node = unwrap(node)
    out: dict[str, Node] = {}
    if node is None or node.type != "object":
        return out
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            value = child.child_by_field_name("value")
            if key is not None and value is not None:
                name = syntax.string_value(key) if key.type == "string" else syntax.text(key)
                out[name or ""] = value
        elif child.type == "shorthand_property_identifier":
            out[syntax.text(child)] = child
        elif child.type == "method_definition":
            name_node = child.child_by_field_name("name")
            out[syntax.text(name_node)] = child
    return out


def strings_of(
    node: Node | None, consts: Mapping[str, str], *, partial: bool = False
) -> list[str | None]:
    """A string or an array of strings → its values (None for each dynamic one)."""
    node = unwrap(node)
    if node is not None and node.type == "array":
        return [string_of(c, consts, partial=partial) for c in node.named_children]
    return [string_of(node, consts, partial=partial)]


def walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def require_spec(node: Node | None) -> str | None:
    """`require("./x")` / `import("./x")` → "./x"."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    if callee is None or syntax.text(callee) not in ("require", "import"):
        return None
    args = arguments(node)
    return syntax.string_value(args[0]) if args and args[0].type == "string" else None


def function_name(node: Node) -> str | None:
    """The symbol a function is bound to: `function f`, `const f = () =>`, `f: function`,
    a class method `Class.m`; "default" for `export default` / `module.exports =`."""
    name = node.child_by_field_name("name")
    if node.type == "method_definition":
        body = node.parent
        cls = body.parent if body is not None else None
        owner = cls.child_by_field_name("name") if cls is not None else None
        return f"{syntax.text(owner)}.{syntax.text(name)}" if owner is not None else None
    if name is not None:
        return syntax.text(name)
    parent = node.parent
    while parent is not None and parent.type in (
        "parenthesized_expression",
        "call_expression",
        "arguments",
        "as_expression",
    ):
        # `export default fp(async (f) => …)`: the wrapped function stands for the export
        if (
            parent.type == "arguments"
            and parent.parent is not None
            and _is_route_argument(parent.parent)
        ):
            return None
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return syntax.text(parent.child_by_field_name("name"))
    if parent.type == "export_statement":
        return "default"
    if parent.type == "assignment_expression":
        left = syntax.text(parent.child_by_field_name("left"))
        if left in ("module.exports", "exports.default", "module.exports.default"):
            return "default"
        if left.startswith(("exports.", "module.exports.")):
            return left.rsplit(".", 1)[1]
        return left
    if parent.type == "pair":
        return syntax.text(parent.child_by_field_name("key"))
    return None


def _is_route_argument(call: Node) -> bool:
    """Whether a call passes a function to a method call (`app.get(p, fn)`, `app.register(fn)`)
    rather than wrapping it (`fp(fn)`, `asyncHandler(fn)`)."""
    callee = call.child_by_field_name("function")
    return callee is not None and callee.type == "member_expression"


def read_module(root: Node) -> dict[str, Any]:
    """Imports, exports, string constants and definitions of one file (see the module doc)."""
    imports: dict[str, Ref] = {}
    exports: dict[str, str] = {}
    reexports: list[dict[str, Any]] = []
    consts: dict[str, str] = {}
    definitions: dict[str, int] = {}
    for stmt in root.named_children:
        _read_statement(stmt, imports, exports, reexports, consts, definitions)
    for node in walk(root):
        if node.type in FUNCTION_TYPES or node.type == "class_declaration":
            name = function_name(node) if node.type != "class_declaration" else _class_name(node)
            if name and name not in definitions:
                definitions[name] = syntax.line(node)
            if node.type == "class_declaration":
                _read_class_fields(node, consts)
        elif node.type == "variable_declarator":
            _read_require(node, imports)
    return {
        "imports": imports,
        "exports": exports,
        "reexports": reexports,
        "consts": consts,
        "definitions": definitions,
    }


def _class_name(node: Node) -> str | None:
    name = node.child_by_field_name("name")
    return syntax.text(name) if name is not None else None


def _read_class_fields(cls: Node, consts: dict[str, str]) -> None:
    """`private path = "/users"` in a class: `this.path` in its methods is that string."""
    body = cls.child_by_field_name("body")
    if body is None:
        return
    for member in body.named_children:
        if member.type in ("public_field_definition", "field_definition"):
            name = member.child_by_field_name("name") or member.child_by_field_name("property")
            value = member.child_by_field_name("value")
            text = string_of(value, consts)
            if name is not None and text is not None:
                consts[f"this.{syntax.text(name)}"] = text


def _read_statement(
    stmt: Node,
    imports: dict[str, Ref],
    exports: dict[str, str],
    reexports: list[dict[str, Any]],
    consts: dict[str, str],
    definitions: dict[str, int],
) -> None:
    kind = stmt.type
    if kind == "import_statement":
        _read_import(stmt, imports)
    elif kind == "export_statement":
        _read_export(stmt, imports, exports, reexports, consts)
    elif kind in ("lexical_declaration", "variable_declaration"):
        _read_consts(stmt, consts)
    elif kind == "enum_declaration":
        _read_enum(stmt, consts)
    elif kind == "expression_statement" and stmt.named_children:
        expr = stmt.named_children[0]
        if expr.type == "assignment_expression":
            _read_commonjs_export(expr, exports, consts)


def _read_import(stmt: Node, imports: dict[str, Ref]) -> None:
    source = stmt.child_by_field_name("source")
    if source is None:
        clause = next((c for c in stmt.named_children if c.type == "import_require_clause"), None)
        source = (
            next((c for c in clause.named_children if c.type == "string"), None) if clause else None
        )
    spec = syntax.string_value(source)
    if spec is None:
        return
    for clause in stmt.named_children:
        if clause.type == "import_require_clause":  # TS `import x = require("./x")`
            names = [c for c in clause.named_children if c.type == "identifier"]
            if names:
                imports[syntax.text(names[0])] = {"module": spec, "name": "*"}
            continue
        if clause.type != "import_clause":
            continue
        for part in clause.named_children:
            if part.type == "identifier":
                imports[syntax.text(part)] = {"module": spec, "name": "default"}
            elif part.type == "namespace_import":
                for ident in part.named_children:
                    imports[syntax.text(ident)] = {"module": spec, "name": "*"}
            elif part.type == "named_imports":
                for spec_node in part.named_children:
                    if spec_node.type != "import_specifier":
                        continue
                    name = spec_node.child_by_field_name("name")
                    alias = spec_node.child_by_field_name("alias") or name
                    imports[syntax.text(alias)] = {"module": spec, "name": syntax.text(name)}


def _read_require(decl: Node, imports: dict[str, Ref]) -> None:
    """`const x = require("m")`, `const {a, b: c} = require("m")`, `require("m").x`."""
    value = unwrap(decl.child_by_field_name("value"))
    name = decl.child_by_field_name("name")
    if value is None or name is None:
        return
    member = None
    if value.type == "member_expression":
        member = syntax.text(value.child_by_field_name("property"))
        value = value.child_by_field_name("object")
    spec = require_spec(value)
    if spec is None:
        return
    if name.type == "identifier":
        imports[syntax.text(name)] = {"module": spec, "name": member or "default"}
    elif name.type == "object_pattern" and member is None:
        for part in name.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                imports[syntax.text(part)] = {"module": spec, "name": syntax.text(part)}
            elif part.type == "pair_pattern":
                key = part.child_by_field_name("key")
                local = part.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    imports[syntax.text(local)] = {"module": spec, "name": syntax.text(key)}


def _read_export(
    stmt: Node,
    imports: dict[str, Ref],
    exports: dict[str, str],
    reexports: list[dict[str, Any]],
    consts: dict[str, str],
) -> None:
    source = syntax.string_value(stmt.child_by_field_name("source"))
    declaration = stmt.child_by_field_name("declaration")
    value = stmt.child_by_field_name("value")
    is_default = any(c.type == "default" for c in stmt.children)
    if source is not None:
        names: dict[str, str] = {}
        star = True
        for clause in stmt.named_children:
            if clause.type == "export_clause":
                star = False
                for spec_node in clause.named_children:
                    name = spec_node.child_by_field_name("name")
                    alias = spec_node.child_by_field_name("alias") or name
                    names[syntax.text(alias)] = syntax.text(name)
            elif clause.type == "namespace_export":
                star = False
                for ident in clause.named_children:
                    names[syntax.text(ident)] = "*"
        reexports.append({"module": source, "names": None if star else names})
        return
    if declaration is not None:
        if declaration.type == "enum_declaration":
            _read_enum(declaration, consts)
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            _read_consts(declaration, consts)
            for decl in declaration.named_children:
                if decl.type == "variable_declarator":
                    declared = syntax.text(decl.child_by_field_name("name"))
                    exports[declared] = declared
        else:
            name_node = declaration.child_by_field_name("name")
            if name_node is not None:
                symbol = syntax.text(name_node)
                exports["default" if is_default else symbol] = symbol
            elif is_default:
                exports["default"] = "default"
        return
    if is_default:
        target = unwrap(value)
        if target is not None and target.type == "identifier":
            exports["default"] = syntax.text(target)
        else:
            exports["default"] = "default"
        return
    for clause in stmt.named_children:
        if clause.type == "export_clause":
            for spec_node in clause.named_children:
                name = spec_node.child_by_field_name("name")
                alias = spec_node.child_by_field_name("alias") or name
                exports[syntax.text(alias)] = syntax.text(name)


def _read_commonjs_export(expr: Node, exports: dict[str, str], consts: dict[str, str]) -> None:
    left = syntax.text(expr.child_by_field_name("left"))
    right = unwrap(expr.child_by_field_name("right"))
    if right is None:
        return
    if left in ("module.exports", "exports.default", "module.exports.default"):
        if right.type == "identifier":
            exports["default"] = syntax.text(right)
        elif right.type == "object":
            exports.setdefault("default", "default")
            for key, value in object_pairs(right).items():
                if value.type in ("identifier", "shorthand_property_identifier"):
                    exports[key] = syntax.text(value)
                else:
                    exports[key] = f"default.{key}"
        else:
            exports["default"] = "default"
    elif left.startswith(("exports.", "module.exports.")):
        name = left.rsplit(".", 1)[1]
        exports[name] = syntax.text(right) if right.type == "identifier" else name
        text = string_of(right, consts)
        if text is not None:
            consts[name] = text


def _read_consts(decl: Node, consts: dict[str, str]) -> None:
    """`const A = "x"` → A; `const R = {v: "v1", user: {root: A}}` (`as const` too) →
    `R.v`, `R.user.root`: route constants a path argument may name."""
    for child in decl.named_children:
        if child.type != "variable_declarator":
            continue
        name = child.child_by_field_name("name")
        if name is None or name.type != "identifier":
            continue
        _read_const_value(syntax.text(name), child.child_by_field_name("value"), consts, 0)


def _read_const_value(name: str, node: Node | None, consts: dict[str, str], depth: int) -> None:
    node = unwrap(node)
    if node is None:
        return
    if node.type == "object" and depth < 4:
        for key, member in object_pairs(node).items():
            if key and member.type != "method_definition":
                _read_const_value(f"{name}.{key}", member, consts, depth + 1)
        return
    text = string_of(node, consts)
    if text is not None:
        consts[name] = text


def _read_enum(decl: Node, consts: dict[str, str]) -> None:
    """`enum Routes { Users = "users" }` → `Routes.Users`."""
    name = decl.child_by_field_name("name")
    body = decl.child_by_field_name("body")
    if name is None or body is None:
        return
    for member in body.named_children:
        if member.type != "enum_assignment":
            continue
        key = member.child_by_field_name("name")
        value = string_of(member.child_by_field_name("value"), consts)
        if key is not None and value is not None:
            label = syntax.string_value(key) if key.type == "string" else syntax.text(key)
            consts[f"{syntax.text(name)}.{label}"] = value


class ModuleGraph:
    """Resolves imports between the files of a service (relative specs, index files, `src/`
    and service-relative specs for path aliases, re-exports)."""

    def __init__(
        self,
        modules: Mapping[str, Mapping[str, Any]],
        files: list[str],
        service_dir: str = ".",
        aliases: Sequence[tuple[str, list[str]]] = (),
    ) -> None:
        self.modules = modules
        self.files = set(files)
        self.service_dir = service_dir
        self.aliases = aliases

    def resolve_file(self, importer: str, spec: str) -> str | None:
        """The file an import spec names, or None for packages and unknown files."""
        if spec.startswith("."):
            base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
            return self._with_extension(base)
        for pattern, targets in self.aliases:
            star = pattern.endswith("*")
            if spec == pattern or (star and spec.startswith(pattern[:-1])):
                rest = spec[len(pattern) - 1 :] if star else ""
                for target in targets:
                    found = self._with_extension(posixpath.normpath(target.replace("*", rest)))
                    if found is not None:
                        return found
        # path aliases (`@/routes`, `src/routes`, `~/x`): try from the service and its src/
        stripped = spec.lstrip("@~/").split("/", 1)[-1] if spec[:1] in "@~" else spec
        root = "" if self.service_dir in (".", "") else self.service_dir + "/"
        for base in (root + spec, root + "src/" + stripped, root + stripped):
            found = self._with_extension(posixpath.normpath(base))
            if found is not None:
                return found
        return None

    def _with_extension(self, base: str) -> str | None:
        if base in self.files and base.endswith(SOURCE_EXTENSIONS):
            return base
        stem = base[: -len(posixpath.splitext(base)[1])] if base.endswith(".js") else base
        for candidate in (stem, base):
            for ext in SOURCE_EXTENSIONS:
                if candidate + ext in self.files:
                    return candidate + ext
        for ext in SOURCE_EXTENSIONS:
            if f"{base}/index{ext}" in self.files:
                return f"{base}/index{ext}"
        return None

    def export(self, file: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """(file, local symbol) of `name` exported by `file`, following re-exports."""
        module = self.modules.get(file)
        if module is None or depth > 8:
            return None
        exports = module.get("exports", {})
        if name in exports:
            local = exports[name]
            # `import {a} from "./a"; export {a}`: a barrel's export is the imported symbol
            imported = module.get("imports", {}).get(local)
            if imported is not None:
                target = self.resolve_file(file, imported["module"])
                if target is not None and imported["name"] != "*":
                    found = self.export(target, imported["name"], depth + 1)
                    if found is not None:
                        return found
            return file, local
        for reexport in module.get("reexports", []):
            target = self.resolve_file(file, reexport["module"])
            if target is None:
                continue
            names = reexport["names"]
            if names is None:
                if name == "default":
                    continue
                found = self.export(target, name, depth + 1)
                if found is not None:
                    return found
            elif name in names:
                if names[name] == "*":
                    return target, "*"
                return self.export(target, names[name], depth + 1)
        if name in ("*", "default"):
            return file, "*"  # a CommonJS module imported whole: its exports are its members
        return None

    def symbol(self, file: str, ref: Mapping[str, str]) -> tuple[str, str] | None:
        """(file, local symbol) a reference in `file` points at."""
        if "local" in ref:
            local = ref["local"]
            head, _, rest = local.partition(".")
            imported = self.modules.get(file, {}).get("imports", {}).get(head)
            if imported is None:
                return file, local
            found = self.imported(file, imported)
            if found is None:
                return None
            if rest:
                if found[1] == "*":
                    return self._member(found[0], rest)
                return found[0], f"{found[1]}.{rest}"
            return found
        return self.imported(file, ref)

    def _member(self, file: str, path: str) -> tuple[str, str]:
        """`ns.user.list` of a module imported whole: its export `user` (followed across
        re-exports), then the member `list` of that."""
        head, _, more = path.partition(".")
        exported = self.export(file, head)
        if exported is None:
            return file, path
        if not more:
            return exported
        if exported[1] == "*":
            return self.export(exported[0], more) or (exported[0], more)
        return exported[0], f"{exported[1]}.{more}"

    def imported(self, file: str, ref: Mapping[str, str]) -> tuple[str, str] | None:
        target = self.resolve_file(file, ref["module"])
        if target is None:
            return None
        if ref["name"] == "*":
            return target, "*"
        return self.export(target, ref["name"])


_JSONC_NOISE = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _jsonc(text: str) -> Any:
    """A tsconfig's JSON with comments and trailing commas, or None."""
    cleaned = _JSONC_NOISE.sub(lambda m: m.group(1) or "", text)
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", cleaned))
    except ValueError:
        return None


def tsconfig_aliases(ctx: ServiceContext) -> list[tuple[str, list[str]]]:
    """The service's tsconfig `compilerOptions.paths` (`"@config/*": ["src/configs/*"]`) as
    (pattern, repo-relative targets), following `extends` of local files; longest first."""
    root = "" if ctx.service_dir in (".", "") else ctx.service_dir + "/"
    names = [f"{root}tsconfig.json", f"{root}tsconfig.base.json", f"{root}tsconfig.app.json"]
    seen: set[str] = set()
    while names:
        name = posixpath.normpath(names.pop(0))
        if name in seen or len(seen) > 6:
            continue
        seen.add(name)
        text = ctx.read_text(name, 1 << 18) if name in ctx.files else None
        config = _jsonc(text) if text else None
        if not isinstance(config, dict):
            continue
        options = config.get("compilerOptions")
        paths = options.get("paths") if isinstance(options, dict) else None
        if isinstance(options, dict) and isinstance(paths, dict) and paths:
            base = posixpath.join(posixpath.dirname(name), str(options.get("baseUrl") or "."))
            out = [
                (pattern, [posixpath.normpath(posixpath.join(base, t)) for t in targets])
                for pattern, targets in paths.items()
                if isinstance(targets, list) and all(isinstance(t, str) for t in targets)
            ]
            return sorted(out, key=lambda alias: -len(alias[0]))
        extends = config.get("extends")
        if isinstance(extends, str) and extends.startswith("."):
            names.insert(0, posixpath.join(posixpath.dirname(name), extends))
    return []
