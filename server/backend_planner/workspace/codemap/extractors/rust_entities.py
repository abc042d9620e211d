"""Rust entities: Diesel schemas and models, SeaORM entities.

`extract` reads a file's Diesel `table!` macros (columns with their SQL types, `Nullable<…>`,
the primary key), `joinable!` macros (foreign keys), structs deriving Diesel traits with their
table (`#[diesel(table_name = users)]`, `#[table_name = "users"]`, else Diesel's default: the
struct name in snake case plus `s`) and SeaORM `Model` structs (`#[sea_orm(table_name = "x")]`,
`primary_key`, `unique`, `nullable`, `belongs_to` relations).

`resolve` makes one entity per table: named after the struct that reads its rows (`User` for
`users`, rather than `NewUser`), its columns from `table!` when there is one (else the struct's
fields), foreign keys from `joinable!`; the other structs over the same table are its sources.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors.rust_modules import module_of
from backend_planner.workspace.codemap.extractors.sql_ddl import entity_name
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Entity, EntityField

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class DieselMacro:
    name: str
    role: str  # table | join


@dataclass(frozen=True)
class DieselDerive:
    name: str
    model: bool


@dataclass(frozen=True)
class Named:
    name: str


@cache
def _macros() -> dict[str, str]:
    return {r.name: r.role for r in load_rules("rust", "diesel_macro", DieselMacro)}


@cache
def _derives() -> dict[str, bool]:
    return {r.name: r.model for r in load_rules("rust", "diesel_derive", DieselDerive)}


@cache
def _sea_orm_derives() -> frozenset[str]:
    return frozenset(r.name for r in load_rules("rust", "sea_orm_derive", Named))


# ------------------------------------------------------------------------------ table! parsing

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_TABLE = re.compile(
    r"(?P<attrs>(?:#\s*\[[^\]]*\]\s*)*)"
    r"(?P<name>\w+(?:\s*\.\s*\w+)?)\s*(?:\((?P<key>[^)]*)\))?\s*\{(?P<body>[^{}]*)\}"
)
_COLUMN = re.compile(
    r"(?P<attrs>(?:#\s*\[[^\]]*\]\s*)*)(?P<name>\w+)\s*->\s*(?P<type>[^,]+?)\s*(?:,|$)"
)
_SQL_NAME = re.compile(r"sql_name\s*=\s*\"([^\"]+)\"")
_JOIN = re.compile(r"(\w+)\s*->\s*(\w+)\s*\(\s*(\w+)\s*\)")


def parse_table_macro(text: str, first_line: int) -> list[dict[str, Any]]:
    """`users (id) { id -> Int4, bio -> Nullable<Text>, }` (the macro's body) → tables."""
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    tables = []
    for match in _TABLE.finditer(text):
        sql_name = _SQL_NAME.search(match.group("attrs"))
        name = sql_name.group(1) if sql_name else match.group("name").split(".")[-1].strip()
        keys = [k.strip() for k in (match.group("key") or "id").split(",") if k.strip()]
        line = first_line + text.count("\n", 0, match.start("name"))
        columns = []
        body_start = match.start("body")
        for column in _COLUMN.finditer(match.group("body")):
            renamed = _SQL_NAME.search(column.group("attrs"))
            written = column.group("name")
            columns.append(
                {
                    "name": renamed.group(1) if renamed else written,
                    "key": written,
                    "type": re.sub(r"\s+", "", column.group("type")),
                    "line": first_line + text.count("\n", 0, body_start + column.start("name")),
                }
            )
        tables.append({"table": name, "key": keys, "line": line, "columns": columns})
    return tables


def _diesel_type(written: str) -> tuple[str, bool]:
    """`Nullable<Text>` → ('Text', True); `Array<Nullable<Int4>>` → ('Array<Nullable<Int4>>',
    False)."""
    written = written.split("::")[-1] if "<" not in written else written
    match = re.fullmatch(r"(?:\w+::)*Nullable<(.+)>", written)
    if match:
        return match.group(1), True
    return written, False


# ------------------------------------------------------------------------------ struct parsing


def _attribute_text(item: Node) -> str:
    return re.sub(r"\s+", " ", syntax.text(item))


_DERIVE_ATTRIBUTE = re.compile(r"#\s*\[\s*(?:derive|cfg_attr)\s*\(")
_DERIVE_LIST = re.compile(r"\bderive\s*\(([^()]*)\)")


def _derives_of(attributes: list[Node]) -> list[str]:
    """The traits a struct derives: `#[derive(A, B)]`, and the derives applied under a
    condition, `#[cfg_attr(feature = "full", derive(Queryable, Identifiable))]`."""
    names: list[str] = []
    for item in attributes:
        text = _attribute_text(item)
        if not _DERIVE_ATTRIBUTE.match(text):
            continue
        for match in _DERIVE_LIST.finditer(text):
            names.extend(p.strip().split("::")[-1] for p in match.group(1).split(",") if p.strip())
    return names


def _table_name(attributes: list[Node]) -> str | None:
    for item in attributes:
        text = _attribute_text(item)
        match = re.search(r"table_name\s*=\s*\"?([\w:]+)\"?", text)
        if match and ("diesel" in text or "table_name" in text.split("(")[0]):
            return match.group(1).split("::")[-1]
    return None


def _sea_orm(attributes: list[Node], key: str) -> str | None:
    for item in attributes:
        text = _attribute_text(item)
        if "sea_orm" not in text:
            continue
        match = re.search(rf"\b{key}\s*=\s*\"([^\"]*)\"", text)
        if match:
            return match.group(1)
        if re.search(rf"\b{key}\b", text):
            return ""
    return None


def _struct_fields(struct: Node) -> list[dict[str, Any]]:
    body = struct.child_by_field_name("body")
    fields: list[dict[str, Any]] = []
    if body is None or body.type != "field_declaration_list":
        return fields
    attributes: list[Node] = []
    for child in body.named_children:
        if child.type == "attribute_item":
            attributes.append(child)
            continue
        if child.type != "field_declaration":
            continue
        type_text = re.sub(r"\s+", "", syntax.text(child.child_by_field_name("type")))
        option = re.fullmatch(r"(?:\w+::)*Option<(.+)>", type_text)
        field: dict[str, Any] = {
            "name": syntax.text(child.child_by_field_name("name")),
            "type": option.group(1) if option else type_text,
            "nullable": bool(option),
            "line": syntax.line(child),
        }
        column = _sea_orm(attributes, "column_name")
        if column:
            field["name"] = column
        if _sea_orm(attributes, "primary_key") is not None:
            field["primary_key"] = True
        if _sea_orm(attributes, "unique") is not None:
            field["unique"] = True
        if _sea_orm(attributes, "nullable") is not None:
            field["nullable"] = True
        fields.append(field)
        attributes = []
    return fields


def _relations(enum: Node) -> list[dict[str, str]]:
    """SeaORM `enum Relation { #[sea_orm(belongs_to = "super::user::Entity", from =
    "Column::AuthorId", to = "super::user::Column::Id")] User }` → foreign keys."""
    out = []
    for item in _descendants(enum, "attribute_item"):
        target = _sea_orm([item], "belongs_to")
        source = _sea_orm([item], "from")
        to = _sea_orm([item], "to")
        if target and source:
            out.append({"target": target, "from": source, "to": to or ""})
    return out


def _descendants(node: Node, kind: str) -> list[Node]:
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            found.append(current)
        stack.extend(current.named_children)
    return found


_WRAPPED_MODEL = re.compile(r"#\s*\[\s*(?:derive|cfg_attr)\s*\(.*?\bstruct\s", re.S)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class _FileReader:
    def __init__(self) -> None:
        self.facts: dict[str, Any] = {"tables": [], "joins": [], "structs": [], "relations": []}
        self.depth = 0

    def read(self, node: Node, module: list[str]) -> None:
        attributes: list[Node] = []
        for child in node.named_children:
            kind = child.type
            if kind == "attribute_item":
                attributes.append(child)
                continue
            if kind == "macro_invocation":
                self._macro(child)
            elif kind == "expression_statement" and child.named_children:
                if child.named_children[0].type == "macro_invocation":
                    self._macro(child.named_children[0])
            elif kind == "struct_item":
                self._struct(child, attributes, module)
            elif kind == "enum_item" and syntax.text(child.child_by_field_name("name")) == (
                "Relation"
            ):
                for relation in _relations(child):
                    self.facts["relations"].append({**relation, "mod": module})
            elif kind == "mod_item":
                body = child.child_by_field_name("body")
                if body is not None:
                    self.read(body, [*module, syntax.text(child.child_by_field_name("name"))])
            if kind not in ("line_comment", "block_comment"):
                attributes = []

    def _macro(self, node: Node) -> None:
        name = syntax.text(node.child_by_field_name("macro")).split("::")[-1].strip()
        role = _macros().get(name)
        tree = next((c for c in node.named_children if c.type == "token_tree"), None)
        if tree is None:
            return
        if role is None:
            self._wrapped_items(tree)
            return
        body = syntax.text(tree)[1:-1]
        if role == "table":
            self.facts["tables"].extend(parse_table_macro(body, syntax.line(tree)))
        elif role == "join":
            match = _JOIN.search(body)
            if match:
                self.facts["joins"].append(list(match.groups()))

    def _wrapped_items(self, tree: Node) -> None:
        """Model structs a project macro wraps (`db_object! { #[derive(Queryable)] struct … }`):
        the macro body is read as items, on the lines it is written at."""
        if self.depth or not _WRAPPED_MODEL.search(syntax.text(tree)):
            return
        body = "\n" * tree.start_point.row + syntax.text(tree)[1:-1]
        self.depth += 1
        try:
            self.read(syntax.parse("rust", body.encode()).root_node, [])
        finally:
            self.depth -= 1

    def _struct(self, node: Node, attributes: list[Node], module: list[str]) -> None:
        derives = _derives_of(attributes)
        name = syntax.text(node.child_by_field_name("name"))
        struct: dict[str, Any] = {"name": name, "line": syntax.line(node), "mod": module}
        if any(d in _sea_orm_derives() for d in derives):
            struct["orm"] = "sea-orm"
            struct["table"] = _sea_orm(attributes, "table_name") or _snake(name)
        elif any(d in _derives() for d in derives):
            struct["orm"] = "diesel"
            struct["model"] = any(_derives().get(d) for d in derives)
            explicit = _table_name(attributes)
            struct["table"] = explicit or _snake(name) + "s"
            struct["named"] = bool(explicit)
        else:
            return
        struct["fields"] = _struct_fields(node)
        self.facts["structs"].append(struct)


class RustEntitiesExtractor(Extractor):
    """Entities of Diesel and SeaORM services."""

    name = "rust-entities"
    version = 4
    extensions = frozenset({".rs"})
    # a model file may name no `diesel` path at all: `#[derive(Queryable)] pub struct User`
    markers = (b"table!", b"diesel", b"sea_orm", *(name.encode() for name in _derives()))
    languages = frozenset({"rust"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        reader = _FileReader()
        reader.read(syntax.parse("rust", source).root_node, [])
        facts = {k: v for k, v in reader.facts.items() if v}
        return facts or None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables: dict[str, tuple[str, dict[str, Any]]] = {}
        structs: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        joins: dict[tuple[str, str], str] = {}
        module_tables: dict[str, str] = {}
        relations: list[tuple[str, dict[str, Any]]] = []
        for path in sorted(facts):
            file_facts = facts[path]
            for table in file_facts.get("tables", []):
                tables.setdefault(table["table"], (path, table))
            for child, parent, column in file_facts.get("joins", []):
                joins[(child, column)] = parent
            for struct in file_facts.get("structs", []):
                structs.setdefault(struct["table"], []).append((path, struct))
                if struct.get("orm") == "sea-orm":
                    module = [*module_of(path), *struct["mod"]]
                    module_tables["::".join(module[-1:])] = struct["table"]
            for relation in file_facts.get("relations", []):
                relations.append((path, relation))
        references = dict(joins)
        for (child, column), parent in joins.items():
            key = tables.get(parent, ("", {}))[1].get("key") or ["id"]
            references[(child, column)] = f"{parent}.{key[0]}" if len(key) == 1 else parent
        for path, relation in relations:
            self._sea_orm_reference(path, relation, module_tables, references)
        # A Diesel struct naming no table is a row type of a query (a join, a projection)
        # unless its default table exists: with a schema, keep only those.
        if tables:
            structs = {
                table: kept
                for table, found in structs.items()
                if (
                    kept := [
                        (p, s)
                        for p, s in found
                        if table in tables or s.get("orm") != "diesel" or s.get("named")
                    ]
                )
            }
        entities = []
        for table in sorted(set(tables) | set(structs)):
            entities.append(
                self._entity(table, tables.get(table), structs.get(table, []), references)
            )
        return Part(entities=entities)

    @staticmethod
    def _sea_orm_reference(
        path: str,
        relation: dict[str, Any],
        module_tables: dict[str, str],
        references: dict[tuple[str, str], str],
    ) -> None:
        own = [*module_of(path), *relation["mod"]]
        child = module_tables.get("::".join(own[-1:]))
        target_parts = [p for p in relation["target"].split("::") if p not in ("super", "crate")]
        parent = module_tables.get(target_parts[-2]) if len(target_parts) >= 2 else None
        if not child or not parent:
            return
        column = _snake(relation["from"].split("::")[-1])
        to = _snake(relation["to"].split("::")[-1]) if relation["to"] else ""
        references[(child, column)] = f"{parent}.{to}" if to else parent

    @staticmethod
    def _entity(
        table: str,
        schema: tuple[str, dict[str, Any]] | None,
        structs: list[tuple[str, dict[str, Any]]],
        references: dict[tuple[str, str], str],
    ) -> Entity:
        model = _model(table, structs)
        fields: list[EntityField] = []
        if schema is not None:
            keys = set(schema[1].get("key", []))
            for column in schema[1]["columns"]:
                sql_type, nullable = _diesel_type(column["type"])
                fields.append(
                    EntityField(
                        name=column["name"],
                        type=sql_type,
                        nullable=nullable,
                        primary_key=column["key"] in keys,
                        references=references.get((table, column["name"])),
                    )
                )
        elif model is not None:
            for field in model[1].get("fields", []):
                fields.append(
                    EntityField(
                        name=field["name"],
                        type=field["type"],
                        nullable=field["nullable"],
                        unique=bool(field.get("unique")),
                        primary_key=bool(field.get("primary_key")),
                        references=references.get((table, field["name"])),
                    )
                )
        if model is not None:
            path, struct = model
            name = struct["name"] if struct.get("orm") == "diesel" else entity_name(table)
            place = (path, struct["line"])
        else:
            assert schema is not None
            name, place = entity_name(table), (schema[0], schema[1]["line"])
        sources = [f"{p}:{s['line']}" for p, s in structs if (p, s["line"]) != place]
        if schema is not None and (schema[0], schema[1]["line"]) != place:
            sources.insert(0, f"{schema[0]}:{schema[1]['line']}")
        return Entity(
            name=name, table=table, file=place[0], line=place[1], fields=fields, sources=sources
        )


def _model(
    table: str, structs: list[tuple[str, dict[str, Any]]]
) -> tuple[str, dict[str, Any]] | None:
    """The struct an entity is named after: a row-reading struct, best one named like the
    table (`User` for `users`), else the first one."""
    if not structs:
        return None
    singular = entity_name(table).lower()

    def rank(entry: tuple[str, dict[str, Any]]) -> tuple[int, int, str, int]:
        path, struct = entry
        reads_rows = struct.get("orm") == "sea-orm" or bool(struct.get("model"))
        return (
            0 if reads_rows else 1,
            0 if struct["name"].lower() == singular else 1,
            path,
            struct["line"],
        )

    return min(structs, key=rank)


EXTRACTORS = [RustEntitiesExtractor]
