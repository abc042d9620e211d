"""SQLAlchemy, Flask-SQLAlchemy and SQLModel models, and the tables of Alembic migrations.

Models (`PythonSqlAlchemy`): a class with `__tablename__`, a Flask-SQLAlchemy `db.Model`
subclass (table: snake_case of the class) or an SQLModel class with `table=True` (table: the
class name in lower case), with the columns it and its mixins declare — `x = Column(Type, …)`,
`x: Mapped[T] = mapped_column(…)`, bare `x: Mapped[T]`, SQLModel `x: T = Field(…)` — and the
constraints of `__table_args__`; plus `Table("name", metadata, Column(…))` anywhere.

Migrations (`PythonAlembic`): the `upgrade()` operations of each revision (`op.create_table`,
`add_column`, `drop_column`, `alter_column`, `drop_table`, `rename_table`, `create_index`,
`create_unique_constraint`, `create_foreign_key`, `batch_alter_table` blocks) replayed in
revision order; the tables left are entities named after the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_planner.workspace.codemap import syntax
from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors import python_common as py
from backend_planner.workspace.codemap.rules import rules_by_name
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tree_sitter import Node


@dataclass(frozen=True)
class ModelBase:
    name: str
    naming: str
    requires_keyword: str = ""
    single_table_without_primary_key: bool = False


@dataclass(frozen=True)
class ColumnCall:
    name: str
    sqlmodel: bool = False
    wraps: bool = False


MODEL_BASES = rules_by_name("python", "sqlalchemy_base", ModelBase)
COLUMN_CALLS = rules_by_name("python", "sqlalchemy_column", ColumnCall)
DECLARATIVE_CALLS = ("declarative_base", "declarative_base_class")
RELATIONSHIPS = ("relationship", "Relationship", "relation", "backref", "association_proxy")
Column = dict[str, Any]


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


# --- columns, shared by models and migrations ----------------------------------------------


def read_column(call: Node, attribute: str | None, annotation: Node | None = None) -> Column:
    """A `Column(…)` / `mapped_column(…)` / SQLModel `Field(…)` / `sa.Column(…)` call."""
    positional, keywords = py.call_arguments(call)
    column: Column = {
        "name": attribute or "",
        "type": None,
        "nullable": None,
        "unique": False,
        "primary_key": False,
        "references": None,
        "index": False,
    }
    for arg in positional:
        value = syntax.string_value(arg)
        if value is not None and arg.type == "string":
            column["name"] = value
            continue
        callee = syntax.text(arg.child_by_field_name("function")) if arg.type == "call" else ""
        if py.last_name(callee) == "ForeignKey":
            target = py.argument(arg, 0, "column")
            column["references"] = syntax.string_value(target)
            if column["references"] is None and target is not None and target.type == "attribute":
                column["references_model"] = syntax.text(target)  # ForeignKey(User.id)
        elif arg.type in ("call", "identifier", "attribute") and column["type"] is None:
            column["type"] = _type_name(arg)
    for key in ("nullable", "unique", "primary_key", "index"):
        flag = py.boolean(keywords.get(key))
        if flag is not None:
            column[key] = flag
            column.setdefault("explicit", []).append(key)
    if "foreign_key" in keywords:  # SQLModel
        column["references"] = syntax.string_value(keywords["foreign_key"])
    if "type_" in keywords and column["type"] is None:
        column["type"] = py.last_name(syntax.text(keywords["type_"]).split("(")[0])
    if annotation is not None:
        _from_annotation(column, annotation)
    if column["primary_key"] and py.boolean(keywords.get("nullable")) is None:
        column["nullable"] = False
    if column["nullable"] is None:
        column["nullable"] = True
    return column


def _type_name(node: Node) -> str:
    """`String(50)` → String; `sa.Integer` → Integer; `Boolean().with_variant(…)` → Boolean."""
    while node.type == "call":
        function = node.child_by_field_name("function")
        if function is None:
            break
        inner = function.child_by_field_name("object") if function.type == "attribute" else None
        if inner is None or inner.type != "call":
            return py.last_name(syntax.text(function))
        node = inner
    return py.last_name(syntax.text(node))


def _from_annotation(column: Column, annotation: Node) -> None:
    """`Mapped[Optional[str]]`, `str | None`: the type, and nullability when not explicit."""
    text = syntax.text(annotation).replace(" ", "")
    inner = re.sub(r"^(?:\w+\.)?Mapped\[(.*)\]$", r"\1", text)
    optional = bool(re.search(r"(^Optional\[|\|None$|^None\||^Union\[.*None)", inner))
    bare = re.sub(r"^Optional\[(.*)\]$|^(.*)\|None$|^None\|(.*)$", r"\1\2\3", inner)
    if column["type"] is None:
        column["type"] = bare
    if column["nullable"] is None:
        column["nullable"] = optional


def to_field(column: Column) -> EntityField:
    return EntityField(
        column["name"],
        column["type"],
        column["nullable"],
        column["unique"],
        column["primary_key"],
        column["references"],
    )


def read_constraint(call: Node) -> dict[str, Any] | None:
    """`PrimaryKeyConstraint("a")`, `UniqueConstraint("a", "b")`,
    `ForeignKeyConstraint(["a"], ["t.id"])`, `Index("name", "a", unique=True)`."""
    kind = py.last_name(syntax.text(call.child_by_field_name("function")))
    positional, keywords = py.call_arguments(call)
    names = [v for a in positional if (v := syntax.string_value(a)) is not None]
    index_name = syntax.string_value(keywords.get("name"))
    if kind == "PrimaryKeyConstraint":
        return {"kind": "primary", "columns": names}
    if kind == "UniqueConstraint":
        return {"kind": "index", "columns": names, "unique": True, "name": index_name}
    if kind == "Index" and names:
        return {
            "kind": "index",
            "columns": names[1:],
            "unique": bool(py.boolean(keywords.get("unique"))),
            "name": names[0],
        }
    if kind == "ForeignKeyConstraint" and len(positional) >= 2:
        return {
            "kind": "foreign",
            "columns": py.strings(positional[0]) or [],
            "references": py.strings(positional[1]) or [],
        }
    return None


def apply_constraint(
    columns: list[Column], indexes: list[dict[str, Any]], constraint: dict[str, Any]
) -> None:
    by_name = {c["name"]: c for c in columns}
    kind = constraint["kind"]
    if kind == "primary":
        for name in constraint["columns"]:
            if name in by_name:
                by_name[name]["primary_key"] = True
                by_name[name]["nullable"] = False
    elif kind == "foreign":
        for name, target in zip(constraint["columns"], constraint["references"], strict=False):
            if name in by_name:
                by_name[name]["references"] = target
    elif kind == "index":
        cols = constraint["columns"]
        if constraint["unique"] and len(cols) == 1 and cols[0] in by_name:
            by_name[cols[0]]["unique"] = True
        indexes.append(
            {"columns": cols, "unique": constraint["unique"], "name": constraint.get("name")}
        )


def column_indexes(columns: list[Column]) -> list[dict[str, Any]]:
    return [
        {"columns": [c["name"]], "unique": c["unique"], "name": None} for c in columns if c["index"]
    ]


def to_indexes(indexes: list[dict[str, Any]]) -> list[EntityIndex]:
    return [EntityIndex(list(i["columns"]), bool(i["unique"]), i.get("name")) for i in indexes]


# --- models ----------------------------------------------------------------------------------


class PythonSqlAlchemy(Extractor):
    name = "python-sqlalchemy"
    version = 5
    extensions = frozenset({".py"})
    markers = (
        b"sqlalchemy",
        b"sqlmodel",
        b"__tablename__",
        b"Column(",
        b"mapped_column",
        b"SQLModel",
        b"db.Model",
    )
    languages = frozenset({"python"})

    def applies(self, ctx: ServiceContext) -> bool:
        return super().applies(ctx) and "sqlalchemy" in ctx.orm

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        if "/versions/" in f"/{path}" or "/migrations/" in f"/{path}":
            return None  # Alembic revisions: PythonAlembic reads them
        root = syntax.parse("python", source).root_node
        found = py.structure(root)
        classes: dict[str, Any] = {}
        for node in found.get("class", []):
            classes.setdefault(syntax.text(node.child_by_field_name("name")), _model_class(node))
        calls = {c.start_byte: c for c in found.get("call", []) + _plain_calls(found)}
        tables = [t for _, call in sorted(calls.items()) if (t := _table_call(call)) is not None]
        aliases = _aliases(root)
        declarative = _declarative_bases(root)
        factories = _factories(root)
        if not classes and not tables and not aliases and not declarative and not factories:
            return None
        return {
            "imports": py.read_imports(found.get("import", []), path),
            "classes": classes,
            "tables": tables,
            "aliases": aliases,
            "declarative": declarative,
            "factories": factories,
        }

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        modules = py.Modules(facts)
        entities = []
        models: dict[tuple[str, str], Entity] = {}
        single_table: dict[tuple[str, str], tuple[str, str]] = {}  # subclass -> mapped parent
        for path, file_facts in facts.items():
            for name in file_facts["classes"]:
                parent = _single_table_parent(modules, path, name)
                if parent is not None:
                    single_table[(path, name)] = parent
                    continue
                entity = _model_entity(modules, path, name)
                if entity is not None:
                    models[(path, name)] = entity
                    entities.append(entity)
            for table in file_facts["tables"]:
                entities.append(
                    Entity(
                        table["name"],
                        table["name"],
                        path,
                        table["line"],
                        [to_field(c) for c in table["columns"]],
                        to_indexes(table["indexes"]),
                    )
                )
        _fold_single_table(modules, models, single_table)
        return Part(entities=entities)


def _fold_single_table(
    modules: py.Modules,
    models: dict[tuple[str, str], Entity],
    single_table: dict[tuple[str, str], tuple[str, str]],
) -> None:
    """The columns of single-table-inheritance subclasses (`class Admin(User)` with no table
    of its own) belong to the table of their mapped ancestor; they are nullable there."""
    for key, parent in single_table.items():
        for _ in range(py.MAX_DEPTH):
            if parent not in single_table:
                break
            parent = single_table[parent]
        entity = models.get(parent)
        if entity is None:
            continue
        known = {f.name for f in entity.fields}
        for column in modules.facts[key[0]]["classes"][key[1]]["columns"]:
            resolved = _resolved_column(modules, key[0], column)
            if column["name"] not in known and not resolved.get("pending"):
                known.add(column["name"])
                field = to_field(resolved)
                field.nullable = True
                entity.fields.append(field)


def _aliases(root: Node) -> dict[str, Column]:
    """Module-level column types: `intpk = Annotated[int, mapped_column(primary_key=True)]`,
    used as `id: Mapped[intpk]` in models."""
    out: dict[str, Column] = {}
    for statement in root.children:
        node = py.assignment_of(statement)
        left = node.child_by_field_name("left") if node is not None else None
        right = node.child_by_field_name("right") if node is not None else None
        if left is None or right is None or left.type != "identifier" or right.type != "subscript":
            continue
        if py.last_name(syntax.text(right.child_by_field_name("value"))) != "Annotated":
            continue
        items = right.children_by_field_name("subscript")
        call = next(
            (
                i
                for i in items[1:]
                if i.type == "call"
                and py.last_name(syntax.text(i.child_by_field_name("function"))) in COLUMN_CALLS
            ),
            None,
        )
        if call is not None:
            out[syntax.text(left)] = read_column(call, None, items[0])
    return out


def _factories(root: Node) -> dict[str, Any]:
    """Module-level column factories: `Column = functools.partial(db.Column, nullable=False)`
    (defaults for the columns it makes) and `def primary_key(): return Column(…)` (the
    column every call makes)."""
    out: dict[str, Any] = {}
    for statement in root.children:
        if statement.type == "decorated_definition":
            statement = statement.child_by_field_name("definition") or statement
        if statement.type == "function_definition":
            call = _returned_column_call(statement)
            if call is not None:
                out[syntax.text(statement.child_by_field_name("name"))] = {
                    "column": read_column(call, None)
                }
            continue
        node = py.assignment_of(statement)
        left = node.child_by_field_name("left") if node is not None else None
        right = node.child_by_field_name("right") if node is not None else None
        if left is None or right is None or left.type != "identifier" or right.type != "call":
            continue
        if py.last_name(syntax.text(right.child_by_field_name("function"))) != "partial":
            continue
        wrapped = py.argument(right, 0)
        if wrapped is None or py.last_name(syntax.text(wrapped)) not in COLUMN_CALLS:
            continue
        _, keywords = py.call_arguments(right)
        defaults = {
            key: flag
            for key in ("nullable", "unique", "primary_key", "index")
            if (flag := py.boolean(keywords.get(key))) is not None
        }
        out[syntax.text(left)] = {"defaults": defaults}
    return out


def _returned_column_call(function: Node) -> Node | None:
    """The column call a function's last top-level statement returns, if any."""
    body = function.child_by_field_name("body")
    last = body.named_children[-1] if body is not None and body.named_children else None
    if last is None or last.type != "return_statement" or not last.named_children:
        return None
    value = last.named_children[0]
    if value.type != "call":
        return None
    callee = py.last_name(syntax.text(value.child_by_field_name("function")))
    rule = COLUMN_CALLS.get(callee)
    return value if rule is not None and not rule.wraps and not rule.sqlmodel else None


def _plain_calls(found: dict[str, list[Node]]) -> list[Node]:
    """`Table(...)` assigned to a name (the structure query captures attribute calls only)."""
    out = []
    for node in found.get("assignment", []):
        right = node.child_by_field_name("right")
        if right is not None and right.type == "call":
            out.append(right)
    return out


def _table_call(call: Node) -> dict[str, Any] | None:
    if py.last_name(syntax.text(call.child_by_field_name("function"))) != "Table":
        return None
    positional, _ = py.call_arguments(call)
    name = syntax.string_value(positional[0]) if positional else None
    if name is None:
        return None
    columns: list[Column] = []
    constraints = []
    for arg in positional[1:]:
        if arg.type != "call":
            continue
        callee = py.last_name(syntax.text(arg.child_by_field_name("function")))
        if callee == "Column":
            columns.append(read_column(arg, None))
        elif (constraint := read_constraint(arg)) is not None:
            constraints.append(constraint)
    indexes = column_indexes(columns)
    for constraint in constraints:
        apply_constraint(columns, indexes, constraint)
    return {"name": name, "line": syntax.line(call), "columns": columns, "indexes": indexes}


def _model_class(node: Node) -> dict[str, Any]:
    bases, keywords = py.superclasses(node)
    info: dict[str, Any] = {
        "line": syntax.line(node),
        "bases": bases,
        "table": None,
        "abstract": False,
        "keywords": [k for k, v in keywords.items() if py.boolean(v)],
        "columns": [],
        "constraints": [],
    }
    for child in py.class_body(node):
        naming = _declared_table_naming(child)
        if naming is not None:
            info["declared_table"] = naming
        declared = _declared_column(child)
        if declared is not None:
            info["columns"].append(declared)
        assignment = py.assignment_of(child)
        if assignment is None:
            continue
        left = syntax.text(assignment.child_by_field_name("left"))
        right = assignment.child_by_field_name("right")
        annotation = assignment.child_by_field_name("type")
        if left == "__tablename__":
            info["table"] = syntax.string_value(right)
        elif left == "__abstract__":
            info["abstract"] = bool(py.boolean(right))
        elif left == "__table_args__" and right is not None:
            info["constraints"] = [
                c for arg in _table_args(right) if (c := read_constraint(arg)) is not None
            ]
        elif (column := _class_column(left, right, annotation)) is not None:
            info["columns"].append(column)
    return info


def _declared_table_naming(child: Node) -> str | None:
    """A base class's `@declared_attr def __tablename__(cls)`: the naming convention its
    body applies to the class name — "lower" (`cls.__name__.lower()`), else "snake"."""
    if child.type != "decorated_definition":
        return None
    definition = child.child_by_field_name("definition")
    if definition is None or syntax.text(definition.child_by_field_name("name")) != (
        "__tablename__"
    ):
        return None
    body = syntax.text(definition.child_by_field_name("body")).replace(" ", "")
    return "lower" if "__name__.lower()" in body and "sub(" not in body else "snake"


def _declared_column(child: Node) -> Column | None:
    """A mixin's `@declared_attr def owner_id(cls): return Column(…)`: a column."""
    if child.type != "decorated_definition":
        return None
    definition = child.child_by_field_name("definition")
    body = definition.child_by_field_name("body") if definition is not None else None
    if definition is None or body is None:
        return None
    name = syntax.text(definition.child_by_field_name("name"))
    for statement in body.named_children:
        if statement.type == "return_statement" and statement.named_children:
            value = statement.named_children[0]
            if value.type == "call":
                return _class_column(name, value, None)
    return None


def _declarative_bases(root: Node) -> dict[str, str | None]:
    """Module-level `Base = declarative_base(cls=CustomBase)`: the base's name → the class
    it is built from (None when none)."""
    out: dict[str, str | None] = {}
    for statement in root.children:
        node = py.assignment_of(statement)
        left = node.child_by_field_name("left") if node is not None else None
        right = node.child_by_field_name("right") if node is not None else None
        if left is None or right is None or left.type != "identifier" or right.type != "call":
            continue
        if py.last_name(syntax.text(right.child_by_field_name("function"))) in DECLARATIVE_CALLS:
            cls = py.argument(right, -1, "cls")
            out[syntax.text(left)] = syntax.text(cls) if cls is not None else None
    return out


def _table_args(node: Node) -> Iterator[Node]:
    if node.type == "call":
        yield node
    elif node.type in ("tuple", "list", "parenthesized_expression"):
        for child in node.named_children:
            yield from _table_args(child)


def _class_column(name: str, right: Node | None, annotation: Node | None) -> Column | None:
    """A class attribute's column. A private attribute counts only when the column names
    itself (`_image = Column("image", …)`); a call of a project function (`id =
    primary_key()`) is a column only if `resolve` finds that function among the factories."""
    if not name.isidentifier():
        return None
    if right is not None and right.type == "call":
        function = right.child_by_field_name("function")
        callee = py.last_name(syntax.text(function))
        rule = COLUMN_CALLS.get(callee)
        if rule is None:
            if name.startswith("_") or function is None or function.type != "identifier":
                return None
            return {
                "name": name,
                "type": None,
                "nullable": True,
                "unique": False,
                "primary_key": False,
                "references": None,
                "index": False,
                "sqlmodel": False,
                "factory": callee,
                "pending": True,
            }
        if rule.wraps:  # column_property(Column(…), …): the wrapped column
            inner = py.argument(right, 0)
            return _class_column(name, inner, annotation) if inner is not None else None
        column = read_column(right, name, annotation)
        if name.startswith("_") and column["name"] == name:
            return None
        column["sqlmodel"] = rule.sqlmodel
        if function is not None and function.type == "identifier":
            column["factory"] = callee  # `Column` may be a project's functools.partial
        return column
    if name.startswith("_"):
        return None
    if annotation is None:
        return None
    text = syntax.text(annotation)
    if any(r in text for r in ("relationship", "List[", "list[", "ClassVar")):
        return None
    mapped = text.replace(" ", "").startswith(("Mapped[", "orm.Mapped[", "so.Mapped["))
    column = {
        "name": name,
        "type": None,
        "nullable": None,
        "unique": False,
        "primary_key": False,
        "references": None,
        "index": False,
        "sqlmodel": not mapped,
        "bare": True,
    }
    _from_annotation(column, annotation)
    if right is not None and column["nullable"] is None:
        column["nullable"] = True
    return column


def _framework(chain: list[tuple[str, str, dict[str, Any]]]) -> list[ModelBase]:
    """The model bases a class derives from: framework ones (`db.Model`), then a project
    base that names tables with a `@declared_attr __tablename__`."""
    found = [
        MODEL_BASES[b]
        for _, _, c in chain
        for b in map(py.last_name, c["bases"])
        if b in MODEL_BASES
    ]
    declared = [
        ModelBase("declared_attr", c["declared_table"])
        for _, _, c in chain[1:]
        if c.get("declared_table")
    ]
    return found + declared


def _table(name: str, info: dict[str, Any], framework: list[ModelBase]) -> str | None:
    """The table of a mapped class: `__tablename__`, else its framework's naming convention;
    None for an abstract base, a declarative base or a class that is no model."""
    if info["abstract"] or info.get("declared_table"):
        return None
    if info["table"] is not None:
        return info["table"]  # type: ignore[no-any-return]
    if not framework:
        return None
    rule = framework[0]
    if rule.requires_keyword and rule.requires_keyword not in info["keywords"]:
        return None
    return snake_case(name) if rule.naming == "snake" else name.lower()


def _mapped_parent(
    modules: py.Modules, chain: list[tuple[str, str, dict[str, Any]]]
) -> tuple[str, str] | None:
    """The nearest base class that is itself mapped to a table (explicit `__tablename__`, or
    a framework model with a primary key), not a mixin or an abstract base."""
    for owner, name, info in chain[1:]:
        if info["table"] is None and not any(c["primary_key"] for c in info["columns"]):
            continue
        if _table(name, info, _framework(_chain(modules, owner, name))) is not None:
            return owner, name
    return None


def _single_table_parent(modules: py.Modules, path: str, name: str) -> tuple[str, str] | None:
    """The mapped parent whose table a subclass shares (single-table inheritance): no
    `__tablename__` of its own, or (Flask-SQLAlchemy) no primary key column of its own."""
    chain = _chain(modules, path, name)
    info = chain[0][2]
    if info["abstract"] or len(chain) < 2:
        return None
    parent = _mapped_parent(modules, chain)
    if parent is None:
        return None
    framework = _framework(chain)
    own_key = any(c["primary_key"] for c in info["columns"])
    if info["table"] is None or (
        framework and framework[0].single_table_without_primary_key and not own_key
    ):
        return parent
    return None


def _model_entity(modules: py.Modules, path: str, name: str) -> Entity | None:
    """The entity of a mapped class, or None for a mixin, an abstract base or a non-model.
    A subclass with a table of its own (joined-table inheritance) has its own columns and
    its mixins', not those of the mapped parent's table."""
    chain = _chain(modules, path, name)
    info = chain[0][2]
    framework = _framework(chain)
    table = _table(name, info, framework)
    if table is None:
        return None
    parent = _mapped_parent(modules, chain)
    if parent is not None:
        inherited = {(p, n) for p, n, _ in _chain(modules, *parent)}
        chain = [link for link in chain if (link[0], link[1]) not in inherited]
    sqlmodel = any(b.requires_keyword for b in framework)
    columns: list[Column] = []
    seen: set[str] = set()
    for owner, _, c in chain:
        for column in c["columns"]:
            if column["name"] in seen or (
                column.get("bare") and column["sqlmodel"] and not sqlmodel
            ):
                continue
            seen.add(column["name"])
            resolved = _resolved_column(modules, owner, column)
            if not resolved.get("pending"):
                columns.append(resolved)
    indexes = column_indexes(columns)
    for constraint in info["constraints"]:
        apply_constraint(columns, indexes, constraint)
    return Entity(
        name, table, path, info["line"], [to_field(c) for c in columns], to_indexes(indexes)
    )


def _resolved_column(modules: py.Modules, path: str, column: Column) -> Column:
    """A model's column with what other modules say: the column type alias its annotation
    names (`Mapped[intpk]`), the table of a model it references (`ForeignKey(User.id)`)."""
    out = dict(column)
    factory = out.get("factory")
    if factory:
        found_factory = modules.resolve(
            path, factory, lambda p, n: n in modules.facts[p].get("factories", {})
        )
        made = (
            modules.facts[found_factory[0]]["factories"][found_factory[1]] if found_factory else {}
        )
        if out.get("pending") and "column" in made:
            out = {**made["column"], "name": out["name"], "sqlmodel": False}
        for key, flag in made.get("defaults", {}).items():
            if key not in out.get("explicit", []):
                out[key] = flag
        if out["primary_key"] and "nullable" not in out.get("explicit", []):
            out["nullable"] = False
    if out.get("pending"):
        return out
    kind = out.get("type")
    if isinstance(kind, str) and kind.isidentifier():
        found = modules.resolve(path, kind, lambda p, n: n in modules.facts[p].get("aliases", {}))
        if found is not None:
            alias = modules.facts[found[0]]["aliases"][found[1]]
            out["type"] = alias["type"] or kind
            for flag in ("primary_key", "unique", "index"):
                out[flag] = out[flag] or alias[flag]
            out["references"] = out["references"] or alias["references"]
            out["references_model"] = out.get("references_model") or alias.get("references_model")
            if out["primary_key"]:
                out["nullable"] = False
    model = out.pop("references_model", None)
    if out["references"] is None and model:
        owner, _, attribute = model.rpartition(".")
        found = modules.resolve(path, owner, lambda p, n: n in modules.facts[p].get("classes", {}))
        if found is not None:
            chain = _chain(modules, *found)
            table = _table(found[1], chain[0][2], _framework(chain))
            out["references"] = f"{table}.{attribute}" if table else None
    return out


def _chain(modules: py.Modules, path: str, name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The class and its project base classes (mixins), nearest first."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    todo = [(path, name)]
    seen: set[tuple[str, str]] = set()
    while todo and len(out) < 16:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        info = modules.facts[current[0]]["classes"][current[1]]
        out.append((current[0], current[1], info))
        for base in info["bases"]:
            found = modules.resolve(current[0], base, _defines_class_or_base(modules))
            if found is not None and found[1] not in modules.facts[found[0]]["classes"]:
                built_from = modules.facts[found[0]].get("declarative", {}).get(found[1])
                found = (
                    modules.resolve(found[0], built_from, _defines_class_or_base(modules))
                    if built_from
                    else None
                )
            if found is not None and found[1] in modules.facts[found[0]]["classes"]:
                todo.append(found)
    return out


def _defines_class_or_base(modules: py.Modules) -> Callable[[str, str], bool]:
    def defines(path: str, name: str) -> bool:
        file_facts = modules.facts[path]
        return name in file_facts.get("classes", {}) or name in file_facts.get("declarative", {})

    return defines


# --- Alembic ---------------------------------------------------------------------------------


class PythonAlembic(Extractor):
    name = "python-alembic"
    version = 2
    extensions = frozenset({".py"})
    markers = (
        b"op.create_table",
        b"op.add_column",
        b"op.drop_table",
        b"op.create_index",
        b"batch_alter_table",
    )
    languages = frozenset({"python"})

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        root = syntax.parse("python", source).root_node
        constants = py.module_constants(root)
        functions = _module_functions(root)
        upgrade = functions.get("upgrade")
        if upgrade is None:
            return None
        operations = list(_operations(upgrade, functions, frozenset({"upgrade"})))
        if not operations:
            return None
        return {
            "revision": constants.get("revision"),
            "down": _down_revisions(root),
            "operations": operations,
        }

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        tables: dict[str, dict[str, Any]] = {}
        for path in _revision_order(facts):
            for operation in facts[path]["operations"]:
                _replay(tables, path, operation)
        return Part(
            entities=[
                Entity(
                    name,
                    name,
                    t["file"],
                    t["line"],
                    [to_field(c) for c in t["columns"]],
                    to_indexes(t["indexes"]),
                )
                for name, t in tables.items()
            ]
        )


def _down_revisions(root: Node) -> list[str]:
    for statement in root.children:
        assignment = py.assignment_of(statement)
        if (
            assignment is None
            or syntax.text(assignment.child_by_field_name("left")) != "down_revision"
        ):
            continue
        right = assignment.child_by_field_name("right")
        single = syntax.string_value(right)
        if single is not None:
            return [single]
        return py.strings(right) or []
    return []


def _revision_order(facts: Mapping[str, FileFacts]) -> list[str]:
    """Revision files from the first to the last (by down_revision chain, then by name)."""
    by_revision = {f["revision"]: p for p, f in facts.items() if f.get("revision")}
    depth: dict[str, int] = {}

    def depth_of(path: str, seen: frozenset[str] = frozenset()) -> int:
        if path in depth:
            return depth[path]
        parents = [by_revision[d] for d in facts[path].get("down", []) if d in by_revision]
        value = 1 + max((depth_of(p, seen | {path}) for p in parents if p not in seen), default=0)
        depth[path] = value
        return value

    return sorted(facts, key=lambda p: (depth_of(p), p))


def _module_functions(root: Node) -> dict[str, Node]:
    """The module's top-level functions (decorated ones too) by name."""
    functions: dict[str, Node] = {}
    for node in root.children:
        if node.type == "decorated_definition":
            node = node.child_by_field_name("definition") or node
        if node.type == "function_definition":
            functions[syntax.text(node.child_by_field_name("name"))] = node
    return functions


def _returned_columns(function: Node) -> list[Node]:
    """The `Column(…)` calls a helper returns (`def timestamps(): return (Column(…), …)`),
    spliced into a table by `*timestamps()`."""
    stack = [function.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None or node.type in ("function_definition", "class_definition"):
            continue
        if node.type == "return_statement":
            value = node.named_children[0] if node.named_children else None
            while value is not None and value.type == "parenthesized_expression":
                value = value.named_children[0] if value.named_children else None
            items = (
                [value]
                if value is not None and value.type == "call"
                else (value.named_children if value is not None else [])
            )
            return [
                item
                for item in items
                if item.type == "call"
                and py.last_name(syntax.text(item.child_by_field_name("function"))) == "Column"
            ]
        stack.extend(node.named_children)
    return []


def _operations(
    function: Node, functions: Mapping[str, Node], seen: frozenset[str]
) -> Iterator[dict[str, Any]]:
    """`op.*` calls (and `batch_op.*` in `with op.batch_alter_table("t") as batch_op`), also
    inside the module's helper functions that `upgrade()` calls (`create_users_table()`)."""
    batches: dict[str, str] = {}
    stack = [function]
    calls: list[Node] = []
    while stack:
        node = stack.pop()
        if node.type == "with_statement":
            for item in node.named_children[0].named_children if node.named_children else []:
                value = item.child_by_field_name("value")
                if value is not None and value.type == "as_pattern":
                    call, alias = value.named_children[0], value.child_by_field_name("alias")
                    if (
                        call.type == "call"
                        and syntax.text(call.child_by_field_name("function")).endswith(
                            "batch_alter_table"
                        )
                        and alias is not None
                    ):
                        table = syntax.string_value(py.argument(call, 0, "table_name"))
                        if table:
                            batches[syntax.text(alias)] = table
        if node.type == "call":
            calls.append(node)
        stack.extend(reversed(node.named_children))
    for call in sorted(calls, key=lambda n: n.start_byte):
        callee = call.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            helper = syntax.text(callee)
            if helper in functions and helper not in seen:
                yield from _operations(functions[helper], functions, seen | {helper})
            continue
        if callee is None or callee.type != "attribute":
            continue
        owner = syntax.text(callee.child_by_field_name("object"))
        verb = syntax.text(callee.child_by_field_name("attribute"))
        if owner == "op":
            operation = _operation(verb, call, None, functions)
        elif owner in batches:
            operation = _operation(verb, call, batches[owner], functions)
        else:
            continue
        if operation is not None:
            yield operation


def _table_arguments(positional: list[Node], functions: Mapping[str, Node]) -> Iterator[Node]:
    """A `create_table`'s column and constraint arguments, with `*helper()` splices opened."""
    for arg in positional:
        if arg.type == "list_splat" and arg.named_children:
            spliced = arg.named_children[0]
            callee = spliced.child_by_field_name("function") if spliced.type == "call" else None
            if callee is not None and syntax.text(callee) in functions:
                yield from _returned_columns(functions[syntax.text(callee)])
        elif arg.type == "call":
            yield arg


def _operation(
    verb: str, call: Node, batch_table: str | None, functions: Mapping[str, Node]
) -> dict[str, Any] | None:
    positional, keywords = py.call_arguments(call)
    strings = [syntax.string_value(a) for a in positional]
    line = syntax.line(call)
    if batch_table is not None:  # batch_op.add_column(col) — the table is the batch's
        strings = [batch_table, *strings]
        positional = [call, *positional]
    if verb == "create_table" and strings and strings[0]:
        columns, constraints = [], []
        for arg in _table_arguments(positional[1:], functions):
            if py.last_name(syntax.text(arg.child_by_field_name("function"))) == "Column":
                columns.append(read_column(arg, None))
            elif (constraint := read_constraint(arg)) is not None:
                constraints.append(constraint)
        return {
            "op": "create",
            "table": strings[0],
            "columns": columns,
            "constraints": constraints,
            "line": line,
        }
    if verb == "add_column" and len(positional) >= 2 and positional[1].type == "call":
        return {"op": "add", "table": strings[0], "column": read_column(positional[1], None)}
    if verb == "drop_column" and len(strings) >= 2:
        return {"op": "drop_column", "table": strings[0], "column": strings[1]}
    if verb == "drop_table" and strings:
        return {"op": "drop", "table": strings[0]}
    if verb == "rename_table" and len(strings) >= 2:
        return {"op": "rename", "table": strings[0], "to": strings[1]}
    if verb == "alter_column" and len(strings) >= 2:
        return {
            "op": "alter",
            "table": strings[0],
            "column": strings[1],
            "nullable": py.boolean(keywords.get("nullable")),
            "to": syntax.string_value(keywords.get("new_column_name")),
        }
    if verb in ("create_index", "create_unique_constraint"):
        if batch_table is not None:
            strings = [strings[1] if len(strings) > 1 else None, batch_table, *strings[2:]]
            positional = [positional[1] if len(positional) > 1 else call, call, *positional[2:]]
        if len(positional) < 3:
            return None
        unique = verb == "create_unique_constraint" or bool(py.boolean(keywords.get("unique")))
        return {
            "op": "index",
            "table": strings[1],
            "name": strings[0],
            "unique": unique,
            "columns": py.strings(positional[2]) or [],
        }
    if verb == "create_primary_key" and len(positional) >= 3:
        return {"op": "primary", "table": strings[1], "columns": py.strings(positional[2]) or []}
    if verb == "create_foreign_key" and len(positional) >= 5:
        return {
            "op": "foreign",
            "table": strings[1],
            "target": strings[2],
            "columns": py.strings(positional[3]) or [],
            "remote": py.strings(positional[4]) or [],
        }
    return None


def _replay(tables: dict[str, dict[str, Any]], path: str, operation: dict[str, Any]) -> None:
    op, name = operation["op"], str(operation.get("table") or "")
    if op == "create":
        columns = [dict(c) for c in operation["columns"]]
        indexes = column_indexes(columns)
        for constraint in operation["constraints"]:
            apply_constraint(columns, indexes, constraint)
        tables[name] = {
            "file": path,
            "line": operation["line"],
            "columns": columns,
            "indexes": indexes,
        }
        return
    table = tables.get(name)
    if table is None:
        return
    columns = table["columns"]
    if op == "drop":
        del tables[name]
    elif op == "rename":
        tables[operation["to"]] = tables.pop(name)
    elif op == "add":
        columns.append(dict(operation["column"]))
    elif op == "drop_column":
        table["columns"] = [c for c in columns if c["name"] != operation["column"]]
    elif op == "alter":
        for column in columns:
            if column["name"] == operation["column"]:
                if operation["nullable"] is not None:
                    column["nullable"] = operation["nullable"]
                if operation["to"]:
                    column["name"] = operation["to"]
    elif op == "index":
        apply_constraint(
            columns,
            table["indexes"],
            {
                "kind": "index",
                "columns": operation["columns"],
                "unique": operation["unique"],
                "name": operation["name"],
            },
        )
    elif op == "primary":
        apply_constraint(
            columns, table["indexes"], {"kind": "primary", "columns": operation["columns"]}
        )
    elif op == "foreign":
        targets = [f"{operation['target']}.{r}" for r in operation["remote"]]
        apply_constraint(
            columns,
            table["indexes"],
            {"kind": "foreign", "columns": operation["columns"], "references": targets},
        )


EXTRACTORS = [PythonSqlAlchemy, PythonAlembic]
