"""Every extractor of the code map: each module of `codemap/extractors/` lists its own in
`EXTRACTORS`, so adding a framework touches no other file. A module's name starts with its
family (`go_routes.py`, `node_orm.py`), and a family is loaded only for a workspace that has its
languages: a Python repository never imports the Go, Java or PHP extractors. Names must be
unique (a load-time error); a module that fails to import is logged by name and the others
still run."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from importlib import import_module

from backend_planner.errors import ConfigError
from backend_planner.workspace.codemap import extractors as package
from backend_planner.workspace.codemap.extractor import Extractor

log = logging.getLogger(__name__)

# family (module name prefix) -> the languages whose services it reads; None: any service
FAMILIES: dict[str, frozenset[str] | None] = {
    "go": frozenset({"go"}),
    "python": frozenset({"python"}),
    "node": frozenset({"javascript", "typescript"}),
    "jvm": frozenset({"java", "kotlin"}),
    "ruby": frozenset({"ruby"}),
    "php": frozenset({"php"}),
    "rust": frozenset({"rust"}),
    "sql": None,
}


@cache
def _modules() -> tuple[str, ...]:
    import pkgutil

    names = sorted(i.name for i in pkgutil.iter_modules(package.__path__))
    unknown = [n for n in names if not n.startswith("_") and n.split("_", 1)[0] not in FAMILIES]
    if unknown:
        raise ConfigError(
            f"codemap/extractors/{unknown[0]}.py: its name starts with no known family "
            f"({', '.join(sorted(FAMILIES))})"
        )
    return tuple(n for n in names if not n.startswith("_"))


@cache
def _family(family: str) -> tuple[Extractor, ...]:
    found: list[Extractor] = []
    for name in _modules():
        if name.split("_", 1)[0] != family:
            continue
        try:
            module = import_module(f"{package.__name__}.{name}")
        except Exception:  # one broken module must not cost every other framework
            log.exception("code map extractors %s failed to load; the others still run", name)
            continue
        found.extend(cls() for cls in getattr(module, "EXTRACTORS", ()))
    return tuple(found)


def family_key(language: str | None) -> str:
    """The families that read a service of `language`, as one key (`go+sql`)."""
    return "+".join(f for f, langs in FAMILIES.items() if langs is None or language in langs)


@cache
def code_stamp() -> str:
    """A digest of the stamps (mtime, size) of the code map's own files — engine, extractors,
    rules, queries — so a map built by other code is never taken for this code's (once per
    process; without importing a single extractor)."""
    import os

    from backend_planner.workspace.codemap.cache import digest

    root = os.path.dirname(os.path.abspath(__file__))
    entries = []
    for directory in (root, *(os.path.join(root, d) for d in ("extractors", "rules", "queries"))):
        try:
            with os.scandir(directory) as found:
                for entry in found:
                    if entry.is_file() and not entry.name.endswith(".pyc"):
                        st = entry.stat()
                        entries.append(f"{entry.path}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            continue
    return digest("\n".join(sorted(entries)).encode())


def extractors_for(languages: Iterable[str | None]) -> tuple[Extractor, ...]:
    """The extractors of every family that reads one of these languages (and the ones that
    read any), sorted by name."""
    wanted = set(languages)
    families = [
        f for f, langs in FAMILIES.items() if langs is None or (langs & {x for x in wanted if x})
    ]
    return _unique(e for family in families for e in _family(family))


@cache
def all_extractors() -> tuple[Extractor, ...]:
    return _unique(e for family in FAMILIES for e in _family(family))


def _unique(extractors: Iterable[Extractor]) -> tuple[Extractor, ...]:
    found: dict[str, Extractor] = {}
    for extractor in extractors:
        other = found.get(extractor.name)
        if other is not None and other is not extractor:
            raise ConfigError(
                f"code map extractor name {extractor.name!r} used twice "
                f"({type(extractor).__module__} and {type(other).__module__})"
            )
        found[extractor.name] = extractor
    return tuple(found[name] for name in sorted(found))
