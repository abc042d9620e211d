"""The analysis's plain facts and the pydantic profile say the same; a CLI run needs no pydantic.

`backend-planner analyze --json` prints the facts the analysis built (workspace/facts.py)
without building the profile's pydantic models; these tests hold the two shapes together and
check the rules cache that keeps pydantic's validation off a CLI run's start-up.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from backend_planner.workspace import analyze, analyze_json, facts, profile
from backend_planner.workspace.rules import default_rules, load_rules
from conftest import EXAMPLES_DIR, REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
MODELS = [
    "Language",
    "Migrations",
    "Tests",
    "Layout",
    "LayerNaming",
    "Naming",
    "Endpoint",
    "EntityField",
    "EntityIndex",
    "Entity",
    "DataAccess",
    "Service",
]


@pytest.mark.parametrize("name", [*MODELS, "StackProfile"])
def test_each_fact_class_mirrors_its_model(name: str) -> None:
    model = getattr(profile, name)
    mirror = getattr(facts, name)
    ours = {f.name: f for f in dataclasses.fields(mirror)}
    assert list(ours) == list(model.model_fields), name  # same fields, same order
    for field, info in model.model_fields.items():
        mine = ours[field]
        if info.is_required():
            assert mine.default is dataclasses.MISSING, field
            assert mine.default_factory is dataclasses.MISSING, field
        elif info.default_factory is not None:
            assert mine.default_factory is not dataclasses.MISSING, field
            made = info.default_factory()  # type: ignore[call-arg]
            assert _plain(mine.default_factory()) == _plain(made), field
        else:
            assert mine.default == info.default, field


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _workspaces() -> list[Path]:
    return sorted(p for base in (EXAMPLES_DIR, FIXTURES) for p in base.iterdir() if p.is_dir())


@pytest.mark.parametrize("path", _workspaces(), ids=lambda p: p.name)
def test_json_is_the_models_dump(path: Path) -> None:
    try:
        expected = analyze(path).model_dump(mode="json")
    except Exception as exc:  # a fixture of a bad override file: both faces say the same
        with pytest.raises(type(exc)):
            analyze_json(path)
        return
    # json.dumps, not ==: the key order is the output too
    assert json.dumps(analyze_json(path), indent=2) == json.dumps(expected, indent=2)


def test_json_with_an_override_file_is_the_models_dump(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module x\n\nrequire github.com/gin-gonic/gin v1.9.1\n")
    (tmp_path / "main.go").write_text("package main\n")
    (tmp_path / ".backend-planner.toml").write_text('[[service]]\npath = "."\norm = ["gorm"]\n')
    data = analyze_json(tmp_path)
    assert data == analyze(tmp_path).model_dump(mode="json")
    assert data["overrides"] == ".backend-planner.toml"
    assert data["services"][0]["orm"] == ["gorm"]


def _cli_modules(tmp_path: Path, workspace: Path) -> list[str]:
    """The modules a `backend-planner analyze --json` run has imported."""
    code = (
        "import contextlib, io, sys\n"
        "from backend_planner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['analyze', {str(workspace)!r}, '--json']) == 0\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "BACKEND_PLANNER_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.split()


def test_a_cli_json_run_imports_no_pydantic_once_the_rules_are_cached(tmp_path: Path) -> None:
    workspace = EXAMPLES_DIR / "go-gin-shop"
    first = _cli_modules(tmp_path, workspace)  # validates the rules (pydantic) and caches them
    assert "pydantic" in first
    again = _cli_modules(tmp_path, workspace)
    assert not [m for m in again if m.startswith(("pydantic", "rich"))]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("BACKEND_PLANNER_CACHE_DIR", str(path))
    default_rules.cache_clear()
    yield path
    default_rules.cache_clear()


def _cache_file(cache_dir: Path) -> Path:
    (path,) = cache_dir.glob("rules-*.json")
    return path


def test_the_rules_cache_gives_the_validated_rules(cache_dir: Path) -> None:
    validated = load_rules()
    assert default_rules() == validated  # a miss: validated, then written
    path = _cache_file(cache_dir)
    default_rules.cache_clear()
    assert default_rules() == validated  # a hit
    assert _cache_file(cache_dir) == path


def test_a_corrupt_rules_cache_is_ignored_and_replaced(cache_dir: Path) -> None:
    default_rules()
    path = _cache_file(cache_dir)
    for text in ("{not json", "[]", '{"key": 1}', "\0\0"):
        path.write_text(text)
        default_rules.cache_clear()
        assert default_rules() == load_rules()
        assert json.loads(path.read_text())["techs"]  # rewritten


def test_a_stale_rules_cache_is_ignored(cache_dir: Path) -> None:
    default_rules()
    path = _cache_file(cache_dir)
    data = json.loads(path.read_text())
    # a cache written from other rules text: its techs must not be taken
    data["techs"][0]["name"] = "renamed"
    data["key"]["sources"]["frameworks.toml"] += "\n# edited\n"
    path.write_text(json.dumps(data))
    default_rules.cache_clear()
    assert "renamed" not in {t.name for t in default_rules().techs}
    assert default_rules() == load_rules()


def test_an_unwritable_cache_dir_still_loads_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BACKEND_PLANNER_CACHE_DIR", str(blocker / "cache"))
    default_rules.cache_clear()
    try:
        assert default_rules() == load_rules()
    finally:
        default_rules.cache_clear()
