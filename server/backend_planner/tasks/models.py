"""Wire models of the task backend: what a client sends and what it gets back.

Pure pydantic, no MCP import: the planner builds `TaskSpec`s with these very classes, and the
MCP server derives its tool schemas from them. Limits live here so that the schema a client
sees and the checks in `validation.py` agree.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskStatus = Literal["pending", "in_progress", "completed", "failed", "cancelled"]
TASK_STATUSES: tuple[TaskStatus, ...] = (
    "pending",
    "in_progress",
    "completed",
    "failed",
    "cancelled",
)
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "cancelled"})

# Size limits (characters unless said otherwise); oversized input is refused with its place.
MAX_BATCH_TASKS = 1000
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000
MAX_CRITERIA_ITEMS = 50
MAX_CRITERION_CHARS = 1_000
MAX_DEPENDENCIES = 100
MAX_INPUTS_BYTES = 64 * 1024
MAX_RESULT_BYTES = 256 * 1024
MAX_CONTEXT_BYTES = 8 * 1024
MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
DEFAULT_TIMEOUT_SECONDS = 3600
MAX_RETRIES_LIMIT = 20
DEFAULT_MAX_RETRIES = 2
MAX_PAGE = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ValidationCriteria(_Strict):
    """What a task's result is checked against, from must-pass to optional."""

    critical: list[str] = Field(
        default_factory=list,
        max_length=MAX_CRITERIA_ITEMS,
        description="Must-pass criteria; the task failed if any of these is not met.",
    )
    expected: list[str] = Field(
        default_factory=list,
        max_length=MAX_CRITERIA_ITEMS,
        description="Should-pass criteria.",
    )
    nice_to_have: list[str] = Field(
        default_factory=list,
        max_length=MAX_CRITERIA_ITEMS,
        description="Optional improvements.",
    )


class TaskFields(_Strict):
    """The fields every task has, whichever tool creates it."""

    skill_id: str = Field(
        min_length=1,
        max_length=MAX_ID_CHARS,
        description=(
            "The full_id of the skill that performs this task, exactly as search_skills "
            "returned it "
            '(owner/repo/name, e.g. "backend-planner/skills/backend-development"); '
            "a short name is refused."
        ),
    )
    task_name: str = Field(
        min_length=1, max_length=MAX_NAME_CHARS, description="Short imperative title of the task."
    )
    description: str = Field(
        min_length=1,
        max_length=MAX_DESCRIPTION_CHARS,
        description="What the task must do, in a few sentences.",
    )
    inputs: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Free-form inputs for the skill: requirements, files_to_create, files_to_modify, "
            "patterns_to_follow; for critique tasks original_prompt, preceding_task and "
            f"validation_criteria; for testing tasks user_expectations. At most {MAX_INPUTS_BYTES} "
            "bytes as JSON."
        ),
    )
    validation_criteria: ValidationCriteria = Field(
        default_factory=ValidationCriteria,
        description="Criteria the result is checked against: critical, expected, nice_to_have.",
    )
    timeout_seconds: int = Field(
        default=DEFAULT_TIMEOUT_SECONDS,
        ge=1,
        le=MAX_TIMEOUT_SECONDS,
        description=(
            "How long a worker may hold the task after claim_next_task before the lease expires "
            "and the task returns to pending (or fails once its retries are used up)."
        ),
    )
    max_retries: int = Field(
        default=DEFAULT_MAX_RETRIES,
        ge=0,
        le=MAX_RETRIES_LIMIT,
        description="How many times an expired lease puts the task back to pending "
        "before it fails.",
    )


class TaskSpec(TaskFields):
    """One task of a `create_tasks_batch` call (or of `create_task`).

    Dependencies are `"$k"` placeholders (the k-th task of the same batch, 1-indexed) or ids of
    existing tasks. As an alternative batch shape, every task may carry an integer `unique_id`
    and list the unique_ids it waits for in `logical_dependencies`.
    """

    task_order: int | None = Field(
        default=None,
        description=(
            "Position of the task in the batch: 1 for the first task, then 2, 3, ... in sequence. "
            "Required unless the batch uses unique_id."
        ),
    )
    dependencies: list[str] = Field(
        default_factory=list,
        max_length=MAX_DEPENDENCIES,
        description=(
            'Tasks that must be completed first: "$1", "$2", ... for tasks of this batch '
            "(1-indexed by position), or the task_id of an existing task."
        ),
    )
    unique_id: int | None = Field(
        default=None,
        description=(
            "Alternative batch shape: an integer id unique within the batch, referenced by "
            "other tasks' logical_dependencies. Use either this or $k placeholders."
        ),
    )
    logical_dependencies: list[int] = Field(
        default_factory=list,
        max_length=MAX_DEPENDENCIES,
        description="Alternative batch shape: unique_ids of tasks in this batch "
        "that must finish first.",
    )


class SubtaskSpec(TaskFields):
    """A sub-task: Task fields without task_order; it runs after the sub-task before it."""

    dependencies: list[str] = Field(
        default_factory=list,
        max_length=MAX_DEPENDENCIES,
        description="task_ids of existing tasks (outside the parent) that must be completed first.",
    )


# ----------------------------------------------------------------------------- results


class SubtaskSummary(BaseModel):
    task_id: str
    subtask_index: int = Field(description="1-based position among the parent's sub-tasks.")
    task_name: str
    skill_id: str
    status: TaskStatus
    ready: bool


class TaskView(BaseModel):
    """A task as stored, with its dependencies and (for a parent) its sub-tasks."""

    task_id: str
    project_id: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    parent_task_id: str | None = None
    subtask_index: int | None = Field(
        default=None, description="1-based position among the parent's sub-tasks."
    )
    task_order: int
    skill_id: str
    task_name: str
    description: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    validation_criteria: ValidationCriteria = Field(default_factory=ValidationCriteria)
    timeout_seconds: int
    max_retries: int
    attempts: int = 0
    status: TaskStatus
    ready: bool = Field(description="Pending, dependencies and preceding sub-task completed.")
    dependencies: list[str] = Field(default_factory=list)
    subtasks: list[SubtaskSummary] = Field(default_factory=list)
    has_subtasks: bool = False
    subtasks_completed: bool = False
    result: Any = None
    worker: str | None = None
    lease_expires_at: str | None = None
    created_at: str
    updated_at: str


class CreatedTask(BaseModel):
    task_id: str
    task_order: int
    task_name: str
    skill_id: str
    status: TaskStatus
    dependencies: list[str]
    unique_id: int | None = None


class BatchResult(BaseModel):
    tasks: list[CreatedTask]
    project_id: str | None = None


class TaskPage(BaseModel):
    tasks: list[TaskView]
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor to get the next page; null on the last page."
    )


class ClaimResult(BaseModel):
    task: TaskView | None = Field(
        default=None,
        description="The claimed task (now in_progress, leased), or null if none is ready.",
    )


class SkillSummary(BaseModel):
    full_id: str
    name: str
    description: str
    category: str | None = None
    tags: list[str] = Field(default_factory=list)


class SkillSearchResult(BaseModel):
    skills: list[SkillSummary]
