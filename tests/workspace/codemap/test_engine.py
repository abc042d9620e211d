"""The code map engine: facts cached by content hash (a second analysis and an edit read only
what changed), files it can't read listed with the reason, a failing extractor costing only its
own part, framework rules checked on load, and `refresh` after an edit."""

from __future__ import annotations

import marshal
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend_planner.errors import ConfigError
from backend_planner.workspace import analyze
from backend_planner.workspace.codemap import CodeMapBuilder
from backend_planner.workspace.codemap import rules as codemap_rules
from backend_planner.workspace.codemap.cache import cache_dir
from backend_planner.workspace.codemap.extractors.sql_ddl import SqlDdlExtractor
from backend_planner.workspace.codemap.registry import all_extractors

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "codemap"
GO_MOD = (
    "module example.com/shop\n\ngo 1.22\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n"
)
USERS = "CREATE TABLE users (\n  id BIGSERIAL PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE\n);\n"
ORDERS = (
    "CREATE TABLE orders (\n  id BIGSERIAL PRIMARY KEY,\n"
    "  user_id BIGINT NOT NULL REFERENCES users(id)\n);\n"
)


def workspace(root: Path) -> Path:
    (root / "migrations").mkdir(parents=True)
    (root / "go.mod").write_text(GO_MOD)
    (root / "main.go").write_text("package main\n\nfunc main() {}\n")
    (root / "migrations" / "000001_users.up.sql").write_text(USERS)
    (root / "migrations" / "000002_orders.up.sql").write_text(ORDERS)
    return root


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files the SQL extractor really reads (the real extractor, counted)."""
    seen: list[str] = []
    real = SqlDdlExtractor.extract

    def counting(self: SqlDdlExtractor, path: str, source: bytes) -> Any:
        seen.append(path)
        return real(self, path, source)

    monkeypatch.setattr(SqlDdlExtractor, "extract", counting)
    yield seen


def tables(root: Path) -> dict[str, Any]:
    (service,) = analyze(root).backends()
    return {e.table: e for e in service.entities}


def test_a_second_analysis_reads_nothing_and_an_edit_reads_one_file(
    tmp_path: Path, extracted: list[str]
) -> None:
    root = workspace(tmp_path / "shop")
    first = tables(root)
    assert sorted(first) == ["orders", "users"]
    assert first["orders"].fields[1].references in ("users", "users.id")
    assert sorted(extracted) == [
        "migrations/000001_users.up.sql",
        "migrations/000002_orders.up.sql",
    ]
    extracted.clear()

    assert tables(root) == first  # from the cache in the user cache dir: nothing extracted
    assert extracted == []
    assert list((cache_dir() or tmp_path).glob("shop-*.marshal"))

    (root / "migrations" / "000002_orders.up.sql").write_text(
        ORDERS.replace("NOT NULL REFERENCES", "NOT NULL UNIQUE REFERENCES")
    )
    again = tables(root)
    assert extracted == ["migrations/000002_orders.up.sql"]
    assert again["orders"].fields[1].unique is True


def test_a_damaged_cache_is_read_again_not_an_error(tmp_path: Path, extracted: list[str]) -> None:
    root = workspace(tmp_path / "shop")
    tables(root)
    (cache,) = [
        p for p in (cache_dir() or tmp_path).glob("shop-*.marshal") if "-maps" not in p.name
    ]
    cache.write_bytes(b"\x00damaged")
    extracted.clear()
    assert sorted(tables(root)) == ["orders", "users"]
    assert len(extracted) == 2
    assert marshal.loads(cache.read_bytes())["format"] >= 1  # rewritten whole


def test_files_it_cannot_read_are_listed_and_the_rest_is_mapped(tmp_path: Path) -> None:
    root = workspace(tmp_path / "shop")
    (root / "migrations" / "000003_blob.up.sql").write_bytes(b"CREATE TABLE x (\x00\x01\x02);")
    big = "-- filler\n" * 300_000  # 3 MB
    (root / "migrations" / "000004_big.up.sql").write_text(big)
    (root / "migrations" / "000005_broken.up.sql").write_text("CREATE TABLE broken (id int,,,")
    (service,) = analyze(root).backends()
    assert {e.table for e in service.entities} >= {"users", "orders"}
    assert service.unreadable == [
        "migrations/000003_blob.up.sql: binary",
        "migrations/000004_big.up.sql: too large (2929 KB)",
    ]


def test_a_failing_extractor_costs_only_its_own_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace(tmp_path / "shop")

    def broken(self: SqlDdlExtractor, facts: Any, ctx: Any) -> Any:
        raise RuntimeError("a bug in one extractor")

    monkeypatch.setattr(SqlDdlExtractor, "resolve", broken)
    (service,) = analyze(root).backends()  # no exception: that extractor's part is missing
    assert service.entities == []
    assert service.frameworks == [] and service.migrations is not None


def test_refresh_rebuilds_the_service_of_a_changed_file(tmp_path: Path) -> None:
    root = workspace(tmp_path / "shop")
    builder = CodeMapBuilder(root)
    analyze(root, code_maps=builder)
    (root / "migrations" / "000003_tags.up.sql").write_text("CREATE TABLE tags (id INT);\n")
    maps = builder.refresh(created=["migrations/000003_tags.up.sql"])
    assert list(maps) == ["."]
    assert sorted(e.table or "" for e in maps["."].entities) == ["orders", "tags", "users"]
    (root / "migrations" / "000002_orders.up.sql").unlink()
    maps = builder.refresh(deleted=["migrations/000002_orders.up.sql"])
    assert sorted(e.table or "" for e in maps["."].entities) == ["tags", "users"]
    assert builder.refresh(changed=["README.md"]) == {}  # a file of no service: nothing to do


def test_every_extractor_is_registered_once_and_its_rules_load() -> None:
    extractors = all_extractors()
    names = [e.name for e in extractors]
    assert len(names) == len(set(names)) and "sql-ddl" in names
    for extractor in extractors:
        assert extractor.extensions, extractor.name
        assert all(e.startswith(".") and e == e.lower() for e in extractor.extensions)


@dataclass(frozen=True)
class Style:
    name: str
    methods: dict[str, str]
    groups: tuple[str, ...] = ()


def test_rules_are_checked_on_load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def document(text: str) -> None:
        toml = codemap_rules.tomllib
        monkeypatch.setattr(codemap_rules, "_document", lambda family: toml.loads(text))

    document('[[style]]\nname = "a"\nmethods = {GET = "GET"}\ngroups = ["Group"]\n')
    assert codemap_rules.load_rules("x", "style", Style) == (
        Style("a", {"GET": "GET"}, ("Group",)),
    )
    document('[[style]]\nname = "a"\nmethods = {}\ngroup = ["Group"]\n')
    with pytest.raises(ConfigError, match=r"codemap/rules/x.toml: style\[0\]: unknown key 'group'"):
        codemap_rules.load_rules("x", "style", Style)
    document('[[style]]\nname = "a"\n')
    with pytest.raises(ConfigError, match="style\\[0\\]: missing key 'methods'"):
        codemap_rules.load_rules("x", "style", Style)
    document('[[style]]\nname = "a"\nmethods = {GET = 1}\n')
    with pytest.raises(ConfigError, match=r"style\[0\]\.methods\.GET: expected str, got 1"):
        codemap_rules.load_rules("x", "style", Style)
    document('[[style]]\nname = "a"\nmethods = {}\n[[style]]\nname = "a"\nmethods = {}\n')
    with pytest.raises(ConfigError, match="style\\[1\\]: name 'a' used twice"):
        codemap_rules.load_rules("x", "style", Style)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_in_a_git_work_tree_what_git_reports_changed_is_read_again(
    tmp_path: Path, extracted: list[str]
) -> None:
    """Git vouches for clean tracked files (nothing is stat'ed or read); a modified, reverted,
    committed, checked-out or untracked file is always seen."""
    root = workspace(tmp_path / "shop")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    assert sorted(tables(root)) == ["orders", "users"]
    extracted.clear()
    assert sorted(tables(root)) == ["orders", "users"]  # the map of the last analysis
    assert extracted == []

    orders = root / "migrations" / "000002_orders.up.sql"
    orders.write_text(ORDERS.replace("orders", "purchases"))  # modified, not committed
    assert sorted(tables(root)) == ["purchases", "users"]
    assert extracted == ["migrations/000002_orders.up.sql"]
    git(root, "checkout", "--", "migrations/000002_orders.up.sql")  # reverted
    assert sorted(tables(root)) == ["orders", "users"]

    git(root, "checkout", "-q", "-b", "other")
    orders.write_text(ORDERS.replace("orders", "invoices"))
    git(root, "commit", "-q", "-am", "two")
    assert sorted(tables(root)) == ["invoices", "users"]
    git(root, "checkout", "-q", "-")  # another branch: the index changed
    assert sorted(tables(root)) == ["orders", "users"]

    (root / "migrations" / "000003_tags.up.sql").write_text("CREATE TABLE tags (id INT);\n")
    assert sorted(tables(root)) == ["orders", "tags", "users"]  # untracked


def test_a_changed_config_file_the_map_read_is_seen_too(tmp_path: Path) -> None:
    """Spring's context path lives in application.yml, which resolve reads, not a source
    file: git reporting it modified is enough to build the map again."""
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "jvm-multimodule", root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")

    def paths() -> set[str]:
        return {e.path for s in analyze(root).backends() for e in s.endpoints}

    before = paths()
    assert before and all(p.startswith("/shop/") for p in before)
    config = root / "app" / "src" / "main" / "resources" / "application.yml"
    config.write_text(config.read_text().replace("context-path: /shop", "context-path: /store"))
    after = paths()
    assert after == {"/store/" + p.removeprefix("/shop/") for p in before}


def test_a_long_first_analysis_reports_its_progress(tmp_path: Path) -> None:
    root = workspace(tmp_path / "shop")
    for n in range(3, 603):
        (root / "migrations" / f"{n:06d}_t{n}.up.sql").write_text(f"CREATE TABLE t{n} (id INT);\n")
    builder = CodeMapBuilder(root)
    seen: list[int] = []
    builder.progress = seen.append
    (service,) = analyze(root, code_maps=builder).backends()
    assert len(service.entities) == 602
    assert seen == [250, 500]  # every 250 files read
    seen.clear()
    analyze(root, code_maps=builder)
    assert seen == []  # nothing read again: nothing to report
