"""Several server processes on one database, and servers killed in the middle of batches."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import pg
from backend_planner.tasks import db
from tasks.support import HttpServer, McpSession, http_transport, simple_task, wait_for

pytestmark = pytest.mark.e2e


def make_db_url(kind: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared.db'}" if kind == "sqlite" else pg.new_database_url()


def session_factory(url: str) -> Callable[[], Any]:
    return lambda: http_transport(url)


@pytest.mark.parametrize("kind", ["postgres", "sqlite"])
def test_two_servers_eight_workers_claim_1000_tasks_exactly_once(kind: str, tmp_path: Path) -> None:
    db_url = make_db_url(kind, tmp_path)
    servers = [HttpServer(db_url), HttpServer(db_url)]
    sessions: list[McpSession] = []
    try:
        sessions = [McpSession(session_factory(servers[i % 2].url)) for i in range(8)]
        tasks = [simple_task(i + 1, name=f"job {i + 1}") for i in range(500)]
        created = [
            t["task_id"]
            for s in (sessions[0], sessions[1])
            for t in s.ok("create_tasks_batch", {"tasks": tasks, "project_id": "load"})["tasks"]
        ]
        assert len(set(created)) == 1000

        def work(index: int) -> list[str]:
            session = sessions[index]
            mine = []
            while True:
                task = session.ok("claim_next_task", {"project_id": "load", "worker": f"w{index}"})[
                    "task"
                ]
                if task is None:
                    return mine
                mine.append(task["task_id"])
                session.ok(
                    "update_task_status", {"task_id": task["task_id"], "status": "completed"}
                )

        with ThreadPoolExecutor(max_workers=8) as pool:
            per_worker = list(pool.map(work, range(8)))
        claims = Counter(task_id for claimed in per_worker for task_id in claimed)
        assert [task_id for task_id, n in claims.items() if n > 1] == []  # none claimed twice
        assert set(claims) == set(created)  # none lost
        assert sum(1 for claimed in per_worker if claimed) >= 4  # the work really was shared
        done = sessions[0].ok(
            "list_tasks", {"project_id": "load", "status": "completed", "limit": 500}
        )
        assert len(done["tasks"]) == 500 and done["next_cursor"] is not None
    finally:
        for session in sessions:
            session.close()
        for server in servers:
            server.stop()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_sigkill_in_the_middle_of_batches_leaves_no_partial_batch(
    kind: str, tmp_path: Path
) -> None:
    db_url = make_db_url(kind, tmp_path)
    batch_size = 300
    acknowledged: set[str] = set()
    rng = random.Random(1234)
    for _ in range(20):
        server = HttpServer(db_url)
        url = server.url
        session = McpSession(session_factory(url))
        acked_batches: list[list[str]] = []
        stop = threading.Event()

        def write(
            session: McpSession = session,
            acked: list[list[str]] = acked_batches,
            stop: threading.Event = stop,
        ) -> None:
            batch = [simple_task(i + 1) for i in range(batch_size)]
            while not stop.is_set():
                try:
                    result = session.call("create_tasks_batch", {"tasks": batch})
                except Exception:
                    return  # the server is gone
                if result.is_error:
                    return
                acked.append([t["task_id"] for t in result.structured_content["tasks"]])

        writer = threading.Thread(target=write)
        writer.start()
        wanted = rng.randint(1, 3)
        wait_for(lambda acked=acked_batches, n=wanted: len(acked) >= n, timeout=60, interval=0.002)
        server.process.kill()  # SIGKILL, while the next batch is being written
        server.process.wait()
        stop.set()
        writer.join(timeout=60)
        session.close()
        server.stop()
        for ids in acked_batches:
            acknowledged.update(ids)

    engine = db.open_engine(db_url)
    try:
        with engine.connect() as conn:
            sizes = conn.execute(
                sa.text("SELECT batch_id, count(*) FROM tasks GROUP BY batch_id")
            ).all()
            stored = {r[0] for r in conn.execute(sa.text("SELECT id FROM tasks"))}
    finally:
        engine.dispose()
    assert sizes, "batches were written"
    assert {n for _, n in sizes} == {batch_size}  # every batch complete, none partial
    assert acknowledged <= stored  # every acknowledged batch survived the kill
