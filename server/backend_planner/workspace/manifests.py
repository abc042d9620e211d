"""Dependency manifests: which files they are and the dependency names they declare.

Each parser is a pure function of the file's text. A file that can't be read or parsed is
logged at debug level and yields no dependencies: a broken manifest must not stop analysis.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

MAX_MANIFEST_BYTES = 2_000_000

# ecosystem -> language of the code it builds (npm and maven are refined by file counts)
ECOSYSTEM_LANGUAGE = {
    "go": "go",
    "pypi": "python",
    "npm": "javascript",
    "maven": "java",
    "rubygems": "ruby",
    "composer": "php",
    "cargo": "rust",
}


@dataclass(frozen=True)
class Manifest:
    path: str  # repo-relative
    ecosystem: str
    deps: frozenset[str]
    scripts: tuple[str, ...] = field(default=())


def read_text(path: Path) -> str | None:
    """The text of a small, readable, non-binary file, else None (logged at debug)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        log.debug("skipping unreadable file %s: %s", path, exc)
        return None
    if len(data) > MAX_MANIFEST_BYTES:
        log.debug("skipping huge file %s", path)
        return None
    if b"\0" in data:
        log.debug("skipping binary file %s", path)
        return None
    return data.decode("utf-8", errors="replace")


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _req_names(lines: Iterable[str]) -> set[str]:
    names: set[str] = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQ_NAME.match(line)
        if match:
            names.add(pep503(match.group(1)))
    return names


def parse_requirements(text: str) -> set[str]:
    return _req_names(text.splitlines())


def _toml(text: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        log.debug("invalid TOML manifest: %s", exc)
        return {}


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def parse_pyproject(text: str) -> set[str]:
    data = _toml(text)
    lines: list[str] = []
    deps = _dig(data, "project", "dependencies")
    if isinstance(deps, list):
        lines += [str(d) for d in deps]
    for table in (_dig(data, "project", "optional-dependencies"), data.get("dependency-groups")):
        if isinstance(table, dict):
            for group in table.values():
                if isinstance(group, list):
                    lines += [str(d) for d in group if isinstance(d, str)]
    uv_dev = _dig(data, "tool", "uv", "dev-dependencies")
    if isinstance(uv_dev, list):
        lines += [str(d) for d in uv_dev]
    names = _req_names(lines)
    poetry = _dig(data, "tool", "poetry")
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        groups = poetry.get("group")
        if isinstance(groups, dict):
            tables += [_dig(g, "dependencies") for g in groups.values()]
        for table in tables:
            if isinstance(table, dict):
                names |= {pep503(k) for k in table if k != "python"}
    return names


def parse_pipfile(text: str) -> set[str]:
    data = _toml(text)
    names: set[str] = set()
    for key in ("packages", "dev-packages"):
        table = data.get(key)
        if isinstance(table, dict):
            names |= {pep503(k) for k in table}
    return names


def parse_setup_cfg(text: str) -> set[str]:
    lines: list[str] = []
    collecting = False
    for line in text.splitlines():
        stripped = line.strip()
        if re.match(r"^(install_requires|tests_require)\s*=", stripped) or (
            collecting is False and re.match(r"^\w[\w-]*\s*=", stripped) and "extras" in stripped
        ):
            collecting = True
            rest = stripped.split("=", 1)[1].strip()
            if rest:
                lines.append(rest)
            continue
        if collecting:
            if line[:1].isspace() and stripped:
                lines.append(stripped)
            elif stripped:
                collecting = False
    return _req_names(lines)


def parse_package_json(text: str) -> tuple[set[str], tuple[str, ...]]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        log.debug("invalid package.json: %s", exc)
        return set(), ()
    if not isinstance(data, dict):
        return set(), ()
    names: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        table = data.get(key)
        if isinstance(table, dict):
            names |= set(table)
    scripts = data.get("scripts")
    script_list = tuple(str(v) for v in scripts.values()) if isinstance(scripts, dict) else ()
    return names, script_list


_GO_REQUIRE = re.compile(
    r"^\s*(?:require\s+)?([A-Za-z0-9.\-_~]+(?:/[A-Za-z0-9.\-_~+]+)+)\s+v\S+(.*)$"
)


def parse_go_mod(text: str) -> set[str]:
    """Direct requirements only: `// indirect` ones are other modules' business."""
    names: set[str] = set()
    for line in text.splitlines():
        match = _GO_REQUIRE.match(line)
        if (
            match
            and "// indirect" not in match.group(2)
            and not line.lstrip().startswith(("module", "replace", "exclude", "retract"))
        ):
            names.add(match.group(1))
    return names


_XML_TAG = re.compile(r"<(groupId|artifactId)>\s*([^<\s]+)\s*</\1>")


def parse_pom(text: str) -> set[str]:
    names: set[str] = set()
    group = ""
    for tag, value in _XML_TAG.findall(re.sub(r"<!--.*?-->", "", text, flags=re.S)):
        if tag == "groupId":
            group = value
        else:
            names.add(value)
            if group:
                names.add(f"{group}:{value}")
    return names


_GRADLE_COORD = re.compile(r"""["']([\w.\-]+):([\w.\-]+)(?::[^"']*)?["']""")
_GRADLE_PLUGIN = re.compile(r"""id\s*\(?\s*["']([\w.\-]+)["']""")
_GRADLE_ALIAS = re.compile(r"libs\.([\w.]+)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
VERSION_CATALOG = "gradle/libs.versions.toml"


def parse_gradle(text: str, catalog: dict[str, str] | None = None) -> set[str]:
    """Coordinates, plugin ids and version-catalog accessors (`libs.spring.boot.web` →
    `spring-boot-web`; `libs.spring.springBootStarterWeb`, as catalogs generated from a BOM
    name them → also `spring-boot-starter-web`). `catalog`: accessor → `group:artifact` or
    plugin id, from the build's gradle/libs.versions.toml (see `read_version_catalog`)."""
    names: set[str] = set()
    for group, artifact in _GRADLE_COORD.findall(text):
        names |= {artifact, f"{group}:{artifact}"}
    names |= set(_GRADLE_PLUGIN.findall(text))
    for accessor in _GRADLE_ALIAS.findall(text):
        alias = accessor.replace(".", "-")
        names.add(alias)
        last = accessor.rpartition(".")[2]
        if _CAMEL.search(last):
            names.add(_CAMEL.sub("-", last).lower())
        target = (catalog or {}).get(alias.lower())
        if target:
            names.add(target)
            if ":" in target:
                names.add(target.rpartition(":")[2])
    return names


def read_version_catalog(text: str) -> dict[str, str]:
    """A Gradle version catalog as accessor → what it names: `[libraries]` aliases (`-`, `_`
    and `.` are one separator) → `group:artifact`, `[plugins]` → `plugins-<alias>` → plugin id."""
    data = _toml(text)
    out: dict[str, str] = {}
    libraries = data.get("libraries")
    if isinstance(libraries, dict):
        for alias, spec in libraries.items():
            coordinate = _coordinate(spec)
            if coordinate:
                out[_accessor(alias)] = coordinate
    plugins = data.get("plugins")
    if isinstance(plugins, dict):
        for alias, spec in plugins.items():
            plugin = spec.get("id") if isinstance(spec, dict) else str(spec).partition(":")[0]
            if isinstance(plugin, str) and plugin:
                out["plugins-" + _accessor(alias)] = plugin
    return out


def _coordinate(spec: Any) -> str | None:
    """`group:artifact` of a catalog library: "g:a:1.0", {module = "g:a"}, {group, name}."""
    if isinstance(spec, dict):
        group, name = spec.get("group"), spec.get("name")
        spec = spec.get("module") or (f"{group}:{name}" if group and name else None)
    if isinstance(spec, str) and spec.count(":") >= 1:
        return ":".join(spec.split(":")[:2])
    return None


def _accessor(alias: str) -> str:
    return re.sub(r"[-_.]", "-", alias).lower()


def _version_catalog(root: Path, rel_path: str) -> dict[str, str] | None:
    """The version catalog of the Gradle build a build file belongs to: the nearest
    gradle/libs.versions.toml in its folder or above."""
    directory = rel_path.rpartition("/")[0]
    while True:
        catalog = root / directory / VERSION_CATALOG
        text = read_text(catalog) if catalog.is_file() else None
        if text is not None:
            return read_version_catalog(text)
        if not directory:
            return None
        directory = directory.rpartition("/")[0]


_GEM = re.compile(r"""^\s*gem\s+["']([^"']+)["']""", re.M)
_LOCK_SPEC = re.compile(r"^ {4}([A-Za-z0-9_.\-]+) \(", re.M)


def parse_gemfile(text: str) -> set[str]:
    return set(_GEM.findall(text))


def parse_gemfile_lock(text: str) -> set[str]:
    return set(_LOCK_SPEC.findall(text))


def parse_composer(text: str) -> set[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return set()
    names: set[str] = set()
    if isinstance(data, dict):
        for key in ("require", "require-dev"):
            table = data.get(key)
            if isinstance(table, dict):
                names |= {k.lower() for k in table}
    return names


def parse_cargo(text: str) -> set[str]:
    data = _toml(text)
    names: set[str] = set()
    tables: list[Any] = [
        data.get("dependencies"),
        data.get("dev-dependencies"),
        _dig(data, "workspace", "dependencies"),
    ]
    targets = data.get("target")
    if isinstance(targets, dict):
        tables += [_dig(t, "dependencies") for t in targets.values()]
    for table in tables:
        if isinstance(table, dict):
            names |= set(table)
    return names


_SIMPLE: dict[str, tuple[str, Callable[[str], set[str]]]] = {
    "go.mod": ("go", parse_go_mod),
    "pyproject.toml": ("pypi", parse_pyproject),
    "Pipfile": ("pypi", parse_pipfile),
    "setup.cfg": ("pypi", parse_setup_cfg),
    "setup.py": ("pypi", lambda text: set()),
    "pom.xml": ("maven", parse_pom),
    "build.gradle": ("maven", parse_gradle),
    "build.gradle.kts": ("maven", parse_gradle),
    "Gemfile": ("rubygems", parse_gemfile),
    "Gemfile.lock": ("rubygems", parse_gemfile_lock),
    "composer.json": ("composer", parse_composer),
    "Cargo.toml": ("cargo", parse_cargo),
}

# Every fixed manifest name, in a stable order (requirements files are matched by pattern).
MANIFEST_NAMES = (*_SIMPLE, "package.json")

_REQUIREMENTS = re.compile(r"^requirements[\w.\-]*\.(?:txt|in)$")


def manifest_kind(name: str) -> str | None:
    """The ecosystem of a manifest file name, or None when it isn't one."""
    if name in _SIMPLE:
        return _SIMPLE[name][0]
    if name == "package.json":
        return "npm"
    if _REQUIREMENTS.match(name):
        return "pypi"
    return None


def project_dir_of(rel_path: str) -> str:
    """The project directory a manifest belongs to (requirements/*.txt belong to the parent)."""
    parent = rel_path.rpartition("/")[0]
    if parent == "requirements" or parent.endswith("/requirements"):
        parent = parent.rpartition("/")[0]
    return parent or "."


def parse_manifest(root: Path, rel_path: str) -> Manifest | None:
    name = rel_path.rpartition("/")[2]
    ecosystem = manifest_kind(name)
    if ecosystem is None and rel_path.rpartition("/")[0].endswith("requirements"):
        ecosystem = "pypi" if name.endswith((".txt", ".in")) else None
    if ecosystem is None:
        return None
    text = read_text(root / rel_path)
    if text is None:
        return Manifest(rel_path, ecosystem, frozenset())
    if name == "package.json":
        names, scripts = parse_package_json(text)
        return Manifest(rel_path, ecosystem, frozenset(names), scripts)
    if name in ("build.gradle", "build.gradle.kts"):
        return Manifest(
            rel_path, ecosystem, frozenset(parse_gradle(text, _version_catalog(root, rel_path)))
        )
    parser = _SIMPLE[name][1] if name in _SIMPLE else parse_requirements
    return Manifest(rel_path, ecosystem, frozenset(parser(text)))
