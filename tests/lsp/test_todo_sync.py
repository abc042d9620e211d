"""The server's TODOs of open documents, version by version: edits reach the syntax tree as
they arrive, each version is read once (a request, or the timer after the last edit, whichever
comes first), and a timer whose version is gone does nothing."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

from lsprotocol import types

from backend_planner.lsp import todo_sync
from backend_planner.lsp.server import PlannerServer
from backend_planner.lsp.text_documents import PlannerWorkspace


def run(steps: Generator[Any, Any, Any]) -> None:
    """Run a pygls protocol method the way pygls does: each handler it yields, in order."""
    try:
        step = next(steps)
        while True:
            handler, arguments, _ = step
            step = steps.send(handler(*arguments))
    except StopIteration:
        pass


def server_with(path: Path, text: str, language_id: str = "go") -> tuple[PlannerServer, str]:
    """A server after `initialize` and `didOpen` of `path`."""
    ls = PlannerServer()
    root = path.parent.as_uri()
    run(
        ls.protocol.lsp_initialize(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=root,
                workspace_folders=[types.WorkspaceFolder(uri=root, name="w")],
            )
        )
    )
    assert isinstance(ls.workspace, PlannerWorkspace)
    uri = path.as_uri()
    item = types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
    run(ls.protocol.lsp_text_document__did_open(types.DidOpenTextDocumentParams(item)))
    return ls, uri


def change(ls: PlannerServer, uri: str, version: int, line: int, column: int, text: str) -> None:
    """One typed change, through pygls and the server's didChange handler."""
    at = types.Position(line, column)
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
        [types.TextDocumentContentChangePartial(range=types.Range(at, at), text=text)],
    )
    run(ls.protocol.lsp_text_document__did_change(params))
    assert ls.debounced[uri]  # its timer (run by hand below: `todo_sync.settle`)


async def test_each_version_is_read_once_and_a_gone_version_is_dropped(tmp_path: Path) -> None:
    text = "package a\n\n" + "".join(f"// TODO: task {k}\nvar v{k} = 1\n" for k in range(300))
    ls, uri = server_with(tmp_path / "a.go", text)
    first = ls.docs[uri]  # read at didOpen
    tree = ls.trees.get(uri)
    assert tree is not None and len(first.todos) == 300 and tree.parses == 1
    assert ls.todos(uri) is first  # the same version: nothing read again

    change(ls, uri, 2, 2 + 2 * 150, len("// TODO: task 150"), " and more")
    change(ls, uri, 3, 2 + 2 * 10, 0, "x := 1\n")
    todo_sync.settle(ls, uri, 2)  # the timer of a version that is gone: nothing
    assert ls.docs[uri] is first
    second = ls.todos(uri)
    assert second.version == 3 and tree.parses == 2  # one parse for both edits
    assert [t.text for t in second.todos[149:152]] == ["task 149", "task 150 and more", "task 151"]
    assert second.todos[150].line == first.todos[150].line + 1  # below the new line: moved
    reads = tree.rows_read
    todo_sync.settle(ls, uri, 3)  # the timer of this version: already read, nothing done
    assert ls.docs[uri] is second and tree.rows_read is reads and tree.parses == 2

    change(ls, uri, 4, 2 + 2 * 5, len("// TODO: task 5"), "!")
    todo_sync.settle(ls, uri, 4)  # no request came: the timer reads the version
    assert ls.docs[uri].version == 4 and ls.docs[uri].todos[5].text == "task 5!"
    assert tree.parses == 2  # typed in a comment: read again without parsing


def test_languages_without_a_grammar_and_skipped_documents_keep_no_tree(tmp_path: Path) -> None:
    ls, uri = server_with(tmp_path / "a.sql", "-- TODO: add index\nSELECT 1;\n", "sql")
    assert [t.text for t in ls.todos(uri).todos] == ["add index"]
    assert ls.trees.get(uri) is None
    ls, uri = server_with(tmp_path / "b.go", "// TODO: x\n\x00\x01", "go")
    assert ls.todos(uri).skipped == "binary content" and ls.trees.get(uri) is None
