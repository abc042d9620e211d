"""A long file edited the way editors edit it (incremental `didChange` ranges, UTF-16
columns), against the real server: the TODOs where the edit is change, the others keep their
plans and move with their lines; string contents never become TODOs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_support import lsp_fixture
from lsprotocol import types

from conftest import EXAMPLES_DIR

pytestmark = pytest.mark.e2e
lsp = lsp_fixture

FUNCTIONS = 60
STEP = 50  # a TODO every STEP lines, above a function


def long_go() -> str:
    out = ["package middleware", ""]
    for k in range(FUNCTIONS):
        out.append(f"// TODO: add endpoint number {k} with paging")
        out.append(f"func handler{k}(id int) string {{")
        for i in range(STEP - 3):
            out.append(f'\tv{i} := "value {i} // TODO: not a comment"; _ = v{i}')
        out.append("}")
    return "\n".join(out) + "\n"


def line_of(k: int) -> int:
    return 2 + k * STEP


def titles(actions: list[types.CodeAction]) -> list[str]:
    return [a.title for a in actions]


def edit(session: Any, doc: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    """One incremental change, as an editor sends it (columns in UTF-16 units)."""
    session.versions[doc] += 1
    span = types.Range(types.Position(*start), types.Position(*end))
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(
                uri=doc, version=session.versions[doc]
            ),
            content_changes=[types.TextDocumentContentChangePartial(range=span, text=text)],
        )
    )


async def test_edits_in_the_middle_of_a_long_file(lsp: Any, tmp_path: Path) -> None:
    root = tmp_path / "go-gin-shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    path = root / "internal" / "middleware" / "long.go"
    path.write_text(long_go(), encoding="utf-8")
    session = await lsp()
    await session.initialize([root])
    doc = session.open(path, "go")
    last = line_of(FUNCTIONS - 1)
    planned = await session.execute("backendPlanner.planTodo", doc, last)
    assert "Open plan" in titles(await session.actions(doc, last))

    # Three lines typed in the middle: a new two-line TODO and a line of code.
    middle = line_of(30)
    typed = "// FIXME: add invoice export\n// per month\nx := 1\n"
    edit(session, doc, (middle, 0), (middle, 0), typed)
    assert titles(await session.actions(doc, middle + 1)) == ["Plan this backend feature"]
    hover = await session.hover(doc, middle + 1)
    assert hover is not None
    assert (hover.range.start.line, hover.range.end.line) == (middle, middle + 1)
    # above: untouched; below: the same TODOs three lines down, the plan still theirs
    assert titles(await session.actions(doc, line_of(29))) == ["Plan this backend feature"]
    assert await session.actions(doc, line_of(29) + 3) == []  # a string's `// TODO`: no TODO
    moved = await session.hover(doc, last + 3)
    assert moved is not None and moved.range.start.line == last + 3
    assert "Backend plan" in moved.contents.value and "stale" not in moved.contents.value
    assert "Open plan" in titles(await session.actions(doc, last + 3))

    # Typing inside a string literal that looks like a TODO leaves it a string.
    row = line_of(40) + 3 + 2 + 3  # (three lines added above) `v3 := "value 3 // TODO: …"`
    column = len('\tv3 := "value 3 // TODO: ')
    edit(session, doc, (row, column), (row, column), "still ")
    assert await session.actions(doc, row) == []

    # Typing in the planned TODO's text (after a character outside the BMP, two UTF-16
    # units): the plan is stale; re-planned, the request is the text as typed.
    head = "// TODO: add endpoint number 59"
    edit(session, doc, (last + 3, len(head)), (last + 3, len(head)), " 😀")
    edit(session, doc, (last + 3, len(head) + 3), (last + 3, len(head) + 3), " now")
    actions = await session.actions(doc, last + 3)
    assert "Re-plan (the TODO changed)" in titles(actions)
    replan = next(a for a in actions if a.title == "Re-plan (the TODO changed)")
    again = await session.run(replan)
    assert again["planId"] != planned["planId"]
    payload = json.loads(await session.content(again["jsonUri"]))
    assert payload["request"] == "add endpoint number 59 😀 now with paging"

    # The three lines removed again: everything back where it was.
    edit(session, doc, (middle, 0), (middle + 3, 0), "")
    assert titles(await session.actions(doc, middle)) == ["Plan this backend feature"]
    hover = await session.hover(doc, middle)
    assert hover is not None
    assert (hover.range.start.line, hover.range.end.line) == (middle, middle)
    assert "Open plan" in titles(await session.actions(doc, last))
    end = await session.hover(doc, last)
    assert end is not None and end.range.end.character == len(head) + 3 + 4 + len(" with paging")
