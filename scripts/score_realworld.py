#!/usr/bin/env python3
"""Run the code map on ../shared/realworld and score it with the corpus's score.py.

usage: scripts/score_realworld.py [REPO_SUBSTRING ...] [--quiet]
Prints score.py's per-repo lines (misses and false positives unless --quiet) and the total.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REALWORLD = REPO.parent / "shared" / "realworld"


def detections(only: list[str]) -> dict[str, dict[str, list[dict[str, str]]]]:
    from backend_planner.workspace import analyze_json

    corpus = json.loads((REALWORLD / "expected.json").read_text())
    repos = corpus["repos"] if isinstance(corpus, dict) else corpus
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for repo in repos:
        if only and not any(o.lower() in repo["repo"].lower() for o in only):
            continue
        data = analyze_json(REALWORLD / repo["dir"])
        endpoints = [e for s in data["services"] for e in s.get("endpoints", [])]
        entities = [e for s in data["services"] for e in s.get("entities", [])]
        out[repo["repo"]] = {
            "endpoints": [{"method": e["method"], "path": e["path"]} for e in endpoints],
            "entities": [{"name": e["name"], "table": e["table"] or ""} for e in entities],
        }
    return out


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    found = detections(args)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(found, handle)
    cmd = [sys.executable, str(REALWORLD / "score.py"), handle.name, *flags]
    if args:
        cmd.append("--only-present")
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
