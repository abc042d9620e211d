"""The language server: state on one `LanguageServer` subclass, features wired from modules.

Each feature module has `register(server)`; a module that fails to register is logged by name
and the others still serve. Handlers are wrapped by `guard`, so an exception in one request
becomes a log line (and, for commands, one `window/showMessage`) — never a dead server.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from backend_planner import __version__
from backend_planner.errors import BackendPlannerError, ConfigError
from backend_planner.lsp.settings import Settings
from backend_planner.lsp.store import PlanRecord, PlanStore
from backend_planner.lsp.syntax_trees import SyntaxTrees
from backend_planner.lsp.text_documents import adopt
from backend_planner.lsp.todos import Todo, find_todos, grammar_for

if TYPE_CHECKING:
    from backend_planner.lsp.logging import ClientLogHandler
    from backend_planner.workspace import StackProfile
    from backend_planner.workspace.codemap import CodeMapBuilder

log = logging.getLogger(__name__)

SCHEME = "backend-plan"
FEATURES = (
    "logging",
    "configuration",
    "analysis",
    "documents",
    "todo_sync",
    "actions",
    "hover",
    "stack",
    "codemap",
    "saved_plans",
)
F = TypeVar("F", bound=Callable[..., Any])


class PlannerProtocol(LanguageServerProtocol):
    """Adds the LSP 3.18 `workspace.textDocumentContent` capability pygls doesn't build yet."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        result = yield from super().lsp_initialize(params)
        self._workspace = adopt(self.workspace)  # documents that record their edits
        workspace = result.capabilities.workspace or types.WorkspaceOptions()
        workspace.text_document_content = types.TextDocumentContentOptions(schemes=[SCHEME])
        result.capabilities.workspace = workspace
        return result


@dataclass(frozen=True)
class DocTodos:
    """The TODOs of one document version and the plan record each one has (by TODO line)."""

    uri: str
    version: int | None
    todos: tuple[Todo, ...]
    plans: dict[int, str] = field(default_factory=dict)
    skipped: str | None = None  # why the document was not searched


class PlannerServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("backend-planner", __version__, protocol_cls=PlannerProtocol)
        self.settings = Settings()
        self.store = PlanStore()
        self.docs: dict[str, DocTodos] = {}
        self.debounced: dict[str, asyncio.TimerHandle] = {}  # per document: TODOs read
        self.profiles: dict[str, StackProfile] = {}
        # per folder: the code map builder that keeps each file's facts between analyses
        self.code_maps: dict[str, CodeMapBuilder] = {}
        self.statuses: dict[str, tuple[float, dict[str, str]]] = {}
        self.status_refreshing: set[str] = set()
        # Linked TODOs with no plan here (a fresh clone): their task trees read from the backend.
        self.linked_trees: dict[str, tuple[float, str]] = {}
        self.linked_reading: set[str] = set()
        self.log_handler: ClientLogHandler | None = None
        self.failed_features: list[str] = []
        self.background: set[asyncio.Future[Any]] = set()
        self.pending_settings: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.trees = SyntaxTrees()  # open documents' syntax trees (TODOs read incrementally)
        # Hooks of features: a folder's code map changed; a document's TODOs are being matched.
        self.profile_listeners: list[Callable[[Path], None]] = []
        self.todo_listeners: list[Callable[[str, list[Todo]], None]] = []
        for name in FEATURES:
            try:
                importlib.import_module(f"backend_planner.lsp.{name}").register(self)
            except Exception:
                self.failed_features.append(name)
                log.exception("feature %s failed to start; the others still serve", name)

    # ---- plumbing -------------------------------------------------------------------------
    def send_soon(self, send: Callable[[], None]) -> None:
        """Run `send` on the server's event loop (safe from worker threads)."""
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop:
            send()
        else:
            loop.call_soon_threadsafe(send)

    def spawn(self, coro: Any, name: str) -> asyncio.Future[Any]:
        task: asyncio.Future[Any] = asyncio.ensure_future(coro)
        self.background.add(task)

        def done(t: asyncio.Future[Any]) -> None:
            self.background.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.report_error(f"{name} failed", t.exception())

        task.add_done_callback(done)
        return task

    def report_error(self, summary: str, exc: BaseException | None) -> None:
        """One `window/showMessage` for the user, the details in `window/logMessage`."""
        if isinstance(exc, BackendPlannerError):
            message = f"backend-planner: {summary}: {exc.message}"
            details = exc.details()
        else:
            message = f"backend-planner: {summary} (see the output log)"
            details = "".join(traceback.format_exception(exc)) if exc else summary
        log.error("%s: %s", summary, details)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=message)
        )

    def guard(self, name: str, *, fallback: Any = None, notify: bool = False) -> Callable[[F], F]:
        """Wrap a handler: an exception is logged by feature name (and shown if `notify`)."""

        def wrap(handler: F) -> F:
            if asyncio.iscoroutinefunction(handler):

                @functools.wraps(handler)
                async def run_async(*args: Any) -> Any:
                    try:
                        return await handler(*args)
                    except Exception as exc:
                        if notify or isinstance(exc, BackendPlannerError):
                            self.report_error(name, exc)
                        else:
                            log.exception("%s failed", name)
                        return fallback

                return run_async  # type: ignore[return-value]

            @functools.wraps(handler)
            def run(*args: Any) -> Any:
                try:
                    return handler(*args)
                except Exception as exc:
                    if notify or isinstance(exc, BackendPlannerError):
                        self.report_error(name, exc)
                    else:
                        log.exception("%s failed", name)
                    return fallback

            return run  # type: ignore[return-value]

        return wrap

    # ---- workspace folders ----------------------------------------------------------------
    def folders(self) -> list[Path]:
        found = [Path(to_fs_path(f.uri) or "") for f in self.workspace.folders.values()]
        if not found and self.workspace.root_path:
            found = [Path(self.workspace.root_path)]
        return [f for f in found if str(f)]

    def folder_for(self, path: Path) -> Path:
        best: Path | None = None
        for folder in self.folders():
            inside = path == folder or folder in path.parents
            if inside and (best is None or len(folder.parts) > len(best.parts)):
                best = folder
        return best or (path.parent if path.suffix else path)

    def folder_argument(self, args: tuple[Any, ...], purpose: str) -> Path:
        """The workspace folder a command names (a folder or file URI as its first argument),
        else the first folder; ConfigError saying `purpose` when no folder is open."""
        folders = self.folders()
        given = Path(uri_path(str(args[0]))) if args and args[0] else None
        folder = self.folder_for(given) if given else (folders[0] if folders else None)
        if folder is None:
            raise ConfigError(f"open a workspace folder to {purpose}")
        return folder

    async def show_document(self, uri: str) -> bool:
        """Ask the client to open `uri` (`window/showDocument`); False when it can't."""
        window = self.client_capabilities.window
        if not (window and window.show_document and window.show_document.support):
            return False
        result = await self.window_show_document_async(
            types.ShowDocumentParams(uri=uri, take_focus=True)
        )
        return bool(result and result.success)

    def locate(self, uri: str) -> tuple[str, str]:
        """(workspace, workspace-relative path) of a document."""
        path = Path(uri_path(uri))
        folder = self.folder_for(path)
        try:
            rel = path.relative_to(folder).as_posix()
        except ValueError:
            rel = path.as_posix()
        return str(folder), rel

    def profile_changed(self, folder: Path) -> None:
        """Tell the features a folder's profile (code map) is new (on the event loop)."""
        for listener in self.profile_listeners:
            try:
                listener(folder)
            except Exception:
                log.exception("a listener of %s's code map failed", folder)

    def profile_for(self, folder: Path) -> StackProfile:
        from backend_planner.workspace import analyze

        key = str(folder)
        if key not in self.profiles:
            self.profiles[key] = analyze(folder)
        return self.profiles[key]

    # ---- TODOs of documents ---------------------------------------------------------------
    def todos(self, uri: str) -> DocTodos:
        """The TODOs of the document's current version (brought up to date now when out of
        date; each version is read once)."""
        document = self.workspace.get_text_document(uri)
        cached = self.docs.get(uri)
        if cached is not None and cached.version == document.version:
            return cached
        return self.compute(uri, document.source, document.version, document.language_id)

    def compute(
        self, uri: str, text: str, version: int | None, language_id: str | None
    ) -> DocTodos:
        return self.store_doc(self.read_todos(uri, text, version, language_id))

    def read_todos(
        self, uri: str, text: str, version: int | None, language_id: str | None
    ) -> DocTodos:
        """The TODOs of an open document's text: from its syntax tree, which took the edits
        since the last read (only the changed rows are read again); a language without a
        grammar is searched whole with its lexical rules."""
        grammar = grammar_for(uri_path(uri), language_id)
        if grammar is None or self.skip_reason(text):
            self.trees.drop(uri)
            return self.compute_detached(uri, text, version, language_id)
        found = self.trees.todos(uri, grammar, text, tuple(self.settings.todo_markers))
        return DocTodos(uri, version, tuple(found))

    def store_doc(self, found: DocTodos) -> DocTodos:
        """Match the TODOs to their plans (marking changed ones stale) and keep them."""
        result = DocTodos(
            found.uri,
            found.version,
            found.todos,
            self.match_plans(found.uri, list(found.todos)),
            found.skipped,
        )
        self.docs[found.uri] = result
        return result

    def compute_detached(
        self, uri: str, text: str, version: int | None, language_id: str | None
    ) -> DocTodos:
        """The TODOs of a text (pure; safe in a worker thread)."""
        todos: list[Todo] = []
        skipped = self.skip_reason(text)
        if not skipped:
            todos = find_todos(text, uri_path(uri), language_id, self.settings.todo_markers)
        if skipped:
            log.info("not searching %s for TODOs: %s", uri, skipped)
        return DocTodos(uri, version, tuple(todos), {}, skipped)

    def skip_reason(self, text: str) -> str | None:
        """Why a document is not searched for TODOs (None: it is)."""
        if len(text) > self.settings.max_file_bytes:
            return f"larger than maxFileBytes ({self.settings.max_file_bytes})"
        if "\x00" in text[:8192]:
            return "binary content"
        return None

    def match_plans(self, uri: str, todos: list[Todo]) -> dict[int, str]:
        """TODO line → plan record; a record whose TODO's text changed is marked stale."""
        workspace, rel = self.locate(uri)
        for listener in self.todo_listeners:  # e.g. plans saved in the workspace, linked here
            try:
                listener(uri, todos)
            except Exception:
                log.exception("a listener of the TODOs of %s failed", uri)
        records = self.store.in_file(workspace, rel)
        if not records and not any(t.task_id for t in todos):
            return {}
        matched: dict[int, str] = {}
        used: set[str] = set()
        changed: list[PlanRecord] = []
        for todo in todos:
            record = next(
                (r for r in records if r.todo_text == todo.text and r.id not in used), None
            )
            if record is None and todo.task_id:
                record = self.store.by_task(todo.task_id)
                if record is not None and record.todo_text != todo.text and not record.stale:
                    changed.append(record.model_copy(update={"stale": True}))
                    record = changed[-1]
            if record is not None:
                if record.line != todo.line and record.id not in {c.id for c in changed}:
                    changed.append(record.model_copy(update={"line": todo.line}))
                matched[todo.line] = record.id
                used.add(record.id)
        for todo in todos:
            if todo.line in matched:
                continue
            record = next((r for r in records if r.id not in used and r.line == todo.line), None)
            if record is not None:
                if not record.stale:
                    changed.append(record.model_copy(update={"stale": True}))
                matched[todo.line] = record.id
                used.add(record.id)
        for record in changed:
            self.store.records[record.id] = record
        if changed:
            self.store.save(workspace)
            for record in changed:
                if record.stale:
                    log.info("plan %s is stale: its TODO changed", record.id)
                    self.refresh_plan_documents(record.id)
        return matched

    def record_at(self, uri: str, line: int) -> tuple[Todo | None, PlanRecord | None]:
        state = self.todos(uri)
        for todo in state.todos:
            if todo.contains(line):
                record_id = state.plans.get(todo.line)
                return todo, self.store.get(record_id) if record_id else None
        return None, None

    def refresh_plan_documents(self, record_id: str) -> None:
        self.refresh_documents(
            [self.plan_uri(record_id, view) for view in ("md", "json", "tree.md")]
        )

    def plan_uri(self, record_id: str, view: str = "md") -> str:
        record = self.store.get(record_id)
        return plan_uri(record_id, view, record.todo_text if record else "")

    def refresh_documents(self, uris: list[str]) -> None:
        """`workspace/textDocumentContent/refresh` for each virtual document (if supported)."""
        caps = self.client_capabilities.workspace
        if caps is None or caps.text_document_content is None:
            return
        for uri in uris:
            params = types.TextDocumentContentRefreshParams(uri=uri)
            self.send_soon(functools.partial(self._refresh, params))

    def _refresh(self, params: types.TextDocumentContentRefreshParams) -> None:
        self.workspace_text_document_content_refresh(params)


def uri_path(uri: str) -> str:
    if uri.startswith("file:"):
        return to_fs_path(uri) or unquote(urlparse(uri).path)
    return unquote(urlparse(uri).path) or uri


def plan_uri(record_id: str, view: str = "md", title: str = "") -> str:
    """`backend-plan:/<id>/<title-slug>.<view>`: editors name the tab after the last part
    (`build-subscription-api-with-stripe.md`); `backend-plan:/<id>.<view>` without a title."""
    slug = ""
    for word in re.findall(r"[a-z0-9]+", title.lower()):  # whole words, at most 60 characters
        if slug and len(slug) + 1 + len(word) > 60:
            break
        slug = f"{slug}-{word}" if slug else word[:60]
    return f"{SCHEME}:/{record_id}/{slug}.{view}" if slug else f"{SCHEME}:/{record_id}.{view}"


def parse_plan_uri(uri: str) -> tuple[str, str]:
    """(record id, view) of either form of `plan_uri`."""
    name = uri_path(uri).lstrip("/")
    record_id, sep, rest = name.partition("/")
    if sep:
        return record_id, rest.partition(".")[2] or "md"
    record_id, _, view = name.partition(".")
    return record_id, view or "md"


def file_uri(path: Path | str) -> str:
    return from_fs_path(str(path)) or f"file://{path}"


def build() -> PlannerServer:
    return PlannerServer()
