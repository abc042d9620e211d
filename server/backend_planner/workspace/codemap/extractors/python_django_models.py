"""Django models: `models.Model` subclasses (directly or through abstract bases and framework
bases such as `AbstractUser`), one entity per concrete model.

Table: `Meta.db_table`, else `<app label>_<model name in lower case>` (the app label is
`Meta.app_label` or the app package holding `models.py` / `models/`). Fields: the class's own
field calls (`models.CharField(null=True, unique=True)`, `ForeignKey(Target)`,
`ManyToManyField`, …), those of its abstract bases and of framework bases (rules/python.toml
`django_model_base`), minus those set to `None`, plus the implicit `id` primary key. References
name the target's table (`"self"`, `"app.Model"`, a class, `settings.AUTH_USER_MODEL`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import python_common as py
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class ModelBase:
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    name: str
    many: bool = False
    unique: bool = False
    target: str = ""


@dataclass(frozen=True)
class FieldCall:
    name: str


MODEL_BASES = rules_by_name("python", "django_model_base", ModelBase)
RELATIONS = rules_by_name("python", "django_relation", Relation)
FIELD_CALLS = frozenset(r.name for r in load_rules("python", "django_field_call", FieldCall))
DEFAULT_USER_MODEL = "auth.User"


class PythonDjangoModels(Extractor):
    name = "python-django-models"
    version = 1
    extensions = frozenset({".py"})
    markers = (b"django", b"models.Model", b"AUTH_USER_MODEL")
    languages = frozenset({"python"})

    def applies(self, ctx: ServiceContext) -> bool:
        return super().applies(ctx) and "django-orm" in ctx.orm

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        if "/migrations/" in f"/{path}":
            return None
        root = syntax.parse("python", source).root_node
        found = py.structure(root)
        constants = py.module_constants(root)
        classes: dict[str, Any] = {}
        for node in found.get("class", []):
            if (
                node.parent is not None
                and node.parent.type == "block"
                and node.parent.parent is not None
                and node.parent.parent.type == "class_definition"
            ):
                continue  # class Meta
            classes.setdefault(syntax.text(node.child_by_field_name("name")), _model_class(node))
        user_model = constants.get("AUTH_USER_MODEL")
        if not classes and user_model is None:
            return None
        return {
            "imports": py.read_imports(found.get("import", []), path),
            "classes": classes,
            "user_model": user_model,
        }

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(entities=_Resolver(facts).entities())


def _model_class(node: Node) -> dict[str, Any]:
    bases, _ = py.superclasses(node)
    info: dict[str, Any] = {
        "line": syntax.line(node),
        "bases": bases,
        "fields": [],
        "removed": [],
        "meta": {},
    }
    for child in py.class_body(node):
        if (
            child.type == "class_definition"
            and syntax.text(child.child_by_field_name("name")) == "Meta"
        ):
            info["meta"] = _meta(child)
            continue
        assignment = py.assignment_of(child)
        if assignment is None:
            continue
        name = syntax.text(assignment.child_by_field_name("left"))
        right = assignment.child_by_field_name("right")
        if right is None or not name.isidentifier():
            continue
        if right.type == "none":
            info["removed"].append(name)
        elif right.type == "call":
            field = _field(name, right)
            if field is not None:
                info["fields"].append(field)
    return info


def _meta(node: Node) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for child in py.class_body(node):
        assignment = py.assignment_of(child)
        if assignment is None:
            continue
        name = syntax.text(assignment.child_by_field_name("left"))
        value = assignment.child_by_field_name("right")
        if name in ("db_table", "app_label"):
            meta[name] = syntax.string_value(value)
        elif name in ("abstract", "proxy"):
            meta[name] = bool(py.boolean(value))
        elif name == "unique_together" and value is not None:
            groups = [py.strings(c) for c in value.named_children]
            if all(g is not None for g in groups) and groups:
                meta[name] = groups
            elif (single := py.strings(value)) is not None:
                meta[name] = [single]
        elif name in ("constraints", "indexes") and value is not None:
            meta.setdefault("indexes", []).extend(_meta_indexes(value, name == "constraints"))
    return meta


def _meta_indexes(node: Node, constraints: bool) -> list[dict[str, Any]]:
    out = []
    for call in node.named_children:
        if call.type != "call":
            continue
        kind = py.last_name(syntax.text(call.child_by_field_name("function")))
        fields = py.strings(py.argument(call, -1, "fields"))
        if not fields or kind not in ("UniqueConstraint", "Index"):
            continue
        out.append(
            {
                "columns": fields,
                "unique": kind == "UniqueConstraint",
                "name": syntax.string_value(py.argument(call, -1, "name")),
            }
        )
    return out


def _field(name: str, call: Node) -> dict[str, Any] | None:
    kind = py.last_name(syntax.text(call.child_by_field_name("function")))
    if not (kind.endswith("Field") or kind in FIELD_CALLS or kind in RELATIONS):
        return None
    _, keywords = py.call_arguments(call)
    field: dict[str, Any] = {
        "name": name,
        "type": kind,
        "nullable": bool(py.boolean(keywords.get("null"))),
        "unique": bool(py.boolean(keywords.get("unique"))),
        "primary_key": bool(py.boolean(keywords.get("primary_key"))),
        "index": bool(py.boolean(keywords.get("db_index"))),
        "target": None,
    }
    relation = RELATIONS.get(kind)
    if relation is not None:
        target = py.argument(call, 0, "to")
        field["target"] = relation.target or (
            syntax.string_value(target) or syntax.text(target) if target is not None else None
        )
        field["unique"] = field["unique"] or relation.unique
        field["many"] = relation.many
    return field


class _Resolver:
    def __init__(self, facts: Mapping[str, FileFacts]) -> None:
        self.facts = facts
        self.modules = py.Modules(facts)
        self.user_model = next(
            (f["user_model"] for f in facts.values() if f.get("user_model")), DEFAULT_USER_MODEL
        )
        self.models: dict[tuple[str, str], dict[str, Any]] = {}
        for path, file_facts in facts.items():
            for name in file_facts["classes"]:
                model = self._model(path, name)
                if model is not None:
                    self.models[(path, name)] = model

    def _defines_class(self, path: str, name: str) -> bool:
        return name in self.facts[path]["classes"]

    def _model(self, path: str, name: str) -> dict[str, Any] | None:
        """The chain of a model class (nearest first) and its framework bases, or None."""
        chain: list[tuple[str, str, dict[str, Any]]] = []
        framework: list[ModelBase] = []
        todo = [(path, name)]
        while todo and len(chain) < 16:
            current = todo.pop(0)
            if any(c[:2] == current for c in chain):
                continue
            info = self.facts[current[0]]["classes"][current[1]]
            chain.append((current[0], current[1], info))
            for base in info["bases"]:
                found = self.modules.resolve(current[0], base, self._defines_class)
                if found is not None:
                    todo.append(found)
                elif py.last_name(base) in MODEL_BASES:
                    framework.append(MODEL_BASES[py.last_name(base)])
        if not framework:
            return None
        meta = chain[0][2]["meta"]
        if meta.get("abstract") or meta.get("proxy"):
            return None
        label = meta.get("app_label") or _app_label(path)
        return {
            "chain": chain,
            "framework": framework,
            "label": label,
            "table": meta.get("db_table") or f"{label}_{name.lower()}",
        }

    def _table_of(self, path: str, owner: str, target: str | None) -> str | None:
        if not target:
            return None
        if target == "self":
            return self.models[(path, owner)]["table"]  # type: ignore[no-any-return]
        if target.endswith("AUTH_USER_MODEL"):
            target = self.user_model
        found = self.modules.resolve(path, target, self._defines_class)
        if found is not None and found in self.models:
            return self.models[found]["table"]  # type: ignore[no-any-return]
        label, _, model = target.rpartition(".")
        for (_, name), info in self.models.items():
            if name == model and (not label or info["label"] == label or "." in label):
                return info["table"]  # type: ignore[no-any-return]
        return f"{label}_{model.lower()}" if label and "." not in label else None

    def entities(self) -> list[Entity]:
        out = []
        for (path, name), model in self.models.items():
            fields: list[EntityField] = []
            removed: set[str] = set()
            seen: set[str] = set()
            for _, _, info in model["chain"]:
                removed.update(info["removed"])
                for field in info["fields"]:
                    if field["name"] in seen or field["name"] in removed:
                        continue
                    seen.add(field["name"])
                    reference = self._table_of(path, name, field["target"])
                    fields.append(
                        EntityField(
                            field["name"],
                            field["type"],
                            None if field.get("many") else field["nullable"],
                            field["unique"],
                            field["primary_key"],
                            reference,
                        )
                    )
            for base in model["framework"]:
                for inherited in base.fields:
                    if inherited not in seen and inherited not in removed:
                        seen.add(inherited)
                        fields.append(EntityField(inherited))
            if not any(f.primary_key for f in fields):
                fields.insert(0, EntityField("id", "AutoField", False, True, True))
            indexes = [
                EntityIndex([f["name"]], f["unique"])
                for _, _, i in model["chain"]
                for f in i["fields"]
                if f["index"]
            ]
            meta = model["chain"][0][2]["meta"]
            indexes += [EntityIndex(list(g), True) for g in meta.get("unique_together", [])]
            indexes += [
                EntityIndex(i["columns"], i["unique"], i["name"]) for i in meta.get("indexes", [])
            ]
            out.append(
                Entity(name, model["table"], path, model["chain"][0][2]["line"], fields, indexes)
            )
        return out


def _app_label(path: str) -> str:
    """The app package of a models file: `shop/models.py` and `shop/models/order.py` → shop."""
    parts = path.split("/")[:-1]
    if parts and parts[-1] == "models":
        parts.pop()
    return parts[-1] if parts else "app"


EXTRACTORS = [PythonDjangoModels]
