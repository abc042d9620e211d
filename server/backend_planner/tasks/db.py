"""Database engines for the task store: SQLite (default, one WAL file) or PostgreSQL.

`open_engine(url)` returns an engine configured for safe concurrent use:
- SQLite: WAL journal, a busy timeout, foreign keys on, and every transaction started with
  `BEGIN IMMEDIATE`, so two writers (threads or processes) never interleave;
- PostgreSQL through psycopg 3 (`postgresql://…` is mapped to `postgresql+psycopg://…`).

`upgrade(engine)` brings the schema to the newest version with Alembic, under a lock, so several
server processes can start at once on one database.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from backend_planner.errors import ConfigError
from backend_planner.paths import data_dir

log = logging.getLogger(__name__)

VERSION_TABLE = "backend_planner_schema_version"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 0x6270_7461  # "bpta": advisory lock id held while migrating
SQLITE_BUSY_TIMEOUT_MS = 30_000


def default_url() -> str:
    return f"sqlite:///{data_dir() / 'tasks.db'}"


def normalize_url(url: str | None) -> str:
    """Accept `sqlite:///path`, a bare file path, or `postgresql://…`; return a SQLAlchemy URL."""
    if not url:
        return default_url()
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise ConfigError(
        f"--db {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
    )


def describe(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def open_engine(url: str | None) -> Engine:
    full = normalize_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise ConfigError(
                "--db: SQLite needs a file (sqlite:///PATH), not an in-memory database"
            )
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(full, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(full, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the driver's implicit BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (idempotent; safe when several processes start together)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if is_postgres(engine):
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("task store schema is current (%s)", describe(str(engine.url)))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        if not inspector.has_table(VERSION_TABLE):
            return None
        row = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
        return str(row[0]) if row else None
