"""`backend-planner analyze [PATH] [--json]`: print a workspace's StackProfile."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend_planner.workspace import Service, StackProfile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="detect a workspace's stack and conventions",
        description="Detect languages, services, frameworks, ORM, migrations, tests and "
        "where each layer's code lives. A .backend-planner.toml at PATH overrides any fact.",
    )
    parser.add_argument("path", nargs="?", default=".", help="workspace directory (default: .)")
    parser.add_argument("--json", action="store_true", help="print the StackProfile as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # This process uses no pydantic plugins: skip their discovery (a scan of every installed
    # distribution's entry points, ~20 ms of a ~200 ms run). An explicit setting wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if args.json:
        # git lists the files while Python imports the analyzer (scan.start_listing); the
        # JSON comes straight from the analysis's plain facts: no pydantic model is built
        # (nor pydantic imported) unless the workspace has an override file.
        from backend_planner.workspace.scan import start_listing

        started = start_listing(args.path)
        progress = _progress_line() if sys.stderr.isatty() else None
        try:
            from backend_planner.workspace.analyzer import analyze_json

            data = analyze_json(args.path, started=started, progress=progress)
        finally:
            if started is not None:
                started.close()  # read by then, unless the analysis failed first
            if progress is not None:
                progress(-1)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        unreadable = sum(len(s.get("unreadable", [])) for s in data.get("services", []))
        if unreadable:
            print(
                f"backend-planner: {unreadable} files could not be read for the code map "
                "(listed under services[].unreadable)",
                file=sys.stderr,
            )
        return 0
    from backend_planner.workspace.analyzer import analyze
    from backend_planner.workspace.codemap import CodeMapBuilder

    builder = CodeMapBuilder(Path(args.path).expanduser().resolve())
    builder.progress = _progress_line() if sys.stderr.isatty() else None
    try:
        profile = analyze(args.path, code_maps=builder)
    finally:
        if builder.progress is not None:
            builder.progress(-1)
    render(profile)
    return 0


def _progress_line() -> Callable[[int], None]:
    """A one-line counter on stderr for a long first analysis (a terminal only); -1 clears it."""
    shown = False

    def show(parsed: int) -> None:
        nonlocal shown
        if parsed < 0:
            if shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
            return
        shown = True
        sys.stderr.write(f"\rcode map: {parsed:,} files read …")
        sys.stderr.flush()

    return show


def _join(items: list[str]) -> str:
    return ", ".join(items) if items else "—"


def render(profile: StackProfile) -> None:
    """A readable summary: languages, then one table per service."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or logged (make demo): don't fold paths at 80 columns
        console = Console(width=max(console.width, 120))
    console.print(f"[bold]{profile.root}[/bold]")
    langs = ", ".join(f"{lang.name} ({lang.files})" for lang in profile.languages)
    console.print(f"languages: {langs or '—'}")
    if profile.overrides:
        console.print(f"overrides: {profile.overrides}")
    if not profile.services:
        console.print("no services found")
    for service in profile.services:
        table = Table(
            title=f"{service.kind} {service.path} ({service.language or '?'})",
            title_justify="left",
            show_header=False,
        )
        table.add_column("fact", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        table.add_column("evidence", style="dim", overflow="fold")
        ev = service.evidence
        table.add_row(
            "frameworks",
            _join(service.frameworks),
            _join([ev.get(f"frameworks.{f}", "") for f in service.frameworks]),
        )
        if service.kind == "backend":
            table.add_row(
                "orm", _join(service.orm), _join([ev.get(f"orm.{o}", "") for o in service.orm])
            )
            mig = service.migrations
            table.add_row(
                "migrations",
                f"{mig.tool} in {_join(mig.dirs)}" if mig else "—",
                ev.get(f"migrations.{mig.tool}", "") if mig else "",
            )
            if mig and mig.next:
                table.add_row("next migration", _join(mig.next), f"slug {mig.sample_slug!r}")
        tests = service.tests
        details = ", ".join(str(x) for x in (tests.layout, tests.pattern) if x)
        table.add_row(
            "tests",
            f"{tests.framework} ({details})" if details else (tests.framework or "—"),
            ev.get("tests", ""),
        )
        if service.kind == "backend":
            for layer in (
                "handlers",
                "routes",
                "services",
                "models",
                "repositories",
                "migrations",
                "tests",
            ):
                places = getattr(service.layout, layer)
                naming = getattr(service.naming, layer, None)
                table.add_row(f"layout.{layer}", _join(places), ev.get(f"layout.{layer}", ""))
                if naming is not None:
                    table.add_row("  new file", naming.template, "")
            table.add_row("file case", service.naming.file_case or "—", "")
        console.print(table)
        if service.kind == "backend":
            _render_code_map(console, service)


def _place(file: str | None, line: int | None) -> str:
    return f"{file}:{line}" if file and line else (file or "—")


def _render_code_map(console: Any, service: Service) -> None:
    """The service's API table (method, path, handler file:line) and entities table."""
    from rich.table import Table

    if service.endpoints:
        api = Table(
            title=f"API of {service.path} ({len(service.endpoints)} endpoints)",
            title_justify="left",
        )
        api.add_column("method", style="bold", no_wrap=True)
        api.add_column("path", overflow="fold")
        api.add_column("handler", overflow="fold")
        api.add_column("registered", style="dim", overflow="fold")
        for e in service.endpoints:
            handler = e.handler or "—"
            if e.handler_file:
                handler += f"  {_place(e.handler_file, e.handler_line)}"
            path = e.path + ("  (built at run time)" if e.dynamic else "")
            api.add_row(e.method, path, handler, _place(e.file, e.line))
        console.print(api)
    else:
        console.print(f"API of {service.path}: no endpoint found in the code")
    if service.entities:
        entities = Table(
            title=f"Entities of {service.path} ({len(service.entities)})", title_justify="left"
        )
        entities.add_column("entity", style="bold", no_wrap=True)
        entities.add_column("table", no_wrap=True)
        entities.add_column("fields", overflow="fold")
        entities.add_column("declared", style="dim", overflow="fold")
        for entity in service.entities:
            fields = ", ".join(
                f.name
                + ("*" if f.primary_key else "")
                + (" → " + f.references if f.references else "")
                for f in entity.fields
            )
            entities.add_row(
                entity.name, entity.table or "—", fields or "—", _place(entity.file, entity.line)
            )
        console.print(entities)
    else:
        console.print(f"Entities of {service.path}: none found in the code")
    if service.unreadable:
        console.print(
            f"[yellow]{len(service.unreadable)} files could not be read[/yellow] "
            f"(binary, minified or too large): "
            + ", ".join(service.unreadable[:5])
            + (" …" if len(service.unreadable) > 5 else "")
        )
