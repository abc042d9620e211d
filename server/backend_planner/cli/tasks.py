"""`backend-planner tasks serve|tree|skills`: the MCP task backend and small inspection verbs."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from backend_planner.errors import BackendPlannerError, ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("tasks", help="the MCP task backend")
    verbs = parser.add_subparsers(dest="tasks_command", metavar="TASKS_COMMAND")

    serve = verbs.add_parser(
        "serve",
        help="run the MCP task backend (stdio by default)",
        description="Run the MCP task backend. stdio by default; --http for streamable HTTP.",
    )
    serve.add_argument(
        "--http",
        metavar="HOST:PORT",
        help="serve streamable HTTP at http://HOST:PORT/mcp (use 127.0.0.1; other addresses "
        "need --token)",
    )
    _add_db(serve)
    serve.add_argument(
        "--token",
        default=None,
        help="bearer token HTTP clients must send (default: $BACKEND_PLANNER_TOKEN)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="also accept this browser Origin (loopback origins are always accepted)",
    )
    _add_skills(serve)
    serve.set_defaults(handler=run_serve)

    tree = verbs.add_parser("tree", help="print a task and its sub-tasks with statuses")
    tree.add_argument("task_id", metavar="ID")
    _add_db(tree)
    tree.add_argument("--json", action="store_true", help="print JSON instead of a tree")
    tree.set_defaults(handler=run_tree)

    skills = verbs.add_parser("skills", help="search the skills registry")
    skills.add_argument("query", nargs="?", default=None)
    skills.add_argument("--category")
    skills.add_argument("--tag")
    skills.add_argument("--limit", type=int, default=10)
    _add_skills(skills)
    skills.set_defaults(handler=run_skills)

    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("BACKEND_PLANNER_DB"),
        metavar="URL",
        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
        "(default: $BACKEND_PLANNER_DB, else a SQLite file in the user data dir)",
    )


def _add_skills(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--skills-dir",
        action="append",
        default=[],
        metavar="[OWNER/REPO=]DIR",
        help="more skill folders (each with SKILL.md); repeatable; "
        "also $BACKEND_PLANNER_SKILLS_DIRS",
    )


def _skill_sources(args: argparse.Namespace) -> tuple[Any, ...]:
    from backend_planner.tasks.skills import SkillSource

    specs = list(args.skills_dir)
    env = os.environ.get("BACKEND_PLANNER_SKILLS_DIRS")
    if env:
        specs = [s for s in env.split(os.pathsep) if s] + specs
    return tuple(SkillSource.parse(s) for s in specs)


def run_serve(args: argparse.Namespace) -> int:
    from backend_planner.tasks import http
    from backend_planner.tasks.server import ServerConfig, build_server

    config = ServerConfig(db_url=args.db, skill_sources=_skill_sources(args))
    server = build_server(config)
    if args.http is None:
        if args.token:
            raise ConfigError("--token only applies to --http")
        try:
            server.run()
        except Exception as exc:
            # The lifespan's errors (e.g. an unreachable database) arrive in exception groups.
            found = _domain_error(exc)
            if found is None:
                raise
            raise found from None
        return 0
    host, port = http.parse_bind(args.http)
    token = args.token or os.environ.get(http.TOKEN_ENV) or None
    security = http.HttpSecurity(token=token, allowed_origins=tuple(args.allow_origin))
    http.build_app(server, host, security)  # type: ignore[arg-type]  # refuses unsafe binds early
    _check_database(config)
    http.serve(server, host, port, security)  # type: ignore[arg-type]
    return 0


def _check_database(config: Any) -> None:
    """Open (and migrate) the store once before serving HTTP.

    uvicorn reports a failing lifespan as a traceback; this turns an unreachable or invalid
    database into one clear line and exit code 2, like the stdio transport.
    """
    from backend_planner.tasks.skills import SkillRegistry
    from backend_planner.tasks.store import TaskStore

    TaskStore.open(config.db_url, SkillRegistry([])).close()


def _domain_error(exc: BaseException) -> BackendPlannerError | None:
    if isinstance(exc, BackendPlannerError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _domain_error(inner)
        if found is not None:
            return found
    return None


def run_tree(args: argparse.Namespace) -> int:
    from backend_planner.tasks.skills import SkillRegistry
    from backend_planner.tasks.store import TaskStore
    from backend_planner.tasks.tree import render_text

    store = TaskStore.open(args.db, SkillRegistry([]))
    try:
        root, subtasks = store.tree(args.task_id)
    finally:
        store.close()
    if args.json:
        data = {
            "task": root.model_dump(mode="json"),
            "subtasks": [s.model_dump(mode="json") for s in subtasks],
        }
        print(json.dumps(data, indent=2))
    else:
        print(render_text(root, subtasks))
    return 0


def run_skills(args: argparse.Namespace) -> int:
    from backend_planner.tasks.skills import SkillRegistry

    registry = SkillRegistry.load(_skill_sources(args))
    found = registry.search(
        category=args.category, tag=args.tag, query=args.query, limit=args.limit
    )
    for skill in found:
        tags = ", ".join(skill.tags)
        print(f"{skill.full_id}  [{skill.category or '-'}] {tags}\n    {skill.description}")
    if not found:
        print("no skill matches", file=sys.stderr)
        return 1
    return 0
