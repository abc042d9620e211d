"""Where this product keeps its files on the user's machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "backend-planner"


def data_dir() -> Path:
    """The user data dir, created on demand; $BACKEND_PLANNER_DATA_DIR overrides it (tests)."""
    override = os.environ.get("BACKEND_PLANNER_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path | None:
    """Where caches live (None: `BACKEND_PLANNER_CACHE_DIR=off`, no cache):
    $BACKEND_PLANNER_CACHE_DIR, else `cache/` in $BACKEND_PLANNER_DATA_DIR when that is set
    (tests isolate their files so), else the user cache dir. Not created here. On Linux the
    XDG answer is computed without importing platformdirs (a CLI run's start-up counts).
    Raises OSError/RuntimeError when there is no home directory."""
    override = os.environ.get("BACKEND_PLANNER_CACHE_DIR")
    data_dir = os.environ.get("BACKEND_PLANNER_DATA_DIR")
    if override == "off":
        return None
    if override:
        return Path(override)
    if data_dir:
        return Path(data_dir) / "cache"
    if sys.platform.startswith("linux"):
        base = Path(os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache")
        return base / APP_NAME
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
