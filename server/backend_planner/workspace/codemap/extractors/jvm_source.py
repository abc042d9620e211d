"""The declarations of a Java or Kotlin file as plain data, shared by the JVM extractors.

`read_file(grammar, source)` walks the syntax tree once and returns the package, the string
constants (`static final String X = "..."`, `const val X = "..."`) and every type declaration
(classes, interfaces, records, objects, nested ones too) with its annotations, supertypes,
methods and fields. An annotation argument is kept as written, as a list of value items:

    ["s", "text"]        a string literal
    ["x", "Paths.USERS"] an expression (a constant, an enum value, true/false, a number)
    ["+", [items]]       a concatenation or a Kotlin string template
    ["a", annotation]    a nested annotation (@Index, @UniqueConstraint)

`evaluate(items, constants)` turns an item into its string when it can be known statically.
A file's member imports (`import static a.Paths.USERS;`, Kotlin `import a.Paths.USERS`) are kept
as {"imports": {"USERS": "Paths.USERS"}, "wildcards": ["Paths"]} so a constant used unqualified
in another file than the one declaring it can still be found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax

if TYPE_CHECKING:
    from tree_sitter import Node

Item = list[Any]
Annotation = dict[str, Any]
TypeFacts = dict[str, Any]

JAVA_TYPES = {
    "class_declaration": "class",
    "interface_declaration": "interface",
    "record_declaration": "record",
    "enum_declaration": "enum",
    "annotation_type_declaration": "annotation",
}
MAX_DEPTH = 200  # nesting deeper than this is generated code, not declarations to read


def read_file(grammar: str, source: bytes) -> dict[str, Any]:
    """{"package", "constants": {name: item}, "types": [type facts]} of one file."""
    return read_tree(grammar, syntax.parse(grammar, source).root_node)


def read_tree(grammar: str, root: Node) -> dict[str, Any]:
    """`read_file` of an already parsed file."""
    out: dict[str, Any] = {"package": "", "constants": {}, "types": []}
    reader = _java_node if grammar == "java" else _kotlin_node
    reader(root, out, None, 0)
    imports, wildcards = _member_imports(root)
    if imports:
        out["imports"] = imports
    if wildcards:
        out["wildcards"] = wildcards
    return out


def _member_imports(root: Node) -> tuple[dict[str, str], list[str]]:
    """The members imported from a type (`Owner.NAME`, by the simple name or alias they are
    used under) and the types whose members are all imported (`Owner.*`). A segment counts as
    a type when it starts upper-case (Java/Kotlin naming convention)."""
    imports: dict[str, str] = {}
    wildcards: list[str] = []
    for node in root.named_children:
        if node.type == "import_list":  # older Kotlin grammars group the headers
            nodes = node.named_children
        elif node.type in ("import", "import_header", "import_declaration"):
            nodes = [node]
        else:
            continue
        for header in nodes:
            named = [c for c in header.named_children if c.type != "asterisk"]
            if not named:
                continue
            segments = syntax.text(named[0]).replace(" ", "").split(".")
            alias = syntax.text(named[-1]) if len(named) > 1 else segments[-1]
            wildcard = any(c.type in ("*", "asterisk") for c in header.children)
            if wildcard:
                if segments[-1][:1].isupper():
                    wildcards.append(segments[-1])
            elif len(segments) > 1 and segments[-2][:1].isupper():
                imports[alias] = f"{segments[-2]}.{segments[-1]}"
    return imports, wildcards


# ---------------------------------------------------------------- Java


def _java_node(node: Node, out: dict[str, Any], owner: TypeFacts | None, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in node.named_children:
        kind = child.type
        if kind == "package_declaration":
            out["package"] = syntax.text(child.named_children[-1]) if child.named_children else ""
        elif kind in JAVA_TYPES:
            facts = _java_type(child, JAVA_TYPES[kind])
            out["types"].append(facts)
            body = child.child_by_field_name("body")
            if body is not None:
                _java_members(body, facts, out, depth + 1)
        elif kind == "ERROR":
            _java_node(child, out, owner, depth + 1)


def _java_type(node: Node, kind: str) -> TypeFacts:
    supertypes: list[str] = []
    for field in ("superclass", "interfaces"):
        part = node.child_by_field_name(field)
        if part is not None:
            supertypes += [_type_name(t) for t in _type_nodes(part)]
    for child in node.named_children:  # interfaces: `extends A, B`
        if child.type == "extends_interfaces":
            supertypes += [_type_name(t) for t in _type_nodes(child)]
    facts: TypeFacts = {
        "name": syntax.text(node.child_by_field_name("name")),
        "kind": kind,
        "line": syntax.line(node.child_by_field_name("name") or node),
        "annotations": _java_annotations(node),
        "supertypes": [s for s in supertypes if s],
        "methods": [],
        "fields": [],
    }
    if kind == "record":
        params = node.child_by_field_name("parameters")
        for param in params.named_children if params is not None else ():
            if param.type == "formal_parameter":
                facts["fields"].append(_java_field(param, param.child_by_field_name("name")))
    return facts


def _type_nodes(node: Node) -> list[Node]:
    out = []
    for child in node.named_children:
        if child.type in ("type_identifier", "generic_type", "scoped_type_identifier"):
            out.append(child)
        elif child.type == "type_list":
            out += _type_nodes(child)
    return out


def _type_name(node: Node) -> str:
    """`Other<String>` → `Other`; `a.b.Api` → `Api`."""
    raw = syntax.text(node).split("<", 1)[0].strip()
    return raw.rsplit(".", 1)[-1]


def _java_members(body: Node, facts: TypeFacts, out: dict[str, Any], depth: int) -> None:
    interface = facts["kind"] in ("interface", "annotation")
    for member in body.named_children:
        kind = member.type
        if kind == "method_declaration":
            facts["methods"].append(
                {
                    "name": syntax.text(member.child_by_field_name("name")),
                    "line": syntax.line(member.child_by_field_name("name") or member),
                    "annotations": _java_annotations(member),
                    "arity": _arity(member.child_by_field_name("parameters")),
                }
            )
        elif kind in ("field_declaration", "constant_declaration"):
            modifiers = _modifiers_text(member)
            static = interface or kind == "constant_declaration" or "static" in modifiers
            for declarator in member.children_by_field_name("declarator"):
                name = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if static:
                    if (value is not None and "final" in modifiers) or interface:
                        item = _java_value(value) if value is not None else None
                        if item is not None and item[0] in ("s", "+", "x"):
                            out["constants"][f"{facts['name']}.{syntax.text(name)}"] = item
                    continue
                field = _java_field(member, name)
                field["transient"] = "transient" in modifiers
                facts["fields"].append(field)
        elif kind in JAVA_TYPES:
            nested = _java_type(member, JAVA_TYPES[kind])
            out["types"].append(nested)
            nested_body = member.child_by_field_name("body")
            if nested_body is not None and depth < MAX_DEPTH:
                _java_members(nested_body, nested, out, depth + 1)
        elif kind == "enum_body_declarations":
            _java_members(member, facts, out, depth + 1)


def _arity(parameters: Node | None) -> int:
    """How many parameters a method declares (tells overloads of one name apart)."""
    if parameters is None:
        return 0
    kinds = ("formal_parameter", "spread_parameter", "parameter", "receiver_parameter")
    return sum(1 for c in parameters.named_children if c.type in kinds)


def _modifiers_text(node: Node) -> set[str]:
    for child in node.children:
        if child.type == "modifiers":
            return {c.type for c in child.children if not c.is_named} | {
                syntax.text(c) for c in child.children if c.type in ("static", "final")
            }
    return set()


def _java_field(node: Node, name: Node | None) -> dict[str, Any]:
    type_node = node.child_by_field_name("type")
    type_text = syntax.text(type_node)
    return {
        "name": syntax.text(name),
        "type": type_text,
        "primitive": type_node is not None
        and type_node.type in ("integral_type", "floating_point_type", "boolean_type"),
        "nullable_type": None,
        "line": syntax.line(name if name is not None else node),
        "annotations": _java_annotations(node),
    }


def _java_annotations(node: Node) -> list[Annotation]:
    for child in node.children:
        if child.type == "modifiers":
            return [
                _java_annotation(c)
                for c in child.named_children
                if c.type in ("annotation", "marker_annotation")
            ]
    return []


def _java_annotation(node: Node) -> Annotation:
    name = syntax.text(node.child_by_field_name("name")).rsplit(".", 1)[-1]
    args: dict[str, list[Item]] = {}
    arguments = node.child_by_field_name("arguments")
    for arg in arguments.named_children if arguments is not None else ():
        if arg.type == "element_value_pair":
            key = syntax.text(arg.child_by_field_name("key"))
            value = arg.child_by_field_name("value")
        else:
            key, value = "value", arg
        if value is not None:
            args[key] = _java_values(value)
    return {"name": name, "line": syntax.line(node), "args": args}


def _java_values(node: Node) -> list[Item]:
    if node.type == "element_value_array_initializer":
        return [item for c in node.named_children if (item := _java_value(c)) is not None]
    item = _java_value(node)
    return [item] if item is not None else []


def _java_value(node: Node) -> Item | None:
    kind = node.type
    if kind == "string_literal":
        if any(c.type not in ("string_fragment", "escape_sequence") for c in node.named_children):
            return ["x", syntax.text(node)]
        return ["s", "".join(syntax.text(c) for c in node.named_children)]
    if kind in ("annotation", "marker_annotation"):
        return ["a", _java_annotation(node)]
    if kind == "binary_expression" and syntax.text(node.child_by_field_name("operator")) == "+":
        parts = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        items = [_java_value(p) for p in parts if p is not None]
        return ["+", [i for i in items if i is not None]]
    if kind == "parenthesized_expression" and node.named_children:
        return _java_value(node.named_children[0])
    if kind == "comment":
        return None
    return ["x", syntax.text(node)]


# ---------------------------------------------------------------- Kotlin


def _kotlin_node(node: Node, out: dict[str, Any], owner: TypeFacts | None, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in node.named_children:
        kind = child.type
        if kind == "package_header":
            out["package"] = syntax.text(child.named_children[-1]) if child.named_children else ""
        elif kind in ("class_declaration", "object_declaration"):
            facts = _kotlin_type(child)
            out["types"].append(facts)
            for body in child.named_children:
                if body.type in ("class_body", "enum_class_body"):
                    _kotlin_members(body, facts, out, depth + 1)
        elif kind == "property_declaration":
            _kotlin_constant(child, owner, out)
        elif kind == "ERROR":
            _kotlin_node(child, out, owner, depth + 1)


def _kotlin_type(node: Node) -> TypeFacts:
    keywords = {c.type for c in node.children if not c.is_named}
    modifiers = _first(node, "modifiers")
    class_modifiers = {
        syntax.text(c)
        for c in (modifiers.named_children if modifiers is not None else ())
        if c.type == "class_modifier"
    }
    if "interface" in keywords:
        kind = "interface"
    elif "annotation" in class_modifiers:
        kind = "annotation"
    elif node.type == "object_declaration":
        kind = "object"
    else:
        kind = "class"
    name = next((c for c in node.named_children if c.type == "identifier"), None)
    facts: TypeFacts = {
        "name": syntax.text(name),
        "kind": kind,
        "line": syntax.line(name or node),
        "annotations": _kotlin_annotations(node),
        "supertypes": [],
        "methods": [],
        "fields": [],
    }
    for child in node.named_children:
        if child.type == "delegation_specifiers":
            for spec in child.named_children:
                user_type = _first(spec, "user_type") or _first(
                    _first(spec, "constructor_invocation"), "user_type"
                )
                if user_type is not None:
                    facts["supertypes"].append(_type_name(user_type))
        elif child.type == "primary_constructor":
            for params in child.named_children:
                for param in params.named_children if params.type == "class_parameters" else ():
                    if param.type == "class_parameter" and any(
                        c.type in ("val", "var") for c in param.children
                    ):
                        facts["fields"].append(_kotlin_field(param))
    return facts


def _first(node: Node | None, kind: str) -> Node | None:
    if node is None:
        return None
    return next((c for c in node.named_children if c.type == kind), None)


def _kotlin_members(body: Node, facts: TypeFacts, out: dict[str, Any], depth: int) -> None:
    for member in body.named_children:
        kind = member.type
        if kind == "function_declaration":
            name = _first(member, "identifier")
            facts["methods"].append(
                {
                    "name": syntax.text(name),
                    "line": syntax.line(name or member),
                    "annotations": _kotlin_annotations(member),
                    "arity": _arity(_first(member, "function_value_parameters")),
                }
            )
        elif kind == "property_declaration":
            if not _kotlin_constant(member, facts, out) and _has_backing_field(member):
                declaration = _first(member, "variable_declaration")
                if declaration is not None:
                    field = _kotlin_field(member, declaration)
                    field["transient"] = "by" in {c.type for c in member.children}
                    facts["fields"].append(field)
        elif kind == "companion_object":
            inner = _first(member, "class_body")
            if inner is not None and depth < MAX_DEPTH:
                _kotlin_members(inner, facts, out, depth + 1)
        elif kind in ("class_declaration", "object_declaration"):
            nested = _kotlin_type(member)
            out["types"].append(nested)
            inner = _first(member, "class_body")
            if inner is not None and depth < MAX_DEPTH:
                _kotlin_members(inner, nested, out, depth + 1)


def _has_backing_field(node: Node) -> bool:
    """False for a computed property (`val isNew: Boolean get() = ...`, no initializer): it
    stores nothing, so it is no column."""
    has_getter = any(c.type == "getter" for c in node.named_children)
    return not has_getter or any(c.type == "=" for c in node.children)


# the type of a property declared without one, from its literal initializer (`var name = ""`)
KOTLIN_LITERAL_TYPES = {"string_literal": "String", "float_literal": "Double"}


def _kotlin_literal_type(node: Node) -> str:
    value = next(
        (c for c in node.named_children if c.prev_sibling and c.prev_sibling.type == "="), None
    )
    if value is None:
        return ""
    if value.type == "number_literal":
        return "Long" if syntax.text(value).upper().endswith("L") else "Int"
    if value.type == "identifier" and syntax.text(value) in ("true", "false"):
        return "Boolean"
    return KOTLIN_LITERAL_TYPES.get(value.type, "")


def _kotlin_constant(node: Node, owner: TypeFacts | None, out: dict[str, Any]) -> bool:
    """A `const val X = "..."` (or a `val` with a string value): recorded; True when it was."""
    declaration = _first(node, "variable_declaration")
    value = next(
        (c for c in node.named_children if c.type in ("string_literal", "binary_expression")),
        None,
    )
    modifiers = syntax.text(_first(node, "modifiers"))
    if declaration is None or value is None or (owner is not None and "const" not in modifiers):
        return False
    item = _kotlin_value(value)
    if item is None:
        return False
    name = syntax.text(_first(declaration, "identifier"))
    out["constants"][f"{owner['name']}.{name}" if owner else name] = item
    return True


def _kotlin_field(node: Node, declaration: Node | None = None) -> dict[str, Any]:
    holder = declaration if declaration is not None else node
    name = _first(holder, "identifier")
    type_node = next(
        (c for c in holder.named_children if c.type in ("user_type", "nullable_type")), None
    )
    inferred = "" if type_node is not None else _kotlin_literal_type(node)
    return {
        "name": syntax.text(name),
        "type": syntax.text(type_node).rstrip("?") if type_node is not None else inferred,
        "primitive": False,
        # a literal initializer gives a non-null type
        "nullable_type": (type_node.type == "nullable_type")
        if type_node is not None
        else (False if inferred else None),
        "line": syntax.line(name if name is not None else node),
        "annotations": _kotlin_annotations(node),
    }


def _kotlin_annotations(node: Node) -> list[Annotation]:
    out = []
    for holder in node.named_children:
        if holder.type in ("modifiers", "parameter_modifiers"):
            for child in holder.named_children:
                if child.type == "annotation":
                    out.append(_kotlin_annotation(child))
    return out


def _kotlin_annotation(node: Node) -> Annotation:
    call = _first(node, "constructor_invocation")
    user_type = _first(call, "user_type") if call is not None else _first(node, "user_type")
    name = _type_name(user_type) if user_type is not None else ""
    args: dict[str, list[Item]] = {}
    arguments = _first(call, "value_arguments")
    for arg in arguments.named_children if arguments is not None else ():
        _kotlin_argument(arg, args)
    return {"name": name, "line": syntax.line(node), "args": args}


def _kotlin_argument(arg: Node, args: dict[str, list[Item]]) -> None:
    children = arg.named_children
    if not children:
        return
    named = (
        len(children) >= 2
        and children[0].type == "identifier"
        and any(c.type == "=" for c in arg.children)
    )
    key = syntax.text(children[0]) if named else "value"
    value = children[-1]
    items = args.setdefault(key, [])
    if value.type == "collection_literal" or (
        value.type == "call_expression"
        and syntax.text(_first(value, "identifier")) in ("arrayOf", "listOf", "setOf")
    ):
        inner = _first(value, "value_arguments") if value.type == "call_expression" else value
        for element in inner.named_children if inner is not None else ():
            element = element.named_children[-1] if element.type == "value_argument" else element
            item = _kotlin_value(element)
            if item is not None:
                items.append(item)
        return
    item = _kotlin_value(value)
    if item is not None:
        items.append(item)


def _kotlin_value(node: Node) -> Item | None:
    kind = node.type
    if kind == "string_literal":
        parts: list[Item] = []
        content = ""  # adjacent string_content pieces, where `$name` templates are found
        for child in node.named_children:
            if child.type == "string_content":
                content += syntax.text(child)
                continue
            parts += _kotlin_template(content)
            content = ""
            if child.type in ("interpolation", "interpolated_identifier"):
                inner = child.named_children[-1] if child.named_children else child
                parts.append(["x", syntax.text(inner).strip("${}")])
            elif child.type == "escape_sequence":
                parts.append(["s", syntax.text(child)[1:]])
        parts += _kotlin_template(content)
        if all(p[0] == "s" for p in parts):
            return ["s", "".join(p[1] for p in parts)]
        return ["+", parts]
    if kind == "call_expression" and _first(node, "value_arguments") is not None:
        callee = syntax.text(node.named_children[0])
        if callee[:1].isupper():  # a nested annotation: UniqueConstraint(columnNames = [...])
            args: dict[str, list[Item]] = {}
            for arg in _first(node, "value_arguments").named_children:  # type: ignore[union-attr]
                _kotlin_argument(arg, args)
            return [
                "a",
                {
                    "name": _type_name(node.named_children[0]),
                    "line": syntax.line(node),
                    "args": args,
                },
            ]
    if kind == "annotation":
        return ["a", _kotlin_annotation(node)]
    if kind == "binary_expression" and any(c.type == "+" for c in node.children):
        items = [_kotlin_value(c) for c in node.named_children]
        return ["+", [i for i in items if i is not None]]
    if kind == "parenthesized_expression" and node.named_children:
        return _kotlin_value(node.named_children[0])
    return ["x", syntax.text(node)]


_TEMPLATE_NAME = re.compile(r"\$([A-Za-z_]\w*)")


def _kotlin_template(content: str) -> list[Item]:
    """`/a/$NAME/b` → string and constant items."""
    out: list[Item] = []
    at = 0
    for match in _TEMPLATE_NAME.finditer(content):
        if match.start() > at:
            out.append(["s", content[at : match.start()]])
        out.append(["x", match.group(1)])
        at = match.end()
    if at < len(content):
        out.append(["s", content[at:]])
    return out


def java_value(node: Node) -> Item | None:
    """A Java expression as an argument item (see the module's docstring)."""
    return _java_value(node)


def kotlin_value(node: Node) -> Item | None:
    """A Kotlin expression as an argument item (see the module's docstring)."""
    return _kotlin_value(node)


# ---------------------------------------------------------------- values


def evaluate(
    item: Item | None,
    constants: Mapping[str, Item],
    owner: str = "",
    file_facts: Mapping[str, Any] | None = None,
    unknown: str | None = None,
) -> str | None:
    """The string an argument item stands for, or None when it isn't known statically.
    Constants are looked up as `Class.NAME`, `NAME` (top-level), and `owner.NAME`, then through
    the member imports of `file_facts` (the facts of the file the item is written in).
    With `unknown`, a concatenation keeps its known parts and puts `unknown` for the others
    (`"/blog/$year"` → `/blog/{dynamic}`)."""
    imports: Mapping[str, str] = (file_facts or {}).get("imports", {})
    wildcards: list[str] = (file_facts or {}).get("wildcards", [])
    value = _evaluate(item, constants, owner, 0, (imports, wildcards))
    if value is None and unknown is not None and item is not None and item[0] == "+":
        parts = [evaluate(p, constants, owner, file_facts, unknown) for p in item[1]]
        return "".join(unknown if p is None else p for p in parts)
    return value


def _evaluate(
    item: Item | None,
    constants: Mapping[str, Item],
    owner: str,
    depth: int,
    scope: tuple[Mapping[str, str], list[str]] = ({}, []),
) -> str | None:
    if item is None or depth > 20:
        return None
    tag, value = item[0], item[1]
    if tag == "s":
        return str(value)
    if tag == "+":
        parts = [_evaluate(p, constants, owner, depth + 1, scope) for p in value]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p)
    if tag == "x":
        name = str(value)
        dotted = name.split(".")
        imports, wildcards = scope
        keys = [name, f"{owner}.{name}", ".".join(dotted[-2:]), dotted[-1]]
        if dotted[0] in imports:
            keys.append(".".join([imports[dotted[0]], *dotted[1:]]))
        keys += [f"{w}.{name}" for w in wildcards]
        for key in keys:
            if key in constants:
                return _evaluate(constants[key], constants, key.split(".")[0], depth + 1)
    return None


def argument(annotation: Annotation, *keys: str) -> list[Item]:
    """The items of the first of `keys` the annotation sets ([] when none)."""
    args: dict[str, list[Item]] = annotation.get("args", {})
    for key in keys:
        if key in args:
            return args[key]
    return []


def flag(annotation: Annotation, key: str) -> bool | None:
    """A boolean argument (`nullable = false`), or None when not set or not a literal."""
    items = argument(annotation, key)
    if len(items) == 1 and items[0][0] == "x" and items[0][1] in ("true", "false"):
        return bool(items[0][1] == "true")
    return None
