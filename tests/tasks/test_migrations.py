"""Schema changes are versioned migrations: an old database is upgraded in place on open."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from backend_planner.tasks import db
from backend_planner.tasks.skills import SkillRegistry
from backend_planner.tasks.store import TaskStore

from .support import DEV


def migrate_to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_a_0001_database_with_tasks_is_upgraded_and_keeps_working(
    db_url: str, skills: SkillRegistry
) -> None:
    engine = db.open_engine(db_url)
    migrate_to(engine, "0001")
    assert db.current_revision(engine) == "0001"
    columns = (
        "id, task_order, skill_id, task_name, description, timeout_seconds, max_retries, status, "
        "parent_id, subtask_index, has_subtasks, created_at, updated_at"
    )
    rows = [("old-parent", None), ("old-b", None), ("old-sub", "old-parent")]
    with engine.begin() as conn:
        for i, (task_id, parent) in enumerate(rows):
            conn.execute(
                sa.text(
                    f"INSERT INTO tasks ({columns}) VALUES "
                    "(:id, :o, :s, :n, 'd', 60, 0, 'pending', :p, :si, :hs, 0, 0)"
                ),
                {
                    "id": task_id,
                    "o": i + 1,
                    "s": DEV,
                    "n": task_id,
                    "p": parent,
                    "si": 1 if parent else None,
                    "hs": task_id == "old-parent",
                },
            )
    engine.dispose()

    store = TaskStore.open(db_url, skills)  # upgrades to the newest revision
    try:
        assert db.current_revision(store.engine) == "0002"
        order = []
        while (task := store.claim_next_task()) is not None:
            order.append(task.task_id)
            store.update_task_status(task.task_id, "completed")
        # The sub-task sorts with its parent (created first), before the later top-level task.
        assert order == ["old-sub", "old-b"]
        assert store.get_task("old-parent").subtasks_completed
    finally:
        store.close()
