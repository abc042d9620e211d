"""The code map engine: which files each extractor reads, their facts (cached by content
hash), and the endpoints and entities of a service resolved from them."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backend_planner.workspace.codemap.cache import FactsCache, content_key, digest
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, ServiceContext
from backend_planner.workspace.codemap.merge import merge_entities
from backend_planner.workspace.codemap.stamps import Stamp, StampWorker, stamps
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
    """Builds code maps of one workspace. Each file's digest is kept by its stamp and its facts
    by digest, and each service's last run per extractor by the fingerprint of its files: an
    analysis after an edit reads and extracts only the changed files, and one with no change
    reads none (see cache.py, stamps.py)."""

    def __init__(
        self,
        root: Path,
        *,
        cache: FactsCache | None = None,
        extractors: Sequence[Extractor] | None = None,
    ) -> None:
        self.root = root
        self.cache = cache if cache is not None else FactsCache(root)
        # None: the extractors of the languages met (see `use_languages`), loaded on demand
        self._fixed = tuple(extractors) if extractors is not None else None
        self.extractors: tuple[Extractor, ...] = self._fixed or ()
        # service dir -> the inputs of its last build, for `refresh`
        self.services: dict[str, tuple[ServiceContext, Callable[[str], bool]]] = {}
        # not used here: callers that share a builder between threads hold it around each use
        self.lock = threading.Lock()
        self._prestat: StampWorker | None = None
        self._data: dict[str, bytes] = {}  # bytes read in the current build

    def use_languages(self, languages: Iterable[str | None]) -> None:
        """Load the extractors of these languages' families (and keep those already loaded)."""
        if self._fixed is not None:
            return
        from backend_planner.workspace.codemap.registry import extractors_for

        merged = {e.name: e for e in (*self.extractors, *extractors_for(languages))}
        self.extractors = tuple(merged[name] for name in sorted(merged))

    def prestat(self, files: list[str]) -> None:
        """Start stamping the files any extractor may read, in a worker process: the system
        calls run while the rest of the analysis does its work (build() waits for them)."""
        extensions = {e for x in self.extractors for e in x.extensions}
        wanted = [p for paths in _by_extension(files).select_many(extensions) for p in paths]
        self._prestat = StampWorker(self.root, wanted)

    def build(
        self, ctx: ServiceContext, *, exclude: Callable[[str], bool] = lambda path: False
    ) -> CodeMap:
        """The code map of one service. `exclude(path)`: a file not to read (a test)."""
        self.services[ctx.service_dir] = (ctx, exclude)
        self.use_languages([ctx.language])
        applicable = [e for e in self.extractors if e.applies(ctx)]
        own = _by_extension(ctx.files)
        if ctx.module_files:
            mine = set(ctx.files)
            modules = _by_extension([p for p in ctx.module_files if p not in mine])
        else:
            modules = _Buckets({})
        selected: dict[str, list[str]] = {}
        for extractor in applicable:
            paths = own.select(extractor.extensions)
            if extractor.reads_module_files:
                paths += modules.select(extractor.extensions)
            selected[extractor.name] = paths
        candidates = list(dict.fromkeys(p for paths in selected.values() for p in paths))
        current = self._stamps(candidates)
        changed = self.cache.changed(current)
        for path in sorted(changed):
            self._read_changed(path, current[path])
        endpoints: list[Endpoint] = []
        entities: list[Entity] = []
        wanted_problems: dict[str, str] = {}
        for extractor in applicable:
            paths = selected[extractor.name]
            facts = self._facts_of(ctx, extractor, paths, changed, exclude)
            for path in _problem_paths(self.cache.problems, paths):
                if extractor.wants(path) and not exclude(path):
                    wanted_problems[path] = self.cache.problems[path]
            if not facts:
                continue
            try:
                part = extractor.resolve(facts, ctx)
            except Exception:  # an extractor's bug must not cost the rest of the map
                log.exception("code map: %s failed on %s", extractor.name, ctx.service_dir)
                continue
            endpoints.extend(part.endpoints)
            entities.extend(part.entities)
        self._data.clear()
        return CodeMap(
            endpoints=_unique_endpoints(endpoints),
            entities=merge_entities(entities),
            unreadable=[f"{p}: {r}" for p, r in sorted(wanted_problems.items())],
        )

    def _facts_of(
        self,
        ctx: ServiceContext,
        extractor: Extractor,
        paths: list[str],
        changed: set[str],
        exclude: Callable[[str], bool],
    ) -> dict[str, FileFacts]:
        """The facts of the extractor's files: from its last run on this service when the list
        of files is the same (only changed files are looked at), else from every file."""
        run_key = f"{ctx.service_dir}|{extractor.name}@{extractor.version}"
        fingerprint = digest("\0".join(paths).encode("utf-8", "surrogateescape"))
        previous = self.cache.run(run_key)
        if previous is not None and previous[0] == fingerprint:
            todo = sorted(changed.intersection(paths))
            kept = {p: d for p, d in previous[1].items() if p not in changed}
        else:
            todo, kept = paths, {}
        facts: dict[str, FileFacts] = {}
        with_facts: dict[str, str] = {}
        for path, content in kept.items():
            hit, value = self.cache.get(content_key(extractor.name, extractor.version, content))
            if not hit:  # pruned from the cache: look at the file again
                todo.append(path)
            elif value:
                facts[path] = value
                with_facts[path] = content
        for path in todo:
            if not extractor.wants(path) or exclude(path):
                continue
            readable = self.cache.digests.get(path)
            if readable is None:
                continue
            value = self._extract(extractor, path, readable)
            if value:
                facts[path] = value
                with_facts[path] = readable
        self.cache.set_run(run_key, (fingerprint, with_facts))
        return dict(sorted(facts.items()))

    def _stamps(self, candidates: list[str]) -> dict[str, Stamp | None]:
        known = self._prestat.result() if self._prestat is not None else {}
        if not known:
            return stamps(self.root, candidates)
        out = {p: known[p] for p in candidates if p in known}
        if len(out) < len(candidates):
            out.update(stamps(self.root, [p for p in candidates if p not in out]))
        return out

    def _read_changed(self, path: str, stamp: Stamp | None) -> None:
        if stamp is None:
            self.cache.record(path, None, None, "can't read (no such file)")
            return
        source = _read(os.path.join(self.root, path), stamp[1] if stamp[0] != "git" else -1)
        self.cache.record(path, stamp, source.digest, source.problem)
        if source.data is not None:
            self._data[path] = source.data

    def _extract(self, extractor: Extractor, path: str, content: str) -> FileFacts | None:
        key = content_key(extractor.name, extractor.version, content)
        hit, value = self.cache.get(key)
        if hit:
            cached: FileFacts | None = value
            return cached
        data = self._data.get(path)
        if data is None:  # known by its stamp, but this extractor has not read it yet
            fresh = _read(os.path.join(self.root, path), -1)
            if fresh.digest != content or fresh.data is None:
                self.cache.forget(path)  # changed under us: read it again next time
                return None
            data = self._data[path] = fresh.data
        facts: FileFacts | None = None
        if not extractor.markers or any(m in data for m in extractor.markers):
            try:
                facts = extractor.extract(path, data)
            except Exception:  # a file the extractor can't handle is skipped, with the reason
                log.exception("code map: %s could not read %s", extractor.name, path)
        self.cache.put(key, facts)
        return facts

    def forget(self, path: str) -> None:
        """Drop what is known of a file (it changed or was deleted)."""
        self.cache.forget(path)
        self._prestat = None  # stamps taken before the change

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
                ctx, _ = self.services[owner]
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
        """Write the cache; the stamps taken for this analysis are spent."""
        if self._prestat is not None:
            self._prestat.result()
            self._prestat = None
        self.cache.save()


def _problem_paths(problems: dict[str, str], paths: list[str]) -> list[str]:
    """The paths among `paths` that can't be read (few: look from the smaller side)."""
    if not problems:
        return []
    if len(problems) < len(paths):
        chosen = set(paths)
        return sorted(p for p in problems if p in chosen)
    return [p for p in paths if p in problems]


@dataclass
class _Buckets:
    """Files by lower-case extension, so each extractor looks only at its own kinds."""

    by_extension: dict[str, list[str]]

    def select_many(self, extensions: set[str]) -> list[list[str]]:
        return [self.by_extension[e] for e in sorted(extensions) if e in self.by_extension]

    def select(self, extensions: frozenset[str]) -> list[str]:
        out: list[str] = []
        for extension in sorted(extensions):
            out += self.by_extension.get(extension, ())
        return out


def _by_extension(paths: list[str]) -> _Buckets:
    by_extension: dict[str, list[str]] = {}
    for path in paths:  # the hot loop of a big tree: as little work per path as can be
        extension = path[path.rfind(".") :]
        bucket = by_extension.get(extension)
        if bucket is None:
            by_extension[extension] = [path]
        else:
            bucket.append(path)
    lowered: dict[str, list[str]] = {}
    for extension, bucket in by_extension.items():
        if "/" not in extension:  # a dot in a directory name, not an extension
            lowered.setdefault(extension.lower(), []).extend(bucket)
    return _Buckets(lowered)


def _owner(
    path: str, services: dict[str, tuple[ServiceContext, Callable[[str], bool]]]
) -> str | None:
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
