"""The language server end to end: a real pytest-lsp client over stdio against
`python -m backend_planner lsp`, real files copied from examples/, the real task backend."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from lsp_support import lsp_fixture, start, stop, uri
from lsprotocol import types

from backend_planner.tasks.client import BackendTarget, TaskBackendClient
from conftest import EXAMPLES_DIR
from tasks.support import HttpServer

pytestmark = pytest.mark.e2e
lsp = lsp_fixture  # the fixture: a factory of server sessions

GO_FILE = "internal/middleware/rate_limit.go"
TODO_LINE = 13  # `// TODO: counters live in process memory ...` (zero-based), 4 lines long


def shop(tmp_path: Path) -> Path:
    root = tmp_path / "go-gin-shop"
    shutil.copytree(EXAMPLES_DIR / "go-gin-shop", root)
    return root


def titles(actions: list[types.CodeAction]) -> list[str]:
    return [a.title for a in actions]


def action(actions: list[types.CodeAction], title: str) -> types.CodeAction:
    found = [a for a in actions if a.title == title]
    assert found, f"no {title!r} in {titles(actions)}"
    return found[0]


async def planned(lsp: Any, tmp_path: Path, options: Any = None) -> tuple[Any, str, dict[str, Any]]:
    root = shop(tmp_path)
    session = await lsp()
    await session.initialize([root], options)
    doc = session.open(root / GO_FILE, "go")
    plan = await session.run(
        action(await session.actions(doc, TODO_LINE + 2), "Plan this backend feature")
    )
    return session, doc, plan


async def test_initialize_progress_and_watched_files(lsp: Any, tmp_path: Path) -> None:
    root, other = shop(tmp_path), tmp_path / "api"
    shutil.copytree(EXAMPLES_DIR / "fastapi-inventory", other)
    session = await lsp()
    result = await session.initialize([root, other], {"todoMarkers": ["TODO", "HACK"]})
    assert list(result.capabilities.workspace.text_document_content.schemes) == ["backend-plan"]
    assert "backendPlanner.planFeature" in result.capabilities.execute_command_provider.commands
    reports = await session.progress_end()
    (values,) = reports.values()
    assert isinstance(values[0], types.WorkDoneProgressBegin)
    steps = [v.message for v in values if isinstance(v, types.WorkDoneProgressReport)]
    assert steps == ["go-gin-shop (1/2)", "api (2/2)"]  # each folder analysed on its own
    assert values[-1].message == "analysed 2 of 2 folders"
    assert [r.method for r in session.registrations] == ["workspace/didChangeWatchedFiles"]
    options = session.registrations[0].register_options
    watchers = options["watchers"] if isinstance(options, dict) else options.watchers
    globs = {
        (w["globPattern"], w.get("kind")) if isinstance(w, dict) else (w.glob_pattern, w.kind)
        for w in watchers
    }
    assert ("**/*", types.WatchKind.Create) in globs  # new directories are reported
    assert any("go.mod" in str(pattern) for pattern, _ in globs)  # manifests change

    (root / "go.mod").write_text((root / "go.mod").read_text() + "\n// touched\n")
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=uri(root / "go.mod"), type=types.FileChangeType.Changed)]
        )
    )
    reports = await session.progress_end(2)
    again = [v for t, vs in reports.items() for v in vs if t not in {*list(reports)[:1]}]
    assert any(
        isinstance(v, types.WorkDoneProgressReport) and v.message == "go-gin-shop (1/1)"
        for v in again
    ), reports

    # A new directory (a new layer, say) is analysed too; a new file in an old one is not.
    (other / "app" / "events").mkdir()
    (other / "app" / "models" / "audit.py").write_text("")
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(
                    uri=uri(other / "app" / "models" / "audit.py"),
                    type=types.FileChangeType.Created,
                ),
                types.FileEvent(
                    uri=uri(other / "app" / "events"), type=types.FileChangeType.Created
                ),
            ]
        )
    )
    reports = await session.progress_end(3)
    latest = reports[list(reports)[-1]]
    assert [v.message for v in latest if isinstance(v, types.WorkDoneProgressReport)] == [
        "api (1/1)"
    ]

    # The configured marker HACK is a TODO; FIXME (not configured) is not.
    doc = session.open(
        other / "app" / "x.py",
        "python",
        "# HACK: add audit log API\n\nx = 1  # FIXME: not a marker here\n",
    )
    assert titles(await session.actions(doc, 0)) == ["Plan this backend feature"]
    assert await session.actions(doc, 2) == []


async def test_plan_opens_document_markdown_json_and_hover(lsp: Any, tmp_path: Path) -> None:
    session, doc, plan = await planned(lsp, tmp_path)
    assert plan["shown"] is True
    assert [d.uri for d in session.client.shown_documents] == [plan["uri"]]
    markdown = await session.content(plan["uri"])
    assert "Planned from `internal/middleware/rate_limit.go` line 14" in markdown
    assert "counters live in process memory" in markdown and "one replica" in markdown
    assert "Validator: the plan follows" in markdown
    payload = json.loads(await session.content(plan["jsonUri"]))
    assert payload["request"].startswith("counters live in process memory")
    assert payload["request"].endswith("more than one replica.")
    assert payload["tasks"] and all("skill_id" in t for t in payload["tasks"])

    after = titles(await session.actions(doc, TODO_LINE))
    assert after == ["Open plan", "Re-plan", "Push plan to task backend", "Save plan to workspace"]
    hover = await session.hover(doc, TODO_LINE + 1)
    assert hover is not None and f"**Backend plan** `{plan['planId']}`" in hover.contents.value
    first = payload["tasks"][0]["task_name"]
    assert f"1. {first}" in hover.contents.value
    assert hover.range.start.line == TODO_LINE and hover.range.end.line == TODO_LINE + 3
    assert await session.hover(doc, 0) is None  # `package middleware`: no TODO

    opened = await session.run(action(await session.actions(doc, TODO_LINE), "Open plan"))
    assert opened["planId"] == plan["planId"] and len(session.client.shown_documents) == 2


async def test_plan_feature_free_text(lsp: Any, tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = await lsp()
    await session.initialize([root])
    result = await session.execute(
        "backendPlanner.planFeature", "Build subscription API with Stripe"
    )
    text = await session.content(result["uri"])
    assert "Build subscription API with Stripe" in text
    assert json.loads(await session.content(result["jsonUri"]))["service"] == "."
    await session.execute("backendPlanner.planFeature", "   ")
    await session.message(lambda m: "non-empty" in m, types.MessageType.Error)


async def test_push_twice_link_hover_and_restart(lsp: Any, tmp_path: Path) -> None:
    options = {"projectId": "shop", "statusCacheSeconds": 0}
    session, doc, plan = await planned(lsp, tmp_path, options)
    pushed = await session.run(
        action(await session.actions(doc, TODO_LINE), "Push plan to task backend")
    )
    await session.message(lambda m: "plan pushed" in m, types.MessageType.Info)
    again = await session.execute("backendPlanner.pushPlan", plan["planId"])
    assert again["ids"] == pushed["ids"] and pushed["taskId"] == pushed["ids"]["1"]

    # The default backend (stdio, embedded SQLite in this test's data dir) holds one tree.
    async with TaskBackendClient(BackendTarget.default()) as backend:
        page = await backend.call("list_tasks", {"project_id": "shop", "limit": 100})
        parents = [t for t in page["tasks"] if not t.get("parent_task_id")]
        assert sorted(t["task_id"] for t in page["tasks"]) == sorted(pushed["ids"].values())
        assert len(parents) == len(json.loads(await session.content(plan["jsonUri"]))["tasks"])

    # A status changed on the backend reaches the hover: the first hover answers from the
    # cache and refreshes in the background; the refresh of the plan document tells us when.
    async with TaskBackendClient(BackendTarget.default()) as backend:
        await backend.call(
            "update_task_status", {"task_id": pushed["ids"]["1"], "status": "in_progress"}
        )
    first = await session.hover(doc, TODO_LINE)
    assert first is not None and "in_progress" not in first.contents.value
    wanted = f"[in_progress · {pushed['ids']['1']}]"
    for _ in range(10):  # each wake-up is a refresh request, not a timer
        await session.next_refresh(plan["uri"])
        live = await session.hover(doc, TODO_LINE)
        assert live is not None
        if wanted in live.contents.value:
            break
    assert wanted in live.contents.value

    actions = await session.actions(doc, TODO_LINE)
    assert titles(actions)[-2:] == ["Open task tree", "Link TODO to tasks"]
    tree = await session.run(action(actions, "Open task tree"))
    tree_text = await session.content(tree["uri"].replace(".md", ".tree.md"))
    assert pushed["taskId"] in tree_text and "[pending" in tree_text

    await session.run(action(actions, "Link TODO to tasks"))
    (edit,) = session.edits
    (change,) = edit.edit.document_changes
    (text_edit,) = change.edits
    assert text_edit.new_text == f"(task:{pushed['taskId']}):"
    assert (text_edit.range.start.line, text_edit.range.start.character) == (TODO_LINE, 7)
    assert (text_edit.range.end.character) == 8  # replaces the `:` after TODO
    lines = (tmp_path / "go-gin-shop" / GO_FILE).read_text().splitlines()
    lines[TODO_LINE] = lines[TODO_LINE].replace("TODO:", f"TODO(task:{pushed['taskId']}):")
    linked_text = "\n".join(lines) + "\n"
    session.change(doc, linked_text)
    hover = await session.hover(doc, TODO_LINE)
    assert hover is not None and pushed["taskId"] in hover.contents.value
    assert "Link TODO to tasks" not in titles(await session.actions(doc, TODO_LINE))

    # A new server process finds the plan, the push and the link again.
    second = await lsp()
    await second.initialize([tmp_path / "go-gin-shop"])
    doc2 = second.open(tmp_path / "go-gin-shop" / GO_FILE, "go", linked_text)
    assert titles(await second.actions(doc2, TODO_LINE))[:3] == [
        "Open plan",
        "Re-plan",
        "Push plan to task backend",
    ]
    hover = await second.hover(doc2, TODO_LINE)
    assert hover is not None and pushed["taskId"] in hover.contents.value


async def test_stale_after_text_change_and_replan(lsp: Any, tmp_path: Path) -> None:
    session, doc, plan = await planned(lsp, tmp_path)
    text = (tmp_path / "go-gin-shop" / GO_FILE).read_text()
    session.change(
        doc, text.replace("Move the counters to a shared store", "Move counters to Redis")
    )
    actions = await session.actions(doc, TODO_LINE)
    assert "Re-plan (the TODO changed)" in titles(actions)
    assert "Stale" in await session.content(plan["uri"])
    await session.hover(doc, 0)  # the refresh request went out before this answer
    assert plan["uri"] in session.refreshed
    hover = await session.hover(doc, TODO_LINE)
    assert hover is not None and "stale" in hover.contents.value
    replanned = await session.run(action(actions, "Re-plan (the TODO changed)"))
    assert replanned["planId"] != plan["planId"] and replanned["stale"] is False
    assert "Move counters to Redis" in await session.content(replanned["uri"])
    assert titles(await session.actions(doc, TODO_LINE))[1] == "Re-plan"


async def test_push_to_http_backend_started_by_the_test(lsp: Any, tmp_path: Path) -> None:
    server = HttpServer(f"sqlite:///{tmp_path / 'http.db'}", "--token", "s3cret")
    try:
        options = {"backend": {"url": server.url, "token": "s3cret"}, "projectId": "http"}
        session, _doc, plan = await planned(lsp, tmp_path, options)
        pushed = await session.execute("backendPlanner.pushPlan", plan["planId"])
        again = await session.execute("backendPlanner.pushPlan", plan["planId"])
        assert pushed["ids"] == again["ids"]
        async with TaskBackendClient(BackendTarget(url=server.url, token="s3cret")) as backend:
            page = await backend.call("list_tasks", {"project_id": "http", "limit": 100})
            assert sorted(t["task_id"] for t in page["tasks"]) == sorted(pushed["ids"].values())
            task = await backend.get_task(pushed["taskId"])
            assert task["task_id"] == pushed["taskId"]
    finally:
        server.stop()


async def test_backend_down_is_one_message(lsp: Any, tmp_path: Path) -> None:
    from tasks.support import free_port

    options = {"backend": {"url": f"http://127.0.0.1:{free_port()}/mcp"}}
    session, _doc, plan = await planned(lsp, tmp_path, options)
    result = await session.execute("backendPlanner.pushPlan", plan["planId"])
    assert result is None
    shown = await session.message(lambda m: "Push plan" in m, types.MessageType.Error)
    assert "127.0.0.1" in shown.message or "unavailable" in shown.message.lower()
    assert [m for m in session.client.messages if m.type == types.MessageType.Error] == [shown]
    assert any("Push plan" in m.message for m in session.client.log_messages)
    # The server is still there.
    assert (await session.execute("backendPlanner.openPlan", plan["planId"]))["planId"]


async def test_bad_settings_warn_once_and_use_defaults(lsp: Any, tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = await lsp()
    await session.initialize(
        [root], {"todoMarkers": "TODO", "backend": {"url": "ftp://x"}, "debounceMs": -1}
    )
    shown = await session.message(lambda m: "bad settings" in m, types.MessageType.Warning)
    for key in ("todoMarkers", "backend.url", "debounceMs"):
        assert key in shown.message
    doc = session.open(root / GO_FILE, "go")
    assert titles(await session.actions(doc, TODO_LINE)) == ["Plan this backend feature"]
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"backendPlanner": {"todoMarkers": ["PLAN"]}})
    )
    assert await session.actions(doc, TODO_LINE) == []  # TODO is no longer a marker
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"skillFolders": [1]})
    )
    await session.message(lambda m: "skillFolders" in m, types.MessageType.Warning)


async def test_bad_documents_never_kill_the_server(lsp: Any, tmp_path: Path) -> None:
    root = shop(tmp_path)
    session = await lsp()
    await session.initialize([root])
    binary = session.open(root / "blob.bin", "plaintext", "\x00\x01TODO: x\x00" * 100)
    assert await session.actions(binary, 0) == []
    huge_text = "// TODO: first\n" + ("x = 1 // filler\n" * 700_000)  # ~11 MB
    huge = session.open(root / "huge.go", "go", huge_text)
    assert await session.actions(huge, 0) == []  # over maxFileBytes: not searched
    broken = session.open(root / "bad.py", "python", "# TODO: fix \udcff encoding\nx = '\udcfe'\n")
    assert titles(await session.actions(broken, 0)) == ["Plan this backend feature"]
    hover = await session.hover(broken, 0)
    assert hover is not None
    unknown = session.open(root / "notes.weird", "weird-lang", "; TODO: plan billing API\n")
    assert titles(await session.actions(unknown, 0)) == ["Plan this backend feature"]
    await session.execute("backendPlanner.planTodo", "file:///nowhere.go", 3)
    await session.message(lambda m: "nowhere.go is not open" in m, types.MessageType.Error)
    go = session.open(root / GO_FILE, "go")
    assert titles(await session.actions(go, TODO_LINE)) == ["Plan this backend feature"]


async def test_linked_todo_in_a_fresh_clone_hovers_the_live_tree(lsp: Any, tmp_path: Path) -> None:
    """The link in the comment is all a teammate's checkout has: no plan, same backend."""
    db = tmp_path / "team-tasks.db"
    serve = [sys.executable, "-m", "backend_planner", "tasks", "serve", "--db", f"sqlite:///{db}"]
    options = {"backend": {"command": serve}, "projectId": "team", "statusCacheSeconds": 0}
    # A fix: an investigation parent with sequential sub-tasks, then a review.
    root = shop(tmp_path)
    fix_file = root / "internal" / "middleware" / "limits.go"
    fix_file.write_text("package middleware\n\n// TODO: Fix the API rate limiting issues\n")
    session = await lsp()
    await session.initialize([root], options)
    doc = session.open(fix_file, "go")
    await session.run(action(await session.actions(doc, 2), "Plan this backend feature"))
    pushed = await session.run(action(await session.actions(doc, 2), "Push plan to task backend"))
    task_id = pushed["taskId"]
    linked_text = fix_file.read_text().replace("TODO:", f"TODO(task:{task_id}):")
    investigating = pushed["ids"]["1.1"]  # the investigation parent's first sub-task
    async with TaskBackendClient(BackendTarget(command=serve)) as backend:
        await backend.call(
            "update_task_status", {"task_id": investigating, "status": "in_progress"}
        )

    # Another checkout: its own (empty) data dir, so no plan; only the TODO's link.
    teammate = await start(tmp_path / "teammate-data")
    try:
        await teammate.initialize([tmp_path / "go-gin-shop"], options)
        doc2 = teammate.open(fix_file, "go", linked_text)
        first = await teammate.hover(doc2, 2)
        assert first is not None and "reading its tree" in first.contents.value
        await teammate.until(
            lambda: any(
                f"read the tree of linked task {task_id}" in m.message
                for m in teammate.client.log_messages
            ),
            "the linked task's tree to be read",
        )
        live = await teammate.hover(doc2, 2)
        assert live is not None
        text = live.contents.value
        assert f"[in_progress · {investigating}]" in text  # the live status, not the plan's
        assert f"[in_progress · {task_id}]" in text  # the parent follows its sub-tasks
        review = next(line for line in text.splitlines() if "QA: Validate" in line)
        assert "[pending ·" in review and f"(after {task_id})" in review  # waits for the parent
    finally:
        await stop(teammate)
