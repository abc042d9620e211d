"""List a workspace's files: git's own view inside a work tree, a gitignore-aware walk elsewhere.

The result is the sorted list of repo-relative POSIX paths of regular files. Dependency and
build folders are always left out; symlinked directories are never followed (so a symlink loop
can't trap the walk); unreadable directories are skipped with a debug log.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from functools import cache
from itertools import islice, repeat
from operator import eq, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_planner.errors import WorkspaceError

if TYPE_CHECKING:
    import pathspec

log = logging.getLogger(__name__)

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        ".venv",
        "venv",
        "virtualenv",
        ".virtualenv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        "site-packages",
        "dist",
        "target",
        "build",
        "out",
        ".next",
        ".nuxt",
        ".svelte-kit",
        ".turbo",
        ".parcel-cache",
        ".cache",
        "coverage",
        ".gradle",
        ".idea",
        ".terraform",
        ".bench",
        ".direnv",
        ".sass-cache",
        ".angular",
        ".expo",
        "Pods",
        "DerivedData",
    }
)


def find_git_toplevel(root: Path) -> Path | None:
    """The enclosing git work tree's top directory (found without running git), or None."""
    for directory in (root, *root.parents):
        if (directory / ".git").exists():
            return directory
    return None


def scan(root: Path) -> list[str]:
    """The workspace's files, sorted; raises WorkspaceError when the root can't be listed."""
    try:
        with os.scandir(root):
            pass
    except FileNotFoundError as exc:
        raise WorkspaceError(f"workspace not found: {root}") from exc
    except NotADirectoryError as exc:
        raise WorkspaceError(f"not a directory: {root}") from exc
    except OSError as exc:
        raise WorkspaceError(f"can't read workspace {root}: {exc.strerror or exc}") from exc
    if find_git_toplevel(root) is not None:
        files = git_files(root)
        if files:  # None: git failed; []: e.g. a folder the enclosing repo ignores
            return files
    return walk_files(root)


def git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-not-ignored files as git sees them, or None when git can't say."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [
                git,
                "-c",
                "core.quotepath=off",
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        log.debug("git ls-files failed in %s: %s", root, exc)
        return None
    if result.returncode != 0:
        log.debug("git ls-files failed in %s: %s", root, result.stderr.decode(errors="replace"))
        return None
    paths = result.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    if paths and paths[-1] == "":
        paths.pop()
    # git lists the index sorted and untracked files after it: sorting is a merge of two
    # runs; a set (the duplicates of conflicted entries) only when not strictly increasing.
    paths.sort()  # a merge of two runs; then duplicates are neighbours
    if _has_neighbour_twins(paths):
        paths = sorted(set(paths))
    # Check each directory once, not each path: there are far fewer of them.
    dirs = set(map(itemgetter(0), map(str.rpartition, paths, repeat("/"))))
    skipped = {d for d in dirs if _skipped_dir(d)}
    if skipped:
        paths = [p for p in paths if p.rpartition("/")[0] not in skipped]
    return paths


def _has_neighbour_twins(paths: list[str]) -> bool:
    """Whether two neighbours are equal: on a sorted list, whether it isn't strictly
    increasing (operator.eq is a plain C function, faster than the str.__lt__ slot)."""
    return any(map(eq, paths, islice(paths, 1, None)))


def _skipped_dir(directory: str) -> bool:
    return any(segment in SKIP_DIRS for segment in directory.split("/"))


class _Ignores:
    """The stack of .gitignore specs that apply to one directory, deepest last."""

    __slots__ = ("specs",)

    def __init__(self, specs: tuple[tuple[str, _Spec], ...]) -> None:
        self.specs = specs

    def ignored(self, rel_path: str, is_dir: bool) -> bool:
        """Git's answer: the deepest .gitignore with a matching pattern decides."""
        probe = rel_path + "/" if is_dir else rel_path
        for base, spec in reversed(self.specs):
            sub = probe[len(base) + 1 :] if base else probe
            # Directories: plain last-match-wins (`!public/` re-includes the dir); files:
            # GitIgnoreSpec, which also knows `*` still matches files inside `public/`.
            result = (spec.dirs if is_dir else spec.files).check_file(sub)
            if result.include is not None:
                return bool(result.include)
        return False


def _dir_pattern_factory() -> str:
    """pathspec >= 1 calls git's plain pattern style "gitignore"; older ones "gitwildmatch"."""
    import pathspec

    try:
        pathspec.util.lookup_pattern("gitignore")
    except LookupError:
        return "gitwildmatch"
    return "gitignore"


@cache
def _dir_patterns() -> str:
    return _dir_pattern_factory()


class _Spec:
    __slots__ = ("dirs", "files")

    def __init__(self, lines: list[str]) -> None:
        import pathspec  # only walks outside git need it; a CLI run inside git skips the import

        self.dirs: pathspec.PathSpec[Any] = pathspec.PathSpec.from_lines(_dir_patterns(), lines)
        self.files: pathspec.GitIgnoreSpec = pathspec.GitIgnoreSpec.from_lines(lines)


def _read_gitignore(path: str) -> _Spec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        log.debug("can't read %s: %s", path, exc)
        return None
    return _Spec(lines)


def walk_files(root: Path) -> list[str]:
    """Every file under root honouring each .gitignore on the way (nested ones too)."""
    out: list[str] = []
    stack: list[tuple[str, _Ignores]] = [("", _Ignores(()))]
    root_str = str(root)
    while stack:
        rel_dir, ignores = stack.pop()
        abs_dir = os.path.join(root_str, rel_dir) if rel_dir else root_str
        try:
            with os.scandir(abs_dir) as iterator:
                entries = list(iterator)
        except OSError as exc:
            log.debug("skipping unreadable directory %s: %s", abs_dir, exc)
            continue
        if any(e.name == ".gitignore" for e in entries):
            spec = _read_gitignore(os.path.join(abs_dir, ".gitignore"))
            if spec is not None:
                ignores = _Ignores((*ignores.specs, (rel_dir, spec)))
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                log.debug("skipping %s: %s", rel, exc)
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or ignores.ignored(rel, True):
                    continue
                stack.append((rel, ignores))
                continue
            if is_link:
                try:
                    if not entry.is_file():  # dangling, or a link to a directory: not followed
                        log.debug("not following symlink %s", rel)
                        continue
                except OSError:
                    continue
            if ignores.ignored(rel, False):
                continue
            out.append(rel)
    out.sort()
    return out
