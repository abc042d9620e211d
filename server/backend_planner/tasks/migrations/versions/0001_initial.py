"""Initial schema: tasks, their dependencies, idempotency keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("project_id", sa.String(200), nullable=True),
        sa.Column("context", sa.Text, nullable=False, server_default="{}"),
        sa.Column("parent_id", sa.String(64), sa.ForeignKey("tasks.id"), nullable=True),
        sa.Column("subtask_index", sa.Integer, nullable=True),
        sa.Column("task_order", sa.Integer, nullable=False),
        sa.Column("skill_id", sa.String(200), nullable=False),
        sa.Column("task_name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False, server_default="{}"),
        sa.Column("validation_criteria", sa.Text, nullable=False, server_default="{}"),
        sa.Column("timeout_seconds", sa.Integer, nullable=False),
        sa.Column("max_retries", sa.Integer, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("has_subtasks", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("subtasks_completed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", sa.Float, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_tasks_status", "tasks", ["status", "seq"])
    op.create_index("ix_tasks_parent", "tasks", ["parent_id", "subtask_index"])
    op.create_index("ix_tasks_project", "tasks", ["project_id", "seq"])
    op.create_index("ix_tasks_batch", "tasks", ["batch_id"])
    op.create_table(
        "task_dependencies",
        sa.Column("task_id", sa.String(64), sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("depends_on", sa.String(64), sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("ord", sa.Integer, nullable=False),
    )
    op.create_index("ix_task_dependencies_target", "task_dependencies", ["depends_on"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("task_dependencies")
    op.drop_table("tasks")
