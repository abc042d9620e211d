"""Plans saved in the repository, their anchors and drift, evidence and the tasks-md export —
on git copies of a real RealWorld backend (Go, httprouter, SQL migrations), analysed for real."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from backend_planner.errors import PlanError
from backend_planner.planning import Plan, plan_workspace
from backend_planner.planning.anchors import WHOLE_FILE, Anchors, anchors_of, drift, git_commit
from backend_planner.planning.evidence import plan_evidence
from backend_planner.planning.export import parallel, tasks_markdown
from backend_planner.planning.model import Architecture, PlannedTask
from backend_planner.planning.saved import (
    PLANS_DIR,
    HandEdited,
    TodoLink,
    list_saved,
    load_saved,
    save_plan,
    slugify,
)
from backend_planner.workspace import StackProfile, analyze
from planning.support import SKILLS, git
from workspace.codemap.realworld import REALWORLD

GO = "siahsang__golang-realworld-example-app"
BOOKMARKS = "Add bookmarks for articles"
LOGIN = "Add rate limiting to the login endpoint"


def repo(tmp_path: Path, name: str = "go") -> Path:
    """A git work tree of the Go RealWorld backend with one commit."""
    root = tmp_path / name
    shutil.copytree(REALWORLD / GO, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    return root


def planned(root: Path, request: str) -> tuple[Plan, StackProfile]:
    profile = analyze(root)
    return plan_workspace(request, root, SKILLS, profile=profile), profile


def drifted(root: Path, anchors: Anchors) -> dict[str, list[str]]:
    """kind → messages of the drift against a fresh analysis of the tree."""
    out: dict[str, list[str]] = {}
    for d in drift(anchors, analyze(root), root):
        out.setdefault(d.kind, []).append(d.message)
    return out


# ----------------------------------------------------------------------------- saving


def test_slug_from_request_made_unique_and_kept_for_the_same_plan(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    assert slugify("Add bookmarks for articles!") == "add-bookmarks-for-articles"
    assert slugify("x" * 80) == "x" * 48 and slugify("¿?") == "plan"

    first = save_plan(root, plan, profile)
    assert first.slug == "add-bookmarks-for-articles" and first.written
    assert first.markdown == root / PLANS_DIR / "add-bookmarks-for-articles.md"
    again = save_plan(root, plan, profile)
    assert again.slug == first.slug and not again.written  # no second file, nothing rewritten
    assert sorted(p.name for p in (root / PLANS_DIR).iterdir()) == [
        "add-bookmarks-for-articles.json",
        "add-bookmarks-for-articles.md",
    ]

    # The same words from another TODO are another plan: a new slug.
    todo = TodoLink(path="cmd/articles.go", line=3, text=BOOKMARKS)
    other = plan_workspace("Add bookmarks, for articles", root, SKILLS, profile=profile)
    second = save_plan(root, other, profile)
    assert second.slug == "add-bookmarks-for-articles-2"
    # A TODO with the CLI's request adopts the plan saved from the CLI (no third file).
    from_todo = save_plan(root, plan, profile, todo=todo)
    assert from_todo.slug == first.slug and from_todo.saved.todo == todo
    assert len(list_saved(root)) == 2
    # A `plan:<slug>` link names the file whatever the request.
    linked = save_plan(root, other, profile, slug="my-own-name")
    assert linked.markdown.name == "my-own-name.md"
    with pytest.raises(PlanError, match="not a plan slug"):
        save_plan(root, plan, profile, slug="../escape")


def test_saved_files_are_byte_identical_for_the_same_commit_and_request(tmp_path: Path) -> None:
    root = repo(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    texts = []
    for where in (root, clone):
        plan, profile = planned(where, BOOKMARKS)
        result = save_plan(where, plan, profile)
        texts.append((result.markdown.read_bytes(), result.json.read_bytes()))
    assert texts[0] == texts[1]
    saved = load_saved(clone, "add-bookmarks-for-articles")
    assert saved is not None and saved.commit == git_commit(root) == git(root, "rev-parse", "HEAD")
    markdown = texts[0][0].decode()
    assert f"commit `{saved.commit[:12]}`" in markdown
    assert saved.facts == saved.anchors.facts == saved.anchors.fingerprint()
    assert "## Anchors" in markdown and "- modifies `cmd/handlers.go`" in markdown
    assert str(root) not in markdown and str(root) not in texts[0][1].decode()


def test_a_file_edited_by_hand_is_not_overwritten_without_force(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    result = save_plan(root, plan, profile)
    json_text = result.json.read_text()

    # Reformatting the JSON changes no content: not an edit (saved back in our format).
    result.json.write_text(json.dumps(json.loads(json_text), indent=4))
    assert save_plan(root, plan, profile).written and result.json.read_text() == json_text

    result.markdown.write_text(result.markdown.read_text() + "\nMy notes: ask Ana first.\n")
    with pytest.raises(HandEdited) as edited:
        save_plan(root, plan, profile)
    assert edited.value.files == [f"{PLANS_DIR}/add-bookmarks-for-articles.md"]
    assert "My notes" in result.markdown.read_text()  # untouched

    data = json.loads(result.json.read_text())
    data["plan"]["tasks"][0]["task_name"] = "Do it my way"
    result.json.write_text(json.dumps(data, indent=2))
    with pytest.raises(HandEdited) as both:
        save_plan(root, plan, profile)
    assert sorted(both.value.files) == [
        f"{PLANS_DIR}/add-bookmarks-for-articles.json",
        f"{PLANS_DIR}/add-bookmarks-for-articles.md",
    ]
    forced = save_plan(root, plan, profile, force=True)
    assert forced.written and "My notes" not in forced.markdown.read_text()
    assert forced.json.read_text() == json_text  # the same bytes as the first save


def test_a_resave_of_the_same_plan_keeps_its_anchors(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    first = save_plan(root, plan, profile)
    (root / "cmd" / "articles.go").unlink()
    again = save_plan(root, plan, analyze(root))
    assert again.saved.anchors == first.saved.anchors and not again.written
    fresh = save_plan(root, plan, analyze(root), reanchor=True)
    assert "cmd/articles.go" not in [f.path for f in fresh.saved.anchors.files]


# ----------------------------------------------------------------------------- anchors and drift


def test_anchors_record_files_endpoints_entities_and_the_registration_point(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, LOGIN)
    anchors = anchors_of(plan, profile, root, commit=git_commit(root))
    (login,) = [e for e in anchors.endpoints if e.label == "POST /api/users/login"]
    assert (login.file, login.handler, login.handler_file) == (
        "cmd/handlers.go",
        "app.login",
        "cmd/auth.go",
    )
    handlers = next(f for f in anchors.files if f.path == "cmd/handlers.go")
    assert handlers.part == f"lines {login.line}" and "POST /api/users/login" in handlers.symbols
    assert [e.label for e in anchors.entities] == ["User (users)"]
    assert drift(anchors, profile, root) == []  # unchanged: nothing at all

    bookmarks, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(bookmarks, profile, root)
    assert anchors.registration is not None and anchors.registration.file == "cmd/handlers.go"
    assert "POST /api/articles/{slug}/favorite" in anchors.registration.routes
    assert {c.path for c in anchors.creates} >= {"migrations/000008_create_bookmarks.up.sql"}


def test_drift_deleted_and_renamed_files(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(plan, profile, root, commit=git_commit(root))
    commit = git(root, "rev-parse", "--short=7", "HEAD")
    whole = next(f.path for f in anchors.files if f.part == WHOLE_FILE)
    (root / whole).unlink()
    assert drifted(root, anchors) == {
        "file_deleted": [f"{whole} was deleted since commit {commit} (the plan modifies it)"]
    }
    git(root, "checkout", "--", whole)

    # A file holding the routes the plan relies on moves: the code map finds them elsewhere.
    git(root, "mv", "cmd/handlers.go", "cmd/routes.go")
    found = drifted(root, anchors)
    assert found == {
        "file_renamed": [
            f"cmd/handlers.go was renamed to cmd/routes.go since commit {commit} "
            "(the plan modifies it)"
        ]
    }
    git(root, "mv", "cmd/routes.go", "cmd/handlers.go")
    # A file with no symbol the plan names: found by its content.
    target = whole.replace(".go", "_moved.go")
    git(root, "mv", whole, target)
    assert drifted(root, anchors)["file_renamed"][0].startswith(
        f"{whole} was renamed to {target} since commit {commit}"
    )


def test_drift_endpoint_moved_and_vanished(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, LOGIN)
    anchors = anchors_of(plan, profile, root)
    routes = root / "cmd" / "handlers.go"
    source = routes.read_text()
    line = 'router.HandlerFunc(http.MethodPost, "/api/users/login", app.login)'
    assert line in source
    routes.write_text(source.replace("/api/users/login", "/api/users/signin"))
    (message,) = drifted(root, anchors)["endpoint_moved"]
    assert message.startswith("POST /api/users/login moved: app.login now serves ")
    assert "POST /api/users/signin (cmd/handlers.go:" in message
    assert "since the plan was saved" in message  # anchored without a commit

    routes.write_text(source.replace(line, ""))
    assert drifted(root, anchors)["endpoint_vanished"] == [
        "POST /api/users/login (app.login) vanished since the plan was saved: no route serves "
        "it now (the plan modifies it)"
    ]
    # Lines moving above it are not drift; nor is the handler's body changing.
    routes.write_text("// the routes of the API\n\n" + source)
    auth = root / "cmd" / "auth.go"
    auth.write_text(auth.read_text().replace("type loginUserPayload", "type loginPayload"))
    assert drifted(root, anchors) == {}


def test_drift_file_to_create_exists_unless_it_is_the_plans_work(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, LOGIN)
    anchors = anchors_of(plan, profile, root)
    created = next(c.path for c in anchors.creates if "test" not in c.path)
    target = root / created
    target.write_text("package main\n\nfunc helpers() {}\n")
    assert drifted(root, anchors) == {
        "file_exists": [
            f"{created} now exists since the plan was saved, and it is not this plan's work: "
            "the plan creates it"
        ]
    }
    # Implementing the plan creates it: progress, not drift.
    words = re.findall(r"[a-z]+", Path(created).stem)
    target.write_text(f"package main\n\n// {' '.join(words)} for the login endpoint\n")
    assert drifted(root, anchors) == {}


def test_drift_migration_number_taken(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(plan, profile, root)
    planned_up = next(c.path for c in anchors.creates if c.path.endswith(".up.sql"))
    number = Path(planned_up).name.split("_")[0]
    (root / "migrations" / f"{number}_add_tags_index.up.sql").write_text(
        "CREATE INDEX tags_name ON tags (name);\n"
    )
    found = drifted(root, anchors)
    assert list(found) == ["migration_taken"]
    assert (
        f"migration number {number} was taken by {number}_add_tags_index.up.sql since the "
        f"plan was saved: {planned_up} needs the next number"
    ) in found["migration_taken"]


def test_drift_entity_fields_changed_and_vanished(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(plan, profile, root, commit=git_commit(root))
    commit = git(root, "rev-parse", "--short=7", "HEAD")
    migration = root / "migrations" / "000004_article.up.sql"
    source = migration.read_text()
    migration.write_text(
        source.replace("    body        TEXT        NOT NULL,\n", "").replace(
            "title       TEXT", "reading_time INTEGER NOT NULL DEFAULT 0,\n    title       TEXT"
        )
    )
    assert drifted(root, anchors) == {
        "entity_fields": [
            f"entity Article (articles) fields changed since commit {commit}: added "
            "reading_time; removed body (the plan builds on it)"
        ]
    }

    login, profile = planned(root, LOGIN)
    anchors = anchors_of(login, profile, root)
    (root / "migrations" / "000001_create_users_table.up.sql").unlink()
    found = drifted(root, anchors)
    assert found.get("entity_vanished") == [
        "entity User (users) vanished since the plan was saved: the code map no longer has it "
        "(the plan modifies it)"
    ], found


def test_fields_the_plan_adds_are_not_drift(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, "Add a reading_time field to articles")
    anchors = anchors_of(plan, profile, root)
    article = next(e for e in anchors.entities if e.table == "articles")
    assert article.adds == ["reading_time"] and article.role == "modifies"
    (root / "migrations" / "000008_add_reading_time_to_articles.up.sql").write_text(
        "ALTER TABLE articles ADD COLUMN reading_time INTEGER NOT NULL DEFAULT 0;\n"
    )
    assert "entity_fields" not in drifted(root, anchors)

    # A relation to an entity the plan creates, arriving on the entity it builds on: its work.
    bookmarks, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(bookmarks, profile, root)
    assert anchors.new_names == ["bookmark", "bookmarks"]
    migration = root / "migrations" / "000004_article.up.sql"
    source = migration.read_text()
    migration.write_text(source.replace("    body ", "    bookmarks_count INTEGER,\n    body "))
    assert "entity_fields" not in drifted(root, anchors)
    migration.write_text(source.replace("    body ", "    views INTEGER,\n    body "))
    assert drifted(root, anchors)["entity_fields"] == [
        "entity Article (articles) fields changed since the plan was saved: added views "
        "(the plan builds on it)"
    ]


def test_drift_registration_point_moved(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(plan, profile, root)
    assert anchors.registration is not None
    handlers = root / "cmd" / "handlers.go"
    (root / "cmd" / "router.go").write_text(handlers.read_text())
    handlers.write_text('package main\n\nimport "net/http"\n\nvar _ = http.MethodGet\n')
    found = drifted(root, anchors)
    assert list(found) == ["registration_moved"], found
    assert found["registration_moved"][0].startswith(
        "the registration point moved since the plan was saved: the routes the new endpoints go "
        "next to ("
    )
    assert found["registration_moved"][0].endswith(
        "are registered in cmd/router.go now, not cmd/handlers.go"
    )


def test_implementing_the_plan_is_evidence_not_drift(tmp_path: Path) -> None:
    root = repo(tmp_path)
    plan, profile = planned(root, BOOKMARKS)
    anchors = anchors_of(plan, profile, root)
    before = {e.number: e for e in plan_evidence(plan, profile, root)}
    first = before["1"]
    assert first.passed == 0 and first.total >= 5
    assert first.summary() == f"code: 0/{first.total} checks"
    assert before["2"].summary() == "code: no checks"  # a review

    up = next(c.path for c in anchors.creates if c.path.endswith(".up.sql"))
    down = next(c.path for c in anchors.creates if c.path.endswith(".down.sql"))
    (root / up).write_text(
        "CREATE TABLE IF NOT EXISTS bookmarks\n(\n"
        "    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
        "    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,\n"
        "    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),\n"
        "    PRIMARY KEY (user_id, article_id)\n);\n"
    )
    (root / down).write_text("DROP TABLE IF EXISTS bookmarks;\n")
    handlers = root / "cmd" / "handlers.go"
    handlers.write_text(
        handlers.read_text().replace(
            "\treturn app.recoverPanic",
            '\trouter.Handler(http.MethodPost, "/api/articles/:slug/bookmark", '
            "app.requireAuthenticatedUser(app.favouriteArticle))\n\n\treturn app.recoverPanic",
        )
    )
    now = analyze(root)
    assert drift(anchors, now, root) == []
    after = {e.number: e for e in plan_evidence(plan, now, root)}
    checks = {c.label: c.passed for c in after["1"].checks}
    assert checks[f"creates `{up}`"] and checks[f"creates `{down}`"]
    assert checks["a migration creates `bookmarks`"]
    assert checks["registers `POST /api/articles/{slug}/bookmark`"]
    assert not checks["registers `DELETE /api/articles/{slug}/bookmark`"]
    assert after["1"].passed == 5 and after["1"].summary() == f"code: 5/{first.total} checks"
    note = after["1"].note()["evidence"]
    assert note["passed"] == 5 and len(note["checks"]) == first.total

    # A test naming the new endpoint counts for the testing task.
    test = next(c for c in after["3"].checks if c.kind == "test")
    assert not test.passed
    (root / "cmd" / "bookmarks_test.go").write_text(
        'package main\n\nconst bookmarkURL = "/api/articles/x/bookmark"\n'
    )
    later = {e.number: e for e in plan_evidence(plan, analyze(root), root)}
    assert next(c for c in later["3"].checks if c.kind == "test").passed


# ----------------------------------------------------------------------------- export


def _task(order: int, name: str, files: list[str], deps: tuple[str, ...] = ()) -> PlannedTask:
    return PlannedTask(
        skill_id=SKILLS.development,
        task_name=name,
        description=name,
        task_order=order,
        dependencies=list(deps),
        inputs={"files_to_modify": files} if files else {},
    )


def _plan(tasks: list[PlannedTask]) -> Plan:
    return Plan(
        request="Split the work",
        intent="build",
        pattern="standard",
        pattern_reason="test",
        service=".",
        architecture=Architecture(summary="s"),
        tasks=tasks,
    )


def test_tasks_md_marks_tasks_with_disjoint_files_and_no_order_as_parallel() -> None:
    plan = _plan(
        [
            _task(1, "Add the model", ["models/a.go"]),
            _task(2, "Add the client", ["clients/b.go"]),
            _task(3, "Add the handler", ["handlers/a.go", "models/a.go"], ("$1",)),
            _task(4, "Touch the model too", ["models/a.go"]),
            _task(5, "Review all", [], ("$2", "$3", "$4")),
        ]
    )
    # 1 and 2 are unordered with disjoint files; 3 comes after 1 but not after 2; 4 shares
    # models/a.go with 1 and 3 but not with 2; 5 comes after everything.
    assert parallel(plan) == {"1", "2", "3", "4"}
    assert tasks_markdown(plan) == (
        "# Tasks: Split the work\n\n"
        "- [ ] T001 [P] Add the model (models/a.go)\n"
        "- [ ] T002 [P] Add the client (clients/b.go)\n"
        "- [ ] T003 [P] Add the handler (handlers/a.go, models/a.go)\n"
        "- [ ] T004 [P] Touch the model too (models/a.go)\n"
        "- [ ] T005 Review all\n\n"
        "## Dependencies\n\n"
        "- T003 after T001\n"
        "- T005 after T002, T003, T004\n"
    )
    chained = _plan(
        [_task(1, "One", ["a.go"]), _task(2, "Two", ["b.go"], ("$1",)), _task(3, "Three", ["a.go"])]
    )
    assert parallel(chained) == {"2", "3"}  # 3 shares a.go with 1, not with 2
    assert "- [x] T001 One (a.go)" in tasks_markdown(chained, {"1": "completed"})


def test_tasks_md_of_real_plans() -> None:
    root = REALWORLD / GO
    plan, _ = planned(root, BOOKMARKS)
    text = tasks_markdown(plan)
    lines = [line for line in text.splitlines() if line.startswith("- [")]
    assert len(lines) == len(plan.tasks)
    assert all(re.fullmatch(r"- \[ \] T\d{3} .+", line) for line in lines)
    assert "[P]" not in text  # a chain: each task after the one before
    first = plan.tasks[0].inputs["files_to_create"][0]
    assert lines[0].startswith(f"- [ ] T001 {plan.tasks[0].task_name} ({first}, ")
