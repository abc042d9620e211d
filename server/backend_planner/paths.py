"""Where this product keeps its files on the user's machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "backend-planner"


def data_dir() -> Path:
    """The user data dir, created on demand; $BACKEND_PLANNER_DATA_DIR overrides it (tests)."""
    override = os.environ.get("BACKEND_PLANNER_DATA_DIR")
    if override:
        path = Path(override)
    else:
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
