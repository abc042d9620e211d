"""`backend-planner tasks serve|tree` (filled in by the task backend work)."""

from __future__ import annotations

from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("tasks", help="the MCP task backend")
    parser.add_subparsers(dest="tasks_command", metavar="TASKS_COMMAND")
