"""How the engine knows, without reading a file, that it is the one it read last time.

A file's *stamp* is its (mtime in ns, size), as in git's index; stamping every source file of
a big tree is thousands of system calls. Inside a git work tree, git already knows which
tracked files differ from its index: `GitState` asks it (`git diff-files`, started before the
files are listed, so it runs beside the analysis) and notes the index file's own stamp. While
the index is the one the cache last saw, a tracked file that was clean then and is clean now is
the same file, and keeps its stamp without a system call; every other file is stat'ed.
"""

from __future__ import annotations

import logging
import operator
import os
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Stamp = tuple[Any, ...]
_STAT = operator.attrgetter("st_mtime_ns", "st_size")
_GIT_ENV = {"GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def stamps(root: Path, paths: list[str]) -> dict[str, Stamp | None]:
    """Each path's stamp (None: it can't be stat'ed, e.g. it was deleted)."""
    if not paths:
        return {}
    fd = os.open(root, os.O_RDONLY)
    try:
        stat = partial(os.stat, dir_fd=fd)
        try:  # one C loop for the common case: every file is there
            return dict(zip(paths, map(_STAT, map(stat, paths)), strict=True))
        except OSError:
            out: dict[str, Stamp | None] = {}
            for path in paths:
                try:
                    out[path] = _STAT(stat(path))
                except OSError:
                    out[path] = None
            return out
    finally:
        os.close(fd)


class GitState:
    """The tracked files of a work tree that differ from git's index (modified or deleted),
    read in the background, and the index file's stamp."""

    def __init__(self, root: Path, top: Path) -> None:
        self.index = _index_stamp(top)
        self.untracked: set[str] = set()  # told by the file listing
        self._dirty: set[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        if self.index is None:
            return
        try:
            self._proc = subprocess.Popen(
                ["git", "diff-files", "--name-only", "--relative", "-z"],
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, **_GIT_ENV},
            )
        except OSError as exc:
            log.debug("no git state: %s", exc)

    def dirty(self) -> set[str] | None:
        """The tracked files that differ from the index (None: git could not tell)."""
        if self._proc is not None:
            out, _ = self._proc.communicate()
            if self._proc.returncode == 0:
                self._dirty = set(out.decode("utf-8", "surrogateescape").split("\0"))
                self._dirty.discard("")
            self._proc = None
        return self._dirty

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.communicate()
            self._proc = None


def _index_stamp(top: Path) -> Stamp | None:
    """The stamp of the work tree's index file (`.git/index`, or the one a `.git` file names)."""
    dot_git = top / ".git"
    try:
        if dot_git.is_file():
            line = dot_git.read_text(encoding="utf-8").strip()
            if not line.startswith("gitdir:"):
                return None
            git_dir = (top / line[len("gitdir:") :].strip()).resolve()
        else:
            git_dir = dot_git
        return tuple(_STAT(os.stat(git_dir / "index")))
    except OSError:
        return None
