"""Open documents that take an edit by slicing and record it for the syntax tree: the text and
lines are pygls' own, character for character, and the recorded edits rebuild the UTF-8 text
(bytes and tree-sitter points) the tree is parsed from."""

from __future__ import annotations

import random

import pytest
from lsprotocol import types
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from backend_planner.lsp import text_documents
from backend_planner.lsp.syntax_trees import Edit, encode
from backend_planner.lsp.text_documents import MAX_EDITS, PlannerTextDocument

PIECES = ["a", "b\n", "\r\n", "\r", "é", "😀", "\u2028", "x y", "\n\n", "\x0c", "", "// TODO: q\n"]
ENCODINGS = [
    types.PositionEncodingKind.Utf16,
    types.PositionEncodingKind.Utf8,
    types.PositionEncodingKind.Utf32,
]


def point(data: bytes, at: int) -> tuple[int, int]:
    """tree-sitter's point of byte `at`: rows end at `\\n` only, columns are bytes."""
    return data.count(b"\n", 0, at), at - (data.rfind(b"\n", 0, at) + 1)


def replay(data: bytes, edits: list[Edit]) -> bytes:
    for edit in edits:
        after = data[: edit.start_byte] + edit.inserted + data[edit.old_end_byte :]
        assert (edit.start_point, edit.old_end_point, edit.new_end_point) == (
            point(data, edit.start_byte),
            point(data, edit.old_end_byte),
            point(after, edit.new_end_byte),
        )
        data = after
    return data


@pytest.mark.parametrize("block", [256, 2], ids=["blocks-of-256", "blocks-of-2"])
def test_random_changes_keep_pygls_text_and_lines_and_rebuild_the_bytes(
    block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_documents, "LINE_BLOCK", block)  # (2: the line index is exercised)
    rng = random.Random(block)
    for _ in range(300):
        codec = PositionCodec(rng.choice(ENCODINGS))
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 15)))
        pygls = TextDocument("file:///a.go", text, 1, position_codec=codec)
        ours = PlannerTextDocument("file:///a.go", text, 1, position_codec=codec)
        data = encode(text)
        for _ in range(6):
            rows = max(1, len(pygls.lines))
            ends = sorted(
                (rng.randint(0, rows), rng.randint(0, 6)) for _ in range(2)
            )  # (may point past a line's end: clamped as pygls clamps)
            new = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 3)))
            if rng.random() < 0.15:
                whole = new + pygls.source[3:]
                changes: list[types.TextDocumentContentChangeEvent] = [
                    types.TextDocumentContentChangeWholeDocument(text=whole),
                    types.TextDocumentContentChangeWholeDocument(text=whole),
                ]
            else:
                changes = [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(*ends[0]), types.Position(*ends[1])),
                        text=new,
                    )
                    for _ in range(2)
                ]
            pygls.apply_change(changes[0])
            ours.apply_change(changes[1])
            assert list(ours.lines) == list(pygls.lines)
            assert ours.source == pygls.source
            edits = ours.take_edits()
            assert edits is not None
            data = replay(data, edits)
            assert data == encode(ours.source)


def test_a_whole_document_change_is_recorded_as_the_part_that_changed() -> None:
    text = "package a\n\n// TODO: add x\nvar y = 1\n"
    document = PlannerTextDocument("file:///a.go", text, 1)
    document.apply_change(
        types.TextDocumentContentChangeWholeDocument(text=text.replace("add x", "add x and z"))
    )
    (edit,) = document.take_edits() or []
    assert (edit.start_point, edit.old_end_point, edit.inserted) == ((2, 14), (2, 14), b" and z")
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text=document.source))
    assert document.take_edits() == []  # the same text: nothing changed


def test_edits_nobody_takes_are_not_kept_forever() -> None:
    document = PlannerTextDocument("file:///a.go", "x\n", 1)
    at = types.Range(types.Position(0, 0), types.Position(0, 0))
    for _ in range(MAX_EDITS + 1):
        document.apply_change(types.TextDocumentContentChangePartial(range=at, text="y"))
    assert document.take_edits() is None  # not all recorded: the tree starts again
    document.apply_change(types.TextDocumentContentChangePartial(range=at, text="z"))
    assert len(document.take_edits() or []) == 1
