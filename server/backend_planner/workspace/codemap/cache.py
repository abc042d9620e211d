"""Extracted facts cached by content hash, one JSON file per workspace in the user cache dir.

Keys are `<extractor>@<version>:<blake2b of the file's bytes>`, so a renamed or reverted file
is found again and an extractor's new version never reuses old facts. Like git's index, the
cache also keeps each file's stat (mtime, size) with its digest: a file whose stat is unchanged
is not even read again. Entries not used by the
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

FORMAT = 2


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


def digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def content_key(extractor: str, version: int, content_digest: str) -> str:
    return f"{extractor}@{version}:{content_digest}"


class FactsCache:
    """The cache of one workspace. `get`/`put` in memory; `save()` writes it when it changed."""

    def __init__(self, root: Path) -> None:
        directory = cache_dir()
        self.path: Path | None = None
        if directory is not None:
            digest = hashlib.blake2b(str(root).encode(), digest_size=10).hexdigest()
            self.path = directory / f"{root.name[:40]}-{digest}.json"
        self._old, self._old_files = self._load()
        self._used: dict[str, Any] = {}
        # path -> [mtime_ns, size, digest or None, problem or None]
        self._files: dict[str, list[Any]] = {}
        self._changed = False

    def _load(self) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        if self.path is None:
            return {}, {}
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}, {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}, {}
        entries, files = data.get("entries"), data.get("files")
        if not isinstance(entries, dict) or not isinstance(files, dict):
            return {}, {}
        return entries, files

    def known(self, path: str, mtime_ns: int, size: int) -> tuple[str | None, str | None] | None:
        """(digest, problem) of a file whose stat is unchanged since it was read; else None."""
        record = self._files.get(path)
        if record is None:
            record = self._old_files.get(path)
            if record is None:
                return None
            self._files[path] = record
        if (
            not isinstance(record, list)
            or len(record) != 4
            or record[0] != mtime_ns
            or record[1] != size
        ):
            return None
        return record[2], record[3]

    def remember(
        self, path: str, mtime_ns: int, size: int, content: str | None, problem: str | None
    ) -> None:
        self._files[path] = [mtime_ns, size, content, problem]
        self._changed = True

    def forget(self, path: str) -> None:
        self._files.pop(path, None)
        self._old_files.pop(path, None)

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
        if (
            not self._changed
            and len(self._used) == len(self._old)
            and len(self._files) == len(self._old_files)
        ):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".codemap-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"format": FORMAT, "entries": self._used, "files": self._files},
                    handle,
                    separators=(",", ":"),
                )
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only home is no reason to fail an analysis
            log.debug("code map cache not written to %s: %s", self.path, exc)
        self._old, self._old_files = self._used, self._files
        self._used, self._files = dict(self._old), dict(self._old_files)
        self._changed = False
