"""Benchmark of `backend-planner analyze` (issue 2).

(a) in-process `analyze()` (imports done; the code map included, its cache warm as in everyday
    use) as a ratio to `git ls-files` on the same tree, measured in the same run: target <= 4x
    (<= 3x before the code map);
(b) the whole `backend-planner analyze --json` process against @specfy/stack-analyser (npm,
    installed into .bench/ by this script) on the same trees: target >= 5x faster;
(c) peak RSS of the `backend-planner analyze --json` process: target <= 150 MB.

Trees: a generated 50,000-file git repository (deterministic content, in .bench/) and the 18
corpus skeletons (copied once into .bench/ as git repositories, so git has a view of them too).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from timing import p95

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / ".bench"
CORPUS = REPO.parent / "shared" / "corpus"
BIG = BENCH / "repo-50k"
CORPUS_GIT = BENCH / "corpus-git"
SPECFY_DIR = BENCH / "specfy"
SPECFY_VERSION = "1.27.3"
SPECFY_CLI = SPECFY_DIR / "node_modules" / "@specfy" / "stack-analyser" / "dist" / "cli.js"
TREE_VERSION = "3"
RUNS = 7
SLOW_RUNS = 3


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def make_big_repo(root: Path = BIG, files: int = 50_000) -> Path:
    """A Go+TypeScript+Python monorepo of exactly `files` tracked files (built once)."""
    stamp = root / ".bench-tree"
    if stamp.exists() and stamp.read_text() == TREE_VERSION:
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    paths: dict[str, str] = {
        "go.mod": "module example.com/big\n\ngo 1.22\n\nrequire (\n\tgithub.com/gin-gonic/gin"
        " v1.9.1\n\tgorm.io/gorm v1.25.5\n\tgithub.com/golang-migrate/migrate/v4 v4.17.0\n)\n",
        "cmd/api/main.go": "package main\n\nfunc main() {}\n",
        "internal/routes/routes.go": "package routes\n",
        "web/package.json": '{"dependencies": {"react": "^18.2.0"}, "devDependencies": '
        '{"vitest": "^1.2.0", "typescript": "^5.3.0"}}\n',
        "web/tsconfig.json": "{}\n",
        "tools/requirements.txt": "requests==2.31.0\n",
        ".gitignore": "*.log\n/tmp/\n",
    }
    for n in range(1, 1001):
        paths[f"migrations/{n:06d}_change_{n}.up.sql"] = f"-- {n}\n"
        paths[f"migrations/{n:06d}_change_{n}.down.sql"] = f"-- {n}\n"
    layers = ("handler", "service", "repository", "model")
    domain = 0
    while len(paths) < files - 20_000:
        name = f"feature{domain:05d}"
        for layer in layers:
            paths[f"internal/{layer}s/{name}_{layer}.go"] = f"package {layer}s // {domain}\n"
        paths[f"internal/handlers/{name}_handler_test.go"] = f"package handlers // {domain}\n"
        domain += 1
    n = 0
    while len(paths) < files - 5_000:
        paths[f"web/src/components/c{n // 100:03d}/Widget{n:05d}.tsx"] = f"export const x = {n}\n"
        n += 1
    n = 0
    while len(paths) < files:
        paths[f"docs/section{n // 200:03d}/page{n:05d}.md"] = f"# page {n}\n"
        n += 1
    for rel, content in paths.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "generated")
    stamp.write_text(TREE_VERSION)  # untracked, but counted: one file more than `files`
    return root


def copy_corpus_as_git(dest: Path = CORPUS_GIT) -> list[Path]:
    """The corpus skeletons as git repositories (the originals are read-only, not git)."""
    stamp = dest / ".bench-tree"
    if not (stamp.exists() and stamp.read_text() == TREE_VERSION):
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        for src in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
            target = dest / src.name
            shutil.copytree(src, target, symlinks=True)
            _git(target, "init", "-q")
            _git(target, "add", "-A")
            _git(target, "commit", "-q", "-m", "skeleton")
        stamp.write_text(TREE_VERSION)
    return sorted(p for p in dest.iterdir() if p.is_dir())


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:8.1f} ms  p95 {p95(values) * 1000:8.1f} ms"


def git_ls_files(root: Path) -> None:
    subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    )


def run_process(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """(seconds, peak RSS in KiB, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode


def ensure_specfy() -> str | None:
    """Install @specfy/stack-analyser into .bench/specfy; None when it can't be run."""
    if not SPECFY_CLI.exists():
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            return "npm/node not found"
        SPECFY_DIR.mkdir(parents=True, exist_ok=True)
        (SPECFY_DIR / "package.json").write_text('{"private": true}\n')
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", f"@specfy/stack-analyser@{SPECFY_VERSION}"],
            cwd=SPECFY_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not SPECFY_CLI.exists():
            return f"npm install failed: {result.stderr.strip().splitlines()[-1:]}"
    with tempfile.TemporaryDirectory() as out:
        _, _, code = run_process(
            ["node", str(SPECFY_CLI), str(CORPUS_GIT / "bxcodec__go-clean-arch"), "-o", "out.json"],
            cwd=Path(out),
        )
        if code != 0 or not (Path(out) / "out.json").exists():
            return f"its CLI exited with {code} and wrote no output"
    return None


def ours_cmd(tree: Path) -> list[str]:
    exe = Path(sys.executable).parent / "backend-planner"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "backend_planner"]
    return [*base, "analyze", str(tree), "--json"]


def byte_compile() -> None:
    """Byte-compile the package as an install does, so `PYTHONDONTWRITEBYTECODE` in the
    environment can't make every measured process recompile its sources."""
    import compileall

    import backend_planner

    compileall.compile_dir(Path(backend_planner.__file__).parent, quiet=1)


def main() -> int:
    byte_compile()
    from backend_planner.workspace import analyze  # imports done before timing

    ok = True
    t0 = time.perf_counter()
    big = make_big_repo()
    corpus = copy_corpus_as_git()
    print(
        f"trees ready in {time.perf_counter() - t0:.1f} s: {big} (50,000 files), "
        f"{len(corpus)} corpus repos in {CORPUS_GIT}"
    )

    # (a) in-process analysis vs git ls-files, same tree, same run
    analyze(big)  # warm the file system cache for both sides
    git_ls_files(big)
    ours = timed(lambda: analyze(big), RUNS)
    git = timed(lambda: git_ls_files(big), RUNS)
    ratio = statistics.median(ours) / statistics.median(git)
    print("\n(a) in-process analyze() (code map included, warm cache) vs git ls-files")
    print(f"  50k repo  analyze()      {fmt(ours)}")
    print(f"  50k repo  git ls-files   {fmt(git)}")
    print(f"  ratio {ratio:.2f}x (target <= 4x) {'OK' if ratio <= 4 else 'MISSED'}")
    ok &= ratio <= 4
    ours_c = timed(lambda: [analyze(p) for p in corpus], RUNS)
    git_c = timed(lambda: [git_ls_files(p) for p in corpus], RUNS)
    ratio_c = statistics.median(ours_c) / statistics.median(git_c)
    print(f"  corpus(18) analyze()     {fmt(ours_c)}")
    print(f"  corpus(18) git ls-files  {fmt(git_c)}")
    print(f"  ratio {ratio_c:.2f}x (target <= 4x) {'OK' if ratio_c <= 4 else 'MISSED'}")
    ok &= ratio_c <= 4

    # (b) + (c) whole process vs @specfy/stack-analyser
    print("\n(b) whole process: backend-planner analyze --json vs @specfy/stack-analyser")
    runs_big = [run_process(ours_cmd(big)) for _ in range(RUNS)]
    ours_p = [r[0] for r in runs_big]
    peak_kib = max(r[1] for r in runs_big)
    runs_corpus = [[run_process(ours_cmd(p)) for p in corpus] for _ in range(SLOW_RUNS)]
    ours_pc = [sum(r[0] for r in run) for run in runs_corpus]
    peak_kib = max(peak_kib, *(r[1] for run in runs_corpus for r in run))
    print(f"  50k repo  backend-planner {fmt(ours_p)}")
    print(f"  corpus(18) backend-planner {fmt(ours_pc)}")
    problem = ensure_specfy()
    if problem is not None:
        print(f"  @specfy/stack-analyser can't be run here ({problem}): comparison skipped")
    else:
        with tempfile.TemporaryDirectory() as out:
            cwd = Path(out)
            spec = [
                run_process(["node", str(SPECFY_CLI), str(big), "-o", "o.json"], cwd)
                for _ in range(SLOW_RUNS)
            ]
            spec_c = [
                [
                    run_process(["node", str(SPECFY_CLI), str(p), "-o", "o.json"], cwd)
                    for p in corpus
                ]
                for _ in range(SLOW_RUNS)
            ]
        failed = sum(r[2] != 0 for r in spec) + sum(r[2] != 0 for run in spec_c for r in run)
        spec_t = [r[0] for r in spec]
        spec_ct = [sum(r[0] for r in run) for run in spec_c]
        speed = statistics.median(spec_t) / statistics.median(ours_p)
        speed_c = statistics.median(spec_ct) / statistics.median(ours_pc)
        print(f"  50k repo  stack-analyser  {fmt(spec_t)}")
        print(f"  corpus(18) stack-analyser  {fmt(spec_ct)}")
        if failed:
            print(f"  note: stack-analyser exited non-zero in {failed} run(s)")
        print(
            f"  speed-up 50k {speed:.1f}x, corpus {speed_c:.1f}x (target >= 5x) "
            f"{'OK' if min(speed, speed_c) >= 5 else 'MISSED'}"
        )
        ok &= min(speed, speed_c) >= 5

    print("\n(c) peak RSS of backend-planner analyze --json")
    verdict = "OK" if peak_kib <= 150 * 1024 else "MISSED"
    print(f"  {peak_kib / 1024:.1f} MB (target <= 150 MB) {verdict}")
    ok &= peak_kib <= 150 * 1024
    print(f"\nbench_analyze took {time.perf_counter() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "server"))
    raise SystemExit(main())
