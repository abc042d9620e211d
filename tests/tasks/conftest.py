"""Fixtures for the task backend: a fresh store per test on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import pg
from backend_planner.tasks.skills import SkillRegistry
from backend_planner.tasks.store import TaskStore


class FakeClock:
    """A clock tests move by hand (leases expire without sleeping)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def skills() -> SkillRegistry:
    return SkillRegistry.load()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.db'}"
    return pg.new_database_url()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url: str, skills: SkillRegistry, clock: FakeClock) -> Iterator[TaskStore]:
    opened = TaskStore.open(db_url, skills, clock=clock)
    yield opened
    opened.close()
