"""`backend-planner lsp [--tcp HOST:PORT]`: the language server (stdio by default)."""

from __future__ import annotations

import argparse
from typing import Any

from backend_planner.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lsp",
        help="run the language server (stdio; --tcp HOST:PORT to listen instead)",
        description="Serve the Language Server Protocol: plans from TODO comments, plan "
        "documents (backend-plan:), task-tree hovers, pushes to the task backend.",
    )
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead of stdio")
    parser.add_argument("--stdio", action="store_true", help="serve over stdio (the default)")
    parser.set_defaults(handler=run_lsp)


def run_lsp(args: argparse.Namespace) -> int:
    from backend_planner.lsp.server import build

    server = build()
    if args.tcp:
        host, sep, port = args.tcp.rpartition(":")
        if not sep or not port.isdigit():
            raise ConfigError(f"--tcp {args.tcp!r}: expected HOST:PORT")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0
