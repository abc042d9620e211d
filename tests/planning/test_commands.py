"""Plans run the repository's own commands: Makefile targets, package scripts with the repo's
package manager, the build wrapper, and the generators whose output must not be hand-edited."""

from __future__ import annotations

import shutil
from pathlib import Path

from backend_planner.planning import plan_workspace
from backend_planner.planning.commands import read_repo_commands
from backend_planner.workspace.scan import scan
from conftest import EXAMPLES_DIR
from planning.support import SKILLS

REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "realworld"
BOOKMARKS = "Let users bookmark products"


def commands_of(root: Path, request: str) -> list[str]:
    plan = plan_workspace(request, root, SKILLS)
    task = plan.tasks[0]
    found = list(task.inputs.get("validation_commands", []))
    for sub in task.subtasks:
        found += [c for c in sub.inputs.get("validation_commands", []) if c not in found]
    return found


def test_makefile_targets_are_used_when_the_repo_has_them() -> None:
    root = EXAMPLES_DIR / "fastapi-inventory"
    repo = read_repo_commands(root, ".", tuple(scan(root)))
    assert {"test", "migrate"} <= repo.make_targets
    assert commands_of(root, "Let users bookmark items") == ["make migrate", "make test"]


def test_without_a_makefile_the_tools_commands_and_the_generator(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    (root / "Makefile").unlink()
    (root / "sqlc.yaml").write_text("version: '2'\n")
    found = commands_of(root, BOOKMARKS)
    # the schema changes: migrate, regenerate the sqlc code (never edit it by hand), build, test
    assert found[0].startswith("migrate -path migrations")
    assert "sqlc generate" in found
    assert found.index("sqlc generate") < found.index("go build ./...")
    assert found[-1] == "go test ./..."


def test_the_package_manager_and_scripts_of_the_repo(tmp_path: Path) -> None:
    root = tmp_path / "api"
    shutil.copytree(EXAMPLES_DIR / "express-prisma-api", root)
    (root / "pnpm-lock.yaml").write_text("lockfileVersion: '6.0'\n")
    found = commands_of(root, "Let users bookmark projects")
    assert found[0] == "pnpm run prisma:migrate"
    assert "pnpm run prisma:generate" in found  # the repo's own generate script
    assert "pnpm run build" in found and found[-1] == "pnpm test"


def test_the_build_wrapper_the_repo_ships() -> None:
    root = REALWORLD / "alexey-lapin__realworld-backend-spring"
    repo = read_repo_commands(root, "service", tuple(scan(root)))
    assert repo.wrapper == "./gradlew"
    found = commands_of(root, "Add cursor pagination to the articles list endpoint")
    assert "./gradlew test" in found and not any("mvnw" in c for c in found)


def test_an_unreadable_package_json_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "api"
    shutil.copytree(EXAMPLES_DIR / "express-prisma-api", root)
    (root / "package.json").write_text("{ not json")
    repo = read_repo_commands(root, ".", tuple(scan(root)))
    assert repo.scripts == frozenset()
