"""Shared test setup: each test run gets its own user data dir, so no test touches the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
CORPUS_DIR = SHARED_DIR / "corpus"
EXAMPLES_DIR = REPO_ROOT / "examples"


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("data-dir")
    monkeypatch.setenv("BACKEND_PLANNER_DATA_DIR", str(path))
    yield path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """End-to-end tests run last, so a broken unit shows first."""
    items.sort(key=lambda item: 1 if item.get_closest_marker("e2e") else 0)
