"""The contract between the code map's engine and its extractors.

An extractor reads one concern of one family of files (Go routes, SQL DDL, Django models …) in
two steps:
- `extract(path, source)`: the facts of ONE file, as JSON-able data. Its result depends only on
  the file's bytes (and the extractor's `version`), so the engine caches it by content hash: a
  second analysis, or an editor save, extracts only the files that changed.
- `resolve(facts, ctx)`: the endpoints and entities of a service from the facts of all its files
  (router variables followed across files, mounts and prefixes applied, models merged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from backend_planner.workspace.facts import Endpoint, Entity

FileFacts = dict[str, Any]


@dataclass
class ServiceContext:
    """What an extractor may know about the service beyond its files' facts."""

    root: Path  # the workspace root on disk
    service_dir: str  # repo-relative ("." for the root)
    language: str | None
    frameworks: list[str]
    orm: list[str]
    files: list[str]  # every repo-relative file of the service (any language), sorted
    # The source files (tests excluded) of the other modules of the same multi-module build
    # (Gradle/Maven: an API module of mapping interfaces, a shared library). They are not the
    # service's: the engine extracts them only for extractors with `reads_module_files`, whose
    # resolve uses their facts as declarations (e.g. interfaces a controller implements).
    module_files: list[str] = field(default_factory=list)
    # every path read_text was asked for (read or not): the map depends on them too
    read: set[str] = field(default_factory=set)

    def read_text(self, path: str, limit: int = 1 << 20) -> str | None:
        """A repo-relative file's text (config files: application.properties, nest-cli.json
        …), or None when it can't be read."""
        self.read.add(path)
        try:
            with open(self.root / path, "rb") as handle:
                data = handle.read(limit)
        except OSError:
            return None
        return data.decode("utf-8", errors="replace")


@dataclass
class Part:
    """What one extractor found in one service."""

    endpoints: list[Endpoint] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)


class Extractor:
    """Base class: subclasses set the class attributes and implement extract/resolve."""

    name: ClassVar[str]
    # bump when extract() changes, so facts cached by an older version are not reused
    version: ClassVar[int] = 1
    # file extensions (lower case, with the dot) this extractor reads
    extensions: ClassVar[frozenset[str]]
    # a file is extracted only when it contains one of these (none: every file of the extensions)
    markers: ClassVar[tuple[bytes, ...]] = ()
    # service languages it applies to (none: any)
    languages: ClassVar[frozenset[str]] = frozenset()
    # whether resolve also gets the facts of `ctx.module_files` (the build's other modules)
    reads_module_files: ClassVar[bool] = False

    def applies(self, ctx: ServiceContext) -> bool:
        """Whether the service can have facts of this kind (its language, frameworks)."""
        return not self.languages or ctx.language in self.languages

    def wants(self, path: str) -> bool:
        """Whether a file (by its repo-relative path) may hold facts of this kind."""
        dot = path.rfind(".")
        return dot >= 0 and path[dot:].lower() in self.extensions

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        raise NotImplementedError

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        raise NotImplementedError
