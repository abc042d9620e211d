"""Serving the MCP task backend over streamable HTTP, safely.

- Bound to 127.0.0.1 unless told otherwise; binding any other address requires a bearer token.
- With a token, every request needs `Authorization: Bearer <token>` (401 otherwise).
- A request carrying an `Origin` header is refused (403) unless the origin is a loopback
  address (or listed with `allowed_origins`): a web page on another site can't drive the server
  through the user's browser (DNS rebinding). On a loopback bind the SDK also checks `Host`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from backend_planner.errors import ConfigError

log = logging.getLogger(__name__)

TOKEN_ENV = "BACKEND_PLANNER_TOKEN"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_bind(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `[::1]:PORT` or `PORT` → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"--http {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8765") from None
    if not 0 <= number <= 65535:
        raise ConfigError(f"--http {text!r}: port must be 0..65535")
    return host, number


def origin_allowed(origin: str, extra: Sequence[str] = ()) -> bool:
    if origin in extra:
        return True
    parts = urlsplit(origin)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and is_loopback(parts.hostname or "")
    )


@dataclass(frozen=True)
class HttpSecurity:
    token: str | None
    allowed_origins: tuple[str, ...] = ()


class SecurityMiddleware:
    """Bearer token and Origin checks in front of the MCP app."""

    def __init__(self, app: ASGIApp, security: HttpSecurity) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin and not origin_allowed(origin, self.security.allowed_origins):
            log.warning("refused request with Origin %r", origin)
            await _respond(send, 403, "Forbidden: Origin not allowed\n")
            return
        if self.security.token is not None:
            given = headers.get("authorization", "")
            scheme, _, value = given.partition(" ")
            expected = self.security.token.encode()
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), expected
            ):
                await _respond(
                    send,
                    401,
                    "Unauthorized: send Authorization: Bearer <token>\n",
                    [(b"www-authenticate", b'Bearer realm="backend-planner"')],
                )
                return
        await self.app(scope, receive, send)


async def _respond(
    send: Send, status: int, body: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = body.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
    ]
    await send(
        {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
    )
    await send({"type": "http.response.body", "body": data})


def build_app(server: MCPServer[object], host: str, security: HttpSecurity) -> ASGIApp:
    """The streamable-HTTP ASGI app (served at /mcp) behind the security checks."""
    if not is_loopback(host) and not security.token:
        raise ConfigError(
            f"--http {host}: binding a non-loopback address needs a bearer token "
            f"(--token or ${TOKEN_ENV}); clients then send Authorization: Bearer <token>"
        )
    if is_loopback(host):
        transport = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    else:
        # Host names vary behind a public bind; the token and our Origin check protect it.
        transport = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app = server.streamable_http_app(transport_security=transport, host=host)
    return SecurityMiddleware(app, security)


def serve(server: MCPServer[object], host: str, port: int, security: HttpSecurity) -> None:
    import uvicorn

    app = build_app(server, host, security)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    log.warning(
        "MCP task backend on http://%s:%d/mcp", host if ":" not in host else f"[{host}]", port
    )
    uvicorn.Server(config).run()
