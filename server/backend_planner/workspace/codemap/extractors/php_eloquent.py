"""Eloquent models and Laravel migrations: the persistent entities of a Laravel service.

Extraction (one file) reads:
- a class's model properties: `$table`, `$primaryKey`, `$fillable`, `$casts` (or a `casts()`
  method returning an array); whether the class is a model is decided at resolution, by
  following `extends` through the service's classes to an Eloquent base (rules: model_base);
- the schema operations of a migration, in order, outside `down()`: `Schema::create('t', fn
  (Blueprint $table) {...})`, `Schema::table` (columns added, changed, dropped, renamed,
  indexes, foreign keys), `Schema::rename`, `Schema::drop(IfExists)`.

Resolution replays the migrations in file order (their names start with a timestamp) into one
entity per table, and names each model's table (explicit, or Laravel's convention: snake-case
plural of the class name, singular for pivot models). A model whose table no migration creates
gets its `$fillable`/`$casts` as fields; otherwise the merge fills it from the table.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import FileFacts, ServiceContext
from backend_planner.workspace.codemap.extractors.php_inflection import plural, snake
from backend_planner.workspace.codemap.extractors.php_syntax import (
    CALL_TYPES,
    UNKNOWN,
    Call,
    Chain,
    ClassRef,
    Names,
    PhpArray,
    argument,
    assigned_variable,
    call_chain,
    closure_of,
    evaluate,
    walk,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from tree_sitter import Node

SCHEMA_FACADE = "Illuminate\\Support\\Facades\\Schema"
MODEL_PROPERTIES = ("table", "primaryKey", "fillable", "casts")


@dataclass(frozen=True)
class ModelBase:
    name: str
    table_style: str


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    columns: tuple[str, ...] = ("{}",)
    types: tuple[str, ...] = ()
    default_arg: str = ""
    nullable: bool = False
    primary_key: bool = False
    foreign: bool = False
    model_arg: bool = False


@cache
def model_bases() -> dict[str, str]:
    return {b.name: b.table_style for b in load_rules("php", "model_base", ModelBase)}


@cache
def columns() -> dict[str, Column]:
    return rules_by_name("php", "column", Column)


# ------------------------------------------------------------------------- extraction: models


def read_model(body: Node | None, names: Names, path: str) -> dict[str, Any] | None:
    """A class's Eloquent properties (None when it declares none)."""
    if body is None:
        return None
    model: dict[str, Any] = {}
    for member in body.named_children:
        if member.type == "property_declaration":
            for element in member.named_children:
                if element.type != "property_element":
                    continue
                name = syntax.text(element.child_by_field_name("name")).lstrip("$")
                if name in MODEL_PROPERTIES:
                    value = evaluate(element.child_by_field_name("default_value"), names, path)
                    _model_property(model, name, value)
        elif (
            member.type == "method_declaration"
            and syntax.text(member.child_by_field_name("name")) == "casts"
        ):
            _model_property(model, "casts", _returned_array(member, names, path))
    return model or None


def _model_property(model: dict[str, Any], name: str, value: Any) -> None:
    if name in ("table", "primaryKey") and isinstance(value, str):
        model["table" if name == "table" else "primary_key"] = value
    elif name == "fillable" and isinstance(value, PhpArray):
        model["fillable"] = value.strings()
    elif name == "casts" and isinstance(value, PhpArray):
        casts = model.setdefault("casts", {})
        for key, cast in value.items:
            if isinstance(key, str):
                casts[key] = _cast_type(cast)


def _cast_type(cast: Any) -> str | None:
    if isinstance(cast, str):
        return cast.split(":", 1)[0]
    if isinstance(cast, ClassRef):
        return cast.name.rsplit("\\", 1)[-1]
    return None


def _returned_array(method: Node, names: Names, path: str) -> Any:
    body = method.child_by_field_name("body")
    for statement in body.named_children if body is not None else []:
        if statement.type == "return_statement" and statement.named_children:
            return evaluate(statement.named_children[0], names, path)
    return None


# --------------------------------------------------------------------- extraction: migrations


class _ConfigArray:
    """The value of `config('…')` in a migration: an array of names read item by item."""

    def __repr__(self) -> str:
        return "CONFIG_ARRAY"


CONFIG_ARRAY = _ConfigArray()


def _function_name(node: Node) -> str:
    return syntax.text(node.child_by_field_name("function")).lstrip("\\")


def _loop_variables(node: Node) -> tuple[str | None, str | None]:
    """The key and value variables of a foreach (`as $value`, `as $key => $value`)."""
    if node.type == "variable_name":
        return None, syntax.text(node)
    parts = node.named_children if node.type == "pair" else []
    if len(parts) == 2 and all(p.type == "variable_name" for p in parts):
        return syntax.text(parts[0]), syntax.text(parts[1])
    return None, None


class MigrationReader:
    """The schema operations of one file, in order (`down()` methods skipped)."""

    def __init__(self, path: str, names: Names) -> None:
        self.path = path
        # local variables are bound while walking (`$tables = [...]`, a foreach's variable)
        self.names = replace(names, variables=dict(names.variables))
        self.operations: list[dict[str, Any]] = []
        self.constants: dict[str, Any] = {}

    def read(self, root: Node) -> list[dict[str, Any]]:
        walk(root, self._handle)
        return self.operations

    def _handle(self, node: Node) -> bool:
        if node.type == "method_declaration":
            return syntax.text(node.child_by_field_name("name")) == "down"
        if node.type == "const_declaration":
            self._constants(node)
            return True
        if node.type == "assignment_expression":
            self._assign(node)
            return False
        if node.type == "foreach_statement":
            return self._foreach(node)
        if node.type not in CALL_TYPES:
            return False
        chain = call_chain(node)
        if chain is None or not self._is_schema(chain):
            return False
        for call in chain.calls:
            self._schema_call(call)
        return True

    def _assign(self, node: Node) -> None:
        """`$tables = ['pages', 'books'];`: a local with a static value (else forgotten)."""
        variable = assigned_variable(node)
        if variable is None:
            return
        value = self._value(node.child_by_field_name("right"))
        if value is UNKNOWN:
            self.names.variables.pop(variable, None)
        else:
            self.names.variables[variable] = value

    def _foreach(self, node: Node) -> bool:
        """`foreach (['a', 'b'] as $table) { Schema::table($table, ...); }` and `foreach (['old'
        => 'new'] as $from => $to) { ...renameColumn($from, $to) }`: the body read once per
        item of a static array (a body that is not is read as any code)."""
        parts = [c for c in node.named_children if c.type not in ("comment",)]
        if len(parts) < 3:
            return False
        key_variable, value_variable = _loop_variables(parts[1])
        values = self._value(parts[0])
        if value_variable is None or not isinstance(values, PhpArray):
            return False
        body = parts[-1]
        for position, (key, value) in enumerate(values.items):
            if key_variable is not None:
                self.names.variables[key_variable] = position if key is None else key
            self.names.variables[value_variable] = value
            walk(body, self._handle)
        for variable in (key_variable, value_variable):
            if variable is not None:
                self.names.variables.pop(variable, None)
        return True

    def _is_schema(self, chain: Chain) -> bool:
        root = chain.root_name()
        if not chain.static or root.lstrip("\\").rsplit("\\", 1)[-1] != "Schema":
            return False
        return root not in self.names.uses or self.names.uses[root] == SCHEMA_FACADE

    def _constants(self, node: Node) -> None:
        """`public const TABLES = ['a', 'b'];` in the migration class, read back as
        `self::TABLES` / `static::TABLES`."""
        for element in node.named_children:
            parts = element.named_children if element.type == "const_element" else []
            if len(parts) >= 2 and parts[0].type == "name":
                value = self._value(parts[-1])
                if value is not UNKNOWN:
                    self.constants[syntax.text(parts[0])] = value

    def _value(self, node: Node | None) -> Any:
        """A static value; besides what `evaluate` reads: the migration class's own constants
        (`static::TABLES`), and `config('…')` as an opaque array (see `table`)."""
        if node is None:
            return UNKNOWN
        if node.type == "class_constant_access_expression" and len(node.named_children) == 2:
            scope, name = node.named_children
            if syntax.text(scope) in ("self", "static"):
                return self.constants.get(syntax.text(name), UNKNOWN)
        if node.type == "function_call_expression" and _function_name(node) == "config":
            return CONFIG_ARRAY
        return evaluate(node, self.names, self.path)

    def table(self, node: Node | None) -> Any:
        """A table name; an item of a config array of table names (`$tableNames =
        config('permission.table_names')`, then `$tableNames['roles']`) is its key, the name
        such packages ship as default."""
        if node is not None and node.type == "subscript_expression":
            parts = node.named_children
            if len(parts) == 2 and self._value(parts[0]) is CONFIG_ARRAY:
                return self._value(parts[1])
        return self._value(node)

    def _schema_call(self, call: Call) -> None:
        table = self.table(argument(call, 0, "table"))
        if call.name in ("create", "table") and isinstance(table, str):
            closure = closure_of(argument(call, 1, "callback"))
            operation: dict[str, Any] = {
                "op": call.name,
                "table": table,
                "line": call.line,
                "columns": [],
                "indexes": [],
                "drops": [],
                "renames": [],
            }
            if closure is not None:
                BlueprintReader(self, operation).read(closure)
            self.operations.append(operation)
        elif call.name in ("drop", "dropIfExists") and isinstance(table, str):
            self.operations.append({"op": "drop", "table": table, "line": call.line})
        elif call.name == "rename" and isinstance(table, str):
            to = self._value(argument(call, 1, "to"))
            if isinstance(to, str):
                self.operations.append(
                    {"op": "rename", "table": table, "to": to, "line": call.line}
                )


class BlueprintReader:
    """The column and index calls on the Blueprint variable of a create/table closure."""

    def __init__(self, migration: MigrationReader, operation: dict[str, Any]) -> None:
        self.migration = migration
        self.operation = operation
        self.variable = ""

    def read(self, closure: Node) -> None:
        parameters = closure.child_by_field_name("parameters")
        for parameter in parameters.named_children if parameters is not None else []:
            name = parameter.child_by_field_name("name")
            if name is not None:
                self.variable = syntax.text(name)
                break
        if not self.variable:
            return
        body = closure.child_by_field_name("body")
        if body is not None:
            walk(body, self._handle)

    def _handle(self, node: Node) -> bool:
        if node.type == "assignment_expression":
            self.migration._assign(node)  # `$column = 'uuid';` inside the closure
            return False
        if node.type not in CALL_TYPES:
            return False
        chain = call_chain(node)
        if chain is None or chain.static or chain.root_name() != self.variable:
            return False
        first, modifiers = chain.calls[0], chain.calls[1:]
        rule = columns().get(first.name)
        if rule is not None:
            self._column(rule, first, modifiers)
        else:
            self._table_call(first, modifiers)
        return True

    def _value(self, node: Node | None) -> Any:
        return self.migration._value(node)

    def _column(self, rule: Column, call: Call, modifiers: list[Call]) -> None:
        ref_model = None
        if rule.model_arg:
            model = self._value(argument(call, 0, "model"))
            ref_model = model.name if isinstance(model, ClassRef) else None
            named = self._value(argument(call, 1, "column"))
            given = named if isinstance(named, str) else None
            if given is None and ref_model:
                given = snake(ref_model.rsplit("\\", 1)[-1]) + "_id"
        else:
            value = self._value(argument(call, 0, "column"))
            given = value if isinstance(value, str) else (rule.default_arg or None)
        made = []
        for i, template in enumerate(rule.columns):
            if "{}" in template and given is None:
                return
            made.append(
                {
                    "name": template.replace("{}", given or ""),
                    "type": rule.types[i] if i < len(rule.types) else rule.type,
                    "nullable": True if rule.nullable else None,
                    "unique": False,
                    "primary_key": rule.primary_key,
                    "references": None,
                    "ref_model": ref_model,
                    "change": False,
                }
            )
        for modifier in modifiers:
            for column in made:
                self._modifier(column, modifier, rule.foreign)
        for column in made:
            if column["nullable"] is None and not column["change"]:
                column["nullable"] = False
        self.operation["columns"].extend(made)

    def _modifier(self, column: dict[str, Any], call: Call, foreign: bool) -> None:
        name = call.name
        if name == "nullable":
            column["nullable"] = self._value(argument(call, 0, "value")) is not False
        elif name == "unique":
            column["unique"] = True
        elif name == "primary":
            column["primary_key"] = True
        elif name == "change":
            column["change"] = True
        elif name == "index" and column.get("type"):
            # `$table->uuid('x')->index('x_idx')`: an index on the column (named or not)
            index_name = self._value(argument(call, 0, "indexName"))
            self.operation["indexes"].append(
                {
                    "columns": [column["name"]],
                    "unique": False,
                    "name": index_name if isinstance(index_name, str) else None,
                    "primary": False,
                }
            )
        elif name == "constrained":
            table = self._value(argument(call, 0, "table"))
            target = self._value(argument(call, 1, "column"))
            target = target if isinstance(target, str) else "id"
            if isinstance(table, str):
                column["references"] = f"{table}.{target}"
            elif column.get("ref_model"):
                column["references"] = {"model": column["ref_model"], "column": target}
            else:
                stem = re.sub(rf"_{re.escape(target)}$", "", column["name"])
                column["references"] = f"{plural(stem)}.{target}"
        elif name == "references":
            target = self._value(argument(call, 0, "columns"))
            column["ref_column"] = target if isinstance(target, str) else "id"
        elif name == "on":
            table = self.migration.table(argument(call, 0, "table"))
            if isinstance(table, str):
                column["references"] = f"{table}.{column.pop('ref_column', 'id')}"

    def _table_call(self, call: Call, modifiers: list[Call]) -> None:
        name = call.name
        values = [self._value(a) for a in call.args]
        listed = _strings(values[0]) if values else []
        if name in ("unique", "index", "primary") and listed:
            index_name = values[1] if len(values) > 1 and isinstance(values[1], str) else None
            self.operation["indexes"].append(
                {
                    "columns": listed,
                    "unique": name != "index",
                    "name": index_name,
                    "primary": name == "primary",
                }
            )
        elif name == "foreign" and listed:
            column: dict[str, Any] = {"name": listed[0], "references": None}
            for modifier in modifiers:
                self._modifier(column, modifier, True)
            if column["references"]:
                self.operation["columns"].append(
                    {"name": listed[0], "references": column["references"], "foreign_only": True}
                )
        elif name in ("dropIndex", "dropUnique") and values:
            # by columns (`dropUnique(['a', 'b'])`) or by name (`dropIndex('t_a_index')`)
            dropped: dict[str, Any] = {"unique": name == "dropUnique"}
            if isinstance(values[0], str):
                dropped["name"] = values[0]
            else:
                dropped["columns"] = listed
            self.operation.setdefault("dropped_indexes", []).append(dropped)
        elif name in ("dropColumn", "dropColumns"):
            self.operation["drops"].extend(v for value in values for v in _strings(value))
        elif name in ("dropTimestamps", "dropTimestampsTz"):
            self.operation["drops"].extend(["created_at", "updated_at"])
        elif name in ("dropSoftDeletes", "dropSoftDeletesTz"):
            self.operation["drops"].append("deleted_at")
        elif name == "dropRememberToken":
            self.operation["drops"].append("remember_token")
        elif name == "dropMorphs" and listed:
            self.operation["drops"].extend([f"{listed[0]}_type", f"{listed[0]}_id"])
        elif name == "renameColumn" and len(values) > 1:
            old, new = values[0], values[1]
            if isinstance(old, str) and isinstance(new, str):
                self.operation["renames"].append([old, new])


def _strings(value: Any) -> list[str]:
    if isinstance(value, PhpArray):
        return value.strings()
    return [value] if isinstance(value, str) else []


# ---------------------------------------------------------------------- resolution: the service


@dataclass
class _Table:
    name: str
    file: str
    line: int
    fields: dict[str, EntityField] = field(default_factory=dict)
    indexes: list[EntityIndex] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def resolve_entities(facts: Mapping[str, FileFacts], ctx: ServiceContext) -> list[Entity]:
    models = _models(facts)
    tables = _replay_migrations(facts, models)
    entities = [
        Entity(t.name, t.name, t.file, t.line, list(t.fields.values()), t.indexes, t.sources)
        for t in tables.values()
    ]
    parents = {c.get("extends") for f in facts.values() for c in f.get("classes", ())}
    for fqn, (entry, path, table) in models.items():
        if fqn in parents and table not in tables and not (entry.get("model") or {}).get("table"):
            continue  # the project's base model (`class Model extends EloquentModel`)
        fields = [] if table in tables else _model_fields(entry)
        entities.append(Entity(entry["name"], table, path, entry["line"], fields))
    return entities


def _models(facts: Mapping[str, FileFacts]) -> dict[str, tuple[dict[str, Any], str, str]]:
    """Model classes by fully qualified name: (class facts, file, table)."""
    classes: dict[str, tuple[dict[str, Any], str]] = {}
    for path in sorted(facts):
        for entry in facts[path].get("classes", ()):
            classes.setdefault(entry["fqn"], (entry, path))
    bases = model_bases()
    out = {}
    for fqn, (entry, path) in classes.items():
        if entry.get("abstract"):
            continue
        style = _model_style(fqn, classes, bases)
        if style is None:
            continue
        declared = (entry.get("model") or {}).get("table")
        out[fqn] = (entry, path, declared or _convention_table(entry["name"], style))
    return out


def _model_style(
    fqn: str, classes: Mapping[str, tuple[dict[str, Any], str]], bases: Mapping[str, str]
) -> str | None:
    """The table style of the Eloquent base a class extends (through project classes)."""
    current: str | None = fqn
    seen = set()
    while current and current not in seen:
        seen.add(current)
        known = classes.get(current)
        parent: str | None = known[0].get("extends") if known else None
        if parent is not None and parent in bases:
            return bases[parent]
        current = parent
    return None


def _convention_table(name: str, style: str) -> str:
    table = snake(name)
    return plural(table) if style == "plural" else table


def _model_fields(entry: dict[str, Any]) -> list[EntityField]:
    model = entry.get("model") or {}
    key = model.get("primary_key", "id")
    fields = {key: EntityField(key, None, False, False, True)}
    casts = model.get("casts", {})
    for name in [*model.get("fillable", []), *casts]:
        if name not in fields:
            fields[name] = EntityField(name, casts.get(name))
    return list(fields.values())


def _replay_migrations(
    facts: Mapping[str, FileFacts],
    models: Mapping[str, tuple[dict[str, Any], str, str]],
) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    ordered = sorted(
        (p for p in facts if facts[p].get("migrations")),
        key=lambda p: (posixpath.basename(p), p),
    )
    for path in ordered:
        for operation in facts[path]["migrations"]:
            _apply(operation, path, tables, models)
    return tables


def _apply(
    operation: dict[str, Any],
    path: str,
    tables: dict[str, _Table],
    models: Mapping[str, tuple[dict[str, Any], str, str]],
) -> None:
    name = operation["table"]
    kind = operation["op"]
    if kind == "drop":
        tables.pop(name, None)
        return
    if kind == "rename":
        table = tables.pop(name, None)
        if table is not None:
            table.name = operation["to"]
            tables[operation["to"]] = table
        return
    table = tables.get(name)
    if table is None or kind == "create":
        table = _Table(name, path, operation["line"])
        tables[name] = table
    else:
        table.sources.append(f"{path}:{operation['line']}")
    for column in operation["columns"]:
        _apply_column(table, column, models)
    for old, new in operation["renames"]:
        _rename_column(table, old, new)
    for dropped in operation["drops"]:
        table.fields.pop(dropped, None)
    if operation["drops"]:
        table.indexes = [i for i in table.indexes if not set(i.columns) & set(operation["drops"])]
    for dropped in operation.get("dropped_indexes", ()):
        _drop_index(table, dropped)
    for index in operation["indexes"]:
        _apply_index(table, index)


def _drop_index(table: _Table, dropped: dict[str, Any]) -> None:
    """`dropUnique` / `dropIndex`: the index given by its columns, its name, or the name
    Laravel gives it by default (`{table}_{columns}_{unique|index}`)."""
    kind = "unique" if dropped["unique"] else "index"

    def matches(columns: list[str], name: str | None) -> bool:
        if "columns" in dropped:
            return columns == list(dropped["columns"])
        default = re.sub(r"[-.]", "_", f"{table.name}_{'_'.join(columns)}_{kind}".lower())
        return str(dropped["name"]) in (name, default)

    table.indexes = [
        i for i in table.indexes if i.unique != dropped["unique"] or not matches(i.columns, i.name)
    ]
    if dropped["unique"]:  # a one-column unique index is the field's `unique`
        for name, column in table.fields.items():
            if column.unique and matches([name], None):
                column.unique = False


def _rename_column(table: _Table, old: str, new: str) -> None:
    """`renameColumn(old, new)`: the column keeps its place, indexes follow it."""
    if old not in table.fields:
        return
    table.fields = {(new if k == old else k): f for k, f in table.fields.items()}
    table.fields[new].name = new
    for index in table.indexes:
        index.columns = [new if c == old else c for c in index.columns]


def _apply_column(
    table: _Table, column: dict[str, Any], models: Mapping[str, tuple[dict[str, Any], str, str]]
) -> None:
    references = column.get("references")
    if isinstance(references, dict):
        model = models.get(references["model"])
        short = references["model"].rsplit("\\", 1)[-1]
        target = model[2] if model else plural(snake(short))
        references = f"{target}.{references['column']}"
    have = table.fields.get(column["name"])
    if column.get("foreign_only"):
        if have is not None:
            have.references = references
        return
    if have is not None and column.get("change"):
        have.type = column["type"]
        if column["nullable"] is not None:
            have.nullable = column["nullable"]
        have.unique = have.unique or column["unique"]
        have.references = references or have.references
        return
    table.fields[column["name"]] = EntityField(
        column["name"],
        column["type"],
        column["nullable"],
        column["unique"],
        column["primary_key"],
        references,
    )


def _apply_index(table: _Table, index: dict[str, Any]) -> None:
    cols = index["columns"]
    if index.get("primary"):
        for col in cols:
            if col in table.fields:
                table.fields[col].primary_key = True
        if len(cols) == 1:
            return
    elif index["unique"] and len(cols) == 1 and cols[0] in table.fields:
        table.fields[cols[0]].unique = True
        return
    table.indexes.append(EntityIndex(list(cols), index["unique"], index.get("name")))
