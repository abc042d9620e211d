"""Paths written the one way the code map writes them: `{name}` parameters, no trailing slash."""

from __future__ import annotations

import pytest

from backend_planner.workspace.codemap.routepath import DYNAMIC, join, normalize


@pytest.mark.parametrize(
    ("written", "served"),
    [
        ("/users/:id/", "/users/{id}"),
        ("/users/:id?", "/users/{id}"),
        ("/users/<int:id>", "/users/{id}"),
        ("/users/{id:[0-9]+}", "/users/{id}"),
        ("/users/{id:[0-9]{3}}", "/users/{id}"),
        ("/docs/[...slug]", "/docs/{slug}"),
        ("/files/*rest", "/files/{rest}"),
        ("/files/*", "/files/{wildcard}"),
        ("/x/{prefix:[@~]}{collection}", "/x/{prefix}{collection}"),
        ("/api/v{version:\\d+}/items", "/api/v{version}/items"),
        ("/v1/items:batchGet", "/v1/items:batchGet"),
        ("/report/{id}.json", "/report/{id}.json"),
        ("", "/"),
    ],
)
def test_parameters_in_any_syntax_become_braces(written: str, served: str) -> None:
    assert normalize(written) == served


def test_prefixes_join_with_one_slash() -> None:
    assert join("/api/", "/v1", "users/", ":id") == "/api/v1/users/{id}"
    assert join("", None, "/") == "/"
    assert join("/api", DYNAMIC, "items") == "/api/{dynamic}/items"
