"""Open documents that take an edit in time proportional to the edit, and say what it was.

pygls' `TextDocument` splits the whole text into lines for every incremental change and every
position conversion (a hover's range, a code action's edit): ~2.5 ms each on a 20,000-line
file. `PlannerTextDocument` keeps its lines (patched around each change, split exactly as
`str.splitlines` splits the whole text; the text is joined again only when read) and records
each change as a tree-sitter `Edit` for the document's syntax tree (`take_edits`). A
whole-document change is recorded as the one replacement between the common prefix and
suffix. The text it keeps is the same, character for character, as pygls' own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from backend_planner.lsp.syntax_trees import LINE_BREAKS, Edit, common_edit, edit_at, edit_for

MAX_EDITS = 1_000  # recorded edits nobody took: beyond this the record is dropped (None)
LINE_BLOCK = 256  # lines per block of the line-offset index
# Line ends pygls splits lines at but tree-sitter's rows don't (it counts `\n` only).
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class PlannerTextDocument(TextDocument):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lines: list[str] | None = None
        self._joined = True  # `_source` is the lines joined (else joined when next read)
        self._blocks: list[int] | None = None  # offset of line b·LINE_BLOCK, per block b
        self._rows = False  # the lines are tree-sitter's rows (only `\n` or `\r\n` ends)
        self._ascii = False  # every line is ASCII (byte offsets are code-point offsets)
        self._edits: list[Edit] | None = []

    def take_edits(self) -> list[Edit] | None:
        """The edits since the last call, in order; None when they were not all recorded."""
        edits, self._edits = self._edits, []
        return edits

    def _record(self, edit: Edit) -> None:
        if self._edits is not None:
            self._edits.append(edit)
            if len(self._edits) > MAX_EDITS:
                self._edits = None

    @property
    def source(self) -> str:
        if not self._joined and self._lines is not None:
            self._source = "".join(self._lines)
            self._joined = True
        return super().source

    @property
    def lines(self) -> Sequence[str]:
        return self._split()

    def _split(self) -> list[str]:
        if self._lines is None:
            source = self.source
            self._lines = source.splitlines(True)
            self._blocks = None
            self._rows = _OTHER_BREAKS.search(source) is None
            self._ascii = source.isascii()
        return self._lines

    def _reset(self, source: str) -> None:
        self._source, self._joined, self._lines = source, True, None

    def _offset(self, line: int) -> int:
        """Where `line` starts in the source (code points)."""
        lines = self._split()
        if self._blocks is None:
            sizes = (
                sum(map(len, lines[b : b + LINE_BLOCK])) for b in range(0, len(lines), LINE_BLOCK)
            )
            self._blocks = list(accumulate(sizes, initial=0))
        block = line // LINE_BLOCK
        return self._blocks[block] + sum(map(len, lines[block * LINE_BLOCK : line]))

    def _position(self, lines: list[str], position: types.Position) -> tuple[int, int]:
        """A client position as (line, code point) — pygls' codec, without its loop over the
        line's characters when the line is ASCII."""
        if position.line < len(lines) and lines[position.line].isascii():
            line = lines[position.line]
            units = len(line) - line.endswith("\r\n")  # pygls counts `\r\n` as one unit
            if units == 0:
                return position.line, 0
            character = position.character
            return position.line, (units - 1 if character > units else character)
        server = self._position_codec.position_from_client_units(lines, position)
        return server.line, server.character

    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        old = self.source
        replacement = common_edit(old, change.text)
        if replacement is not None:
            self._record(edit_for(old, *replacement))
        self._reset(change.text)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self._split()
        text = change.text
        if lines:
            first, start_column = self._position(lines, change.range.start)
            last, end_column = self._position(lines, change.range.end)
        if not lines or first >= len(lines):  # at the very end (pygls: appended)
            source = self.source
            self._record(edit_for(source, len(source), len(source), text))
            self._reset(source + text)
            return
        if first > last or last >= len(lines):  # not a range: pygls' own way, not recorded
            self._edits = None
            self._reset(self.source)
            super()._apply_incremental_change(change)
            self._reset(self._source or "")
            return
        head_column = min(start_column, len(lines[first]))
        tail_column = min(end_column, len(lines[last]))
        if first == last and head_column > tail_column:  # (a clamped end before the start:
            text += lines[first][tail_column:head_column]  # pygls repeats what is between)
            tail_column = head_column
        line_start = self._offset(first)
        start = line_start + head_column
        if last == first:
            removed = lines[first][head_column:tail_column]
        else:
            between = "".join(lines[first + 1 : last])
            removed = lines[first][head_column:] + between + lines[last][:tail_column]
        head = lines[first][:head_column]
        if self._rows and self._ascii and "\n" not in head:  # no scan of the whole text
            self._record(edit_at(start, first, head_column, removed, text))
        else:
            self._record(edit_for(self.source, start, start + len(removed), text))
        # The lines around the change, split again: the changed part, widened so that its ends
        # are line ends of the whole text (`\r` then `\n` is one line end).
        piece = head + text + lines[last][tail_column:]
        low, high = first, last + 1
        while high < len(lines) and (
            not piece
            or piece[-1] not in LINE_BREAKS
            or (piece[-1] == "\r" and lines[high][:1] == "\n")
        ):
            piece += lines[high]
            high += 1
        while low > 0 and lines[low - 1][-1:] == "\r" and piece[:1] == "\n":
            low -= 1
            piece = lines[low] + piece
        pieces = piece.splitlines(True)
        self._rows = self._rows and _OTHER_BREAKS.search(piece) is None
        self._ascii = self._ascii and text.isascii()
        lines[low:high] = pieces
        self._joined = False
        if self._blocks is not None:  # the index: blocks after the change move by the change
            moved = len(text) - len(removed)
            after = low // LINE_BLOCK + 1
            if len(pieces) != high - low or after * LINE_BLOCK < high:
                self._blocks = None  # lines added or removed, or a block start inside: rebuilt
            else:
                self._blocks[after:] = [offset + moved for offset in self._blocks[after:]]


class PlannerWorkspace(Workspace):
    """pygls' workspace, with `PlannerTextDocument`s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return PlannerTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def adopt(workspace: Workspace) -> Workspace:
    """`workspace` (made by pygls at `initialize`, no document open yet) as a
    `PlannerWorkspace`: same folders, encoding and sync kind."""
    if not isinstance(workspace, PlannerWorkspace):
        workspace.__class__ = PlannerWorkspace
    return workspace
