"""Plans saved in the workspace, kept true: save, link, drift diagnostics, evidence.

- **Save**: the code action and command “Save plan to workspace” (`backendPlanner.savePlan`)
  write `.backend-planner/plans/<slug>.md` and `.json` (planning/saved.py) and link the TODO
  (`TODO(plan:<slug>): …`). A saved file edited by hand is overwritten only if the user says
  so (`window/showMessageRequest`).
- **Find again**: a TODO linked with `plan:<slug>` — or `task:<id>` once pushed, or saved from
  this TODO — finds its saved plan in any checkout (a fresh clone too): the plan is read from
  disk into the store, so the code actions, hover and plan documents work as for a plan made
  here. `backendPlanner.listSavedPlans` lists them for a picker; `openSavedPlan` opens one from
  disk.
- **Drift**: whenever a folder's code map changes (a save, watched files, an analysis) every
  saved or pushed plan of the folder is checked against its anchors (planning/anchors.py): what
  changed becomes a diagnostic on the TODO and on the anchor's line of the saved markdown, with
  a “Re-plan” quick fix (`backendPlanner.replanSaved`), which plans again, saves and clears
  them. An unchanged plan has no diagnostics.
- **Evidence**: per task, checks computed from the code map (planning/evidence.py), shown in the
  hover and the plan document next to the backend status; `backendPlanner.pushEvidence` keeps
  them as each pushed task's result note (the status never changes).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from backend_planner.errors import ConfigError, PlanError
from backend_planner.lsp.server import PlannerServer, file_uri, plan_uri, uri_path
from backend_planner.lsp.store import PlanRecord, plan_id
from backend_planner.lsp.todos import Todo, find_todos

if TYPE_CHECKING:
    from backend_planner.planning.anchors import Drift
    from backend_planner.planning.evidence import TaskEvidence
    from backend_planner.planning.saved import SavedPlan
    from backend_planner.workspace import StackProfile

log = logging.getLogger(__name__)

SAVE_PLAN = "backendPlanner.savePlan"
LIST_SAVED = "backendPlanner.listSavedPlans"
OPEN_SAVED = "backendPlanner.openSavedPlan"
REPLAN_SAVED = "backendPlanner.replanSaved"
CHECK_PLANS = "backendPlanner.checkPlans"
PUSH_EVIDENCE = "backendPlanner.pushEvidence"
SOURCE = "backend-planner"
KIND = types.CodeActionKind.RefactorRewrite
QUICK_FIX = types.CodeActionKind.QuickFix
OVERWRITE, KEEP = "Overwrite", "Keep my edits"
_LINK = re.compile(r"^\(\s*plan:\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*\)")
STATUS_WORDS = {"in_progress": "in progress"}
MAX_WARM = 20  # plans whose evidence is computed ahead of their hovers


@dataclass
class FolderPlans:
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)  # json name → mtime, size
    plans: dict[str, SavedPlan] = field(default_factory=dict)  # slug → plan


@dataclass
class State:
    folders: dict[str, FolderPlans] = field(default_factory=dict)
    published: dict[str, set[str]] = field(default_factory=dict)  # folder → uris with diagnostics
    drift: dict[str, dict[str, list[Drift]]] = field(default_factory=dict)  # folder → key → drift
    evidence: dict[str, tuple[Any, str, list[TaskEvidence]]] = field(default_factory=dict)
    files: dict[str, tuple[Any, list[str]]] = field(default_factory=dict)  # folder → listing


_STATES: weakref.WeakKeyDictionary[PlannerServer, State] = weakref.WeakKeyDictionary()


def state(ls: PlannerServer) -> State:
    found = _STATES.get(ls)
    if found is None:
        found = _STATES[ls] = State()
    return found


# ----------------------------------------------------------------------------- saved plans on disk


def saved_in(ls: PlannerServer, folder: Path) -> dict[str, SavedPlan]:
    """The folder's saved plans by slug, re-reading only the files that changed."""
    from backend_planner.planning.saved import plans_dir, read_saved

    known = state(ls).folders.setdefault(str(folder), FolderPlans())
    directory = plans_dir(folder)
    try:
        entries = {p.name: p.stat() for p in directory.iterdir() if p.suffix == ".json"}
    except OSError:
        entries = {}
    for name in [n for n in known.stamps if n not in entries]:
        del known.stamps[name]
        known.plans.pop(name[: -len(".json")], None)
    for name, stat in sorted(entries.items()):
        stamp = (stat.st_mtime_ns, stat.st_size)
        if known.stamps.get(name) == stamp:
            continue
        known.stamps[name] = stamp
        saved = read_saved(directory / name)
        slug = name[: -len(".json")]
        if saved is None or saved.slug != slug:
            known.plans.pop(slug, None)
        else:
            known.plans[slug] = saved
    return known.plans


def link_slug(ls: PlannerServer, uri: str, todo: Todo) -> str | None:
    """The `plan:<slug>` of a TODO's header (`TODO(plan:add-bookmarks): …`)."""
    try:
        lines = ls.workspace.get_text_document(uri).lines
        line = lines[todo.line]
    except (IndexError, OSError, ValueError):
        return None
    header = line[todo.column + len(todo.marker) : todo.header_end]
    match = _LINK.match(header.strip())
    return match.group(1) if match else None


def _record_of(
    ls: PlannerServer, saved: SavedPlan, workspace: str, rel: str, todo: Todo
) -> PlanRecord:
    from backend_planner.tasks.client import PushResult

    pushed = PushResult.model_validate(saved.pushed) if saved.pushed else None
    text = saved.todo.text if saved.todo else saved.request
    return PlanRecord(
        id=plan_id(workspace, rel, todo.text),
        workspace=workspace,
        path=rel,
        todo_text=text,  # another text than the TODO's now: matched by line, marked stale
        line=todo.line,
        plan=saved.plan,
        pushed=pushed,
        saved=saved.slug,
        anchors=saved.anchors,
    )


def adopt(ls: PlannerServer, uri: str, todos: list[Todo]) -> None:
    """Before a document's TODOs are matched to plans: a TODO linked to (or saved from) a plan
    saved in the workspace, with no plan in the store, gets the saved plan."""
    if not todos:
        return
    workspace, rel = ls.locate(uri)
    folder = Path(workspace)
    if not (folder / ".backend-planner").is_dir():
        return
    records = ls.store.in_file(workspace, rel)
    plans: dict[str, SavedPlan] | None = None
    for todo in todos:
        if any(r.todo_text == todo.text for r in records):
            continue
        if todo.task_id and ls.store.by_task(todo.task_id) is not None:
            continue
        if plans is None:
            plans = saved_in(ls, folder)
        slug = link_slug(ls, uri, todo)
        saved = plans.get(slug) if slug else None
        if saved is None and todo.task_id:
            saved = next((s for s in plans.values() if todo.task_id in s.task_ids().values()), None)
        if saved is None and not slug:
            saved = next(
                (
                    s
                    for s in plans.values()
                    if s.todo and s.todo.path == rel and s.todo.text == todo.text
                ),
                None,
            )
        if saved is None:
            continue
        if any(r.saved == saved.slug and r.line == todo.line for r in records):
            continue
        record = _record_of(ls, saved, workspace, rel, todo)
        ls.store.put(record)
        records = ls.store.in_file(workspace, rel)
        log.info("TODO at %s:%d: plan %r read from the workspace", rel, todo.line + 1, saved.slug)


# ----------------------------------------------------------------------------- saving


async def save_record(
    ls: PlannerServer,
    record: PlanRecord,
    *,
    slug: str | None = None,
    reanchor: bool = False,
    todo_uri: str | None = None,
) -> dict[str, Any]:
    """Save a plan record to its workspace (asking before overwriting hand edits); link its
    TODO to the saved plan when it has no link yet; re-check the folder."""
    from backend_planner.planning.saved import HandEdited, TodoLink, save_plan

    folder = Path(record.workspace)
    profile = ls.profile_for(folder)
    todo_link = (
        TodoLink(path=record.path, line=record.line, text=record.todo_text) if record.path else None
    )
    uri = todo_uri or (file_uri(folder / record.path) if record.path else None)
    todo = _open_todo(ls, uri, record) if uri else None
    if slug is None:
        slug = record.saved or (link_slug(ls, uri, todo) if uri and todo else None)
    pushed = record.pushed.model_dump(mode="json") if record.pushed else None

    def save(force: bool) -> Any:
        return save_plan(
            folder,
            record.plan,
            profile,
            todo=todo_link,
            slug=slug,
            pushed=pushed,
            force=force,
            reanchor=reanchor,
        )

    try:
        result = await asyncio.to_thread(save, False)
    except HandEdited as exc:
        answer = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=f"backend-planner: the saved plan {exc.slug!r} was edited by hand "
                f"({', '.join(exc.files)}). Overwrite it with this plan?",
                actions=[
                    types.MessageActionItem(title=OVERWRITE),
                    types.MessageActionItem(title=KEEP),
                ],
            )
        )
        if answer is None or answer.title != OVERWRITE:
            log.info("kept the hand edits of saved plan %s", exc.slug)
            return {"slug": exc.slug, "written": False, "kept": True, "planId": record.id}
        result = await asyncio.to_thread(save, True)
    updated = record.model_copy(update={"saved": result.slug, "anchors": result.saved.anchors})
    ls.store.put(updated)
    saved_in(ls, folder)
    linked = False
    if uri and todo is not None and not _has_tag(ls, uri, todo):
        linked = await _link(ls, uri, todo, result.slug)
    recheck(ls, folder)
    ls.refresh_plan_documents(record.id)
    return {
        "planId": record.id,
        "slug": result.slug,
        "uri": file_uri(result.markdown),
        "jsonUri": file_uri(result.json),
        "written": result.written,
        "linked": linked,
        "kept": False,
    }


def _open_todo(ls: PlannerServer, uri: str, record: PlanRecord) -> Todo | None:
    if uri not in ls.workspace.text_documents:
        return None
    state_ = ls.todos(uri)
    for todo in state_.todos:
        if state_.plans.get(todo.line) == record.id:
            return todo
    return next((t for t in state_.todos if t.line == record.line), None)


def _has_tag(ls: PlannerServer, uri: str, todo: Todo) -> bool:
    line = ls.workspace.get_text_document(uri).lines[todo.line]
    return line[todo.column + len(todo.marker) :].startswith("(")


async def _link(ls: PlannerServer, uri: str, todo: Todo, slug: str) -> bool:
    """`TODO: …` → `TODO(plan:<slug>): …` in the open document (the editor applies it)."""
    from backend_planner.lsp.actions import link_edit

    edit = link_edit(ls, uri, todo, f"plan:{slug}")
    caps = ls.client_capabilities.workspace
    if not (caps and caps.apply_edit):
        return False
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Link TODO to saved plan")
    )
    return bool(result.applied)


async def after_push(ls: PlannerServer, record: PlanRecord) -> PlanRecord:
    """A pushed plan: its anchors (now, unless saved with them) so drift is checked; a saved
    plan records the task ids (a TODO linked to the task finds it in any checkout)."""
    from backend_planner.planning.anchors import anchors_of, git_commit

    folder = Path(record.workspace)
    if record.anchors is None:
        profile = ls.profile_for(folder)
        anchors = await asyncio.to_thread(
            lambda: anchors_of(record.plan, profile, folder, commit=git_commit(folder))
        )
        record = record.model_copy(update={"anchors": anchors})
        ls.store.put(record)
    if record.saved:
        await save_record(ls, record, slug=record.saved)
        record = ls.store.get(record.id) or record
    else:
        recheck(ls, folder)
    return record


# ----------------------------------------------------------------------------- drift


def recheck(ls: PlannerServer, folder: Path) -> dict[str, list[Drift]]:
    """Check every saved or pushed plan of the folder against the code map now; publish the
    drift as diagnostics (and clear the ones that went away). Keys: slug, or the record id of
    a pushed plan that is not saved."""
    from backend_planner.planning.anchors import drift

    profile = ls.profiles.get(str(folder))
    if profile is None:
        return {}
    results: dict[str, list[Drift]] = {}
    plans = saved_in(ls, folder)
    for slug, saved in plans.items():
        results[slug] = drift(saved, profile, folder)
    for record in list(ls.store.records.values()):
        pushed = record.pushed is not None and record.anchors is not None
        if pushed and record.workspace == str(folder) and not record.saved:
            assert record.anchors is not None
            results[record.id] = drift(record.anchors, profile, folder)
    previous = state(ls).drift.get(str(folder), {})
    state(ls).drift[str(folder)] = results
    _publish(ls, folder, results, plans)
    changed = [k for k in set(previous) | set(results) if previous.get(k) != results.get(k)]
    for key in changed:
        for record in ls.store.records.values():
            if record.workspace == str(folder) and key in (record.saved, record.id):
                ls.refresh_plan_documents(record.id)
    return results


def drift_of(ls: PlannerServer, record: PlanRecord) -> list[Drift]:
    found = state(ls).drift.get(record.workspace, {})
    return found.get(record.saved or record.id, [])


def _publish(
    ls: PlannerServer,
    folder: Path,
    results: dict[str, list[Drift]],
    plans: dict[str, SavedPlan],
) -> None:
    from backend_planner.planning.saved import paths

    by_uri: dict[str, list[types.Diagnostic]] = {}
    for key, drifts in sorted(results.items()):
        if not drifts:
            continue
        saved = plans.get(key)
        record = _record_for(ls, folder, key)
        data = {
            "folder": file_uri(folder),
            "slug": saved.slug if saved else None,
            "planId": record.id if record else None,
        }
        name = f"plan `{saved.slug}`" if saved else f"plan {key}"
        where = _todo_location(ls, folder, saved, record)
        if where is not None:
            uri, span = where
            by_uri.setdefault(uri, []).extend(
                _diagnostic(span, f"{name}: {d.message}", d, data) for d in drifts
            )
        if saved is not None:
            markdown = paths(folder, saved.slug)[0]
            lines = _lines(markdown)
            uri = file_uri(markdown)
            for d in drifts:
                number = _anchor_line(lines, d.subject)
                span = types.Range(
                    types.Position(number, 0),
                    types.Position(number, len(lines[number]) if lines else 0),
                )
                by_uri.setdefault(uri, []).append(_diagnostic(span, d.message, d, data))
    before = state(ls).published.get(str(folder), set())
    for uri in sorted(before - set(by_uri)):
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
    for uri, diagnostics in sorted(by_uri.items()):
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )
    state(ls).published[str(folder)] = set(by_uri)


def _diagnostic(
    span: types.Range, message: str, d: Drift, data: dict[str, Any]
) -> types.Diagnostic:
    return types.Diagnostic(
        range=span,
        message=message,
        severity=types.DiagnosticSeverity.Warning,
        source=SOURCE,
        code=d.kind,
        data=data,
    )


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _anchor_line(lines: list[str], subject: str) -> int:
    """The line of the saved markdown's anchors naming `subject` (else the title)."""
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Anchors"), 0)
    for number in range(start, len(lines)):
        if f"`{subject}`" in lines[number] or f"`{subject} (" in lines[number]:
            return number
    for number in range(start, len(lines)):
        if subject in lines[number]:
            return number
    return 0


def _record_for(ls: PlannerServer, folder: Path, key: str) -> PlanRecord | None:
    record = ls.store.get(key)
    if record is not None:
        return record
    found = [r for r in ls.store.records.values() if r.workspace == str(folder) and r.saved == key]
    return sorted(found, key=lambda r: (r.path == "", r.path, r.line))[0] if found else None


def _todo_location(
    ls: PlannerServer, folder: Path, saved: SavedPlan | None, record: PlanRecord | None
) -> tuple[str, types.Range] | None:
    """Where the plan's TODO is now: (uri, range of its comment)."""
    path = (
        record.path if record and record.path else (saved.todo.path if saved and saved.todo else "")
    )
    if not path:
        return None
    uri = file_uri(folder / path)
    opened = uri in ls.workspace.text_documents
    if opened:
        todos = list(ls.todos(uri).todos)
    else:
        try:
            text = (folder / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        todos = find_todos(text, path, None, ls.settings.todo_markers)
    ids = set(saved.task_ids().values()) if saved else set()
    if record and record.pushed:
        ids |= set(record.pushed.ids().values())
    texts = {
        t
        for t in (
            record.todo_text if record else None,
            saved.todo.text if saved and saved.todo else None,
        )
        if t
    }
    found = None
    for todo in todos:
        slug = link_slug(ls, uri, todo) if opened else _disk_slug(folder / path, todo)
        if (saved and slug == saved.slug) or (todo.task_id and todo.task_id in ids):
            found = todo
            break
    if found is None:
        found = next((t for t in todos if t.text in texts), None)
    if found is None:
        line = record.line if record else (saved.todo.line if saved and saved.todo else 0)
        found = next((t for t in todos if t.line == line), None)
    if found is None:
        return None
    span = ServerTextRange(
        ServerTextPosition(found.line, found.column),
        ServerTextPosition(
            found.line,
            found.end_column if found.end_line == found.line else found.column + len(found.marker),
        ),
    )
    if opened:
        return uri, ls.workspace.get_text_document(uri).range_to_client_units(span)
    return uri, types.Range(
        types.Position(span.start.line, span.start.character),
        types.Position(span.end.line, span.end.character),
    )


def _disk_slug(path: Path, todo: Todo) -> str | None:
    lines = _lines(path)
    if todo.line >= len(lines):
        return None
    header = lines[todo.line][todo.column + len(todo.marker) : todo.header_end]
    match = _LINK.match(header.strip())
    return match.group(1) if match else None


# ----------------------------------------------------------------------------- evidence


def _files(ls: PlannerServer, folder: Path, profile: StackProfile) -> list[str]:
    """The folder's files, listed once per code map (a new code map lists them again)."""
    from backend_planner.planning.evidence import file_list

    cached = state(ls).files.get(str(folder))
    if cached is not None and cached[0] is profile:
        return cached[1]
    files = file_list(folder)
    state(ls).files[str(folder)] = (profile, files)
    return files


def evidence_of(ls: PlannerServer, record: PlanRecord) -> list[TaskEvidence] | None:
    """Each task's evidence against the folder's code map now (None before the analysis)."""
    from backend_planner.planning.evidence import plan_evidence

    folder = Path(record.workspace)
    profile = ls.profiles.get(str(folder))
    if profile is None:
        return None
    cached = state(ls).evidence.get(record.id)
    fingerprint = record.plan.fingerprint()
    if cached is not None and cached[0] is profile and cached[1] == fingerprint:
        return cached[2]
    found = plan_evidence(record.plan, profile, folder, files=_files(ls, folder, profile))
    state(ls).evidence[record.id] = (profile, fingerprint, found)
    return found


def backend_status(ls: PlannerServer, record: PlanRecord) -> dict[str, str]:
    statuses = dict(record.pushed.statuses()) if record.pushed else {}
    cached = ls.statuses.get(record.id)
    if cached:
        statuses.update(cached[1])
    return statuses


def progress_lines(ls: PlannerServer, record: PlanRecord) -> list[str]:
    """`1. Build X — backend: in progress · code: 4/5 checks`, one line per task."""
    evidence = evidence_of(ls, record)
    if evidence is None:
        return []
    statuses = backend_status(ls, record)
    lines = []
    for task in evidence:
        status = statuses.get(task.number)
        backend = (
            f"backend: {STATUS_WORDS.get(status, status)}"
            if status
            else ("backend: not pushed" if record.pushed is None else "backend: ?")
        )
        parts = [backend] + ([task.summary()] if task.checks else [])
        indent = "   " if "." in task.number else ""
        lines.append(f"{indent}{task.number}. {task.task_name} — {' · '.join(parts)}")
    return lines


def hover_lines(ls: PlannerServer, record: PlanRecord) -> list[str]:
    """The hover's part: drift first, then the progress from evidence."""
    out: list[str] = []
    drifts = drift_of(ls, record)
    if drifts:
        out += ["", f"**Drift** ({len(drifts)}): the code moved under this plan — “Re-plan” it."]
        out += [f"- {d.message}" for d in drifts]
    progress = progress_lines(ls, record)
    if progress:
        out += [
            "",
            "Progress (backend status · evidence in the code):",
            "",
            "```",
            *progress,
            "```",
        ]
    if record.saved:
        out += ["", f"Saved in `.backend-planner/plans/{record.saved}.md`."]
    return out


def document_sections(ls: PlannerServer, record: PlanRecord) -> str:
    """The plan document's sections: where it is saved, its drift, each task's evidence."""
    out: list[str] = []
    if record.saved:
        out += ["", "## Saved", "", f"In `.backend-planner/plans/{record.saved}.md` (and `.json`)."]
    drifts = drift_of(ls, record)
    if drifts:
        out += ["", "## Drift", "", "The code moved under this plan; run “Re-plan”:", ""]
        out += [f"- {d.message}" for d in drifts]
    evidence = evidence_of(ls, record)
    if evidence:
        statuses = backend_status(ls, record)
        out += ["", "## Progress from evidence", ""]
        for task in evidence:
            status = statuses.get(task.number)
            backend = f"backend: {STATUS_WORDS.get(status, status)} · " if status else ""
            out.append(f"- **{task.number}. {task.task_name}** — {backend}{task.summary()}")
            out += [f"  - [{'x' if c.passed else ' '}] {c.label}" for c in task.checks]
    return "\n".join(out) + "\n" if out else ""


async def push_evidence(ls: PlannerServer, record: PlanRecord) -> dict[str, Any]:
    """Each pushed task's evidence as its result note; the status stays as it is (a final
    task is left alone)."""
    from backend_planner.lsp import push
    from backend_planner.tasks.client import TaskBackendClient

    if record.pushed is None:
        raise PlanError("push the plan before pushing its evidence")
    evidence = evidence_of(ls, record)
    if evidence is None:
        raise PlanError("the workspace is still being analysed; try again in a moment")
    by_number = {e.number: e for e in evidence}
    updated: dict[str, str] = {}
    skipped: dict[str, str] = {}
    async with TaskBackendClient(push.target(ls), timeout=30) as client:
        for number, task_id in sorted(record.pushed.ids().items()):
            task_evidence = by_number.get(number)
            if task_evidence is None or not task_evidence.checks:
                continue
            task: Any = await client.get_task(task_id)
            task = task.get("task", task) if isinstance(task, dict) else {}
            status = str(task.get("status", ""))
            if status in ("completed", "cancelled", ""):
                skipped[number] = status or "unknown"
                continue
            await client.call(
                "update_task_status",
                {"task_id": task_id, "status": status, "result": task_evidence.note()},
            )
            updated[number] = task_evidence.summary()
    return {"planId": record.id, "updated": updated, "skipped": skipped}


# ----------------------------------------------------------------------------- code actions


def todo_actions(record: PlanRecord, at: list[Any]) -> list[types.CodeAction]:
    """The planned TODO's actions of this feature (after the others)."""
    out = [_action("Save plan to workspace", SAVE_PLAN, [record.id, *at])]
    if record.pushed is not None:
        out.append(_action("Push evidence to task backend", PUSH_EVIDENCE, [record.id]))
    return out


def _action(title: str, command: str, arguments: list[Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=KIND,
        command=types.Command(title=title, command=command, arguments=arguments),
    )


def _data(value: Any) -> dict[str, Any]:
    if hasattr(value, "_asdict"):
        value = value._asdict()
    return dict(value) if isinstance(value, dict) else {}


def quick_fixes(params: types.CodeActionParams) -> list[types.CodeAction]:
    """“Re-plan” for each plan with a drift diagnostic in the range."""
    out: list[types.CodeAction] = []
    seen: set[tuple[str, str]] = set()
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE:
            continue
        data = _data(diagnostic.data)
        key = (str(data.get("slug") or ""), str(data.get("planId") or ""))
        if not any(key) or key in seen:
            continue
        seen.add(key)
        arguments = [data.get("folder"), data.get("slug"), data.get("planId")]
        related = [
            d
            for d in params.context.diagnostics
            if d.source == SOURCE
            and (str(_data(d.data).get("slug") or ""), str(_data(d.data).get("planId") or ""))
            == key
        ]
        out.append(
            types.CodeAction(
                title="Re-plan",
                kind=QUICK_FIX,
                diagnostics=related,
                is_preferred=True,
                command=types.Command(title="Re-plan", command=REPLAN_SAVED, arguments=arguments),
            )
        )
    return out


async def replan(
    ls: PlannerServer, folder: Path, slug: str | None, record_id: str | None
) -> dict[str, Any]:
    """Plan the request again (the TODO's text now), save it under the same slug with fresh
    anchors, and re-check: the drift diagnostics of the old plan go away."""
    from backend_planner.lsp.actions import make_plan, plan_todo

    saved = saved_in(ls, folder).get(slug) if slug else None
    record = ls.store.get(record_id) if record_id else None
    if record is None and saved is not None:
        record = _record_for(ls, folder, saved.slug)
    if saved is None and record is None:
        raise PlanError(f"no saved or pushed plan {slug or record_id!r} in {folder}")
    path = record.path if record else (saved.todo.path if saved and saved.todo else "")
    new: PlanRecord | None = None
    if path:
        uri = file_uri(folder / path)
        if uri in ls.workspace.text_documents:
            where = _todo_location(ls, folder, saved, record)
            line = where[1].start.line if where else (record.line if record else -1)
            todo = next((t for t in ls.todos(uri).todos if t.line == line), None)
            if todo is not None:
                new = await plan_todo(ls, uri, todo)
    if new is None:
        request = record.todo_text if record else (saved.request if saved else "")
        plan = await asyncio.to_thread(make_plan, ls, request, folder, path or None)
        line = record.line if record else (saved.todo.line if saved and saved.todo else 0)
        new = PlanRecord(
            id=plan_id(str(folder), path, request),
            workspace=str(folder),
            path=path,
            todo_text=request,
            line=line,
            plan=plan,
        )
        ls.store.put(new)
    if saved is not None:
        result = await save_record(ls, new, slug=saved.slug, reanchor=True)
        if result.get("kept"):
            recheck(ls, folder)
            return {**result, "replanned": True}
        return {**result, "replanned": True}
    from backend_planner.planning.anchors import anchors_of, git_commit

    profile = ls.profile_for(folder)
    anchors = await asyncio.to_thread(
        lambda: anchors_of(new.plan, profile, folder, commit=git_commit(folder))
    )
    ls.store.put(new.model_copy(update={"anchors": anchors}))
    recheck(ls, folder)
    return {"planId": new.id, "replanned": True, "uri": plan_uri(new.id, "md", new.todo_text)}


# ----------------------------------------------------------------------------- registration


def _folder(ls: PlannerServer, value: Any) -> Path:
    if value:
        return ls.folder_for(Path(uri_path(str(value))))
    folders = ls.folders()
    if not folders:
        raise ConfigError("open a workspace folder to use saved plans")
    return folders[0]


def _summary(ls: PlannerServer, folder: Path, saved: SavedPlan) -> dict[str, Any]:
    from backend_planner.planning.saved import paths

    markdown, json_path = paths(folder, saved.slug)
    drifts = state(ls).drift.get(str(folder), {}).get(saved.slug, [])
    ids = saved.task_ids()
    return {
        "slug": saved.slug,
        "request": saved.request,
        "folder": file_uri(folder),
        "uri": file_uri(markdown),
        "jsonUri": file_uri(json_path),
        "path": saved.todo.path if saved.todo else None,
        "line": saved.todo.line if saved.todo else None,
        "commit": saved.commit,
        "taskId": ids.get("1"),
        "drift": [d.message for d in drifts],
    }


def register(server: PlannerServer) -> None:
    server.todo_listeners.append(lambda uri, todos: adopt(server, uri, todos))
    server.profile_listeners.append(lambda folder: _rechecked(server, folder))

    @server.command(SAVE_PLAN)
    @server.guard("Save plan to workspace", notify=True)
    async def cmd_save(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        """[planId] or [planId, uri, line] (the TODO the code action was on)."""
        if not args:
            raise ConfigError("missing argument 1 (plan id)")
        record = ls.store.get(str(args[0]))
        if record is None:
            raise PlanError(f"no plan {args[0]!r}: plan the TODO first")
        uri = str(args[1]) if len(args) > 1 and args[1] else None
        result = await save_record(ls, record, todo_uri=uri)
        if not result.get("kept"):
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Info,
                    message=f"backend-planner: plan saved to .backend-planner/plans/"
                    f"{result['slug']}.md" + ("" if result["written"] else " (unchanged)"),
                )
            )
        return result

    @server.command(LIST_SAVED)
    @server.guard("List saved plans", notify=True)
    def cmd_list(ls: PlannerServer, *args: Any) -> list[dict[str, Any]]:
        folders = [_folder(ls, args[0])] if args and args[0] else ls.folders()
        out = []
        for folder in folders:
            for slug, saved in sorted(saved_in(ls, folder).items()):
                out.append(_summary(ls, folder, saved))
                _ = slug
        return out

    @server.command(OPEN_SAVED)
    @server.guard("Open saved plan", notify=True)
    async def cmd_open(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        """[slug, folder?]: open `.backend-planner/plans/<slug>.md` from disk."""
        if not args or not args[0]:
            raise ConfigError("missing argument 1 (the saved plan's slug)")
        folder = _folder(ls, args[1] if len(args) > 1 else None)
        saved = saved_in(ls, folder).get(str(args[0]))
        if saved is None:
            raise PlanError(f"no saved plan {args[0]!r} in {folder}/.backend-planner/plans")
        summary = _summary(ls, folder, saved)
        return {**summary, "shown": await ls.show_document(summary["uri"])}

    @server.command(REPLAN_SAVED)
    @server.guard("Re-plan", notify=True)
    async def cmd_replan(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        """[folder uri, slug, planId] as the drift diagnostic's data carries them."""
        items = [*args, None, None, None]
        folder = _folder(ls, items[0])
        return await replan(ls, folder, items[1] or None, items[2] or None)

    @server.command(CHECK_PLANS)
    @server.guard("Check plans", notify=True)
    def cmd_check(ls: PlannerServer, *args: Any) -> dict[str, list[str]]:
        """[folder?]: re-check now; plan key → the drift messages (only plans that drifted)."""
        folder = _folder(ls, args[0] if args else None)
        results = recheck(ls, folder)
        return {
            key: [d.message for d in drifts] for key, drifts in sorted(results.items()) if drifts
        }

    @server.command(PUSH_EVIDENCE)
    @server.guard("Push evidence to task backend", notify=True)
    async def cmd_push_evidence(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        if not args:
            raise ConfigError("missing argument 1 (plan id)")
        record = ls.store.get(str(args[0]))
        if record is None:
            raise PlanError(f"no plan {args[0]!r}: plan the TODO first")
        result = await push_evidence(ls, record)
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"backend-planner: evidence kept as the result note of "
                f"{len(result['updated'])} task(s); no status changed",
            )
        )
        return result


async def warm_evidence(ls: PlannerServer, folder: Path) -> None:
    """After a code map change: the evidence of the folder's saved and pushed plans, computed
    in a worker thread, so their hovers answer from the cache (a hover arriving first computes
    it itself)."""
    from backend_planner.planning.evidence import file_list, plan_evidence

    profile = ls.profiles.get(str(folder))
    records = [
        r for r in ls.store.records.values() if r.workspace == str(folder) and (r.saved or r.pushed)
    ][:MAX_WARM]
    if profile is None or not records:
        return
    files = await asyncio.to_thread(file_list, folder)
    if ls.profiles.get(str(folder)) is not profile:
        return  # a newer code map: its own warm-up follows
    state(ls).files[str(folder)] = (profile, files)
    for record in records:
        found = await asyncio.to_thread(plan_evidence, record.plan, profile, folder, files=files)
        state(ls).evidence[record.id] = (profile, record.plan.fingerprint(), found)


def _rechecked(ls: PlannerServer, folder: Path) -> None:
    ls.spawn(warm_evidence(ls, folder), "evidence")
    started = time.perf_counter()
    results = recheck(ls, folder)
    if results:
        drifted = sum(1 for d in results.values() if d)
        log.info(
            "re-checked %d plan(s) of %s in %.1f ms: %d drifted",
            len(results),
            folder.name,
            (time.perf_counter() - started) * 1000,
            drifted,
        )
