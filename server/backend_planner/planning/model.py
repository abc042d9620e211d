"""The plan and what it is made from (pydantic models at the planning boundary).

`Plan.model_dump(mode="json")` is the `backend-planner plan --json` shape: request, intent,
pattern, architecture, tasks (with nested `subtasks`), violations. Tasks use the task backend's
own field names, so a standard plan's tasks are a valid `create_tasks_batch` payload as they are.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from backend_planner.planning.spec import ChangeSpec
from backend_planner.tasks.models import ValidationCriteria

Intent = Literal["build", "integrate", "fix", "refactor"]
PatternName = Literal["standard", "subtasks", "investigation"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SkillIds(NamedTuple):
    """The full_ids of the three skills a plan uses, as search_skills returned them."""

    development: str
    critique: str
    testing: str


class Resource(_Model):
    """A domain noun of the request, e.g. singular "order", plural "orders"."""

    singular: str
    plural: str
    external: str | None = Field(
        default=None, description="Catalog key of the external system this resource stands for."
    )

    @property
    def label(self) -> str:
        return self.singular.replace("_", " ")

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.singular.split("_"))


class ExternalSystem(_Model):
    """A catalogued external system the request names, with what integrating it implies."""

    key: str
    name: str
    kind: str
    service: str
    webhook: bool = False
    pii: bool = False
    secrets: list[str] = Field(default_factory=list)
    implications: list[str] = Field(default_factory=list)
    resource: str | None = None
    endpoints: list[list[str]] = Field(default_factory=list)


class FeatureSpec(_Model):
    """What the request asks for, understood: intent, resources, operations, externals."""

    request: str
    intent: Intent
    subject: str = Field(
        description="Short noun phrase naming the feature, e.g. 'subscription API'."
    )
    resources: list[Resource] = Field(default_factory=list)
    context: list[Resource] = Field(
        default_factory=list,
        description="Nouns the request is about but doesn't ask to build ('for blog posts').",
    )
    operations: list[str] = Field(default_factory=list)
    external: list[ExternalSystem] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list, description="Content words of the request.")
    security: list[str] = Field(
        default_factory=list, description="Security needs the request implies (see request.py)."
    )
    broad: bool = Field(default=False, description="The request asks for a complete system.")


class Endpoint(_Model):
    method: str
    path: str
    purpose: str


class DataModel(_Model):
    name: str
    fields: list[str]


class ServiceComponent(_Model):
    name: str
    responsibility: str
    file: str | None = None


class ExternalImpact(_Model):
    name: str
    implications: list[str]


class Architecture(_Model):
    summary: str
    endpoints: list[Endpoint] = Field(default_factory=list)
    models: list[DataModel] = Field(default_factory=list)
    services: list[ServiceComponent] = Field(default_factory=list)
    external: list[ExternalImpact] = Field(default_factory=list)
    flow: list[str] = Field(default_factory=list)


class PlannedTask(_Model):
    """One task of a plan; a parent carries its sequential sub-tasks (one level only)."""

    skill_id: str
    task_name: str
    description: str
    task_order: int
    dependencies: list[str] = Field(default_factory=list)
    inputs: dict[str, Any] = Field(default_factory=dict)
    validation_criteria: ValidationCriteria = Field(default_factory=ValidationCriteria)
    timeout_seconds: int = 3600
    subtasks: list[PlannedTask] = Field(default_factory=list)

    def batch_fields(self) -> dict[str, Any]:
        """The task as the task backend takes it (no sub-tasks)."""
        return self.model_dump(mode="json", exclude={"subtasks"})

    def subtask_fields(self) -> dict[str, Any]:
        """A sub-task as `create_subtask` takes it (no task_order, no placeholders)."""
        return self.model_dump(mode="json", exclude={"subtasks", "task_order", "dependencies"})


class Violation(_Model):
    place: str
    message: str


class Plan(_Model):
    request: str
    intent: Intent
    pattern: PatternName
    pattern_reason: str
    service: str = Field(description="Repo-relative path of the service the plan targets.")
    stack: list[str] = Field(default_factory=list)
    change_spec: ChangeSpec | None = Field(
        default=None, description="The request resolved against the code map (spec.py)."
    )
    architecture: Architecture
    tasks: list[PlannedTask]
    violations: list[Violation] = Field(default_factory=list)
    tree_checked: bool = Field(
        default=False,
        description="The checks against the workspace's tree ran (files known), not only the "
        "skill's rules.",
    )

    def canonical_json(self) -> str:
        """Sorted, compact JSON of everything but the violations: the plan's identity."""
        import json

        data = self.model_dump(mode="json", exclude={"violations", "tree_checked"})
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def fingerprint(self) -> str:
        import hashlib

        return hashlib.sha256(self.canonical_json().encode()).hexdigest()
