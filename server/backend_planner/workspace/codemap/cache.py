"""Extracted facts cached by content hash, one JSON file per workspace in the user cache dir.

Keys are `<extractor>@<version>:<blake2b of the file's bytes>`, so a renamed or reverted file
is found again and an extractor's new version never reuses old facts. Entries not used by the
last analysis are dropped when the file is written, so the cache never outgrows the workspace.
`BACKEND_PLANNER_CACHE_DIR=off` turns it off.
A damaged cache file is ignored and rewritten, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = 1


def cache_dir() -> Path | None:
    """`codemap/` in the cache dir the stack rules use ($BACKEND_PLANNER_CACHE_DIR, else
    `cache/` in $BACKEND_PLANNER_DATA_DIR, else the user cache dir); None when turned off."""
    override = os.environ.get("BACKEND_PLANNER_CACHE_DIR")
    if override == "off":
        return None
    data_dir = os.environ.get("BACKEND_PLANNER_DATA_DIR")
    if override:
        base = Path(override)
    elif data_dir:
        base = Path(data_dir) / "cache"
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("backend-planner", appauthor=False))
    return base / "codemap"


def content_key(extractor: str, version: int, source: bytes) -> str:
    return f"{extractor}@{version}:{hashlib.blake2b(source, digest_size=16).hexdigest()}"


class FactsCache:
    """The cache of one workspace. `get`/`put` in memory; `save()` writes it when it changed."""

    def __init__(self, root: Path) -> None:
        directory = cache_dir()
        self.path: Path | None = None
        if directory is not None:
            digest = hashlib.blake2b(str(root).encode(), digest_size=10).hexdigest()
            self.path = directory / f"{root.name[:40]}-{digest}.json"
        self._old: dict[str, Any] = self._load()
        self._used: dict[str, Any] = {}
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> tuple[bool, Any]:
        if key in self._used:
            return True, self._used[key]
        if key in self._old:
            value = self._old[key]
            self._used[key] = value
            return True, value
        return False, None

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value
        self._changed = True

    def save(self) -> None:
        if self.path is None:
            return
        if not self._changed and len(self._used) == len(self._old):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".codemap-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "entries": self._used}, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only home is no reason to fail an analysis
            log.debug("code map cache not written to %s: %s", self.path, exc)
        self._old = self._used
        self._used = dict(self._old)
        self._changed = False
