""".backend-planner.toml overrides any fact; a bad one is a ConfigError naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backend_planner.errors import ConfigError
from backend_planner.workspace import analyze
from conftest import REPO_ROOT

GO = REPO_ROOT / "tests" / "fixtures" / "go-echo-goose"


def workspace(tmp_path: Path, overrides: str) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(GO, root)
    (root / ".backend-planner.toml").write_text(overrides)
    return root


def test_override_replaces_facts_and_is_the_evidence(tmp_path: Path) -> None:
    root = workspace(
        tmp_path,
        """
[[service]]
path = "."
frameworks = ["chi"]
[service.migrations]
tool = "golang-migrate"
dir = "sql"
[service.layout]
handlers = ["internal/http"]
""",
    )
    profile = analyze(root)
    (s,) = profile.backends()
    assert s.frameworks == ["chi"]
    assert s.migrations is not None and (s.migrations.tool, s.migrations.dir) == (
        "golang-migrate",
        "sql",
    )
    assert s.layout.handlers == ["internal/http"]
    assert s.layout.services == ["internal/service"]  # not overridden: detected
    assert s.evidence["frameworks.chi"] == ".backend-planner.toml"
    assert s.evidence["layout.handlers"] == ".backend-planner.toml"
    assert profile.overrides == ".backend-planner.toml"


def test_override_can_add_a_service(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[[service]]\npath = "worker"\nlanguage = "go"\n')
    assert [s.path for s in analyze(root).services] == [".", "worker"]


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[[service]]\npath = "."\nframeworks = ["gin"\norm = []\n')
    with pytest.raises(ConfigError, match=r"\.backend-planner\.toml: invalid TOML: .*line"):
        analyze(root)


def test_wrong_type_names_the_field(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[[service]]\npath = "."\nframeworks = "gin"\n')
    with pytest.raises(ConfigError, match=r"\.backend-planner\.toml: .*field 'frameworks'"):
        analyze(root)


def test_unknown_field_and_missing_path(tmp_path: Path) -> None:
    root = workspace(tmp_path, '[[service]]\npath = "."\nframwork = ["gin"]\n')
    with pytest.raises(ConfigError, match="framwork"):
        analyze(root)
    (root / ".backend-planner.toml").write_text("[[service]]\nfrontend = true\n")
    with pytest.raises(ConfigError, match="'path'"):
        analyze(root)
    (root / ".backend-planner.toml").write_text("[services]\n")
    with pytest.raises(ConfigError, match="unknown key 'services'"):
        analyze(root)
