"""Entities of Go services using gorm: the structs gorm maps to tables.

A struct is a model when it embeds `gorm.Model`, carries `gorm:"…"` field tags, has a
`TableName()` method, or is passed to `AutoMigrate(&X{})` / `CreateTable(&X{})` — except a
base struct only embedded by other models (gorm.Model-like). Its table is `TableName()`'s
literal, else gorm's naming: the snake_case plural of the struct name (rules/go.toml), singular
and prefixed when the service sets `SingularTable` / a literal `TablePrefix`. Columns
are its exported fields (embedded structs flattened, `gorm:"-"` and relations left out) with
gorm's tags read: column, type, primaryKey, not null, unique, uniqueIndex, index. Relations give
references: belongs-to (`Author User` + `AuthorID`), has-one/has-many (`Comments []Comment` →
`comments.article_id` references the owner) and many2many join tables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import go_common
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from tree_sitter import Node

GORM_IMPORTS = ("gorm.io/gorm", "github.com/jinzhu/gorm")
MIGRATE_CALLS = ("AutoMigrate", "CreateTable")
NULLABLE_TYPES = re.compile(r"^(\*|sql\.Null|gorm\.DeletedAt$|null\.)")


@dataclass(frozen=True)
class ModelField:
    """A column every struct embedding gorm.Model has."""

    name: str
    column: str
    type: str
    primary_key: bool = False
    nullable: bool | None = None
    index: bool = False


@dataclass(frozen=True)
class PluralRule:
    pattern: str
    replacement: str


@dataclass(frozen=True)
class TagAlias:
    """An older (gorm v1) spelling of a tag setting and the setting it means."""

    name: str
    key: str


MODEL_FIELDS = load_rules("go", "gorm_model_field", ModelField)
TAG_ALIASES = {a.name: a.key for a in load_rules("go", "gorm_tag_alias", TagAlias)}
PLURAL_RULES = tuple(
    (re.compile(r.pattern, re.IGNORECASE), r.replacement)
    for r in load_rules("go", "plural_rule", PluralRule)
)


# ---------------------------------------------------------------------------------------------
# extract
# ---------------------------------------------------------------------------------------------


def _structs(root: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in syntax.captures("go", "go-declarations", root).get("type", []):
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("type")
        if name is None or body is None or body.type != "struct_type":
            continue
        fields = []
        for decl in body.named_children[0].named_children if body.named_children else []:
            if decl.type != "field_declaration":
                continue
            type_node = decl.child_by_field_name("type")
            tag = decl.child_by_field_name("tag")
            names = decl.children_by_field_name("name")
            entry = {
                "type": syntax.text(type_node),
                "ref": go_common.type_ref(type_node),
                "tag": syntax.string_value(tag) if tag is not None else None,
                "line": syntax.line(decl),
            }
            if not names:
                fields.append({"name": None, **entry})
            for n in names:
                fields.append({"name": syntax.text(n), **entry})
        out[syntax.text(name)] = {"line": syntax.line(node), "fields": fields}
    return out


def _table_names(root: Node) -> dict[str, str]:
    """Receiver type → the literal returned by its `TableName()` method."""
    out: dict[str, str] = {}
    for node in syntax.captures("go", "go-declarations", root).get("method", []):
        name = node.child_by_field_name("name")
        if syntax.text(name) != "TableName":
            continue
        receiver = node.child_by_field_name("receiver")
        params = receiver.named_children if receiver is not None else []
        kind = go_common.type_ref(params[0].child_by_field_name("type")) if params else None
        body = node.child_by_field_name("body")
        if kind is None or body is None:
            continue
        for ret in _nodes(body, "return_statement"):
            values = ret.named_children[0].named_children if ret.named_children else []
            value = syntax.string_value(values[0]) if values else None
            if value:
                out[str(kind[1])] = value
                break
    return out


def _migrated(root: Node) -> list[Any]:
    """Types passed to AutoMigrate/CreateTable: `db.AutoMigrate(&User{}, &models.Post{})`."""
    out: list[Any] = []
    for call in _nodes(root, "call_expression"):
        function = call.child_by_field_name("function")
        if function is None or function.type != "selector_expression":
            continue
        if syntax.text(function.child_by_field_name("field")) not in MIGRATE_CALLS:
            continue
        arguments = call.child_by_field_name("arguments")
        for arg in arguments.named_children if arguments is not None else []:
            while (
                arg.type in ("unary_expression", "parenthesized_expression") and arg.named_children
            ):
                arg = arg.named_children[-1]
            if arg.type == "composite_literal":
                ref = go_common.type_ref(arg.child_by_field_name("type"))
                if ref is not None:
                    out.append(ref)
            elif arg.type == "call_expression":  # new(User)
                args = arg.child_by_field_name("arguments")
                if syntax.text(arg.child_by_field_name("function")) == "new" and args is not None:
                    ref = (
                        go_common.type_ref(args.named_children[0]) if args.named_children else None
                    )
                    if ref is not None:
                        out.append(ref)
    return out


_SINGULAR = re.compile(rb"SingularTable(?:\(\s*true\s*\)|\s*:\s*true\b)")
_TABLE_PREFIX = re.compile(rb'\bTablePrefix\s*:\s*"([^"\\\n]*)"')


def _naming(source: bytes) -> dict[str, Any] | None:
    """The service's table naming settings a file configures: gorm v1 `db.SingularTable(true)`,
    gorm v2 `schema.NamingStrategy{TablePrefix: "t_", SingularTable: true}`."""
    singular = _SINGULAR.search(source) is not None
    prefix = _TABLE_PREFIX.search(source)
    if not singular and prefix is None:
        return None
    return {"singular": singular, "prefix": prefix.group(1).decode() if prefix else ""}


def _nodes(node: Node, kind: str) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == kind:
            yield current
        stack.extend(reversed(current.named_children))


# ---------------------------------------------------------------------------------------------
# resolve
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def snake_case(name: str) -> str:
    """gorm's column/table naming: `UserID` → `user_id`, `HTTPCode` → `http_code`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", name)
    return name.replace("-", "_").lower()


@functools.lru_cache(maxsize=65536)
def plural(word: str) -> str:
    """jinzhu/inflection's plural of the last word of a snake_case name."""
    for pattern, replacement in PLURAL_RULES:
        if pattern.search(word):
            return pattern.sub(replacement, word, count=1)
    return word


_GORM_TAG = re.compile(r'(?:^|\s)gorm:"')
_TAG_SETTINGS = re.compile(r'(?:^|\s)(?:gorm|sql):"((?:[^"\\]|\\.)*)"')


def parse_tag(tag: str | None) -> dict[str, str] | None:
    """The settings of a field's `gorm:"…"` (and gorm v1 `sql:"…"`) tag (keys upper-cased, as
    gorm reads them), or None without one."""
    if not tag:
        return None
    # gorm v1 also reads the settings of a `sql:"…"` tag
    found = [m.group(1) for m in _TAG_SETTINGS.finditer(tag)]
    if not found:
        return None
    out: dict[str, str] = {}
    for part in ";".join(found).split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition(":")
        key = key.strip().upper()
        out.setdefault(TAG_ALIASES.get(key, key), value.strip())
    return out


@dataclass
class _Struct:
    directory: str
    file: str
    name: str
    line: int
    fields: list[dict[str, Any]]
    imports: dict[str, str]
    table_name: str | None = None
    migrated: bool = False
    embedded_by: int = 0

    def key(self) -> tuple[str, str]:
        return (self.directory, self.name)


@dataclass
class _Column:
    field_name: str
    entity_field: EntityField
    indexes: list[tuple[str | None, bool]] = field(default_factory=list)


def _unknown_relation(ref: list[Any] | None, tag: dict[str, str]) -> bool:
    """A slice of structs gorm has no column for (`Gists []Gist`, `many2many:`), even when
    the element type is not found among the service's files: a named element type (capital or
    package-qualified; not `[]byte`, `[]string`) with no `type:`/`serializer:` tag."""
    if not ref or not ref[1] or "[]" not in (ref[2] or ""):
        return False
    if "MANY2MANY" in tag:
        return True
    named = ref[0] is not None or str(ref[1])[:1].isupper()
    return named and "TYPE" not in tag and "SERIALIZER" not in tag


class _Models:
    """The gorm models of a service and their entities."""

    def __init__(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> None:
        self.structs: dict[tuple[str, str], _Struct] = {}
        directories = sorted({go_common.dirname(p) for p in facts})
        self.packages = go_common.Packages(ctx, directories)
        migrations: list[tuple[str, Any]] = []
        for path in sorted(facts):
            data = facts[path]
            directory = go_common.dirname(path)
            for name, struct in data.get("structs", {}).items():
                self.structs.setdefault(
                    (directory, name),
                    _Struct(
                        directory,
                        path,
                        name,
                        struct["line"],
                        struct["fields"],
                        data.get("imports", {}),
                    ),
                )
            migrations.extend((path, ref) for ref in data.get("migrated", []))
        for path, data in facts.items():
            for name, table in data.get("table_names", {}).items():
                struct = self.structs.get((go_common.dirname(path), name))
                if struct is not None:
                    struct.table_name = table
        for path, ref in migrations:
            target = self.lookup(ref, path, facts[path].get("imports", {}))
            if target is not None:
                target.migrated = True
        for struct in self.structs.values():
            for f in struct.fields:
                if f["name"] is None:
                    embedded = self.lookup(f["ref"], struct.file, struct.imports)
                    if embedded is not None:
                        embedded.embedded_by += 1
        self.models = {k: s for k, s in self.structs.items() if self.is_model(s)}
        self.add_related_models()
        namings = [facts[p]["naming"] for p in sorted(facts) if facts[p].get("naming")]
        self.singular = any(n["singular"] for n in namings)
        self.prefix = next((n["prefix"] for n in namings if n["prefix"]), "")

    def lookup(self, ref: list[Any] | None, file: str, imports: dict[str, str]) -> _Struct | None:
        if not ref or not ref[1]:
            return None
        if ref[0] is None:
            return self.structs.get((go_common.dirname(file), ref[1]))
        path = imports.get(ref[0])
        if path is None:
            return None
        directory = self.packages.dir_of(path)
        return self.structs.get((directory, ref[1])) if directory is not None else None

    def is_model(self, struct: _Struct) -> bool:
        if struct.migrated or struct.table_name:
            return True
        embeds_model = any(
            f["name"] is None and self.is_gorm_model(f, struct) for f in struct.fields
        )
        tagged = any(_GORM_TAG.search(f["tag"] or "") for f in struct.fields)
        if struct.embedded_by and not embeds_model:
            return False  # a base struct of other models
        return embeds_model or (tagged and struct.embedded_by == 0)

    def add_related_models(self) -> None:
        """A plain struct a model relates to is a model too: `Tag Tag` with a `TagID` column
        (belongs-to), `Comments []Comment` where Comment has `ArticleID` (has-many), or a
        many2many field."""
        pending = list(self.models.values())
        while pending:
            struct = pending.pop()
            names = {f["name"] for f in struct.fields if f["name"]}
            for f in struct.fields:
                target = self.lookup(f["ref"], struct.file, struct.imports) if f["name"] else None
                if target is None or target.key() in self.models or target.embedded_by:
                    continue
                is_many = "[]" in (f["ref"][2] or "")
                tag = parse_tag(f["tag"]) or {}
                their_names = {g["name"] for g in target.fields if g["name"]}
                if (
                    "MANY2MANY" in tag
                    or (not is_many and _foreign_key(tag, f["name"], "ID", names) in names)
                    or _foreign_key(tag, struct.name, "ID", their_names) in their_names
                ):
                    self.models[target.key()] = target
                    pending.append(target)

    def is_gorm_model(self, f: dict[str, Any], struct: _Struct) -> bool:
        ref = f["ref"]
        return bool(
            ref and ref[1] == "Model" and ref[0] and struct.imports.get(ref[0]) in GORM_IMPORTS
        )

    def table(self, struct: _Struct) -> str:
        """`TableName()`'s literal, else the naming strategy's name: the snake_case plural of
        the struct name (singular with SingularTable), after the TablePrefix."""
        if struct.table_name:
            return struct.table_name
        name = snake_case(struct.name)
        if not self.singular:
            head, _, last = name.rpartition("_")
            name = f"{head}_{plural(last)}" if head else plural(last)
        return self.prefix + name

    # -- entities ----------------------------------------------------------------------------

    def entities(self) -> list[Entity]:
        entities: dict[tuple[str, str], Entity] = {}
        columns: dict[tuple[str, str], list[_Column]] = {}
        joins: list[Entity] = []
        for key, struct in sorted(self.models.items()):
            cols = list(self.columns(struct, struct, "", set()))
            columns[key] = cols
            entities[key] = Entity(
                name=struct.name, table=self.table(struct), file=struct.file, line=struct.line
            )
        for struct in sorted(self.models.values(), key=_Struct.key):
            joins.extend(self.relations(struct, columns))
        for key, entity in entities.items():
            self.finish(entity, columns[key])
        return list(entities.values()) + joins

    def columns(
        self, owner: _Struct, struct: _Struct, prefix: str, seen: set[tuple[str, str]]
    ) -> Iterator[_Column]:
        if struct.key() in seen:
            return
        seen = seen | {struct.key()}
        for f in struct.fields:
            tag = parse_tag(f["tag"]) or {}
            if "-" in tag or tag.get("-") is not None:
                continue
            if f["name"] is None:
                if self.is_gorm_model(f, struct):
                    yield from self.model_columns(prefix)
                    continue
                embedded = self.lookup(f["ref"], struct.file, struct.imports)
                if embedded is not None:
                    yield from self.columns(
                        owner, embedded, prefix + tag.get("EMBEDDEDPREFIX", ""), seen
                    )
                continue
            name = f["name"]
            if not name[:1].isupper():
                continue
            target = self.lookup(f["ref"], struct.file, struct.imports)
            if target is not None and ("EMBEDDED" in tag):
                yield from self.columns(owner, target, prefix + tag.get("EMBEDDEDPREFIX", ""), seen)
                continue
            if target is not None and (target.key() in self.models or "[]" in (f["ref"][2] or "")):
                continue  # a relation, not a column
            if target is None and _unknown_relation(f["ref"], tag):
                continue  # a relation to a model outside the service's files (or generated)
            yield self.column(name, f, tag, prefix)

    def model_columns(self, prefix: str) -> Iterator[_Column]:
        for model_field in MODEL_FIELDS:
            column = _Column(
                model_field.name,
                EntityField(
                    name=prefix + model_field.column,
                    type=model_field.type,
                    nullable=model_field.nullable,
                    primary_key=model_field.primary_key,
                ),
            )
            if model_field.index:
                column.indexes.append((None, False))
            yield column

    def column(self, name: str, f: dict[str, Any], tag: dict[str, str], prefix: str) -> _Column:
        kind = tag.get("TYPE") or f["type"]
        nullable: bool | None = True if NULLABLE_TYPES.match(f["type"]) else None
        primary = "PRIMARYKEY" in tag
        if "NOT NULL" in tag or primary:
            nullable = False
        column = _Column(
            name,
            EntityField(
                name=prefix + (tag.get("COLUMN") or snake_case(name)),
                type=kind,
                nullable=nullable,
                unique="UNIQUE" in tag,
                primary_key=primary,
            ),
        )
        for key, unique in (("INDEX", False), ("UNIQUEINDEX", True)):
            if key in tag:
                index_name = tag[key].split(",")[0].strip() or None
                column.indexes.append((index_name, unique))
        return column

    def relations(
        self, struct: _Struct, columns: dict[tuple[str, str], list[_Column]]
    ) -> Iterator[Entity]:
        """References from relation fields, and many2many join tables."""
        own = {c.field_name: c for c in columns[struct.key()]}
        for f in struct.fields:
            if not f["name"]:
                continue
            target = self.lookup(f["ref"], struct.file, struct.imports)
            if target is None or target.key() not in self.models:
                continue
            tag = parse_tag(f["tag"]) or {}
            if "MANY2MANY" in tag:
                yield self.join_table(struct, target, f["name"], tag, columns)
                continue
            is_many = "[]" in (f["ref"][2] or "")
            belongs_key = _foreign_key(tag, f["name"], _primary(target, columns)[0], own)
            if not is_many and belongs_key in own:
                reference = tag.get("REFERENCES")
                column = snake_case(reference) if reference else _primary(target, columns)[1]
                own[belongs_key].entity_field.references = f"{self.table(target)}.{column}"
                continue
            theirs = {c.field_name: c for c in columns.get(target.key(), [])}
            has_key = _foreign_key(tag, struct.name, _primary(struct, columns)[0], theirs)
            if has_key in theirs and theirs[has_key].entity_field.references is None:
                reference = tag.get("REFERENCES")
                column = snake_case(reference) if reference else _primary(struct, columns)[1]
                theirs[has_key].entity_field.references = f"{self.table(struct)}.{column}"

    def join_table(
        self,
        struct: _Struct,
        target: _Struct,
        field_name: str,
        tag: dict[str, str],
        columns: dict[tuple[str, str], list[_Column]],
    ) -> Entity:
        """gorm's many2many join table: `<owner><its key>` and `<target><its key>` columns
        (the field's name instead of the target's for a self-reference), or the names given by
        joinForeignKey / joinReferences."""
        name = tag["MANY2MANY"]
        own_key, own_column = _primary(struct, columns)
        their_key, their_column = _primary(target, columns)
        left = snake_case(tag.get("JOINFOREIGNKEY") or struct.name + own_key)
        right = snake_case(target.name + their_key)
        if right == left:
            right = snake_case(field_name + their_key)
        right = snake_case(tag["JOINREFERENCES"]) if tag.get("JOINREFERENCES") else right
        return Entity(
            name=name,
            table=name,
            file=struct.file,
            line=struct.line,
            fields=[
                EntityField(
                    name=left,
                    nullable=False,
                    primary_key=True,
                    references=f"{self.table(struct)}.{own_column}",
                ),
                EntityField(
                    name=right,
                    nullable=False,
                    primary_key=True,
                    references=f"{self.table(target)}.{their_column}",
                ),
            ],
        )

    def finish(self, entity: Entity, columns: list[_Column]) -> None:
        if columns and not any(c.entity_field.primary_key for c in columns):
            for c in columns:
                if c.field_name == "ID":
                    c.entity_field.primary_key = True
                    c.entity_field.nullable = False
        named: dict[str, EntityIndex] = {}
        for c in columns:
            entity.fields.append(c.entity_field)
            for index_name, unique in c.indexes:
                if index_name is None:
                    if unique:
                        c.entity_field.unique = True
                    entity.indexes.append(EntityIndex([c.entity_field.name], unique))
                    continue
                if index_name in named:
                    named[index_name].columns.append(c.entity_field.name)
                else:
                    named[index_name] = EntityIndex([c.entity_field.name], unique, index_name)
                    entity.indexes.append(named[index_name])
        for index in named.values():
            if index.unique and len(index.columns) == 1:
                for f in entity.fields:
                    if f.name == index.columns[0]:
                        f.unique = True


def _foreign_key(tag: dict[str, str], name: str, primary: str, fields: Container[str]) -> str:
    """The foreign key field of a relation as gorm guesses it: the `foreignKey` tag, else the
    field's (belongs-to) or owner's (has-one/many) name + the primary key's name, or + ID / Id
    (`Dept *SysDept` with primary key DeptId → `DeptDeptId`, `DeptID` or `DeptId`)."""
    if tag.get("FOREIGNKEY"):
        return tag["FOREIGNKEY"]
    candidates = (name + primary, name + "ID", name + "Id")
    return next((c for c in candidates if c in fields), candidates[0])


def _primary(struct: _Struct, columns: dict[tuple[str, str], list[_Column]]) -> tuple[str, str]:
    """The primary key of a model: (field name, column); gorm's default is `ID` → `id`."""
    for column in columns.get(struct.key(), []):
        if column.entity_field.primary_key:
            return column.field_name, column.entity_field.name
    return "ID", "id"


class GoGorm(Extractor):
    """gorm models of Go services."""

    name: ClassVar[str] = "go-gorm"
    version: ClassVar[int] = 4
    extensions: ClassVar[frozenset[str]] = frozenset({".go"})
    languages: ClassVar[frozenset[str]] = frozenset({"go"})

    def applies(self, ctx: ServiceContext) -> bool:
        # every Go file is read (models passed to AutoMigrate need not import gorm), so only
        # in services that use gorm
        return super().applies(ctx) and "gorm" in ctx.orm

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        tree = syntax.parse("go", source)
        root = tree.root_node
        structs = _structs(root)
        naming = _naming(source) if b"SingularTable" in source or b"TablePrefix" in source else None
        if not structs and not naming and not any(c.encode() in source for c in MIGRATE_CALLS):
            return None
        facts: FileFacts = {
            "naming": naming,
            "imports": go_common.imports(root),
            "structs": structs,
            "table_names": _table_names(root) if b"TableName" in source else {},
            "migrated": _migrated(root) if any(c.encode() in source for c in MIGRATE_CALLS) else [],
        }
        return facts

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        return Part(entities=_Models(facts, ctx).entities())


EXTRACTORS = [GoGorm]
