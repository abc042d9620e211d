"""Go syntax shared by the Go extractors: imports, type references, package directories."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from backend_planner.workspace.codemap import syntax

if TYPE_CHECKING:
    from tree_sitter import Node

    from backend_planner.workspace.codemap.extractor import ServiceContext

_VERSION = re.compile(r"^v\d+$")


def default_alias(import_path: str) -> str:
    """The name a package is used by when imported without an alias: the last path element
    (`github.com/go-chi/chi/v5` → `chi`, `gopkg.in/yaml.v3` → `yaml`)."""
    parts = [p for p in import_path.split("/") if p]
    if len(parts) > 1 and _VERSION.match(parts[-1]):
        parts.pop()
    last = parts[-1] if parts else import_path
    last = re.sub(r"\.v\d+$", "", last)
    return last.replace("-", "_")


def imports(root: Node) -> dict[str, str]:
    """alias → import path of a file (blank and dot imports left out).

    A path ending in a version element (`chi/v5`, `routers/api/v1`) is a module's major
    version or a package really named `v1`: it is known by both names, unless another import
    already uses the name (`".../api"` and `".../api/v1"` side by side)."""
    out: dict[str, str] = {}
    versioned: list[str] = []
    for _, match in syntax.matches("go", "go-imports", root):
        path = syntax.string_value(match["path"][0])
        if not path:
            continue
        alias_nodes = match.get("alias")
        if not alias_nodes and _VERSION.match(path.rsplit("/", 1)[-1]):
            versioned.append(path)
            continue
        alias = syntax.text(alias_nodes[0]) if alias_nodes else default_alias(path)
        if alias in ("_", "."):
            continue
        out[alias] = path
    for path in versioned:
        out.setdefault(default_alias(path), path)
        out.setdefault(path.rsplit("/", 1)[-1], path)
    return out


def type_ref(node: Node | None) -> list[str | None] | None:
    """A type as [package alias or None, name, shape]: `*gin.RouterGroup` → ["gin",
    "RouterGroup", "*"], `[]Comment` and `map[string]Comment` → [None, "Comment", "[]"]; None
    for other types."""
    shape = ""
    while node is not None and node.type in (
        "pointer_type",
        "slice_type",
        "array_type",
        "map_type",
        "parenthesized_type",
    ):
        if node.type == "pointer_type":
            shape += "*"
        elif node.type != "parenthesized_type":
            shape += "[]"  # a map is read as a collection of its values
        node = (
            node.child_by_field_name("value")
            if node.type == "map_type"
            else node.child_by_field_name("element") or _last_named(node)
        )
    if node is None:
        return None
    if node.type == "generic_type":
        node = node.child_by_field_name("type")
        if node is None:
            return None
    if node.type == "qualified_type":
        package = node.child_by_field_name("package")
        name = node.child_by_field_name("name")
        return [syntax.text(package), syntax.text(name), shape]
    if node.type in ("type_identifier", "identifier"):
        return [None, syntax.text(node), shape]
    return None


def _last_named(node: Node) -> Node | None:
    named = node.named_children
    return named[-1] if named else None


_MODULE = re.compile(r"^\s*module\s+(\S+)", re.MULTILINE)
_REQUIRE = re.compile(r"^\s*(?:require\s+)?([\w.~\-]+(?:/[\w.~\-]+)*)\s+v\d\S*", re.MULTILINE)


class Packages:
    """Where the imported packages of a service are: import path → repo-relative directory.

    Read from the `module` lines of its go.mod files; an import path outside every module of
    the service and outside every module its go.mod files require (a stale module name, a
    GOPATH-era `myapp/users` import) is matched to the directory whose path ends like it."""

    def __init__(self, ctx: ServiceContext, go_dirs: Iterable[str]) -> None:
        self.dirs = sorted(set(go_dirs))
        self.known: dict[str, str] = {}
        self.modules: list[str] = []
        self.required: list[str] = []
        self._cache: dict[str, str | None] = {}
        for mod in (f for f in ctx.files if posixpath.basename(f) == "go.mod"):
            text = ctx.read_text(mod, limit=64 * 1024) or ""
            found = _MODULE.search(text)
            if not found:
                continue
            module = found.group(1).strip('"')
            self.modules.append(module)
            self.required.extend(
                m for m in _REQUIRE.findall(text) if m not in ("module", "go", "toolchain")
            )
            self._map_module(module, posixpath.dirname(mod))

    def _map_module(self, module: str, base: str) -> None:
        for directory in self.dirs:
            if base and directory != base and not directory.startswith(base + "/"):
                continue
            rel = directory[len(base) :].lstrip("/") if base else directory
            path = f"{module}/{rel}" if rel and rel != "." else module
            self.known.setdefault(path, directory)

    def dir_of(self, import_path: str) -> str | None:
        """The directory of an imported package of the service, or None (an outside package)."""
        if import_path in self.known:
            return self.known[import_path]
        if import_path not in self._cache:
            self._cache[import_path] = (
                None if self._outside(import_path) else _ending_like(import_path, self.dirs)
            )
        return self._cache[import_path]

    def _outside(self, import_path: str) -> bool:
        """A package of a required module, a missing one of the service's own modules, or
        (in a service whose modules are named by a domain) the standard library."""
        if any(
            import_path == m or import_path.startswith(m + "/")
            for m in self.modules + self.required
        ):
            return True
        return "." not in import_path.split("/")[0] and any(
            "." in m.split("/")[0] for m in self.modules
        )


def _ending_like(import_path: str, go_dirs: Iterable[str]) -> str | None:
    """The directory whose path ends like the import path (the longest match), or None."""
    parts = import_path.split("/")
    best: str | None = None
    best_len = 0
    for directory in go_dirs:
        dparts = directory.split("/")
        n = 0
        while n < min(len(parts), len(dparts)) and parts[-1 - n] == dparts[-1 - n]:
            n += 1
        if n > best_len:
            best, best_len = directory, n
    return best


@functools.lru_cache(maxsize=65536)
def dirname(path: str) -> str:
    return posixpath.dirname(path)
