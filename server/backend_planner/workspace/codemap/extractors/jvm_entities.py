"""JPA, Spring Data JDBC and Spring Data MongoDB entities of Java and Kotlin code.

An entity is a class (record, Kotlin class) annotated `@Entity` (JPA; its table from `@Table`),
`@Table("name")` alone (Spring Data JDBC), or `@Document(collection = "name")` (MongoDB: the
class's name uncapitalized, its properties as written unless `@Field("name")` renames them).
Without a table name the table is the entity's name in snake_case (Spring Boot's naming strategy
for JPA, Spring Data JDBC's default), and so is a column without an explicit name — unless the
configured physical naming strategy keeps names as written
(`spring.jpa.hibernate.naming.physical-strategy`). Fields: class fields, record components,
Kotlin constructor `val`s and properties, plus those of `@MappedSuperclass` superclasses;
`@Column(name, nullable, unique)`, `@Id`, `@ManyToOne` / `@OneToOne` (+ `@JoinColumn`) → a
reference to the target entity's table; a unidirectional `@OneToMany @JoinColumn(name)` puts that
foreign key column in the target entity's table. `@Table(indexes, uniqueConstraints)` become
indexes. Superclasses may live in another module of the build (`reads_module_files`); only the
service's own classes are entities. An entity extending another entity is stored in its root's
table (SINGLE_TABLE, JPA's default): its columns join the root entity, unless the root's
@Inheritance strategy gives it a table of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.extractors.jvm_config import read_config
from backend_planner.workspace.codemap.extractors.jvm_source import (
    Annotation,
    TypeFacts,
    argument,
    evaluate,
    flag,
    read_file,
)
from backend_planner.workspace.codemap.rules import load_rules, rules_by_name
from backend_planner.workspace.codemap.syntax import grammar_of
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex


@dataclass(frozen=True)
class EntityAnnotation:
    name: str
    table_arguments: tuple[str, ...]
    requires_alone: bool = False
    naming: str = "snake_case"


@dataclass(frozen=True)
class TableAnnotation:
    name: str
    table_arguments: tuple[str, ...]


@dataclass(frozen=True)
class FieldAnnotation:
    name: str
    role: str
    column_arguments: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inherited:
    name: str


@dataclass(frozen=True)
class NamingStrategy:
    name: str


@dataclass(frozen=True)
class InheritanceRule:
    name: str
    strategy_argument: str
    own_table_strategies: tuple[str, ...]


ENTITY_RULES = rules_by_name("jvm", "entity", EntityAnnotation)
TABLE_RULES = rules_by_name("jvm", "table", TableAnnotation)
FIELD_RULES = rules_by_name("jvm", "field", FieldAnnotation)
INHERITED = frozenset(i.name for i in load_rules("jvm", "inherited", Inherited))
EMBEDDABLE = frozenset(i.name for i in load_rules("jvm", "embeddable", Inherited))
MAX_EMBEDDING = 3  # embeddables inside embeddables, deeper is a cycle
KEEPS_NAMES = frozenset(n.name for n in load_rules("jvm", "names_as_written", NamingStrategy))
NAMING_PROPERTY = "spring.jpa.hibernate.naming.physical-strategy"
INHERITANCE = rules_by_name("jvm", "inheritance", InheritanceRule)
Naming = Callable[[str], str]
ONE_TO_MANY = "one_to_many"
EMPTY_CONSTANTS: dict[str, Any] = {}


class JvmEntities(Extractor):
    name = "jvm-entities"
    version = 5
    extensions = frozenset({".java", ".kt"})
    markers = (b"@Entity", b"@Table", b"@MappedSuperclass", b"@Document", b"@Embeddable")
    languages = frozenset({"java", "kotlin"})
    reads_module_files = True  # @MappedSuperclass classes of a shared module

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        grammar = grammar_of(path)
        if grammar not in ("java", "kotlin"):
            return None
        data = read_file(grammar, source)
        kept = [
            t for t in data["types"] if _entity_rule(t) or _is_inherited(t) or _is_embeddable(t)
        ]
        for facts in kept:
            facts.pop("methods", None)
        return {"types": kept} if kept else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        types: dict[str, tuple[str, TypeFacts]] = {}
        for path in sorted(facts):
            for facts_of_type in facts[path].get("types", []):
                types.setdefault(facts_of_type["name"], (path, facts_of_type))
        configured = _naming(read_config(ctx))
        tables = {
            name: _table(t, _namings(t, configured)[0])
            for name, (_, t) in types.items()
            if _entity_rule(t)
        }
        roots = _single_table_roots(tables, types)
        foreign = _foreign_columns(tables, types, roots, configured)
        own = set(ctx.files)
        children: dict[str, list[TypeFacts]] = {}
        for child, root in roots.items():
            children.setdefault(root, []).append(types[child][1])
        entities = []
        for name, (path, facts_of_type) in types.items():
            if name in tables and name not in roots and path in own:
                subclasses = children.get(name, [])
                naming = _namings(facts_of_type, configured)[1]
                entity = _entity(path, facts_of_type, tables, types, naming, subclasses)
                known = {f.name for f in entity.fields}
                entity.fields += [f for f in foreign.get(name, []) if f.name not in known]
                entities.append(entity)
        return Part(entities=entities)


def _namings(facts: TypeFacts, configured: Naming) -> tuple[Naming, Naming]:
    """How the entity's unwritten table name and column names are made: its store's
    convention (`naming` of its entity annotation); JPA's is the configured strategy."""
    rule = _entity_rule(facts)
    if rule is not None and rule.naming == "camel_case":
        return _uncapitalize, str
    return configured, configured


def _uncapitalize(name: str) -> str:
    """`UserProfile` → `userProfile` (Spring Data MongoDB's collection names)."""
    return name[:1].lower() + name[1:]


def _foreign_columns(
    tables: Mapping[str, str],
    types: Mapping[str, tuple[str, TypeFacts]],
    roots: Mapping[str, str],
    configured: Naming,
) -> dict[str, list[EntityField]]:
    """Entity → the foreign key columns other entities put in its table: a unidirectional
    `@OneToMany @JoinColumn(name = "owner_id") List<Pet> pets` of Owner is a column `owner_id`
    of Pet's table referencing Owner's."""
    out: dict[str, list[EntityField]] = {}
    for name in tables:
        facts = types[name][1]
        kinds = _kinds(facts)
        for owner in _with_superclasses(facts, types):
            for field in owner.get("fields", []):
                roles = _roles(field, kinds)
                join = roles.get("join_column")
                if ONE_TO_MANY not in roles or join is None:
                    continue
                target = _element_type(str(field.get("type") or ""))
                target = roots.get(target, target)
                column = _string(join, *FIELD_RULES[join["name"]].column_arguments)
                if target not in tables or not column:
                    continue
                referenced = _string(join, "referencedColumnName")
                table = tables[roots.get(name, name)]
                out.setdefault(target, []).append(
                    EntityField(
                        name=column,
                        type=None,
                        nullable=flag(join, "nullable"),
                        unique=bool(flag(join, "unique")),
                        primary_key=False,
                        references=f"{table}.{referenced}" if referenced else table,
                    )
                )
    return out


def _element_type(type_name: str) -> str:
    """`Set<Visit>`, `MutableList<Pet>`, `Map<String, Item>` → the element class's name."""
    inner = type_name.split("<", 1)[1] if "<" in type_name else type_name
    words = re.findall(r"[A-Za-z_]\w*", inner)
    return words[-1] if words else ""


def _kinds(facts: TypeFacts) -> frozenset[str]:
    return frozenset(a["name"] for a in facts.get("annotations", []) if a["name"] in ENTITY_RULES)


def _roles(field: dict[str, Any], kinds: frozenset[str]) -> dict[str, Annotation]:
    """Role → the field's annotation playing it, for an entity annotated with `kinds`."""
    roles: dict[str, Annotation] = {}
    for annotation in field.get("annotations", []):
        rule = FIELD_RULES.get(annotation["name"])
        if rule is not None and (not rule.entities or kinds & set(rule.entities)):
            roles.setdefault(rule.role, annotation)
    return roles


def _single_table_roots(
    tables: Mapping[str, str], types: Mapping[str, tuple[str, TypeFacts]]
) -> dict[str, str]:
    """Entity → the root entity whose table it lives in: an entity extending another entity
    does, unless the root's @Inheritance strategy gives each class a table of its own (JPA's
    default: SINGLE_TABLE). Its columns are the root's table's."""
    roots: dict[str, str] = {}
    for name in tables:
        facts = types[name][1]
        if _annotation(facts, TABLE_RULES) is not None:
            continue  # its own @Table: a JOINED / TABLE_PER_CLASS subclass
        root = name
        for _ in range(20):
            parent = next((s for s in types[root][1].get("supertypes", []) if s in tables), None)
            if parent is None or parent == name:
                break
            root = parent
        if root != name and not _own_table_strategy(types[root][1]):
            roots[name] = root
    return roots


def _own_table_strategy(root: TypeFacts) -> bool:
    annotation = _annotation(root, INHERITANCE)
    if annotation is None:
        return False
    rule = INHERITANCE[annotation["name"]]
    items = argument(annotation, rule.strategy_argument)
    strategy = str(items[0][1]).rsplit(".", 1)[-1] if items else ""
    return strategy in rule.own_table_strategies


def _entity_rule(facts: TypeFacts) -> EntityAnnotation | None:
    names = {a["name"] for a in facts.get("annotations", [])}
    found = [ENTITY_RULES[n] for n in names if n in ENTITY_RULES]
    if any(not rule.requires_alone for rule in found):
        return next(rule for rule in found if not rule.requires_alone)
    return found[0] if found and facts.get("kind") in ("class", "record") else None


def _is_inherited(facts: TypeFacts) -> bool:
    return any(a["name"] in INHERITED for a in facts.get("annotations", []))


def _is_embeddable(facts: TypeFacts) -> bool:
    return any(a["name"] in EMBEDDABLE for a in facts.get("annotations", []))


def _annotation(facts: dict[str, Any], names: Mapping[str, Any]) -> Annotation | None:
    return next((a for a in facts.get("annotations", []) if a["name"] in names), None)


def _string(annotation: Annotation | None, *keys: str) -> str | None:
    if annotation is None:
        return None
    for item in argument(annotation, *keys):
        value = evaluate(item, EMPTY_CONSTANTS)
        if value:
            return value.strip('"`[]')
    return None


def _naming(config: Mapping[str, str]) -> Naming:
    """How a name the code does not spell out becomes a table or column name."""
    strategy = config.get(NAMING_PROPERTY, "").strip().rsplit(".", 1)[-1]
    return str if strategy in KEEPS_NAMES else snake_case


def _table(facts: TypeFacts, naming: Naming) -> str:
    rule = _entity_rule(facts)
    assert rule is not None
    annotations = {a["name"]: a for a in facts.get("annotations", [])}
    if rule.table_arguments:
        named = _string(annotations.get(rule.name), *rule.table_arguments)
    else:
        table = next((annotations[n] for n in TABLE_RULES if n in annotations), None)
        named = _string(table, *TABLE_RULES[table["name"]].table_arguments) if table else None
        if not named:  # @Entity(name = "X"): the entity's name, named as an implicit one
            return naming(_string(annotations.get(rule.name), "name") or facts["name"])
    return named or naming(facts["name"])


def snake_case(name: str) -> str:
    """`UserProfile` → `user_profile` (Spring Boot's physical naming strategy)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _entity(
    path: str,
    facts: TypeFacts,
    tables: Mapping[str, str],
    types: Mapping[str, tuple[str, TypeFacts]],
    naming: Naming,
    subclasses: list[TypeFacts],
) -> Entity:
    fields = []
    indexes = _indexes(facts)
    seen: set[str] = set()
    kinds = _kinds(facts)
    for owner in [*_with_superclasses(facts, types), *subclasses]:
        for field in owner.get("fields", []):
            for column in _columns(field, tables, types, naming, kinds):
                if column.name in seen:
                    continue
                seen.add(column.name)
                fields.append(column)
                indexed = _roles(field, kinds).get("indexed")
                if indexed is not None:  # @Indexed: an index of its own
                    name = _string(indexed, "name")
                    indexes.append(EntityIndex([column.name], column.unique, name))
    return Entity(
        name=facts["name"],
        table=tables[facts["name"]],
        file=path,
        line=facts["line"],
        fields=fields,
        indexes=indexes,
    )


def _columns(
    field: dict[str, Any],
    tables: Mapping[str, str],
    types: Mapping[str, tuple[str, TypeFacts]],
    naming: Naming,
    kinds: frozenset[str],
    depth: int = 0,
) -> list[EntityField]:
    """The columns a field maps to: one, or the columns of the @Embeddable class it holds
    (primary key columns when the field is the entity's id)."""
    embedded = _embeddable(field, types) if depth < MAX_EMBEDDING else None
    if embedded is None or field.get("transient") or "skip" in _roles(field, kinds):
        column = _field(field, tables, naming, kinds)
        return [] if column is None else [column]
    key = "primary_key" in _roles(field, kinds)
    out = []
    for inner in embedded.get("fields", []):
        for column in _columns(inner, tables, types, naming, kinds, depth + 1):
            out.append(replace(column, primary_key=True) if key else column)
    return out


def _embeddable(
    field: dict[str, Any], types: Mapping[str, tuple[str, TypeFacts]]
) -> TypeFacts | None:
    type_name = str(field.get("type") or "").split("<", 1)[0].rstrip("?").rsplit(".", 1)[-1]
    found = types.get(type_name)
    return found[1] if found is not None and _is_embeddable(found[1]) else None


def _with_superclasses(
    facts: TypeFacts, types: Mapping[str, tuple[str, TypeFacts]]
) -> list[TypeFacts]:
    out = [facts]
    current = facts
    while len(out) < 20:
        parent = next((types[s][1] for s in current.get("supertypes", []) if s in types), None)
        if parent is None or not _is_inherited(parent) or parent in out:
            break
        out.append(parent)
        current = parent
    return out


def _field(
    field: dict[str, Any], tables: Mapping[str, str], naming: Naming, kinds: frozenset[str]
) -> EntityField | None:
    if field.get("transient"):
        return None
    roles = _roles(field, kinds)
    if "skip" in roles or ONE_TO_MANY in roles:
        return None
    type_name = str(field.get("type") or "")
    column = roles.get("column")
    explicit = _string(column, *FIELD_RULES[column["name"]].column_arguments) if column else None
    name = explicit or naming(field["name"])
    references = None
    if "reference" in roles:
        target = type_name.split("<", 1)[0].rsplit(".", 1)[-1]
        join = roles.get("join_column")
        join_name = _string(join, *FIELD_RULES["JoinColumn"].column_arguments) if join else None
        name = join_name or naming(f"{field['name']}_id")
        referenced = _string(join, "referencedColumnName") if join else None
        table = tables.get(target)
        if table:
            references = f"{table}.{referenced}" if referenced else table
    nullable = _nullable(field, roles)
    return EntityField(
        name=name,
        type=type_name or None,
        nullable=nullable,
        unique=any(role in roles and flag(roles[role], "unique") for role in ("column", "indexed")),
        primary_key="primary_key" in roles,
        references=references,
    )


def _nullable(field: dict[str, Any], roles: Mapping[str, Annotation]) -> bool | None:
    if "primary_key" in roles or "not_null" in roles or field.get("primitive"):
        return False
    for role in ("column", "join_column"):
        if role in roles:
            value = flag(roles[role], "nullable")
            if value is not None:
                return value
    if "reference" in roles:
        optional = flag(roles["reference"], "optional")
        if optional is not None:
            return optional
    nullable_type = field.get("nullable_type")
    return nullable_type if isinstance(nullable_type, bool) else None


def _indexes(facts: TypeFacts) -> list[EntityIndex]:
    table = _annotation(facts, TABLE_RULES)
    if table is None:
        return []
    out = []
    for item in argument(table, "indexes"):
        if item[0] == "a":
            column_list = _string(item[1], "columnList") or ""
            names = [c.strip().split(" ")[0] for c in column_list.split(",") if c.strip()]
            if names:
                unique = bool(flag(item[1], "unique"))
                out.append(EntityIndex(names, unique, _string(item[1], "name")))
    for item in argument(table, "uniqueConstraints"):
        if item[0] == "a":
            columns = [
                value
                for part in argument(item[1], "columnNames")
                if (value := evaluate(part, EMPTY_CONSTANTS))
            ]
            if columns:
                out.append(EntityIndex(columns, True, _string(item[1], "name")))
    return out


EXTRACTORS = [JvmEntities]
