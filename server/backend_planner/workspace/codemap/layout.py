"""The code map as evidence for the layout: where endpoints are registered *is* the routes
layer and where their handlers are defined *is* the handlers layer, whatever the directories
are called. The conventions' guess (from names) stands while it covers at least half of those
files; otherwise the places are read from the map."""

from __future__ import annotations

import re
from collections import defaultdict

from backend_planner.workspace.facts import Endpoint, Layout

MAX_PLACES = 5


def apply_code_map(layout: Layout, endpoints: list[Endpoint], evidence: dict[str, str]) -> None:
    """Correct `layout.routes` and `layout.handlers` from the endpoints (in place)."""
    handler_files = {e.handler_file for e in endpoints if e.handler_file}
    registrations = [e for e in endpoints if not e.dynamic]
    # Registration files that only register (urls.py beside views.py) say where routes live;
    # where routes and handlers are one (decorators, annotations), every registration counts.
    plain = [e for e in registrations if e.file not in handler_files]
    route_files = sorted({e.file for e in (plain or registrations)})
    _correct(layout, "routes", route_files, evidence, registrations)
    handlers = [e for e in endpoints if e.handler_file]
    _correct(layout, "handlers", sorted(handler_files), evidence, handlers)


def _correct(
    layout: Layout,
    layer: str,
    files: list[str],
    evidence: dict[str, str],
    endpoints: list[Endpoint],
) -> None:
    if not files:
        return
    current: list[str] = getattr(layout, layer)
    covered = sum(1 for f in files if any(_covers(place, f) for place in current))
    if current and 2 * covered >= len(files):
        return
    setattr(layout, layer, places(files))
    first = endpoints[0]  # evidence is a file, as for every other fact
    evidence[f"layout.{layer}"] = (
        first.handler_file if layer == "handlers" and first.handler_file else first.file
    )


def _covers(place: str, path: str) -> bool:
    pattern = re.escape(place).replace(re.escape("<name>"), "[^/]+")
    return re.fullmatch(f"{pattern}(/.*)?", path) is not None


def places(files: list[str]) -> list[str]:
    """Files as the layout writes places: one file alone, a directory for several files of it,
    `parent/<name>` (or `parent/<name>/file.ext`) for sibling feature directories."""
    by_dir: dict[str, list[str]] = defaultdict(list)
    for path in files:
        by_dir[path.rpartition("/")[0]].append(path)
    if len(by_dir) == 1:
        ((directory, inside),) = by_dir.items()
        return [inside[0]] if len(inside) == 1 else [directory or "."]
    by_parent: dict[str, list[str]] = defaultdict(list)
    for directory in by_dir:
        by_parent[directory.rpartition("/")[0]].append(directory)
    out: list[str] = []
    for parent, directories in sorted(by_parent.items()):
        if len(directories) >= 2:
            names = {p.rpartition("/")[2] for d in directories for p in by_dir[d]}
            prefix = f"{parent}/<name>" if parent else "<name>"
            out.append(f"{prefix}/{names.pop()}" if len(names) == 1 else prefix)
        else:
            (directory,) = directories
            inside = by_dir[directory]
            out.append(inside[0] if len(inside) == 1 else directory or ".")
    return out[:MAX_PLACES]
