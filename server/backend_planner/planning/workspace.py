"""The face-level entry that starts from a directory: analyse, read the route style, find the
files a request is about, then plan. (The only module of planning/ that reads the disk; the
planner itself stays a pure function of its inputs.)"""

from __future__ import annotations

import re
from pathlib import Path

from backend_planner.planning.commands import read_repo_commands
from backend_planner.planning.model import FeatureSpec, Plan, SkillIds
from backend_planner.planning.placement import SOURCE_SUFFIXES
from backend_planner.planning.planner import make_plan, pick_service
from backend_planner.planning.request import understand
from backend_planner.planning.spec import ChangeSpec
from backend_planner.workspace import StackProfile, analyze
from backend_planner.workspace.profile import Service
from backend_planner.workspace.routing import Routing, detect_routing

MAX_RELATED = 8


def related_files(files: list[str], spec: FeatureSpec, service_path: str = ".") -> tuple[str, ...]:
    """Source files named after what the request is about (at most MAX_RELATED).

    A file matches a noun phrase of the request when its path holds every word of it
    ("rate limiting" → internal/middleware/rate_limit.go); files matching more phrases come
    first, tests after the code they test.
    """
    phrases = [
        [w[:5] for w in r.singular.split("_") if len(w) >= 3]
        for r in [*spec.resources, *spec.context]
    ]
    phrases = [p for p in phrases if p]
    if not phrases:
        return ()
    prefix = "" if service_path in ("", ".") else service_path.rstrip("/") + "/"
    scored = []
    for path in files:
        if not path.endswith(SOURCE_SUFFIXES) or not path.startswith(prefix):
            continue
        words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", path).lower())
        score = sum(
            all(any(w.startswith(stem) for w in words) for stem in phrase) for phrase in phrases
        )
        if score:
            is_test = "test" in path.rsplit("/", 1)[-1].lower()
            scored.append((-score, is_test, path))
    return tuple(path for _, _, path in sorted(scored)[:MAX_RELATED])


def service_of(profile: StackProfile, origin: str) -> str | None:
    """The backend service holding `origin` (a workspace-relative file): the deepest one."""
    inside = [
        s.path
        for s in profile.backends()
        if s.path in ("", ".") or origin == s.path or origin.startswith(s.path.rstrip("/") + "/")
    ]
    return max(inside, key=lambda p: 0 if p in ("", ".") else p.count("/") + 1, default=None)


_ROUTINGS: list[tuple[StackProfile, str, str, Routing]] = []


def _routing(root: Path, service: Service, profile: StackProfile) -> Routing:
    """The service's route style, read once per analysis (the same profile object is the same
    snapshot of the tree; a new analysis reads it again)."""
    for known, where, path, routing in _ROUTINGS:
        if known is profile and where == str(root) and path == service.path:
            return routing
    routing = detect_routing(root, service)
    _ROUTINGS.insert(0, (profile, str(root), service.path, routing))
    del _ROUTINGS[8:]
    return routing


def _auto_orms(service: Service) -> list[str]:
    """The service's ORMs when it keeps no migration files (its schema may come from code)."""
    migrations = service.migrations
    if migrations is not None and migrations.dir:
        return []
    return list(service.orm)


def plan_workspace(
    request: str,
    root: Path,
    skills: SkillIds,
    *,
    service_path: str | None = None,
    profile: StackProfile | None = None,
    origin: str | None = None,
    change_spec: ChangeSpec | None = None,
) -> Plan:
    """Analyse `root` (unless `profile` is given) and plan `request` for one of its services.

    `origin` is the workspace-relative file the request was written in (a TODO comment's
    file): unless `service_path` says otherwise, the plan is for the backend service holding
    it, and a fix or refactor starts from it."""
    from backend_planner.workspace.scan import scan

    root = Path(root)
    profile = profile if profile is not None else analyze(root)
    if service_path is None and origin:
        service_path = service_of(profile, origin)
    service = pick_service(profile, service_path)
    routing = _routing(root, service, profile)
    spec = understand(request)
    files = tuple(scan(root))
    related: tuple[str, ...] = ()
    if spec.intent in ("fix", "refactor"):
        related = related_files(list(files), spec, service.path)
        if origin and origin.endswith(SOURCE_SUFFIXES) and (root / origin).is_file():
            rest = tuple(f for f in related if f != origin)
            related = (origin, *rest)[:MAX_RELATED]
    return make_plan(
        request,
        profile,
        skills,
        service_path=service.path,
        routing=routing,
        related_files=related,
        exists=lambda rel: (root / rel).is_file(),
        files=files,
        change_spec=change_spec,
        repo_commands=read_repo_commands(root, service.path, files, _auto_orms(service)),
    )
