"""Helpers for planning tests: the bundled skills' full_ids and plans of the bundled examples."""

from __future__ import annotations

import posixpath
import re
import subprocess
from functools import cache
from pathlib import Path

from backend_planner.planning import Plan, SkillIds, plan_workspace
from backend_planner.workspace import Service, StackProfile, analyze
from conftest import EXAMPLES_DIR

SKILLS = SkillIds(
    development="backend-planner/skills/backend-development",
    critique="backend-planner/skills/backend-critique",
    testing="backend-planner/skills/backend-testing",
)


@cache
def profile_of(root: Path) -> StackProfile:
    return analyze(root)


def example_plan(example: str, request: str) -> Plan:
    root = EXAMPLES_DIR / example
    return plan_workspace(request, root, SKILLS, profile=profile_of(root))


def all_paths(plan: Plan, key: str) -> list[str]:
    out: list[str] = []
    for task in plan.tasks:
        for t in [task, *task.subtasks]:
            out += t.inputs.get(key, [])
    return out


def _dir_regex(entry: str) -> re.Pattern[str]:
    text = re.escape(entry)
    for token in ("<name>", "{name}"):
        text = text.replace(re.escape(token), "[^/]+")
    return re.compile(f"^{text}$")


def known_dirs(service: Service) -> list[str]:
    """Every directory the profile names for the service (`<name>` = one folder per feature)."""
    entries: list[str] = []
    layout = service.layout
    for layer in (
        "handlers",
        "routes",
        "services",
        "models",
        "repositories",
        "migrations",
        "tests",
    ):
        for entry in getattr(layout, layer):
            entries.append(posixpath.dirname(entry) if posixpath.splitext(entry)[1] else entry)
        naming = getattr(service.naming, layer, None)
        if naming is not None:
            entries.append(posixpath.dirname(naming.template))
            entries.append(posixpath.dirname(naming.example))
    if service.migrations is not None:
        entries += service.migrations.dirs
    if service.tests.dir:
        entries.append(service.tests.dir)
    entries.append(service.path)
    # `app/domain/<name>`: app/domain holds the features, a directory in its own right.
    entries += [e.split("<name>", 1)[0].rstrip("/") for e in entries if "<name>" in e]
    return sorted({e or "." for e in entries})


def placed_beside_known(path: str, service: Service) -> bool:
    """In a directory the profile names, in a new folder inside one, or in a new one beside one;
    a JVM test mirrors its class's package (`src/test/java/…/FooTest.java` for
    `src/main/java/…/Foo.java`), so it counts where that class would."""
    if f"/{path}".count("/src/test/") == 1 and service.language in ("java", "kotlin"):
        head, _, tail = f"/{path}".partition("/src/test/")
        mirrored = f"{head}/src/main/{tail}".lstrip("/")
        if placed_beside_known(mirrored, service):
            return True
    known = [_dir_regex(e) for e in known_dirs(service)]
    parents = [_dir_regex(posixpath.dirname(e) or ".") for e in known_dirs(service)]
    parent = posixpath.dirname(path) or "."
    grand = posixpath.dirname(parent) or "."
    if any(k.match(parent) or k.match(grand) for k in known):
        return True
    return any(p.match(grand) for p in parents)  # a new directory beside a known one


def git(root: Path, *args: str) -> str:
    """Run git in `root` as a throwaway committer; its output, stripped."""
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
