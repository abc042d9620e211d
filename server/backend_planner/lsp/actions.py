"""Code actions on a TODO and the commands behind them (`workspace/executeCommand`).

On a TODO: "Plan this backend feature"; once planned: "Open plan", "Push plan to task backend",
"Re-plan"; once pushed: "Open task tree" and "Link TODO to tasks" (rewrites `TODO: x` to
`TODO(task:ID): x` through `workspace/applyEdit`). `backendPlanner.planFeature` plans a
free-text request without a TODO.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

from backend_planner.errors import ConfigError, PlanError
from backend_planner.lsp import documents, push, saved_plans
from backend_planner.lsp.server import PlannerServer, file_uri, plan_uri, uri_path
from backend_planner.lsp.store import PlanRecord, plan_id

if TYPE_CHECKING:
    from backend_planner.lsp.todos import Todo
    from backend_planner.planning import Plan

log = logging.getLogger(__name__)

PLAN_TODO = "backendPlanner.planTodo"
OPEN_PLAN = "backendPlanner.openPlan"
PUSH_PLAN = "backendPlanner.pushPlan"
REPLAN = "backendPlanner.replan"
OPEN_TREE = "backendPlanner.openTaskTree"
LINK_TODO = "backendPlanner.linkTodo"
PLAN_FEATURE = "backendPlanner.planFeature"
LIST_PLANS = "backendPlanner.listPlans"
KIND = types.CodeActionKind.RefactorRewrite


def make_plan(ls: PlannerServer, request: str, folder: Path, origin: str | None = None) -> Plan:
    """The plan, held to the skill's rules and the checks against the tree (its violations)."""
    from backend_planner.planning import plan_workspace
    from backend_planner.tasks.client import registry_skill_ids
    from backend_planner.tasks.skills import SkillRegistry, SkillSource

    sources = [SkillSource.parse(spec) for spec in ls.settings.skill_folders]
    skills = registry_skill_ids(SkillRegistry.load(sources))
    return plan_workspace(request, folder, skills, profile=ls.profile_for(folder), origin=origin)


def _arg(args: Any, index: int, name: str) -> Any:
    items = list(args or [])
    if len(items) <= index:
        raise ConfigError(f"missing argument {index + 1} ({name})")
    return items[index]


def _find(ls: PlannerServer, args: Any) -> PlanRecord:
    record_id = _arg(args, 0, "plan id")
    record = ls.store.get(str(record_id))
    if record is None:
        raise PlanError(f"no plan {record_id!r}: plan the TODO first")
    return record


def _todo(ls: PlannerServer, args: Any) -> tuple[str, Todo]:
    uri, line = str(_arg(args, 0, "document uri")), _arg(args, 1, "line")
    if not isinstance(line, int):
        raise ConfigError(f"line must be a number, got {line!r}")
    if uri not in ls.workspace.text_documents:
        raise PlanError(f"{uri} is not open in the editor")
    todo = next((t for t in ls.todos(uri).todos if t.contains(line)), None)
    if todo is None:
        raise PlanError(f"no TODO comment at line {line + 1} of {uri}")
    return uri, todo


async def plan_todo(ls: PlannerServer, uri: str, todo: Todo) -> PlanRecord:
    workspace, rel = ls.locate(uri)
    plan = await asyncio.to_thread(make_plan, ls, todo.text, Path(workspace), rel)
    record = PlanRecord(
        id=plan_id(workspace, rel, todo.text),
        workspace=workspace,
        path=rel,
        todo_text=todo.text,
        line=todo.line,
        plan=plan,
    )
    ls.store.put(record)
    ls.docs.pop(uri, None)
    ls.refresh_plan_documents(record.id)
    if plan.violations:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"backend-planner: the plan has {len(plan.violations)} finding(s) "
                "against the planner skill's rules and the workspace (see the plan document)",
            )
        )
    return record


def _result(record: PlanRecord, **extra: Any) -> dict[str, Any]:
    return {
        "planId": record.id,
        "uri": plan_uri(record.id, "md", record.todo_text),
        "jsonUri": plan_uri(record.id, "json", record.todo_text),
        "stale": record.stale,
        **extra,
    }


def link_edit(ls: PlannerServer, uri: str, todo: Todo, link: str) -> types.WorkspaceEdit:
    """`TODO: …` → `TODO(<link>): …` (`task:<id>`, `plan:<slug>`) in the open document."""
    document = ls.workspace.get_text_document(uri)
    line = document.lines[todo.line]
    start = todo.column + len(todo.marker)
    end = todo.header_end
    while end > start and line[end - 1] in " \t":
        end -= 1
    replacement = f"({link}):"
    server_range = ServerTextRange(
        ServerTextPosition(todo.line, start), ServerTextPosition(todo.line, end)
    )
    edit = types.TextEdit(range=document.range_to_client_units(server_range), new_text=replacement)
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=document.version
                ),
                edits=[edit],
            )
        ]
    )


def code_actions(ls: PlannerServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    first, last = params.range.start.line, params.range.end.line
    state = ls.todos(uri)
    actions: list[types.CodeAction] = []
    for todo in state.todos:
        if todo.end_line < first or todo.line > last:
            continue
        record_id = state.plans.get(todo.line)
        record = ls.store.get(record_id) if record_id else None
        at = [uri, todo.line]

        def action(title: str, command: str, arguments: list[Any]) -> None:
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=KIND,
                    command=types.Command(title=title, command=command, arguments=arguments),
                )
            )

        if record is None:
            action("Plan this backend feature", PLAN_TODO, at)
            continue
        action("Open plan", OPEN_PLAN, [record.id])
        action("Re-plan (the TODO changed)" if record.stale else "Re-plan", REPLAN, at)
        action("Push plan to task backend", PUSH_PLAN, [record.id])
        actions.extend(saved_plans.todo_actions(record, at))
        if record.pushed:
            action("Open task tree", OPEN_TREE, [record.id])
            if todo.task_id is None:
                action("Link TODO to tasks", LINK_TODO, at)
    return actions + saved_plans.quick_fixes(params)


def register(server: PlannerServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[KIND, saved_plans.QUICK_FIX], resolve_provider=False
        ),
    )
    @server.guard("code actions", fallback=[])
    def on_code_action(ls: PlannerServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return code_actions(ls, params)

    async def plan_and_show(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        """Plan the TODO's current text (first time or again) and open the plan."""
        uri, todo = _todo(ls, args)
        record = await plan_todo(ls, uri, todo)
        return _result(record, shown=await documents.show(ls, record.id))

    for command, title in ((PLAN_TODO, "Plan this backend feature"), (REPLAN, "Re-plan")):
        server.command(command)(server.guard(title, notify=True)(plan_and_show))

    @server.command(OPEN_PLAN)
    @server.guard("Open plan", notify=True)
    async def cmd_open_plan(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        record = _find(ls, args)
        view = "json" if len(args) > 1 and args[1] == "json" else "md"
        return _result(record, shown=await documents.show(ls, record.id, view))

    @server.command(OPEN_TREE)
    @server.guard("Open task tree", notify=True)
    async def cmd_open_tree(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        record = _find(ls, args)
        if record.pushed is None:
            raise PlanError("the plan has not been pushed yet")
        await push.refresh_statuses(ls, record.id)
        return _result(record, shown=await documents.show(ls, record.id, "tree.md"))

    @server.command(PUSH_PLAN)
    @server.guard("Push plan to task backend", notify=True)
    async def cmd_push(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        record = await push.push_record(ls, _find(ls, args))
        record = await saved_plans.after_push(ls, record)  # drift anchors; saved: the task ids
        assert record.pushed is not None
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"backend-planner: plan pushed to {record.pushed.backend} "
                f"(task {record.parent_task_id()})",
            )
        )
        return _result(record, ids=record.pushed.ids(), taskId=record.parent_task_id())

    @server.command(LINK_TODO)
    @server.guard("Link TODO to tasks", notify=True)
    async def cmd_link(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        uri, todo = _todo(ls, args)
        record_id = ls.todos(uri).plans.get(todo.line)
        record = ls.store.get(record_id) if record_id else None
        task_id = record.parent_task_id() if record else None
        if record is None or task_id is None:
            raise PlanError("push the plan before linking the TODO to its tasks")
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=link_edit(ls, uri, todo, f"task:{task_id}"), label="Link TODO to tasks"
            )
        )
        if not result.applied:
            raise PlanError(f"the editor did not apply the edit ({result.failure_reason})")
        return _result(record, taskId=task_id)

    @server.command(LIST_PLANS)
    @server.guard("List plans", notify=True)
    def cmd_list_plans(ls: PlannerServer, *args: Any) -> list[dict[str, Any]]:
        """The plans of the open workspace folders (or of one folder), for a picker."""
        folders = [str(f) for f in ls.folders()]
        if args and args[0]:
            folders = [str(ls.folder_for(Path(uri_path(str(args[0])))))]
        for folder in folders:
            ls.store.load(folder)
        records = sorted(
            (r for r in ls.store.records.values() if r.workspace in folders),
            key=lambda r: (r.workspace, r.path, r.line, r.todo_text),
        )
        return [
            _result(
                record,
                request=record.todo_text,
                folder=file_uri(record.workspace),
                path=record.path or None,
                line=record.line if record.path else None,
                pushed=record.pushed is not None,
                taskId=record.parent_task_id(),
                treeUri=plan_uri(record.id, "tree.md", record.todo_text),
            )
            for record in records
        ]

    @server.command(PLAN_FEATURE)
    @server.guard("Plan a backend feature", notify=True)
    async def cmd_plan_feature(ls: PlannerServer, *args: Any) -> dict[str, Any]:
        request = _arg(args, 0, "request")
        if not isinstance(request, str) or not request.strip():
            raise ConfigError("the request must be a non-empty text")
        folders = ls.folders()
        folder = Path(uri_path(str(args[1]))) if len(args) > 1 and args[1] else None
        folder = folder or (folders[0] if folders else None)
        if folder is None or not folder.is_dir():
            raise ConfigError("open a workspace folder (or pass one) to plan a feature")
        workspace = str(ls.folder_for(folder))
        origin = None  # the editor's active file, if any: plan for the service holding it
        if len(args) > 2 and isinstance(args[2], str) and args[2].startswith("file:"):
            within, rel = ls.locate(args[2])
            origin = rel if within == workspace else None
        plan = await asyncio.to_thread(make_plan, ls, request.strip(), Path(workspace), origin)
        record = PlanRecord(
            id=plan_id(workspace, "", request.strip()),
            workspace=workspace,
            path="",
            todo_text=request.strip(),
            line=0,
            plan=plan,
        )
        ls.store.put(record)
        return _result(record, shown=await documents.show(ls, record.id))
