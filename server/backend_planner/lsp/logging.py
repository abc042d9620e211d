"""Python logging forwarded to `window/logMessage`, buffered until the client is ready."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from backend_planner.lsp.server import PlannerServer

_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
}


class ClientLogHandler(logging.Handler):
    """Sends records as `window/logMessage` once `ready()`; keeps (up to 500) until then."""

    def __init__(self, server: PlannerServer) -> None:
        super().__init__(logging.INFO)
        self.server = server
        self.buffer: list[types.LogMessageParams] = []
        self.is_ready = False
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = _LEVELS.get(record.levelno, types.MessageType.Log)
            if record.levelno >= logging.ERROR:
                kind = types.MessageType.Error
            params = types.LogMessageParams(type=kind, message=self.format(record))
            if not self.is_ready:
                self.buffer = [*self.buffer[-499:], params]
                return
            self.server.send_soon(lambda: self.server.window_log_message(params))
        except Exception:  # a log line must never break the server
            self.handleError(record)

    def ready(self) -> None:
        self.is_ready = True
        pending, self.buffer = self.buffer, []
        for params in pending:
            self.server.window_log_message(params)


def register(server: PlannerServer) -> None:
    handler = ClientLogHandler(server)
    server.log_handler = handler
    logger = logging.getLogger("backend_planner")
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
