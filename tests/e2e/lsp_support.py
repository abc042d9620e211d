"""A real pytest-lsp client over stdio against `python -m backend_planner lsp`.

Test modules take the `lsp` fixture from here (`lsp = lsp_fixture`): a `conftest.py` in
tests/e2e would shadow tests/conftest.py for the modules that `from conftest import ...`.

lsprotocol 2025.0.0's client-side converter reads a `CodeAction` that carries a `command` as a
plain `Command`; `code_action_hook` decides by shape (a `kind`/`edit`, or `command` being an
object, means a CodeAction) and is installed on every client `start` makes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Union

import pytest_asyncio
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = Path(__file__).resolve().parents[2] / "server"
TIMEOUT = 60


def env(data_dir: Path) -> dict[str, str]:
    out = dict(os.environ)
    out["BACKEND_PLANNER_DATA_DIR"] = str(data_dir)
    out["PYTHONPATH"] = str(SERVER) + (
        os.pathsep + out["PYTHONPATH"] if out.get("PYTHONPATH") else ""
    )
    return out


def uri(path: Path) -> str:
    return from_fs_path(str(path)) or ""


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(
            work_done_progress=True,
            show_document=types.ShowDocumentClientCapabilities(support=True),
        ),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_folders=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
            text_document_content=types.TextDocumentContentClientCapabilities(
                dynamic_registration=False
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )


class Session:
    """One server process and its client, with what the client received."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.edits: list[types.ApplyWorkspaceEditParams] = []
        self.refreshed: list[str] = []
        self.registrations: list[types.Registration] = []
        self.versions: dict[str, int] = {}
        self.refresh_seen = asyncio.Event()
        self.notified = asyncio.Event()  # set after each notification has been handled
        self.refresh_marks: dict[str, int] = {}
        self.analysis: list[dict[str, Any]] = []  # `backendPlanner/analysis` notifications
        self.code_maps: list[dict[str, Any]] = []  # `backendPlanner/codeMap` notifications

    async def next_refresh(self, doc_uri: str) -> None:
        """Wait for the next request to refresh `doc_uri` (one arrived since the last call)."""
        start = self.refresh_marks.get(doc_uri, 0)

        async def seen() -> None:
            while self.refreshed.count(doc_uri) <= start:
                self.refresh_seen.clear()
                if self.refreshed.count(doc_uri) > start:
                    break
                await self.refresh_seen.wait()

        await asyncio.wait_for(seen(), TIMEOUT)
        self.refresh_marks[doc_uri] = self.refreshed.count(doc_uri)

    async def initialize(self, folders: list[Path], options: Any = None) -> types.InitializeResult:
        return await self.client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities(),
                root_uri=uri(folders[0]),
                workspace_folders=[types.WorkspaceFolder(uri=uri(f), name=f.name) for f in folders],
                initialization_options=options,
            )
        )

    def open(self, path: Path, language_id: str, text: str | None = None) -> str:
        doc = uri(path)
        self.versions[doc] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=doc,
                    language_id=language_id,
                    version=1,
                    text=text if text is not None else path.read_text(encoding="utf-8"),
                )
            )
        )
        return doc

    def change(self, doc: str, text: str) -> None:
        self.versions[doc] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=doc, version=self.versions[doc]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def actions(self, doc: str, line: int) -> list[types.CodeAction]:
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=doc),
                    range=types.Range(
                        start=types.Position(line=line, character=0),
                        end=types.Position(line=line, character=0),
                    ),
                    context=types.CodeActionContext(diagnostics=[]),
                )
            ),
            TIMEOUT,
        )
        out = [a for a in result or [] if isinstance(a, types.CodeAction)]
        assert len(out) == len(result or []), f"not code actions: {result}"
        return out

    async def run(self, action: types.CodeAction | types.Command) -> Any:
        command = action.command if isinstance(action, types.CodeAction) else action
        assert isinstance(command, types.Command)
        return await self.execute(command.command, *(command.arguments or []))

    async def execute(self, command: str, *arguments: Any) -> Any:
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=list(arguments))
            ),
            TIMEOUT,
        )

    async def content(self, doc_uri: str) -> str:
        result = await asyncio.wait_for(
            self.client.workspace_text_document_content_async(
                types.TextDocumentContentParams(uri=doc_uri)
            ),
            TIMEOUT,
        )
        return str(result.text)

    async def symbols(self, query: str) -> list[types.SymbolInformation]:
        result = await asyncio.wait_for(
            self.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query)),
            TIMEOUT,
        )
        return [s for s in result or [] if isinstance(s, types.SymbolInformation)]

    async def hover(self, doc: str, line: int) -> types.Hover | None:
        return await asyncio.wait_for(
            self.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=doc),
                    position=types.Position(line=line, character=4),
                )
            ),
            TIMEOUT,
        )

    async def until(self, check: Callable[[], Any], what: str) -> Any:
        """Wait until `check()` is truthy, re-checking after each notification (no sleeping;
        what arrived before the call counts too)."""

        async def wait() -> Any:
            while True:
                self.notified.clear()
                found = check()
                if found:
                    return found
                await self.notified.wait()

        try:
            return await asyncio.wait_for(wait(), TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}") from None

    async def message(self, predicate: Any, kind: types.MessageType | None = None) -> Any:
        """The first showMessage matching `predicate` (already received, or a later one)."""

        def check() -> Any:
            for params in self.client.messages:
                if (kind is None or params.type == kind) and predicate(params.message):
                    return params
            return None

        return await self.until(check, f"a message in {self.client.messages}")

    async def progress_end(self, count: int = 1) -> dict[str, list[Any]]:
        """Wait until `count` progress tokens have ended; their reports by token."""

        def check() -> dict[str, list[Any]] | None:
            reports = self.client.progress_reports
            ended = [
                token
                for token, values in reports.items()
                if values and isinstance(values[-1], types.WorkDoneProgressEnd)
            ]
            return {t: list(reports[t]) for t in ended} if len(ended) >= count else None

        return await self.until(check, f"{count} progress ends in {self.client.progress_reports}")


async def start(data_dir: Path) -> Session:
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "backend_planner", "lsp"], server_env=env(data_dir)
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    code_action_hook(client.protocol._converter)
    session = Session(client)
    handle_notification = client.protocol._handle_notification

    def handled(method: str, params: Any) -> None:
        handle_notification(method, params)  # pytest-lsp's handlers record it synchronously
        session.notified.set()

    client.protocol._handle_notification = handled  # type: ignore[method-assign]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        session.edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.WORKSPACE_TEXT_DOCUMENT_CONTENT_REFRESH)
    def refresh(params: types.TextDocumentContentRefreshParams) -> None:
        session.refreshed.append(params.uri)
        session.refresh_seen.set()

    @client.feature("backendPlanner/analysis")
    def analysis(params: Any) -> None:
        session.analysis.append(plain(params))

    @client.feature("backendPlanner/codeMap")
    def code_map(params: Any) -> None:
        session.code_maps.append(plain(params))

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    return session


def plain(value: Any) -> Any:
    """pygls hands a custom notification's params over as named tuples: back to JSON shapes."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


async def stop(session: Session) -> None:
    await asyncio.wait_for(session.client.shutdown_session(), TIMEOUT)
    await session.client.stop()


def code_action_hook(converter: Any) -> None:
    def structure(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj, dict) and (
            "kind" in obj or "edit" in obj or isinstance(obj.get("command"), dict)
        ):
            return converter.structure(obj, types.CodeAction)  # type: ignore[no-any-return]
        return converter.structure(obj, types.Command)  # type: ignore[no-any-return]

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007


@pytest_asyncio.fixture(name="lsp")
async def lsp_fixture(_isolated_data_dir: Path) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    """Start `backend-planner lsp` processes (stopped at teardown) sharing the test's data dir."""
    sessions: list[Any] = []

    async def make() -> Any:
        session = await start(_isolated_data_dir)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        await stop(session)
