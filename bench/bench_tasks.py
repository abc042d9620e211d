"""Task backend benchmark: create_tasks_batch latency and claim throughput, over real MCP.

Figures are printed next to a baseline measured in the same run on the same transport: the
round trip of a trivial tool call (search_skills with limit 1). Target: a 50-task batch has
p95 ≤ 30 ms over stdio.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import pg  # noqa: E402
from tasks.support import (  # noqa: E402
    HttpServer,
    McpSession,
    http_transport,
    simple_task,
    stdio_params,
)
from timing import p95, timed  # noqa: E402

TARGET_P95_MS_50 = 30.0


def baseline(session: McpSession) -> float:
    timed(lambda: session.ok("search_skills", {"limit": 1}), 20)  # warm up
    return statistics.median(timed(lambda: session.ok("search_skills", {"limit": 1}), 200))


def batch_latency(session: McpSession, base: float, label: str) -> float:
    p95_50 = 0.0
    for size, repeats in ((4, 100), (50, 100), (500, 20)):
        tasks = [simple_task(i + 1, *([f"${i}"] if i else [])) for i in range(size)]
        session.ok("create_tasks_batch", {"tasks": tasks})  # warm up
        samples = timed(lambda t=tasks: session.ok("create_tasks_batch", {"tasks": t}), repeats)
        med, high = statistics.median(samples), p95(samples)
        if size == 50:
            p95_50 = high
        print(
            f"  {label:6} create_tasks_batch {size:>3} tasks: p50 {med:7.2f} ms  p95 {high:7.2f} ms"
            f"  = {med / base:5.1f}x / {high / base:5.1f}x baseline"
        )
    return p95_50


def claims_per_second(session: McpSession, label: str, base: float) -> None:
    project = f"claims-{time.monotonic_ns()}"
    count = 300
    session.ok(
        "create_tasks_batch",
        {"tasks": [simple_task(i + 1) for i in range(count)], "project_id": project},
    )
    start = time.perf_counter()
    for _ in range(count):
        assert session.ok("claim_next_task", {"project_id": project})["task"] is not None
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    trivial = 1000 / base
    print(
        f"  {label:15} claim_next_task: {rate:7.0f} claims/s"
        f"  = {rate / trivial:4.2f}x the trivial-call rate ({trivial:.0f}/s)"
    )


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-tasks-"))
    sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
    print("baseline = median round trip of a trivial tool call on the same transport")

    stdio = McpSession(lambda: stdio_params(sqlite_url))
    try:
        base_stdio = baseline(stdio)
        print(f"  stdio  baseline: {base_stdio:.2f} ms")
        p95_50 = batch_latency(stdio, base_stdio, "stdio")
        claims_per_second(stdio, "stdio  SQLite", base_stdio)
    finally:
        stdio.close()

    server = HttpServer(f"sqlite:///{tmp / 'bench-http.db'}")
    url = server.url
    http = McpSession(lambda: http_transport(url))
    try:
        base_http = baseline(http)
        print(f"  http   baseline: {base_http:.2f} ms")
        batch_latency(http, base_http, "http")
    finally:
        http.close()
        server.stop()

    pg_url = pg.new_database_url()
    pg_session = McpSession(lambda: stdio_params(pg_url))
    try:
        base_pg = baseline(pg_session)
        batch_latency(pg_session, base_pg, "pg")
        claims_per_second(pg_session, "stdio  Postgres", base_pg)
    finally:
        pg_session.close()

    verdict = "met" if p95_50 <= TARGET_P95_MS_50 else "MISSED"
    print(
        f"  target: 50-task batch p95 ≤ {TARGET_P95_MS_50:.0f} ms over stdio — {verdict} "
        f"({p95_50:.2f} ms)"
    )
    return 0 if p95_50 <= TARGET_P95_MS_50 else 1


if __name__ == "__main__":
    raise SystemExit(main())
