"""The code map engine: which files each extractor reads, their facts (cached by content
hash), and the endpoints and entities of a service resolved from them."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backend_planner.workspace.codemap.cache import FactsCache, content_key, digest
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, ServiceContext
from backend_planner.workspace.codemap.merge import merge_entities
from backend_planner.workspace.facts import Endpoint, Entity

log = logging.getLogger(__name__)

MAX_BYTES = 2 << 20  # a source file larger than 2 MB is generated or data, not code to read
BINARY_PROBE = 8192
MINIFIED_MIN_BYTES = 20_000
MINIFIED_LINE = 1_000  # average line length of a minified bundle


@dataclass
class CodeMap:
    endpoints: list[Endpoint] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    # "path: reason" for each file that could not be read (binary, minified, too large, …)
    unreadable: list[str] = field(default_factory=list)


@dataclass
class _Source:
    digest: str | None  # None: not readable (problem says why)
    problem: str | None
    data: bytes | None  # the bytes, when read in this build


class CodeMapBuilder:
    """Builds code maps of one workspace; keeps each file's bytes by stat and its facts by
    content hash, so rebuilding after an edit reads and extracts only the changed files."""

    def __init__(
        self,
        root: Path,
        *,
        cache: FactsCache | None = None,
        extractors: Sequence[Extractor] | None = None,
    ) -> None:
        self.root = root
        self.cache = cache if cache is not None else FactsCache(root)
        if extractors is None:
            from backend_planner.workspace.codemap.registry import all_extractors

            extractors = all_extractors()
        self.extractors = tuple(extractors)
        # this build's files read so far (bytes kept for the extractors that need them)
        self._sources: dict[str, _Source] = {}
        # service dir -> the inputs of its last build, for `refresh`
        self.services: dict[str, tuple[ServiceContext, frozenset[str]]] = {}
        # not used here: callers that share a builder between threads hold it around each use
        self.lock = threading.Lock()

    def build(self, ctx: ServiceContext, *, exclude: frozenset[str] = frozenset()) -> CodeMap:
        """The code map of one service. `exclude`: files not to read (tests)."""
        self.services[ctx.service_dir] = (ctx, exclude)
        result = CodeMap()
        unreadable: dict[str, str] = {}
        entities: list[Entity] = []
        endpoints: list[Endpoint] = []
        for extractor in self.extractors:
            if not extractor.applies(ctx):
                continue
            facts: dict[str, FileFacts] = {}
            for path in _paths(extractor, ctx):
                if path in exclude or not extractor.wants(path):
                    continue
                source = self._source(path)
                if source.digest is None:
                    if source.problem:
                        unreadable[path] = source.problem
                    continue
                file_facts = self._facts(extractor, path, source)
                if file_facts:
                    facts[path] = file_facts
            if not facts:
                continue
            try:
                part = extractor.resolve(facts, ctx)
            except Exception:  # an extractor's bug must not cost the rest of the map
                log.exception("code map: %s failed on %s", extractor.name, ctx.service_dir)
                continue
            endpoints.extend(part.endpoints)
            entities.extend(part.entities)
        result.endpoints = _unique_endpoints(endpoints)
        result.entities = merge_entities(entities)
        result.unreadable = [f"{p}: {r}" for p, r in sorted(unreadable.items())]
        self._sources.clear()
        return result

    def forget(self, path: str) -> None:
        """Drop what is known of a file (it changed or was deleted)."""
        self._sources.pop(path, None)
        self.cache.forget(path)

    def refresh(
        self,
        changed: Iterable[str] = (),
        created: Iterable[str] = (),
        deleted: Iterable[str] = (),
    ) -> dict[str, CodeMap]:
        """The maps of the services (by dir) that hold one of these repo-relative files, built
        again: only changed files are read and extracted again (the others' facts are kept).
        A created file joins the service whose directory holds it (the deepest one); a
        deleted one leaves it. Files of no known service change nothing."""
        touched: set[str] = set()
        for path in changed:
            self.forget(path)
            touched.update(
                d
                for d, (ctx, _) in self.services.items()
                if path in ctx.files or path in ctx.module_files
            )
        for path in deleted:
            self.forget(path)
            for directory, (ctx, _) in self.services.items():
                if path in ctx.files:
                    ctx.files = [f for f in ctx.files if f != path]
                    touched.add(directory)
        for path in created:
            self.forget(path)
            owner = _owner(path, self.services)
            if owner is not None:
                ctx, exclude = self.services[owner]
                if path not in ctx.files:
                    ctx.files = sorted([*ctx.files, path])
                touched.add(owner)
        maps = {}
        for directory in sorted(touched):
            ctx, exclude = self.services[directory]
            maps[directory] = self.build(ctx, exclude=exclude)
        if touched:
            self.cache.save()
        return maps

    def save_cache(self) -> None:
        self.cache.save()

    def _source(self, path: str) -> _Source:
        """The file's digest (or why it can't be read); read only when its stat changed."""
        known = self._sources.get(path)
        if known is not None:
            return known
        full = os.path.join(self.root, path)
        try:
            st = os.stat(full)
        except OSError as exc:
            return _Source(None, f"can't read ({exc.strerror or exc})", None)
        remembered = self.cache.known(path, st.st_mtime_ns, st.st_size)
        if remembered is not None:
            source = _Source(remembered[0], remembered[1], None)
        else:
            source = _read(full, st.st_size)
            self.cache.remember(path, st.st_mtime_ns, st.st_size, source.digest, source.problem)
        self._sources[path] = source
        return source

    def _facts(self, extractor: Extractor, path: str, source: _Source) -> FileFacts | None:
        assert source.digest is not None
        key = content_key(extractor.name, extractor.version, source.digest)
        hit, value = self.cache.get(key)
        if hit:
            cached: FileFacts | None = value
            return cached
        if source.data is None:  # known by its stat, but this extractor has not seen it
            fresh = _read(os.path.join(self.root, path), -1)
            if fresh.digest != source.digest or fresh.data is None:
                self.cache.forget(path)  # changed under us: read it next time
                return None
            source.data = fresh.data
        facts: FileFacts | None = None
        if not extractor.markers or any(m in source.data for m in extractor.markers):
            try:
                facts = extractor.extract(path, source.data)
            except Exception:  # a file the extractor can't handle is skipped, with the reason
                log.exception("code map: %s could not read %s", extractor.name, path)
        self.cache.put(key, facts)
        return facts


def _paths(extractor: Extractor, ctx: ServiceContext) -> list[str]:
    """The files an extractor reads for a service: its own, and the build's other modules when
    the extractor asks for them."""
    if not extractor.reads_module_files or not ctx.module_files:
        return ctx.files
    own = set(ctx.files)
    return [*ctx.files, *(p for p in ctx.module_files if p not in own)]


def _owner(path: str, services: dict[str, tuple[ServiceContext, frozenset[str]]]) -> str | None:
    """The deepest service directory holding `path`."""
    best: str | None = None
    for directory in services:
        inside = directory == "." or path.startswith(directory + "/")
        if inside and (best is None or best == "." or len(directory) > len(best)):
            best = directory
    return best


def _read(full: str, size: int) -> _Source:
    """A file's bytes and digest; `size` < 0 when its stat isn't known."""
    if size > MAX_BYTES:
        return _Source(None, f"too large ({size // 1024} KB)", None)
    try:
        with open(full, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        return _Source(None, f"can't read ({exc.strerror or exc})", None)
    if len(data) > MAX_BYTES:
        return _Source(None, f"too large ({len(data) // 1024} KB)", None)
    if b"\0" in data[:BINARY_PROBE]:
        return _Source(None, "binary", None)
    if len(data) > MINIFIED_MIN_BYTES and len(data) / (data.count(b"\n") + 1) > MINIFIED_LINE:
        return _Source(None, "minified", None)
    return _Source(digest(data), None, data)


def _unique_endpoints(endpoints: list[Endpoint]) -> list[Endpoint]:
    seen: set[tuple[str, str, str, int]] = set()
    out = []
    for endpoint in sorted(endpoints, key=lambda e: (e.path, e.method, e.file, e.line)):
        key = (endpoint.method, endpoint.path, endpoint.file, endpoint.line)
        if key not in seen:
            seen.add(key)
            out.append(endpoint)
    return out
