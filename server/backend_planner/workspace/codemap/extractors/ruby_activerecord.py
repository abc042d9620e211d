"""Rails persistence: ActiveRecord models, `db/schema.rb`, `db/migrate/*.rb`, and the document
ORMs Rails apps use (Mongoid, couchbase-orm), read into entities.

extract:
- a Ruby class → its name, superclass, included modules, `self.table_name = …`-style settings
  and the class-body calls that declare data (`belongs_to`, `attribute`, `field`, `store_in`,
  `validates … uniqueness:`, `index`).
- a schema or migration file (`…schema.rb`, `…/migrate/*.rb`) → its table operations in order
  (`create_table` / `create_join_table` with its `t.*` columns, `add_column`, `add_index`,
  `add_reference`, `add_foreign_key`, `rename_*`, `remove_*`, `drop_table`, `change_table` …);
  `down` directions are left out.

resolve builds the tables (schema.rb when the database has one, else its migrations replayed in
file order), then one entity per model class of a known ORM (rules/ruby.toml `[[orm]]`), its
table being `self.table_name`, or the ORM's naming convention (`Admin::UserProfile` → ActiveRecord
`user_profiles`); the model's table supplies the columns, indexes and foreign keys, the model adds
`belongs_to` keys and uniqueness validations. Abstract classes, single-table-inheritance
subclasses and embedded documents (Mongoid `embedded_in`) are not entities of their own; tables
without a model are entities named after them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors.ruby_syntax import (
    CONST,
    HASH,
    block_body,
    block_parameter,
    call_facts,
    constant_name,
    inflector,
    literal,
    resolve_constant,
    underscore,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from tree_sitter import Node

MODEL_MARKERS = (
    b"ActiveRecord",
    b"ApplicationRecord",
    b"CouchbaseOrm",
    b"Couchbase::Model",
    b"Mongoid",
)
SCHEMA_MARKERS = (
    b"create_table",
    b"create_join_table",
    b"add_column",
    b"add_reference",
    b"add_index",
    b"add_foreign_key",
    b"change_table",
    b"rename_table",
    b"drop_table",
)
TABLE_OPS = frozenset(
    {
        "create_table",
        "create_join_table",
        "change_table",
        "drop_table",
        "rename_table",
        "add_column",
        "remove_column",
        "rename_column",
        "change_column",
        "change_column_null",
        "add_index",
        "add_reference",
        "add_belongs_to",
        "remove_reference",
        "add_foreign_key",
        "add_timestamps",
    }
)
SETTINGS = frozenset({"table_name", "abstract_class", "primary_key", "table_name_prefix"})
ISOLATE_NAMESPACE = "isolate_namespace"  # a Rails engine's call: its module's tables get a prefix
REFERENCE_COLUMNS = frozenset({"references", "belongs_to"})


@dataclass(frozen=True)
class Orm:
    name: str
    bases: tuple[str, ...]
    includes: tuple[str, ...]
    field_calls: tuple[str, ...]
    type_option: str
    table: str
    table_call: str
    table_option: str
    id_field: str
    embedded_calls: tuple[str, ...]
    id_list_calls: tuple[str, ...]


@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class FieldMixin:
    name: str
    fields: tuple[str, ...]
    type: str


@cache
def field_mixins() -> dict[str, FieldMixin]:
    return rules_by_name("ruby", "field_mixin", FieldMixin)


@cache
def orms() -> tuple[Orm, ...]:
    return load_rules("ruby", "orm", Orm)


@cache
def associations() -> frozenset[str]:
    return frozenset(a.name for a in load_rules("ruby", "association", Named))


@cache
def unique_validations() -> frozenset[str]:
    return frozenset(a.name for a in load_rules("ruby", "unique_validation", Named))


@cache
def model_calls() -> frozenset[str]:
    calls = {"validates", "index", "primary_abstract_class", *associations(), *unique_validations()}
    for orm in orms():
        calls.update(orm.field_calls)
        calls.update(orm.embedded_calls)
        calls.update(orm.id_list_calls)
        if orm.table_call:
            calls.add(orm.table_call)
    return frozenset(calls)


def is_migration(path: str) -> bool:
    return any(part.endswith("migrate") for part in path.split("/")[:-1])


def is_schema(path: str) -> bool:
    return posixpath.basename(path).endswith("schema.rb")


class RailsModels(Extractor):
    name: ClassVar[str] = "ruby-rails-models"
    version: ClassVar[int] = 5
    extensions: ClassVar[frozenset[str]] = frozenset({".rb"})
    languages: ClassVar[frozenset[str]] = frozenset({"ruby"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        tables = is_migration(path) or is_schema(path)
        if tables and not any(m in source for m in SCHEMA_MARKERS):
            return None
        if not tables and not (
            b"class " in source
            and (
                "models/" in path
                or any(m in source for m in MODEL_MARKERS)
                or ISOLATE_NAMESPACE.encode() in source
            )
        ):
            return None
        root = syntax.parse("ruby", source).root_node
        if tables:
            return {"ops": list(_table_ops(root))}
        classes = list(_classes(root, []))
        return {"classes": classes} if classes else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables = Tables.build(facts, ctx.files)
        classes = {
            c["name"]: dict(c, file=p)
            for p, f in sorted(facts.items())
            for c in f.get("classes", ())
        }
        return Part(entities=Models(classes, tables, _module_prefixes(facts)).entities())


# ---------------------------------------------------------------------------------- extract


def _classes(node: Node, nesting: list[str]) -> Iterator[dict[str, Any]]:
    for child in node.named_children:
        if child.type == "body_statement":
            yield from _classes(child, nesting)
        if child.type not in ("class", "module"):
            continue
        name = constant_name(child.child_by_field_name("name"))
        if not name:
            continue
        parts = [*nesting, *name.split("::")]
        superclass = child.child_by_field_name("superclass")
        info: dict[str, Any] = {
            "name": "::".join(parts),
            "l": syntax.line(child),
            "nesting": nesting,
            "module": child.type == "module",
            "super": constant_name(superclass.named_children[0])
            if superclass is not None and superclass.named_children
            else None,
            "includes": [],
            "settings": {},
            "calls": [],
        }
        body = child.child_by_field_name("body")
        if body is not None:
            _read_model_body(body, info)
            yield from _classes(body, parts)
        yield info


def _read_model_body(body: Node, info: dict[str, Any]) -> None:
    for stmt in body.named_children:
        if stmt.type == "assignment":
            left = stmt.child_by_field_name("left")
            if (
                left is not None
                and left.type == "call"
                and syntax.text(left.child_by_field_name("receiver")) == "self"
            ):
                name = syntax.text(left.child_by_field_name("method"))
                if name in SETTINGS:
                    info["settings"][name] = literal(stmt.child_by_field_name("right"))
        elif (
            stmt.type == "singleton_method"
            and syntax.text(stmt.child_by_field_name("name")) in SETTINGS
        ):
            method_body = stmt.child_by_field_name("body")
            values = method_body.named_children if method_body is not None else []
            if len(values) == 1:
                info["settings"][syntax.text(stmt.child_by_field_name("name"))] = literal(values[0])
        elif stmt.type == "identifier" and syntax.text(stmt) in model_calls():
            info["calls"].append(
                {
                    "m": syntax.text(stmt),
                    "l": syntax.line(stmt),
                    "args": [],
                    "opts": {},
                    "pairs": [],
                }
            )
        elif stmt.type == "call" and stmt.child_by_field_name("receiver") is None:
            method = syntax.text(stmt.child_by_field_name("method"))
            if method == "include":
                args = stmt.child_by_field_name("arguments")
                info["includes"].extend(
                    constant_name(a)
                    for a in (args.named_children if args is not None else ())
                    if a.type in ("constant", "scope_resolution")
                )
            elif method in model_calls():
                info["calls"].append(call_facts(stmt))
            elif method == ISOLATE_NAMESPACE:
                args = stmt.child_by_field_name("arguments")
                named = [constant_name(a) for a in (args.named_children if args else ())]
                if named and named[0]:
                    info["isolates"] = named[0]
            elif method == "with_options":
                inner = block_body(stmt)
                if inner is not None:
                    _read_model_body(inner, info)


def _table_ops(node: Node) -> Iterator[dict[str, Any]]:
    """Table operations under `node` in source order, rollback code left out."""
    for child in node.named_children:
        if child.type in ("method", "singleton_method") and (
            syntax.text(child.child_by_field_name("name")) == "down"
        ):
            continue
        if child.type == "call":
            method = syntax.text(child.child_by_field_name("method"))
            receiver = child.child_by_field_name("receiver")
            if method == "down" and receiver is not None:
                continue  # reversible { |dir| dir.down { … } }
            if receiver is None and method in TABLE_OPS:
                op = call_facts(child)
                if method in ("create_table", "create_join_table", "change_table"):
                    op["cols"] = _columns(child)
                yield op
                continue
        yield from _table_ops(child)


def _columns(call: Node) -> list[dict[str, Any]]:
    """The `t.<type> "name", …` calls of a create_table/change_table block."""
    param = block_parameter(call)
    body = block_body(call)
    out: list[dict[str, Any]] = []
    if body is None:
        return out
    for stmt in body.named_children:
        if stmt.type != "call":
            continue
        receiver = stmt.child_by_field_name("receiver")
        if receiver is not None and (param is None or syntax.text(receiver) == param):
            out.append(call_facts(stmt))
    return out


# ---------------------------------------------------------------------------------- tables


@dataclass
class Table:
    name: str
    file: str
    line: int
    fields: dict[str, EntityField] = field(default_factory=dict)
    indexes: list[EntityIndex] = field(default_factory=list)

    def column(self, name: str) -> EntityField:
        if name not in self.fields:
            self.fields[name] = EntityField(name=name)
        return self.fields[name]

    def index(self, columns: list[str], unique: bool, name: str | None) -> None:
        if any(i.columns == columns and i.unique == unique for i in self.indexes):
            return
        self.indexes.append(EntityIndex(columns, unique, name))
        if unique and len(columns) == 1 and columns[0] in self.fields:
            self.fields[columns[0]].unique = True


@dataclass
class Tables:
    """The tables of the service's databases: schema.rb files, else migrations replayed."""

    tables: dict[str, Table] = field(default_factory=dict)

    @classmethod
    def build(cls, facts: Mapping[str, FileFacts], files: list[str]) -> Tables:
        out = cls()
        present = set(files)
        for path in sorted(p for p in facts if "ops" in facts[p]):
            if is_migration(path) and _has_schema(path, facts, present):
                continue
            for op in facts[path]["ops"]:
                try:
                    out.apply(op, path)
                except (TypeError, ValueError, AttributeError, KeyError, IndexError):
                    continue  # an operation with odd arguments is skipped
        return out

    def apply(self, op: dict[str, Any], file: str) -> None:
        method, args, opts = op["m"], op["args"], op["opts"]
        name = _word(args[0]) if args else None
        if name is None:
            return
        if method == "create_table":
            self._create(name, op, file)
        elif method == "create_join_table" and len(args) > 1:
            self._create_join_table(args, op, file)
        elif method == "drop_table":
            self.tables.pop(name, None)
        elif method == "rename_table" and len(args) > 1 and name in self.tables:
            table = self.tables.pop(name)
            table.name = str(_word(args[1]))
            self.tables[table.name] = table
            self._renamed_references(name, table.name)
        elif method == "change_table" and name in self.tables:
            for column in op.get("cols", ()):
                self._table_column(self.tables[name], column)
        elif name in self.tables:
            self._alter(self.tables[name], method, args[1:], opts)

    def _renamed_references(self, old: str, new: str) -> None:
        """Foreign keys follow a renamed table (`rename_table` keeps them pointing at it)."""
        for table in self.tables.values():
            for column in table.fields.values():
                target = column.references
                if target == old or (target or "").startswith(f"{old}."):
                    column.references = new + (target or "")[len(old) :]

    def _create(self, name: str, op: dict[str, Any], file: str) -> None:
        opts = op["opts"]
        table = Table(name, file, op["l"])
        self.tables[name] = table
        if opts.get("id") is not False:
            keys = opts.get("primary_key", "id")
            id_type = opts.get("id") if isinstance(opts.get("id"), str) else "bigint"
            composite = isinstance(keys, list) and len(keys) > 1
            for key in keys if isinstance(keys, list) else [keys]:
                if isinstance(key, str):
                    column = table.column(key)
                    column.type = column.type or id_type
                    column.primary_key, column.nullable = True, False
                    column.unique = not composite  # a composite key is unique as a whole
        elif isinstance(opts.get("primary_key"), list):
            for key in opts["primary_key"]:
                if isinstance(key, str):
                    table.column(key).primary_key = True
        for column in op.get("cols", ()):
            self._table_column(table, column)

    def _create_join_table(self, args: list[Any], op: dict[str, Any], file: str) -> None:
        """`create_join_table :teams, :users`: a `teams_users` table (or `table_name:`) without
        id, holding a not-null reference to each table (`column_options:` applied)."""
        first, second = _word(args[0]), _word(args[1])
        if first is None or second is None:
            return
        opts = op["opts"]
        given = _word(opts.get("table_name"))
        name = given or _join_table_name(first, second)
        column_options = opts.get("column_options")
        extra = column_options.get(HASH, {}) if isinstance(column_options, dict) else {}
        references = [
            {
                "m": "references",
                "args": [inflector().singularize(table)],
                "opts": {"null": False, "index": False, **extra},
            }
            for table in (first, second)
        ]
        create = {"l": op["l"], "opts": {"id": False}, "cols": references + op.get("cols", [])}
        self._create(name, create, file)

    def _table_column(self, table: Table, column: dict[str, Any]) -> None:
        """One `t.…` call of a create_table/change_table block."""
        method, args, opts = column["m"], column["args"], column["opts"]
        names = [n for n in (_word(a) for a in args) if n]
        if method == "timestamps":
            self._alter(table, "add_timestamps", [], opts)
        elif method == "index" and args:
            self._alter(table, "add_index", args, opts)
        elif method in REFERENCE_COLUMNS:
            for name in names:
                self._alter(table, "add_reference", [name], opts)
        elif method == "column" and len(names) >= 2:
            self._alter(table, "add_column", names[:2], opts)
        elif method in ("remove", "remove_columns"):
            for name in names:
                table.fields.pop(name, None)
        elif method == "rename" and len(names) == 2:
            self._alter(table, "rename_column", names, opts)
        elif method == "change" and len(names) >= 2:
            self._alter(table, "change_column", names[:2], opts)
        elif method in ("remove_references", "remove_belongs_to"):
            for name in names:
                table.fields.pop(f"{name}_id", None)
        elif method not in ("remove_index", "rename_index", "check_constraint", "foreign_key"):
            kind = (_word(opts.get("type")) or method) if method == "virtual" else method
            for name in names:
                self._alter(table, "add_column", [name, kind], opts)

    def _alter(self, table: Table, method: str, args: list[Any], opts: dict[str, Any]) -> None:
        first = _word(args[0]) if args else None
        if method in ("add_column", "change_column") and first and len(args) > 1:
            column = table.column(first)
            kind = _word(args[1])
            if kind and opts.get("array") is True:
                kind += "[]"  # a PostgreSQL array column
            column.type = kind or column.type
            if "null" in opts:
                column.nullable = opts["null"] is not False
            elif method == "add_column" and column.nullable is None:
                column.nullable = True
            if opts.get("primary_key") is True:
                column.primary_key = True
            self._inline_index(table, [first], opts.get("index"))
        elif method == "remove_column" and first:
            table.fields.pop(first, None)
        elif method == "rename_column" and first and len(args) > 1:
            renamed = table.fields.pop(first, None)
            if renamed is not None:
                renamed.name = str(_word(args[1]))
                table.fields[renamed.name] = renamed
        elif method == "change_column_null" and first and len(args) > 1:
            table.column(first).nullable = args[1] is not False
        elif method == "add_index" and args:
            columns = args[0] if isinstance(args[0], list) else [args[0]]
            names = [c for c in columns if isinstance(c, str)]
            if names:
                name = opts.get("name")
                table.index(
                    names, opts.get("unique") is True, name if isinstance(name, str) else None
                )
        elif method in ("add_reference", "add_belongs_to") and first:
            self._reference(table, first, opts)
        elif method == "add_foreign_key" and first:
            given = opts.get("column")
            key = given if isinstance(given, str) else f"{inflector().singularize(first)}_id"
            target = opts.get("primary_key")
            table.column(key).references = first + (f".{target}" if isinstance(target, str) else "")
        elif method == "add_timestamps":
            nullable = opts.get("null") is not False if "null" in opts else False
            for name in ("created_at", "updated_at"):
                column = table.column(name)
                column.type, column.nullable = "datetime", nullable

    def _reference(self, table: Table, name: str, opts: dict[str, Any]) -> None:
        """`t.references :user` / `add_reference :posts, :user`: a `user_id` key."""
        column = table.column(f"{name}_id")
        column.type = _word(opts.get("type")) or column.type or "bigint"
        column.nullable = opts.get("null") is not False if "null" in opts else True
        if opts.get("polymorphic"):
            kind = table.column(f"{name}_type")
            kind.type, kind.nullable = "string", column.nullable
        else:
            target = inflector().pluralize(name)
            foreign = opts.get("foreign_key")
            if isinstance(foreign, dict):
                to_table = _word(foreign.get(HASH, {}).get("to_table"))
                target = to_table or target
            column.references = target
        index = opts.get("index", True)
        if opts.get("polymorphic") and index is not False:
            self._inline_index(table, [f"{name}_type", f"{name}_id"], index)
        else:
            self._inline_index(table, [column.name], index)

    @staticmethod
    def _inline_index(table: Table, columns: list[str], index: Any) -> None:
        """The `index:` option of a column: true, or `{ unique: true, name: … }`."""
        if index is True:
            table.index(columns, False, None)
        elif isinstance(index, dict) and HASH in index:
            options = index[HASH]
            name = options.get("name")
            table.index(
                columns, options.get("unique") is True, name if isinstance(name, str) else None
            )


def _join_table_name(first: str, second: str) -> str:
    """ActiveRecord's join table name: `teams` + `users` → `teams_users`, a common prefix
    written once (`catalog_categories` + `catalog_products` → `catalog_categories_products`)."""
    low, high = sorted((first, second))
    joined = re.sub(r"^(.*_)(.+)\0\1(.+)", r"\1\2_\3", f"{low}\0{high}")
    return joined.replace("\0", "_")


def _has_schema(migration: str, facts: Mapping[str, FileFacts], present: set[str]) -> bool:
    """Whether the database of a migration dir has a schema.rb / structure.sql of its own."""
    directory = posixpath.dirname(migration)
    db, name = posixpath.split(directory)
    prefix = name[: -len("migrate")]  # "" for db/migrate, "cache_" for db/cache_migrate
    schema = posixpath.join(db, f"{prefix}schema.rb")
    structure = posixpath.join(db, f"{prefix}structure.sql")
    return (schema in facts and bool(facts[schema].get("ops"))) or structure in present


def _word(value: Any) -> str | None:
    """A table/column/type name from a string, symbol or constant argument."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and CONST in value:
        return str(value[CONST])
    return None


# ---------------------------------------------------------------------------------- models


def _module_prefixes(facts: Mapping[str, FileFacts]) -> dict[str, str]:
    """Module → the `table_name_prefix` its models get: declared on the module (in any of the
    files reopening it), else the one `isolate_namespace Mod` of a Rails engine gives it
    (`Shop::Admin` → `shop_admin_`)."""
    declared: dict[str, str] = {}
    isolated: dict[str, str] = {}
    for file_facts in facts.values():
        for info in file_facts.get("classes", ()):
            prefix = info["settings"].get("table_name_prefix")
            if isinstance(prefix, str):
                declared[info["name"]] = prefix
            module = info.get("isolates")
            if isinstance(module, str):
                full = module.removeprefix("::")
                isolated[full] = underscore(full).replace("/", "_") + "_"
    return {**isolated, **declared}


@dataclass
class Models:
    """The model classes of known ORMs, each with its table's columns."""

    classes: Mapping[str, dict[str, Any]]
    tables: Tables
    module_prefixes: Mapping[str, str] = field(default_factory=dict)

    def entities(self) -> list[Entity]:
        out: list[Entity] = []
        used: set[str] = set()
        for name, info in sorted(self.classes.items()):
            orm = self.orm_of(info, set())
            if (
                orm is None
                or info["module"]
                or self._abstract(info)
                or self._embedded(info, orm)
                or self._inherits_table(info, orm)
            ):
                continue
            table_name = self.table_of(info, orm)
            entity = Entity(name=name, table=table_name, file=info["file"], line=info["l"])
            table = self.tables.tables.get(table_name) if orm.name == "activerecord" else None
            if table is not None:
                used.add(table_name)
                entity.sources.append(f"{table.file}:{table.line}")
                entity.fields = [EntityField(**vars(f)) for f in table.fields.values()]
                entity.indexes = [
                    EntityIndex(list(i.columns), i.unique, i.name) for i in table.indexes
                ]
            elif orm.id_field:
                entity.fields.append(EntityField(orm.id_field, None, False, True, True))
            self._model_fields(entity, info, orm)
            out.append(entity)
        for table_name, table in sorted(self.tables.tables.items()):
            if table_name not in used:
                out.append(
                    Entity(
                        name=table_name,
                        table=table_name,
                        file=table.file,
                        line=table.line,
                        fields=list(table.fields.values()),
                        indexes=list(table.indexes),
                    )
                )
        return out

    def orm_of(self, info: dict[str, Any], seen: set[str]) -> Orm | None:
        """The ORM a class belongs to, through its superclasses and included modules."""
        if info["name"] in seen:
            return None
        seen.add(info["name"])
        for orm in orms():
            if any(
                resolve_constant(i, info["nesting"], self.classes) in orm.includes
                or i in orm.includes
                for i in info["includes"]
            ):
                return orm
        superclass = info.get("super")
        if not superclass:
            return None
        full = resolve_constant(superclass, info["nesting"], self.classes)
        parent = self.classes.get(full)
        if parent is not None:
            return self.orm_of(parent, seen)
        return next((o for o in orms() if superclass in o.bases or full in o.bases), None)

    def _abstract(self, info: dict[str, Any]) -> bool:
        calls = {c["m"] for c in info["calls"]}
        return info["settings"].get("abstract_class") is True or ("primary_abstract_class" in calls)

    def _embedded(self, info: dict[str, Any], orm: Orm) -> bool:
        """A document embedded in another one (Mongoid `embedded_in`) has no collection: it is
        stored inside its parent's documents (its subclasses too)."""
        seen: set[str] = set()
        current: dict[str, Any] | None = info
        while current is not None and current["name"] not in seen:
            seen.add(current["name"])
            if any(c["m"] in orm.embedded_calls for c in current["calls"]):
                return True
            superclass = current.get("super")
            if not superclass:
                return False
            current = self.classes.get(
                resolve_constant(superclass, current["nesting"], self.classes)
            )
        return False

    def _inherits_table(self, info: dict[str, Any], orm: Orm) -> bool:
        """A subclass of a concrete model (single-table inheritance) shares its table."""
        superclass = info.get("super")
        if not superclass:
            return False
        parent = self.classes.get(resolve_constant(superclass, info["nesting"], self.classes))
        return (
            parent is not None
            and not self._abstract(parent)
            and self.orm_of(parent, set()) is orm
            and "table_name" not in info["settings"]
        )

    def table_of(self, info: dict[str, Any], orm: Orm) -> str:
        explicit = info["settings"].get("table_name")
        if isinstance(explicit, str):
            return explicit
        for call in info["calls"]:
            if orm.table_call and call["m"] == orm.table_call:
                value = call["opts"].get(orm.table_option)
                if value is None and call["args"]:
                    value = call["args"][0]  # `store_in :people`
                if isinstance(value, str):
                    return value
        name = info["name"]
        if orm.table == "underscore":
            return underscore(name).replace("/", "_")
        if orm.name != "activerecord":
            return _pluralize_last(underscore(name).replace("/", "_"))
        return self._prefix(info) + _pluralize_last(underscore(name.rsplit("::", 1)[-1]))

    def _prefix(self, info: dict[str, Any]) -> str:
        """ActiveRecord's table prefix: the enclosing model's singular table, or the
        `table_name_prefix` of the nearest enclosing module having one (`module_parents` of
        the full name: `class Shop::Item` and `module Shop; class Item` alike)."""
        parents = _module_parents(info["name"])
        outer = self.classes.get(parents[0]) if parents else None
        if outer is not None and not outer["module"]:
            orm = self.orm_of(outer, set())
            if orm is not None and not self._abstract(outer):
                return inflector().singularize(self.table_of(outer, orm)) + "_"
        own = info["settings"].get("table_name_prefix")  # the model's own, when no module has one
        return self._module_prefix(parents) or (own if isinstance(own, str) else "")

    def _module_prefix(self, parents: list[str]) -> str:
        return next((self.module_prefixes[p] for p in parents if p in self.module_prefixes), "")

    def _model_fields(self, entity: Entity, info: dict[str, Any], orm: Orm) -> None:
        fields = {f.name: f for f in entity.fields}

        def column(name: str) -> EntityField:
            if name not in fields:
                fields[name] = EntityField(name)
                entity.fields.append(fields[name])
            return fields[name]

        for module in info["includes"]:
            mixin = field_mixins().get(module)
            if mixin is not None:
                for name in mixin.fields:
                    column(name).type = column(name).type or mixin.type
        for call in info["calls"]:
            method, args, opts = call["m"], call["args"], call["opts"]
            names = [a for a in args if isinstance(a, str)]
            if method in orm.field_calls and names:
                declared = column(names[0])
                declared.type = declared.type or _field_type(args, opts, orm)
            elif method in associations() and names:
                self._belongs_to(column, names[0], opts, info)
            elif method in orm.id_list_calls and names:
                self._id_list(column, names[0], opts, info)
            elif _unique_alone(method, opts):
                for name in names:
                    column(name).unique = True
            elif method == "index" and orm.name != "activerecord" and (args or opts):
                self._document_index(entity, args, opts)
        primary = info["settings"].get("primary_key")
        if isinstance(primary, str):
            column(primary).primary_key = True

    def _belongs_to(
        self, column: Any, name: str, opts: dict[str, Any], info: dict[str, Any]
    ) -> None:
        foreign = opts.get("foreign_key")
        key = foreign if isinstance(foreign, str) else f"{name}_id"
        declared = column(key)
        if opts.get("polymorphic"):
            column(f"{name}_type")
            return
        if declared.references is None:
            declared.references = self._associated_table(_camelize(name), opts, info)

    def _associated_table(self, default: str, opts: dict[str, Any], info: dict[str, Any]) -> str:
        """The table of an association's model (`class_name:`, else `default`): the model's
        own table when it is among the files, else the naming convention's."""
        class_name = opts.get("class_name")
        target = class_name if isinstance(class_name, str) else default
        model = self.classes.get(resolve_constant(target, info["nesting"], self.classes))
        orm = self.orm_of(model, set()) if model is not None else None
        if model is not None and orm is not None:
            return self.table_of(model, orm)
        # a model outside the files read: its namespace's prefix (an unqualified name is
        # looked up in the referring model's namespace first, as Ruby does)
        parents = _module_parents(target) if "::" in target else _module_parents(info["name"])
        return self._module_prefix(parents) + _pluralize_last(
            underscore(target.rsplit("::", 1)[-1])
        )

    def _id_list(self, column: Any, name: str, opts: dict[str, Any], info: dict[str, Any]) -> None:
        """`has_and_belongs_to_many :tags` of a document ORM: an array `tag_ids` of the ids of
        the other collection's documents (`foreign_key:`, `class_name:` followed)."""
        singular = inflector().singularize(name)
        foreign = opts.get("foreign_key")
        declared = column(foreign if isinstance(foreign, str) else f"{singular}_ids")
        declared.type = declared.type or "Array"
        if declared.references is None:
            declared.references = self._associated_table(_camelize(singular), opts, info)

    @staticmethod
    def _document_index(entity: Entity, args: list[Any], opts: dict[str, Any]) -> None:
        """A document ORM's index, in any of its spellings: `index({ email: 1 }, { unique:
        true })`, `index email: 1`, `index :email, unique: true` (old Mongoid) and
        `index([[:a, 1], [:b, -1]])`."""
        first = args[0] if args else None
        options: dict[str, Any] = {}
        if isinstance(first, dict) and isinstance(first.get(HASH), dict):
            keys = list(first[HASH])
            second = args[1] if len(args) > 1 else None
            options = second.get(HASH, {}) if isinstance(second, dict) else opts
        elif isinstance(first, str):
            keys, options = [first], opts
        elif isinstance(first, list):
            keys = [k[0] for k in first if isinstance(k, list) and k and isinstance(k[0], str)]
        else:
            keys = list(opts) if not args else []
        if not keys:
            return
        name = options.get("name")
        unique = options.get("unique") is True
        entity.indexes.append(EntityIndex(keys, unique, name if isinstance(name, str) else None))
        if unique and len(keys) == 1:
            for declared in entity.fields:
                if declared.name in keys:
                    declared.unique = True


def _unique_alone(method: str, opts: dict[str, Any]) -> bool:
    """Whether a validation makes each named field unique by itself: `validates :x,
    uniqueness: true`; not when it is unique only within a `scope:` (a pair of columns)."""
    if method in unique_validations():
        options = opts
    elif method == "validates" and opts.get("uniqueness") not in (None, False):
        given = opts["uniqueness"]
        options = given.get(HASH, {}) if isinstance(given, dict) else {}
    else:
        return False
    return options.get("scope") in (None, [], False)


def _field_type(args: list[Any], opts: dict[str, Any], orm: Orm) -> str | None:
    value = opts.get(orm.type_option) if orm.type_option else (args[1] if len(args) > 1 else None)
    return _word(value)


def _module_parents(name: str) -> list[str]:
    """`A::B::C` → [`A::B`, `A`] (ActiveSupport's `module_parents`, innermost first)."""
    parts = name.removeprefix("::").split("::")[:-1]
    return ["::".join(parts[:depth]) for depth in range(len(parts), 0, -1)]


def _pluralize_last(word: str) -> str:
    """`user_profile` → `user_profiles` (only the last word changes)."""
    return inflector().pluralize(word)


def _camelize(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_", name) if part)


EXTRACTORS = [RailsModels]
