"""Workspace analysis in the background: at `initialized` every workspace folder is analysed
on its own with `$/progress` (begin, report per folder, end); manifests changing or new
directories (`workspace/didChangeWatchedFiles`) analyse their folder again."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from pathlib import Path

from lsprotocol import types

from backend_planner.lsp import codemap, configuration, stack
from backend_planner.lsp.server import PlannerServer, uri_path

log = logging.getLogger(__name__)

MANIFESTS = (
    "go.mod",
    "package.json",
    "pyproject.toml",
    "requirements*.txt",
    "setup.py",
    "Pipfile",
    "Gemfile",
    "composer.json",
    "pom.xml",
    "build.gradle*",
    "Cargo.toml",
    "*.csproj",
    "prisma/schema.prisma",
    "docker-compose*.yml",
    ".backend-planner.toml",
)
WATCH_GLOB = "**/{" + ",".join(MANIFESTS) + "}"


async def analyse(ls: PlannerServer, folders: list[Path], reason: str) -> None:
    """Analyse `folders` (each on its own) in a worker thread, reporting progress."""
    from backend_planner.workspace import analyze

    if not folders:
        return
    token = f"backend-planner/analysis/{uuid.uuid4().hex[:8]}"
    progress = _supports_progress(ls)
    if progress:
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as exc:  # a client may refuse: analyse without a bar
            log.info("no progress bar: %s", exc)
            progress = False
    if progress:
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="Analysing workspace", message=reason, percentage=0, cancellable=False
            ),
        )
    done = 0
    failures: list[str] = []
    for folder in folders:
        stack.notify_analysis(ls, folder, "running")
        try:
            builder = codemap.builder_for(ls, folder)
            if progress:  # a long first code map: "shop: 1,250 files read" in the bar
                builder.progress = functools.partial(_report_read, ls, token, folder)
            profile = await asyncio.to_thread(codemap.locked, builder, analyze, folder)
        except Exception as exc:
            failures.append(f"{folder}: {exc}")
            log.warning("analysis of %s failed: %s", folder, exc)
            stack.notify_analysis(ls, folder, "failed", error=str(exc))
        else:
            ls.profiles[str(folder)] = profile
            ls.profile_changed(folder)
            log.info("analysed %s: %d services", folder, len(profile.services))
            stack.notify_analysis(ls, folder, "done", profile)
        done += 1
        if progress:
            ls.work_done_progress.report(
                token,
                types.WorkDoneProgressReport(
                    message=f"{folder.name} ({done}/{len(folders)})",
                    percentage=int(100 * done / len(folders)),
                ),
            )
    if progress:
        ls.work_done_progress.end(
            token,
            types.WorkDoneProgressEnd(
                message=f"analysed {done - len(failures)} of {len(folders)} folders"
            ),
        )
    if failures:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="backend-planner: workspace analysis failed for " + "; ".join(failures),
            )
        )


def _report_read(ls: PlannerServer, token: str, folder: Path, parsed: int) -> None:
    """From the analysis thread: the code map's reading, as a progress report."""
    report = types.WorkDoneProgressReport(message=f"{folder.name}: {parsed:,} files read")
    ls.send_soon(functools.partial(ls.work_done_progress.report, token, report))


def _supports_progress(ls: PlannerServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


def register(server: PlannerServer) -> None:
    @server.feature(types.INITIALIZED)
    @server.guard("initialized")
    async def initialized(ls: PlannerServer, params: types.InitializedParams) -> None:
        ls.loop = asyncio.get_running_loop()
        if ls.log_handler is not None:
            ls.log_handler.ready()
        configuration.show_pending(ls)
        ls.spawn(analyse(ls, ls.folders(), "initialized"), "workspace analysis")
        watched = ls.client_capabilities.workspace
        dynamic = watched and watched.did_change_watched_files
        if dynamic and dynamic.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[
                    types.FileSystemWatcher(glob_pattern=WATCH_GLOB),
                    # Code read into the code map: its endpoints and entities follow edits.
                    types.FileSystemWatcher(glob_pattern=codemap.WATCH_GLOB),
                    # New directories can hold a new layer (internal/services): creations only.
                    types.FileSystemWatcher(glob_pattern="**/*", kind=types.WatchKind.Create),
                ]
            )
            ls.spawn(
                ls.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(
                                id="backend-planner/watched-files",
                                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                register_options=options,
                            )
                        ]
                    )
                ),
                "file watcher registration",
            )

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @server.guard("watched files")
    def did_change_watched_files(
        ls: PlannerServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        folders: list[Path] = []
        sources: list[tuple[Path, types.FileChangeType]] = []
        for change in params.changes:
            path = Path(uri_path(change.uri))
            manifest = any(path.match(m) for m in MANIFESTS)
            new_dir = change.type == types.FileChangeType.Created and path.is_dir()
            if manifest or new_dir:
                folder = ls.folder_for(path)
                if folder not in folders:
                    folders.append(folder)
            elif codemap.is_source(path):
                sources.append((path, change.type))
        if folders:
            ls.spawn(analyse(ls, folders, "files changed"), "workspace analysis")
        sources = [(p, t) for p, t in sources if ls.folder_for(p) not in folders]
        if sources:
            ls.spawn(codemap.refresh(ls, sources), "code map refresh")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    @server.guard("workspace folders")
    def did_change_folders(
        ls: PlannerServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for removed in params.event.removed:
            ls.profiles.pop(uri_path(removed.uri), None)
        added = [Path(uri_path(f.uri)) for f in params.event.added]
        ls.spawn(analyse(ls, added, "folders added"), "workspace analysis")
