"""Where this product keeps its files on the user's machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "backend-planner"


def data_dir() -> Path:
    """The user data dir ($BACKEND_PLANNER_DATA_DIR overrides it, e.g. in tests); created on demand."""
    override = os.environ.get("BACKEND_PLANNER_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
