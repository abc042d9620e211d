"""HTTP safety of the task backend, and the `tasks tree` / `tasks skills` commands."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from tasks.support import (
    DEV,
    HttpServer,
    McpSession,
    http_transport,
    run_cli,
    serve_command,
    server_env,
)

pytestmark = pytest.mark.e2e

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def post(url: str, **headers: str) -> httpx2.Response:
    return httpx2.post(url, json=INIT, headers={**HEADERS, **headers}, timeout=10)


def test_foreign_origin_is_refused_loopback_origin_accepted(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 't.db'}")
    try:
        assert post(server.url, origin="https://evil.example").status_code == 403
        assert post(server.url, origin="http://attacker.test:8080").status_code == 403
        assert post(server.url, origin=f"http://localhost:{server.port}").status_code == 200
        assert post(server.url).status_code == 200
        # DNS rebinding: a foreign name resolving to 127.0.0.1 still carries its own Host.
        assert post(server.url, host="evil.example").status_code in (400, 421)
    finally:
        server.stop()


def test_bearer_token_is_required_when_set(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 't.db'}", "--token", "s3cret")
    try:
        assert post(server.url).status_code == 401
        assert post(server.url, authorization="Bearer wrong").status_code == 401
        assert post(server.url, authorization="Bearer s3cret").status_code == 200
        url = server.url
        session = McpSession(lambda: http_transport(url, {"authorization": "Bearer s3cret"}))
        try:
            found = session.ok("search_skills", {"category": "development"})["skills"]
            assert found[0]["full_id"] == DEV
        finally:
            session.close()
    finally:
        server.stop()


def test_non_loopback_bind_without_token_is_refused(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        serve_command(f"sqlite:///{tmp_path / 't.db'}", "--http", "0.0.0.0:0"),
        env={k: v for k, v in server_env().items() if k != "BACKEND_PLANNER_TOKEN"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "binding a non-loopback address needs a bearer token" in result.stderr


def test_non_loopback_bind_with_token_requires_it(tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 't.db'}", "--token", "tok", host="0.0.0.0")
    try:
        assert post(server.url).status_code == 401
        assert post(server.url, authorization="Bearer tok").status_code == 200
    finally:
        server.stop()


def test_tasks_tree_prints_the_tree_with_statuses(tmp_path: Path) -> None:
    from backend_planner.tasks.skills import SkillRegistry
    from backend_planner.tasks.store import TaskStore

    db_url = f"sqlite:///{tmp_path / 't.db'}"
    store = TaskStore.open(db_url, SkillRegistry.load())
    parent = store.create_task({"skill_id": DEV, "task_name": "Build orders", "description": "b"})
    subs = [
        store.create_subtask(parent.task_id, {"skill_id": DEV, "task_name": n, "description": n})
        for n in ("Schema", "Service", "Routes")
    ]
    store.claim_next_task(worker="alice")
    store.update_task_status(subs[0].task_id, "completed")
    store.claim_next_task(worker="bob")
    store.close()

    result = run_cli("tasks", "tree", parent.task_id, "--db", db_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"◐ Build orders [in_progress] {parent.task_id}"
    assert "  sub-tasks: 1/3 completed" in lines
    assert f"├── 1. ● Schema [completed] {subs[0].task_id}" in lines
    assert f"├── 2. ◐ Service [in_progress] {subs[1].task_id}" in lines
    assert f"└── 3. ○ Routes [pending] {subs[2].task_id}" in lines
    assert any("worker: bob" in line for line in lines)

    as_json = json.loads(run_cli("tasks", "tree", parent.task_id, "--db", db_url, "--json").stdout)
    assert [s["status"] for s in as_json["subtasks"]] == ["completed", "in_progress", "pending"]

    missing = run_cli("tasks", "tree", "nope", "--db", db_url)
    assert missing.returncode == 2 and 'no task with id "nope"' in missing.stderr


def test_skills_from_a_configured_folder(tmp_path: Path) -> None:
    folder = tmp_path / "extra" / "go-gin-handlers"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(
        "---\nname: go-gin-handlers\ndescription: Write Gin HTTP handlers in Go.\n"
        "category: development\ntags: [backend, golang]\n---\n\nBody.\n"
    )
    result = run_cli(
        "tasks", "skills", "gin handlers", "--skills-dir", f"acme/go={tmp_path / 'extra'}"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(
        "acme/go/go-gin-handlers  [development] backend, golang"
    )


def test_serve_reports_an_unreachable_database_in_one_line() -> None:
    import subprocess

    from tasks.support import free_port

    port = free_port()
    result = subprocess.run(
        serve_command(f"postgresql://postgres@127.0.0.1:{port}/nothing"),
        env=server_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"backend-planner: task database postgresql+psycopg://postgres@127.0.0.1:{port}/nothing "
        "is unreachable"
    )
    assert "Traceback" not in result.stderr
    over_http = subprocess.run(
        serve_command(f"postgresql://postgres@127.0.0.1:{port}/nothing", "--http", "127.0.0.1:0"),
        env=server_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert over_http.returncode == 2
    assert "is unreachable" in over_http.stderr.splitlines()[0]
    assert "Traceback" not in over_http.stderr
    bad = run_cli("tasks", "serve", "--db", "mysql://db/x")
    assert bad.returncode == 2
    assert "--db 'mysql://db/x': use sqlite:///PATH or postgresql://" in bad.stderr
