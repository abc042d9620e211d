"""Prisma schemas (`schema.prisma`, `prisma/schema/*.prisma`): one entity per `model`.

There is no tree-sitter grammar for Prisma; its schema language is line-based, so a small line
parser reads it: `model X { … }` blocks, each field line `name Type? @id @unique @map("col")
@relation(fields: [a], references: [b])`, and block attributes `@@map("table")`, `@@id([…])`,
`@@unique([…])`, `@@index([…])`. Enum names are remembered so enum-typed fields stay columns;
fields typed by another model (`author User`, `posts Post[]`) are relations, not columns: their
`@relation(fields, references)` marks the foreign-key columns instead. Models of all the files
of a multi-file schema are resolved together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

_BLOCK = re.compile(r"^\s*(model|enum|view|type)\s+(\w+)\s*\{")
_FIELD = re.compile(r"^\s*(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$")
_ATTRIBUTE_ARGS = re.compile(r"@@?(\w+)\s*(\((?:[^()]|\([^()]*\))*\))?")
_NAMES = re.compile(r"\[([^\]]*)\]")
_STRING = re.compile(r'"([^"]*)"')


def _strip_comment(line: str) -> str:
    """The line without its `//` comment (outside strings)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == "/" and not quoted and line[i : i + 2] == "//":
            return line[:i]
    return line


def _list_argument(args: str, key: str | None) -> list[str]:
    """`fields: [a, b]` (or the first `[…]` when key is None) → ["a", "b"]."""
    if key is not None:
        match = re.search(rf"\b{key}\s*:\s*\[([^\]]*)\]", args)
    else:
        match = _NAMES.search(args)
    if not match:
        return []
    return [n.strip().split("(")[0].strip() for n in match.group(1).split(",") if n.strip()]


def _string_argument(args: str, key: str | None = None) -> str | None:
    if key is not None:
        match = re.search(rf'\b{key}\s*:\s*"([^"]*)"', args)
        return match.group(1) if match else None
    match = _STRING.match(args.strip("() "))
    return match.group(1) if match else None


def parse_schema(text: str) -> dict[str, Any]:
    """Models (with fields and block attributes) and enum names of one .prisma file."""
    models: list[dict[str, Any]] = []
    enums: list[str] = []
    current: dict[str, Any] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if current is None:
            block = _BLOCK.match(line)
            if block and block.group(1) in ("model", "view"):
                current = {"name": block.group(2), "line": number, "fields": [], "attributes": []}
                models.append(current)
            elif block and block.group(1) == "enum":
                enums.append(block.group(2))
                current = {"enum": True}
            elif block:
                current = {"skip": True}
            continue
        if line.startswith("}"):
            current = None
            continue
        if "fields" not in current:
            continue
        if line.startswith("@@"):
            current["attributes"].append(line)
            continue
        field = _FIELD.match(line)
        if field:
            current["fields"].append(
                {
                    "name": field.group(1),
                    "type": field.group(2),
                    "list": bool(field.group(3)),
                    "optional": bool(field.group(4)),
                    "attributes": field.group(5),
                }
            )
    return {"models": models, "enums": enums}


def _entity(path: str, model: Mapping[str, Any], models: Mapping[str, str]) -> Entity:
    """One model as an entity; `models` maps model names to their table names."""
    fields: dict[str, EntityField] = {}
    references: dict[str, str] = {}
    for field in model["fields"]:
        attributes = dict(
            (m.group(1), m.group(2) or "") for m in _ATTRIBUTE_ARGS.finditer(field["attributes"])
        )
        if field["type"] in models:
            if "relation" in attributes:
                keys = _list_argument(attributes["relation"], "fields")
                targets = _list_argument(attributes["relation"], "references")
                for i, key in enumerate(keys):
                    target = targets[i] if i < len(targets) else None
                    table = models[field["type"]]
                    references[key] = f"{table}.{target}" if target else table
            continue
        column = _string_argument(attributes.get("map", "")) if "map" in attributes else None
        fields[field["name"]] = EntityField(
            name=column or field["name"],
            type=field["type"] + ("[]" if field["list"] else ""),
            nullable=field["optional"],
            unique="unique" in attributes,
            primary_key="id" in attributes,
        )
    for key, target in references.items():
        if key in fields:
            fields[key].references = target
    indexes: list[EntityIndex] = []
    for attribute in model["attributes"]:
        match = _ATTRIBUTE_ARGS.match(attribute)
        if not match:
            continue
        kind, args = match.group(1), match.group(2) or ""
        columns = _list_argument(args, "fields") or _list_argument(args, None)
        columns = [fields[c].name if c in fields else c for c in columns]
        if kind == "id":
            for column in columns:
                for have in fields.values():
                    if have.name == column:
                        have.primary_key = True
        elif kind in ("unique", "index"):
            if kind == "unique" and len(columns) == 1:
                for have in fields.values():
                    if have.name == columns[0]:
                        have.unique = True
                continue
            name = _string_argument(args, "name") or _string_argument(args, "map")
            indexes.append(EntityIndex(columns, kind == "unique", name))
    return Entity(
        name=model["name"],
        table=models[model["name"]],
        file=path,
        line=model["line"],
        fields=list(fields.values()),
        indexes=indexes,
    )


def _table_name(model: Mapping[str, Any]) -> str:
    for attribute in model["attributes"]:
        match = _ATTRIBUTE_ARGS.match(attribute)
        if match and match.group(1) == "map":
            table = _string_argument(match.group(2) or "")
            if table:
                return table
    return str(model["name"])


class PrismaSchema(Extractor):
    name = "node-prisma"
    version = 1
    extensions = frozenset({".prisma"})
    markers = (b"model",)

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        parsed = parse_schema(source.decode("utf-8", errors="replace"))
        return parsed if parsed["models"] else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables = {m["name"]: _table_name(m) for f in facts.values() for m in f["models"]}
        entities = [
            _entity(path, model, tables)
            for path in sorted(facts)
            for model in facts[path]["models"]
        ]
        return Part(entities=entities)


EXTRACTORS = [PrismaSchema]
