"""A throw-away PostgreSQL server for tests and benchmarks.

`base_url()` returns `$BACKEND_PLANNER_TEST_PG_URL` when set; otherwise it starts (once per
process) a private cluster: `initdb` in a fresh directory, `pg_ctl start` on a free loopback
port, stopped and deleted when the process exits. initdb and postgres refuse to run as root, so
as root they run as the `postgres` user. Missing binaries are an error with the fix in the
message (`make test` installs them), never a skip.

`new_database_url(base)` gives each test its own schema (`search_path`) on that server.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

ENV_URL = "BACKEND_PLANNER_TEST_PG_URL"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin_dir() -> Path:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make test` (its "
        "scripts/test-deps/postgres.sh installs Debian's postgresql) or set "
        f"{ENV_URL}=postgresql://USER@HOST:PORT/DB"
    )


@dataclass
class Cluster:
    directory: Path
    port: int
    bin_dir: Path
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, *args: str) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return [*prefix, *args]

    @classmethod
    def start(cls) -> Cluster:
        bin_dir = _bin_dir()
        as_postgres = os.geteuid() == 0
        directory = Path(tempfile.mkdtemp(prefix="backend-planner-pg-"))
        if as_postgres:
            shutil.chown(directory, "postgres", "postgres")
        cluster = cls(directory, free_port(), bin_dir, as_postgres)
        data = directory / "data"
        run = subprocess.run
        run(
            cluster._cmd(
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {cluster.port} -k {directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=300 -c shared_buffers=64MB"
        )
        result = run(
            cluster._cmd(
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(directory / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            log = (directory / "server.log").read_text(errors="replace")
            raise RuntimeError(f"pg_ctl start failed: {result.stderr}\n{log}")
        return cluster

    def stop(self) -> None:
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ),
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


_cluster: list[Cluster] = []
_schemas: list[tuple[str, str]] = []


def _drop_schemas() -> None:
    """On a server we did not start, leave nothing behind."""
    for base, schema in _schemas:
        try:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except psycopg.Error:
            pass


def base_url() -> str:
    """The PostgreSQL server tests use (started on first use, stopped at exit)."""
    given = os.environ.get(ENV_URL)
    if given:
        return given
    if not _cluster:
        cluster = Cluster.start()
        _cluster.append(cluster)
        atexit.register(cluster.stop)
    return _cluster[0].url


def new_database_url(base: str | None = None) -> str:
    """A URL whose tables live in a new, empty schema of the test server."""
    base = base or base_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    if os.environ.get(ENV_URL):
        if not _schemas:
            atexit.register(_drop_schemas)
        _schemas.append((base, schema))
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
