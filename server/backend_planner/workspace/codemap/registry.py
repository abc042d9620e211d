"""Every extractor of the code map: each module of `codemap/extractors/` lists its own in
`EXTRACTORS`, so adding a framework touches no other file. Names must be unique."""

from __future__ import annotations

import pkgutil
from functools import cache
from importlib import import_module

from backend_planner.errors import ConfigError
from backend_planner.workspace.codemap import extractors as package
from backend_planner.workspace.codemap.extractor import Extractor


@cache
def all_extractors() -> tuple[Extractor, ...]:
    found: dict[str, Extractor] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = import_module(f"{package.__name__}.{info.name}")
        for cls in getattr(module, "EXTRACTORS", ()):
            extractor = cls()
            if extractor.name in found:
                raise ConfigError(
                    f"code map extractor name {extractor.name!r} used twice "
                    f"({module.__name__} and {type(found[extractor.name]).__module__})"
                )
            found[extractor.name] = extractor
    return tuple(found[name] for name in sorted(found))
