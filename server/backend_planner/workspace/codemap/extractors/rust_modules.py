"""Rust items shared by the Rust extractors: a file's functions (with their module, impl type and
line), `use` imports and string constants as facts, and the index that finds a function or a
constant named in one file (`handlers::users::create`, `Self::routes`, an imported `create`)
among the facts of all files — by module path first, then by a unique name."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax

if TYPE_CHECKING:
    from tree_sitter import Node

FunctionReader = Callable[["Node", list["Node"]], dict[str, Any]]

_RELATIVE = ("crate", "self", "super", "Self")
_MAX_REEXPORT_DEPTH = 4


def read_items(root: Node, read_function: FunctionReader) -> dict[str, Any]:
    """Facts of a file: {"functions": […], "uses": {alias: path}, "consts": {name: text},
    "exports": {alias: path}} — `exports` are the `pub use` re-exports other modules call through
    (`pub use users::routes as user_routes;` in `api/mod.rs` serves `api::user_routes`).
    `read_function(fn_node, attribute_nodes)` adds what an extractor wants of each function."""
    facts: dict[str, Any] = {"functions": [], "uses": {}, "consts": {}, "exports": {}}
    _read_scope(root, [], None, facts, read_function)
    if not facts["exports"]:
        del facts["exports"]
    return facts if facts["functions"] or facts["consts"] or facts.get("exports") else {}


def _read_scope(
    node: Node,
    module: list[str],
    owner: str | None,
    facts: dict[str, Any],
    read_function: FunctionReader,
) -> None:
    attributes: list[Node] = []
    for child in node.named_children:
        kind = child.type
        if kind == "attribute_item":
            attributes.append(child)
            continue
        if kind == "function_item":
            _read_function(child, attributes, module, owner, facts, read_function)
        elif kind == "impl_item":
            body = child.child_by_field_name("body")
            type_node = child.child_by_field_name("type")
            if body is not None:
                name = _type_name(syntax.text(type_node))
                _read_scope(body, module, name, facts, read_function)
        elif kind == "mod_item":
            body = child.child_by_field_name("body")
            if body is not None:
                inner = [*module, syntax.text(child.child_by_field_name("name"))]
                _read_scope(body, inner, None, facts, read_function)
        elif kind == "use_declaration":
            _read_use(child.child_by_field_name("argument"), [], facts["uses"])
            if not module and _is_public(child):
                _read_use(child.child_by_field_name("argument"), [], facts["exports"])
        elif kind in ("const_item", "static_item"):
            value = syntax.string_value(child.child_by_field_name("value"))
            if value is not None:
                facts["consts"][syntax.text(child.child_by_field_name("name"))] = value
        elif kind == "declaration_list":
            _read_scope(child, module, owner, facts, read_function)
        if kind not in ("line_comment", "block_comment"):
            attributes = []


def _read_function(
    node: Node,
    attributes: list[Node],
    module: list[str],
    owner: str | None,
    facts: dict[str, Any],
    read_function: FunctionReader,
) -> None:
    entry: dict[str, Any] = {
        "name": syntax.text(node.child_by_field_name("name")),
        "line": syntax.line(node),
    }
    if module:
        entry["mod"] = module
    if owner:
        entry["owner"] = owner
    entry.update(read_function(node, attributes))
    facts["functions"].append(entry)
    body = node.child_by_field_name("body")
    if body is not None:  # functions declared inside a function
        for child in body.named_children:
            if child.type == "function_item":
                _read_function(child, [], module, owner, facts, read_function)


def _is_public(node: Node) -> bool:
    return any(c.type == "visibility_modifier" for c in node.children)


def _type_name(text: str) -> str:
    """`Foo<T>` / `crate::x::Foo` / `&Foo` → Foo."""
    text = text.split("<", 1)[0].strip().lstrip("&").strip()
    return text.rsplit("::", 1)[-1]


def _read_use(node: Node | None, prefix: list[str], uses: dict[str, str]) -> None:
    """`use a::b::{c, d as e, self};` → {c: a::b::c, e: a::b::d, b: a::b}."""
    if node is None:
        return
    kind = node.type
    if kind in ("identifier", "scoped_identifier", "crate", "self", "super"):
        path = [*prefix, *syntax.text(node).replace(" ", "").split("::")]
        name = path[-1]
        if name == "self" and len(path) > 1:
            path = path[:-1]
            name = path[-1]
        uses[name] = "::".join(path)
    elif kind == "use_as_clause":
        path = [
            *prefix,
            *syntax.text(node.child_by_field_name("path")).replace(" ", "").split("::"),
        ]
        uses[syntax.text(node.child_by_field_name("alias"))] = "::".join(path)
    elif kind == "scoped_use_list":
        path_node = node.child_by_field_name("path")
        inner = (
            [*prefix, *syntax.text(path_node).replace(" ", "").split("::")] if path_node else prefix
        )
        _read_use(node.child_by_field_name("list"), inner, uses)
    elif kind == "use_list":
        for child in node.named_children:
            _read_use(child, prefix, uses)


def _path_parts(node: Node | None) -> list[str]:
    return [p for p in re.sub(r"\s+", "", syntax.text(node)).split("::") if p]


def module_of(path: str) -> list[str]:
    """A file's module path: `src/api/users.rs` → [api, users]; `src/api/mod.rs` → [api];
    `src/main.rs` → []."""
    parts = path.split("/")
    if "src" in parts:
        parts = parts[len(parts) - parts[::-1].index("src") :]
    if not parts:
        return []
    last = parts[-1]
    if last.endswith(".rs"):
        last = last[:-3]
    parts = [*parts[:-1], last]
    if parts[-1] in ("mod", "main", "lib"):
        parts = parts[:-1]
    return parts


@dataclass
class Function:
    file: str
    name: str
    owner: str | None
    scope: list[str]  # module path segments, then the impl type
    line: int
    facts: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def display(self) -> str:
        return f"{self.owner}::{self.name}" if self.owner else self.name


class FunctionIndex:
    """Every function and string constant of a service's Rust files, found by written path."""

    def __init__(
        self, facts: Mapping[str, Mapping[str, Any]], crates: Mapping[str, str] | None = None
    ) -> None:
        # crate name as code writes it (`notes_api`) -> its directory prefix (`api/`), for paths
        # into the other crates of a Cargo workspace
        self.crates = dict(crates or {})
        self.functions: list[Function] = []
        self.by_name: dict[str, list[Function]] = {}
        self.uses: dict[str, dict[str, str]] = {}
        self.consts: dict[str, dict[str, str]] = {}
        self.exports: dict[str, list[tuple[str, list[str], str]]] = {}
        for file in sorted(facts):
            file_facts = facts[file]
            self.uses[file] = dict(file_facts.get("uses", {}))
            self.consts[file] = dict(file_facts.get("consts", {}))
            module = module_of(file)
            for alias, target in file_facts.get("exports", {}).items():
                self.exports.setdefault(alias, []).append((file, module, target))
            for entry in file_facts.get("functions", []):
                owner = entry.get("owner")
                scope = [*module, *entry.get("mod", []), *([owner] if owner else [])]
                function = Function(file, entry["name"], owner, scope, entry["line"], entry)
                self.functions.append(function)
                self.by_name.setdefault(function.name, []).append(function)

    def _expand(self, written: str, file: str) -> list[str]:
        """A written path with its first segment replaced by what the file imports as it."""
        parts = [p for p in written.split("::") if p]
        uses = self.uses.get(file, {})
        if parts and parts[0] in uses:
            parts = uses[parts[0]].split("::") + parts[1:]
        return [p for p in parts if p not in _RELATIVE]

    def lookup(self, written: str | None, file: str, depth: int = 0) -> Function | None:
        """The function a path written in `file` names, or None when unknown or ambiguous.
        A name no function has is followed through the `pub use` re-exports of its module."""
        if not written:
            return None
        parts = self._expand(written, file)
        if not parts:
            return None
        name, qualifiers = parts[-1], parts[:-1]
        candidates = self.by_name.get(name, [])
        if qualifiers and qualifiers[0] in self.crates:  # `other_crate::module::name`
            prefix = self.crates[qualifiers[0]]
            inside = [c for c in candidates if c.file.startswith(prefix)]
            if inside:
                candidates, qualifiers = inside, qualifiers[1:]
        if not candidates:
            return self._reexported(name, qualifiers, depth)
        if qualifiers:
            scored = [(_common_suffix(qualifiers, c.scope), c) for c in candidates]
            best = max(score for score, _ in scored)
            if best == 0:
                return self._lifted(name, qualifiers, candidates) or self._reexported(
                    name, qualifiers, depth
                )
            candidates = [c for score, c in scored if score == best]
        same_file = [c for c in candidates if c.file == file]
        if same_file:
            candidates = same_file
        if len(candidates) == 1 or qualifiers:
            return candidates[0]
        free = [c for c in candidates if c.owner is None]
        return free[0] if len(free) == 1 else None

    @staticmethod
    def _lifted(name: str, qualifiers: list[str], candidates: list[Function]) -> Function | None:
        """The one free function `name` of a module below the written one: what a parent module
        re-exports (`pub use health::*;` in `routes/mod.rs` serves `routes::health_check`)."""
        nested = [
            c
            for c in candidates
            if c.owner is None and c.scope[: len(qualifiers)] == qualifiers and c.name == name
        ]
        return nested[0] if len(nested) == 1 else None

    def _reexported(self, name: str, qualifiers: list[str], depth: int) -> Function | None:
        """The function a module re-exports as `name` (`pub use x::routes as name;`), the module
        matching the written qualifiers when there are any."""
        if depth >= _MAX_REEXPORT_DEPTH:
            return None
        found = [
            (file, target)
            for file, module, target in self.exports.get(name, [])
            if not qualifiers or _common_suffix(qualifiers, module) > 0
        ]
        if len(found) != 1:
            return None
        file, target = found[0]
        return self.lookup(target, file, depth + 1)

    def constant(self, written: str, file: str) -> str | None:
        """The value of a string constant named in `file`."""
        parts = self._expand(written, file)
        if not parts:
            return None
        name = parts[-1]
        if name in self.consts.get(file, {}):
            return self.consts[file][name]
        values = {consts[name] for consts in self.consts.values() if name in consts}
        return values.pop() if len(values) == 1 else None


def _common_suffix(qualifiers: list[str], scope: list[str]) -> int:
    count = 0
    for a, b in zip(reversed(qualifiers), reversed(scope), strict=False):
        if a != b:
            break
        count += 1
    return count


_PACKAGE_NAME = re.compile(r'^\s*name\s*=\s*"([^"]+)"', re.MULTILINE)


def crates_of(files: Iterable[str], read_text: Callable[[str], str | None]) -> dict[str, str]:
    """The crates holding these files: the `[package] name` of each `<dir>/Cargo.toml` above a
    `src/` (hyphens written as underscores, as code names a crate) -> `<dir>/`."""
    dirs = sorted({f[: f.index("src/")] for f in files if f.startswith("src/") or "/src/" in f})
    out: dict[str, str] = {}
    for directory in dirs:
        text = read_text(f"{directory}Cargo.toml")
        if not text or "[package]" not in text:
            continue
        package = text[text.index("[package]") :]
        match = _PACKAGE_NAME.search(package)
        if match:
            out[match.group(1).replace("-", "_")] = directory
    return out
