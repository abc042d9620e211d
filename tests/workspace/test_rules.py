"""Technology rules are data; a bad rules file names its file and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_planner.errors import RulesError
from backend_planner.workspace.rules import RULES_DIR, load_rules


def test_bundled_rules_load_and_cover_every_ecosystem() -> None:
    rules = load_rules()
    ecosystems = {eco for tech in rules.techs for eco in tech.deps}
    assert ecosystems == {"go", "pypi", "npm", "maven", "rubygems", "composer", "cargo"}
    assert {t.name for t in rules.by_category("migrations")} >= {
        "golang-migrate",
        "goose",
        "alembic",
        "django-migrations",
        "prisma-migrate",
        "flyway",
        "liquibase",
        "rails-migrations",
        "laravel-migrations",
        "sqlx-migrate",
    }


def test_bad_entry_names_file_and_entry(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text('[[tech]]\nname = "gin"\ncategory = "webframework"\n')
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path)
    assert "x.toml" in str(info.value) and "'gin'" in str(info.value)
    assert any(p.place == "category" for p in info.value.problems)


def test_bad_regex_and_unknown_reference(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        '[[tech]]\nname = "m"\ncategory = "migrations"\npath_regex = "(?P<dir>["\n'
    )
    with pytest.raises(RulesError, match="'m'"):
        load_rules(tmp_path)
    (tmp_path / "a.toml").write_text(
        '[[tech]]\nname = "m"\ncategory = "migrations"\nrequires = ["nope"]\n'
    )
    with pytest.raises(RulesError, match="unknown 'nope'"):
        load_rules(tmp_path)


def test_invalid_toml_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[[tech]\n")
    with pytest.raises(RulesError, match=r"a\.toml: invalid TOML"):
        load_rules(tmp_path)
    (tmp_path / "a.toml").write_text('[[tech]]\nname = "x"\ncategory = "orm"\n')
    (tmp_path / "b.toml").write_text('[[tech]]\nname = "x"\ncategory = "orm"\n')
    with pytest.raises(RulesError, match="duplicates"):
        load_rules(tmp_path)


def test_a_new_rule_is_picked_up_without_code(tmp_path: Path) -> None:
    from backend_planner.workspace import analyze

    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    for path in RULES_DIR.glob("*.toml"):
        (rules_dir / path.name).write_text(path.read_text())
    (rules_dir / "extra.toml").write_text(
        '[[tech]]\nname = "bottle"\ncategory = "framework"\ndeps.pypi = ["bottle"]\n'
    )
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "requirements.txt").write_text("Bottle==0.12\n")
    (ws / "app.py").write_text("")
    (service,) = analyze(ws, rules=load_rules(rules_dir)).backends()
    assert service.frameworks == ["bottle"]
