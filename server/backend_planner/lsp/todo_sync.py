"""TODOs kept current: read at `didOpen`; each `didChange` hands its edits to the document's
syntax tree (`Tree.edit`: no parse, no read), and the TODOs are brought up to date once per
version — by the first request that needs them, else after `debounceMs` without edits (a
timer whose version is gone does nothing; a newer edit has its own timer)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import unquote

from lsprotocol import types

from backend_planner.lsp.server import PlannerServer

log = logging.getLogger(__name__)


def settle(ls: PlannerServer, uri: str, version: int | None) -> None:
    """`debounceMs` after the last edit: read the TODOs of that version, unless it is gone (a
    newer edit has its own timer) or a request has read it already."""
    ls.debounced.pop(uri, None)
    try:
        document = ls.workspace.text_documents.get(unquote(uri))
        if document is not None and document.version == version:
            ls.todos(uri)
    except Exception:
        log.exception("TODO search of %s failed", uri)


def register(server: PlannerServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @server.guard("didOpen")
    def did_open(ls: PlannerServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.trees.drop(uri)  # (opened again: a new document)
        ls.todos(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @server.guard("didChange")
    def did_change(ls: PlannerServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        take = getattr(document, "take_edits", None)  # a PlannerTextDocument records them
        edits = take() if take is not None else None
        if edits is None:
            ls.trees.drop(uri)  # edits not recorded: parsed again at the next read
        else:
            ls.trees.edit(uri, edits)
        previous = ls.debounced.pop(uri, None)
        if previous is not None:
            previous.cancel()
        ls.debounced[uri] = asyncio.get_running_loop().call_later(
            ls.settings.debounce_ms / 1000, settle, ls, uri, params.text_document.version
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @server.guard("didClose")
    def did_close(ls: PlannerServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.docs.pop(uri, None)
        ls.trees.drop(uri)
        task = ls.debounced.pop(uri, None)
        if task is not None:
            task.cancel()
