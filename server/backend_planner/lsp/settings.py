"""Typed settings of the language server, read once from `initializationOptions` and again on
`workspace/didChangeConfiguration` (pure: no pygls).

Every setting (camelCase, as an editor sends it):

| key | type | default | meaning |
|---|---|---|---|
| `todoMarkers` | list of str | `["TODO", "FIXME", "PLAN"]` | comment markers that start a request |
| `backend.command` | list of str or str | `backend-planner tasks serve` | stdio backend |
| `backend.url` | str | none | streamable-HTTP URL of the task backend (wins over `command`) |
| `backend.token` | str | none | bearer token for `backend.url` |
| `projectId` | str | none | project id of the pushed tasks |
| `skillFolders` | list of str | `[]` | extra skill folders (`DIR` or `OWNER/REPO=DIR`) |
| `debounceMs` | int | 200 | wait after the last edit before TODOs are recomputed |
| `statusCacheSeconds` | number | 10 | how long live task statuses are reused by hovers |
| `maxFileBytes` | int | 5000000 | larger documents are not searched for TODOs |

A bad value is reported (one message naming every bad key) and its default applies.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from backend_planner.lsp.todos import DEFAULT_MARKERS

SECTION = "backendPlanner"


@dataclass(frozen=True)
class Backend:
    command: tuple[str, ...] = ()
    url: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class Settings:
    todo_markers: tuple[str, ...] = DEFAULT_MARKERS
    backend: Backend = field(default_factory=Backend)
    project_id: str | None = None
    skill_folders: tuple[str, ...] = ()
    debounce_ms: int = 200
    status_cache_seconds: float = 10.0
    max_file_bytes: int = 5_000_000


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """`raw` (initializationOptions, or a configuration object) → settings and the problems."""
    problems: list[str] = []
    if raw is None:
        return Settings(), problems
    if not isinstance(raw, dict):
        return Settings(), [f"settings must be an object, not {type(raw).__name__}"]
    if isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    default = Settings()

    def strings(key: str, value: Any, fallback: tuple[str, ...]) -> tuple[str, ...]:
        if value is None:
            return fallback
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value)
        problems.append(f"{key}: expected a list of non-empty strings, got {value!r}")
        return fallback

    def text(key: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and value.strip()):
            return value.strip() if isinstance(value, str) else None
        problems.append(f"{key}: expected a non-empty string, got {value!r}")
        return None

    def number(key: str, value: Any, fallback: float, low: float, high: float) -> float:
        if value is None:
            return fallback
        if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high:
            return value
        problems.append(f"{key}: expected a number from {low:g} to {high:g}, got {value!r}")
        return fallback

    markers = strings("todoMarkers", raw.get("todoMarkers"), default.todo_markers)
    if markers and not all(m.replace("_", "").isalnum() for m in markers):
        problems.append(f"todoMarkers: markers are words (letters, digits, _), got {list(markers)}")
        markers = default.todo_markers

    backend = Backend()
    raw_backend = raw.get("backend")
    if isinstance(raw_backend, dict):
        command: tuple[str, ...] = ()
        raw_command = raw_backend.get("command")
        if isinstance(raw_command, str) and raw_command.strip():
            command = tuple(shlex.split(raw_command))
        elif raw_command is not None:
            command = strings("backend.command", raw_command, ())
        url = text("backend.url", raw_backend.get("url"))
        if url and not url.startswith(("http://", "https://")):
            problems.append(f"backend.url: expected an http(s) URL, got {url!r}")
            url = None
        backend = Backend(command, url, text("backend.token", raw_backend.get("token")))
    elif raw_backend is not None:
        problems.append(f"backend: expected an object with command or url, got {raw_backend!r}")

    settings = Settings(
        todo_markers=markers,
        backend=backend,
        project_id=text("projectId", raw.get("projectId")),
        skill_folders=strings("skillFolders", raw.get("skillFolders"), ()),
        debounce_ms=int(
            number("debounceMs", raw.get("debounceMs"), default.debounce_ms, 0, 10_000)
        ),
        status_cache_seconds=number(
            "statusCacheSeconds",
            raw.get("statusCacheSeconds"),
            default.status_cache_seconds,
            0,
            3600,
        ),
        max_file_bytes=int(
            number("maxFileBytes", raw.get("maxFileBytes"), default.max_file_bytes, 1, 1 << 31)
        ),
    )
    known = {
        f
        for f in (
            "todoMarkers",
            "backend",
            "projectId",
            "skillFolders",
            "debounceMs",
            "statusCacheSeconds",
            "maxFileBytes",
        )
    }
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        problems.append(f"unknown settings: {', '.join(unknown)}")
    return settings, problems
