"""Ruby reading shared by the Rails extractors (no extractor of its own).

- `literal` turns an argument node into JSON-able data: strings and symbols become str, arrays
  lists, hashes `{"$hash": {...}}`, numbers and booleans themselves; anything computed at run
  time becomes `{"$expr": source}` (constants `{"$const": name}`).
- `call_facts` reads a DSL call (`resources :articles, only: [:show] do … end`) into its method,
  line, positional arguments, keyword options and string-keyed pairs (`get "a" => "b#c"`).
- `constant_name`, `class_path` name classes and modules the way Ruby does (`Api::V1::Users`).
- `Inflector` pluralizes and singularizes with Rails' default inflections (rules/ruby.toml).
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.inflection import Inflector
from backend_planner.workspace.codemap.inflection import inflector as shared_inflector
from backend_planner.workspace.codemap.routepath import DYNAMIC

if TYPE_CHECKING:
    from tree_sitter import Node

EXPR = "$expr"
CONST = "$const"
HASH = "$hash"
TEMPLATE = "$template"  # an interpolated string with {dynamic} parts
MAX_EXPR = 120

_STRING_TYPES = frozenset({"string", "bare_string", "delimited_symbol", "bare_symbol"})


def literal(node: Node | None) -> Any:
    """The static value of a Ruby expression, or `{"$expr": source}` when it has none."""
    if node is None:
        return None
    kind = node.type
    if kind in ("simple_symbol", "hash_key_symbol"):
        return syntax.text(node).lstrip(":")
    if kind in _STRING_TYPES:
        return _string(node)
    if kind in ("array", "string_array", "symbol_array"):
        return [literal(c) for c in node.named_children if c.type != "comment"]
    if kind == "hash":
        return {HASH: options_of(node.named_children)}
    if kind == "integer":
        try:
            return int(syntax.text(node).replace("_", ""))
        except ValueError:
            return {EXPR: syntax.text(node)}
    if kind in ("true", "false"):
        return kind == "true"
    if kind == "nil":
        return None
    if kind in ("constant", "scope_resolution"):
        return {CONST: syntax.text(node).lstrip(":")}
    if kind == "parenthesized_statements" and node.named_child_count == 1:
        return literal(node.named_children[0])
    return {EXPR: syntax.text(node)[:MAX_EXPR]}


def _string(node: Node) -> Any:
    """A string or symbol literal's value; one with `#{...}` is an expression whose
    `$template` has `{dynamic}` for each interpolation."""
    parts = []
    interpolated = False
    for child in node.named_children:
        if child.type == "string_content":
            parts.append(syntax.text(child))
        elif child.type == "escape_sequence":
            parts.append(syntax.text(child)[1:])
        else:
            interpolated = True
            parts.append(DYNAMIC)
    if interpolated:
        return {EXPR: syntax.text(node)[:MAX_EXPR], TEMPLATE: "".join(parts)}
    return "".join(parts)


def is_dynamic(value: Any) -> bool:
    return isinstance(value, dict) and (EXPR in value or CONST in value)


def options_of(pairs: list[Node]) -> dict[str, Any]:
    """The `key: value` / `:key => value` pairs of a hash or argument list (symbol keys)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if pair.type != "pair":
            continue
        key = pair.child_by_field_name("key")
        if key is None or key.type not in ("hash_key_symbol", "simple_symbol", "string"):
            continue
        name = literal(key)
        if isinstance(name, str):
            out[name] = literal(pair.child_by_field_name("value"))
    return out


def call_facts(call: Node) -> dict[str, Any]:
    """`{"m", "l", "args", "opts", "pairs"}` of a call: `opts` are its trailing `key: value`
    pairs with symbol keys, `pairs` the others (`"path" => "ctrl#action"`, `Engine => "/x"`);
    an explicit `{…}` argument is positional."""
    method = call.child_by_field_name("method")
    args: list[Any] = []
    opts: dict[str, Any] = {}
    pairs: list[list[Any]] = []
    arguments = call.child_by_field_name("arguments")
    for node in arguments.named_children if arguments is not None else []:
        if node.type == "pair":
            key = node.child_by_field_name("key")
            value = literal(node.child_by_field_name("value"))
            if key is None:
                continue
            if key.type in ("hash_key_symbol", "simple_symbol"):
                opts[str(literal(key))] = value
            else:  # "path" => "ctrl#action", Engine => "/path"
                pairs.append([literal(key), value])
        elif node.type not in (
            "comment",
            "block_argument",
            "splat_argument",
            "hash_splat_argument",
        ):
            args.append(literal(node))
    return {
        "m": syntax.text(method),
        "l": syntax.line(call),
        "args": args,
        "opts": opts,
        "pairs": pairs,
    }


def block_body(call: Node) -> Node | None:
    """The statements of a call's `do … end` / `{ … }` block, or None."""
    block = call.child_by_field_name("block")
    if block is None:
        return None
    return block.child_by_field_name("body")


def block_parameter(call: Node) -> str | None:
    """The first parameter of a call's block (`do |t|` → `t`)."""
    block = call.child_by_field_name("block")
    params = block.child_by_field_name("parameters") if block is not None else None
    if params is None:
        return None
    for child in params.named_children:
        if child.type == "identifier":
            return syntax.text(child)
    return None


def constant_name(node: Node | None) -> str:
    """`Api::V1::Users` for a constant or scope resolution (a leading `::` dropped)."""
    return re.sub(r"\s+", "", syntax.text(node)).lstrip(":") if node is not None else ""


def resolve_constant(name: str, nesting: list[str], known: Container[str]) -> str:
    """The full name of constant `name` referenced inside modules `nesting` (innermost last),
    looked up the way Ruby does: `Base` inside `Api` is `Api::Base` when that exists."""
    if name.startswith("::"):
        return name[2:]
    for depth in range(len(nesting), 0, -1):
        candidate = "::".join([*nesting[:depth], name])
        if candidate in known:
            return candidate
    return name


def underscore(name: str) -> str:
    """`Api::UserSessions` → `api/user_sessions` (ActiveSupport's underscore)."""
    word = name.replace("::", "/")
    word = re.sub(r"([A-Z\d]+)([A-Z][a-z])", r"\1_\2", word)
    word = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", word)
    return word.replace("-", "_").lower()


def inflector() -> Inflector:
    """Rails' default English inflections (the code map's shared inflector)."""
    return shared_inflector()
