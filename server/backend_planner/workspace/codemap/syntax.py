"""tree-sitter parsing for the code map: one grammar wheel per language, loaded on first use.

`parse(language, source)` returns the syntax tree (tree-sitter never fails: a syntax error is an
ERROR node and the rest of the file is still read). `query(language, name)` compiles the query
file `queries/<name>.scm` once. The node helpers return plain str/int, so extractors never deal
with bytes or 0-based rows.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Query, Tree

# language -> (grammar module, function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "go": ("tree_sitter_go", "language"),
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "rust": ("tree_sitter_rust", "language"),
}

# file extension -> grammar
EXTENSION_GRAMMAR: dict[str, str] = {
    ".go": "go",
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".rs": "rust",
}


@cache
def language(name: str) -> Language:
    from tree_sitter import Language

    module, function = GRAMMARS[name]
    return Language(getattr(import_module(module), function)())


@cache
def _parser(name: str) -> Parser:
    from tree_sitter import Parser

    return Parser(language(name))


def grammar_of(path: str) -> str | None:
    """The grammar for a file name (by extension), or None."""
    dot = path.rfind(".")
    return EXTENSION_GRAMMAR.get(path[dot:].lower()) if dot >= 0 else None


def parse(grammar: str, source: bytes) -> Tree:
    return _parser(grammar).parse(source)


@cache
def query(grammar: str, name: str) -> Query:
    """The compiled query `queries/<name>.scm` for `grammar`."""
    from tree_sitter import Query

    text = files("backend_planner.workspace.codemap").joinpath("queries").joinpath(f"{name}.scm")
    compiled: Query = Query(language(grammar), text.read_text(encoding="utf-8"))
    return compiled


def captures(grammar: str, name: str, node: Node) -> dict[str, list[Node]]:
    from tree_sitter import QueryCursor

    return QueryCursor(query(grammar, name)).captures(node)


def matches(grammar: str, name: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    from tree_sitter import QueryCursor

    return QueryCursor(query(grammar, name)).matches(node)


def text(node: Node | None) -> str:
    """The node's source text ('' for None)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: Node) -> int:
    """1-based line of the node's start."""
    return node.start_point[0] + 1


def string_value(node: Node | None) -> str | None:
    """The value of a plain string literal node of any grammar (quotes and prefixes removed),
    or None when the node is not a literal without interpolation."""
    if node is None:
        return None
    kind = node.type
    raw = text(node)
    if kind in (
        "interpreted_string_literal",
        "raw_string_literal",
        "string_literal",
        "string",
        "template_string",
        "encapsed_string",
        "string_content",
        "character_literal",
    ):
        if kind == "template_string" and "${" in raw:
            return None
        if kind == "string" and any(c.type == "interpolation" for c in node.children):
            return None
        if kind == "encapsed_string" and any(
            c.type in ("variable_name", "dynamic_variable_name") for c in node.children
        ):
            return None
        body = raw
        # prefixes: Python r/b/f, Rust r#"..."#, C# @
        while body and body[0] in "rRbBuUfF@" and len(body) > 1 and body[1] not in "\"'`":
            body = body[1:]
        if body[:1] in "rRbBuUfF" and body[1:2] in ('"', "'"):
            if body[0] in "fF" and "{" in body:
                return None
            body = body[1:]
        body = body.strip("#")
        for quote in ('"""', "'''", '"', "'", "`"):
            if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
                return body[len(quote) : -len(quote)]
        return body
    return None
