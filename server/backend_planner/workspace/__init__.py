"""Workspace stack analysis: from a repository on disk to a StackProfile.

Pure and deterministic: a function of the tree (no clock, sorted output); no editor or MCP
imports here. `analyze(root)` is the entry point; `next_migration_files` names the next
migration for a slug in the repo's own scheme.

The names below are imported on first use (`from backend_planner.workspace import analyze`
works as usual), so importing one submodule (scan, for a CLI run that starts git early) loads
no other; and `analyze_json`, what `backend-planner analyze --json` prints, doesn't need the
profile's pydantic models at all.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backend_planner.workspace.analyzer import analyze, analyze_json
    from backend_planner.workspace.migrations import next_migration_files
    from backend_planner.workspace.profile import (
        DataAccess,
        Language,
        LayerNaming,
        Layout,
        Migrations,
        Naming,
        Service,
        StackProfile,
        Tests,
    )

# name -> the submodule that defines it
_HOME = {
    "analyze": "analyzer",
    "analyze_json": "analyzer",
    "next_migration_files": "migrations",
    **dict.fromkeys(
        (
            "DataAccess",
            "Language",
            "LayerNaming",
            "Layout",
            "Migrations",
            "Naming",
            "Service",
            "StackProfile",
            "Tests",
        ),
        "profile",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)


__all__ = [
    "DataAccess",
    "Language",
    "LayerNaming",
    "Layout",
    "Migrations",
    "Naming",
    "Service",
    "StackProfile",
    "Tests",
    "analyze",
    "analyze_json",
    "next_migration_files",
]
