"""TODO comments read from tree-sitter syntax trees, kept current edit by edit (pure: no pygls).

`SyntaxTodos` holds one document: its text as UTF-8, its syntax tree and its TODOs. Each edit
(`Edit`, made by `edit_for` from the text before the change) goes to `Tree.edit` as it arrives;
`todos(text, markers)` then brings the TODOs up to the text:

- an edit inside a comment's text that types, removes or makes none of that comment's
  delimiters (no line break in a `//` comment, no `*/` or `/*` in a `/* */` comment, no quote,
  backslash or brace in a docstring), in a tree without syntax errors, cannot change the
  tree's structure: nothing is parsed;
- any other edit re-parses with the old tree (`Parser.parse(text, old_tree)`), and
  `old_tree.changed_ranges(new_tree)` says where the structure changed;
- only the rows of the edits and of the changed ranges are read again (widened to whole comment
  nodes and to the TODOs that touch them); every other TODO is kept, its lines shifted.

Comments are the grammar's comment nodes and, in Python, docstrings (a triple-quoted string
that is a statement of its own); string contents never are. `SyntaxTrees` keeps the trees of
open documents within a memory budget (a tree takes about 90 bytes per node: 17-28 MB for a
20,000-line Go file): the least recently used ones are dropped and parsed again when needed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from backend_planner.lsp.todos import RawComment, Todo, assemble, comment_lines, marker_pattern
from backend_planner.workspace.codemap.syntax import language

if TYPE_CHECKING:
    import re

    from tree_sitter import Node, Query, Range, Tree

log = logging.getLogger(__name__)

# grammar -> its comment node types (docstrings are found separately)
COMMENTS: dict[str, tuple[str, ...]] = {
    "go": ("comment",),
    "python": ("comment",),
    "javascript": ("comment", "html_comment"),
    "typescript": ("comment", "html_comment"),
    "tsx": ("comment", "html_comment"),
    "java": ("line_comment", "block_comment"),
    "kotlin": ("line_comment", "block_comment"),
    "ruby": ("comment",),
    "php": ("comment",),
    "rust": ("line_comment", "block_comment"),
}
DOCSTRINGS = frozenset({"python"})  # languages whose statement strings are comments
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_STRING_PREFIX = b"rRuUbBfF"
BYTES_PER_NODE = 90  # measured: a tree's memory per (visible) node
BYTES_PER_CHARACTER = 30  # per character of source: a tree's size guessed before parsing
TREE_BUDGET = 24 * 2**20  # bytes of trees kept for open documents
MAX_PENDING = 2_000  # edits kept for one update; beyond, the next read is a full one
_CONTINUATION_ROWS = 64  # rows fetched at a time when a TODO may continue past a region


def encode(text: str) -> bytes:
    """The document as tree-sitter reads it (lone surrogates kept, as 3 bytes each)."""
    return text.encode("utf-8", "surrogatepass")


def _decode(data: bytes | bytearray) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:  # a node boundary inside a character: never fatal
        return data.decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Edit:
    """One change of a document in tree-sitter's terms: byte offsets and (row, byte column)
    points before and after it, and the bytes it inserted."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]
    inserted: bytes


def edit_for(source: str, start: int, end: int, new: str) -> Edit:
    """The edit replacing `source[start:end]` (code-point offsets) by `new`."""
    start_byte = start if source.isascii() else len(encode(source[:start]))
    line_start = source.rfind("\n", 0, start) + 1
    column = len(encode(source[line_start:start]))
    return edit_at(start_byte, source.count("\n", 0, start), column, source[start:end], new)


def edit_at(start_byte: int, row: int, column: int, removed: str, new: str) -> Edit:
    """The edit replacing `removed` by `new` where `removed` starts at byte `start_byte`, at
    `row` and byte `column`."""
    inserted = encode(new)
    old_rows = removed.count("\n")
    if old_rows:
        old_column = len(encode(removed[removed.rfind("\n") + 1 :]))
    else:
        old_column = column + len(encode(removed))
    new_rows = new.count("\n")
    new_column = len(encode(new[new.rfind("\n") + 1 :])) if new_rows else column + len(inserted)
    return Edit(
        start_byte,
        start_byte + len(encode(removed)),
        start_byte + len(inserted),
        (row, column),
        (row + old_rows, old_column),
        (row + new_rows, new_column),
        inserted,
    )


def common_edit(old: str, new: str) -> tuple[int, int, str] | None:
    """A whole-document change as one replacement `(start, end, text)` of `old` (the common
    prefix and suffix kept), or None when nothing changed."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    start = _common(lambda i, j: old[i:j] == new[i:j], limit)
    size, other = len(old), len(new)
    suffix = _common(
        lambda i, j: old[size - j : size - i] == new[other - j : other - i], limit - start
    )
    return start, size - suffix, new[start : other - suffix]


def _common(same: Callable[[int, int], bool], limit: int) -> int:
    """The first n ≤ limit where `same(n, n + 1)` fails (limit if none): growing spans compared
    at C speed until one differs, then halved inside it (each character compared about twice)."""
    low, chunk = 0, 4096
    while low < limit:
        high = min(low + chunk, limit)
        if not same(low, high):
            while high - low > 1:  # the first difference is in low..high
                middle = (low + high) // 2
                if same(low, middle):
                    low = middle
                else:
                    high = middle
            return low
        low, chunk = high, chunk * 2
    return limit


@cache
def _query(grammar: str) -> Query:
    from tree_sitter import Query

    kinds = " ".join(f"({kind})" for kind in COMMENTS[grammar])
    source = f"[{kinds}] @comment"
    if grammar in DOCSTRINGS:
        source += "\n(expression_statement (string) @doc)"
    query: Query = Query(language(grammar), source)
    return query


def _parse(grammar: str, data: bytes | bytearray, old: Tree | None = None) -> Tree:
    from tree_sitter import Parser

    parser = Parser(language(grammar))  # a parser per call: safe in any thread
    return parser.parse(data) if old is None else parser.parse(data, old)


class SyntaxTodos:
    """One document's syntax tree and TODOs, updated from its edits."""

    def __init__(self, grammar: str, text: str) -> None:
        self.grammar = grammar
        self.kinds = frozenset(COMMENTS[grammar])
        self.data = bytearray(encode(text))
        self.tree = _parse(grammar, self.data)
        self.structure_changed = False  # an edit since the parse may have changed the tree
        self.pending: list[Edit] = []
        self.overflow = False
        self.found: list[Todo] | None = None
        self.markers: tuple[str, ...] = ()
        # What the last `todos` did (tests and logs): parses so far, and the rows read again
        # (None: the whole document).
        self.parses = 1
        self.rows_read: list[tuple[int, int]] | None = None
        self._size: int | None = None

    @property
    def size(self) -> int:
        """Estimated bytes of memory (tree and text), as of the last parse."""
        if self._size is None:
            self._size = self.tree.root_node.descendant_count * BYTES_PER_NODE + len(self.data)
        return self._size

    # ---- edits --------------------------------------------------------------------------
    def edit(self, edits: Sequence[Edit]) -> None:
        """Apply edits (in order) to the tree and the text; nothing is parsed or read here."""
        for change in edits:
            if not self.structure_changed and not self._inside_comment(change):
                self.structure_changed = True
            self.tree.edit(
                change.start_byte,
                change.old_end_byte,
                change.new_end_byte,
                change.start_point,
                change.old_end_point,
                change.new_end_point,
            )
            self.data[change.start_byte : change.old_end_byte] = change.inserted
            if len(self.pending) < MAX_PENDING:
                self.pending.append(change)
            else:
                self.overflow = True

    def _inside_comment(self, change: Edit) -> bool:
        """True when `change` lies inside one comment's text and neither types, removes nor
        makes (with the characters either side of it) one of its delimiters: the tree's
        structure is then the same after it (no parse needed)."""
        if self.tree.root_node.has_error:  # (an unclosed construct may end inside a comment)
            return False
        start, end = change.start_byte, change.old_end_byte
        node = self._comment_at(start, end)
        if node is None:
            return False
        first, last = node.start_byte, node.end_byte
        before = self.data[max(first, start - 1) : start]  # the neighbours inside the comment
        after = self.data[end : min(end + 1, last)]
        removed = _decode(before + self.data[start:end] + after)
        joined = _decode(before + change.inserted + after)
        head = bytes(self.data[first : first + 2])
        if node.type == "string":  # a docstring: its text between the triple quotes
            body = bytes(self.data[first:last]).lstrip(_STRING_PREFIX)
            quotes = body[:3]
            return (
                quotes in (b'"""', b"'''")
                and body.endswith(quotes)
                and len(body) >= 6
                and last - len(body) + 3 <= start
                and end <= last - 3
                and not any(c in removed or c in joined for c in "\"'\\{}")
            )
        if head == b"/*":  # (nested in Rust and Kotlin: no `/*` either)
            return (
                last - first >= 4
                and self.data[last - 2 : last] == b"*/"
                and first + 2 <= start
                and end <= last - 2
                and not any(d in removed or d in joined for d in ("*/", "/*"))
            )
        if (head == b"//" or head[:1] == b"#") and node.start_point[0] == node.end_point[0]:
            ends = LINE_BREAKS
            if self.grammar == "php":  # `?>` ends a PHP comment too
                if bytes(self.data[last : last + 1]) not in (b"", b"\n", b"\r"):
                    return False
                ends += "?>"  # (each of them: conservative)
            return (
                first + 4 <= start  # (`///`, `//!`, `#[` … made a comment another kind)
                and end <= last
                and not any(c in removed or c in joined for c in ends)
            )
        return False

    def _comment_at(self, start: int, end: int) -> Node | None:
        """The comment (or docstring) node holding bytes start..end (an insertion at a
        comment's end is inside it)."""
        root = self.tree.root_node
        spans = [(start, end)]
        if start == end and start > 0:
            spans.append((start - 1, start))
        for low, high in spans:
            node: Node | None = root.descendant_for_byte_range(low, high)
            while node is not None:
                if node.type in self.kinds or (node.type == "string" and self._docstring(node)):
                    if node.start_byte <= start and end <= node.end_byte:
                        return node
                    break
                node = node.parent
        return None

    def _docstring(self, node: Node) -> bool:
        parent = node.parent
        return (
            self.grammar in DOCSTRINGS
            and parent is not None
            and parent.type == "expression_statement"
            and parent.named_child_count == 1
        )

    # ---- reading --------------------------------------------------------------------------
    def todos(self, text: str, markers: tuple[str, ...]) -> list[Todo]:
        """The TODOs of `text` (the document now): re-parsed and re-read only where needed."""
        head = marker_pattern(markers)
        data = encode(text)
        if data != self.data:  # edits missed (or a plain text given): start again
            if self.pending or self.found is not None:
                log.info("syntax tree of a %s document out of step: parsed again", self.grammar)
            self.data = bytearray(data)
            self.tree = _parse(self.grammar, self.data)
            self.parses += 1
            self.structure_changed, self.found, self._size = False, None, None
            self.pending.clear()
        ranges: list[Range] = []
        if self.structure_changed:
            old = self.tree
            self.tree = _parse(self.grammar, self.data, old)
            self.parses += 1
            ranges = old.changed_ranges(self.tree)
            self.structure_changed, self._size = False, None
        if head is None:
            self.found, self.rows_read = [], []
        elif self.found is None or markers != self.markers or self.overflow:
            self.found = assemble(comment_lines(self._raw(self._nodes())), head)
            self.rows_read = None
        elif self.pending or ranges:
            self.found = self._update(self.found, head, ranges)
        else:
            self.rows_read = []
        self.pending.clear()
        self.overflow = False
        self.markers = markers
        return self.found

    def _update(self, todos: list[Todo], head: re.Pattern[str], ranges: list[Range]) -> list[Todo]:
        """`todos` (of the text before the pending edits) brought up to the text now."""
        kept, regions = _through_edits(todos, self.pending)
        regions += [[r.start_point[0], r.end_point[0]] for r in ranges]
        nodes: dict[tuple[int, int], list[Node]] = {}
        while True:  # widen to whole comment nodes and to the TODOs touching a region
            regions = _merged(regions)
            widened = False
            for region in regions:
                key = (region[0], region[1])
                found = nodes.get(key)
                if found is None:
                    found = nodes[key] = self._nodes(key)
                for node in found:
                    if node.start_point[0] < region[0] or node.end_point[0] > region[1]:
                        region[0] = min(region[0], node.start_point[0])
                        region[1] = max(region[1], node.end_point[0])
                        widened = True
            still: list[Todo] = []
            for todo in kept:
                touching = [r for r in regions if todo.line <= r[1] and todo.end_line >= r[0] - 1]
                if not touching:
                    still.append(todo)
                    continue
                touching[0][0] = min(touching[0][0], todo.line)
                touching[0][1] = max(touching[0][1], todo.end_line)
                widened = True
            kept = still
            if not widened:
                break
        fresh: list[Todo] = []
        for first, last in regions:
            found = nodes[(first, last)]
            comments = list(self._raw(found))
            if found and max(n.end_point[0] for n in found) >= last:
                comments += self._continuation(last)
            fresh += [t for t in assemble(comment_lines(comments), head) if first <= t.line <= last]
        self.rows_read = [(first, last) for first, last in regions]
        return sorted(kept + fresh, key=lambda t: (t.line, t.column))

    def _continuation(self, last: int) -> list[RawComment]:
        """The line comments alone on the rows right after `last` (a TODO ending at `last`
        may continue on them)."""
        out: list[RawComment] = []
        row = last
        while True:
            chunk = list(self._raw(self._nodes((row + 1, row + _CONTINUATION_ROWS))))
            for comment in chunk:
                if comment.line != row + 1 or not comment.line_style or not comment.alone:
                    return out
                out.append(comment)
                row = comment.line
            if len(chunk) < _CONTINUATION_ROWS:
                return out

    def _nodes(self, rows: tuple[int, int] | None = None) -> list[Node]:
        """The comment and docstring nodes (of rows first..last, when given), in order."""
        from tree_sitter import QueryCursor

        cursor = QueryCursor(_query(self.grammar))
        if rows is not None:
            cursor.set_point_range((max(rows[0], 0), 0), (rows[1] + 1, 0))
        found = cursor.captures(self.tree.root_node)
        nodes = list(found.get("comment", []))
        nodes += [n for n in found.get("doc", []) if self._docstring(n)]
        nodes.sort(key=lambda n: n.start_byte)
        return nodes

    def _raw(self, nodes: Sequence[Node]) -> list[RawComment]:
        out = []
        data = self.data
        for node in nodes:
            first, last = node.start_byte, node.end_byte
            row, byte_column = node.start_point
            prefix = data[first - byte_column : first]
            before = prefix.decode("ascii") if prefix.isascii() else _decode(prefix)
            alone = not before.strip()
            column = len(before)
            text = _decode(data[first:last])
            if node.type == "string":  # a docstring
                body = text.lstrip("rRuUbBfF")
                if not alone or not body.startswith(('"""', "'''")):
                    continue
                column += len(text) - len(body)
                out.append(RawComment(row, column, body, alone, False))
                continue
            line_style = text.startswith(("//", "#")) and node.end_point[0] == row
            out.append(RawComment(row, column, text, alone, line_style))
        return out


def _through_edits(todos: list[Todo], edits: Sequence[Edit]) -> tuple[list[Todo], list[list[int]]]:
    """The TODOs no edit touched (moved to their rows after the edits) and the row regions the
    edits touched (rows after the edits), TODOs touched by an edit included."""
    moved: list[tuple[Todo, int]] = [(t, 0) for t in todos]
    regions: list[list[int]] = []
    for change in edits:
        first, old_last, new_last = (
            change.start_point[0],
            change.old_end_point[0],
            change.new_end_point[0],
        )
        rows = new_last - old_last
        still: list[tuple[Todo, int]] = []
        for todo, shift in moved:
            line, end = todo.line + shift, todo.end_line + shift
            if end < first:
                still.append((todo, shift))
            elif line > old_last:
                still.append((todo, shift + rows))
            else:
                regions.append([min(line, first), max(end, old_last)])
        moved = still
        mapped = []
        for low, high in regions:
            if high < first:
                mapped.append([low, high])
            elif low > old_last:
                mapped.append([low + rows, high + rows])
            else:
                mapped.append([min(low, first), max(high, old_last) + rows])
        mapped.append([first, new_last])
        regions = mapped
    return [todo.shifted(shift) for todo, shift in moved], regions


def _merged(regions: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for low, high in sorted(regions):
        if out and low <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], high)
        else:
            out.append([low, high])
    return out


class SyntaxTrees:
    """The `SyntaxTodos` of open documents (by key), most recently used last, their estimated
    memory held within `budget` bytes (the document in use is always kept)."""

    def __init__(self, budget: int = TREE_BUDGET) -> None:
        self.budget = budget
        self.documents: OrderedDict[str, SyntaxTodos] = OrderedDict()

    def todos(self, key: str, grammar: str, text: str, markers: tuple[str, ...]) -> list[Todo]:
        document = self.documents.get(key)
        if document is None or document.grammar != grammar:
            self.documents.pop(key, None)
            self._trim(len(text) * BYTES_PER_CHARACTER)  # room first: one tree in the making
            document = SyntaxTodos(grammar, text)
            self.documents[key] = document
        self.documents.move_to_end(key)
        found = document.todos(text, markers)
        self._trim()
        return found

    def edit(self, key: str, edits: Sequence[Edit]) -> None:
        document = self.documents.get(key)
        if document is not None and edits:
            document.edit(edits)

    def get(self, key: str) -> SyntaxTodos | None:
        return self.documents.get(key)

    def drop(self, key: str) -> None:
        self.documents.pop(key, None)

    def _trim(self, incoming: int = 0) -> None:
        """Drop the least recently used trees until the budget holds `incoming` more bytes
        (the most recent tree stays when nothing comes in)."""
        total = sum(d.size for d in self.documents.values()) + incoming
        while total > self.budget and len(self.documents) > (0 if incoming else 1):
            _key, dropped = self.documents.popitem(last=False)
            total -= dropped.size
