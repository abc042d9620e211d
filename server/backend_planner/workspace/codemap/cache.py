"""What the code map learnt of a workspace's files, kept between analyses in the user cache dir.

- facts by content: `<extractor>@<version>:<blake2b of the bytes>` → the file's facts, so a
  renamed or reverted file is found again and an extractor's new version never reuses old facts;
- files: each file's stamp (see stamps.py), the digest of its bytes, and why it could not be
  read (binary, too large …) — a file whose stamp is unchanged is not read again; which files
  were clean in git, and git's index stamp, so those need not even be stat'ed;
- runs: per service and extractor, the fingerprint of the list of files it read and which of
  them had facts — when neither the list nor any file changed, nothing is looked at again.

One file per workspace (marshal, per Python version), written atomically; entries not used
since it was loaded are dropped when it is written. A damaged file is ignored and rewritten,
never an error. `BACKEND_PLANNER_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from backend_planner import paths

try:  # the BLAKE2 module alone: hashlib's import loads OpenSSL, a CLI run's start-up counts
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b
from backend_planner.workspace.codemap.stamps import Stamp

log = logging.getLogger(__name__)

FORMAT = 6
Run = tuple[str, dict[str, str]]  # (fingerprint of the files read, {path: digest} with facts)


def cache_dir() -> Path | None:
    """`codemap/` in the product's cache dir (see paths.cache_dir); None when turned off or
    when there is no home directory."""
    try:
        base = paths.cache_dir()
    except (OSError, RuntimeError):
        return None
    return None if base is None else base / "codemap"


def _cache_file(root: Path, suffix: str) -> Path | None:
    """This workspace's cache file (per Python version: marshal's format is one)."""
    directory = cache_dir()
    if directory is None:
        return None
    name = blake2b(str(root).encode(), digest_size=10).hexdigest()
    version = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return directory / f"{root.name[:40]}-{name}-{version}{suffix}.marshal"


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write atomically; a read-only home is no reason to fail an analysis."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".codemap-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump(data, handle)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        log.debug("code map cache not written to %s: %s", path, exc)


def digest(source: bytes) -> str:
    return blake2b(source, digest_size=16).hexdigest()


def content_key(extractor: str, version: int, content_digest: str) -> str:
    return f"{extractor}@{version}:{content_digest}"


class FactsCache:
    """The cache of one workspace, in memory; `save()` writes it when it changed."""

    def __init__(self, root: Path) -> None:
        self.path = _cache_file(root, "")
        data = self._load()
        self.facts: dict[str, Any] = data.get("facts", {})
        self.stamps: dict[str, Stamp | None] = data.get("stamps", {})
        self.digests: dict[str, str | None] = data.get("digests", {})
        self.problems: dict[str, str] = data.get("problems", {})
        self.runs: dict[str, Run] = data.get("runs", {})
        # files that were tracked and clean in git when stamped, and git's index stamp then
        self.clean: set[str] = set(data.get("clean", ()))
        self.git_index: Stamp | None = data.get("git_index")
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
        if not isinstance(data.get("clean"), (set, frozenset)):
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
    def changed(self, current: dict[str, Stamp | None], same: Collection[str] = ()) -> set[str]:
        """The paths whose stamp is not the one recorded (new files included); `same`: paths
        whose stamp was taken from the record (nothing to compare)."""
        self._used_files.update(current)
        if not same:
            return {path for path, _ in current.items() - self.stamps.items()}
        stored = self.stamps
        return {p for p in current.keys() - same if stored.get(p) != current[p]}

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
        self.clean.discard(path)
        if self.stamps.pop(path, None) is not None:
            self._changed = True

    def set_git(self, index: Stamp | None, clean: set[str], unclean: set[str]) -> None:
        """Note which stamped files were clean in git, under which index."""
        before = (self.git_index, len(self.clean))
        self.git_index = index
        self.clean -= unclean
        self.clean |= clean
        if (self.git_index, len(self.clean)) != before:
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
        self.clean &= keep
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
            "clean": self.clean,
            "git_index": self.git_index,
        }
        _write(self.path, data)


class ServiceMaps:
    """The last code map of each service of a workspace, with the fingerprint of what it was
    built from (its files, their git state, the extractors) — a small file of its own, so an
    analysis in which git vouches that nothing changed reads no per-file table at all."""

    def __init__(self, root: Path) -> None:
        self.path = _cache_file(root, "-maps")
        self.git_index: Stamp | None = None
        self.maps: dict[str, tuple[str, Any]] = {}
        # families (`go+sql`) -> the extensions their extractors read, learnt when they ran
        self.family_extensions: dict[str, list[str]] = {}
        self._changed = False
        if self.path is not None:
            try:
                data = marshal.loads(self.path.read_bytes())
            except (OSError, ValueError, EOFError, TypeError):
                data = None
            if isinstance(data, dict) and data.get("format") == FORMAT:
                maps = data.get("maps")
                extensions = data.get("extensions")
                if isinstance(maps, dict) and isinstance(extensions, dict):
                    self.maps = maps
                    self.family_extensions = extensions
                    self.git_index = data.get("git_index")

    def get(self, key: str, fingerprint: str, git_index: Stamp) -> Any:
        """The map stored for `key` when it was built from the same fingerprint and index."""
        if self.git_index != git_index:
            return None
        entry = self.maps.get(key)
        if not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != fingerprint:
            return None
        return entry[1]

    def put(self, key: str, fingerprint: str, git_index: Stamp, data: Any) -> None:
        if self.git_index != git_index:
            self.maps = {}
            self.git_index = git_index
        self.maps[key] = (fingerprint, data)
        self._changed = True

    def extensions(self, family: str) -> list[str] | None:
        found = self.family_extensions.get(family)
        return found if isinstance(found, list) else None

    def set_extensions(self, family: str, extensions: list[str]) -> None:
        if self.family_extensions.get(family) != extensions:
            self.family_extensions[family] = extensions
            self._changed = True

    def drop(self, key: str) -> None:
        if self.maps.pop(key, None) is not None:
            self._changed = True

    def save(self) -> None:
        if not self._changed or self.path is None:
            return
        self._changed = False
        data = {
            "format": FORMAT,
            "git_index": self.git_index,
            "maps": self.maps,
            "extensions": self.family_extensions,
        }
        _write(self.path, data)
