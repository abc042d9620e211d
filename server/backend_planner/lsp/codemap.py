"""The code map in the editor: `workspace/symbol` finds endpoints (`GET /api/articles/{slug}`)
and entities (`Article (articles)`) and jumps to their definitions; the API map document
`backend-plan:/api/<folder>-<digest>/api.md` (command `backendPlanner.showApiMap`) lists them per
service with links; a saved or changed source file refreshes its service's map alone (its other
files' facts are kept), then `backendPlanner/codeMap` tells the client the new counts."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from backend_planner.lsp.server import SCHEME, PlannerServer, file_uri, uri_path

if TYPE_CHECKING:
    from backend_planner.workspace import Service, StackProfile
    from backend_planner.workspace.codemap import CodeMap, CodeMapBuilder

log = logging.getLogger(__name__)

SHOW_API_MAP = "backendPlanner.showApiMap"
CODE_MAP_NOTIFICATION = "backendPlanner/codeMap"
PREFIX = "api/"
MAX_SYMBOLS = 1000
SOURCE_EXTENSIONS = (
    "go,py,js,mjs,cjs,jsx,ts,mts,cts,tsx,java,kt,kts,rb,php,rs,sql,prisma,xml,yaml,yml,"
    "properties,json"
)
WATCH_GLOB = "**/*.{" + SOURCE_EXTENSIONS + "}"
_SUFFIXES = frozenset("." + e for e in SOURCE_EXTENSIONS.split(","))
T = TypeVar("T")


def is_source(path: Path) -> bool:
    return path.suffix.lower() in _SUFFIXES


def builder_for(ls: PlannerServer, folder: Path) -> CodeMapBuilder:
    from backend_planner.workspace.codemap import CodeMapBuilder

    builder = ls.code_maps.get(str(folder))
    if builder is None:
        builder = ls.code_maps[str(folder)] = CodeMapBuilder(folder)
    return builder


def locked(builder: CodeMapBuilder, work: Callable[..., T], *args: Any) -> T:
    """`work(*args, code_maps=builder)` holding the builder (run in a worker thread)."""
    with builder.lock:
        return work(*args, code_maps=builder)


# ------------------------------------------------------------------------------ refresh


async def refresh(ls: PlannerServer, changes: list[tuple[Path, types.FileChangeType]]) -> None:
    """Rebuild the maps of the services holding these files, then update the profiles."""
    by_folder: dict[Path, list[tuple[str, types.FileChangeType]]] = {}
    for path, kind in changes:
        folder = ls.folder_for(path)
        try:
            rel = path.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            continue
        by_folder.setdefault(folder, []).append((rel, kind))
    for folder, files in by_folder.items():
        builder = ls.code_maps.get(str(folder))
        if builder is None or str(folder) not in ls.profiles:
            continue  # not analysed yet: the analysis will read the file
        started = time.perf_counter()
        maps = await asyncio.to_thread(_refresh_builder, builder, files)
        if maps:
            _apply(ls, folder, maps, time.perf_counter() - started)


def _refresh_builder(
    builder: CodeMapBuilder, files: list[tuple[str, types.FileChangeType]]
) -> dict[str, CodeMap]:
    changed = [p for p, k in files if k == types.FileChangeType.Changed]
    created = [p for p, k in files if k == types.FileChangeType.Created]
    deleted = [p for p, k in files if k == types.FileChangeType.Deleted]
    with builder.lock:
        return builder.refresh(changed=changed, created=created, deleted=deleted)


def _apply(ls: PlannerServer, folder: Path, maps: dict[str, CodeMap], seconds: float) -> None:
    from backend_planner.workspace.facts import as_data
    from backend_planner.workspace.profile import Endpoint, Entity

    profile = ls.profiles.get(str(folder))
    if profile is None:
        return
    services = []
    for service in profile.services:
        code_map = maps.get(service.path)
        if code_map is not None:
            service = service.model_copy(
                update={
                    "endpoints": [Endpoint.model_validate(as_data(e)) for e in code_map.endpoints],
                    "entities": [Entity.model_validate(as_data(e)) for e in code_map.entities],
                    "unreadable": list(code_map.unreadable),
                }
            )
        services.append(service)
    ls.profiles[str(folder)] = profile.model_copy(update={"services": services})
    ls.profile_changed(folder)
    log.debug("code map of %s refreshed in %.1f ms", folder.name, seconds * 1000)
    ls.protocol.notify(
        CODE_MAP_NOTIFICATION,
        {
            "folder": file_uri(folder),
            "services": [
                {"path": s.path, "endpoints": len(s.endpoints), "entities": len(s.entities)}
                for s in services
                if s.kind == "backend"
            ],
            "milliseconds": round(seconds * 1000, 2),
        },
    )
    ls.refresh_documents([api_uri(folder)])


# ------------------------------------------------------------------------------ symbols


def _matches(query: str, name: str) -> bool:
    """Every word of the query is in the name (case-insensitive); '' matches everything."""
    lowered = name.lower()
    return all(word in lowered for word in query.lower().split())


def _location(root: Path, file: str, line: int) -> types.Location:
    position = types.Position(line=max(line - 1, 0), character=0)
    return types.Location(uri=file_uri(root / file), range=types.Range(position, position))


def symbols(ls: PlannerServer, query: str) -> list[types.SymbolInformation]:
    found: list[types.SymbolInformation] = []
    for root_text, profile in sorted(ls.profiles.items()):
        root = Path(root_text)
        for service in profile.backends():
            container = service.path if service.path != "." else root.name
            for endpoint in service.endpoints:
                name = f"{endpoint.method} {endpoint.path}"
                if not _matches(query, name):
                    continue
                file, line = endpoint.file, endpoint.line
                if endpoint.handler_file and endpoint.handler_line:
                    file, line = endpoint.handler_file, endpoint.handler_line
                found.append(
                    types.SymbolInformation(
                        name=name,
                        kind=types.SymbolKind.Method,
                        location=_location(root, file, line),
                        container_name=endpoint.handler or container,
                    )
                )
            for entity in service.entities:
                name = f"{entity.name} ({entity.table})" if entity.table else entity.name
                if not _matches(query, name):
                    continue
                found.append(
                    types.SymbolInformation(
                        name=name,
                        kind=types.SymbolKind.Class,
                        location=_location(root, entity.file, entity.line),
                        container_name=container,
                    )
                )
            if len(found) >= MAX_SYMBOLS:
                return found[:MAX_SYMBOLS]
    return found


# ------------------------------------------------------------------------------ API map document


def document_name(folder: Path) -> str:
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    return f"{PREFIX}{folder.name or 'root'}-{digest}/api.md"


def api_uri(folder: Path) -> str:
    return f"{SCHEME}:/{document_name(folder)}"


def _link(root: Path, file: str | None, line: int | None) -> str:
    if not file:
        return "—"
    target = file_uri(root / file) + (f"#L{line}" if line else "")
    label = f"{file}:{line}" if line else file
    return f"[{label}]({target})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _field_summary(entity: Any) -> str:
    parts = []
    for f in entity.fields:
        notes = []
        if f.primary_key:
            notes.append("pk")
        if f.unique:
            notes.append("unique")
        if f.nullable:
            notes.append("null")
        if f.references:
            notes.append(f"→ {f.references}")
        parts.append(f"`{f.name}`" + (f" ({', '.join(notes)})" if notes else ""))
    return ", ".join(parts) or "—"


def service_markdown(root: Path, service: Service) -> list[str]:
    lines = [f"## `{service.path}` ({' · '.join([service.language or '?', *service.frameworks])})"]
    lines += ["", f"### Endpoints ({len(service.endpoints)})", ""]
    if service.endpoints:
        lines += ["| method | path | handler | registered |", "|---|---|---|---|"]
        for e in service.endpoints:
            handler = _cell(e.handler or "—")
            if e.handler_file:
                handler = f"{handler} ({_link(root, e.handler_file, e.handler_line)})"
            path = _cell(e.path) + (" *(built at run time)*" if e.dynamic else "")
            lines.append(f"| {e.method} | `{path}` | {handler} | {_link(root, e.file, e.line)} |")
    else:
        lines.append("No endpoint found in the code.")
    lines += ["", f"### Entities ({len(service.entities)})", ""]
    if service.entities:
        lines += ["| entity | table | fields | declared |", "|---|---|---|---|"]
        for entity in service.entities:
            lines.append(
                f"| {entity.name} | `{entity.table or '—'}` | {_cell(_field_summary(entity))} "
                f"| {_link(root, entity.file, entity.line)} |"
            )
    else:
        lines.append("No entity found in the code.")
    if service.unreadable:
        lines += ["", f"{len(service.unreadable)} files could not be read:", ""]
        lines += [f"- `{u}`" for u in service.unreadable]
    lines.append("")
    return lines


def markdown(profile: StackProfile) -> str:
    root = Path(profile.root)
    lines = [f"# API map of `{root.name}`", ""]
    backends = profile.backends()
    if not backends:
        lines += ["No backend service found.", ""]
    for service in backends:
        lines += service_markdown(root, service)
    return "\n".join(lines) + "\n"


def content(ls: PlannerServer, name: str) -> str:
    for folder in [*ls.folders(), *map(Path, ls.profiles)]:
        if document_name(folder) == name:
            profile = ls.profiles.get(str(folder))
            if profile is None:
                return f"`{folder.name}` is still being analysed; this document refreshes.\n"
            return markdown(profile)
    return f"No workspace folder for {name!r} (was it closed?).\n"


def register(server: PlannerServer) -> None:
    @server.feature(types.WORKSPACE_SYMBOL)
    @server.guard("workspace symbols", fallback=[])
    def workspace_symbol(
        ls: PlannerServer, params: types.WorkspaceSymbolParams
    ) -> list[types.SymbolInformation]:
        return symbols(ls, params.query)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    @server.guard("didSave")
    def did_save(ls: PlannerServer, params: types.DidSaveTextDocumentParams) -> None:
        path = Path(uri_path(params.text_document.uri))
        if is_source(path):
            ls.spawn(refresh(ls, [(path, types.FileChangeType.Changed)]), "code map refresh")

    @server.command(SHOW_API_MAP)
    @server.guard("Show API map", notify=True)
    async def cmd_show_api_map(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        folder = ls.folder_argument(args, "see its API map")
        uri = api_uri(folder)
        profile = ls.profiles.get(str(folder))
        shown = await ls.show_document(uri)
        backends = profile.backends() if profile else []
        return {
            "uri": uri,
            "folder": file_uri(folder),
            "endpoints": sum(len(s.endpoints) for s in backends),
            "entities": sum(len(s.entities) for s in backends),
            "shown": shown,
        }
