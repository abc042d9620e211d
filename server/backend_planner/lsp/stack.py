"""The detected stack as the editor shows it: a one-line summary sent with each analysis
(`backendPlanner/analysis` notifications, for a status bar) and a markdown document
`backend-plan:/stack/<folder>-<digest>.md` opened by `backendPlanner.showStack`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_planner.lsp.server import SCHEME, PlannerServer, file_uri

if TYPE_CHECKING:
    from backend_planner.workspace import Service, StackProfile

SHOW_STACK = "backendPlanner.showStack"
ANALYSIS_NOTIFICATION = "backendPlanner/analysis"
PREFIX = "stack/"


def document_name(folder: Path) -> str:
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:8]
    return f"{PREFIX}{folder.name or 'root'}-{digest}.md"


def stack_uri(folder: Path) -> str:
    return f"{SCHEME}:/{document_name(folder)}"


def service_summary(service: Service) -> str:
    parts = [service.language or "?", *service.frameworks, *service.orm]
    return " · ".join(dict.fromkeys(parts))


def summary(profile: StackProfile) -> str:
    """`go · gin · gorm`; with several backends `2 backends: go · gin, typescript · express`."""
    backends = [s for s in profile.services if s.kind == "backend"]
    if not backends:
        langs = ", ".join(lang.name for lang in profile.languages[:3])
        return f"no backend found ({langs})" if langs else "no backend found"
    if len(backends) == 1:
        return service_summary(backends[0])
    return f"{len(backends)} backends: " + ", ".join(service_summary(s) for s in backends)


def _join(items: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in items) if items else "—"


def _table_row(lines: list[str]) -> Callable[..., None]:
    def row(fact: str, value: str, evidence: str = "") -> None:
        lines.append(f"| {fact} | {value} | {evidence} |")

    return row


def markdown(profile: StackProfile) -> str:
    """Languages, then one table per service: the facts a plan is built from, with evidence."""
    lines = [f"# Stack of `{Path(profile.root).name}`", "", f"Root: `{profile.root}`", ""]
    langs = ", ".join(f"{lang.name} ({lang.files} files)" for lang in profile.languages)
    lines += [f"Languages: {langs or '—'}", ""]
    if profile.overrides:
        lines += [f"Overrides from `{profile.overrides}`.", ""]
    if not profile.services:
        lines += ["No services found.", ""]
    for service in profile.services:
        ev = service.evidence
        lines += [f"## {service.kind} `{service.path}` ({service.language or '?'})", ""]
        lines += ["| fact | value | evidence |", "|---|---|---|"]
        row = _table_row(lines)
        row(
            "frameworks",
            _join(service.frameworks),
            _join([ev[k] for f in service.frameworks if (k := f"frameworks.{f}") in ev]),
        )
        if service.kind == "backend":
            orm_evidence = [ev[k] for o in service.orm if (k := f"orm.{o}") in ev]
            row("ORM", _join(service.orm), _join(orm_evidence))
            mig = service.migrations
            if mig:
                row(
                    "migrations",
                    f"{mig.tool} in {_join(mig.dirs)}",
                    _join([ev[k]] if (k := f"migrations.{mig.tool}") in ev else []),
                )
                if mig.next:
                    row("next migration", _join(mig.next), f"slug `{mig.sample_slug}`")
            else:
                row("migrations", "—")
        tests = service.tests
        details = ", ".join(str(x) for x in (tests.layout, tests.pattern) if x)
        row("tests", f"{tests.framework or '—'}" + (f" ({details})" if details else ""))
        if service.kind == "backend":
            for layer, paths in service.layout.model_dump().items():
                row(layer, _join(list(paths)))
            naming = service.naming
            if naming.file_case:
                row("file names", naming.file_case)
            for layer in ("handlers", "services", "models", "repositories", "tests"):
                rule = getattr(naming, layer)
                if rule is not None:
                    row(f"new {layer} files", f"`{rule.template}`", f"like `{rule.example}`")
        lines.append("")
    return "\n".join(lines) + "\n"


def folder_of_document(ls: PlannerServer, name: str) -> Path | None:
    for folder in [*ls.folders(), *map(Path, ls.profiles)]:
        if document_name(folder) == name:
            return folder
    return None


def content(ls: PlannerServer, name: str) -> str:
    folder = folder_of_document(ls, name)
    if folder is None:
        return f"No workspace folder for {name!r} (was it closed?).\n"
    profile = ls.profiles.get(str(folder))
    if profile is None:
        return f"`{folder.name}` is still being analysed; this document refreshes when done.\n"
    return markdown(profile)


def notify_analysis(
    ls: PlannerServer,
    folder: Path,
    state: str,
    profile: StackProfile | None = None,
    error: str = "",
) -> None:
    """Tell the client about one folder's analysis (`running`, `done` or `failed`)."""
    payload: dict[str, Any] = {"folder": file_uri(folder), "state": state}
    if profile is not None:
        payload["summary"] = summary(profile)
        payload["services"] = [
            {
                "path": s.path,
                "kind": s.kind,
                "summary": service_summary(s),
                "endpoints": len(s.endpoints),
                "entities": len(s.entities),
            }
            for s in profile.services
        ]
    if error:
        payload["error"] = error
    ls.protocol.notify(ANALYSIS_NOTIFICATION, payload)
    if state != "running":
        from backend_planner.lsp.codemap import api_uri

        ls.refresh_documents([stack_uri(folder), api_uri(folder)])


def register(server: PlannerServer) -> None:
    @server.command(SHOW_STACK)
    @server.guard("Show stack analysis", notify=True)
    async def cmd_show_stack(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        folder = ls.folder_argument(args, "see its stack")
        uri = stack_uri(folder)
        profile = ls.profiles.get(str(folder))
        shown = await ls.show_document(uri)
        return {
            "uri": uri,
            "folder": file_uri(folder),
            "summary": summary(profile) if profile else None,
            "shown": shown,
        }
