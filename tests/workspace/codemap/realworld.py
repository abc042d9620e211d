"""The RealWorld ground truth (../shared/realworld): run the analysis on one of its repos and
score the code map with the corpus's own score.py (imported from there, not copied)."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from backend_planner.workspace import analyze

REALWORLD = Path(__file__).resolve().parents[3].parent / "shared" / "realworld"


@cache
def score_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("realworld_score", REALWORLD / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def truth() -> dict[str, dict[str, Any]]:
    data = json.loads((REALWORLD / "expected.json").read_text())
    repos = data["repos"] if isinstance(data, dict) else data
    return {r["dir"]: r for r in repos}


@dataclass
class Score:
    required: int
    matched: int
    missed: list[str]
    false_positives: list[str]
    entities_required: int
    entities_matched: int
    entities_missed: list[str]
    entities_extra: list[str]  # detected entities the ground truth has no trace of

    @property
    def recall(self) -> float:
        return self.matched / self.required if self.required else 1.0

    @property
    def precision(self) -> float:
        found = self.matched + len(self.false_positives)
        return self.matched / found if found else 1.0

    @property
    def entity_recall(self) -> float:
        return self.entities_matched / self.entities_required if self.entities_required else 1.0


def detections(directory: str) -> dict[str, list[dict[str, str]]]:
    profile = analyze(REALWORLD / directory)
    return {
        "endpoints": [
            {"method": e.method, "path": e.path} for s in profile.services for e in s.endpoints
        ],
        "entities": [
            {"name": e.name, "table": e.table or ""} for s in profile.services for e in s.entities
        ],
    }


def score(directory: str) -> Score:
    """The code map of `realworld/<directory>` scored against its expected.json entry."""
    module = score_module()
    entry = truth()[directory]
    found = detections(directory)
    result = module.score_repo(entry, found)
    known: set[str] = set()
    for entity in entry["entities"] + entry.get("optional_entities", []):
        for name in (entity["name"], entity.get("table"), *(entity.get("aliases") or [])):
            if name:
                known |= module.entity_forms(name)
    extra = [
        f"{e['name']} ({e['table']})"
        for e in found["entities"]
        if not ((module.entity_forms(e["name"]) | module.entity_forms(e["table"])) & known)
    ]
    return Score(
        required=result["req"],
        matched=result["tp"],
        missed=[" ".join(k) for k in result["missed"]],
        false_positives=[" ".join(k) for k in result["fp"]],
        entities_required=result["ent_req"],
        entities_matched=result["ent_hit"],
        entities_missed=[e["name"] for e in result["ent_miss"]],
        entities_extra=extra,
    )
