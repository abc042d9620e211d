"""Listing a workspace's files: git's view in a work tree, .gitignore-aware walk elsewhere."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from backend_planner.errors import WorkspaceError
from backend_planner.workspace.scan import find_git_toplevel, list_files, scan, start_listing


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


def _git_repo(root: Path, tracked: list[str], untracked: list[str]) -> None:
    write(root, dict.fromkeys([*tracked, *untracked], "x"))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if tracked:
        subprocess.run(["git", "-C", str(root), "add", *tracked], check=True)


@pytest.mark.parametrize("untracked", [1, 3, 300], ids=lambda n: f"{n}-untracked")
def test_untracked_files_merge_into_the_index_listing_in_order(
    tmp_path: Path, untracked: int
) -> None:
    """The index's files and the untracked ones come from two git runs (at once): the
    result is one sorted listing, whether the untracked ones are inserted or re-sorted."""
    tracked = ["a/x.go", "b/y.go", "z.go", *(f"t/f{n:03d}.go" for n in range(0, 600, 2))]
    extra = [f"t/f{n:03d}.go" for n in range(1, 2 * untracked, 2)] + ["a/w.go"]
    _git_repo(tmp_path, tracked, extra)
    listing = list_files(tmp_path)
    assert listing.files == sorted(set(tracked) | set(extra))
    assert listing.dirs == [f.rpartition("/")[0] for f in listing.files]
    assert listing.names == [f.rpartition("/")[2] for f in listing.files]


def test_a_listing_started_ahead_is_the_same_listing(tmp_path: Path) -> None:
    _git_repo(tmp_path, ["main.go", "pkg/a.go"], ["pkg/b.go"])
    started = start_listing(tmp_path)
    assert started is not None
    assert list_files(tmp_path.resolve(), started) == list_files(tmp_path)
    # one not read (the analysis failed first) is ended by close(), and so is a read one
    unread = start_listing(tmp_path)
    assert unread is not None
    unread.close()
    started.close()


def test_no_listing_is_started_outside_git_or_for_a_missing_dir(tmp_path: Path) -> None:
    write(tmp_path, {"main.go": "package main\n"})
    if find_git_toplevel(tmp_path) is None:  # tmp dirs normally lie outside any work tree
        assert start_listing(tmp_path) is None
    assert start_listing(tmp_path / "missing") is None
    assert start_listing(tmp_path / "main.go") is None


def test_untracked_files_are_analysed_as_if_committed(tmp_path: Path) -> None:
    """The analysis indexes the index's files first and adds the untracked ones after: the
    profile is the one of the same tree with every file committed."""
    from backend_planner.workspace import analyze_json

    files = {
        "go.mod": "module x\n\nrequire github.com/gin-gonic/gin v1.9.1\n",
        "cmd/api/main.go": "package main\n",
        "internal/handlers/user_handler.go": "package handlers\n",
        "internal/handlers/order_handler.go": "package handlers\n",
        "internal/services/user_service.go": "package services\n",
        "migrations/000001_init.up.sql": "",
        "migrations/000001_init.down.sql": "",
        "tools/requirements.txt": "requests==2.31.0\n",
        "tools/main.go": "package main\n",
        "tools/x.py": "",
    }
    untracked = ["internal/handlers/order_handler.go", "tools/requirements.txt", "tools/x.py"]
    partly, fully = tmp_path / "partly", tmp_path / "fully"
    _git_repo(partly, [f for f in files if f not in untracked], [])
    _git_repo(fully, list(files), [])
    for root in (partly, fully):
        write(root, dict(files))
    profiles = [analyze_json(root) for root in (partly, fully)]
    for profile in profiles:
        profile.pop("root")
    assert profiles[0] == profiles[1]
    assert profiles[0]["services"]
