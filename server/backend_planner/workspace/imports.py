"""Confirm an ambiguous manifest from the imports in the code.

When a project's manifests name two web frameworks (or two ORMs), a bounded, deterministic
sample of its source files is read and only the technologies some file imports are kept. When
no file imports any of them (empty or unreadable files, generated code) the manifest facts
stand: reading code may refine a fact, it never has to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from backend_planner.workspace.manifests import read_text
from backend_planner.workspace.rules import Tech

MAX_FILES = 200  # files read per ambiguous project, entry points and route files first
FIRST = ("main", "app", "server", "index", "router", "routes", "urls", "settings", "startup")

_ECOSYSTEM_OF = {
    "go": "go",
    "python": "pypi",
    "javascript": "npm",
    "typescript": "npm",
    "java": "maven",
    "kotlin": "maven",
    "php": "composer",
    "rust": "cargo",
}


def import_regex(tech: Tech, language: str) -> re.Pattern[str] | None:
    """How a file of `language` imports `tech` (its `imports`, else its dependency names)."""
    if tech.imports:
        return _regex(tech.imports, language, explicit=True)
    ecosystem = _ECOSYSTEM_OF.get(language)
    names = tuple(
        d.rstrip("*") for eco, deps in tech.deps.items() if eco == ecosystem for d in deps
    )
    return _regex(names, language, explicit=False) if names else None


@cache
def _regex(names: tuple[str, ...], language: str, *, explicit: bool) -> re.Pattern[str] | None:
    if language == "go":
        alt = "|".join(re.escape(n) for n in names)
        return re.compile(rf'"(?:{alt})(?:/[^"]*)?"')
    if language == "python":
        alt = "|".join(re.escape(n.replace("-", "_").lower()) for n in names)
        return re.compile(rf"^\s*(?:from|import)\s+(?:{alt})\b", re.M | re.I)
    if language in ("javascript", "typescript"):
        alt = "|".join(re.escape(n) for n in names)
        return re.compile(rf"""(?:require\(\s*|from\s+|import\s+)['"](?:{alt})(?:/[^'"]*)?['"]""")
    if language == "rust":
        alt = "|".join(re.escape(n.replace("-", "_")) for n in names)
        return re.compile(rf"\b(?:{alt})::")
    if language in ("java", "kotlin") and explicit:
        alt = "|".join(re.escape(n) for n in names)
        return re.compile(rf"^\s*import\s+(?:static\s+)?(?:{alt})\.", re.M)
    if language == "php" and explicit:
        alt = "|".join(re.escape(n) for n in names)
        return re.compile(rf"^\s*use\s+\\?(?:{alt})", re.M)
    return None


def _reading_order(files: Iterable[str]) -> list[str]:
    def key(path: str) -> tuple[int, int, str]:
        stem = path.rpartition("/")[2].partition(".")[0].lower()
        return (0 if stem in FIRST else 1, path.count("/"), path)

    return sorted(files, key=key)[:MAX_FILES]


def confirm(candidates: list[Tech], language: str, files: list[str], root: Path) -> dict[str, str]:
    """The candidates some file imports, each with the first file that does (maybe none)."""
    patterns = {t.name: p for t in candidates if (p := import_regex(t, language)) is not None}
    if len(patterns) < 2:
        return {}
    hits: dict[str, str] = {}
    for path in _reading_order(files):
        text = read_text(root / path)
        if not text:
            continue
        for name, pattern in patterns.items():
            if name not in hits and pattern.search(text):
                hits[name] = path
        if len(hits) == len(patterns):
            break
    return hits
