"""Plans saved in the repository: `.backend-planner/plans/<slug>.md` and `<slug>.json`.

The markdown is for people (the plan, then the anchors it relies on); the JSON is what the
editor and the CLI read back: the plan, its anchors, the TODO it came from, the git commit and
the fingerprint of the code-map facts it relies on, the pushed task ids once pushed, and a hash
of each file as written — so a file edited by hand is never overwritten without asking
(`HandEdited`).

The slug comes from the request (lower-case words joined by `-`, at most 48 characters) and is
made unique with `-2`, `-3` …; saving the same plan again (same request from the same place, or
the slug given by a `TODO(plan:<slug>)` link) reuses its files. Files are deterministic: the same
commit and request give byte-identical files, and unchanged bytes are not written again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend_planner.errors import PlanError, Problem
from backend_planner.planning.anchors import Anchors, anchors_of, git_commit
from backend_planner.planning.model import Plan
from backend_planner.workspace.profile import StackProfile

log = logging.getLogger(__name__)

PLANS_DIR = ".backend-planner/plans"
FORMAT = "backend-planner/saved-plan@1"
SLUG_WORDS = 48
_UNSET: Any = object()


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TodoLink(_Model):
    """The TODO comment a plan was made from."""

    path: str = Field(description="Workspace-relative file of the TODO.")
    line: int = Field(description="0-based line of the TODO when saved.")
    text: str = Field(description="The TODO's request text when saved.")


class SavedPlan(_Model):
    format: str = FORMAT
    slug: str
    request: str
    todo: TodoLink | None = None
    commit: str | None = None
    facts: str = Field(description="Fingerprint of the code-map facts the plan relies on.")
    anchors: Anchors
    plan: Plan
    pushed: dict[str, Any] | None = Field(
        default=None, description="The push result (task ids) once pushed."
    )
    markdown_sha256: str = Field(default="", description="sha256 of the .md as written.")
    content_sha256: str = Field(
        default="", description="sha256 of this JSON's content (canonical) as written."
    )

    def content_hash(self) -> str:
        data = self.model_dump(mode="json", exclude={"markdown_sha256", "content_sha256"})
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def task_ids(self) -> dict[str, str]:
        """Task number → task id of the pushed tasks (empty when not pushed)."""
        out: dict[str, str] = {}
        tasks = (self.pushed or {}).get("tasks")
        for task in tasks if isinstance(tasks, list) else []:
            if isinstance(task, dict) and task.get("number") and task.get("task_id"):
                out[str(task["number"])] = str(task["task_id"])
                for sub in task.get("subtasks") or []:
                    if isinstance(sub, dict) and sub.get("number") and sub.get("task_id"):
                        out[str(sub["number"])] = str(sub["task_id"])
        return out


class HandEdited(PlanError):
    """A saved plan's file was edited by hand: saving again needs `force=True` (ask first)."""

    def __init__(self, slug: str, files: list[str]) -> None:
        self.slug = slug
        self.files = files
        super().__init__(
            f"saved plan {slug!r} was edited by hand ({', '.join(files)}); overwrite it only "
            "if the edits may go",
            [Problem(f, "edited by hand since it was saved") for f in files],
        )


@dataclass(frozen=True)
class SaveResult:
    saved: SavedPlan
    markdown: Path
    json: Path
    written: bool  # False when the files already held these bytes

    @property
    def slug(self) -> str:
        return self.saved.slug


# ----------------------------------------------------------------------------- names


def slugify(request: str, limit: int = SLUG_WORDS) -> str:
    """`Add bookmarks for articles!` → `add-bookmarks-for-articles` (whole words only)."""
    slug = ""
    for word in re.findall(r"[a-z0-9]+", request.lower()):
        if slug and len(slug) + 1 + len(word) > limit:
            break
        slug = f"{slug}-{word}" if slug else word[:limit]
    return slug or "plan"


SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def plans_dir(root: Path) -> Path:
    return Path(root) / PLANS_DIR


def paths(root: Path, slug: str) -> tuple[Path, Path]:
    """(markdown, json) of a slug."""
    if not SLUG.match(slug):
        raise PlanError(f"not a plan slug: {slug!r} (lower-case words joined by -)")
    folder = plans_dir(root)
    return folder / f"{slug}.md", folder / f"{slug}.json"


# ----------------------------------------------------------------------------- reading


def read_saved(path: Path) -> SavedPlan | None:
    """A saved plan's JSON file, or None (logged) when it can't be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SavedPlan.model_validate(data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, ValidationError) as exc:
        log.warning("can't read the saved plan %s: %s", path, exc)
        return None


def load_saved(root: Path, slug: str) -> SavedPlan | None:
    return read_saved(paths(root, slug)[1])


def list_saved(root: Path) -> list[SavedPlan]:
    """Every saved plan of the workspace, by slug."""
    folder = plans_dir(root)
    try:
        names = sorted(p.name for p in folder.iterdir() if p.suffix == ".json")
    except OSError:
        return []
    found = [read_saved(folder / name) for name in names]
    return [s for s in found if s is not None]


def find_saved(
    saved: list[SavedPlan],
    *,
    slug: str | None = None,
    task_id: str | None = None,
    request: str | None = None,
    todo_path: str | None = None,
) -> SavedPlan | None:
    """The saved plan a TODO links to (`plan:<slug>`, `task:<id>`) or was saved from."""
    if slug:
        return next((s for s in saved if s.slug == slug), None)
    if task_id:
        return next((s for s in saved if task_id in s.task_ids().values()), None)
    if request is not None:
        for s in saved:
            if s.request == request and (s.todo.path if s.todo else None) == todo_path:
                return s
    return None


def edited(root: Path, saved: SavedPlan) -> list[str]:
    """The files of a saved plan that changed since they were written (repo-relative)."""
    markdown, _ = paths(root, saved.slug)
    out = []
    if saved.content_sha256 and saved.content_hash() != saved.content_sha256:
        out.append(f"{PLANS_DIR}/{saved.slug}.json")
    try:
        text = markdown.read_bytes()
    except OSError:
        text = None  # deleted: nothing to lose
    if text is not None and hashlib.sha256(text).hexdigest() != saved.markdown_sha256:
        out.append(f"{PLANS_DIR}/{saved.slug}.md")
    return out


# ----------------------------------------------------------------------------- writing


def render_markdown(saved: SavedPlan) -> str:
    """The saved plan for people: the plan, stamped, then the anchors drift is checked on."""
    from backend_planner.planning.render import render_markdown as plan_markdown

    body = plan_markdown(saved.plan).rstrip("\n").split("\n")
    stamp = [f"Saved plan `{saved.slug}`"]
    if saved.commit:
        stamp.append(f"commit `{saved.commit[:12]}`")
    stamp.append(f"code-map facts `{saved.facts[:12]}`")
    if saved.todo:
        stamp.append(f"from the TODO in `{saved.todo.path}` line {saved.todo.line + 1}")
    if saved.pushed:
        ids = saved.task_ids()
        if "1" in ids:
            stamp.append(f"pushed as task `{ids['1']}`")
    head = [
        body[0],
        "",
        "<!-- Written by backend-planner; the .json next to it is what the tools read. "
        "A hand-edited file is never overwritten without asking. -->",
        "",
        " · ".join(stamp) + ".",
    ]
    return "\n".join([*head, *body[1:], "", *anchors_markdown(saved.anchors)]).rstrip() + "\n"


def anchors_markdown(anchors: Anchors) -> list[str]:
    """The `## Anchors` section: what the plan relies on, one line per anchor."""
    out = ["## Anchors", ""]
    out.append(
        "What this plan relies on; a change to one of them is reported as drift "
        "(a diagnostic on the TODO and here)."
    )
    out.append("")
    for f in anchors.files:
        what = f"; holds {', '.join(f.symbols[:4])}" if f.symbols else ""
        out.append(
            f"- {'modifies' if f.role == 'modify' else 'investigates'} `{f.path}` ({f.part}{what})"
        )
    for c in anchors.creates:
        out.append(f"- creates `{c.path}`" + (" (existed already)" if c.existed else ""))
    for e in anchors.endpoints:
        where = f" — `{e.handler_file}:{e.handler_line}`" if e.handler_file else ""
        out.append(f"- {e.role} endpoint `{e.label}`{where}")
    for entity in anchors.entities:
        names = ", ".join(f.partition(":")[0] for f in entity.fields)
        verb = "modifies" if entity.role == "modifies" else "builds on"
        out.append(f"- {verb} entity `{entity.label}` ({names})")
    if anchors.registration:
        routes = ", ".join(f"`{r}`" for r in anchors.registration.routes[:4])
        out.append(f"- registers new endpoints in `{anchors.registration.file}` next to {routes}")
    return out


def render_json(saved: SavedPlan) -> str:
    return json.dumps(saved.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _write(path: Path, text: str) -> bool:
    data = text.encode()
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _identity(saved: SavedPlan) -> tuple[str, str | None]:
    return saved.request, saved.todo.path if saved.todo else None


def choose_slug(
    root: Path, request: str, todo: TodoLink | None, existing: list[SavedPlan] | None = None
) -> str:
    """The slug of this request saved from this place: the one it was saved under before
    (adopting one saved from the CLI when a TODO saves it), else a new unique one."""
    existing = list_saved(root) if existing is None else existing
    where = todo.path if todo else None
    for saved in existing:
        if _identity(saved) == (request, where):
            return saved.slug
    if todo is not None:
        for saved in existing:
            if _identity(saved) == (request, None):
                return saved.slug
    base = slugify(request)
    taken = {s.slug for s in existing}
    folder = plans_dir(root)
    number = 1
    while True:
        slug = base if number == 1 else f"{base}-{number}"
        on_disk = (folder / f"{slug}.json").exists() or (folder / f"{slug}.md").exists()
        if slug not in taken and not on_disk:
            return slug
        number += 1


def save_plan(
    root: Path,
    plan: Plan,
    profile: StackProfile,
    *,
    todo: TodoLink | None = None,
    slug: str | None = None,
    pushed: dict[str, Any] | None = _UNSET,
    force: bool = False,
    commit: str | None = _UNSET,
    reanchor: bool = False,
) -> SaveResult:
    """Write the plan to `.backend-planner/plans/<slug>.md` and `.json`.

    `slug` (a TODO's `plan:<slug>` link) names the files; else the request from this place
    keeps the slug it had, or gets a new unique one. `pushed` is the push result (a re-save of
    the same plan keeps the one it had). Raises `HandEdited` when a file changed since it was
    written, unless `force`. The anchors (and commit) are read now — except on a re-save of the
    same plan, which keeps the ones it was saved with (it still relies on what it relied on;
    `reanchor` reads them again, as a re-plan does)."""
    root = Path(root)
    slug = slug or choose_slug(root, plan.request, todo)
    markdown_path, json_path = paths(root, slug)
    previous = read_saved(json_path)
    if previous is not None and not force:
        changed = edited(root, previous)
        if changed:
            raise HandEdited(slug, changed)
    elif previous is None and markdown_path.exists() and not force:
        raise HandEdited(slug, [f"{PLANS_DIR}/{slug}.md"])
    same = previous is not None and previous.plan.fingerprint() == plan.fingerprint()
    if same and previous is not None and not reanchor:
        anchors = previous.anchors
        commit = previous.commit
    else:
        commit = git_commit(root) if commit is _UNSET else commit
        anchors = anchors_of(plan, profile, root, commit=commit)
    if pushed is _UNSET:
        pushed = previous.pushed if same and previous is not None else None
    if todo is None and previous is not None and previous.plan.request == plan.request:
        todo = previous.todo
    saved = SavedPlan(
        slug=slug,
        request=plan.request,
        todo=todo,
        commit=commit,
        facts=anchors.facts,
        anchors=anchors,
        plan=plan,
        pushed=pushed,
    )
    markdown = render_markdown(saved)
    saved = saved.model_copy(
        update={"markdown_sha256": hashlib.sha256(markdown.encode()).hexdigest()}
    )
    saved = saved.model_copy(update={"content_sha256": saved.content_hash()})
    wrote_md = _write(markdown_path, markdown)
    wrote_json = _write(json_path, render_json(saved))
    return SaveResult(saved, markdown_path, json_path, wrote_md or wrote_json)
