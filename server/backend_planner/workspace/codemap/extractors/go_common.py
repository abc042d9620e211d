"""Go syntax shared by the Go extractors: imports, type references, package directories."""

from __future__ import annotations

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
    """alias → import path of a file (blank and dot imports left out)."""
    out: dict[str, str] = {}
    for _, match in syntax.matches("go", "go-imports", root):
        path = syntax.string_value(match["path"][0])
        if not path:
            continue
        alias_nodes = match.get("alias")
        alias = syntax.text(alias_nodes[0]) if alias_nodes else default_alias(path)
        if alias in ("_", "."):
            continue
        out[alias] = path
    return out


def type_ref(node: Node | None) -> list[str | None] | None:
    """A type as [package alias or None, name, shape]: `*gin.RouterGroup` → ["gin",
    "RouterGroup", "*"], `[]Comment` → [None, "Comment", "[]"]; None for other types."""
    shape = ""
    while node is not None and node.type in (
        "pointer_type",
        "slice_type",
        "array_type",
        "parenthesized_type",
    ):
        if node.type == "pointer_type":
            shape += "*"
        elif node.type != "parenthesized_type":
            shape += "[]"
        node = node.child_by_field_name("element") or _last_named(node)
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


def package_dirs(ctx: ServiceContext, go_dirs: Iterable[str]) -> dict[str, str]:
    """import path → repo-relative directory, for the Go packages of a service (read from its
    go.mod files' `module` lines)."""
    out: dict[str, str] = {}
    dirs = sorted(set(go_dirs))
    for mod in (f for f in ctx.files if posixpath.basename(f) == "go.mod"):
        text = ctx.read_text(mod, limit=64 * 1024) or ""
        found = re.search(r"^\s*module\s+(\S+)", text, re.MULTILINE)
        if not found:
            continue
        module = found.group(1).strip('"')
        base = posixpath.dirname(mod)
        for directory in dirs:
            if base and directory != base and not directory.startswith(base + "/"):
                continue
            rel = directory[len(base) :].lstrip("/") if base else directory
            path = f"{module}/{rel}" if rel and rel != "." else module
            out.setdefault(path, directory)
    return out


def package_dir(import_path: str, known: dict[str, str], go_dirs: Iterable[str]) -> str | None:
    """The directory of an imported package of the service, or None (an outside package)."""
    if import_path in known:
        return known[import_path]
    # no go.mod: the directory whose path ends like the import path
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


def dirname(path: str) -> str:
    return posixpath.dirname(path)
