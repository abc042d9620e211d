"""SQL DDL extractor: tables from migrations of any tool, replayed in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend_planner.workspace import analyze
from backend_planner.workspace.codemap.extractors.sql_ddl import entity_name, parse_sql
from workspace.codemap.realworld import score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"


@pytest.fixture(scope="module")
def entities() -> dict[str, Any]:
    profile = analyze(FIXTURES / "sql-migrations")
    return {e.table: e for s in profile.services for e in s.entities}


def _fields(entity: Any) -> dict[str, Any]:
    return {f.name: f for f in entity.fields}


def test_tables_left_after_every_migration(entities: dict[str, Any]) -> None:
    # scratch_rows is dropped by V10 (after V2: numbers compare as numbers), the undo file
    # and the goose Down section are not run, the view and the function's body are no tables
    assert sorted(entities) == ["accounts", "audit_entries", "labels", "order_lines"]


def test_create_table_columns(entities: dict[str, Any]) -> None:
    accounts = entities["accounts"]
    assert (accounts.name, accounts.file, accounts.line) == (
        "Account",
        "db/migrations/000001_accounts.up.sql",
        2,
    )
    fields = _fields(accounts)
    assert list(fields) == ["id", "email", "nickname", "created_at", "bio", "score"]
    assert fields["id"].primary_key and fields["id"].nullable is False
    email = fields["email"]
    assert (email.type, email.nullable, email.unique) == ("VARCHAR(255)", False, True)
    assert fields["nickname"].nullable is True
    assert fields["created_at"].type == "TIMESTAMP WITH TIME ZONE"
    assert fields["score"].nullable is False
    assert "db/migrations/000002_orders.up.sql:11" in accounts.sources


def test_table_constraints_and_indexes(entities: dict[str, Any]) -> None:
    lines = entities["order_lines"]
    assert lines.name == "OrderLine"
    fields = _fields(lines)
    assert fields["order_id"].primary_key and fields["line_no"].primary_key
    assert fields["account_id"].references == "accounts.id"
    assert fields["note"].type == "TEXT"
    assert [(i.columns, i.unique) for i in lines.indexes] == [(["account_id", "note"], True)]


def test_mysql_dialect_in_goose_up_section(entities: dict[str, Any]) -> None:
    audit = entities["audit_entries"]
    fields = _fields(audit)
    assert fields["id"].type == "int unsigned" and fields["id"].primary_key
    assert fields["account_id"].references == "accounts.id"
    assert fields["payload"].nullable is True
    assert [i.columns for i in audit.indexes] == [["account_id"]]


def test_renames(entities: dict[str, Any]) -> None:
    labels = entities["labels"]
    assert labels.name == "Label"
    assert list(_fields(labels)) == ["id", "title"]


def test_statement_forms() -> None:
    changes = parse_sql(
        "CREATE TABLE [dbo].[People] ([Id] INT IDENTITY(1,1) NOT NULL PRIMARY KEY)\nGO\n"
        "CREATE INDEX ON people USING btree (lower((name)::text));\n"
        "CREATE TEMP TABLE t (a int);\n"
        "COPY people (id) FROM stdin;\n1\tit's; odd\n\\.\n"
        "DROP TABLE a, b CASCADE;\n"
    )
    assert [c["op"] for c in changes] == ["create", "constraint", "drop_table", "drop_table"]
    assert changes[0]["columns"][0]["type"] == "INT"
    assert changes[1]["constraint"]["columns"] == ["lower((name)::text)"]


def test_entity_names() -> None:
    assert entity_name("article_tags") == "ArticleTag"
    assert entity_name("people") == "Person"
    assert entity_name("status") == "Status"
    assert entity_name("AspNetUsers") == "AspNetUser"


def test_realworld_golang_migrate_tables() -> None:
    s = score("siahsang__golang-realworld-example-app")
    assert s.entity_recall == 1.0, s.entities_missed


def test_operators_in_index_expressions() -> None:
    changes = parse_sql(
        "CREATE INDEX idx_txt ON people USING gin (to_tsvector('english', first || ' ' || last));"
    )
    assert changes[0]["constraint"]["columns"] == ["to_tsvector('english',first || ' ' || last)"]


def test_columns_named_like_table_constraints() -> None:
    profile = analyze(FIXTURES / "sql-keyword-columns")
    tables = {e.table: e for s in profile.services for e in s.entities}
    # `key TEXT`, `index INTEGER`, `check BOOLEAN`, `ADD unique BOOLEAN` are columns;
    # `KEY idx (…)`, `CHECK (…)`, `UNIQUE KEY uq (…)`, `ADD INDEX idx (…)` are constraints
    preferences = _fields(tables["preferences"])
    assert list(preferences) == ["key", "value", "index", "check"]
    assert (preferences["key"].type, preferences["key"].unique) == ("TEXT", True)
    assert [i.columns for i in tables["preferences"].indexes] == [["index"]]
    api_keys = _fields(tables["api_keys"])
    assert list(api_keys) == ["id", "key", "unique"]
    assert (api_keys["key"].type, api_keys["key"].unique) == ("VARCHAR(64)", True)
    assert [i.columns for i in tables["api_keys"].indexes] == [["unique"]]
