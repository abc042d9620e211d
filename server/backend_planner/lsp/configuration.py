"""Settings from `initializationOptions` and `workspace/didChangeConfiguration` (feature)."""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types

from backend_planner.lsp.server import PlannerServer
from backend_planner.lsp.settings import parse_settings

log = logging.getLogger(__name__)


def apply(ls: PlannerServer, raw: Any, source: str, *, defer: bool = False) -> None:
    settings, problems = parse_settings(raw)
    ls.settings = settings
    ls.docs.clear()  # markers may have changed
    if problems and defer:  # before `initialized` the client can't show messages yet
        ls.pending_settings = (source, problems)
    elif problems:
        log.warning("bad settings in %s: %s", source, "; ".join(problems))
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"backend-planner: bad settings ({'; '.join(problems)}); "
                "using the defaults for those",
            )
        )


def register(server: PlannerServer) -> None:
    @server.feature(types.INITIALIZE)
    @server.guard("settings")
    def initialize(ls: PlannerServer, params: types.InitializeParams) -> None:
        apply(ls, params.initialization_options, "initializationOptions", defer=True)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    @server.guard("settings")
    def did_change_configuration(
        ls: PlannerServer, params: types.DidChangeConfigurationParams
    ) -> None:
        if params.settings is None:
            return
        apply(ls, params.settings, "workspace/didChangeConfiguration")


def show_pending(ls: PlannerServer) -> None:
    if ls.pending_settings:
        source, problems = ls.pending_settings
        ls.pending_settings = None
        log.warning("bad settings in %s: %s", source, "; ".join(problems))
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"backend-planner: bad settings ({'; '.join(problems)}); "
                "using the defaults for those",
            )
        )
