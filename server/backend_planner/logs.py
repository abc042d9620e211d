"""Logging set up once per process.

Logs always go to stderr: stdout belongs to the protocol when we serve LSP or MCP over stdio.
"""

from __future__ import annotations

import logging
import os
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str | int | None = None) -> None:
    """Configure our logger: level from the argument, else $BACKEND_PLANNER_LOG, else WARNING."""
    chosen = level if level is not None else os.environ.get("BACKEND_PLANNER_LOG", "WARNING")
    if isinstance(chosen, str):
        chosen = logging.getLevelName(chosen.upper())
        if not isinstance(chosen, int):
            chosen = logging.WARNING
    logger = logging.getLogger("backend_planner")
    logger.setLevel(chosen)
    if not any(getattr(h, "_backend_planner", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler._backend_planner = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False
