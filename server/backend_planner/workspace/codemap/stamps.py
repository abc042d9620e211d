"""How the engine knows, without reading a file, that it is the one it read last time: its
*stamp*, (mtime in ns, size), as git's index does. Stamping every source file of a big tree is
thousands of system calls, so `StampWorker` takes them in a second Python process (the same
interpreter, no site packages) while this one carries on with the analysis."""

from __future__ import annotations

import logging
import marshal
import operator
import os
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Stamp = tuple[Any, ...]
_STAT = operator.attrgetter("st_mtime_ns", "st_size")
WORKER_MIN_FILES = 2_000  # below this, stamping here is cheaper than starting a process

_WORKER = """
import marshal, operator, os, sys
from functools import partial
paths = sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\\0")
fd = os.open(sys.argv[1], os.O_RDONLY)
stat, get = partial(os.stat, dir_fd=fd), operator.attrgetter("st_mtime_ns", "st_size")
try:
    out = list(map(get, map(stat, paths)))
except OSError:
    out = []
    for p in paths:
        try:
            out.append(get(stat(p)))
        except OSError:
            out.append(None)
sys.stdout.buffer.write(marshal.dumps(out))
"""


def stamps(root: Path, paths: list[str]) -> dict[str, Stamp | None]:
    """Each path's stamp, taken here (None: it can't be stat'ed, e.g. it was deleted)."""
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


class StampWorker:
    """The stamps of `paths`, taken by a child process; `result()` waits for them (and takes
    them here when the child could not run)."""

    def __init__(self, root: Path, paths: list[str]) -> None:
        self.root = root
        self.paths = paths
        self._output: bytes | None = None
        self._thread: threading.Thread | None = None
        if len(paths) < WORKER_MIN_FILES:
            return
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _WORKER, str(root)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            log.debug("stamps taken in process: %s", exc)
            return
        data = "\0".join(paths).encode("utf-8", "surrogateescape")
        # The pipe holds 64 KB: a thread feeds it (waiting with the GIL released).
        self._thread = threading.Thread(
            target=self._talk, args=(proc, data), name="codemap-stamps", daemon=True
        )
        self._thread.start()

    def _talk(self, proc: subprocess.Popen[bytes], data: bytes) -> None:
        try:
            output, _ = proc.communicate(data)
        except OSError as exc:
            log.debug("stamp worker failed: %s", exc)
            return
        if proc.returncode == 0:
            self._output = output

    def result(self) -> dict[str, Stamp | None]:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            if self._output is not None:
                try:
                    taken = marshal.loads(self._output)
                except (ValueError, EOFError, TypeError):
                    taken = None
                if isinstance(taken, list) and len(taken) == len(self.paths):
                    return dict(zip(self.paths, taken, strict=True))
        return stamps(self.root, self.paths)
