"""`backend-planner analyze [PATH] [--json]` (filled in by the analysis work)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("analyze", help="detect a workspace's stack and conventions")
    parser.add_argument("path", nargs="?", default=".")
    parser.add_argument("--json", action="store_true", help="print the StackProfile as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
