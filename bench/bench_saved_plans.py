"""Benchmark of saved plans (issue 12): re-checking every saved plan of a repo after a save,
target p95 <= 50 ms for 50 saved plans.

A git copy of the Go RealWorld backend (SQL migrations, httprouter) gets 50 saved plans, made
from requests about its own entities and endpoints. Each run is what the language server does
when a save has refreshed the code map: the code map is a new snapshot (so the lookup index of
endpoints and entities is built again), the saved plans' files are stat'ed (a changed file is
read again), and every plan's drift is computed against its anchors. Between runs a source file
the plans modify is edited (a comment appended), as a save would.

Baselines measured in the same run: one `analyze()` of the tree, and `json.dumps` of its
StackProfile.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import p95, timed

REPO = Path(__file__).resolve().parent.parent
REALWORLD = REPO.parent / "shared" / "realworld" / "siahsang__golang-realworld-example-app"
TARGET_MS = 50.0
PLANS = 50
RUNS = 40

TEMPLATES = (
    "Add bookmarks for {plural}",
    "Add a reading_time field to {plural}",
    "Add pagination to the {plural} list",
    "Add rate limiting to the {plural} endpoints",
    "Add an audit log of {singular} changes",
    "Add soft delete to {plural}",
    "Add search to {plural}",
    "Add caching of {plural}",
    "Export {plural} as CSV",
    "Add an archived flag to {plural}",
)


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):7.2f} ms   p95 {p95(values):7.2f} ms"


def requests(profile: object) -> list[str]:
    from backend_planner.workspace import StackProfile

    assert isinstance(profile, StackProfile)
    tables = sorted({e.table for s in profile.backends() for e in s.entities if e.table})
    out = []
    for template in TEMPLATES:
        for table in tables:
            singular = table[:-1] if table.endswith("s") else table
            out.append(template.format(plural=table.replace("_", " "), singular=singular))
    return out[:PLANS]


def main() -> int:
    from backend_planner.planning import SkillIds, plan_workspace
    from backend_planner.planning.anchors import drift
    from backend_planner.planning.saved import plans_dir, read_saved, save_plan
    from backend_planner.workspace import analyze

    if not REALWORLD.is_dir():
        print(f"skipped: {REALWORLD} is not here")
        return 0
    skills = SkillIds(
        "backend-planner/skills/backend-development",
        "backend-planner/skills/backend-critique",
        "backend-planner/skills/backend-testing",
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "go"
        shutil.copytree(REALWORLD, root)
        git = ["git", "-C", str(root), "-c", "user.name=b", "-c", "user.email=b@example.com"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "bench"], check=True)
        profile = analyze(root)
        wanted = requests(profile)
        for request in wanted:
            save_plan(root, plan_workspace(request, root, skills, profile=profile), profile)
        directory = plans_dir(root)
        saved = {p.name: read_saved(p) for p in sorted(directory.glob("*.json"))}
        assert len(saved) == len(wanted) == PLANS, (len(saved), len(wanted))
        stamps = {
            name: path.stat().st_mtime_ns for name, path in ((n, directory / n) for n in saved)
        }

        base_analyze = timed(lambda: analyze(root), 5)
        base_dump = timed(lambda: json.dumps(profile.model_dump(mode="json")), 20)
        edited = root / "cmd" / "articles.go"
        drifted: list[int] = []

        def recheck() -> None:
            # After a save: a new code map snapshot (new objects: the lookup index is rebuilt).
            now = profile.model_copy(
                update={"services": [s.model_copy() for s in profile.services]}
            )
            for name in saved:  # the index of saved plans: re-read only what changed on disk
                mtime = (directory / name).stat().st_mtime_ns
                if stamps[name] != mtime:
                    stamps[name] = mtime
                    saved[name] = read_saved(directory / name)
            found = [drift(plan, now, root) for plan in saved.values() if plan is not None]
            drifted.append(sum(1 for d in found if d))

        runs = []
        for _ in range(RUNS):
            edited.write_text(edited.read_text() + "// saved\n")
            runs += timed(recheck, 1)

    median_analyze = statistics.median(base_analyze)
    median_dump = statistics.median(base_dump)
    median = statistics.median(runs)
    verdict = "OK" if p95(runs) <= TARGET_MS else "MISSED"
    print(f"\n{root.name} (Go RealWorld), {PLANS} saved plans, {RUNS} saves")
    print(f"  baseline analyze()           {fmt(base_analyze)}")
    print(f"  baseline json.dumps(profile) {fmt(base_dump)}")
    print(
        f"  re-check all saved plans     {fmt(runs)}   = {median / median_analyze:.2f}x analyze, "
        f"{median / median_dump:.1f}x json.dumps   (target p95 <= {TARGET_MS:.0f} ms) {verdict}"
    )
    print(f"  plans with drift after the edits: {max(drifted)} (editing a comment is not drift)")
    return 0 if p95(runs) <= TARGET_MS and max(drifted) == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
