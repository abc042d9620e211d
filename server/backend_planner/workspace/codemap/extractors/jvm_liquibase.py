"""Liquibase changelogs (XML and YAML): the tables their changes build.

Every changelog file is read (so `include`/`includeAll` need no following); the changes of all
files are applied in path order: `createTable` (columns with their `constraints`: nullable,
unique, primaryKey, references / referencedTableName), `addColumn`, `addUniqueConstraint`,
`createIndex`, `addForeignKeyConstraint`, `addPrimaryKey`, `addNotNullConstraint`,
`dropTable`. An entity is named after its table. A changeSet run only in a test context
(`context="test"`) builds no table of the application.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

Element = dict[str, Any]  # {"tag", "attrs": {name: text}, "line", "children": [Element]}
MAX_DEPTH = 100


@dataclass(frozen=True)
class TestContext:
    name: str


TEST_CONTEXTS = frozenset(c.name for c in load_rules("jvm", "liquibase_test_context", TestContext))
CONTEXT_WORDS = re.compile(r"[^\s,()!]+")


class LiquibaseChangelogs(Extractor):
    name = "jvm-liquibase"
    version = 2
    extensions = frozenset({".xml", ".yaml", ".yml"})
    markers = (b"databaseChangeLog",)

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = _read_xml(source) if path.lower().endswith(".xml") else _read_yaml(source)
        if root is None:
            return None
        changes: list[dict[str, Any]] = []
        _collect(root, changes, 0)
        return {"changes": changes} if changes else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables: dict[str, Entity] = {}
        for path in sorted(facts):
            for change in facts[path].get("changes", []):
                _apply(change, path, tables)
        return Part(entities=list(tables.values()))


# ---------------------------------------------------------------- reading


def _read_xml(source: bytes) -> Element | None:
    parser = expat.ParserCreate()
    root: Element = {"tag": "", "attrs": {}, "line": 1, "children": []}
    stack = [root]

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = {
            "tag": tag.rpartition(":")[2],
            "attrs": attrs,
            "line": parser.CurrentLineNumber,
            "children": [],
        }
        stack[-1]["children"].append(element)
        stack.append(element)

    def end(tag: str) -> None:
        if len(stack) > 1:
            stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with contextlib.suppress(expat.ExpatError):  # keep what came before the error
        parser.Parse(source, True)
    return root


def _read_yaml(source: bytes) -> Element | None:
    import yaml

    try:
        node = yaml.compose(source.decode("utf-8", errors="replace"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    return _yaml_element("", node, 0)


def _yaml_element(tag: str, node: Any, depth: int) -> Element:
    """A YAML mapping as an element: scalars are attributes; a list of one-key mappings or a
    nested mapping are children (`columns: [- column: {...}]`, `constraints: {...}`)."""
    import yaml

    element: Element = {
        "tag": tag,
        "attrs": {},
        "line": node.start_mark.line + 1,
        "children": [],
    }
    if depth > MAX_DEPTH:
        return element
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    for key, value in pairs:
        name = str(key.value)
        if isinstance(value, yaml.ScalarNode):
            element["attrs"][name] = str(value.value)
        elif isinstance(value, yaml.MappingNode):
            element["children"].append(_yaml_element(name, value, depth + 1))
        elif isinstance(value, yaml.SequenceNode):
            items = [*items, *value.value]
    for item in items:
        if isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                element["children"].append(_yaml_element(str(key.value), value, depth + 1))
    return element


# ---------------------------------------------------------------- changes


def _collect(element: Element, out: list[dict[str, Any]], depth: int) -> None:
    if depth > MAX_DEPTH or _test_only(element):
        return
    change = _change(element)
    if change is not None:
        out.append(change)
        return
    for child in element["children"]:
        _collect(child, out, depth + 1)


def _test_only(element: Element) -> bool:
    """A changeSet whose context expression names only test contexts."""
    if element["tag"] != "changeSet":
        return False
    expression = element["attrs"].get("context") or element["attrs"].get("contexts") or ""
    words = {w.lower() for w in CONTEXT_WORDS.findall(expression)} - {"and", "or"}
    return bool(words) and words <= TEST_CONTEXTS


def _names(text: str | None) -> list[str]:
    return [n.strip().strip('"`[]') for n in (text or "").split(",") if n.strip()]


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    return text.strip().lower() == "true"


def _change(element: Element) -> dict[str, Any] | None:
    tag, attrs, line = element["tag"], element["attrs"], element["line"]
    table = attrs.get("tableName") or attrs.get("baseTableName")
    if tag == "createTable" and table:
        return {"op": "table", "table": table, "line": line, "columns": _columns(element)}
    if tag == "addColumn" and table:
        return {"op": "columns", "table": table, "line": line, "columns": _columns(element)}
    if tag in ("addUniqueConstraint", "createIndex", "addPrimaryKey") and table:
        columns = _names(attrs.get("columnNames")) or [
            c["attrs"].get("name", "") for c in element["children"] if c["tag"] == "column"
        ]
        unique = tag != "createIndex" or bool(_bool(attrs.get("unique")))
        name = attrs.get("constraintName") or attrs.get("indexName")
        op = "pk" if tag == "addPrimaryKey" else "index"
        return {"op": op, "table": table, "columns": columns, "unique": unique, "name": name}
    if tag == "addForeignKeyConstraint" and table:
        target = attrs.get("referencedTableName", "")
        return {
            "op": "fk",
            "table": table,
            "columns": _names(attrs.get("baseColumnNames")),
            "references": _reference(target, attrs.get("referencedColumnNames")),
        }
    if tag == "addNotNullConstraint" and table:
        return {"op": "not_null", "table": table, "columns": _names(attrs.get("columnName"))}
    if tag == "dropTable" and table:
        return {"op": "drop", "table": table}
    return None


def _reference(table: str, columns: str | None) -> str | None:
    if not table:
        return None
    names = _names(columns)
    return f"{table}.{names[0]}" if len(names) == 1 else table


_REFERENCES = re.compile(r"^\s*([\w.\"`]+)\s*(?:\(\s*([\w\"`]+)\s*\))?")


def _columns(element: Element) -> list[dict[str, Any]]:
    out = []
    for column in element["children"]:
        if column["tag"] != "column" or not column["attrs"].get("name"):
            continue
        attrs = column["attrs"]
        constraints: dict[str, str] = {}
        for child in column["children"]:
            if child["tag"] == "constraints":
                constraints.update(child["attrs"])
        references = None
        if constraints.get("references"):
            match = _REFERENCES.match(constraints["references"])
            if match:
                references = _reference(match.group(1), match.group(2))
        elif constraints.get("referencedTableName"):
            references = _reference(
                constraints["referencedTableName"], constraints.get("referencedColumnNames")
            )
        primary = bool(_bool(constraints.get("primaryKey")))
        nullable = _bool(constraints.get("nullable"))
        out.append(
            {
                "name": attrs["name"],
                "type": attrs.get("type"),
                "nullable": False if primary else nullable,
                "unique": bool(_bool(constraints.get("unique"))),
                "primary_key": primary,
                "references": references,
            }
        )
    return out


def _apply(change: dict[str, Any], path: str, tables: dict[str, Entity]) -> None:
    key = str(change["table"]).lower()
    op = change["op"]
    if op == "table":
        tables[key] = Entity(
            name=change["table"], table=change["table"], file=path, line=change["line"]
        )
        _add_columns(tables[key], change["columns"])
        return
    entity = tables.get(key)
    if entity is None:
        return  # a change to a table created elsewhere (SQL, another tool)
    if op == "drop":
        del tables[key]
    elif op == "columns":
        _add_columns(entity, change["columns"])
    elif op in ("index", "pk"):
        if op == "pk" or (change["unique"] and len(change["columns"]) == 1):
            for field in _fields(entity, change["columns"]):
                field.primary_key = field.primary_key or op == "pk"
                field.unique = field.unique or op == "index"
        if op == "index":
            entity.indexes.append(
                EntityIndex(list(change["columns"]), bool(change["unique"]), change["name"])
            )
    elif op == "fk":
        for field in _fields(entity, change["columns"][:1]):
            field.references = change["references"]
    elif op == "not_null":
        for field in _fields(entity, change["columns"]):
            field.nullable = False


def _add_columns(entity: Entity, columns: list[dict[str, Any]]) -> None:
    known = {f.name.lower() for f in entity.fields}
    for column in columns:
        if column["name"].lower() not in known:
            entity.fields.append(EntityField(**column))
            known.add(column["name"].lower())


def _fields(entity: Entity, names: list[str]) -> list[EntityField]:
    wanted = {n.lower() for n in names}
    return [f for f in entity.fields if f.name.lower() in wanted]


EXTRACTORS = [LiquibaseChangelogs]
