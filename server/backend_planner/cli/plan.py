"""`backend-planner plan "REQUEST" [PATH]` and `backend-planner push PLAN.json`.

Analyse the workspace, plan the request (markdown by default, `--json` for the exact payload),
and with `--push` create the tasks through a real MCP client session, read them back and print
the confirmed tree with ids. When the backend is down or refuses the plan, the plan is saved
under the user data dir and the command to push it later is printed (exit code 2).

`--spec FILE.json` plans from a change spec an agent wrote (`planning/spec.py`'s `ChangeSpec`)
instead of the planner's own reading of the request. Every plan is held to the skill's rules
and to the checks against the tree (`planning/checks.py`); its findings are printed with the
plan and make the exit code 2.

`--format tasks-md` prints the plan as a `- [ ] T001 [P] description (path)` checklist
(`planning/export.py`). `--save` also writes it to `.backend-planner/plans/<slug>.md` and
`.json` in the workspace (`planning/saved.py`): saving twice rewrites the same files, and a saved
file edited by hand is overwritten only with `--force` (or a yes on a terminal).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_planner.errors import BackendPlannerError, ConfigError, PlanError, Problem

FORMATS = ("markdown", "json", "tasks-md")  # planning/export.py's EXPORT_FORMATS

if TYPE_CHECKING:
    from backend_planner.planning import Plan, SkillIds
    from backend_planner.planning.spec import ChangeSpec
    from backend_planner.tasks.client import BackendTarget, PushResult
    from backend_planner.workspace import StackProfile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="plan a backend feature request for a workspace",
        description="Analyse PATH, plan REQUEST in the planner skill's patterns and print it "
        "(markdown; --json for the plan payload). --push creates the tasks on the task backend.",
    )
    parser.add_argument(
        "request", help='the feature request, e.g. "Build subscription API with Stripe"'
    )
    parser.add_argument("path", nargs="?", default=".", help="workspace directory (default: .)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="markdown (default), json (the plan payload, as --json), or tasks-md (a "
        "`- [ ] T001 [P] description (path)` checklist)",
    )
    parser.add_argument(
        "--save",
        action="store_true",
        help="also save the plan in the workspace: .backend-planner/plans/<slug>.md and .json",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --save: overwrite a saved plan edited by hand (otherwise you are asked)",
    )
    parser.add_argument("--service", metavar="PATH", help="plan for this service of a monorepo")
    parser.add_argument(
        "--spec",
        metavar="FILE.json",
        help="plan from this change spec (an agent's reading of the request, JSON in the "
        "ChangeSpec shape) instead of the planner's own",
    )
    parser.add_argument("--push", action="store_true", help="create the tasks on the task backend")
    _add_backend(parser)
    parser.set_defaults(handler=run_plan)

    push = subparsers.add_parser(
        "push",
        help="push a saved plan (JSON) to the task backend",
        description="Push a plan saved by `backend-planner plan` (or `plan --json`). Pushing "
        "the same plan twice creates nothing twice.",
    )
    push.add_argument("plan_file", metavar="PLAN.json")
    push.add_argument("--json", action="store_true", help="print the created tree as JSON")
    _add_backend(push)
    push.set_defaults(handler=run_push)


def _add_backend(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--backend", metavar="URL", help="streamable-HTTP URL of the task backend")
    where.add_argument(
        "--backend-cmd",
        metavar="CMD",
        help="command that serves the task backend over stdio "
        "(default: backend-planner tasks serve, the embedded SQLite store)",
    )
    parser.add_argument("--token", default=None, help="bearer token for --backend")
    parser.add_argument("--project", metavar="ID", default=None, help="project id of the tasks")


def _target(args: argparse.Namespace) -> BackendTarget:
    from backend_planner.tasks.client import BackendTarget

    if args.backend:
        return BackendTarget(url=args.backend, token=args.token)
    if args.backend_cmd:
        command = tuple(shlex.split(args.backend_cmd))
        if not command:
            raise ConfigError("--backend-cmd is empty")
        return BackendTarget(command=command)
    return BackendTarget.default()


def local_skill_ids() -> SkillIds:
    """The three skills from the in-process registry (the same full_ids the backend serves)."""
    from backend_planner.tasks.client import registry_skill_ids
    from backend_planner.tasks.skills import SkillRegistry

    return registry_skill_ids(SkillRegistry.load([]))


# ----------------------------------------------------------------------------- shared by the faces


def parse_change_spec(data: Any, request: str, where: str = "change_spec") -> ChangeSpec:
    """An agent's change spec (JSON) as a `ChangeSpec`, marked `source="agent"`; its `request`
    defaults to the request planned. Every problem is named by its place
    (`change_spec.items[0].kind`), all at once, in a PlanError."""
    from pydantic import ValidationError

    from backend_planner.planning.spec import ChangeSpec
    from backend_planner.tasks.validation import problems_from_pydantic

    if not isinstance(data, dict):
        raise PlanError(
            f"{where}: must be a JSON object with request and items (the ChangeSpec shape)"
        )
    data = {"request": request, **data, "source": "agent"}
    try:
        return ChangeSpec.model_validate(data)
    except ValidationError as exc:
        raise PlanError(
            f"the change spec is not valid ({exc.error_count()} problems); fix them all and "
            "call again",
            problems_from_pydantic(exc, where),
        ) from None


def tree_findings(plan: Plan, root: Path, profile: StackProfile) -> list[Problem]:
    """The checks against the tree (`planning/checks.py`) for a plan handed in or kept (the
    planner runs them on the plans it makes): for the plan's service in the workspace at `root`
    (analysed as `profile`), against the workspace's files as they are now. Findings at a place
    the skill's rules already flag are left to those, as the planner does."""
    from backend_planner.planning import pick_service, validate_plan
    from backend_planner.planning.checks import check_plan
    from backend_planner.workspace.scan import scan

    service = pick_service(profile, plan.service)
    flagged = {p.place for p in validate_plan(plan)}
    found = check_plan(plan, service, frozenset(scan(root)), profile_root=profile.root)
    return [p for p in found if p.place not in flagged]


def _read_spec(path: str, request: str) -> ChangeSpec:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{file}: can't read the change spec ({exc})") from exc
    try:
        return parse_change_spec(data, request)
    except PlanError as exc:
        raise PlanError(f"{file}: {exc.message}", exc.problems) from None


# ----------------------------------------------------------------------------- commands


def run_plan(args: argparse.Namespace) -> int:
    import anyio

    root = Path(args.path)
    if not root.is_dir():
        raise ConfigError(f"{root}: not a directory")
    spec = _read_spec(args.spec, args.request) if args.spec else None
    if args.json and args.format not in (None, "json"):
        raise ConfigError(f"--json and --format {args.format} disagree: use one of them")
    args.format = "json" if args.json else (args.format or "markdown")
    profiles: list[StackProfile] = []

    def draft(skills: SkillIds) -> Plan:  # its violations: the skill's rules and the tree's
        from backend_planner.planning import plan_workspace
        from backend_planner.workspace import analyze

        if not profiles:
            profiles.append(analyze(root))
        return plan_workspace(
            args.request,
            root,
            skills,
            service_path=args.service,
            change_spec=spec,
            profile=profiles[0],
        )

    if not args.push:
        plan = draft(local_skill_ids())
        _print_plan(plan, as_json=args.format == "json", fmt=args.format)
        if args.save:
            _save(plan, root, profiles[0], force=args.force)
        return 0 if not plan.violations else 2

    target = _target(args)

    async def plan_and_push() -> tuple[Plan | None, PushResult | None, BackendPlannerError | None]:
        from backend_planner.tasks.client import TaskBackendClient

        plan: Plan | None = None
        try:
            async with TaskBackendClient(target) as client:
                skills = await client.search_skill_ids()
                plan = draft(skills)
                return plan, await client.push_plan(plan, project_id=args.project), None
        except BackendPlannerError as exc:
            return plan, None, exc

    drafted, result, error = anyio.run(plan_and_push)
    # Without an answer to search_skills, plan with the bundled skills' ids (the same full_ids).
    plan = drafted or draft(local_skill_ids())
    if error is not None or result is None:
        _print_plan(plan, as_json=args.format == "json", fmt=args.format)
        if args.save:
            _save(plan, root, profiles[0], force=args.force)
        return _saved(plan, args, error)
    if args.save:
        _save(plan, root, profiles[0], force=args.force, pushed=result.model_dump(mode="json"))
    if args.format == "json":  # one JSON document: the plan and what was created
        data = {**plan.model_dump(mode="json"), "pushed": result.model_dump(mode="json")}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return 0
    _print_plan(plan, as_json=False, fmt=args.format)
    _print_pushed(plan, result, as_json=False)
    return 0


def _save(
    plan: Plan,
    root: Path,
    profile: StackProfile,
    *,
    force: bool,
    pushed: dict[str, Any] | None = None,
) -> None:
    """`--save`: write the plan to .backend-planner/plans/; a file edited by hand is
    overwritten only with --force or a yes on a terminal."""
    from backend_planner.planning.saved import HandEdited, save_plan

    extra: dict[str, Any] = {} if pushed is None else {"pushed": pushed}
    try:
        result = save_plan(root, plan, profile, force=force, **extra)
    except HandEdited as exc:
        if not (sys.stdin.isatty() and _confirm(f"{exc.message}. Overwrite? [y/N] ")):
            raise PlanError(f"{exc.message} (--force overwrites it)", exc.problems) from None
        result = save_plan(root, plan, profile, force=True, **extra)
    what = "saved" if result.written else "already saved (unchanged)"
    for path in (result.markdown, result.json):
        try:
            shown = path.relative_to(root)
        except ValueError:
            shown = path
        print(f"backend-planner: {what}: {shown}", file=sys.stderr)


def _confirm(question: str) -> bool:
    print(question, end="", file=sys.stderr, flush=True)
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run_push(args: argparse.Namespace) -> int:
    import anyio
    from pydantic import ValidationError

    from backend_planner.planning import Plan, validate_plan
    from backend_planner.tasks.client import push

    path = Path(args.plan_file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: can't read the plan ({exc})") from exc
    problems = validate_plan(data) if isinstance(data, dict) else []
    if problems or not isinstance(data, dict):
        raise PlanError(f"{path}: the plan breaks the planner skill's rules", problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise PlanError(
            f"{path}: not a plan ({exc.error_count()} problems): {exc.errors()[0]['msg']}"
        ) from exc
    result = anyio.run(lambda: push(plan, _target(args), project_id=args.project))
    _print_pushed(plan, result, as_json=args.json)
    return 0


def _print_plan(plan: Plan, *, as_json: bool, fmt: str = "markdown") -> None:
    from backend_planner.planning import render_markdown
    from backend_planner.planning.export import tasks_markdown

    if as_json:
        sys.stdout.write(plan_json(plan) + "\n")
    elif fmt == "tasks-md":
        sys.stdout.write(tasks_markdown(plan))
    else:
        sys.stdout.write(render_markdown(plan))
    sys.stdout.flush()


def plan_json(plan: Plan) -> str:
    data = plan.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False)


def _print_pushed(plan: Plan, result: PushResult, *, as_json: bool) -> None:
    from backend_planner.planning import render_tree

    if as_json:
        sys.stdout.write(json.dumps({"pushed": result.model_dump(mode="json")}, indent=2) + "\n")
        return
    count = sum(1 + len(t.subtasks) for t in result.tasks)
    sys.stdout.write(
        f"\n## Pushed to {result.backend}\n\n{count} tasks confirmed (read back); "
        f"idempotency key {result.idempotency_key}\n\n```\n"
        + render_tree(plan, result.ids(), result.statuses())
        + "```\n"
    )


def _saved(plan: Plan, args: argparse.Namespace, error: BackendPlannerError | None) -> int:
    from backend_planner.paths import data_dir

    directory = data_dir() / "plans"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"plan-{plan.fingerprint()[:16]}.json"
    path.write_text(plan_json(plan) + "\n", encoding="utf-8")
    again = ["backend-planner", "push", str(path)]
    if args.backend:
        again += ["--backend", args.backend]
    if args.backend_cmd:
        again += ["--backend-cmd", args.backend_cmd]
    if args.project:
        again += ["--project", args.project]
    reason = error.details() if error is not None else "no answer"
    print(f"backend-planner: push failed: {reason}", file=sys.stderr)
    print(f"backend-planner: plan saved to {path}", file=sys.stderr)
    print(f"backend-planner: push it later with: {shlex.join(again)}", file=sys.stderr)
    return 2
