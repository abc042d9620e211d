"""TODOs kept current: computed at `didOpen`, recomputed after `didChange` debounced per
document; a result for a version that is gone is dropped (requests recompute on demand)."""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from backend_planner.lsp.server import PlannerServer

log = logging.getLogger(__name__)


async def _debounced(ls: PlannerServer, uri: str, version: int | None) -> None:
    await asyncio.sleep(ls.settings.debounce_ms / 1000)
    document = ls.workspace.get_text_document(uri)
    if document.version != version:
        return  # a newer edit has its own timer
    text, language = document.source, document.language_id
    state = await asyncio.to_thread(ls.compute_detached, uri, text, version, language)
    current = ls.workspace.get_text_document(uri)
    if current.version == version:
        ls.store_doc(state)
    else:
        log.debug("dropping TODOs of %s version %s (now %s)", uri, version, current.version)


def register(server: PlannerServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    @server.guard("didOpen")
    def did_open(ls: PlannerServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.todos(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    @server.guard("didChange")
    def did_change(ls: PlannerServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        previous = ls.debounced.pop(uri, None)
        if previous is not None:
            previous.cancel()
        ls.debounced[uri] = ls.spawn(
            _debounced(ls, uri, params.text_document.version), "TODO search"
        )

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    @server.guard("didClose")
    def did_close(ls: PlannerServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.docs.pop(uri, None)
        task = ls.debounced.pop(uri, None)
        if task is not None:
            task.cancel()
