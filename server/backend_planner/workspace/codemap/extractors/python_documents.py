"""Document models of document databases (MongoDB, Couchbase, Firestore, DynamoDB …).

Two kinds of classes are entities:
- subclasses of an ODM's document base (Beanie/MongoEngine `Document`, ODMantic `Model`; see
  `document_base` in rules/python.toml), named after their collection (`Settings.name`,
  `meta = {"collection": …}`, else the ODM's convention);
- plain pydantic `BaseModel` classes, but only in a service that imports a document database
  driver (`document_driver`), has no SQL ORM, and keeps them in a models module (`models.py`,
  `models/`, `*_model.py`): the documents such a service stores. Pydantic classes elsewhere
  (request/response schemas) are DTOs, not entities. Their collection is not declared in the
  class, so their table is left open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import python_common as py
from backend_planner.workspace.codemap.extractors.python_sqlalchemy import snake_case
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Entity, EntityField

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class Driver:
    name: str


@dataclass(frozen=True)
class DocumentBase:
    name: str
    collection: str
    module: str = ""


@dataclass(frozen=True)
class SchemaBase:
    name: str


DRIVERS = tuple(r.name for r in load_rules("python", "document_driver", Driver))
DOCUMENT_BASES = rules_by_name("python", "document_base", DocumentBase)
SCHEMA_BASES = frozenset(r.name for r in load_rules("python", "document_schema_base", SchemaBase))
MODELS_MODULE = re.compile(r"(^|/)models(/|\.py$)|_models?\.py$|(^|/)documents?(/|\.py$)")
SKIPPED_ATTRIBUTES = ("model_config", "Config", "Settings", "Meta")


class PythonDocuments(Extractor):
    name = "python-documents"
    version = 1
    extensions = frozenset({".py"})
    markers = (b"BaseModel", b"Document", b"odmantic", *(d.encode() for d in DRIVERS))
    languages = frozenset({"python"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = syntax.parse("python", source).root_node
        found = py.structure(root)
        imports = py.read_imports(found.get("import", []), path)
        driver = any(
            m == d or m.startswith(d + ".") for m, _ in imports.values() if m for d in DRIVERS
        )
        classes: dict[str, Any] = {}
        for node in found.get("class", []):
            if node.parent is not None and node.parent.type == "module":
                classes.setdefault(
                    syntax.text(node.child_by_field_name("name")), _document_class(node)
                )
        if not classes and not driver:
            return None
        return {"imports": imports, "driver": driver, "classes": classes}

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        modules = py.Modules(facts)
        documents_service = not ctx.orm and any(f["driver"] for f in facts.values())
        entities = []
        bases = {
            b for p, f in facts.items() for n in f["classes"] for b in _project_bases(modules, p, n)
        }
        for path, file_facts in facts.items():
            for name, info in file_facts["classes"].items():
                if documents_service and (path, name) in bases:
                    continue  # a base of other document classes, not a document itself
                entity = _entity(modules, path, name, info, documents_service)
                if entity is not None:
                    entities.append(entity)
        return Part(entities=entities)


def _document_class(node: Node) -> dict[str, Any]:
    bases, _ = py.superclasses(node)
    info: dict[str, Any] = {
        "line": syntax.line(node),
        "bases": bases,
        "fields": [],
        "collection": None,
    }
    for child in py.class_body(node):
        if child.type == "class_definition":
            info["collection"] = info["collection"] or _inner_collection(child)
            continue
        assignment = py.assignment_of(child)
        if assignment is None:
            continue
        name = syntax.text(assignment.child_by_field_name("left"))
        right = assignment.child_by_field_name("right")
        annotation = assignment.child_by_field_name("type")
        if name == "meta" and right is not None and right.type == "dictionary":
            info["collection"] = _dict_value(right, "collection")
        elif name == "model_config" and right is not None:
            info["collection"] = _dict_value(right, "collection") or info["collection"]
        elif annotation is not None and not name.startswith("_") and name not in SKIPPED_ATTRIBUTES:
            text = syntax.text(annotation)
            compact = text.replace(" ", "")
            if compact.startswith("ClassVar"):
                continue
            optional = bool(re.search(r"^Optional\[|\|None\b|^None\||^Union\[.*None", compact))
            info["fields"].append({"name": name, "type": text, "nullable": optional})
        elif (
            right is not None
            and right.type == "call"
            and name.isidentifier()
            and not name.startswith("_")
            and name != "meta"
        ):
            callee = py.last_name(syntax.text(right.child_by_field_name("function")))
            if callee.endswith("Field") or callee.endswith("Attribute"):  # MongoEngine, PynamoDB
                info["fields"].append({"name": name, "type": callee, "nullable": None})
    return info


def _inner_collection(node: Node) -> str | None:
    """`class Settings: name = "users"` (Beanie), `class Config: collection = "users"`."""
    for child in py.class_body(node):
        assignment = py.assignment_of(child)
        if assignment is not None and syntax.text(assignment.child_by_field_name("left")) in (
            "name",
            "collection",
            "table_name",
        ):
            return syntax.string_value(assignment.child_by_field_name("right"))
    return None


def _dict_value(node: Node, key: str) -> str | None:
    if node.type == "call":  # ConfigDict(collection="x")
        return syntax.string_value(py.argument(node, -1, key))
    for pair in node.named_children:
        if pair.type == "pair" and syntax.string_value(pair.child_by_field_name("key")) == key:
            return syntax.string_value(pair.child_by_field_name("value"))
    return None


def _entity(
    modules: py.Modules, path: str, name: str, info: dict[str, Any], documents_service: bool
) -> Entity | None:
    chain, framework = _chain(modules, path, name)
    odm = next((b for b in framework if isinstance(b, DocumentBase)), None)
    if odm is not None:
        table = info["collection"] or (snake_case(name) if odm.collection == "snake" else name)
    elif documents_service and "BaseModel" in framework and MODELS_MODULE.search(path):
        table = info["collection"]
    else:
        return None
    fields: list[EntityField] = []
    seen: set[str] = set()
    for _, class_info in reversed(chain):
        for field in class_info["fields"]:
            if field["name"] not in seen:
                seen.add(field["name"])
                fields.append(EntityField(field["name"], field["type"], field["nullable"]))
    return Entity(name, table, path, info["line"], fields)


def _chain(
    modules: py.Modules, path: str, name: str
) -> tuple[list[tuple[str, dict[str, Any]]], list[DocumentBase | str]]:
    """The class and its project bases (nearest first), and the framework bases reached."""
    chain: list[tuple[str, dict[str, Any]]] = []
    framework: list[DocumentBase | str] = []
    todo = [(path, name)]
    seen: set[tuple[str, str]] = set()
    while todo and len(chain) < 16:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        info = modules.facts[current[0]]["classes"][current[1]]
        chain.append((current[0], info))
        for base in info["bases"]:
            found = modules.resolve(current[0], base, lambda p, n: n in modules.facts[p]["classes"])
            if found is not None:
                todo.append(found)
                continue
            framework.extend(_framework_base(modules, current[0], base))
    return chain, framework


def _project_bases(modules: py.Modules, path: str, name: str) -> list[tuple[str, str]]:
    out = []
    for base in modules.facts[path]["classes"][name]["bases"]:
        found = modules.resolve(path, base, lambda p, n: n in modules.facts[p]["classes"])
        if found is not None:
            out.append(found)
    return out


def _framework_base(modules: py.Modules, path: str, base: str) -> list[DocumentBase | str]:
    last = py.last_name(base)
    origin = modules.imports(path).get(base.split(".")[0], [None, None])[0] or ""
    rule = DOCUMENT_BASES.get(last)
    if rule is not None and (not rule.module or origin.startswith(rule.module)):
        return [rule]
    if last in SCHEMA_BASES:
        return [last]
    return []


EXTRACTORS = [PythonDocuments]
