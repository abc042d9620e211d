"""Test helpers for the task backend: real server processes and real MCP client sessions.

`McpSession` keeps one `mcp.Client` session open in a background event-loop thread, so a
module can share one server process (stdio or HTTP) across many synchronous tests.
`HttpServer` runs `backend-planner tasks serve --http` as a subprocess on a free loopback port.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

T = TypeVar("T")

DEV = "backend-planner/skills/backend-development"
CRITIQUE = "backend-planner/skills/backend-critique"
TESTING = "backend-planner/skills/backend-testing"
PLANNER = "backend-planner/skills/backend-planner"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def serve_command(db_url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "backend_planner", "tasks", "serve", "--db", db_url, *extra]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "server")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def stdio_params(db_url: str, *extra: str) -> StdioServerParameters:
    command = serve_command(db_url, *extra)
    return StdioServerParameters(command=command[0], args=command[1:], env=server_env())


class HttpServer:
    """`backend-planner tasks serve --http 127.0.0.1:PORT` in a subprocess."""

    def __init__(self, db_url: str, *extra: str, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port()
        self.process = subprocess.Popen(
            serve_command(db_url, "--http", f"{host}:{self.port}", *extra),
            env=server_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._wait_until_listening(deadline=time.monotonic() + 30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def _wait_until_listening(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {self.process.stderr.read() if self.process.stderr else ''}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"server did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


def http_transport(url: str, headers: dict[str, str] | None = None) -> Any:
    import httpx2

    return streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers or {}))


class McpSession:
    """One real MCP client session, usable from synchronous tests."""

    def __init__(self, target: Callable[[], Any]) -> None:
        self._target = target
        self._loop = asyncio.new_event_loop()
        self._ready: Future[Client] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.client = self._ready.result(timeout=60)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with Client(self._target()) as client:
                self._ready.set_result(client)
                await self._stop.wait()
        except Exception as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            # Otherwise the server went away (tests that kill it expect this).

    def run(self, make: Callable[[Client], Awaitable[T]], timeout: float = 120) -> T:
        async def job() -> T:
            return await make(self.client)

        return asyncio.run_coroutine_threadsafe(job(), self._loop).result(timeout=timeout)

    def call(self, name: str, arguments: dict[str, Any] | None = None) -> Any:
        return self.run(lambda c: c.call_tool(name, arguments or {}))

    def ok(self, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a tool that must succeed; its structured content."""
        result = self.call(name, arguments)
        assert not result.is_error, _text(result)
        assert result.structured_content is not None
        return dict(result.structured_content)

    def error(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        """Call a tool that must fail; the error text the caller reads."""
        result = self.call(name, arguments)
        assert result.is_error, f"expected an error, got {result.structured_content}"
        return _text(result)

    def close(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


def _text(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def problem_lines(message: str) -> list[str]:
    """The `  - place: message` lines of a refusal, without the bullet."""
    return [line.strip()[2:] for line in message.splitlines() if line.strip().startswith("- ")]


def standard_batch(prompt: str = "Build subscription API with Stripe") -> list[dict[str, Any]]:
    """The planner skill's standard four tasks: build, review, test, review tests."""
    criteria = {
        "critical": ["Migration runs", "Endpoints work", "Webhook signature verification"],
        "expected": ["Auth enforced", "Input validation"],
        "nice_to_have": ["Logging"],
    }
    build = {
        "skill_id": DEV,
        "task_name": "Build subscription service",
        "description": "Create migrations, models, services, and handlers",
        "task_order": 1,
        "inputs": {
            "requirements": prompt,
            "files_to_create": ["internal/services/stripe_service.go"],
            "files_to_modify": ["internal/routes/routes.go"],
        },
        "validation_criteria": criteria,
        "timeout_seconds": 3600,
    }

    def preceding(task: dict[str, Any], order: int) -> dict[str, Any]:
        return {
            "task_order": order,
            "skill_id": task["skill_id"],
            "task_name": task["task_name"],
            "description": task["description"],
        }

    review = {
        "skill_id": CRITIQUE,
        "task_name": "QA: Validate subscription API",
        "description": "Review the implementation for correctness and security",
        "task_order": 2,
        "dependencies": ["$1"],
        "inputs": {
            "original_prompt": prompt,
            "preceding_task": preceding(build, 1),
            "validation_criteria": criteria,
        },
        "validation_criteria": {"critical": ["Returns structured verdict"]},
        "timeout_seconds": 1800,
    }
    test = {
        "skill_id": TESTING,
        "task_name": "Test subscription API against user requirements",
        "description": "Write tests that prove the user's request works",
        "task_order": 3,
        "dependencies": ["$2"],
        "inputs": {
            "original_prompt": prompt,
            "user_expectations": ["User can create a subscription"],
            "files_to_test": ["internal/handlers/subscription_handlers.go"],
            "test_types": ["unit", "integration"],
        },
        "validation_criteria": {"critical": ["Tests validate user requirements"]},
        "timeout_seconds": 3600,
    }
    review_tests = {
        "skill_id": CRITIQUE,
        "task_name": "QA: Validate tests cover user requirements",
        "description": "Review that the tests validate what the user asked for",
        "task_order": 4,
        "dependencies": ["$3"],
        "inputs": {"original_prompt": prompt, "preceding_task": preceding(test, 3)},
        "validation_criteria": {"critical": ["Tests cover the user's actual requirements"]},
        "timeout_seconds": 1800,
    }
    return [build, review, test, review_tests]


def simple_task(order: int, *deps: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "skill_id": DEV,
        "task_name": name or f"Task {order}",
        "description": f"Do step {order}",
        "task_order": order,
        "dependencies": list(deps),
    }
    task.update(extra)
    return task


def chain(n: int) -> list[dict[str, Any]]:
    return [simple_task(i + 1, *([f"${i}"] if i else [])) for i in range(n)]


def wait_for(check: Callable[[], T | None], *, timeout: float, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy, within a bounded deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(interval)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_planner", *args],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
