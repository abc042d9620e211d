"""Entities of JavaScript / TypeScript ORMs (rules: rules/node.toml).

- decorated entity classes (`[[entity_style]]`): TypeORM `@Entity("t")` with `@Column({nullable,
  unique})`, `@PrimaryGeneratedColumn`, `@ManyToOne` (+ `@JoinColumn`) → a foreign-key column,
  `@ManyToMany` + `@JoinTable` → the join table TypeORM creates, `@Index`/`@Unique`; MikroORM;
  sequelize-typescript `@Table` + `@Column`/`@PrimaryKey`/`@ForeignKey`; Nest `@Schema` + `@Prop`.
- model calls (`[[model_call]]`): Sequelize `sequelize.define("User", {…}, {tableName})` and
  `User.init({…}, {tableName})`, Mongoose `mongoose.model("User", new Schema({…}))`.
- migration builders (`[[schema_builder]]`): knex `schema.createTable("t", (t) => …)`.
- SQL run from code (`[[sql_call]]`): `queryRunner.query("CREATE TABLE …")` in migrations, read
  with the SQL DDL extractor's parser and replayed in migration order.

Tables follow each ORM's naming convention when none is given (TypeORM/MikroORM snake_case of the
class name, Sequelize the pluralized model name, Mongoose the lower-cased plural).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import node_js, sql_ddl
from backend_planner.workspace.codemap.inflection import pluralize
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from tree_sitter import Node


@dataclass(frozen=True)
class EntityStyle:
    name: str
    modules: tuple[str, ...]
    entities: tuple[str, ...]
    table_options: tuple[str, ...]
    naming: str
    columns: dict[str, str]
    owning_relations: tuple[str, ...]
    nullable_options: tuple[str, ...]
    unique_options: tuple[str, ...]
    primary_options: tuple[str, ...]
    column_name_options: tuple[str, ...]
    type_options: tuple[str, ...]
    flags: dict[str, str] = field(default_factory=dict)
    many_to_many: tuple[str, ...] = ()
    join_column: str | None = None
    join_table: str | None = None
    index_decorators: tuple[str, ...] = ()
    join_required: tuple[str, ...] = ()  # owning only with the join_column decorator
    unique_decorators: tuple[str, ...] = ()
    required_options: tuple[str, ...] = ()
    default_nullable: bool | None = None  # a column without a nullable option
    optional_nullable: bool = True  # `prop?: T` makes the column nullable
    column_naming: str = "property"  # "snake": `createdAt` → created_at, `author` → author_id
    relation_nullable: bool = True  # a relation's column without a nullable option


@dataclass(frozen=True)
class ModelCall:
    name: str
    modules: tuple[str, ...]
    define_calls: tuple[str, ...]
    init_calls: tuple[str, ...]
    naming: str
    table_options: tuple[str, ...]
    nullable_options: tuple[str, ...]
    unique_options: tuple[str, ...]
    primary_options: tuple[str, ...]
    column_name_options: tuple[str, ...]
    references_options: tuple[str, ...]


@dataclass(frozen=True)
class SchemaBuilder:
    name: str
    create_calls: tuple[str, ...]
    not_null: tuple[str, ...]
    nullable: tuple[str, ...]
    unique: tuple[str, ...]
    primary: tuple[str, ...]
    references: tuple[str, ...]
    in_table: tuple[str, ...]
    non_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableBuilder:
    """A migration's table object (TypeORM `new Table({name, columns, foreignKeys, indices})`)."""

    name: str
    create_calls: tuple[str, ...]
    constructors: tuple[str, ...]
    name_option: str
    columns_option: str
    column_name: str
    column_type: str
    primary: str
    nullable: str
    unique: str
    generated: str
    foreign_keys_option: str
    fk_columns: str
    fk_table: str
    fk_referenced_columns: str
    indices_option: str
    index_columns: str
    index_unique: str
    index_name: str


@dataclass(frozen=True)
class SqlCall:
    name: str
    calls: tuple[str, ...]
    rollback_functions: tuple[str, ...] = ()


ENTITY_STYLES = load_rules("node", "entity_style", EntityStyle)
MODEL_CALLS = load_rules("node", "model_call", ModelCall)
BUILDERS = load_rules("node", "schema_builder", SchemaBuilder)
TABLE_BUILDERS = load_rules("node", "table_builder", TableBuilder)
TABLE_CONSTRUCTORS = {c: b for b in TABLE_BUILDERS for c in b.constructors}
TABLE_CREATE_CALLS = frozenset(c for b in TABLE_BUILDERS for c in b.create_calls)
SQL_CALL_RULES = load_rules("node", "sql_call", SqlCall)
SQL_CALLS = frozenset(c for s in SQL_CALL_RULES for c in s.calls)
ROLLBACK_FUNCTIONS = frozenset(f for s in SQL_CALL_RULES for f in s.rollback_functions)
CREATE_CALLS = {c: b for b in BUILDERS for c in b.create_calls}
SQL_START = re.compile(r"^\s*(CREATE|ALTER|DROP|RENAME)\s", re.IGNORECASE)


def _decorator(node: Node) -> tuple[str, list[Node]]:
    expr = node.named_children[0] if node.named_children else None
    if expr is not None and expr.type == "call_expression":
        return syntax.text(expr.child_by_field_name("function")), node_js.arguments(expr)
    return syntax.text(expr), []


def _option(options: Mapping[str, Node], keys: tuple[str, ...]) -> Node | None:
    for key in keys:
        if key in options:
            return options[key]
    return None


def _flag(options: Mapping[str, Node], keys: tuple[str, ...]) -> bool | None:
    node = _option(options, keys)
    if node is None:
        return None
    return syntax.text(node) == "true"


def _target_class(node: Node | None) -> str | None:
    """`() => User`, `type => User`, `"User"`, `User` → "User"."""
    node = node_js.unwrap(node)
    if node is None:
        return None
    if node.type == "arrow_function":
        return _target_class(node.child_by_field_name("body"))
    if node.type == "string":
        return syntax.string_value(node)
    if node.type in ("identifier", "member_expression"):
        return syntax.text(node).rsplit(".", 1)[-1]
    return None


WRAPPER_TYPE = re.compile(r"^\w*(?:Ref|Rel|Reference|Collection|Promise|Array)<\s*(\w+)")
INITIALIZER_TYPES = {"string": "string", "template_string": "string", "number": "number"}


def _declared_class(text: str | None) -> str | None:
    """The entity class a relation property is typed with: `User`, `User | null`, `Ref<User>`,
    `Collection<Tag>`, `new Collection<Tag>(this)`, `Tag[]` → the class name."""
    if not text:
        return None
    text = text.removeprefix("new ").strip()
    wrapped = WRAPPER_TYPE.match(text)
    if wrapped:
        return wrapped.group(1)
    head = text.split("|")[0].strip().removesuffix("[]")
    return head if re.fullmatch(r"[A-Z]\w*", head) else None


def _initializer_type(value: Node | None) -> str | None:
    """A property typed by its initializer: `bio = ""` → string, `count = 0` → number,
    `createdAt = new Date()` → Date, `active = true` → boolean."""
    value = node_js.unwrap(value)
    if value is None:
        return None
    if value.type in ("true", "false"):
        return "boolean"
    if value.type == "new_expression":
        constructor = value.child_by_field_name("constructor")
        return syntax.text(constructor) if constructor is not None else None
    return INITIALIZER_TYPES.get(value.type)


class _FileReader:
    def __init__(self, grammar: str, root: Node) -> None:
        self.grammar = grammar
        self.root = root
        module = node_js.read_module(root)
        self.consts: dict[str, str] = module["consts"]
        self.imports: dict[str, dict[str, str]] = module["imports"]
        self.styles = {
            local: style
            for local, ref in self.imports.items()
            for style in ENTITY_STYLES
            if ref["module"] in style.modules
        }
        modules = {ref["module"] for ref in self.imports.values()}
        self.model_calls = [m for m in MODEL_CALLS if modules & set(m.modules)]
        self.schemas: dict[str, list[dict[str, Any]]] = {}
        self.table_objects: dict[str, Node] = {}  # `const table = new Table({…})`

    def read(self) -> FileFacts | None:
        found = node_js.matches_by_capture(self.grammar, "entities", self.root)
        classes = [c for c in (self._class(n) for n in found.get("class", [])) if c]
        models: list[dict[str, Any]] = []
        tables: list[dict[str, Any]] = []
        sql: list[dict[str, Any]] = []
        for decl in found.get("declarator", []):
            self._schema_variable(decl)
        for call in found.get("call", []):
            self._call(call, models, tables, sql)
        if not (classes or models or tables or sql):
            return None
        return {"classes": classes, "models": models, "tables": tables, "sql": sql}

    # --- decorated classes ---------------------------------------------------------------

    def _class(self, cls: Node) -> dict[str, Any] | None:
        decorators = [c for c in cls.children if c.type == "decorator"]
        if cls.parent is not None and cls.parent.type == "export_statement":
            decorators = [c for c in cls.parent.children if c.type == "decorator"] + decorators
        for decorator in decorators:
            name, args = _decorator(decorator)
            style = self.styles.get(name)
            if style is None or name not in style.entities:
                continue
            table = None
            for arg in args:
                options = node_js.object_pairs(arg)
                value = _option(options, style.table_options) if options else arg
                table = node_js.string_of(value, self.consts) if value is not None else None
                if table:
                    break
            body = cls.child_by_field_name("body")
            fields, indexes = self._members(body, style) if body is not None else ([], [])
            indexes.extend(self._class_indexes(decorators, style))
            return {
                "name": syntax.text(cls.child_by_field_name("name")),
                "line": syntax.line(cls),
                "table": table,
                "naming": style.naming,
                "fields": fields,
                "indexes": indexes,
            }
        return None

    def _class_indexes(self, decorators: list[Node], style: EntityStyle) -> list[dict[str, Any]]:
        out = []
        for decorator in decorators:
            name, args = _decorator(decorator)
            if name not in style.index_decorators and name not in style.unique_decorators:
                continue
            columns: list[str] = []
            unique = name in style.unique_decorators
            index_name = None
            for given in args:
                arg = node_js.unwrap(given)
                if arg is None:
                    continue
                if arg.type == "array":
                    columns = [c for c in node_js.strings_of(arg, self.consts) if c]
                elif arg.type == "object":
                    unique = unique or _flag(node_js.object_pairs(arg), ("unique",)) is True
                elif arg.type == "string" and not columns:
                    index_name = syntax.string_value(arg)
            if columns:
                out.append({"columns": columns, "unique": unique, "name": index_name})
        return out

    def _members(
        self, body: Node, style: EntityStyle
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        fields: list[dict[str, Any]] = []
        indexes: list[dict[str, Any]] = []
        pending: list[Node] = []
        for member in body.named_children:
            if member.type == "decorator":
                pending.append(member)
                continue
            decorators = pending + [c for c in member.children if c.type == "decorator"]
            pending = []
            if member.type not in ("public_field_definition", "field_definition"):
                continue
            prop_node = member.child_by_field_name("name") or member.child_by_field_name("property")
            prop = syntax.text(prop_node)
            found = self._member(prop, member, decorators, style, indexes)
            if found is not None:
                fields.append(found)
        return fields, indexes

    def _member(
        self,
        prop: str,
        member: Node,
        decorators: list[Node],
        style: EntityStyle,
        indexes: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        column: dict[str, Any] | None = None
        flags: dict[str, Any] = {}
        relation: dict[str, Any] | None = None
        join: dict[str, Any] = {}
        for decorator in decorators:
            name, args = _decorator(decorator)
            if name in style.columns:
                column = self._column_options(args, style)
                if style.columns[name] == "primary":
                    column["primary"] = True
            elif name in style.flags:
                flags[style.flags[name]] = _target_class(args[0]) if args else True
            elif name in style.owning_relations or name in style.many_to_many:
                options = next((o for o in map(node_js.object_pairs, args) if o), {})
                nullable = _flag(options, style.nullable_options) if options else None
                relation = {
                    "join_required": name in style.join_required,
                    "kind": "many" if name in style.many_to_many else "one",
                    "target": _target_class(args[0]) if args else None,
                    "nullable": style.relation_nullable if nullable is None else nullable,
                }
            elif name in (style.join_column, style.join_table):
                options = node_js.object_pairs(args[0]) if args else {}
                join = {
                    "name": node_js.string_of(options.get("name"), self.consts),
                    "table": name == style.join_table,
                }
            elif name in style.index_decorators:
                options = node_js.object_pairs(args[-1]) if args else {}
                indexes.append(
                    {"columns": [prop], "unique": _flag(options, ("unique",)) is True, "name": None}
                )
        type_node = member.child_by_field_name("type")
        declared = syntax.text(type_node).lstrip(": ").strip() if type_node else None
        optional = any(c.type == "?" for c in member.children)
        value = member.child_by_field_name("value")
        snake = style.column_naming == "snake"
        if relation is not None:
            if relation["target"] is None:  # `@ManyToOne() author: User` (MikroORM)
                relation["target"] = _declared_class(declared) or _declared_class(
                    syntax.text(value) if value is not None else None
                )
            if relation["kind"] == "many" and not join.get("table"):
                return None
            if relation["join_required"] and not join:
                return None  # the inverse side of a one-to-one holds no column
            if relation["kind"] == "one" and relation["target"]:
                return {
                    "name": join.get("name")
                    or (f"{snake_case(prop)}_id" if snake else f"{prop}Id"),
                    "property": prop,
                    "relation": relation["target"],
                    "join_table": bool(join.get("table")),
                    "join_name": join.get("name"),
                    "nullable": relation["nullable"],
                    "line": syntax.line(member),
                }
            return {
                "name": prop,
                "property": prop,
                "relation": relation["target"],
                "join_table": True,
                "join_name": join.get("name"),
                "line": syntax.line(member),
                "many": True,
            }
        if column is None:
            return None
        nullable = column.get("nullable")
        if flags.get("nullable") is not None:
            nullable = True
        if nullable is None and column.pop("required", None) is not None:
            nullable = False
        if nullable is None and optional and style.optional_nullable:
            nullable = True
        if nullable is None:
            primary = column.get("primary") or flags.get("primary")
            nullable = False if primary else style.default_nullable
        return {
            "name": column.get("name") or (snake_case(prop) if snake else prop),
            "property": prop,
            "type": column.get("type") or declared or _initializer_type(value),
            "nullable": nullable,
            "unique": bool(column.get("unique") or flags.get("unique")),
            "primary": bool(column.get("primary") or flags.get("primary")),
            "relation": flags.get("foreign_key")
            if isinstance(flags.get("foreign_key"), str)
            else None,
            "line": syntax.line(member),
        }

    def _column_options(self, args: list[Node], style: EntityStyle) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for given in args:
            arg = node_js.unwrap(given)
            if arg is None:
                continue
            if arg.type == "string":
                out["type"] = syntax.string_value(arg)
            elif arg.type == "member_expression":  # sequelize-typescript @Column(DataType.TEXT)
                out["type"] = syntax.text(arg).rsplit(".", 1)[-1]
            options = node_js.object_pairs(arg)
            if not options:
                continue
            type_node = _option(options, style.type_options)
            if type_node is not None:
                out["type"] = (
                    node_js.string_of(type_node, self.consts)
                    or syntax.text(type_node).rsplit(".", 1)[-1]
                )
            name = _option(options, style.column_name_options)
            if name is not None:
                out["name"] = node_js.string_of(name, self.consts)
            out["nullable"] = _flag(options, style.nullable_options)
            out["unique"] = _flag(options, style.unique_options)
            out["primary"] = _flag(options, style.primary_options)
            required = _flag(options, style.required_options)
            if required is not None:
                out["required"] = required
                out["nullable"] = not required
        return out

    # --- calls ---------------------------------------------------------------------------

    def _schema_variable(self, decl: Node) -> None:
        """`const userSchema = new Schema({…})` (or `mongoose.Schema({…})` without `new`): kept
        for `mongoose.model("User", userSchema)`."""
        value = node_js.unwrap(decl.child_by_field_name("value"))
        if value is None or value.type not in ("new_expression", "call_expression"):
            return
        ctor = syntax.text(
            value.child_by_field_name("constructor") or value.child_by_field_name("function")
        )
        if value.type == "new_expression" and ctor.rsplit(".", 1)[-1] in TABLE_CONSTRUCTORS:
            self.table_objects[syntax.text(decl.child_by_field_name("name"))] = value
            return
        if ctor.rsplit(".", 1)[-1] != "Schema":
            return
        args = node_js.arguments(value)
        if args:
            name = syntax.text(decl.child_by_field_name("name"))
            self.schemas[name] = self._attributes(args[0], _mongoose())

    def _call(
        self,
        call: Node,
        models: list[dict[str, Any]],
        tables: list[dict[str, Any]],
        sql: list[dict[str, Any]],
    ) -> None:
        callee = call.child_by_field_name("function")
        if callee is None:
            return
        if callee.type == "member_expression":
            name = syntax.text(callee.child_by_field_name("property"))
            receiver = syntax.text(callee.child_by_field_name("object"))
        else:
            name, receiver = syntax.text(callee), ""
        args = node_js.arguments(call)
        if not args:
            return
        if (
            name in CREATE_CALLS or name in SQL_CALLS or name in TABLE_CREATE_CALLS
        ) and _in_rollback(call):
            return
        if name in TABLE_CREATE_CALLS:
            built = self._table_object(args[0])
            if built is not None:
                tables.append(built)
                return
        if name in CREATE_CALLS:
            table = self._knex_table(call, CREATE_CALLS[name], args)
            if table is not None:
                tables.append(table)
            return
        if name in SQL_CALLS:
            self._sql(call, args[0], sql)
        for style in self.model_calls:
            if name in style.define_calls and len(args) >= 2:
                model = self._define(call, style, args, None)
                if model is not None:
                    models.append(model)
            elif name in style.init_calls and receiver and callee.type == "member_expression":
                model = self._define(call, style, args, receiver)
                if model is not None:
                    models.append(model)

    def _define(
        self, call: Node, style: ModelCall, args: list[Node], receiver: str | None
    ) -> dict[str, Any] | None:
        if receiver is None:
            model = node_js.string_of(args[0], self.consts)
            attributes_node, options_node = args[1], args[2] if len(args) > 2 else None
            collection = node_js.string_of(args[2], self.consts) if len(args) > 2 else None
        else:
            model, attributes_node = receiver, args[0]
            options_node = args[1] if len(args) > 1 else None
            collection = None
        if not model:
            return None
        attributes = node_js.unwrap(attributes_node)
        if attributes is not None and attributes.type == "identifier":
            fields = self.schemas.get(syntax.text(attributes))
        elif attributes is not None and attributes.type == "new_expression":
            inner = node_js.arguments(attributes)
            fields = self._attributes(inner[0], style) if inner else []
        else:
            fields = self._attributes(attributes, style)
        if fields is None:
            return None
        options = node_js.object_pairs(options_node)
        table_node = _option(options, style.table_options) if options else None
        table = node_js.string_of(table_node, self.consts) if table_node is not None else None
        model_name = options.get("modelName") if options else None
        name = node_js.string_of(model_name, self.consts) if model_name is not None else None
        return {
            "name": name or model,
            "line": syntax.line(call),
            "table": table or collection,
            "naming": style.naming,
            "fields": fields,
        }

    def _attributes(self, node: Node | None, style: ModelCall) -> list[dict[str, Any]]:
        out = []
        for key, given in node_js.object_pairs(node).items():
            value = node_js.unwrap(given)
            if value is None:
                continue
            options = node_js.object_pairs(value)
            if value.type == "array":
                inner = value.named_children[0] if value.named_children else None
                options = node_js.object_pairs(inner)
            type_node = options.get("type") if options else value
            kind = _attribute_type(type_node)
            if value.type == "array" and options:
                kind += "[]"  # `[{type: ObjectId, ref: "User"}]`
            if value.type == "object" and options and "type" not in options:
                kind = "Object"  # a nested document (`address: {city: String}`)
            required = _flag(options, ("required",)) if options else None
            nullable = _flag(options, style.nullable_options) if options else None
            if nullable is None and required is not None:
                nullable = not required
            reference = _option(options, style.references_options) if options else None
            target = None
            if reference is not None:
                pairs = node_js.object_pairs(reference)
                target_node = pairs.get("model") if pairs else reference
                target = node_js.string_of(target_node, self.consts) or _target_class(target_node)
            column = _option(options, style.column_name_options) if options else None
            out.append(
                {
                    "name": node_js.string_of(column, self.consts) if column is not None else key,
                    "property": key,
                    "type": kind,
                    "nullable": nullable,
                    "unique": _flag(options, style.unique_options) is True if options else False,
                    "primary": _flag(options, style.primary_options) is True if options else False,
                    "relation": target,
                    "line": syntax.line(value),
                }
            )
        return out

    def _knex_table(
        self, call: Node, builder: SchemaBuilder, args: list[Node]
    ) -> dict[str, Any] | None:
        table = node_js.string_of(args[0], self.consts)
        body = node_js.unwrap(args[1]) if len(args) > 1 else None
        if not table or body is None or body.type not in node_js.FUNCTION_TYPES:
            return None
        params = body.child_by_field_name("parameters") or body.child_by_field_name("parameter")
        names = (
            [syntax.text(n) for n in node_js.walk(params) if n.type == "identifier"]
            if params is not None
            else []
        )
        if not names:
            return None
        fields: list[dict[str, Any]] = []
        for stmt in node_js.walk(body):
            if stmt.type != "expression_statement" or not stmt.named_children:
                continue
            chain = _chain(stmt.named_children[0])
            if not chain or chain[0][0] != names[0]:
                continue
            column = _knex_column(chain[1:], builder, self.consts)
            if column is not None:
                column["line"] = syntax.line(stmt)
                fields.append(column)
        return {"table": table, "line": syntax.line(args[0]), "fields": fields}

    def _table_object(self, given: Node) -> dict[str, Any] | None:
        """`createTable(new Table({name: "pet", columns: [{name, type, isPrimary}]}))`, or of a
        variable holding that table object."""
        node = node_js.unwrap(given)
        if node is not None and node.type == "identifier":
            node = self.table_objects.get(syntax.text(node))
        if node is None or node.type != "new_expression":
            return None
        ctor = syntax.text(node.child_by_field_name("constructor")).rsplit(".", 1)[-1]
        builder = TABLE_CONSTRUCTORS.get(ctor)
        args = node_js.arguments(node)
        options = node_js.object_pairs(args[0]) if args and builder is not None else {}
        table = (
            node_js.string_of(options.get(builder.name_option), self.consts) if builder else None
        )
        if builder is None or not table:
            return None
        fields = [
            c
            for c in (
                self._table_column(item, builder)
                for item in _objects(options, builder.columns_option)
            )
            if c is not None
        ]
        for key in _objects(options, builder.foreign_keys_option):
            self._table_foreign_key(key, builder, fields)
        indexes = []
        for index in _objects(options, builder.indices_option):
            columns = [
                c for c in node_js.strings_of(index.get(builder.index_columns), self.consts) if c
            ]
            if columns:
                name = index.get(builder.index_name)
                indexes.append(
                    {
                        "columns": columns,
                        "unique": _flag(index, (builder.index_unique,)) is True,
                        "name": node_js.string_of(name, self.consts) if name is not None else None,
                    }
                )
        return {"table": table, "line": syntax.line(node), "fields": fields, "indexes": indexes}

    def _table_column(
        self, column: Mapping[str, Node], builder: TableBuilder
    ) -> dict[str, Any] | None:
        name = node_js.string_of(column.get(builder.column_name), self.consts)
        if not name:
            return None
        kind = column.get(builder.column_type)
        nullable = _flag(column, (builder.nullable,))
        primary = _flag(column, (builder.primary,)) is True
        return {
            "name": name,
            "property": name,
            "type": (node_js.string_of(kind, self.consts) or syntax.text(kind)) if kind else None,
            "nullable": False if primary else bool(nullable),
            "unique": _flag(column, (builder.unique,)) is True,
            "primary": primary,
            "relation": None,
            "line": syntax.line(column[builder.column_name]),
        }

    def _table_foreign_key(
        self, key: Mapping[str, Node], builder: TableBuilder, fields: list[dict[str, Any]]
    ) -> None:
        """`{columnNames: ["user_id"], referencedTableName: "user", referencedColumnNames:
        ["id"]}` → the column references `user.id`."""
        columns = node_js.strings_of(key.get(builder.fk_columns), self.consts)
        target = node_js.string_of(key.get(builder.fk_table), self.consts)
        referenced = node_js.strings_of(key.get(builder.fk_referenced_columns), self.consts)
        if not target:
            return
        for i, column in enumerate(columns):
            other = referenced[i] if i < len(referenced) else None
            for field_ in fields:
                if field_["name"] == column:
                    field_["references"] = f"{target}.{other}" if other else target

    def _sql(self, call: Node, arg: Node, sql: list[dict[str, Any]]) -> None:
        text = node_js.string_of(arg, self.consts)
        if text is None or not SQL_START.match(text):
            return
        for change in sql_ddl.parse_sql(text):
            change["line"] = syntax.line(call) + int(change.get("line", 1)) - 1
            sql.append(change)


def _objects(options: Mapping[str, Node], key: str) -> list[dict[str, Node]]:
    """The object literals of the array option `key` (`columns: [{…}, {…}]`)."""
    array = node_js.unwrap(options.get(key))
    if array is None or array.type != "array":
        return []
    return [node_js.object_pairs(item) for item in array.named_children if item.type == "object"]


def _in_rollback(node: Node) -> bool:
    """Whether a call is inside a migration's rollback (`down()`, `exports.down = …`)."""
    parent = node.parent
    while parent is not None:
        if parent.type in node_js.FUNCTION_TYPES:
            name = node_js.function_name(parent) or ""
            if name.rsplit(".", 1)[-1] in ROLLBACK_FUNCTIONS:
                return True
        parent = parent.parent
    return False


def _attribute_type(node: Node | None) -> str:
    """`DataTypes.STRING(64)` → STRING, `Schema.Types.ObjectId` → ObjectId, `[String]` →
    String[], an untyped `[]` (or nothing) → Array."""
    node = node_js.unwrap(node)
    if node is None:
        return "Array"
    if node.type == "array":
        inner = node.named_children[0] if node.named_children else None
        return _attribute_type(inner) + "[]" if inner is not None else "Array"
    return re.sub(r"\(.*", "", syntax.text(node).rsplit(".", 1)[-1], flags=re.S)


def _mongoose() -> ModelCall:
    return next(m for m in MODEL_CALLS if m.name == "mongoose")


def _chain(node: Node) -> list[tuple[str, list[Node]]]:
    """`t.string("x").notNullable().unique()` → [("t", []), ("string", [x]), ("notNullable",
    []), ("unique", [])]."""
    out: list[tuple[str, list[Node]]] = []
    current: Node | None = node
    while current is not None and current.type == "call_expression":
        callee = current.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            return []
        out.append(
            (syntax.text(callee.child_by_field_name("property")), node_js.arguments(current))
        )
        current = node_js.unwrap(callee.child_by_field_name("object"))
    if current is None or current.type != "identifier":
        return []
    out.append((syntax.text(current), []))
    return out[::-1]


def _knex_column(
    chain: list[tuple[str, list[Node]]], builder: SchemaBuilder, consts: Mapping[str, str]
) -> dict[str, Any] | None:
    kind, args = chain[0]
    if kind in builder.non_columns or not args:
        return None
    name = node_js.string_of(args[0], consts)
    if not name:
        return None
    column: dict[str, Any] = {
        "name": name,
        "property": name,
        "type": kind,
        "nullable": None,
        "unique": False,
        "primary": kind in builder.primary,
        "relation": None,
    }
    reference: str | None = None
    table: str | None = None
    for call, call_args in chain[1:]:
        value = node_js.string_of(call_args[0], consts) if call_args else None
        if call in builder.not_null:
            column["nullable"] = False
        elif call in builder.nullable:
            column["nullable"] = True
        elif call in builder.unique:
            column["unique"] = True
        elif call in builder.primary:
            column["primary"] = True
        elif call in builder.references:
            reference = value
        elif call in builder.in_table:
            table = value
    if reference:
        column["references"] = f"{table}.{reference}" if table else reference
    return column


# ------------------------------------------------------------------------------------ resolve


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z])(?=[a-z])", r"_\1\2", name).lower()


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _plural(word: str) -> str:
    return pluralize(word)


def table_name(name: str, naming: str) -> str:
    if naming == "snake":
        return snake_case(name)
    if naming == "plural":
        return _plural(name)
    if naming == "plural_lower":
        return _plural(name.lower())
    return name


def _field(column: Mapping[str, Any], tables: Mapping[str, str]) -> EntityField:
    references = column.get("references")
    target = column.get("relation")
    if references is None and target:
        references = tables.get(target, target)
    return EntityField(
        name=column["name"],
        type=column.get("type"),
        nullable=column.get("nullable"),
        unique=bool(column.get("unique")),
        primary_key=bool(column.get("primary")),
        references=references,
    )


def _add_field(fields: list[EntityField], new: EntityField) -> None:
    """A column declared twice (`@Column({name: "user_id"}) userId` and the relation's
    `@JoinColumn({name: "user_id"})`) is one field: the relation adds its reference."""
    for have in fields:
        if have.name == new.name:
            have.references = have.references or new.references
            return
    fields.append(new)


def _class_entities(path: str, cls: Mapping[str, Any], tables: Mapping[str, str]) -> list[Entity]:
    own = tables[cls["name"]]
    fields: list[EntityField] = []
    joins: list[Entity] = []
    for column in cls["fields"]:
        if column.get("many"):
            target = tables.get(column["relation"] or "", column["relation"] or "")
            joins.append(_join_table(path, own, column, target))
            continue
        _add_field(fields, _field(column, tables))
    indexes = [
        EntityIndex(list(i["columns"]), bool(i["unique"]), i.get("name")) for i in cls["indexes"]
    ]
    entity = Entity(
        name=cls["name"], table=own, file=path, line=cls["line"], fields=fields, indexes=indexes
    )
    return [entity, *joins]


def _join_table(path: str, owner: str, column: Mapping[str, Any], target: str) -> Entity:
    """The join table TypeORM creates for `@ManyToMany` + `@JoinTable()`:
    `<owner>_<property>_<target>` with columns `<owner>Id` and `<target>Id`."""
    name = column.get("join_name") or snake_case(f"{owner}_{column['property']}_{target}")
    first, second = camel_case(f"{owner}_id"), camel_case(f"{target}_id")
    if first == second:
        second = camel_case(f"{target}_{column['property']}_id")
    fields = [
        EntityField(first, None, False, False, True, f"{owner}.id"),
        EntityField(second, None, False, False, True, f"{target}.id"),
    ]
    return Entity(name=name, table=name, file=path, line=column["line"], fields=fields)


class NodeOrm(Extractor):
    name = "node-orm"
    version = 4
    extensions = frozenset(node_js.SOURCE_EXTENSIONS)
    markers = (
        b"@Entity",
        b"@Table",
        b"@Schema",
        b"define(",
        b".init(",
        b"Schema(",
        b"createTable",
        b"new Table(",
        b"CREATE",
        b"create table",
        b"ALTER",
        b"model(",
    )
    languages = frozenset({"javascript", "typescript"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = syntax.grammar_of(path)
        if grammar is None:
            return None
        tree = syntax.parse(grammar, source)
        return _FileReader(grammar, tree.root_node).read()

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables: dict[str, str] = {}
        for file_facts in facts.values():
            for model in [*file_facts.get("classes", []), *file_facts.get("models", [])]:
                tables[model["name"]] = model["table"] or table_name(model["name"], model["naming"])
        entities: list[Entity] = []
        for path in sorted(facts):
            for cls in facts[path].get("classes", []):
                entities.extend(_class_entities(path, cls, tables))
            for model in facts[path].get("models", []):
                entities.append(
                    Entity(
                        name=model["name"],
                        table=tables[model["name"]],
                        file=path,
                        line=model["line"],
                        fields=[_field(c, tables) for c in model["fields"]],
                    )
                )
            for table in facts[path].get("tables", []):
                entities.append(
                    Entity(
                        name=sql_ddl.entity_name(table["table"]),
                        table=table["table"],
                        file=path,
                        line=table["line"],
                        fields=[_field(c, tables) for c in table["fields"]],
                        indexes=[
                            EntityIndex(list(i["columns"]), bool(i["unique"]), i.get("name"))
                            for i in table.get("indexes", [])
                        ],
                    )
                )
        entities.extend(_sql_entities(facts))
        return Part(entities=entities)


def _sql_entities(facts: Mapping[str, FileFacts]) -> list[Entity]:
    schema = sql_ddl.Schema()
    for path in sorted(facts, key=sql_ddl.migration_order):
        for change in facts[path].get("sql", []):
            try:
                schema.apply(change, path)
            except (KeyError, TypeError, AttributeError):
                continue
    return [
        Entity(
            name=sql_ddl.entity_name(t.name),
            table=t.name,
            file=t.file,
            line=t.line,
            fields=list(t.fields.values()),
            indexes=t.indexes,
            sources=t.sources,
        )
        for t in schema.tables.values()
    ]


EXTRACTORS = [NodeOrm]
