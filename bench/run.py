"""Run every benchmark in bench/ (files named bench_*.py, each with a `main()`), in name order.

Each benchmark prints its figures as ratios against a baseline measured in the same run,
plus latencies as medians and p95.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    failed = 0
    for path in sorted(here.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {path.stem} ===", flush=True)
        failed += 1 if module.main() else 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
