"""The code map through a real LSP client: workspace symbols for endpoints and entities that
jump to their definitions, the API map document, and a refresh after a saved edit."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_support import lsp_fixture, uri
from lsprotocol import types

from conftest import EXAMPLES_DIR

pytestmark = pytest.mark.e2e
lsp = lsp_fixture

ROUTES = "internal/routes/routes.go"
PRODUCTS = "internal/handlers/product_handler.go"


def shop(tmp_path: Path) -> Path:
    root = tmp_path / "go-gin-shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    return root


def line_of(path: Path, text: str) -> int:
    """0-based line of the first line containing `text`."""
    for number, line in enumerate(path.read_text().splitlines()):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


async def analysed(lsp: Any, root: Path) -> Any:
    session = await lsp()
    await session.initialize([root])
    await session.progress_end()
    return session


async def test_symbols_jump_to_handlers_and_entities(lsp: Any, tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = await analysed(lsp, root)

    found = await session.symbols("GET /api/v1/products/{id}")
    assert [s.name for s in found] == ["GET /api/v1/products/{id}"]
    (symbol,) = found
    assert symbol.kind == types.SymbolKind.Method
    assert symbol.location.uri == uri(root / PRODUCTS)
    handler_line = line_of(root / PRODUCTS, "func (h *ProductHandler) Get(")
    assert symbol.location.range.start.line == handler_line

    names = [s.name for s in await session.symbols("products")]
    assert "POST /api/v1/products/{id}/stock" in names
    assert "DELETE /api/v1/products/{id}" in names
    assert "Product (products)" in names  # the entity, by its table

    (entity,) = [s for s in await session.symbols("Product (products)")]
    assert entity.kind == types.SymbolKind.Class
    assert entity.location.uri.endswith((".go", ".sql"))

    assert await session.symbols("no such thing anywhere") == []


async def test_api_map_document_and_refresh_after_save(lsp: Any, tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = await analysed(lsp, root)

    shown = await session.execute("backendPlanner.showApiMap")
    assert shown["uri"].startswith("backend-plan:/api/go-gin-shop-")
    assert shown["uri"].endswith("/api.md")
    assert shown["endpoints"] >= 10
    text = await session.content(shown["uri"])
    assert text.startswith("# API map of `go-gin-shop`")
    assert "| GET | `/api/v1/products/{id}` |" in text
    assert f"({uri(root / ROUTES)}#L" in text  # registrations link to their file:line
    assert "| Product | `products` |" in text

    # A new route saved in the routes file: the map of that service is rebuilt.
    routes = root / ROUTES
    source = routes.read_text()
    anchor = '\tadmin.DELETE("/products/:id", h.Products.Delete)\n'
    assert anchor in source
    routes.write_text(
        source.replace(anchor, anchor + '\tadmin.GET("/products/:id/history", h.Products.Get)\n')
    )
    session.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri(routes)))
    )
    notice = await session.until(lambda: session.code_maps[-1:], "a code map refresh")
    (service,) = notice[0]["services"]
    assert service["endpoints"] == shown["endpoints"] + 1
    added = await session.symbols("/api/v1/products/{id}/history")
    assert [(s.name, s.location.uri) for s in added] == [
        ("GET /api/v1/products/{id}/history", uri(root / PRODUCTS))
    ]

    # A deleted file leaves the map (reported by the file watcher).
    routes.unlink()
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(routes), type=types.FileChangeType.Deleted)]
        )
    )
    gone = await session.until(lambda: session.code_maps[1:], "a second code map refresh")
    assert gone[0]["services"][0]["endpoints"] == 0
    assert await session.symbols("GET /api") == []
