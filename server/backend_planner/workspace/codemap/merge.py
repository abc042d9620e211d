"""One entity per table: an ORM model and the tables its migrations create are the same thing.

Entities from several extractors (a gorm struct and a golang-migrate CREATE TABLE, a Django
model and nothing else, a Prisma model and its SQL migration) are merged when they name the
same table — or, when a model declares no table, when the model's name and the table are the
same word (`Article` / `articles`). The model keeps the name and the declaration; the tables
fill in what the model leaves open (types, nullability, uniqueness, references, indexes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from backend_planner.workspace.facts import Entity, EntityField, EntityIndex


def word_key(name: str | None) -> str:
    """`user_profiles`, `UserProfile`, `"public"."user_profile"` → `userprofile`."""
    if not name:
        return ""
    name = name.strip().strip('"`[]')
    name = name.rsplit(".", 1)[-1].strip('"`[]')
    tokens = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", name)
    out = []
    for token in (t.lower() for t in tokens):
        if len(token) > 3 and token.endswith("ies"):
            token = token[:-3] + "y"
        elif token.endswith(("sses", "xes", "ches", "shes")):
            token = token[:-2]
        elif len(token) > 2 and token.endswith("s") and not token.endswith(("ss", "us")):
            token = token[:-1]
        out.append(token)
    return "".join(out)


def merge_entities(entities: Iterable[Entity]) -> list[Entity]:
    """Entities merged per table, sorted by name then file."""
    ordered = sorted(entities, key=_priority)
    merged: list[Entity] = []
    by_key: dict[str, Entity] = {}
    for entity in ordered:
        keys = {k for k in (word_key(entity.table), word_key(entity.name)) if k}
        target = next((by_key[k] for k in sorted(keys) if k in by_key), None)
        # A model and a table are one entity only when their tables agree (or one is unknown).
        if (
            target is not None
            and entity.table
            and target.table
            and _table(entity.table) != _table(target.table)
        ):
            target = None
        if target is None:
            merged.append(entity)
            for key in keys:
                by_key.setdefault(key, entity)
            continue
        _absorb(target, entity)
        for key in keys:
            by_key.setdefault(key, target)
    return sorted(merged, key=lambda e: (e.name.lower(), e.file, e.line))


def _priority(entity: Entity) -> tuple[int, str, int]:
    """Model declarations (code) before tables (SQL, migrations), then by place."""
    file = entity.file
    is_ddl = (
        file.endswith((".sql", ".xml", ".yaml", ".yml"))
        or "migrat" in file
        or "/versions/" in f"/{file}"  # Alembic revisions
        or file.endswith(("db/schema.rb", "db/structure.sql"))
        or "changelog" in file.lower()
    )
    return (1 if is_ddl else 0, entity.file, entity.line)


def _table(table: str) -> str:
    return table.strip().strip('"`[]').rsplit(".", 1)[-1].strip('"`[]').lower()


def _absorb(target: Entity, other: Entity) -> None:
    if target.table is None and other.table:
        target.table = other.table
    place = f"{other.file}:{other.line}"
    if place not in target.sources and place != f"{target.file}:{target.line}":
        target.sources.append(place)
    for source in other.sources:
        if source not in target.sources:
            target.sources.append(source)
    fields = {_column(f.name): f for f in target.fields}
    for new in other.fields:
        have = fields.get(_column(new.name))
        if have is None:
            copy = EntityField(**vars(new))
            target.fields.append(copy)
            fields[_column(new.name)] = copy
            continue
        if have.type is None:
            have.type = new.type
        if have.nullable is None:
            have.nullable = new.nullable
        have.unique = have.unique or new.unique
        have.primary_key = have.primary_key or new.primary_key
        if have.references is None:
            have.references = new.references
    indexes = {(tuple(i.columns), i.unique) for i in target.indexes}
    for index in other.indexes:
        if (tuple(index.columns), index.unique) not in indexes:
            target.indexes.append(EntityIndex(list(index.columns), index.unique, index.name))
            indexes.add((tuple(index.columns), index.unique))


def _column(name: str) -> str:
    """`createdAt` and `created_at` are the same column."""
    return re.sub(r"[^a-z0-9]", "", name.lower())
