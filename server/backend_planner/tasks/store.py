"""The task store: every operation of the contract, one database transaction each.

`TaskStore` works the same on SQLite and PostgreSQL (SQLAlchemy Core). Each public method runs
in one transaction, so a batch is written completely or not at all, even if the process is
killed mid-way. `claim_next_task` is safe with several processes on one database: PostgreSQL
locks the chosen row with `FOR UPDATE SKIP LOCKED`; SQLite transactions start with
`BEGIN IMMEDIATE` (see `db.py`).

Usage (no MCP needed)::

    store = TaskStore.open("sqlite:///tasks.db", SkillRegistry.load())
    created = store.create_batch([{...}, {...}])
    task = store.claim_next_task(worker="me")
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import DBAPIError, OperationalError

from backend_planner.errors import (
    BackendUnavailable,
    Conflict,
    NotFound,
    Problem,
    ValidationFailed,
)
from backend_planner.tasks import db, scheduler
from backend_planner.tasks.models import (
    MAX_ID_CHARS,
    MAX_PAGE,
    TASK_STATUSES,
    BatchResult,
    CreatedTask,
    SubtaskSummary,
    TaskPage,
    TaskView,
    ValidationCriteria,
)
from backend_planner.tasks.validation import (
    BatchRef,
    SkillCatalog,
    TaskRef,
    check_context,
    check_project_id,
    check_result,
    validate_batch,
    validate_single_task,
    validate_subtask,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

metadata = sa.MetaData()
tasks_t = sa.Table(
    "tasks",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(64)),
    sa.Column("sort_key", sa.BigInteger),
    sa.Column("batch_id", sa.String(64)),
    sa.Column("project_id", sa.String(200)),
    sa.Column("context", sa.Text),
    sa.Column("parent_id", sa.String(64)),
    sa.Column("subtask_index", sa.Integer),
    sa.Column("task_order", sa.Integer),
    sa.Column("skill_id", sa.String(200)),
    sa.Column("task_name", sa.String(200)),
    sa.Column("description", sa.Text),
    sa.Column("inputs", sa.Text),
    sa.Column("validation_criteria", sa.Text),
    sa.Column("timeout_seconds", sa.Integer),
    sa.Column("max_retries", sa.Integer),
    sa.Column("attempts", sa.Integer),
    sa.Column("status", sa.String(16)),
    sa.Column("has_subtasks", sa.Boolean),
    sa.Column("subtasks_completed", sa.Boolean),
    sa.Column("result", sa.Text),
    sa.Column("worker", sa.String(200)),
    sa.Column("lease_expires_at", sa.Float),
    sa.Column("created_at", sa.Float),
    sa.Column("updated_at", sa.Float),
)
deps_t = sa.Table(
    "task_dependencies",
    metadata,
    sa.Column("task_id", sa.String(64)),
    sa.Column("depends_on", sa.String(64)),
    sa.Column("ord", sa.Integer),
)
idem_t = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("tool", sa.String(64)),
    sa.Column("payload_hash", sa.String(64)),
    sa.Column("response", sa.Text),
    sa.Column("created_at", sa.Float),
)

# PostgreSQL errors worth retrying the whole transaction for: deadlock, serialization failure.
_RETRY_SQLSTATES = frozenset({"40P01", "40001"})
_MAX_TX_ATTEMPTS = 5


def new_task_id() -> str:
    return str(uuid.uuid4())


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_hash(tool: str, payload: Any) -> str:
    canonical = json.dumps(
        [tool, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    """Pydantic models inside a payload → plain data (for hashing)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "seq":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "list_tasks refused (1 problem):",
            [Problem("cursor", "not a cursor returned by list_tasks (pass next_cursor unchanged)")],
        ) from None


class TaskStore:
    """Tasks with dependencies and sub-tasks, on one database."""

    def __init__(
        self,
        engine: Engine,
        skills: SkillCatalog,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.skills = skills
        self.clock = clock
        self._postgres = db.is_postgres(engine)
        self._ready_queries: dict[tuple[bool, bool], sa.Select[Any]] = {}

    @classmethod
    def open(
        cls,
        url: str | None,
        skills: SkillCatalog,
        *,
        clock: Callable[[], float] = time.time,
        migrate: bool = True,
    ) -> TaskStore:
        """Open the database at `url` (default: SQLite in the user data dir) and migrate it."""
        engine = db.open_engine(url)
        try:
            if migrate:
                db.upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            raise BackendUnavailable(
                f"task database {db.describe(url or db.default_url())} is unreachable: {exc.orig}"
            ) from exc
        return cls(engine, skills, clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ transactions

    def _run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction; retry on deadlock/serialization failure."""
        for attempt in range(1, _MAX_TX_ATTEMPTS + 1):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except DBAPIError as exc:
                sqlstate = getattr(exc.orig, "sqlstate", None)
                if sqlstate in _RETRY_SQLSTATES and attempt < _MAX_TX_ATTEMPTS:
                    log.info("transaction retried after %s (attempt %d)", sqlstate, attempt)
                    time.sleep(0.005 * attempt)
                    continue
                if isinstance(exc, OperationalError):
                    raise BackendUnavailable(f"task database error: {exc.orig}") from exc
                raise
        raise AssertionError("unreachable")

    def _lock(self, stmt: sa.Select[Any]) -> sa.Select[Any]:
        return stmt.with_for_update() if self._postgres else stmt

    def _existing(self, conn: Connection) -> Callable[[Collection[str]], Collection[str]]:
        def lookup(ids: Collection[str]) -> Collection[str]:
            ids = [i for i in ids if len(i) <= 64]
            if not ids:
                return set()
            rows = conn.execute(sa.select(tasks_t.c.id).where(tasks_t.c.id.in_(ids)))
            return {r[0] for r in rows}

        return lookup

    @contextmanager
    def _idempotent(
        self, conn: Connection, key: str | None, tool: str, payload: Any
    ) -> Iterator[list[str | None]]:
        """Yields a one-item list: the stored response when `key` was seen, else None.

        When the key is new, the caller fills the list with its response before leaving.
        """
        if key is None:
            yield [None]
            return
        if not key.strip() or len(key) > MAX_ID_CHARS:
            raise ValidationFailed(
                f"{tool} refused (1 problem):",
                [Problem("idempotency_key", f"must be 1..{MAX_ID_CHARS} characters, not blank")],
            )
        digest = payload_hash(tool, _jsonable(payload))
        insert = self._insert_ignore(
            idem_t,
            {"key": key, "tool": tool, "payload_hash": digest, "created_at": self.clock()},
        )
        inserted = conn.execute(insert.returning(idem_t.c.key)).first() is not None
        if not inserted:
            row = conn.execute(
                sa.select(idem_t.c.tool, idem_t.c.payload_hash, idem_t.c.response).where(
                    idem_t.c.key == key
                )
            ).one()
            if row.tool != tool or row.payload_hash != digest:
                raise Conflict(
                    f'idempotency_key "{key}" was already used with a different payload'
                    + (f" (by {row.tool})" if row.tool != tool else "")
                    + "; use a new key for a different request",
                    [Problem("idempotency_key", "already used with a different payload")],
                )
            yield [row.response]
            return
        holder: list[str | None] = [None]
        yield holder
        conn.execute(sa.update(idem_t).where(idem_t.c.key == key).values(response=holder[0]))

    def _insert_ignore(self, table: sa.Table, values: dict[str, Any]) -> Any:
        if self._postgres:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).values(values).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).values(values).on_conflict_do_nothing()

    # ------------------------------------------------------------------ creating

    def create_batch(
        self,
        tasks: Sequence[Any],
        *,
        project_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> BatchResult:
        """Create every task of the batch, or none (raises ValidationFailed with every problem)."""
        payload = {"tasks": tasks, "project_id": project_id, "context": context}

        def work(conn: Connection) -> BatchResult:
            with self._idempotent(conn, idempotency_key, "create_tasks_batch", payload) as memo:
                if memo[0] is not None:
                    return BatchResult.model_validate_json(memo[0])
                extra = check_project_id(project_id) + check_context(context)
                planned = validate_batch(
                    tasks, self.skills, self._existing(conn), extra_problems=extra
                )
                now = self.clock()
                batch_id = new_task_id()
                ids = [new_task_id() for _ in planned.tasks]
                rows: list[dict[str, Any]] = []
                dep_rows: list[dict[str, Any]] = []
                created = []
                for i, item in enumerate(planned.tasks):
                    spec = item.spec
                    rows.append(
                        self._row(
                            ids[i],
                            spec,
                            task_order=item.task_order,
                            project_id=project_id,
                            context=context,
                            batch_id=batch_id,
                            now=now,
                        )
                    )
                    dep_ids = [
                        ids[d.index] if isinstance(d, BatchRef) else d.task_id
                        for d in item.dependencies
                    ]
                    dep_rows.extend(
                        {"task_id": ids[i], "depends_on": dep, "ord": k}
                        for k, dep in enumerate(dep_ids)
                    )
                    created.append(
                        CreatedTask(
                            task_id=ids[i],
                            task_order=item.task_order,
                            task_name=spec.task_name,
                            skill_id=spec.skill_id,
                            status="pending",
                            dependencies=dep_ids,
                            unique_id=spec.unique_id,
                        )
                    )
                conn.execute(sa.insert(tasks_t), rows)
                conn.execute(
                    sa.update(tasks_t)
                    .where(tasks_t.c.batch_id == batch_id)
                    .values(sort_key=tasks_t.c.seq)
                )
                if dep_rows:
                    conn.execute(sa.insert(deps_t), dep_rows)
                result = BatchResult(tasks=created, project_id=project_id)
                memo[0] = result.model_dump_json()
                return result

        return self._run(work)

    def create_task(
        self,
        task: Any,
        *,
        project_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> TaskView:
        """Create one task (dependencies are existing task ids)."""
        payload = {"task": task, "project_id": project_id, "context": context}

        def work(conn: Connection) -> TaskView:
            with self._idempotent(conn, idempotency_key, "create_task", payload) as memo:
                if memo[0] is not None:
                    return TaskView.model_validate_json(memo[0])
                extra = check_project_id(project_id) + check_context(context)
                planned = validate_single_task(
                    task, self.skills, self._existing(conn), extra_problems=extra
                )
                now = self.clock()
                task_id = new_task_id()
                conn.execute(
                    sa.insert(tasks_t),
                    [
                        self._row(
                            task_id,
                            planned.spec,
                            task_order=planned.task_order,
                            project_id=project_id,
                            context=context,
                            now=now,
                        )
                    ],
                )
                conn.execute(
                    sa.update(tasks_t).where(tasks_t.c.id == task_id).values(sort_key=tasks_t.c.seq)
                )
                self._insert_deps(
                    conn,
                    task_id,
                    [d.task_id for d in planned.dependencies if isinstance(d, TaskRef)],
                )
                view = self._view(conn, task_id)
                memo[0] = view.model_dump_json()
                return view

        return self._run(work)

    def create_subtask(
        self, parent_task_id: str, subtask: Any, *, position: int | None = None
    ) -> TaskView:
        """Add a sub-task to a parent (appended, or inserted at 1-based `position`)."""

        def work(conn: Connection) -> TaskView:
            problems: list[Problem] = []
            parent = (
                conn.execute(self._lock(sa.select(tasks_t).where(tasks_t.c.id == parent_task_id)))
                .mappings()
                .first()
            )
            siblings: list[RowMapping] = []
            if parent is None:
                problems.append(Problem("parent_task_id", f'no task with id "{parent_task_id}"'))
            elif parent["parent_id"] is not None:
                problems.append(
                    Problem(
                        "parent_task_id",
                        f'task "{parent_task_id}" is itself a sub-task (of '
                        f'"{parent["parent_id"]}");'
                        " sub-tasks cannot have sub-tasks — add it to that parent instead",
                    )
                )
            elif parent["status"] not in ("pending", "in_progress"):
                problems.append(
                    Problem(
                        "parent_task_id",
                        f'task "{parent_task_id}" is {parent["status"]}; sub-tasks can only '
                        f"be added "
                        "to a pending or in-progress task",
                    )
                )
            else:
                siblings = list(
                    conn.execute(
                        sa.select(tasks_t.c.id, tasks_t.c.subtask_index, tasks_t.c.status)
                        .where(tasks_t.c.parent_id == parent_task_id)
                        .order_by(tasks_t.c.subtask_index)
                    ).mappings()
                )
                count = len(siblings)
                if position is not None:
                    if not 1 <= position <= count + 1:
                        problems.append(
                            Problem(
                                "position",
                                f"{position} is out of range: the parent has {count} sub-task(s), "
                                f"so position must be 1..{count + 1} (or omitted to append)",
                            )
                        )
                    elif position <= count:
                        later = siblings[position - 1 :]
                        started = [s for s in later if s["status"] != "pending"]
                        if started:
                            s = started[-1]
                            problems.append(
                                Problem(
                                    "position",
                                    f"{position} would go before sub-task {s['subtask_index']} "
                                    f"which is already {s['status']}; insert after it "
                                    f"(position {s['subtask_index'] + 1} or later)",
                                )
                            )
            spec, dep_ids = validate_subtask(
                subtask,
                self.skills,
                self._existing(conn),
                parent_task_id=parent_task_id,
                extra_problems=problems,
            )
            assert parent is not None
            now = self.clock()
            index = position if position is not None else len(siblings) + 1
            if index <= len(siblings):
                conn.execute(
                    sa.update(tasks_t)
                    .where(tasks_t.c.parent_id == parent_task_id)
                    .where(tasks_t.c.subtask_index >= index)
                    .values(subtask_index=tasks_t.c.subtask_index + 1, updated_at=now)
                )
            task_id = new_task_id()
            row = self._row(
                task_id,
                spec,
                task_order=index,
                project_id=parent["project_id"],
                context=json.loads(parent["context"] or "{}"),
                now=now,
            )
            row.update(parent_id=parent_task_id, subtask_index=index, sort_key=parent["sort_key"])
            conn.execute(sa.insert(tasks_t), [row])
            self._insert_deps(conn, task_id, dep_ids)
            parent_values: dict[str, Any] = {
                "has_subtasks": True,
                "subtasks_completed": False,
                "updated_at": now,
            }
            if parent["status"] == "in_progress":
                # A task that turns out to need sub-tasks becomes their container.
                parent_values.update(worker=None, lease_expires_at=None)
            conn.execute(
                sa.update(tasks_t).where(tasks_t.c.id == parent_task_id).values(**parent_values)
            )
            return self._view(conn, task_id)

        return self._run(work)

    def _row(
        self,
        task_id: str,
        spec: Any,
        *,
        task_order: int,
        project_id: str | None,
        context: Mapping[str, Any] | None,
        now: float,
        batch_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "id": task_id,
            "batch_id": batch_id,
            "project_id": project_id,
            "context": _dumps(dict(context or {})),
            "parent_id": None,
            "subtask_index": None,
            "task_order": task_order,
            "skill_id": spec.skill_id,
            "task_name": spec.task_name,
            "description": spec.description,
            "inputs": _dumps(spec.inputs),
            "validation_criteria": spec.validation_criteria.model_dump_json(),
            "timeout_seconds": spec.timeout_seconds,
            "max_retries": spec.max_retries,
            "attempts": 0,
            "status": "pending",
            "has_subtasks": False,
            "subtasks_completed": False,
            "result": None,
            "worker": None,
            "lease_expires_at": None,
            "created_at": now,
            "updated_at": now,
        }

    def _insert_deps(self, conn: Connection, task_id: str, dep_ids: Sequence[str]) -> None:
        if dep_ids:
            conn.execute(
                sa.insert(deps_t),
                [{"task_id": task_id, "depends_on": d, "ord": k} for k, d in enumerate(dep_ids)],
            )

    # ------------------------------------------------------------------ reading

    def get_task(self, task_id: str) -> TaskView:
        return self._run(lambda conn: self._view(conn, task_id))

    def list_tasks(
        self,
        *,
        project_id: str | None = None,
        status: str | None = None,
        parent_task_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> TaskPage:
        problems: list[Problem] = []
        if status is not None and status not in TASK_STATUSES:
            problems.append(
                Problem("status", f"{status!r} is not one of {', '.join(TASK_STATUSES)}")
            )
        if not 1 <= limit <= MAX_PAGE:
            problems.append(Problem("limit", f"must be 1..{MAX_PAGE}, got {limit}"))
        after = decode_cursor(cursor) if cursor else None
        if problems:
            raise ValidationFailed("list_tasks refused:", problems)

        def work(conn: Connection) -> TaskPage:
            # Sub-tasks of one parent come in sub-task order, everything else in creation order.
            key = tasks_t.c.subtask_index if parent_task_id is not None else tasks_t.c.seq
            stmt = sa.select(tasks_t).order_by(key).limit(limit + 1)
            if project_id is not None:
                stmt = stmt.where(tasks_t.c.project_id == project_id)
            if status is not None:
                stmt = stmt.where(tasks_t.c.status == status)
            if parent_task_id is not None:
                stmt = stmt.where(tasks_t.c.parent_id == parent_task_id)
            if after is not None:
                stmt = stmt.where(key > after)
            rows = list(conn.execute(stmt).mappings())
            more = len(rows) > limit
            rows = rows[:limit]
            views = self._views(conn, rows)
            last = rows[-1]["subtask_index" if parent_task_id is not None else "seq"] if rows else 0
            next_cursor = encode_cursor(last) if more else None
            return TaskPage(tasks=views, next_cursor=next_cursor)

        return self._run(work)

    def tree(self, task_id: str) -> tuple[TaskView, list[TaskView]]:
        """A task and (if it is a parent) its sub-tasks, in order — for `tasks tree`."""

        def work(conn: Connection) -> tuple[TaskView, list[TaskView]]:
            root = self._view(conn, task_id)
            rows = list(
                conn.execute(
                    sa.select(tasks_t)
                    .where(tasks_t.c.parent_id == task_id)
                    .order_by(tasks_t.c.subtask_index)
                ).mappings()
            )
            return root, self._views(conn, rows)

        return self._run(work)

    def _view(self, conn: Connection, task_id: str) -> TaskView:
        row = conn.execute(sa.select(tasks_t).where(tasks_t.c.id == task_id)).mappings().first()
        if row is None:
            raise NotFound(f'no task with id "{task_id}"', [Problem("task_id", "unknown task")])
        return self._views(conn, [row])[0]

    def _views(self, conn: Connection, rows: Sequence[RowMapping]) -> list[TaskView]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        parent_ids = {r["parent_id"] for r in rows if r["parent_id"]}
        # Dependencies of the rows and of their parents (a parent's gate its sub-tasks).
        deps: dict[str, list[tuple[str, str]]] = {i: [] for i in [*ids, *parent_ids]}
        for d in conn.execute(
            sa.select(deps_t.c.task_id, deps_t.c.depends_on, tasks_t.c.status)
            .join(tasks_t, tasks_t.c.id == deps_t.c.depends_on)
            .where(deps_t.c.task_id.in_(deps.keys()))
            .order_by(deps_t.c.task_id, deps_t.c.ord)
        ):
            deps[d.task_id].append((d.depends_on, d.status))
        # Sub-tasks of the parents in `rows`, and siblings of the sub-tasks in `rows`.
        family_ids = set(ids) | {r["parent_id"] for r in rows if r["parent_id"]}
        family = list(
            conn.execute(
                sa.select(
                    tasks_t.c.id,
                    tasks_t.c.parent_id,
                    tasks_t.c.subtask_index,
                    tasks_t.c.task_name,
                    tasks_t.c.skill_id,
                    tasks_t.c.status,
                    tasks_t.c.has_subtasks,
                )
                .where(tasks_t.c.parent_id.in_(family_ids))
                .order_by(tasks_t.c.parent_id, tasks_t.c.subtask_index)
            ).mappings()
        )
        children: dict[str, list[RowMapping]] = {}
        for f in family:
            children.setdefault(f["parent_id"], []).append(f)
        parent_status = {
            p.id: p.status
            for p in conn.execute(
                sa.select(tasks_t.c.id, tasks_t.c.status).where(tasks_t.c.id.in_(parent_ids))
            )
        }
        # Dependencies of sub-tasks listed inside a parent (for their `ready` flag).
        child_ids = [f["id"] for f in family]
        child_deps: dict[str, list[str]] = {}
        if child_ids:
            for child in conn.execute(
                sa.select(deps_t.c.task_id, tasks_t.c.status)
                .join(tasks_t, tasks_t.c.id == deps_t.c.depends_on)
                .where(deps_t.c.task_id.in_(child_ids))
            ):
                child_deps.setdefault(child.task_id, []).append(child.status)

        views = []
        for r in rows:
            siblings = children.get(r["parent_id"], []) if r["parent_id"] else []
            earlier = [s["status"] for s in siblings if s["subtask_index"] < r["subtask_index"]]
            kids = children.get(r["id"], [])
            summaries = []
            for k in kids:
                before = [s["status"] for s in kids if s["subtask_index"] < k["subtask_index"]]
                summaries.append(
                    SubtaskSummary(
                        task_id=k["id"],
                        subtask_index=k["subtask_index"],
                        task_name=k["task_name"],
                        skill_id=k["skill_id"],
                        status=k["status"],
                        ready=scheduler.is_ready(
                            status=k["status"],
                            has_subtasks=False,
                            dependency_statuses=[
                                *child_deps.get(k["id"], []),
                                *(st for _, st in deps[r["id"]]),
                            ],
                            earlier_sibling_statuses=before,
                            parent_status=r["status"],
                        ),
                    )
                )
            views.append(
                TaskView(
                    task_id=r["id"],
                    project_id=r["project_id"],
                    context=json.loads(r["context"] or "{}"),
                    parent_task_id=r["parent_id"],
                    subtask_index=r["subtask_index"],
                    task_order=r["task_order"],
                    skill_id=r["skill_id"],
                    task_name=r["task_name"],
                    description=r["description"],
                    inputs=json.loads(r["inputs"] or "{}"),
                    validation_criteria=ValidationCriteria.model_validate_json(
                        r["validation_criteria"] or "{}"
                    ),
                    timeout_seconds=r["timeout_seconds"],
                    max_retries=r["max_retries"],
                    attempts=r["attempts"],
                    status=r["status"],
                    ready=scheduler.is_ready(
                        status=r["status"],
                        has_subtasks=bool(r["has_subtasks"]),
                        dependency_statuses=[
                            st for _, st in [*deps[r["id"]], *deps.get(r["parent_id"], [])]
                        ],
                        earlier_sibling_statuses=earlier,
                        parent_status=parent_status.get(r["parent_id"]) if r["parent_id"] else None,
                    ),
                    dependencies=[d for d, _ in deps[r["id"]]],
                    subtasks=summaries,
                    has_subtasks=bool(r["has_subtasks"]),
                    subtasks_completed=bool(r["subtasks_completed"]),
                    result=json.loads(r["result"]) if r["result"] is not None else None,
                    worker=r["worker"],
                    lease_expires_at=_iso(r["lease_expires_at"]),
                    created_at=_iso(r["created_at"]) or "",
                    updated_at=_iso(r["updated_at"]) or "",
                )
            )
        return views

    # ------------------------------------------------------------------ status and leases

    def update_task_status(self, task_id: str, status: str, result: Any = None) -> TaskView:
        """Move a task along pending → in_progress → completed | failed | cancelled; the
        same status with a `result` keeps the result as a note (unless the status is final)."""
        problems: list[Problem] = []
        if status not in TASK_STATUSES:
            problems.append(
                Problem("status", f"{status!r} is not one of {', '.join(TASK_STATUSES)}")
            )
        problems.extend(check_result(result))
        if problems:
            raise ValidationFailed("update_task_status refused:", problems)

        def work(conn: Connection) -> TaskView:
            now = self.clock()
            self._expire(conn, now)
            row = (
                conn.execute(self._lock(sa.select(tasks_t).where(tasks_t.c.id == task_id)))
                .mappings()
                .first()
            )
            if row is None:
                raise NotFound(f'no task with id "{task_id}"', [Problem("task_id", "unknown task")])
            if status == row["status"] and result is not None and not scheduler.is_final(status):
                # A note: the result is kept, the status stays (evidence never moves a task).
                conn.execute(
                    sa.update(tasks_t)
                    .where(tasks_t.c.id == task_id)
                    .values(result=_dumps(result), updated_at=now)
                )
                return self._view(conn, task_id)
            scheduler.check_transition(
                task_id, row["status"], status, has_subtasks=bool(row["has_subtasks"])
            )
            values: dict[str, Any] = {"status": status, "updated_at": now}
            if result is not None:
                values["result"] = _dumps(result)
            if status == "in_progress":
                view = self._views(conn, [row])[0]
                if not view.ready:
                    raise Conflict(
                        f"task {task_id} is not ready: {self._why_not_ready(conn, view)}",
                        [Problem("status", "the task is not ready to start")],
                    )
                values.update(
                    attempts=row["attempts"] + 1,
                    lease_expires_at=now + row["timeout_seconds"],
                )
            else:
                values.update(worker=None, lease_expires_at=None)
            if row["status"] == "failed" and status == "pending":
                values["attempts"] = 0
            conn.execute(sa.update(tasks_t).where(tasks_t.c.id == task_id).values(**values))
            if status == "cancelled" and row["has_subtasks"]:
                conn.execute(
                    sa.update(tasks_t)
                    .where(tasks_t.c.parent_id == task_id)
                    .where(tasks_t.c.status.in_(("pending", "in_progress", "failed")))
                    .values(status="cancelled", worker=None, lease_expires_at=None, updated_at=now)
                )
            if row["parent_id"]:
                self._refresh_parent(conn, row["parent_id"], now)
            return self._view(conn, task_id)

        return self._run(work)

    def _why_not_ready(self, conn: Connection, view: TaskView) -> str:
        """Name what a task waits for: dependencies, the sub-task before it, its parent."""
        if view.status != "pending":
            return f"it is {view.status}"
        if view.has_subtasks:
            return "it has sub-tasks; they are claimed instead"
        waits = []
        if view.dependencies:
            rows = conn.execute(
                sa.select(tasks_t.c.id, tasks_t.c.status).where(tasks_t.c.id.in_(view.dependencies))
            )
            waits += [f"dependency {r.id} is {r.status}" for r in rows if r.status != "completed"]
        if view.parent_task_id:
            parent = self._views(
                conn,
                list(
                    conn.execute(
                        sa.select(tasks_t).where(tasks_t.c.id == view.parent_task_id)
                    ).mappings()
                ),
            )[0]
            waits += [
                f"sub-task {s.subtask_index} ({s.task_id}) is {s.status}"
                for s in parent.subtasks
                if (s.subtask_index < (view.subtask_index or 0)) and s.status != "completed"
            ]
            if parent.dependencies:
                rows = conn.execute(
                    sa.select(tasks_t.c.id, tasks_t.c.status).where(
                        tasks_t.c.id.in_(parent.dependencies)
                    )
                )
                waits += [
                    f"its parent's dependency {r.id} is {r.status}"
                    for r in rows
                    if r.status != "completed"
                ]
            if parent.status not in scheduler.ACTIVE_PARENT_STATUSES:
                waits.append(f"its parent {parent.task_id} is {parent.status}")
        return "; ".join(waits) or "it waits for other tasks"

    def claim_next_task(
        self,
        *,
        project_id: str | None = None,
        skill_id: str | None = None,
        worker: str | None = None,
    ) -> TaskView | None:
        """Lease the first ready task (task_order / sub-task order) to `worker`, or None."""
        if worker is not None and len(worker) > MAX_ID_CHARS:
            raise ValidationFailed(
                "claim_next_task refused:",
                [Problem("worker", f"at most {MAX_ID_CHARS} characters")],
            )

        def work(conn: Connection) -> TaskView | None:
            now = self.clock()
            self._expire(conn, now)
            stmt = self._ready_query(project_id is not None, skill_id is not None)
            params = {"project_id": project_id, "skill_id": skill_id}
            row = conn.execute(stmt, params).mappings().first()
            if row is None:
                return None
            updated = conn.execute(
                sa.update(tasks_t)
                .where(tasks_t.c.id == row["id"])
                .where(tasks_t.c.status == "pending")
                .values(
                    status="in_progress",
                    worker=worker,
                    attempts=tasks_t.c.attempts + 1,
                    lease_expires_at=now + row["timeout_seconds"],
                    updated_at=now,
                )
            ).rowcount
            if updated != 1:  # pragma: no cover - guarded by the row lock / BEGIN IMMEDIATE
                raise Conflict("task was claimed concurrently; try again")
            if row["parent_id"]:
                self._refresh_parent(conn, row["parent_id"], now)
            return self._view(conn, row["id"])

        return self._run(work)

    def _ready_query(self, by_project: bool, by_skill: bool) -> sa.Select[Any]:
        """The claim query (built once per filter combination; building it costs milliseconds)."""
        key = (by_project, by_skill)
        if key not in self._ready_queries:
            self._ready_queries[key] = self._build_ready_query(by_project, by_skill)
        return self._ready_queries[key]

    def _build_ready_query(self, by_project: bool, by_skill: bool) -> sa.Select[Any]:
        t = tasks_t.alias("t")
        p = tasks_t.alias("p")
        dep_target = tasks_t.alias("dt")
        sib = tasks_t.alias("s")
        blocked_by_dependency = (
            sa.select(sa.literal(1))
            .select_from(deps_t.join(dep_target, dep_target.c.id == deps_t.c.depends_on))
            .where(deps_t.c.task_id == t.c.id)
            .where(dep_target.c.status != "completed")
            .exists()
        )
        parent_dep = deps_t.alias("pd")
        parent_dep_target = tasks_t.alias("pdt")
        blocked_by_parent_dependency = (
            sa.select(sa.literal(1))
            .select_from(
                parent_dep.join(
                    parent_dep_target, parent_dep_target.c.id == parent_dep.c.depends_on
                )
            )
            .where(parent_dep.c.task_id == t.c.parent_id)
            .where(parent_dep_target.c.status != "completed")
            .exists()
        )
        blocked_by_sibling = (
            sa.select(sa.literal(1))
            .where(sib.c.parent_id == t.c.parent_id)
            .where(sib.c.subtask_index < t.c.subtask_index)
            .where(sib.c.status != "completed")
            .exists()
        )
        stmt = (
            sa.select(t.c.id, t.c.parent_id, t.c.timeout_seconds)
            .select_from(t.outerjoin(p, p.c.id == t.c.parent_id))
            .where(t.c.status == "pending")
            .where(t.c.has_subtasks == sa.false())
            .where(~blocked_by_dependency)
            .where(sa.or_(t.c.parent_id.is_(None), ~blocked_by_sibling))
            .where(sa.or_(t.c.parent_id.is_(None), ~blocked_by_parent_dependency))
            .where(sa.or_(p.c.id.is_(None), p.c.status.in_(scheduler.ACTIVE_PARENT_STATUSES)))
            .order_by(t.c.sort_key, t.c.subtask_index)
            .limit(1)
        )
        if by_project:
            stmt = stmt.where(t.c.project_id == sa.bindparam("project_id"))
        if by_skill:
            stmt = stmt.where(t.c.skill_id == sa.bindparam("skill_id"))
        if self._postgres:
            stmt = stmt.with_for_update(of=t, skip_locked=True)
        return stmt

    def expire_leases(self) -> int:
        """Return tasks whose lease ran out to pending (or failed); how many were expired."""
        return self._run(lambda conn: self._expire(conn, self.clock()))

    def _expire(self, conn: Connection, now: float) -> int:
        stmt = (
            sa.select(tasks_t.c.id, tasks_t.c.parent_id, tasks_t.c.attempts, tasks_t.c.max_retries)
            .where(tasks_t.c.status == "in_progress")
            .where(tasks_t.c.lease_expires_at < now)
        )
        if self._postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        expired = list(conn.execute(stmt).mappings())
        parents: set[str] = set()
        for row in expired:
            outcome = scheduler.lease_outcome(row["attempts"], row["max_retries"])
            values: dict[str, Any] = {
                "status": outcome,
                "worker": None,
                "lease_expires_at": None,
                "updated_at": now,
            }
            if outcome == "failed":
                values["result"] = _dumps(
                    {"error": f"lease expired {row['attempts']} time(s); no retries left"}
                )
            conn.execute(sa.update(tasks_t).where(tasks_t.c.id == row["id"]).values(**values))
            if row["parent_id"]:
                parents.add(row["parent_id"])
        for parent_id in sorted(parents):
            self._refresh_parent(conn, parent_id, now)
        if expired:
            log.info("expired %d lease(s)", len(expired))
        return len(expired)

    def _refresh_parent(self, conn: Connection, parent_id: str, now: float) -> None:
        parent = conn.execute(
            self._lock(
                sa.select(tasks_t.c.status, tasks_t.c.subtasks_completed).where(
                    tasks_t.c.id == parent_id
                )
            )
        ).first()
        if parent is None:
            return
        statuses = [
            r[0]
            for r in conn.execute(
                sa.select(tasks_t.c.status).where(tasks_t.c.parent_id == parent_id)
            )
        ]
        status = scheduler.container_status(parent.status, statuses)
        done = bool(statuses) and all(s == "completed" for s in statuses)
        if status != parent.status or done != bool(parent.subtasks_completed):
            conn.execute(
                sa.update(tasks_t)
                .where(tasks_t.c.id == parent_id)
                .values(status=status, subtasks_completed=done, updated_at=now)
            )
