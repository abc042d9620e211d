"""Listing a workspace's files: git's view in a work tree, .gitignore-aware walk elsewhere."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from backend_planner.errors import WorkspaceError
from backend_planner.workspace.scan import scan


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


TREE: dict[str, str | bytes] = {
    ".gitignore": "*.log\n/secrets.txt\ngenerated/\n",
    "main.go": "package main\n",
    "app.log": "x",
    "secrets.txt": "x",
    "keep/secrets.txt": "nested secrets.txt is not anchored at the root",
    "generated/out.go": "package generated\n",
    "web/.gitignore": "*.tmp\n!keep.tmp\ncache/\n",
    "web/a.tmp": "x",
    "web/keep.tmp": "x",
    "web/cache/x.js": "x",
    "web/src/index.ts": "export {}\n",
    "node_modules/left-pad/index.js": "x",
    "vendor/github.com/x/y.go": "x",
    ".venv/lib/site.py": "x",
    "dist/bundle.js": "x",
    "api/target/classes/A.class": b"\xca\xfe\xba\xbe\0",
}
VISIBLE = [
    ".gitignore",
    "keep/secrets.txt",
    "main.go",
    "web/.gitignore",
    "web/keep.tmp",
    "web/src/index.ts",
]


def test_walk_honours_nested_gitignores_and_skips_dependency_dirs(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    assert scan(tmp_path) == VISIBLE


def test_git_work_tree_lists_tracked_and_untracked_not_ignored(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "main.go"], check=True)
    # a tracked file that an ignore rule matches stays visible, as in git
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", "app.log"], check=True)
    assert scan(tmp_path) == sorted([*VISIBLE, "app.log"])


def test_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path, {"src/app.py": "print()\n"})
    (tmp_path / "src" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "src" / "self").symlink_to(tmp_path / "src", target_is_directory=True)
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    (tmp_path / "alias.py").symlink_to(tmp_path / "src" / "app.py")
    assert scan(tmp_path) == ["alias.py", "src/app.py"]


def test_unreadable_directory_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"ok.py": "", "locked/secret.py": ""})
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # chmod can't lock out root, so the OS is simulated
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr("backend_planner.workspace.scan.os.scandir", scandir)
    assert scan(tmp_path) == ["ok.py"]


def test_missing_root_and_file_root_are_workspace_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not found"):
        scan(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="not a directory"):
        scan(tmp_path / "f.txt")


def test_empty_workspace_has_no_files(tmp_path: Path) -> None:
    assert scan(tmp_path) == []
