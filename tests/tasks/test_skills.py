"""The skills registry: bundled skills, configured folders, filters and ranked search."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from backend_planner.errors import ConfigError, NotFound
from backend_planner.tasks.skills import SkillRegistry, SkillSource

from .support import CRITIQUE, DEV, PLANNER, TESTING


def write_skill(folder: Path, name: str, front: str) -> None:
    (folder / name).mkdir(parents=True)
    (folder / name / "SKILL.md").write_text(f"---\n{front}\n---\n\n# {name}\n")


def test_bundled_skills_have_the_contract_metadata(skills: SkillRegistry) -> None:
    by_id = {s.full_id: s for s in skills.all()}
    assert set(by_id) == {DEV, CRITIQUE, TESTING, PLANNER}
    assert [by_id[i].category for i in (DEV, CRITIQUE, TESTING, PLANNER)] == [
        "development",
        "critique",
        "testing",
        "planner",
    ]
    assert all("backend" in s.tags and s.license == "MIT" for s in by_id.values())


def test_filters_and_ranking(skills: SkillRegistry) -> None:
    assert [s.full_id for s in skills.search(category="Testing", tag="BACKEND")] == [TESTING]
    assert skills.search(query="tests that prove the user request")[0].full_id == TESTING
    assert skills.search(query="plan tasks")[0].full_id == PLANNER
    assert skills.search(query="zzzz-nothing") == []
    assert len(skills.search(limit=2)) == 2


def test_skill_id_problems_suggest_the_full_id(skills: SkillRegistry) -> None:
    assert skills.skill_id_problem(DEV) is None
    assert skills.skill_id_problem("backend-critique") == (
        f'"backend-critique" is a short name; use the full_id "{CRITIQUE}" (from search_skills)'
    )
    assert skills.skill_id_problem("backend-planner/skills/backend-tsting") == (
        '"backend-planner/skills/backend-tsting" is not a skill in the registry; '
        f'did you mean "{TESTING}"?'
    )
    with pytest.raises(NotFound):
        skills.get("a/b/c")


def test_configured_folders_load_with_their_owner_repo(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_skill(tmp_path, "gin", "name: go-gin\ndescription: Gin handlers\ncategory: development")
    write_skill(tmp_path, "broken", "name: Not A Slug\ndescription: x")
    write_skill(tmp_path, "nodesc", "name: nodesc")
    with caplog.at_level(logging.WARNING, logger="backend_planner"):
        registry = SkillRegistry.load([SkillSource.parse(f"acme/go={tmp_path}")])
    assert "acme/go/go-gin" in {s.full_id for s in registry.all()}
    assert len(registry) == 5  # four bundled + one; the two broken files are skipped
    assert "front matter 'name' must be a lowercase slug" in caplog.text
    assert "front matter 'description' is missing" in caplog.text
    local = SkillSource.parse(str(tmp_path))
    assert local.owner_repo == f"local/{tmp_path.name}"
    with pytest.raises(ConfigError, match="not a directory"):
        SkillRegistry.load([SkillSource.parse(str(tmp_path / "missing"))])
    with pytest.raises(ConfigError, match="is not OWNER/REPO"):
        SkillSource.parse(f"acme={tmp_path}")
