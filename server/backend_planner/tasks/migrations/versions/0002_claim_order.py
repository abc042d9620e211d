"""Claim order as a column: `sort_key` (the seq of the top-level task), indexed for claims.

Before this, `claim_next_task` ordered by an expression over a join, so every claim looked at
every pending task. With `sort_key` (a top-level task's own seq; a sub-task's parent's seq) the
databases walk an index in claim order and stop at the first ready task.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("sort_key", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE tasks SET sort_key = COALESCE("
        "(SELECT p.seq FROM tasks AS p WHERE p.id = tasks.parent_id), tasks.seq)"
    )
    op.create_index("ix_tasks_claim", "tasks", ["status", "sort_key", "subtask_index"])
    op.create_index(
        "ix_tasks_project_claim", "tasks", ["project_id", "status", "sort_key", "subtask_index"]
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_project_claim", "tasks")
    op.drop_index("ix_tasks_claim", "tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("sort_key")
