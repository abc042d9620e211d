"""Every extractor of the code map: each module of `codemap/extractors/` lists its own in
`EXTRACTORS`, so adding a framework touches no other file. Names must be unique (a load-time
error); a module that fails to import is logged by name and the others still run."""

from __future__ import annotations

import logging
import pkgutil
from functools import cache
from importlib import import_module

from backend_planner.errors import ConfigError
from backend_planner.workspace.codemap import extractors as package
from backend_planner.workspace.codemap.extractor import Extractor

log = logging.getLogger(__name__)


@cache
def all_extractors() -> tuple[Extractor, ...]:
    found: dict[str, Extractor] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        try:
            module = import_module(f"{package.__name__}.{info.name}")
        except Exception:  # one broken module must not cost every other framework
            log.exception("code map extractors %s failed to load; the others still run", info.name)
            continue
        for cls in getattr(module, "EXTRACTORS", ()):
            extractor = cls()
            if extractor.name in found:
                raise ConfigError(
                    f"code map extractor name {extractor.name!r} used twice "
                    f"({module.__name__} and {type(found[extractor.name]).__module__})"
                )
            found[extractor.name] = extractor
    return tuple(found[name] for name in sorted(found))
