"""Settings from initializationOptions / didChangeConfiguration: typed, bad values reported."""

from __future__ import annotations

from backend_planner.lsp.settings import Backend, Settings, parse_settings


def test_defaults() -> None:
    assert parse_settings(None) == (Settings(), [])
    assert parse_settings({}) == (Settings(), [])
    assert Settings().todo_markers == ("TODO", "FIXME", "PLAN")


def test_every_setting() -> None:
    settings, problems = parse_settings(
        {
            "backendPlanner": {
                "todoMarkers": ["TODO", "HACK"],
                "backend": {"url": "http://127.0.0.1:9/mcp", "token": "t"},
                "projectId": "shop",
                "skillFolders": ["/skills", "acme/skills=/x"],
                "debounceMs": 50,
                "statusCacheSeconds": 2.5,
                "maxFileBytes": 1000,
            }
        }
    )
    assert problems == []
    assert settings == Settings(
        todo_markers=("TODO", "HACK"),
        backend=Backend((), "http://127.0.0.1:9/mcp", "t"),
        project_id="shop",
        skill_folders=("/skills", "acme/skills=/x"),
        debounce_ms=50,
        status_cache_seconds=2.5,
        max_file_bytes=1000,
    )
    command, _ = parse_settings({"backend": {"command": "python -m x 'a b'"}})
    assert command.backend.command == ("python", "-m", "x", "a b")


def test_bad_values_are_reported_and_defaults_apply() -> None:
    settings, problems = parse_settings(
        {
            "todoMarkers": "TODO",
            "backend": {"url": "ftp://x", "command": [1]},
            "projectId": "",
            "debounceMs": -1,
            "statusCacheSeconds": True,
            "colour": "red",
        }
    )
    assert settings == Settings()
    joined = "\n".join(problems)
    for key in (
        "todoMarkers",
        "backend.url",
        "backend.command",
        "projectId",
        "debounceMs",
        "statusCacheSeconds",
        "unknown settings: colour",
    ):
        assert key in joined
    assert parse_settings([1])[1] == ["settings must be an object, not list"]
    assert "markers are words" in parse_settings({"todoMarkers": ["TO DO"]})[1][0]
