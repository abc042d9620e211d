"""`backend-planner analyze` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
EXE = [sys.executable, "-m", "backend_planner"]


def run(*args: str, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*(user or []), *EXE, *args], capture_output=True, text=True, timeout=60, check=False
    )


def analyze_json(path: Path) -> dict[str, Any]:
    result = run("analyze", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_has_the_documented_shape() -> None:
    data = analyze_json(FIXTURES / "go-echo-goose")
    assert data["root"] == str((FIXTURES / "go-echo-goose").resolve())
    assert data["languages"] == [{"name": "go", "files": 12}]
    (service,) = data["services"]
    assert set(service) >= {
        "path",
        "language",
        "frameworks",
        "orm",
        "data_access",
        "migrations",
        "tests",
        "layout",
        "naming",
        "evidence",
    }
    assert service["data_access"] == [
        {"name": "lib-pq", "kind": "driver"},
        {"name": "sqlx", "kind": "driver"},
    ]
    assert set(service["migrations"]) >= {"tool", "dir", "pattern", "next"}
    assert set(service["tests"]) == {"framework", "layout", "dir", "pattern", "helpers"}
    assert set(service["layout"]) == {
        "handlers",
        "routes",
        "services",
        "models",
        "repositories",
        "migrations",
        "tests",
    }
    assert service["migrations"]["next"] == ["db/migrations/00003_example.sql"]
    assert service["evidence"]["frameworks.echo"] == "go.mod"


def test_human_output_is_a_summary() -> None:
    result = run("analyze", str(FIXTURES / "ruby-rails"))
    assert result.returncode == 0, result.stderr
    for word in ("rails", "activerecord", "rails-migrations", "app/controllers", "rspec"):
        assert word in result.stdout


def test_missing_path_is_exit_2_with_one_line(tmp_path: Path) -> None:
    result = run("analyze", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"backend-planner: workspace not found: {tmp_path / 'nope'}"
    ]


def test_file_path_is_exit_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n")
    result = run("analyze", str(tmp_path / "go.mod"), "--json")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"backend-planner: not a directory: {tmp_path / 'go.mod'}"
    ]


def test_unreadable_directory_is_exit_2_with_one_line() -> None:
    locked = Path(tempfile.mkdtemp(prefix="bp-locked-"))
    try:
        (locked / "main.go").write_text("package main\n")
        if os.geteuid() == 0:  # root reads everything: ask as an unprivileged user
            locked.chmod(0o700)
            user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        else:
            locked.chmod(0)
            user = None
        result = run("analyze", str(locked), user=user)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "can't read workspace" in lines[0] and str(locked) in lines[0]
    finally:
        locked.chmod(0o700)
        shutil.rmtree(locked)


def test_bad_override_file_is_exit_2_naming_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "go-echo-goose", tmp_path / "ws")
    (tmp_path / "ws" / ".backend-planner.toml").write_text("[[service]]\npath = 1\n")
    result = run("analyze", str(tmp_path / "ws"))
    assert result.returncode == 2
    assert ".backend-planner.toml" in result.stderr and "'path'" in result.stderr
