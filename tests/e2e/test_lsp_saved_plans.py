"""Saved plans that stay true, end to end: a real pytest-lsp client over stdio against
`python -m backend_planner lsp`, on git copies of a real RealWorld backend (Go, httprouter,
SQL migrations) with a TODO where a developer would write it.

Plan → save (files in the repo, the TODO linked) → the code moves under an anchor → a drift
diagnostic on the TODO and in the saved plan → the “Re-plan” quick fix clears it; a task's
files implemented → the hover's evidence changes; a fresh clone with only the saved files and
the linked TODO shows the plan and its evidence; hand edits are never overwritten silently;
evidence goes to the task backend as a note and never moves a task."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lsp_support import TIMEOUT, lsp_fixture, start, stop, uri
from lsprotocol import types

from backend_planner.tasks.client import BackendTarget, TaskBackendClient
from planning.support import git
from tasks.support import run_cli
from workspace.codemap.realworld import REALWORLD

pytestmark = pytest.mark.e2e
lsp = lsp_fixture

GO = "siahsang__golang-realworld-example-app"
LOGIN = "Add rate limiting to the login endpoint"
BOOKMARKS = "Add bookmarks for articles"
PLANS = ".backend-planner/plans"


def repo(tmp_path: Path, rel: str, request: str) -> tuple[Path, Path, int]:
    """A git copy of the Go backend with `// TODO: <request>` appended to `rel`, committed."""
    root = tmp_path / "go"
    shutil.copytree(REALWORLD / GO, root)
    source = root / rel
    lines = source.read_text().splitlines()
    source.write_text("\n".join([*lines, "", f"// TODO: {request}", ""]))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    return root, source, len(lines) + 1


def titles(actions: list[types.CodeAction]) -> list[str]:
    return [a.title for a in actions]


def action(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    found = [a for a in actions if a.title == title]
    assert found, f"no {title!r} in {titles(actions)}"
    return found[0]


async def planned_and_saved(
    session: Any, root: Path, source: Path, line: int
) -> tuple[str, dict[str, Any], str]:
    """Plan the TODO, save it, apply the link the server asks for; (doc, saved, linked text)."""
    await session.initialize([root])
    await session.progress_end()
    doc = session.open(source, "go")
    await session.run(action(await session.actions(doc, line), "Plan this backend feature"))
    saved = await session.run(action(await session.actions(doc, line), "Save plan to workspace"))
    (change,) = session.edits[-1].edit.document_changes
    (edit,) = change.edits
    assert edit.new_text == f"(plan:{saved['slug']}):" and edit.range.start.line == line
    linked = source.read_text().replace("// TODO:", f"// TODO(plan:{saved['slug']}):")
    source.write_text(linked)
    session.change(doc, linked)
    return doc, saved, linked


async def actions_with(
    session: Any, doc: str, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """The code actions for these diagnostics, as an editor asks on a squiggle."""
    result = await asyncio.wait_for(
        session.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=doc),
                range=diagnostics[0].range,
                context=types.CodeActionContext(diagnostics=diagnostics),
            )
        ),
        TIMEOUT,
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def watched(session: Any, *changes: tuple[Path, types.FileChangeType]) -> None:
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(path), type=kind) for path, kind in changes]
        )
    )


async def test_save_drift_diagnostic_and_replan_clears_it(lsp: Any, tmp_path: Path) -> None:
    root, source, line = repo(tmp_path, "cmd/handlers.go", LOGIN)
    session = await lsp()
    doc, saved, _ = await planned_and_saved(session, root, source, line)
    slug = "add-rate-limiting-to-the-login-endpoint"
    markdown, json_file = root / PLANS / f"{slug}.md", root / PLANS / f"{slug}.json"
    assert saved["slug"] == slug and saved["written"] and saved["linked"]
    assert (saved["uri"], saved["jsonUri"]) == (uri(markdown), uri(json_file))
    await session.message(lambda m: f"plan saved to {PLANS}/{slug}.md" in m)
    data = json.loads(json_file.read_text())
    commit = git(root, "rev-parse", "HEAD")
    assert data["commit"] == commit and data["todo"]["path"] == "cmd/handlers.go"
    assert markdown.read_text().startswith(f"# Plan: {LOGIN}")
    # Saved and unchanged: no diagnostics anywhere.
    assert not session.client.diagnostics.get(doc) and not session.client.diagnostics.get(
        uri(markdown)
    )
    again = await session.execute("backendPlanner.savePlan", saved["planId"], doc)
    assert again["slug"] == slug and again["written"] is False  # no second file
    assert sorted(p.name for p in (root / PLANS).iterdir()) == [f"{slug}.json", f"{slug}.md"]

    # The login handler moves to its own file: the endpoint the plan modifies moved.
    auth = root / "cmd" / "auth.go"
    text = auth.read_text()
    start = text.index("func (app *application) login(")
    end = text.index("\n}\n", start) + 3
    (root / "cmd" / "login.go").write_text(
        'package main\n\nimport "net/http"\n\n' + text[start:end]
    )
    auth.write_text(text[:start] + text[end:])
    watched(
        session,
        (auth, types.FileChangeType.Changed),
        (root / "cmd" / "login.go", types.FileChangeType.Created),
    )
    found = await session.until(lambda: session.client.diagnostics.get(doc), "a drift diagnostic")
    (diagnostic,) = found
    assert diagnostic.source == "backend-planner" and diagnostic.code == "endpoint_moved"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range.start.line == line  # on the TODO
    assert diagnostic.message.startswith(
        f"plan `{slug}`: POST /api/users/login moved since commit {commit[:7]}: now handled in "
        "cmd/login.go:5 (was cmd/auth.go)"
    ), diagnostic.message
    (in_plan,) = session.client.diagnostics[uri(markdown)]
    anchor_line = markdown.read_text().splitlines()[in_plan.range.start.line]
    assert "`POST /api/users/login`" in anchor_line and anchor_line.startswith("- modifies")
    hover = await session.hover(doc, line)
    assert hover is not None and "**Drift** (1)" in hover.contents.value
    checked = await session.execute("backendPlanner.checkPlans")
    assert list(checked) == [slug]

    # The quick fix re-plans, saves with fresh anchors, and the diagnostics go away.
    fixes = await actions_with(session, doc, [diagnostic])
    (fix,) = [a for a in fixes if a.kind == types.CodeActionKind.QuickFix]
    assert fix.title == "Re-plan" and list(fix.diagnostics or []) == [diagnostic]
    assert fix.is_preferred
    result = await session.run(fix)
    assert result["replanned"] is True and result["slug"] == slug
    await session.until(lambda: not session.client.diagnostics[doc], "cleared diagnostics")
    assert not session.client.diagnostics[uri(markdown)]
    endpoints = json.loads(json_file.read_text())["anchors"]["endpoints"]
    assert [(e["path"], e["handler_file"]) for e in endpoints] == [
        ("/api/users/login", "cmd/login.go")
    ]
    hover = await session.hover(doc, line)
    assert hover is not None and "Drift" not in hover.contents.value
    assert await session.execute("backendPlanner.checkPlans") == {}


async def test_evidence_in_the_hover_follows_the_code_and_a_fresh_clone_has_it(
    lsp: Any, tmp_path: Path
) -> None:
    root, source, line = repo(tmp_path, "cmd/articles.go", BOOKMARKS)
    session = await lsp()
    doc, saved, linked = await planned_and_saved(session, root, source, line)
    slug = saved["slug"]
    payload = json.loads((root / PLANS / f"{slug}.json").read_text())
    task = payload["plan"]["tasks"][0]
    hover = await session.hover(doc, line)
    assert hover is not None
    text = hover.contents.value
    first = next(s for s in text.splitlines() if s.startswith(f"1. {task['task_name']} — "))
    total = int(first.rsplit("/", 1)[1].split()[0])
    assert first.endswith(f"— backend: not pushed · code: 0/{total} checks")
    assert f"Saved in `{PLANS}/{slug}.md`." in text
    git(root, "add", "-A")
    git(root, "commit", "-qm", "plan saved")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)

    # Implement the task's migration: its files exist, the code map has the new table.
    migrations = [p for p in task["inputs"]["files_to_create"] if p.endswith(".sql")]
    for path in migrations:
        sql = (
            "CREATE TABLE IF NOT EXISTS bookmarks (\n"
            "    user_id INTEGER NOT NULL REFERENCES users (id),\n"
            "    article_id INTEGER NOT NULL REFERENCES articles (id),\n"
            "    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()\n);\n"
            if path.endswith(".up.sql")
            else "DROP TABLE IF EXISTS bookmarks;\n"
        )
        (root / path).write_text(sql)
    marks = len(session.code_maps)
    watched(session, *[(root / p, types.FileChangeType.Created) for p in migrations])
    await session.until(lambda: len(session.code_maps) > marks, "a code map refresh")
    hover = await session.hover(doc, line)
    assert hover is not None
    now = next(
        s
        for s in hover.contents.value.splitlines()
        if s.startswith(first.split(" — ")[0]) and " — " in s
    )
    assert now.endswith(f"— backend: not pushed · code: 4/{total} checks"), now
    assert "Drift" not in hover.contents.value  # implementing the plan is not drift
    document = await session.content(
        (await session.execute("backendPlanner.openPlan", saved["planId"]))["uri"]
    )
    assert "## Progress from evidence" in document
    assert f"  - [x] creates `{migrations[0]}`" in document
    assert "  - [x] a migration creates `bookmarks`" in document
    assert "  - [ ] registers `POST /api/articles/{slug}/bookmark`" in document

    # A teammate's clone: its own data dir (no plan stored), only the saved files and the link.
    teammate = await start(tmp_path / "teammate-data")
    try:
        await teammate.initialize([clone])
        await teammate.progress_end()
        listed = await teammate.execute("backendPlanner.listSavedPlans")
        assert [(p["slug"], p["request"], p["path"]) for p in listed] == [
            (slug, BOOKMARKS, "cmd/articles.go")
        ]
        opened = await teammate.execute("backendPlanner.openSavedPlan", slug)
        assert opened["shown"] and teammate.client.shown_documents[-1].uri == uri(
            clone / PLANS / f"{slug}.md"
        )
        doc2 = teammate.open(clone / "cmd" / "articles.go", "go", linked)
        hover = await teammate.hover(doc2, line)
        assert hover is not None and hover.contents.value.startswith("**Backend plan**")
        assert f"1. {task['task_name']}" in hover.contents.value
        assert first in hover.contents.value  # the clone has no migration yet: 0 checks
        assert titles(await teammate.actions(doc2, line))[:4] == [
            "Open plan",
            "Re-plan",
            "Push plan to task backend",
            "Save plan to workspace",
        ]
        assert teammate.client.diagnostics.get(doc2) in (None, [])
    finally:
        await stop(teammate)


async def test_hand_edited_saved_plan_is_overwritten_only_when_the_user_says_so(
    lsp: Any, tmp_path: Path
) -> None:
    root, source, line = repo(tmp_path, "cmd/handlers.go", LOGIN)
    session = await lsp()
    asked: list[types.ShowMessageRequestParams] = []
    answers = ["Keep my edits", "Overwrite"]

    @session.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def ask(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        asked.append(params)
        return types.MessageActionItem(title=answers.pop(0))

    _doc, saved, _ = await planned_and_saved(session, root, source, line)
    markdown = root / PLANS / f"{saved['slug']}.md"
    original = markdown.read_text()
    markdown.write_text(original + "\nNotes: the limit is 5 per minute.\n")
    kept = await session.execute("backendPlanner.savePlan", saved["planId"])
    assert kept["kept"] is True and "5 per minute" in markdown.read_text()
    (question,) = asked
    assert (
        "edited by hand" in question.message and f"{PLANS}/{saved['slug']}.md" in question.message
    )
    assert [a.title for a in question.actions or []] == ["Overwrite", "Keep my edits"]
    overwritten = await session.execute("backendPlanner.savePlan", saved["planId"])
    assert overwritten["written"] is True and markdown.read_text() == original


async def test_push_evidence_is_a_note_and_the_saved_plan_keeps_the_task_ids(
    lsp: Any, tmp_path: Path
) -> None:
    root, source, line = repo(tmp_path, "cmd/handlers.go", LOGIN)
    session = await lsp()
    doc, saved, _ = await planned_and_saved(session, root, source, line)
    pushed = await session.run(
        action(await session.actions(doc, line), "Push plan to task backend")
    )
    data = json.loads((root / PLANS / f"{saved['slug']}.json").read_text())
    assert data["pushed"]["tasks"][0]["task_id"] == pushed["taskId"]  # found by task id too

    created = json.loads(await session.content(pushed["jsonUri"]))["tasks"][0]
    rate_file = created["inputs"]["files_to_create"][0]
    (root / rate_file).write_text("package main\n\n// rate limit of the login endpoint\n")
    marks = len(session.code_maps)
    watched(session, (root / rate_file, types.FileChangeType.Created))
    await session.until(lambda: len(session.code_maps) > marks, "a code map refresh")

    result = await session.run(
        action(await session.actions(doc, line), "Push evidence to task backend")
    )
    assert result["updated"]["1"] == "code: 1/1 check"
    await session.message(lambda m: "no status changed" in m, types.MessageType.Info)
    async with TaskBackendClient(BackendTarget.default()) as backend:
        task = await backend.get_task(pushed["taskId"])
    task = task.get("task", task)
    assert task["status"] == "pending"  # evidence never moves a task
    assert task["result"]["evidence"]["summary"] == "code: 1/1 check"
    assert task["result"]["evidence"]["checks"] == [
        {"kind": "file", "check": f"creates `{rate_file}`", "passed": True}
    ]

    # Linked to the task: a fresh clone finds the saved plan by the task id alone.
    await session.run(action(await session.actions(doc, line), "Link TODO to tasks"))
    (change,) = session.edits[-1].edit.document_changes
    assert change.edits[0].new_text == f"(task:{pushed['taskId']}):"
    linked = source.read_text().replace(f"(plan:{saved['slug']}):", f"(task:{pushed['taskId']}):")
    source.write_text(linked)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "plan saved and pushed")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    teammate = await start(tmp_path / "teammate-data")
    try:
        await teammate.initialize([clone])
        await teammate.progress_end()
        doc2 = teammate.open(clone / "cmd" / "handlers.go", "go", linked)
        hover = await teammate.hover(doc2, line)
        assert hover is not None and hover.contents.value.startswith("**Backend plan**")
        assert f"Saved in `{PLANS}/{saved['slug']}.md`." in hover.contents.value
        assert "Open task tree" in titles(await teammate.actions(doc2, line))
    finally:
        await stop(teammate)


def test_cli_save_and_tasks_md(tmp_path: Path) -> None:
    root, _source, _line = repo(tmp_path, "cmd/articles.go", BOOKMARKS)
    first = run_cli("plan", BOOKMARKS, str(root), "--save", "--format", "tasks-md")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"# Tasks: {BOOKMARKS}\n\n- [ ] T001 ")
    assert f"saved: {PLANS}/add-bookmarks-for-articles.md" in first.stderr
    markdown = root / PLANS / "add-bookmarks-for-articles.md"
    saved_bytes = markdown.read_bytes()
    second = run_cli("plan", BOOKMARKS, str(root), "--save", "--json")
    assert second.returncode == 0 and "already saved (unchanged)" in second.stderr
    assert json.loads(second.stdout)["request"] == BOOKMARKS
    markdown.write_text(markdown.read_text() + "\nmine\n")
    refused = run_cli("plan", BOOKMARKS, str(root), "--save")
    assert refused.returncode == 2 and "edited by hand" in refused.stderr
    assert "--force overwrites it" in refused.stderr and markdown.read_text().endswith("mine\n")
    forced = run_cli("plan", BOOKMARKS, str(root), "--save", "--force")
    assert forced.returncode == 0 and markdown.read_bytes() == saved_bytes
    bad = run_cli("plan", BOOKMARKS, str(root), "--json", "--format", "tasks-md")
    assert bad.returncode == 2 and "disagree" in bad.stderr
