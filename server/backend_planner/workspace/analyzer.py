"""From a directory on disk to a StackProfile: scan → index → projects → services."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_planner.errors import WorkspaceError
from backend_planner.workspace import migrations as mig
from backend_planner.workspace.codemap import CodeMap, CodeMapBuilder, ServiceContext
from backend_planner.workspace.codemap.layout import apply_code_map
from backend_planner.workspace.conventions import (
    analyze_conventions,
    any_test,
    by_directory,
    is_test_file,
)
from backend_planner.workspace.detect import (
    TEST_HELPERS,
    Project,
    compiled_glob,
    detect_techs,
    find_projects,
)
from backend_planner.workspace.facts import (
    DataAccess,
    Language,
    Service,
    StackProfile,
    Tests,
    as_json,
    to_profile,
)
from backend_planner.workspace.index import (
    LANGUAGE_EXT,
    FileIndex,
    is_within,
    split_path,
)
from backend_planner.workspace.manifests import ECOSYSTEM_LANGUAGE
from backend_planner.workspace.overrides import apply_overrides, load_overrides
from backend_planner.workspace.rules import Rules, default_rules
from backend_planner.workspace.scan import GitListing, check_root, find_git_toplevel, walk_listing

if TYPE_CHECKING:
    from backend_planner.workspace import profile

SERVICE_PARENTS = frozenset({"services", "apps", "microservices", "svc"})
OVERRIDES_FILE = ".backend-planner.toml"


def analyze(
    root: Path | str,
    *,
    rules: Rules | None = None,
    now: datetime | None = None,
    code_maps: CodeMapBuilder | None = None,
) -> profile.StackProfile:
    """The StackProfile of the workspace at `root`.

    Raises WorkspaceError (missing path, not a directory, unreadable) and ConfigError (a bad
    `.backend-planner.toml`). `code_maps`: the builder that reads endpoints and entities —
    pass the same one again (a language server does) and unchanged files are not re-read;
    `code_maps.refresh(...)` then rebuilds a service's map after an edit. `now` only matters
    for timestamped migration names when the repo has no migration yet; without it such names
    keep a `YYYYMMDDHHMMSS` placeholder.
    """
    path = _workspace(root)
    facts, overrides = _checked_analysis(path, rules, now, code_maps=code_maps)
    result = to_profile(facts)
    if overrides is not None:
        result = apply_overrides(result, overrides, path / OVERRIDES_FILE)
    return result


def analyze_json(
    root: Path | str,
    *,
    started: GitListing | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """`analyze(root).model_dump(mode="json")`, without building the pydantic models (and so
    without importing pydantic) unless the workspace has a `.backend-planner.toml`.

    `started`: the workspace's git listing, when the caller started it ahead (scan's
    start_listing); it is read here. `progress(parsed)`: called as the code map reads files
    (every few hundred), for a long first analysis."""
    path = _workspace(root)
    builder = CodeMapBuilder(path)
    builder.progress = progress
    facts, overrides = _checked_analysis(path, None, None, started, builder)
    if overrides is None:
        return as_json(facts)
    return apply_overrides(to_profile(facts), overrides, path / OVERRIDES_FILE).model_dump(
        mode="json"
    )


def _workspace(root: Path | str) -> Path:
    path = Path(root).expanduser()
    if not path.exists():
        raise WorkspaceError(f"workspace not found: {path}")
    if not path.is_dir():
        raise WorkspaceError(f"not a directory: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise WorkspaceError(f"can't read workspace: {path} (permission denied)")
    return path.resolve()


def _checked_analysis(
    path: Path,
    rules: Rules | None,
    now: datetime | None,
    started: GitListing | None = None,
    code_maps: CodeMapBuilder | None = None,
) -> tuple[StackProfile, dict[str, Any] | None]:
    """The detected facts and the parsed override file (None when there is none)."""
    overrides = load_overrides(path / OVERRIDES_FILE)
    # The analysis allocates many short-lived containers and no cycles: the cyclic collector
    # would only walk them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = code_maps if code_maps is not None else CodeMapBuilder(path)
        return _analyze(path, rules or default_rules(), now, started, builder), overrides
    finally:
        if collecting:
            gc.enable()


def _analyze(
    path: Path,
    rules: Rules,
    now: datetime | None,
    started: GitListing | None,
    code_maps: CodeMapBuilder,
) -> StackProfile:
    index = _file_index(path, started, code_maps)
    projects = find_projects(index, path)
    _link_build_modules(projects)
    code_maps.services.clear()
    services: list[Service] = []
    languages: set[str] = set()
    all_languages: set[str] = set()
    for project in projects:
        built = _services_of(project, index, rules, path, now, code_maps)
        services.extend(built)
        all_languages.update(project.languages)
        if built:
            languages.update(project.languages)
    languages = languages or all_languages
    code_maps.save_cache()
    services.sort(key=lambda s: (s.kind != "backend", s.path))
    return StackProfile(
        root=str(path),
        languages=sorted(
            (
                Language(name=n, files=index.language_counts[n])
                for n in languages
                if index.language_counts[n]
            ),
            key=lambda lang: (-lang.files, lang.name),
        ),
        services=services,
    )


def _file_index(path: Path, started: GitListing | None, code_maps: CodeMapBuilder) -> FileIndex:
    """The index of the workspace's files (scan's listing). In a git work tree the index's
    files are indexed while git still walks the tree for the untracked ones, which are added
    after (see scan.GitListing)."""
    check_root(path)
    if find_git_toplevel(path) is not None:
        git = started if started is not None and started.root == path else GitListing(path)
        with git:
            tracked = git.tracked()
            if tracked is not None:
                index = FileIndex.build(  # sorted, without duplicates
                    tracked.files, increasing=True, dirs=tracked.dirs, names=tracked.names
                )
                untracked = git.untracked()
                if untracked is not None:
                    # git's listing is done: its next question (which files changed) runs on
                    # that core while this one reads projects and conventions
                    code_maps.start_git()
                    code_maps.note_untracked(untracked.files)
                    index = index.extended(*untracked)
                    if index.files:  # []: e.g. a folder the enclosing repo ignores
                        return index
    listing = walk_listing(path)
    return FileIndex.build(listing.files, increasing=True, dirs=listing.dirs, names=listing.names)


def _is_backend(project: Project) -> bool:
    """A web framework or ORM, a Go `main` package, or plain backend code without manifest."""
    techs = project.techs
    if techs.get("framework") or techs.get("orm"):
        return True
    if project.language == "go" and any(split_path(f)[1] == "main.go" for f in project.files):
        return True
    return not project.manifests and project.language in ("python", "java", "ruby", "php", "rust")


def _services_of(
    project: Project,
    index: FileIndex,
    rules: Rules,
    root: Path,
    now: datetime | None,
    code_maps: CodeMapBuilder,
) -> list[Service]:
    prefix = "" if project.dir == "." else project.dir + "/"
    candidates = mig.candidates(project.files, len(prefix))
    # Files alone prove only the `path_detects` tools (of the project's language): locate
    # those first; any other tool is located once its manifest entry has named it.
    located = mig.locate_all(
        rules,
        candidates,
        lambda t: t.path_detects and (not t.language or project.language in t.language),
    )
    hits = {
        name: prefix + (loc.files[0] if loc.files else loc.dirs[0]) for name, loc in located.items()
    }
    detect_techs(project, index, rules, hits, root)
    located.update(
        mig.locate_all(
            rules,
            candidates,
            lambda t: t.name in project.techs.get("migrations", ()) and t.name not in located,
        )
    )
    if not project.language_counts:
        return []  # an aggregator manifest (root pom.xml, workspace package.json): no code
    if (
        project.techs.get("frontend")
        and not project.techs.get("framework")
        and (project.language in ("javascript", "typescript") or not project.language)
    ):
        return [_frontend(project, index)]
    if not _is_backend(project):
        return []
    split = _split_dirs(project, index)
    if len(split) < 2:
        service_dir = _deploy_dir(project, index)
        return [
            _service(
                project, service_dir, project.files, index, rules, located, root, now, code_maps
            )
        ]
    shared = [f for f in project.files if not any(is_within(f, d) for d in split)]
    out = []
    for directory in split:
        own = [f for f in project.files if is_within(f, directory)]
        # A binary with packages of its own is read from them; a thin `main.go` that wires
        # the module's shared packages is read from those.
        own_code = [
            f
            for f in own
            if index.language.get(f) == project.language
            and not is_test_file(project.rel(f), project.language)
            and split_path(f)[0] != directory
        ]
        scope = own if own_code else shared + own
        out.append(_service(project, directory, scope, index, rules, located, root, now, code_maps))
    return out


WEB_ROOTS = frozenset({"html", "www", "public_html", "htdocs"})


def _deploy_dir(project: Project, index: FileIndex) -> str:
    """A manifest in a web root (`ratings/html/composer.json`) serves the folder above it
    when that folder is what gets deployed (it has the Dockerfile)."""
    parent, _, base = project.dir.rpartition("/")
    if base in WEB_ROOTS and parent and index.has(f"{parent}/Dockerfile"):
        return parent
    return project.dir


def _split_dirs(project: Project, index: FileIndex) -> list[str]:
    """Several `services/<x>/main.go` in one Go module: one service each."""
    if project.language != "go":
        return []
    dirs = set()
    for path in index.named("main.go"):
        directory = path.rpartition("/")[0]
        if (
            directory.rpartition("/")[0].rpartition("/")[2] in SERVICE_PARENTS
            and path in project.file_set
        ):
            dirs.add(directory)
    return sorted(dirs)


def _entrypoint(by_dir: dict[str, list[str]], service_dir: str) -> str | None:
    """The service's main file (server.js, payment/payment.py, main.go), if it has one.

    `by_dir`: the service's files of its language by directory, in order."""
    base = "" if service_dir == "." else service_dir + "/"
    dirname = service_dir.rpartition("/")[2] if service_dir != "." else ""
    shallow: dict[tuple[str, str], str] = {}
    for sub in ("", "src", "app", "cmd"):
        for f in by_dir.get(base + sub if sub else base.rstrip("/"), ()):
            shallow.setdefault((sub, split_path(f)[2]), f)
    for stem in (dirname, "app", "server", "main", "index", "application", "startup"):
        for sub in ("", "src", "app", "cmd"):
            if stem and (sub, stem) in shallow:
                return shallow[(sub, stem)]
    return None


def index_language(path: str) -> str | None:
    return LANGUAGE_EXT.get(split_path(path)[3])


def _service(
    project: Project,
    service_dir: str,
    files: list[str],
    index: FileIndex,
    rules: Rules,
    located: dict[str, mig.Located],
    root: Path,
    now: datetime | None,
    code_maps: CodeMapBuilder,
) -> Service:
    techs = project.techs
    evidence = dict(project.evidence)
    prefix = "" if project.dir == "." else project.dir + "/"
    migrations = None
    migration_dirs: list[str] = []
    tools = techs.get("migrations", [])
    if tools:
        tool = sorted(tools, key=lambda t: (t not in located, t))[0]
        tech = rules.get(tool)
        assert tech is not None
        migrations, existing = mig.build_migrations(tech, located.get(tool), prefix, root, now)
        migration_dirs = list(migrations.dirs)
        if existing:
            evidence[f"migrations.{tool}"] = existing[-1]
    frameworks = techs.get("framework", [])
    route_modes = {rules.get(f).routes for f in frameworks if rules.get(f)}  # type: ignore[union-attr]
    if "handlers" in route_modes:
        routes_fallback = "handlers-always"
    elif "entrypoint" in route_modes:
        routes_fallback = "entrypoint"
    elif frameworks:
        routes_fallback = "handlers"
    else:
        routes_fallback = "none"
    routes_files: list[str] = []
    for name in frameworks:
        tech = rules.get(name)
        if tech is not None:
            for glob in tech.routes_files:
                regex = compiled_glob(glob)
                routes_files += [f for f in files if regex.fullmatch(project.rel(f))]
    models_files: list[str] = []
    for orm in techs.get("orm", []):
        tech = rules.get(orm)
        if tech is not None:
            for glob in tech.models_files:
                regex = compiled_glob(glob)
                models_files += [f for f in files if regex.fullmatch(project.rel(f))]
    language = project.language
    code_root = project.dir if project.dir != "." else ""
    neutral: frozenset[str] = frozenset()
    parent = service_dir.rpartition("/")[0]
    if service_dir != project.dir and parent.rpartition("/")[2] in SERVICE_PARENTS:
        # split services: `api/services/` and its parents are just where binaries live
        parts = parent.split("/")
        neutral = frozenset("/".join(parts[: i + 1]) for i in range(len(parts)))
    increasing = files is project.files and index.increasing
    own_dirs = None
    if files is project.files:
        own, own_dirs = project.of_language(language)
    else:
        lang_of = index.language.get
        own = [f for f in files if lang_of(f) == language]
    by_dir = by_directory(own, own_dirs)
    result = analyze_conventions(
        own,
        language,
        code_root,
        by_dir,
        routes_fallback=routes_fallback,
        routes_files=sorted(set(routes_files)),
        models_files=sorted(set(models_files)),
        migration_dirs=migration_dirs,
        entrypoint=_entrypoint(by_dir, service_dir),
        neutral=neutral,
        increasing=increasing,
    )
    tests = result.tests
    has_tests = "tests" in result.evidence
    if not has_tests and language == "rust":
        inline = _inline_rust_test(own, root)
        if inline is not None:  # `#[cfg(test)] mod tests` next to the code, run by cargo test
            tests = Tests(layout="colocated", dir=None, pattern=None)
            result.evidence["tests"] = inline
            has_tests = True
    test_frameworks = _for_language(techs.get("tests", []), language, rules)
    if has_tests and test_frameworks:
        tests.framework = test_frameworks[0]
    elif not has_tests:
        tests = Tests()
    if has_tests:
        tests.helpers = _for_language(techs.get(TEST_HELPERS, []), language, rules, only=True)
    for key in list(evidence):
        if key.startswith("tests.helpers."):
            if key.removeprefix("tests.helpers.") not in tests.helpers:
                del evidence[key]
        elif key.startswith("tests.") and key != f"tests.{tests.framework}":
            del evidence[key]
    evidence.update(result.evidence)
    code_map = _code_map(project, service_dir, files, techs, code_maps, root)
    apply_code_map(result.layout, code_map.endpoints, evidence)
    return Service(
        path=service_dir,
        kind="backend",
        language=language,
        frameworks=frameworks,
        orm=techs.get("orm", []),
        data_access=_data_access(techs, rules),
        migrations=migrations,
        tests=tests,
        layout=result.layout,
        naming=result.naming,
        manifests=[m.path for m in project.manifests],
        evidence=dict(sorted(evidence.items())),
        endpoints=code_map.endpoints,
        entities=code_map.entities,
        unreadable=code_map.unreadable,
    )


def _code_map(
    project: Project,
    service_dir: str,
    files: list[str],
    techs: dict[str, list[str]],
    code_maps: CodeMapBuilder,
    root: Path,
) -> CodeMap:
    """The service's endpoints and entities; test files are not read."""
    language = project.language
    context = ServiceContext(
        root=root,
        service_dir=service_dir,
        language=language,
        frameworks=list(techs.get("framework", [])),
        orm=list(techs.get("orm", [])),
        files=files,
        module_files=project.module_files,
    )
    offset = 0 if project.dir == "." else len(project.dir) + 1

    def is_test(path: str) -> bool:
        return is_test_file(path[offset:], language)

    return code_maps.build(context, exclude=is_test)


# build ecosystem -> the languages whose files the modules of one build share
BUILD_MODULE_LANGUAGES = {"maven": frozenset({"java", "kotlin"}), "cargo": frozenset({"rust"})}


def _link_build_modules(projects: list[Project]) -> None:
    """Each module of a multi-module build (Gradle/Maven, a Cargo workspace: projects with a
    build manifest under an outermost one) gets `module_files`: the source files, tests
    excluded, of the build's other modules — a web module implements mapping interfaces of an
    API module, a binary crate mounts the routers and handlers of a library crate. One list is
    shared by all modules of a build."""
    for ecosystem, languages in BUILD_MODULE_LANGUAGES.items():
        builds: dict[str, list[Project]] = {}
        roots: list[str] = []
        for project in sorted(projects, key=lambda p: (p.dir.count("/"), p.dir)):
            if ecosystem not in project.ecosystems:
                continue
            root = next((r for r in roots if r == "." or is_within(project.dir, r)), None)
            if root is None:
                roots.append(project.dir)
                root = project.dir
            builds.setdefault(root, []).append(project)
        for modules in builds.values():
            if len(modules) < 2:
                continue
            shared = sorted(
                f
                for module in modules
                for f, lang in zip(module.files, module.file_langs, strict=True)
                if lang in languages and not is_test_file(module.rel(f), module.language)
            )
            for module in modules:
                module.module_files = shared


MAX_INLINE_TEST_READS = 200
_CFG_TEST = "#[cfg(test)]"


def _inline_rust_test(files: list[str], root: Path) -> str | None:
    """The first Rust file (of a bounded sample) with inline `#[cfg(test)]` tests, if any."""
    from backend_planner.workspace.manifests import read_text

    for path in files[:MAX_INLINE_TEST_READS]:
        text = read_text(root / path)
        if text is not None and _CFG_TEST in text:
            return path
    return None


def _data_access(techs: dict[str, list[str]], rules: Rules) -> list[DataAccess]:
    """The data layer: the ORMs and the data technologies (query builders, drivers, code
    generators), each with its kind, by name."""
    out = []
    for name in sorted({*techs.get("orm", []), *techs.get("data", [])}):
        kind = rules.data_kind(name)
        if kind is not None:
            out.append(DataAccess(name=name, kind=kind))
    return out


def _for_language(
    names: list[str], language: str | None, rules: Rules, *, only: bool = False
) -> list[str]:
    """Technologies usable from `language` first (junit before the frontend's vitest);
    `only`: just those."""

    def fits(name: str) -> bool:
        tech = rules.get(name)
        if tech is None:
            return False
        if tech.language:
            return language in tech.language
        ecosystems = set(tech.deps)
        return not ecosystems or any(
            ECOSYSTEM_LANGUAGE.get(e) == language
            or (e == "npm" and language in ("javascript", "typescript"))
            or (e == "maven" and language in ("java", "kotlin"))
            for e in ecosystems
        )

    if only:
        return sorted(n for n in names if fits(n))
    return sorted(names, key=lambda n: (not fits(n), n))


def _frontend(project: Project, index: FileIndex) -> Service:
    files, dirs = project.of_language(project.language)
    has_tests = any_test(
        files, project.language, 0 if project.dir == "." else len(project.dir) + 1, dirs
    )
    frameworks = project.techs.get("tests")
    tests = Tests(framework=frameworks[0]) if frameworks and has_tests else Tests()
    return Service(
        path=project.dir,
        kind="frontend",
        language=project.language,
        frameworks=project.techs.get("frontend", []),
        tests=tests,
        manifests=[m.path for m in project.manifests],
        evidence=dict(sorted(project.evidence.items())),
    )
