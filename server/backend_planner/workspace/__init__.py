"""Workspace stack analysis: from a repository on disk to a StackProfile.

Pure and deterministic: a function of the tree (no clock, sorted output); no editor or MCP
imports here. `analyze(root)` is the entry point; `next_migration_files` names the next
migration for a slug in the repo's own scheme.
"""

from backend_planner.workspace.analyzer import analyze
from backend_planner.workspace.migrations import next_migration_files
from backend_planner.workspace.profile import (
    Language,
    LayerNaming,
    Layout,
    Migrations,
    Naming,
    Service,
    StackProfile,
    Tests,
)

__all__ = [
    "Language",
    "LayerNaming",
    "Layout",
    "Migrations",
    "Naming",
    "Service",
    "StackProfile",
    "Tests",
    "analyze",
    "next_migration_files",
]
