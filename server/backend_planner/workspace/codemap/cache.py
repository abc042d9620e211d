"""What the code map learnt of a workspace's files, kept between analyses in the user cache dir.

- facts by content: `<extractor>@<version>:<blake2b of the bytes>` → the file's facts, so a
  renamed or reverted file is found again and an extractor's new version never reuses old facts;
- files: each file's stamp (see stamps.py), the digest of its bytes, and why it could not be
  read (binary, too large …) — a file whose stamp is unchanged is not read again;
- runs: per service and extractor, the fingerprint of the list of files it read and which of
  them had facts — when neither the list nor any file changed, nothing is looked at again.

One file per workspace (marshal, per Python version), written atomically; entries not used
since it was loaded are dropped when it is written. A damaged file is ignored and rewritten,
never an error. `BACKEND_PLANNER_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from backend_planner.workspace.codemap.stamps import Stamp

log = logging.getLogger(__name__)

FORMAT = 3
Run = tuple[str, dict[str, str]]  # (fingerprint of the files read, {path: digest} with facts)


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
    """The cache of one workspace, in memory; `save()` writes it when it changed."""

    def __init__(self, root: Path) -> None:
        directory = cache_dir()
        self.path: Path | None = None
        if directory is not None:
            name = hashlib.blake2b(str(root).encode(), digest_size=10).hexdigest()
            version = f"py{sys.version_info[0]}{sys.version_info[1]}"
            self.path = directory / f"{root.name[:40]}-{name}-{version}.marshal"
        data = self._load()
        self.facts: dict[str, Any] = data.get("facts", {})
        self.stamps: dict[str, Stamp | None] = data.get("stamps", {})
        self.digests: dict[str, str | None] = data.get("digests", {})
        self.problems: dict[str, str] = data.get("problems", {})
        self.runs: dict[str, Run] = data.get("runs", {})
        self._used_facts: set[str] = set()
        self._used_files: set[str] = set()
        self._used_runs: set[str] = set()
        self._changed = False

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        expected = {"facts", "stamps", "digests", "problems", "runs"}
        if not expected <= set(data) or not all(isinstance(data[k], dict) for k in expected):
            return {}
        return data

    # ---- facts by content
    def get(self, key: str) -> tuple[bool, Any]:
        if key in self.facts:
            self._used_facts.add(key)
            return True, self.facts[key]
        return False, None

    def put(self, key: str, value: Any) -> None:
        self.facts[key] = value
        self._used_facts.add(key)
        self._changed = True

    # ---- files
    def changed(self, current: dict[str, Stamp | None]) -> set[str]:
        """The paths whose stamp is not the one recorded (new files included)."""
        self._used_files.update(current)
        return {path for path, _ in current.items() - self.stamps.items()}

    def record(
        self, path: str, stamp: Stamp | None, content: str | None, problem: str | None
    ) -> None:
        self.stamps[path] = stamp
        self.digests[path] = content
        if problem:
            self.problems[path] = problem
        else:
            self.problems.pop(path, None)
        self._used_files.add(path)
        self._changed = True

    def forget(self, path: str) -> None:
        """Read this file again next time (it changed or was deleted)."""
        if self.stamps.pop(path, None) is not None:
            self._changed = True

    # ---- runs
    def run(self, key: str) -> Run | None:
        self._used_runs.add(key)
        return self.runs.get(key)

    def set_run(self, key: str, run: Run) -> None:
        if self.runs.get(key) != run:
            self.runs[key] = run
            self._changed = True
        self._used_runs.add(key)

    def save(self) -> None:
        """Write what was used since loading (if anything changed)."""
        unused = (
            len(self.facts) != len(self._used_facts)
            or len(self.stamps) != len(self._used_files)
            or len(self.runs) != len(self._used_runs)
        )
        if not self._changed and not unused:
            return
        self.facts = {k: self.facts[k] for k in self._used_facts if k in self.facts}
        keep = self._used_files
        self.stamps = {k: v for k, v in self.stamps.items() if k in keep}
        self.digests = {k: v for k, v in self.digests.items() if k in keep}
        self.problems = {k: v for k, v in self.problems.items() if k in keep}
        self.runs = {k: self.runs[k] for k in self._used_runs if k in self.runs}
        self._changed = False
        if self.path is None:
            return
        data = {
            "format": FORMAT,
            "facts": self.facts,
            "stamps": self.stamps,
            "digests": self.digests,
            "problems": self.problems,
            "runs": self.runs,
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".codemap-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(tmp, self.path)
        except (OSError, ValueError) as exc:  # a read-only home is no reason to fail
            log.debug("code map cache not written to %s: %s", self.path, exc)
