"""List a workspace's files: git's own view inside a work tree, a gitignore-aware walk elsewhere.

The result is the sorted list of repo-relative POSIX paths of regular files. Dependency and
build folders are always left out; symlinked directories are never followed (so a symlink loop
can't trap the walk); unreadable directories are skipped with a debug log.

In a git work tree the listing is git's, from two `git ls-files` run at once (GitListing):
the index's files are split while git still walks the tree for the untracked ones.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from bisect import bisect_left
from functools import cache
from itertools import compress, islice, repeat
from operator import eq, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

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


class Listing(NamedTuple):
    """A workspace's files, sorted, with each one's directory ("" at the root) and name: split
    once here, for the file index and the conventions."""

    files: list[str]
    dirs: list[str]
    names: list[str]


def split_paths(files: list[str]) -> Listing:
    """The Listing of `files` (already sorted)."""
    parts = list(map(str.rpartition, files, repeat("/")))  # one C-level pass
    return Listing(files, list(map(itemgetter(0), parts)), list(map(itemgetter(2), parts)))


def scan(root: Path) -> list[str]:
    """The workspace's files, sorted; raises WorkspaceError when the root can't be listed."""
    return list_files(root).files


def list_files(root: Path, started: GitListing | None = None) -> Listing:
    """scan's files with their directories and names; `started`: the git listing of `root`,
    when the caller started it ahead (see start_listing)."""
    check_root(root)
    if find_git_toplevel(root) is not None:
        git = started if started is not None and started.root == root else GitListing(root)
        listing = git.result()
        if listing is not None and listing.files:  # []: e.g. a folder the repo ignores
            return listing
    return walk_listing(root)


def check_root(root: Path) -> None:
    """Raise WorkspaceError when the root can't be listed."""
    try:
        with os.scandir(root):
            pass
    except FileNotFoundError as exc:
        raise WorkspaceError(f"workspace not found: {root}") from exc
    except NotADirectoryError as exc:
        raise WorkspaceError(f"not a directory: {root}") from exc
    except OSError as exc:
        raise WorkspaceError(f"can't read workspace {root}: {exc.strerror or exc}") from exc


def walk_listing(root: Path) -> Listing:
    """walk_files, split."""
    return split_paths(walk_files(root))


def start_listing(root: Path | str) -> GitListing | None:
    """The git listing of the workspace at `root` started now, to be read by list_files
    later: the caller's own work meanwhile (a CLI run's imports) overlaps git's. None when
    `root` is no directory of a git work tree."""
    path = Path(root).expanduser()
    try:
        if not path.is_dir():
            return None
        path = path.resolve()
    except OSError:
        return None
    return GitListing(path) if find_git_toplevel(path) is not None else None


def git_files(root: Path) -> list[str] | None:
    """Tracked plus untracked-not-ignored files as git sees them, or None when git can't say."""
    listing = GitListing(root).result()
    return None if listing is None else listing.files


class GitListing:
    """`git ls-files --cached --others --exclude-standard` of one directory, as two
    processes started at once: the index's files (a quick read, and most of the files) and
    the untracked ones (a walk of the work tree, most of git's time). `result()` sorts and
    splits the index's paths while that walk runs on another core, then merges in the
    untracked ones (usually few); a caller with more to do before it needs the untracked
    files reads `tracked()`, then `untracked()`. Read once; `close()` (or `with`) ends what
    wasn't read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._procs: dict[str, subprocess.Popen[bytes]] = {}  # the ones not read yet
        self._failed = False
        git = shutil.which("git")
        if git is None:
            self._failed = True
            return
        command = [git, "-c", "core.quotepath=off", "ls-files", "-z"]
        try:
            for which, args in (
                ("tracked", ["--cached"]),
                ("untracked", ["--others", "--exclude-standard"]),
            ):
                self._procs[which] = subprocess.Popen(
                    [*command, *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
        except OSError as exc:
            log.debug("git ls-files failed in %s: %s", root, exc)
            self._failed = True
            self.close()

    def __enter__(self) -> GitListing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop and reap the processes not read yet."""
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        self._procs = {}

    def result(self) -> Listing | None:
        """The listing, sorted and split; None when git can't say."""
        try:
            tracked = self.tracked()  # split while the walk goes on
            untracked = self.untracked() if tracked is not None else None
        finally:
            self.close()
        if tracked is None or untracked is None:
            return None
        return _merged(tracked, untracked)

    def tracked(self) -> Listing | None:
        """The index's files, sorted and split (None: git failed); read first."""
        out = self._read("tracked")
        return None if out is None else _kept(split_paths(_sorted_paths(out)))

    def untracked(self) -> Listing | None:
        """The untracked files git doesn't ignore, sorted and split (None: git failed)."""
        out = self._read("untracked")
        return None if out is None else _kept(split_paths(_sorted_paths(out)))

    def _read(self, which: str) -> bytes | None:
        proc = self._procs.pop(which, None)
        if proc is None or self._failed:  # git is missing, couldn't start, or was read
            return None
        out, err = proc.communicate()
        if proc.returncode != 0:
            log.debug("git ls-files failed in %s: %s", self.root, err.decode(errors="replace"))
            return None
        return out


def _sorted_paths(output: bytes) -> list[str]:
    """The paths of `git ls-files -z` output, sorted, each once (conflicted entries are listed
    once per stage)."""
    paths = output.decode("utf-8", errors="surrogateescape").split("\0")
    if paths and paths[-1] == "":
        paths.pop()
    paths.sort()  # already sorted, usually: a quick check
    if _has_neighbour_twins(paths):
        paths = sorted(set(paths))
    return paths


def _kept(listing: Listing) -> Listing:
    """The listing without the files in dependency and build folders (SKIP_DIRS); each
    directory is checked once, not each path: there are far fewer of them."""
    skipped = {d for d in set(listing.dirs) if _skipped_dir(d)}
    if not skipped:
        return listing
    kept = [d not in skipped for d in listing.dirs]
    return Listing(*(list(compress(column, kept)) for column in listing))


_FEW = 256  # extra files inserted one by one; more are merged by sorting again


def _merged(listing: Listing, extra: Listing) -> Listing:
    """`listing` (changed in place) with the files of `extra` (also sorted) added, each once."""
    if not extra.files:
        return listing
    files, dirs, names = listing
    if len(extra.files) > _FEW:
        return split_paths(sorted(set(files).union(extra.files)))
    for path, directory, name in zip(*extra, strict=True):
        at = bisect_left(files, path)
        if at == len(files) or files[at] != path:
            files.insert(at, path)
            dirs.insert(at, directory)
            names.insert(at, name)
    return listing


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
