"""Projects (directories with a manifest) and the technologies each one uses, from rules data."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, pairwise, repeat
from operator import eq
from pathlib import Path

from backend_planner.workspace.imports import confirm
from backend_planner.workspace.index import (
    LANGUAGE_EXT,
    FileIndex,
    entries_matching,
    is_within,
    split_path,
)
from backend_planner.workspace.manifests import (
    ECOSYSTEM_LANGUAGE,
    MANIFEST_NAMES,
    Manifest,
    manifest_kind,
    parse_manifest,
    pep503,
    project_dir_of,
)
from backend_planner.workspace.rules import CATEGORIES, Rules, Tech

# Names that may be manifests besides MANIFEST_NAMES (requirements files)
_TXT_IN = re.compile(r"\.(?:txt|in)(?=\0|\Z)")

BACKEND_LANGUAGES = frozenset({"go", "python", "java", "kotlin", "ruby", "php", "rust"})


@dataclass
class Project:
    """A directory with dependency manifests (or a Go `main` package without go.mod)."""

    dir: str
    manifests: list[Manifest] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # the language of each file (None for other files), in the order of `files`
    file_langs: list[str | None] = field(default_factory=list)
    # the directory of each file, in the order of `files`, when the index had them
    file_dirs: list[str] = field(default_factory=list)
    language_counts: Counter[str] = field(default_factory=Counter)
    techs: dict[str, list[str]] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    language: str | None = None
    languages: list[str] = field(default_factory=list)
    # the source files of the other modules of its multi-module build (see analyzer)
    module_files: list[str] = field(default_factory=list)

    @property
    def file_set(self) -> set[str]:
        """`files` as a set, made on first use."""
        cached: set[str] | None = self.__dict__.get("_file_set")
        if cached is None or len(cached) != len(self.files):
            cached = self.__dict__["_file_set"] = set(self.files)
        return cached

    def files_of(self, language: str | None) -> list[str]:
        """The project's files of `language` (None: files of no language), in order."""
        return self.of_language(language)[0]

    def of_language(self, language: str | None) -> tuple[list[str], list[str] | None]:
        """files_of(language) and their directories (None when `file_dirs` isn't known)."""
        if len(self.file_langs) != len(self.files):
            raise ValueError("file_langs out of step with files")
        selectors = list(map(eq, self.file_langs, repeat(language)))  # C loops
        files = list(compress(self.files, selectors))
        if len(self.file_dirs) != len(self.files):
            return files, None
        return files, list(compress(self.file_dirs, selectors))

    @property
    def ecosystems(self) -> set[str]:
        return {m.ecosystem for m in self.manifests}

    def rel(self, path: str) -> str:
        """A repo-relative path made relative to this project's directory."""
        return path if self.dir == "." else path[len(self.dir) + 1 :]


def glob_to_regex(glob: str) -> str:
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


@cache
def compiled_glob(glob: str) -> re.Pattern[str]:
    return re.compile(glob_to_regex(glob))


def find_projects(index: FileIndex, root: Path) -> list[Project]:
    """Every project of the workspace with the files it owns (nested projects own theirs)."""
    projects: dict[str, Project] = {}
    known = index.names()
    names = [n for n in MANIFEST_NAMES if n in known]
    names += entries_matching("\0".join(known), _TXT_IN, "\0")
    for name in names:
        if manifest_kind(name) is None and not name.endswith((".txt", ".in")):
            continue
        for path in index.named(name):
            manifest = parse_manifest(root, path)
            if manifest is None:
                continue
            directory = project_dir_of(path)
            projects.setdefault(directory, Project(directory)).manifests.append(manifest)
    go_module_dirs = [d for d, p in projects.items() if "go" in p.ecosystems]
    for path in index.named("main.go"):
        directory = path.rpartition("/")[0] or "."
        if not any(is_within(directory, d) for d in go_module_dirs) and directory not in projects:
            projects[directory] = Project(directory)
    if not projects and index.language_counts:
        projects["."] = Project(".")
    owner: dict[str, str | None] = {}

    def owner_of(directory: str) -> str | None:
        # A loop, not recursion: a closure that calls itself is a reference cycle, which
        # would keep every project's file list alive until the next gc pass.
        visited: list[str] = []
        while True:
            key = directory or "."
            if key in owner:
                found = owner[key]
                break
            visited.append(key)
            if key in projects:
                found = key
                break
            if not directory:
                found = None
                break
            directory = directory.rpartition("/")[0]
        for key in visited:
            owner[key] = found
        return found

    if len(projects) == 1 and "." in projects:  # the common case: one project owns all
        projects["."].files = list(index.files)
        projects["."].file_langs = list(index.langs)
        projects["."].file_dirs = list(index.dirs or ())
    elif index.is_sorted():
        # Sorted paths: a folder's files are one slice, found by bisection; deeper projects
        # take theirs from the slices of their ancestors.
        files = index.files
        owners: list[str | None] = [None] * len(files)
        if "." in projects:
            owners = ["."] * len(files)
        bounds = {0, len(files)}
        for directory in sorted(projects, key=lambda d: d.count("/")):
            if directory == ".":
                continue
            lo = bisect_left(files, directory + "/")
            hi = bisect_left(files, directory + "0", lo)  # "0" follows "/"
            owners[lo:hi] = [directory] * (hi - lo)
            bounds.update((lo, hi))
        edges = sorted(bounds)
        for lo, hi in pairwise(edges):
            found = owners[lo] if lo < hi else None
            if found is not None:
                projects[found].files.extend(files[lo:hi])
                projects[found].file_langs.extend(index.langs[lo:hi])
                if index.dirs is not None:
                    projects[found].file_dirs.extend(index.dirs[lo:hi])
    else:
        lists = {d: p.files for d, p in projects.items()}
        cached = owner.get
        for path in index.files:
            directory = path.rpartition("/")[0] or "."
            project_dir = cached(directory, "")
            if project_dir == "":
                project_dir = owner_of(directory)
            if project_dir is not None:
                lists[project_dir].append(path)
    for project in projects.values():
        if len(project.file_langs) != len(project.files):
            project.file_langs = list(map(index.language.get, project.files))  # one C pass
        counts = Counter(project.file_langs)
        project.language_counts = Counter({k: v for k, v in counts.items() if k is not None})
    for project in projects.values():
        project.manifests.sort(key=lambda m: m.path)
        _assign_languages(project)
    return [projects[d] for d in sorted(projects)]


def _assign_languages(project: Project) -> None:
    counts = project.language_counts
    langs: list[str] = []
    for ecosystem in sorted(project.ecosystems):
        lang = ECOSYSTEM_LANGUAGE[ecosystem]
        if ecosystem == "npm":
            lang = "typescript" if counts["typescript"] > counts["javascript"] else "javascript"
            if counts[lang] == 0:
                continue
        elif ecosystem == "maven" and counts["kotlin"] > counts["java"]:
            lang = "kotlin"
        if lang not in langs:
            langs.append(lang)
    if not project.manifests and counts:
        langs.append(counts.most_common(1)[0][0])
    backend = [lang for lang in langs if lang in BACKEND_LANGUAGES]
    project.languages = langs
    chosen = backend or langs
    project.language = chosen[0] if chosen else None


def _dep_hit(ecosystem: str, wanted: str, deps: frozenset[str]) -> bool:
    if wanted.endswith("*"):
        return any(d.startswith(wanted[:-1]) for d in deps)
    if ecosystem == "go":
        return wanted in deps or any(d.startswith(wanted + "/") for d in deps)
    if ecosystem == "pypi":
        return pep503(wanted) in deps
    return wanted in deps


def _deps_evidence(tech: Tech, project: Project) -> str | None:
    for manifest in project.manifests:
        for wanted in tech.deps.get(manifest.ecosystem, ()):  # type: ignore[call-overload]
            if _dep_hit(manifest.ecosystem, wanted, manifest.deps):
                return manifest.path
    return None


def _files_evidence(globs: tuple[str, ...], project: Project, index: FileIndex) -> str | None:
    for glob in globs:
        last = glob.rpartition("/")[2]
        if "*" not in last and "?" not in last:
            candidates = [p for p in index.named(last) if is_within(p, project.dir)]
        else:
            candidates = _ending_with(project.files, last.rpartition("*")[2])
        if not candidates:
            continue  # most globs: no file of that name at all (and no regex to compile)
        pattern = compiled_glob(glob)
        for path in sorted(candidates):
            if path in project.file_set and pattern.fullmatch(project.rel(path)):
                return path
    return None


def _ending_with(files: list[str], suffix: str) -> list[str]:
    """The files ending with `suffix`, in order: searched in the NUL-joined paths (no path holds
    a NUL), a few C-level scans instead of a call per path."""
    if not files:
        return []
    text = "\0".join(files) + "\0"
    needle = suffix + "\0"
    out = []
    at = text.find(needle)
    while at >= 0:
        end = at + len(suffix)  # the NUL after the path
        out.append(text[text.rfind("\0", 0, at) + 1 : end])
        at = text.find(needle, end + 1)
    return out


def _scripts_evidence(tech: Tech, project: Project) -> str | None:
    for manifest in project.manifests:
        if any(s in script for script in manifest.scripts for s in tech.scripts):
            return manifest.path
    return None


def _settle_from_imports(project: Project, rules: Rules, found: dict[str, str], root: Path) -> None:
    """Two frameworks (or ORMs) in the manifests: keep those the code imports, if it says."""
    language = project.language
    assert language is not None
    for category in ("framework", "orm"):
        candidates = [
            t
            for t in rules.by_category(category)
            if t.name in found and not t.addon and not t.fallback
        ]
        if len(candidates) < 2:
            continue
        source = [f for f in project.files if LANGUAGE_EXT.get(split_path(f)[3]) == language]
        hits = confirm(candidates, language, source, root)
        if hits:
            for tech in candidates:
                if tech.name in hits:
                    found[tech.name] = hits[tech.name]
                else:
                    del found[tech.name]


def detect_techs(
    project: Project,
    index: FileIndex,
    rules: Rules,
    migration_hits: dict[str, str],
    root: Path | None = None,
) -> None:
    """Fill `project.techs` (category -> sorted names) and `project.evidence`.

    `migration_hits` maps a migration tool to a file its path pattern matched (see
    migrations.locate_all), so tools recognised by their files need no manifest entry. With
    `root`, manifests naming two frameworks or ORMs are settled by the imports in the code.
    """
    found: dict[str, str] = {}
    for tech in rules.techs:
        if tech.language and project.language not in tech.language:
            continue
        if tech.fallback:
            # a fallback named in a manifest is simply there (junit next to vitest)
            hit = _deps_evidence(tech, project) if tech.deps else None
            if hit is not None:
                found[tech.name] = hit
            continue
        evidence = (
            _deps_evidence(tech, project)
            or (_files_evidence(tech.files, project, index) if tech.files else None)
            or (_scripts_evidence(tech, project) if tech.scripts else None)
            or (migration_hits.get(tech.name) if tech.path_detects else None)
        )
        if evidence is not None:
            found[tech.name] = evidence
    for tech in rules.techs:
        if tech.requires and tech.name in found and not any(r in found for r in tech.requires):
            del found[tech.name]
    if root is not None and project.language is not None:
        _settle_from_imports(project, rules, found, root)
    for tech in rules.techs:
        if not tech.fallback or any(
            t.category == tech.category and t.name in found and not t.addon and t.kind != "helper"
            for t in rules.techs
        ):
            continue
        if tech.language and project.language not in tech.language:
            continue
        if tech.requires and not any(r in found for r in tech.requires):
            continue
        if tech.files:
            evidence = _files_evidence(tech.files, project, index)
            if evidence is None:
                continue
        else:
            evidence = found.get(tech.requires[0], "") if tech.requires else ""
        found[tech.name] = evidence or (project.manifests[0].path if project.manifests else "")
    for tech in rules.techs:
        if tech.name in found:
            for hidden in tech.supersedes:
                found.pop(hidden, None)
    project.techs = {  # by name; addons (drf, grpc) after the framework they extend
        category: [
            t.name
            for t in sorted(rules.by_category(category), key=lambda t: (t.addon, t.name))
            if t.name in found and t.kind != "helper"
        ]
        for category in CATEGORIES
    }
    project.techs[TEST_HELPERS] = sorted(
        t.name for t in rules.by_category("tests") if t.name in found and t.kind == "helper"
    )
    project.evidence = {
        f"{_evidence_key(t)}.{t.name}": found[t.name] for t in rules.techs if t.name in found
    }


# project.techs' key of the test helpers (testify, chai): not runners, listed apart
TEST_HELPERS = "test_helpers"

_EVIDENCE_KEY = {
    "framework": "frameworks",
    "frontend": "frameworks",
    "orm": "orm",
    "data": "data_access",
    "migrations": "migrations",
    "tests": "tests",
}


def _evidence_key(tech: Tech) -> str:
    """The profile field a technology's evidence is keyed by (`tests.helpers` for helpers)."""
    return "tests.helpers" if tech.kind == "helper" else _EVIDENCE_KEY[tech.category]
