"""Fact-by-fact comparison of a StackProfile with the corpus ground truth (expected.json).

The comparison, per repo:
- `languages`: set equality of names.
- `services`: the set of backend service paths; then, for every expected service (matched by
  path), `language`, `frameworks` and `orm` (set equality), `migrations.tool`, `migrations.dir`,
  `tests.framework`, `tests.layout` and the seven `layout.*` keys. A service that wasn't found
  misses all its facts.
- `tests.layout` in expected.json is free text; its leading word decides: colocated, separate,
  mixed ("single file ..." and "per-app tests/ package" are separate).
- Paths (layout values, migration dirs): expected and detected are sets of repo-relative paths
  (null = empty). They agree when every expected path is matched by a detected one and every
  detected path matches an expected one. A detected path matches an expected one when it is the
  same path or lies inside it (more specific is fine: `src/modules/<name>` for `src/modules`);
  a `<...>` segment on either side stands for any one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_planner.workspace import StackProfile

LAYOUT_KEYS = ("handlers", "routes", "services", "models", "repositories", "migrations", "tests")


@dataclass(frozen=True)
class Fact:
    repo: str
    fact: str
    expected: Any
    got: Any
    ok: bool


def _paths(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v).strip("/") or "." for v in items]


def _seg_eq(a: str, b: str) -> bool:
    return a == b or a.startswith("<") or b.startswith("<")


def path_matches(got: str, expected: str) -> bool:
    g, e = got.split("/"), expected.split("/")
    return len(g) >= len(e) and all(_seg_eq(x, y) for x, y in zip(g, e, strict=False))


def paths_agree(expected: Any, got: list[str]) -> bool:
    exp = _paths(expected)
    gotp = _paths(got)
    return all(any(path_matches(g, e) for g in gotp) for e in exp) and all(
        any(path_matches(g, e) for e in exp) for g in gotp
    )


def layout_word(text: str | None) -> str | None:
    if text is None:
        return None
    low = text.lower()
    for word in ("colocated", "separate", "mixed"):
        if low.startswith(word):
            return word
    if low.startswith(("single file", "per-app")):
        return "separate"
    return low.split()[0]


def compare(repo: str, expected: dict[str, Any], profile: StackProfile) -> list[Fact]:
    facts: list[Fact] = []

    def add(name: str, exp: Any, got: Any, ok: bool | None = None, found: bool = True) -> None:
        right = (exp == got if ok is None else ok) and found
        facts.append(Fact(repo, name, exp, got if found else "<service not found>", right))

    add("languages", sorted(expected["languages"]), sorted(lang.name for lang in profile.languages))
    backends = {s.path: s for s in profile.backends()}
    add("services", sorted(s["path"] for s in expected["services"]), sorted(backends))
    for exp in expected["services"]:
        path = exp["path"]
        got = backends.get(path)
        p = f"services[{path}]"
        found = got is not None
        add(f"{p}.language", exp["language"], got.language if got else None, found=found)
        add(
            f"{p}.frameworks",
            sorted(exp["frameworks"]),
            sorted(got.frameworks) if got else None,
            found=found,
        )
        add(f"{p}.orm", sorted(exp["orm"]), sorted(got.orm) if got else None, found=found)
        exp_mig = exp["migrations"] or {}
        got_mig = got.migrations if got else None
        add(
            f"{p}.migrations.tool",
            exp_mig.get("tool"),
            got_mig.tool if got_mig else None,
            found=found,
        )
        got_dirs = list(got_mig.dirs) if got_mig else []
        add(
            f"{p}.migrations.dir",
            exp_mig.get("dir"),
            got_dirs,
            ok=paths_agree(exp_mig.get("dir"), got_dirs),
            found=found,
        )
        add(
            f"{p}.tests.framework",
            exp["tests"]["framework"],
            got.tests.framework if got else None,
            found=found,
        )
        add(
            f"{p}.tests.layout",
            layout_word(exp["tests"]["layout"]),
            got.tests.layout if got else None,
            found=found,
        )
        for key in LAYOUT_KEYS:
            got_paths = list(getattr(got.layout, key)) if got else []
            add(
                f"{p}.layout.{key}",
                exp["layout"][key],
                got_paths,
                ok=paths_agree(exp["layout"][key], got_paths),
                found=found,
            )
    return facts
