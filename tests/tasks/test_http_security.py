"""The HTTP face's checks on their own: loopback detection, binds, origins."""

from __future__ import annotations

import pytest

from backend_planner.errors import ConfigError
from backend_planner.tasks.http import (
    HttpSecurity,
    build_app,
    is_loopback,
    origin_allowed,
    parse_bind,
)
from backend_planner.tasks.server import ServerConfig, build_server


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("example.com", False),
        ("::", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_parse_bind() -> None:
    assert parse_bind("127.0.0.1:8765") == ("127.0.0.1", 8765)
    assert parse_bind("[::1]:9000") == ("::1", 9000)
    assert parse_bind("8765") == ("127.0.0.1", 8765)
    with pytest.raises(ConfigError, match="expected HOST:PORT"):
        parse_bind("localhost:http")
    with pytest.raises(ConfigError, match=r"port must be 0\.\.65535"):
        parse_bind("127.0.0.1:70000")


def test_origins() -> None:
    assert origin_allowed("http://localhost:3000")
    assert origin_allowed("https://127.0.0.1")
    assert not origin_allowed("http://evil.example")
    assert not origin_allowed("http://127.0.0.1.evil.example")
    assert not origin_allowed("null")
    assert origin_allowed("https://app.example", ("https://app.example",))


def test_public_bind_needs_a_token() -> None:
    server = build_server(ServerConfig())
    with pytest.raises(ConfigError, match="needs a bearer token"):
        build_app(server, "0.0.0.0", HttpSecurity(token=None))  # type: ignore[arg-type]
    assert build_app(server, "0.0.0.0", HttpSecurity(token="t")) is not None  # type: ignore[arg-type]
