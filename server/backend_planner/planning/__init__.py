"""Planning: a feature request + a StackProfile → a validated plan (pure, deterministic).

Entry points: `make_plan(request, profile, skills, service_path=..., routing=...)` (pure),
`validate_plan(plan_or_json)` (the skill's rules → place-named problems), `render_markdown` /
`render_tree` (people), and `plan_workspace(request, root, skills)` for faces that start from a
directory (it analyses the tree, detects the route style and related files, then plans).
"""

from backend_planner.planning.model import (
    Architecture,
    FeatureSpec,
    Plan,
    PlannedTask,
    SkillIds,
    Violation,
)
from backend_planner.planning.planner import make_plan, pick_service
from backend_planner.planning.render import render_markdown, render_tree
from backend_planner.planning.request import understand
from backend_planner.planning.validate import validate_plan
from backend_planner.planning.workspace import plan_workspace, related_files

__all__ = [
    "Architecture",
    "FeatureSpec",
    "Plan",
    "PlannedTask",
    "SkillIds",
    "Violation",
    "make_plan",
    "pick_service",
    "plan_workspace",
    "related_files",
    "render_markdown",
    "render_tree",
    "understand",
    "validate_plan",
]
