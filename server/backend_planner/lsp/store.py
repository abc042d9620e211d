"""Plans persisted across restarts in the user data dir, one JSON file per workspace.

A record is keyed by workspace and TODO (the file's workspace-relative path and the TODO's
text); it remembers the line so a TODO whose text changed can still be found — and marked
stale. Free-text plans (`backendPlanner.planFeature`) have an empty path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from backend_planner.paths import data_dir
from backend_planner.planning import Plan
from backend_planner.planning.anchors import Anchors
from backend_planner.tasks.client import PushResult

log = logging.getLogger(__name__)


def plan_id(workspace: str, path: str, text: str) -> str:
    return hashlib.sha256(f"{workspace}\n{path}\n{text}".encode()).hexdigest()[:16]


class PlanRecord(BaseModel):
    id: str
    workspace: str
    path: str
    todo_text: str
    line: int
    plan: Plan
    pushed: PushResult | None = None
    stale: bool = False
    saved: str | None = None  # slug of the plan saved in the workspace (.backend-planner/plans)
    anchors: Anchors | None = None  # what it relies on, once saved or pushed (drift)

    def parent_task_id(self) -> str | None:
        return self.pushed.tasks[0].task_id if self.pushed and self.pushed.tasks else None


class PlanStore:
    """Every plan of the open workspaces; written through on each change."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or data_dir() / "lsp"
        self.records: dict[str, PlanRecord] = {}
        self._loaded: set[str] = set()

    def _file(self, workspace: str) -> Path:
        digest = hashlib.sha256(workspace.encode()).hexdigest()[:16]
        return self.directory / f"plans-{digest}.json"

    def load(self, workspace: str) -> None:
        if workspace in self._loaded:
            return
        self._loaded.add(workspace)
        path = self._file(workspace)
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("can't read stored plans %s: %s", path, exc)
            return
        for item in data.get("plans", []) if isinstance(data, dict) else []:
            try:
                record = PlanRecord.model_validate(item)
            except ValueError as exc:
                log.warning("skipping a stored plan in %s: %s", path, exc)
                continue
            self.records[record.id] = record

    def save(self, workspace: str) -> None:
        path = self._file(workspace)
        path.parent.mkdir(parents=True, exist_ok=True)
        records = sorted(
            (r for r in self.records.values() if r.workspace == workspace), key=lambda r: r.id
        )
        payload = {"workspace": workspace, "plans": [r.model_dump(mode="json") for r in records]}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def put(self, record: PlanRecord) -> None:
        self.load(record.workspace)
        for other in [r for r in self.records.values() if r.workspace == record.workspace]:
            # Re-planning a TODO replaces its previous plan at that place.
            if (
                other.id != record.id
                and other.path == record.path
                and record.path
                and (other.line == record.line)
            ):
                del self.records[other.id]
        self.records[record.id] = record
        self.save(record.workspace)

    def get(self, record_id: str) -> PlanRecord | None:
        return self.records.get(record_id)

    def in_file(self, workspace: str, path: str) -> list[PlanRecord]:
        self.load(workspace)
        return [r for r in self.records.values() if r.workspace == workspace and r.path == path]

    def by_task(self, task_id: str) -> PlanRecord | None:
        for record in self.records.values():
            if record.pushed and task_id in record.pushed.ids().values():
                return record
        return None
