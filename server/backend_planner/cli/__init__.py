"""The `backend-planner` command: a thin face over the libraries.

Each sub-command lives in its own module with `register(subparsers)`; its handler returns
the exit code. A `BackendPlannerError` becomes one clear line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backend_planner import __version__
from backend_planner.errors import BackendPlannerError
from backend_planner.logs import setup_logging

EXIT_USAGE_OR_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    from backend_planner.cli import analyze, lsp, plan, tasks

    parser = argparse.ArgumentParser(
        prog="backend-planner",
        description="Turn backend feature requests into stack-aware, executable task plans.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default=None,
        help="DEBUG, INFO, WARNING (default) or ERROR; logs go to stderr",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (analyze, lsp, plan, tasks):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE_OR_INPUT
    try:
        return int(handler(args) or 0)
    except BackendPlannerError as exc:
        print(f"backend-planner: {exc.details()}", file=sys.stderr)
        return EXIT_USAGE_OR_INPUT
    except KeyboardInterrupt:
        return 130
