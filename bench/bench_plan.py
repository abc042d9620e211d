"""Benchmark of the planner (issue 4): plan latency after analysis, target <= 50 ms.

For a small workspace (the bundled go-gin-shop example) and a large one (the corpus skeleton
with the most files), analysis is done once; then each request of the test list is planned
repeatedly:
  - make_plan():      the pure planner (request → FeatureSpec → architecture → tasks → validator);
  - plan_workspace(): what a face calls with a profile in hand (adds the route-style read and,
                      for fix/refactor requests, the related-files lookup).
Figures are medians and p95 in ms, and ratios against baselines measured in the same run:
analyze() of the same tree, and json.dumps of its StackProfile.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from backend_planner.planning import SkillIds
from timing import p95, timed

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
REALWORLD = REPO.parent / "shared" / "realworld"
TARGET_MS = 50.0
RUNS = 5

sys.path.insert(0, str(REPO / "tests"))


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):7.2f} ms   p95 {p95(values):7.2f} ms"


def largest_corpus_tree() -> Path:
    def count(p: Path) -> int:
        return sum(1 for _ in p.rglob("*"))

    return max((p for p in CORPUS.iterdir() if p.is_dir()), key=lambda p: (count(p), p.name))


def bench_tree(
    root: Path, skills: SkillIds, requests: list[str]
) -> tuple[int, str, list[float], list[float], list[float], list[float]]:
    """Baselines and planner timings for one tree (analysis done once, outside the timings)."""
    from backend_planner.planning import make_plan, plan_workspace
    from backend_planner.workspace import analyze
    from backend_planner.workspace.routing import detect_routing

    files = sum(1 for p in root.rglob("*") if p.is_file())
    analyze(root)  # warm caches (rules, imports)
    base_analyze = timed(lambda: analyze(root), RUNS)
    profile = analyze(root)
    base_dump = timed(lambda: json.dumps(profile.model_dump(mode="json")), RUNS * 4)
    service = sorted(profile.backends(), key=lambda s: -len(s.endpoints))[0]
    routing = detect_routing(root, service)
    for request in requests:  # warm the planner (inflect, catalog) outside the timings
        make_plan(request, profile, skills, service_path=service.path, routing=routing)
    pure: list[float] = []
    face: list[float] = []
    for request in requests:
        pure += timed(
            lambda r=request: make_plan(
                r, profile, skills, service_path=service.path, routing=routing
            ),
            RUNS,
        )
        face += timed(
            lambda r=request: plan_workspace(
                r, root, skills, service_path=service.path, profile=profile
            ),
            RUNS,
        )
    return files, service.path, base_analyze, base_dump, pure, face


def main() -> int:
    from planning.requests import REQUESTS

    skills = SkillIds(
        "backend-planner/skills/backend-development",
        "backend-planner/skills/backend-critique",
        "backend-planner/skills/backend-testing",
    )
    trees = [("small", REPO / "examples" / "go-gin-shop")]
    if CORPUS.is_dir():
        trees.append(("large", largest_corpus_tree()))
    spring = REALWORLD / "alexey-lapin__realworld-backend-spring"
    if spring.is_dir():  # a rich code map: two modules, 30 endpoints, 9 entities
        trees.append(("code map", spring))
    ok = True
    for label, root in trees:
        figures = bench_tree(root, skills, REQUESTS)
        files, service_path, base_analyze, base_dump, pure, face = figures
        median_analyze = statistics.median(base_analyze)
        median_dump = statistics.median(base_dump)
        print(
            f"\n{label}: {root.name} ({files} files, service {service_path}), "
            f"{len(REQUESTS)} requests x {RUNS}"
        )
        print(f"  baseline analyze()           {fmt(base_analyze)}")
        print(f"  baseline json.dumps(profile) {fmt(base_dump)}")
        for name, values in (("make_plan()", pure), ("plan_workspace(profile)", face)):
            med = statistics.median(values)
            verdict = "OK" if p95(values) <= TARGET_MS else "MISSED"
            print(
                f"  {name:<28} {fmt(values)}   = {med / median_analyze:.2f}x analyze, "
                f"{med / median_dump:.0f}x json.dumps   (target p95 <= {TARGET_MS:.0f} ms) "
                f"{verdict}"
            )
            ok = ok and p95(values) <= TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
