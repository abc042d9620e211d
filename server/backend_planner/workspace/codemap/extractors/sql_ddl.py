"""SQL DDL: the tables that `.sql` files create — migrations of any tool (golang-migrate, goose,
Flyway, sqlx, diesel, dbmate …) and schema dumps (schema.sql, structure.sql, mysqldump).

`extract` reads one file with a small tokenizer (strings, dollar quotes, quoted identifiers,
comments, parentheses) into the schema changes it makes, in order: CREATE TABLE (columns and
table constraints), ALTER TABLE (add/drop/rename/modify columns, add constraints, rename the
table), CREATE [UNIQUE] INDEX, DROP TABLE, DROP INDEX, RENAME TABLE. Rollback files and rollback
sections (`-- +goose Down` …, see rules/sql.toml) are skipped.

`resolve` replays the changes of every file, ordered by path with numbers compared as numbers
(`V2__` before `V10__`), so a column added by a later migration belongs to its table and a table
dropped later is gone. Each table left is an entity named after it (`article_tags` → ArticleTag).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from backend_planner.workspace.codemap.extractor import Extractor, FileFacts, Part, ServiceContext
from backend_planner.workspace.codemap.inflection import singularize
from backend_planner.workspace.codemap.rules import load_rules
from backend_planner.workspace.facts import Entity, EntityField, EntityIndex


@dataclass(frozen=True)
class DownFile:
    """A file name pattern of migrations that only roll back."""

    name: str
    pattern: str


@dataclass(frozen=True)
class Section:
    """Comment markers opening the up and the down part of a two-way migration file."""

    name: str
    up: str
    down: str


@cache
def _down_files() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rule.pattern) for rule in load_rules("sql", "down_file", DownFile))


@cache
def _sections() -> tuple[Section, ...]:
    return load_rules("sql", "section", Section)


# ----------------------------------------------------------------------------------- tokenizer


class Token(NamedTuple):
    kind: str  # word, ident (quoted identifier), string, number, punct, comment
    text: str  # a quoted identifier's name without quotes; a comment's text without markers
    line: int


_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | --(?P<line_comment>[^\n]*)
    | /\*(?P<block_comment>.*?)(?:\*/|\Z)
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*|)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<string>[EeNnBbXx]?'(?:[^']|'')*(?:'|\Z))
    | "(?P<dquoted>(?:[^"]|"")*)"
    | `(?P<bquoted>(?:[^`]|``)*)`
    | \[(?P<bracketed>[^\]\n]+)\]
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<word>[^\W\d]\w*(?:\$\w*)*)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# mysqldump/psql `#` comments start a line; elsewhere `#` is an operator
_HASH_COMMENT = re.compile(r"(?m)^[ \t]*#([^\n]*)")
# the data rows of a psql dump's COPY … FROM stdin; (up to a line `\.`) are not SQL
_COPY_DATA = re.compile(r"(?ims)^COPY\b[^;]*?\bFROM\s+stdin[^;]*;\n(.*?)^\\\.$")


def _prepared(text: str) -> str:
    """SQL text with the data rows of COPY … FROM stdin blanked and `#` comments as `--`."""
    text = _COPY_DATA.sub(
        lambda m: m.group(0).split("\n", 1)[0] + "\n" * m.group(0).count("\n"), text
    )
    return _HASH_COMMENT.sub(lambda m: "--" + m.group(1), text)


def _token(match: re.Match[str], line: int) -> Token | None:
    """The token a match of _TOKEN is (None for whitespace)."""
    kind = match.lastgroup
    value = match.group(0)
    if kind == "line_comment":
        return Token("comment", match.group("line_comment"), line)
    if kind == "block_comment":
        return Token("comment", match.group("block_comment"), line)
    if kind in ("dollar", "tag", "string"):
        return Token("string", value, line)
    if kind == "dquoted":
        return Token("ident", value[1:-1].replace('""', '"'), line)
    if kind == "bquoted":
        return Token("ident", value[1:-1].replace("``", "`"), line)
    if kind == "bracketed":
        return Token("ident", value[1:-1], line)
    if kind in ("number", "word", "punct"):
        return Token(kind, value, line)
    return None


# Statements that change no table are skipped whole, without tokens (data dumps are large).
_SCHEMA_STATEMENTS = frozenset({"CREATE", "ALTER", "DROP", "RENAME"})
_REST_OF_STATEMENT = re.compile(
    r"""(?:[^;'"`$/\-]+|'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|--[^\n]*|/\*.*?\*/"""
    r"""|\$(?P<tag>[A-Za-z_]\w*|)\$.*?\$(?P=tag)\$|[$/\\'"`-])*;?""",
    re.DOTALL,
)
_GO_LINE = re.compile(r"(?im)^[ \t]*GO[ \t]*(?:--[^\n]*)?$")


def statements(text: str) -> Iterator[list[Token]]:
    """The statements of SQL text (comments dropped) that run when migrating up: split on `;`
    (and T-SQL's `GO` lines), skipping the down sections of two-way migration files."""
    text = _GO_LINE.sub(";", _prepared(text))
    current: list[Token] = []
    up = True
    pos, line, end = 0, 1, len(text)
    while pos < end:
        match = _TOKEN.match(text, pos)
        if match is None:  # pragma: no cover - the last alternative matches any character
            break
        token = _token(match, line)
        line += text.count("\n", pos, match.end())
        pos = match.end()
        if token is None:
            continue
        if token.kind == "comment":
            direction = _section_marker(token.text)
            if direction is not None:
                if current and up:
                    yield current
                current = []
                up = direction
            continue
        if not current and (not up or token.text.upper() not in _SCHEMA_STATEMENTS):
            if token.kind == "punct" and token.text == ";":
                continue
            rest = _REST_OF_STATEMENT.match(text, pos)
            if rest is not None:
                line += text.count("\n", pos, rest.end())
                pos = rest.end()
            continue
        if token.kind == "punct" and token.text == ";":
            yield current
            current = []
        else:
            current.append(token)
    if current and up:
        yield current


def _section_marker(comment: str) -> bool | None:
    """True for a comment opening an up section, False for a down section, else None."""
    body = comment.strip().lstrip("-#").strip().lower()
    for section in _sections():
        if body.startswith(section.down.lower()):
            return False
        if body.startswith(section.up.lower()):
            return True
    return None


# ------------------------------------------------------------------------------------- parser


class Cursor:
    """A position in a statement's tokens, with the few reads a DDL parser needs."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def word(self, ahead: int = 0) -> str:
        """The upper-cased keyword ahead ('' when it is not a bare word)."""
        token = self.peek(ahead)
        return token.text.upper() if token is not None and token.kind == "word" else ""

    def is_punct(self, char: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == "punct" and token.text == char

    def accept(self, *words: str) -> bool:
        """Consume the keywords if they come next, in this order."""
        if all(self.word(k) == w for k, w in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def skip_words(self, *words: str) -> None:
        """Consume any of the keywords, in any order."""
        while self.word() in words:
            self.i += 1

    def take(self) -> Token | None:
        token = self.peek()
        self.i += 1
        return token

    def name(self) -> str | None:
        """A possibly qualified identifier (`schema.table`): its last part."""
        token = self.peek()
        if token is None or token.kind not in ("word", "ident"):
            return None
        self.i += 1
        name = token.text
        while self.is_punct(".") and self.peek(1) is not None:
            nxt = self.tokens[self.i + 1]
            if nxt.kind not in ("word", "ident"):
                break
            name = nxt.text
            self.i += 2
        return name

    def group(self) -> list[Token] | None:
        """The tokens inside the parentheses that come next (consumed), or None."""
        if not self.is_punct("("):
            return None
        depth = 0
        start = self.i
        for j in range(self.i, len(self.tokens)):
            token = self.tokens[j]
            if token.kind == "punct" and token.text == "(":
                depth += 1
            elif token.kind == "punct" and token.text == ")":
                depth -= 1
                if depth == 0:
                    self.i = j + 1
                    return self.tokens[start + 1 : j]
        self.i = len(self.tokens)
        return self.tokens[start + 1 :]

    def rest(self) -> list[Token]:
        out = self.tokens[self.i :]
        self.i = len(self.tokens)
        return out


def split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Tokens split on the commas outside parentheses (empty parts dropped)."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "punct":
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.text == "," and depth == 0:
                parts.append([])
                continue
        parts[-1].append(token)
    return [p for p in parts if p]


def _words(tokens: list[Token]) -> str:
    """Tokens written back as text: `numeric(10,2)`, `timestamp with time zone`, `text[]`."""
    out = ""
    glued = False  # no space after ( [ , : .
    operator = False  # the previous token was a character of an operator (`||`, `<=`, `->>`)
    for token in tokens:
        text = token.text
        is_punct = token.kind == "punct"
        is_operator = is_punct and text in _OPERATOR_CHARS
        if (
            out
            and not glued
            and not (is_punct and text in "()[],:.")
            and not (operator and is_operator)
        ):
            out += " "
        out += text
        glued = is_punct and text in "([,:."
        operator = is_operator
    return out


_OPERATOR_CHARS = frozenset("|&<>=!~-+*/%^#@")


# Keywords that end a column's type and start its constraints.
_COLUMN_CONSTRAINT_START = frozenset(
    {
        "NOT", "NULL", "PRIMARY", "UNIQUE", "REFERENCES", "DEFAULT", "CHECK", "CONSTRAINT",
        "COLLATE", "GENERATED", "AUTO_INCREMENT", "AUTOINCREMENT", "IDENTITY", "COMMENT", "ON",
        "AS", "CHARSET", "ENCODE", "STORAGE", "COMPRESSION", "KEY", "INVISIBLE", "VISIBLE",
        "SERIAL_DEFAULT_VALUE", "USING",
    }
)  # fmt: skip
# Table elements that are constraints, not columns.
_TABLE_CONSTRAINT_START = frozenset(
    {
        "CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "INDEX", "KEY",
        "FULLTEXT", "SPATIAL", "LIKE", "PERIOD",
    }
)  # fmt: skip


def parse_column(tokens: list[Token]) -> dict[str, Any] | None:
    """A column definition: `name type [constraints]` → column facts."""
    cursor = Cursor(tokens)
    first = cursor.peek()
    name = cursor.name()
    if first is None or name is None:
        return None
    type_tokens: list[Token] = []
    while not cursor.at_end():
        word = cursor.word()
        if word in _COLUMN_CONSTRAINT_START or (word == "CHARACTER" and cursor.word(1) == "SET"):
            break
        if cursor.is_punct("("):
            type_tokens.append(Token("punct", "(", 0))
            type_tokens.extend(cursor.group() or [])
            type_tokens.append(Token("punct", ")", 0))
            continue
        token = cursor.take()
        if token is not None:
            type_tokens.append(token)
    column: dict[str, Any] = {
        "name": name,
        "type": _words(type_tokens) or None,
        "nullable": True,
        "unique": False,
        "primary_key": False,
        "references": None,
        "line": first.line,
    }
    _column_constraints(cursor, column)
    if column["primary_key"]:
        column["nullable"] = False
    return column


def _column_constraints(cursor: Cursor, column: dict[str, Any]) -> None:
    while not cursor.at_end():
        if cursor.accept("NOT", "NULL"):
            column["nullable"] = False
        elif cursor.accept("NULL"):
            column["nullable"] = True
        elif cursor.accept("PRIMARY", "KEY"):
            column["primary_key"] = True
        elif cursor.accept("UNIQUE"):
            cursor.skip_words("KEY", "INDEX")
            column["unique"] = True
        elif cursor.accept("REFERENCES"):
            column["references"] = _reference(cursor)
        elif cursor.accept("DEFAULT"):
            _skip_expression_term(cursor)
        elif cursor.accept("CONSTRAINT"):
            cursor.name()
        elif cursor.group() is None:  # CHECK (…), GENERATED … AS (…), IDENTITY(1,1)
            cursor.take()


def _skip_expression_term(cursor: Cursor) -> None:
    """A DEFAULT value: one term (`now()`, `'x'::text`, `-1`, `(expr)`), not what follows."""
    if cursor.is_punct("-") or cursor.is_punct("+"):
        cursor.take()
    if cursor.group() is None:
        cursor.take()
    while cursor.group() is not None:
        pass
    while cursor.is_punct(":") and cursor.is_punct(":", 1):
        cursor.i += 2
        cursor.name()
        cursor.group()


def _reference(cursor: Cursor) -> dict[str, Any] | None:
    """`REFERENCES table [(columns)]` (after the keyword) → {"table", "columns"}."""
    table = cursor.name()
    if table is None:
        return None
    inner = cursor.group()
    columns = [c for c in (_column_name(part) for part in split_commas(inner or [])) if c]
    return {"table": table, "columns": columns}


def _column_name(tokens: list[Token]) -> str | None:
    """An index or key element: the column it names, or the expression's text."""
    if not tokens:
        return None
    head = tokens[0]
    if head.kind in ("word", "ident") and (len(tokens) == 1 or _is_key_suffix(tokens[1:])):
        return head.text
    return _words(tokens)


def _is_key_suffix(tokens: list[Token]) -> bool:
    """What may follow a column in a key: ASC/DESC, NULLS FIRST, COLLATE x, an opclass, (len)."""
    first = tokens[0]
    prefix_length = len(tokens) == 3 and tokens[1].kind == "number"  # MySQL `name(10)`
    return (first.kind == "word" and first.text.upper() != "IS") or (
        first.kind == "punct" and first.text == "(" and prefix_length
    )


def _key_columns(cursor: Cursor) -> list[str]:
    inner = cursor.group()
    return [c for c in (_column_name(part) for part in split_commas(inner or [])) if c]


def parse_table_constraint(tokens: list[Token]) -> dict[str, Any] | None:
    """A table constraint (`[CONSTRAINT n] PRIMARY KEY (…)`, `UNIQUE (…)`, `FOREIGN KEY (…)
    REFERENCES t (…)`, MySQL `[UNIQUE] KEY n (…)`) → {"kind", "columns", "name", …}, or None
    for those that say nothing about columns (CHECK, EXCLUDE, LIKE)."""
    cursor = Cursor(tokens)
    name = None
    if cursor.accept("CONSTRAINT"):
        name = cursor.name()
    line = tokens[0].line
    if cursor.accept("PRIMARY", "KEY"):
        _skip_to_group(cursor)
        return {"kind": "primary", "columns": _key_columns(cursor), "name": name, "line": line}
    if cursor.accept("FOREIGN", "KEY"):
        _skip_to_group(cursor)
        columns = _key_columns(cursor)
        cursor.accept("REFERENCES")
        reference = _reference(cursor)
        return {
            "kind": "foreign",
            "columns": columns,
            "name": name,
            "line": line,
            "references": reference,
        }
    unique = cursor.accept("UNIQUE")
    cursor.skip_words("KEY", "INDEX", "FULLTEXT", "SPATIAL")
    if not unique and cursor.i == (2 if name else 0):
        return None  # CHECK, EXCLUDE, LIKE, PERIOD
    if not cursor.is_punct("("):
        name = cursor.name() or name
    _skip_to_group(cursor)
    columns = _key_columns(cursor)
    if not columns:
        return None
    return {
        "kind": "index",
        "unique": unique,
        "columns": columns,
        "name": name,
        "line": line,
        "partial": False,
    }


def _skip_to_group(cursor: Cursor) -> None:
    """Skip the words before a key's column list (`USING BTREE`, a key name, CLUSTERED)."""
    while not cursor.at_end() and not cursor.is_punct("("):
        cursor.take()


# Constraint words that also make plain column names (`key TEXT NOT NULL`, `index INT`).
_COLUMN_NAME_LIKE_CONSTRAINT = frozenset(
    {"UNIQUE", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL"}
)  # fmt: skip


def _is_table_constraint(tokens: list[Token]) -> bool:
    """Whether a CREATE TABLE element is a constraint, not a column named like one: `KEY idx
    (a)`, `UNIQUE (a)`, `CHECK (a > 0)` are constraints; `key TEXT NOT NULL`, `key VARCHAR(64)`
    are columns (a type follows the name, its arguments are numbers)."""
    head = tokens[0]
    if head.kind != "word" or head.text.upper() not in _TABLE_CONSTRAINT_START:
        return False
    if head.text.upper() not in _COLUMN_NAME_LIKE_CONSTRAINT or len(tokens) < 2:
        return True
    second = tokens[1]
    if second.kind not in ("word", "ident") or second.text.upper() in ("KEY", "INDEX"):
        return True
    if len(tokens) == 2:
        return False
    third = tokens[2]
    if third.kind == "word":
        return third.text.upper() == "USING"  # MySQL `KEY idx USING BTREE (a)`
    if third.kind == "punct" and third.text == "(":
        return len(tokens) < 4 or tokens[3].kind != "number"
    return False


# --------------------------------------------------------------------------------- statements


def parse_statement(tokens: list[Token]) -> list[dict[str, Any]]:
    """The schema changes one statement makes (none for any other statement)."""
    cursor = Cursor(tokens)
    line = tokens[0].line
    if cursor.accept("CREATE"):
        cursor.accept("OR", "REPLACE")
        if cursor.word() in ("TEMPORARY", "TEMP") or cursor.word(1) in ("TEMPORARY", "TEMP"):
            return []
        cursor.skip_words("GLOBAL", "LOCAL", "UNLOGGED")
        if cursor.accept("TABLE"):
            return _create_table(cursor, line)
        unique = cursor.accept("UNIQUE")
        cursor.skip_words("CLUSTERED", "NONCLUSTERED", "FULLTEXT", "SPATIAL")
        if cursor.accept("INDEX"):
            return _create_index(cursor, line, unique)
        return []
    if cursor.accept("ALTER", "TABLE"):
        return _alter_table(cursor, line)
    if cursor.accept("DROP", "TABLE"):
        cursor.accept("IF", "EXISTS")
        tables = (Cursor(part).name() for part in split_commas(cursor.rest()))
        return [{"op": "drop_table", "table": t, "line": line} for t in tables if t]
    if cursor.accept("DROP", "INDEX"):
        cursor.skip_words("CONCURRENTLY")
        cursor.accept("IF", "EXISTS")
        name = cursor.name()
        table = cursor.name() if cursor.accept("ON") else None
        return [{"op": "drop_index", "name": name, "table": table, "line": line}] if name else []
    if cursor.accept("RENAME", "TABLE"):
        out = []
        for part in split_commas(cursor.rest()):
            pair = Cursor(part)
            old = pair.name()
            if pair.accept("TO") and old:
                new = pair.name()
                if new:
                    out.append({"op": "rename_table", "table": old, "to": new, "line": line})
        return out
    return []


def _create_table(cursor: Cursor, line: int) -> list[dict[str, Any]]:
    cursor.accept("IF", "NOT", "EXISTS")
    table = cursor.name()
    if table is None or cursor.word() == "PARTITION":
        return []
    op: dict[str, Any] = {
        "op": "create",
        "table": table,
        "line": line,
        "columns": [],
        "constraints": [],
    }
    inner = cursor.group()
    for element in split_commas(inner or []):
        if _is_table_constraint(element):
            constraint = parse_table_constraint(element)
            if constraint:
                op["constraints"].append(constraint)
            continue
        column = parse_column(element)
        if column:
            op["columns"].append(column)
    return [op]


def _create_index(cursor: Cursor, line: int, unique: bool) -> list[dict[str, Any]]:
    cursor.skip_words("CONCURRENTLY")
    cursor.accept("IF", "NOT", "EXISTS")
    name = None if cursor.word() == "ON" else cursor.name()
    if not cursor.accept("ON"):
        return []
    cursor.skip_words("ONLY")
    table = cursor.name()
    if table is None:
        return []
    if cursor.accept("USING"):
        cursor.take()
    columns = _key_columns(cursor)
    partial = any(token.kind == "word" and token.text.upper() == "WHERE" for token in cursor.rest())
    if not columns:
        return []
    index = {
        "kind": "index",
        "unique": unique,
        "columns": columns,
        "name": name,
        "line": line,
        "partial": partial,
    }
    return [{"op": "constraint", "table": table, "constraint": index, "line": line}]


def _alter_table(cursor: Cursor, line: int) -> list[dict[str, Any]]:
    cursor.accept("IF", "EXISTS")
    cursor.skip_words("ONLY")
    table = cursor.name()
    if table is None:
        return []
    out = []
    for action in split_commas(cursor.rest()):
        op = _alter_action(Cursor(action), table, action[0].line)
        if op:
            out.append(op)
    return out


_ADD_CONSTRAINT = frozenset(
    {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "INDEX", "KEY", "FULLTEXT", "SPATIAL",
     "EXCLUDE"}
)  # fmt: skip


def _alter_action(cursor: Cursor, table: str, line: int) -> dict[str, Any] | None:
    """One action of ALTER TABLE → a schema change, or None for those that change no column."""
    if cursor.accept("ADD"):
        if cursor.word() in _ADD_CONSTRAINT and (
            cursor.word() not in _TABLE_CONSTRAINT_START
            or _is_table_constraint(cursor.tokens[cursor.i :])
        ):
            constraint = parse_table_constraint(cursor.rest())
            if constraint is None:
                return None
            return {"op": "constraint", "table": table, "constraint": constraint, "line": line}
        cursor.accept("COLUMN")
        cursor.accept("IF", "NOT", "EXISTS")
        column = parse_column(cursor.rest())
        return (
            {"op": "add_column", "table": table, "column": column, "line": line} if column else None
        )
    if cursor.accept("DROP"):
        if cursor.word() in ("CONSTRAINT", "INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK"):
            return None
        cursor.accept("COLUMN")
        cursor.accept("IF", "EXISTS")
        name = cursor.name()
        return {"op": "drop_column", "table": table, "column": name, "line": line} if name else None
    if cursor.accept("RENAME"):
        if cursor.accept("TO") or cursor.accept("AS"):
            new = cursor.name()
            return {"op": "rename_table", "table": table, "to": new, "line": line} if new else None
        if cursor.word() in ("CONSTRAINT", "INDEX", "KEY"):
            return None
        cursor.accept("COLUMN")
        old = cursor.name()
        new = cursor.name() if cursor.accept("TO") else None
        if old and new:
            return {"op": "rename_column", "table": table, "column": old, "to": new, "line": line}
        return None
    if cursor.accept("MODIFY"):  # MySQL: a whole new definition
        cursor.accept("COLUMN")
        column = parse_column(cursor.rest())
        return (
            {"op": "add_column", "table": table, "column": column, "line": line} if column else None
        )
    if cursor.accept("CHANGE"):  # MySQL: old name, then a whole new definition
        cursor.accept("COLUMN")
        old = cursor.name()
        column = parse_column(cursor.rest())
        if old and column:
            return {
                "op": "change_column",
                "table": table,
                "column": old,
                "definition": column,
                "line": line,
            }
        return None
    if cursor.accept("ALTER"):
        cursor.accept("COLUMN")
        return _alter_column(cursor, table, line)
    return None


def _alter_column(cursor: Cursor, table: str, line: int) -> dict[str, Any] | None:
    """`ALTER [COLUMN] c SET NOT NULL | DROP NOT NULL | [SET DATA] TYPE t` (T-SQL: `c type`)."""
    name = cursor.name()
    if name is None:
        return None
    op: dict[str, Any] = {"op": "alter_column", "table": table, "column": name, "line": line}
    if cursor.accept("SET", "NOT", "NULL"):
        op["nullable"] = False
    elif cursor.accept("DROP", "NOT", "NULL"):
        op["nullable"] = True
    elif cursor.accept("SET", "DATA", "TYPE") or cursor.accept("TYPE"):
        definition = parse_column([Token("word", name, line), *cursor.rest()])
        op["type"] = definition["type"] if definition else None
    elif cursor.word() in ("SET", "DROP", "ADD", "RESET", "OPTIONS"):
        return None
    else:
        definition = parse_column([Token("word", name, line), *cursor.rest()])
        if definition is None:
            return None
        op["type"] = definition["type"]
        op["nullable"] = definition["nullable"]
    return op


def parse_sql(text: str) -> list[dict[str, Any]]:
    """The schema changes of an SQL file's up direction, in order."""
    changes: list[dict[str, Any]] = []
    for statement in statements(text):
        changes.extend(parse_statement(statement))
    return changes


# ------------------------------------------------------------------------------------ resolve


@dataclass
class _Table:
    name: str
    file: str
    line: int
    fields: dict[str, EntityField] = field(default_factory=dict)
    indexes: list[EntityIndex] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def field_named(self, column: str) -> EntityField | None:
        return self.fields.get(column.lower())

    def touched(self, file: str, line: int) -> None:
        """Another file changed this table: list it among the entity's sources."""
        if file != self.file and not any(s.startswith(file + ":") for s in self.sources):
            self.sources.append(f"{file}:{line}")


class Schema:
    """The tables as the changes leave them, applied in order."""

    def __init__(self) -> None:
        self.tables: dict[str, _Table] = {}
        self.index_tables: dict[str, str] = {}  # index name -> table key

    def apply(self, change: dict[str, Any], file: str) -> None:
        handlers = {
            "create": self._create,
            "add_column": self._add_column,
            "change_column": self._change_column,
            "drop_column": self._drop_column,
            "rename_column": self._rename_column,
            "alter_column": self._alter_column,
            "rename_table": self._rename_table,
            "drop_table": self._drop_table,
            "drop_index": self._drop_index,
            "constraint": self._constraint,
        }
        handler = handlers.get(str(change.get("op")))
        if handler is not None:
            handler(change, file)

    def _existing(self, change: dict[str, Any], file: str) -> _Table | None:
        """The table a change is about (None when no earlier change created it)."""
        table = self.tables.get(str(change.get("table", "")).lower())
        if table is not None:
            table.touched(file, int(change.get("line", 1)))
        return table

    def _create(self, change: dict[str, Any], file: str) -> None:
        key = change["table"].lower()
        table = self.tables.get(key)
        if table is None:
            table = _Table(change["table"], file, change["line"])
            self.tables[key] = table
        else:
            table.touched(file, change["line"])
        for column in change.get("columns", []):
            if column["name"].lower() not in table.fields:
                table.fields[column["name"].lower()] = _field(column)
        for constraint in change.get("constraints", []):
            self._add_constraint(key, table, constraint)

    def _add_column(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        if table is not None:
            column = change["column"]
            table.fields[column["name"].lower()] = _field(column)

    def _change_column(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        if table is not None:
            table.fields.pop(change["column"].lower(), None)
            column = change["definition"]
            table.fields[column["name"].lower()] = _field(column)

    def _drop_column(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        if table is not None:
            table.fields.pop(change["column"].lower(), None)

    def _rename_column(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        if table is None:
            return
        old = table.field_named(change["column"])
        if old is not None:
            old.name = change["to"]
            table.fields = {f.name.lower(): f for f in table.fields.values()}

    def _alter_column(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        have = table.field_named(change["column"]) if table else None
        if have is None:
            return
        if change.get("type"):
            have.type = change["type"]
        if change.get("nullable") is not None:
            have.nullable = change["nullable"]

    def _rename_table(self, change: dict[str, Any], file: str) -> None:
        table = self.tables.pop(change["table"].lower(), None)
        if table is not None:
            table.name = change["to"]
            table.touched(file, change["line"])
            self.tables[table.name.lower()] = table

    def _drop_table(self, change: dict[str, Any], file: str) -> None:
        self.tables.pop(change["table"].lower(), None)

    def _drop_index(self, change: dict[str, Any], file: str) -> None:
        name = change["name"]
        key = self.index_tables.pop(name.lower(), None)
        table = self.tables.get(key) if key else None
        if table is not None:
            table.indexes = [i for i in table.indexes if (i.name or "").lower() != name.lower()]

    def _constraint(self, change: dict[str, Any], file: str) -> None:
        table = self._existing(change, file)
        if table is not None:
            self._add_constraint(change["table"].lower(), table, change["constraint"])

    def _add_constraint(self, key: str, table: _Table, constraint: dict[str, Any]) -> None:
        columns: list[str] = constraint.get("columns", [])
        kind = constraint.get("kind")
        if kind == "primary":
            for column in columns:
                have = table.field_named(column)
                if have is not None:
                    have.primary_key = True
                    have.nullable = False
        elif kind == "foreign":
            reference = constraint.get("references") or {}
            targets = reference.get("columns") or []
            for i, column in enumerate(columns):
                have = table.field_named(column)
                if have is not None and reference.get("table"):
                    target = targets[i] if i < len(targets) else None
                    have.references = _reference_text(reference["table"], target)
        elif kind == "index":
            self._add_index(key, table, constraint)

    def _add_index(self, key: str, table: _Table, index: dict[str, Any]) -> None:
        columns: list[str] = index["columns"]
        unique = bool(index.get("unique"))
        name = index.get("name")
        if name:
            self.index_tables[name.lower()] = key
        if unique and len(columns) == 1 and not index.get("partial"):
            have = table.field_named(columns[0])
            if have is not None:
                have.unique = True
                return
        if not any(i.columns == columns and i.unique == unique for i in table.indexes):
            table.indexes.append(EntityIndex(list(columns), unique, name))


def _field(column: dict[str, Any]) -> EntityField:
    reference = column.get("references")
    references = None
    if reference and reference.get("table"):
        targets = reference.get("columns") or []
        references = _reference_text(reference["table"], targets[0] if targets else None)
    return EntityField(
        name=column["name"],
        type=column.get("type"),
        nullable=column.get("nullable"),
        unique=bool(column.get("unique")),
        primary_key=bool(column.get("primary_key")),
        references=references,
    )


def _reference_text(table: str, column: str | None) -> str:
    return f"{table}.{column}" if column else table


def entity_name(table: str) -> str:
    """The model name a table stands for: `article_tags` → ArticleTag, `people` → Person."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", table)
    if not words:
        return table
    words[-1] = _singular(words[-1])
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def _singular(word: str) -> str:
    return singularize(word)


_NUMBER = re.compile(r"(\d+)")


def migration_order(path: str) -> tuple[Any, ...]:
    """A path's sort key with numbers compared as numbers (`V2__` before `V10__`)."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NUMBER.split(path))


class SqlDdlExtractor(Extractor):
    """Tables created by SQL files (any language's service)."""

    name = "sql-ddl"
    version = 3
    extensions = frozenset({".sql"})
    markers = (b"TABLE", b"table", b"Table", b"INDEX", b"index", b"Index")

    def wants(self, path: str) -> bool:
        if not super().wants(path):
            return False
        base = path.rsplit("/", 1)[-1]
        return not any(pattern.search(base) for pattern in _down_files())

    def extract(self, path: str, source: bytes) -> FileFacts | None:
        changes = parse_sql(source.decode("utf-8", errors="replace"))
        return {"changes": changes} if changes else None

    def resolve(self, facts: Mapping[str, FileFacts], ctx: ServiceContext) -> Part:
        schema = Schema()
        for path in sorted(facts, key=migration_order):
            for change in facts[path].get("changes", []):
                try:
                    schema.apply(change, path)
                except (KeyError, TypeError, AttributeError):  # facts of an odd statement
                    continue
        entities = [
            Entity(
                name=entity_name(table.name),
                table=table.name,
                file=table.file,
                line=table.line,
                fields=list(table.fields.values()),
                indexes=table.indexes,
                sources=table.sources,
            )
            for table in schema.tables.values()
        ]
        return Part(entities=entities)


EXTRACTORS = [SqlDdlExtractor]
