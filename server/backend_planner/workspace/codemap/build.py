"""The code map engine: which files each extractor reads, their facts (cached by content
hash), and the endpoints and entities of a service resolved from them."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_planner import __version__
from backend_planner.workspace.codemap.cache import FactsCache, ServiceMaps, content_key, digest
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, ServiceContext
from backend_planner.workspace.codemap.merge import merge_entities
from backend_planner.workspace.codemap.registry import code_stamp, family_key
from backend_planner.workspace.codemap.stamps import GitState, Stamp, stamps
from backend_planner.workspace.facts import Endpoint, Entity, EntityField, EntityIndex, as_data
from backend_planner.workspace.scan import find_git_toplevel

log = logging.getLogger(__name__)

MAX_BYTES = 2 << 20  # a source file larger than 2 MB is generated or data, not code to read
BINARY_PROBE = 8192
MINIFIED_MIN_BYTES = 20_000
MINIFIED_LINE = 1_000  # average line length of a minified bundle
PROGRESS_EVERY = 250  # `progress(parsed)` after this many files read by an extractor


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
        self._cache = cache  # the per-file tables: read only when a file must be looked at
        self.maps = ServiceMaps(root)
        # None: the extractors of the languages met (see `use_languages`), loaded on demand
        self._fixed = tuple(extractors) if extractors is not None else None
        self.extractors: tuple[Extractor, ...] = self._fixed or ()
        # service dir -> the inputs of its last build, for `refresh`
        self.services: dict[str, tuple[ServiceContext, Callable[[str], bool]]] = {}
        # not used here: callers that share a builder between threads hold it around each use
        self.lock = threading.Lock()
        self._git: GitState | None = None
        # files read by an extractor (not from the cache), and who hears of it as it goes
        self.parsed = 0
        self.progress: Callable[[int], None] | None = None
        self._vouched_stamps: Collection[str] = frozenset()  # stamps git vouched for (see _stamps)
        self._data: dict[str, bytes] = {}  # bytes read in the current build

    @property
    def cache(self) -> FactsCache:
        if self._cache is None:
            self._cache = FactsCache(self.root)
        return self._cache

    def use_languages(self, languages: Iterable[str | None]) -> None:
        """Load the extractors of these languages' families (and keep those already loaded)."""
        if self._fixed is not None:
            return
        from backend_planner.workspace.codemap.registry import extractors_for

        merged = {e.name: e for e in (*self.extractors, *extractors_for(languages))}
        self.extractors = tuple(merged[name] for name in sorted(merged))

    def start_git(self) -> None:
        """In a git work tree, ask git which tracked files differ from its index: the answer
        arrives while the files are listed and the analysis runs (see stamps.GitState)."""
        top = find_git_toplevel(self.root)
        if top is not None and self._git is None:
            self._git = GitState(self.root, top)

    def note_untracked(self, files: Iterable[str]) -> None:
        """The work tree's untracked files (the listing knows them): always stat'ed."""
        if self._git is not None:
            self._git.untracked = set(files)

    def build(
        self, ctx: ServiceContext, *, exclude: Callable[[str], bool] = lambda path: False
    ) -> CodeMap:
        """The code map of one service. `exclude(path)`: a file not to read (a test)."""
        self.services[ctx.service_dir] = (ctx, exclude)
        vouched = self._vouched(ctx)
        if vouched is not None:
            stored = self.maps.get(ctx.service_dir, *vouched)
            read = stored.get("read") if isinstance(stored, dict) else None
            if isinstance(read, list) and self._unsure().isdisjoint(read):
                ctx.read.update(read)
                return _code_map_of(stored)
        self.use_languages([ctx.language])
        applicable = [e for e in self.extractors if e.applies(ctx)]
        extensions = {e for x in applicable for e in x.extensions}
        own = _select(ctx.files, extensions)
        modules: list[str] = []
        if ctx.module_files and any(x.reads_module_files for x in applicable):
            mine = set(ctx.files)
            modules = [p for p in _select(ctx.module_files, extensions) if p not in mine]
        own_buckets, module_buckets = _buckets(own), _buckets(modules)
        selected: dict[str, list[str]] = {}
        for extractor in applicable:
            paths = _pick(own_buckets, extractor.extensions)
            if extractor.reads_module_files:
                paths += _pick(module_buckets, extractor.extensions)
            selected[extractor.name] = paths
        ctx.read.clear()
        result = self._build(ctx, exclude, applicable, selected, own + modules)
        family = family_key(ctx.language)
        self.maps.set_extensions(
            family,
            sorted({e for x in self.extractors for e in x.extensions if _reads(x, ctx.language)}),
        )
        vouched = self._vouched(ctx)  # now that the family's extensions are known
        if vouched is not None and self._unsure().isdisjoint(ctx.read):
            self.maps.put(ctx.service_dir, *vouched, {**as_data(result), "read": sorted(ctx.read)})
        else:
            self.maps.drop(ctx.service_dir)
        return result

    def _vouched(self, ctx: ServiceContext) -> tuple[str, Stamp] | None:
        """(fingerprint of the service's inputs, git's index stamp) when git vouches that none
        of the files the map may read differs from its index; None when it can't (no git, a
        modified or untracked source file, the extensions the families read not known yet).
        No extractor is imported for this: the inputs are the service's files of the
        extensions its families read (kept from the last build), its facts, and the code map's
        own code and rules (their stamps). The files resolve read besides (config files) are
        checked against the stored map's list."""
        git = self._git
        if git is None or git.index is None or git.dirty() is None:
            return None
        extensions = self.maps.extensions(family_key(ctx.language))
        if extensions is None:
            return None
        candidates = _select(ctx.files, extensions)
        if ctx.module_files:
            candidates += _select(ctx.module_files, extensions)
        if not self._unsure().isdisjoint(candidates):
            return None
        described = repr(
            (__version__, code_stamp(), ctx.language, ctx.frameworks, ctx.orm, ctx.service_dir)
        )
        fingerprint = digest("\0".join([described, *candidates]).encode("utf-8", "surrogateescape"))
        return fingerprint, git.index

    def _unsure(self) -> set[str]:
        """The files git can't vouch for: modified in the work tree, or untracked."""
        git = self._git
        dirty = git.dirty() if git is not None else None
        if git is None or dirty is None:
            return set()
        return dirty | git.untracked

    def _build(
        self,
        ctx: ServiceContext,
        exclude: Callable[[str], bool],
        applicable: list[Extractor],
        selected: dict[str, list[str]],
        candidates: list[str],
    ) -> CodeMap:
        current = self._stamps(candidates)
        changed = self.cache.changed(current, same=self._vouched_stamps)
        self._vouched_stamps = frozenset()
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
        """The candidates' stamps: the recorded one of each file git vouches for (clean now,
        clean when recorded, same index), a fresh stat of every other."""
        git = self._git
        dirty = git.dirty() if git is not None else None
        if git is None or dirty is None:
            return stamps(self.root, candidates)
        cache = self.cache
        vouched: dict[str, Stamp | None] = {}
        if git.index is not None and cache.git_index == git.index:
            unsure = dirty | git.untracked
            known = cache.stamps
            sure = cache.clean.intersection(candidates)
            sure.difference_update(unsure)
            sure.intersection_update(known.keys())
            vouched = dict(zip(sure, map(known.__getitem__, sure), strict=True))
        rest = list(set(candidates).difference(vouched)) if vouched else candidates
        fresh = stamps(self.root, rest)
        unclean = dirty | git.untracked
        clean = {p for p, stamp in fresh.items() if stamp is not None and p not in unclean}
        cache.set_git(git.index, clean, set(fresh) - clean)
        self._vouched_stamps = vouched.keys()
        return {**vouched, **fresh}

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
            self.parsed += 1
            if self.progress is not None and self.parsed % PROGRESS_EVERY == 0:
                self.progress(self.parsed)
            try:
                facts = extractor.extract(path, data)
            except Exception:  # a file the extractor can't handle is skipped, with the reason
                log.exception("code map: %s could not read %s", extractor.name, path)
        self.cache.put(key, facts)
        return facts

    def forget(self, path: str) -> None:
        """Drop what is known of a file (it changed or was deleted)."""
        self.cache.forget(path)
        self._git = None  # git's answer is from before the change
        for directory in self.services:
            self.maps.drop(directory)

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
            self.save_cache()
        return maps

    def save_cache(self) -> None:
        """Write the cache; the stamps taken for this analysis are spent."""
        if self._git is not None:
            self._git.close()  # this analysis's answer is spent
            self._git = None
        if self._cache is not None:
            self._cache.save()
        self.maps.save()


def _code_map_of(data: Any) -> CodeMap:
    """A CodeMap back from its JSON data (see as_data)."""
    entities = [
        Entity(
            **{
                **e,
                "fields": [EntityField(**f) for f in e["fields"]],
                "indexes": [EntityIndex(**i) for i in e["indexes"]],
            }
        )
        for e in data["entities"]
    ]
    return CodeMap(
        endpoints=[Endpoint(**e) for e in data["endpoints"]],
        entities=entities,
        unreadable=list(data["unreadable"]),
    )


def _reads(extractor: Extractor, language: str | None) -> bool:
    return not extractor.languages or language in extractor.languages


def _problem_paths(problems: dict[str, str], paths: list[str]) -> list[str]:
    """The paths among `paths` that can't be read (few: look from the smaller side)."""
    if not problems:
        return []
    if len(problems) < len(paths):
        chosen = set(paths)
        return sorted(p for p in problems if p in chosen)
    return [p for p in paths if p in problems]


def _select(paths: list[str], extensions: Iterable[str]) -> list[str]:
    """The paths with one of these extensions (lower or upper case), in their order."""
    suffixes = tuple(sorted({e for x in extensions for e in (x, x.upper())}))
    return [p for p in paths if p.endswith(suffixes)] if suffixes else []


def _buckets(paths: list[str]) -> dict[str, list[str]]:
    """Paths by lower-case extension (in their order)."""
    by_extension: dict[str, list[str]] = {}
    for path in paths:
        extension = path[path.rfind(".") :].lower()
        bucket = by_extension.get(extension)
        if bucket is None:
            by_extension[extension] = [path]
        else:
            bucket.append(path)
    return by_extension


def _pick(buckets: dict[str, list[str]], extensions: Iterable[str]) -> list[str]:
    """The paths of these extensions, sorted (as the service's files are)."""
    chosen = [buckets[e] for e in sorted(set(extensions)) if e in buckets]
    if len(chosen) == 1:
        return list(chosen[0])
    return sorted(p for bucket in chosen for p in bucket)


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
