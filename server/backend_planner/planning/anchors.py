"""A plan's anchors, and how the code moved under them (drift).

A plan relies on parts of the code as they were when it was made: the files it modifies (a
content hash of the part it relies on: the lines of the routes, handlers and entities it names,
else the whole file), the endpoints and entities it modifies or extends (where the code map had
them), the files it creates (absent then), and the registration point (the file where its new
endpoints join their siblings). `anchors_of` records them, stamped with the git commit (when
there is one) and a fingerprint of those code-map facts.

`drift(record, profile, root)` compares the anchors with the code map and the tree as they are
now, and names each change since that commit:

- `file_deleted` / `file_renamed`: a file the plan modifies is gone (renamed when its symbols,
  or the part it relied on, are now in another file);
- `endpoint_moved` / `endpoint_vanished`: an endpoint the plan modifies or extends is served
  from another file or at another path, or not at all;
- `file_exists`: a file the plan creates now exists and is not the plan's work (it names none of
  what the plan creates); `migration_taken`: another migration took the planned number;
- `entity_fields`: an entity the plan builds on gained or lost fields (not the ones the plan
  adds); `entity_vanished`: it is gone;
- `registration_moved`: the routes the new endpoints go next to are registered elsewhere now.

Editing the code the plan is about (implementing it) is not drift: line numbers moving, handler
bodies changing and the planned files appearing are progress (see evidence.py). An unchanged
plan has no drift at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from backend_planner.planning.checks import clean_path, is_migration
from backend_planner.planning.model import Plan, PlannedTask
from backend_planner.workspace.codemap.routepath import normalize
from backend_planner.workspace.profile import Endpoint, Entity, Service, StackProfile

log = logging.getLogger(__name__)

DriftKind = Literal[
    "file_deleted",
    "file_renamed",
    "endpoint_moved",
    "endpoint_vanished",
    "file_exists",
    "migration_taken",
    "entity_fields",
    "entity_vanished",
    "registration_moved",
]
MAX_ROUTES = 8  # sibling routes kept for the registration point
WHOLE_FILE = "whole file"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileAnchor(_Model):
    """A file the plan modifies (or investigates), and the part of it the plan relies on."""

    path: str
    role: Literal["modify", "investigate"] = "modify"
    part: str = Field(
        default=WHOLE_FILE, description="`whole file`, or `lines 15, 24` (1-based) it relies on."
    )
    sha256: str = Field(description="Hash of the part's text (lines stripped, joined by \\n).")
    symbols: list[str] = Field(
        default_factory=list, description="Routes, handlers and entities it holds for the plan."
    )


class CreateAnchor(_Model):
    """A file the plan creates."""

    path: str
    existed: bool = Field(default=False, description="It existed already when anchored.")


class EndpointAnchor(_Model):
    method: str
    path: str
    handler: str | None = None
    file: str | None = None
    line: int | None = None
    handler_file: str | None = None
    handler_line: int | None = None
    role: Literal["modifies", "extends"] = "modifies"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


class EntityAnchor(_Model):
    name: str
    table: str | None = None
    file: str | None = None
    line: int | None = None
    fields: list[str] = Field(default_factory=list, description="`name:type` of each field.")
    adds: list[str] = Field(
        default_factory=list, description="Fields the plan adds (their arrival is not drift)."
    )
    role: Literal["modifies", "extends"] = "extends"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.table})" if self.table else self.name


class RegistrationAnchor(_Model):
    """Where the plan's new endpoints are registered: next to these routes, in this file."""

    file: str
    routes: list[str] = Field(default_factory=list, description="`METHOD /path` siblings.")


class Anchors(_Model):
    service: str = "."
    commit: str | None = Field(default=None, description="git HEAD when anchored.")
    facts: str = Field(default="", description="Fingerprint of the code-map facts relied on.")
    files: list[FileAnchor] = Field(default_factory=list)
    creates: list[CreateAnchor] = Field(default_factory=list)
    endpoints: list[EndpointAnchor] = Field(default_factory=list)
    entities: list[EntityAnchor] = Field(default_factory=list)
    registration: RegistrationAnchor | None = None
    new_names: list[str] = Field(
        default_factory=list,
        description="Names and tables of the entities the plan creates: a field named after "
        "one, arriving on an entity it builds on, is the plan's work (a relation), not drift.",
    )

    def fingerprint(self) -> str:
        """sha256 of the code-map facts (no commit, no line numbers: lines move with edits)."""
        data = {
            "service": self.service,
            "files": sorted((f.path, f.role, f.sha256) for f in self.files),
            "creates": sorted((c.path, c.existed) for c in self.creates),
            "endpoints": sorted(
                (
                    e.method,
                    route_key(e.path)[1],
                    e.handler or "",
                    e.file or "",
                    e.handler_file or "",
                )
                for e in self.endpoints
            ),
            "entities": sorted(
                (e.table or "", e.name, tuple(sorted(e.fields))) for e in self.entities
            ),
            "registration": (
                [self.registration.file, sorted(self.registration.routes)]
                if self.registration
                else None
            ),
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


class HasAnchors(Protocol):
    @property
    def anchors(self) -> Anchors: ...


@dataclass(frozen=True, order=True)
class Drift:
    """One change under a plan: what (`subject`), of which kind, and a sentence saying it."""

    kind: DriftKind
    subject: str
    message: str
    now: str | None = None  # where it is now (a file, `METHOD /path`), when it still exists


# ----------------------------------------------------------------------------- git


def git_commit(root: Path) -> str | None:
    """The commit checked out in `root` (HEAD), or None outside git or before a first commit."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("no git commit for %s: %s", root, exc)
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40,64}", commit) else None


def since(commit: str | None) -> str:
    return f"since commit {commit[:7]}" if commit else "since the plan was saved"


# ----------------------------------------------------------------------------- the code map


_PARAM = re.compile(r"\{[^/{}]*\}")


def route_key(path: str) -> tuple[str, str]:
    """(normalized path, path with anonymous parameters): `/a/:id` → (`/a/{id}`, `/a/{}`)."""
    normal = normalize(path.strip())
    return normal, _PARAM.sub("{}", normal)


class CodeIndex:
    """The service's endpoints and entities, looked up by route, handler, table and file."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.routes: dict[tuple[str, str], list[Endpoint]] = {}
        self.handlers: dict[str, list[Endpoint]] = {}
        self.registered: dict[str, list[Endpoint]] = {}
        self.tables: dict[str, Entity] = {}
        self.names: dict[str, Entity] = {}
        for endpoint in sorted(service.endpoints, key=lambda e: (e.file, e.line)):
            if endpoint.dynamic:
                continue
            key = (endpoint.method.upper(), route_key(endpoint.path)[1])
            self.routes.setdefault(key, []).append(endpoint)
            if endpoint.handler:
                self.handlers.setdefault(endpoint.handler, []).append(endpoint)
            self.registered.setdefault(endpoint.file, []).append(endpoint)
        for entity in service.entities:
            if entity.table:
                self.tables.setdefault(entity.table.lower(), entity)
            self.names.setdefault(entity.name.lower(), entity)

    def endpoint(self, method: str, path: str) -> Endpoint | None:
        found = self.routes.get((method.upper(), route_key(path)[1]))
        return found[0] if found else None

    def entity(self, name: str, table: str | None) -> Entity | None:
        if table and table.lower() in self.tables:
            return self.tables[table.lower()]
        return self.names.get(name.lower())


_INDEXES: list[tuple[Service, CodeIndex]] = []


def code_index(service: Service) -> CodeIndex:
    """The index of a service snapshot (the same object is the same snapshot: built once)."""
    for known, index in _INDEXES:
        if known is service:
            return index
    index = CodeIndex(service)
    _INDEXES.insert(0, (service, index))
    del _INDEXES[16:]
    return index


def service_of_plan(profile: StackProfile, service_path: str) -> Service | None:
    for service in profile.backends():
        if service.path == service_path:
            return service
    backends = profile.backends()
    return backends[0] if len(backends) == 1 else None


# ----------------------------------------------------------------------------- anchoring


def _nodes(plan: Plan) -> Iterator[PlannedTask]:
    for task in plan.tasks:
        yield task
        yield from task.subtasks


def _paths(task: PlannedTask, key: str, root: str | None) -> list[str]:
    values = task.inputs.get(key)
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        if isinstance(value, str) and value.strip():
            path = clean_path(value, root)
            if path != ".":
                out.append(path)
    return out


def planned_files(plan: Plan, root: Path | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """(files the plan creates, (file, role) it modifies or investigates), in plan order."""
    prefix = str(root).rstrip("/") + "/" if root else None
    creates: list[str] = []
    uses: list[tuple[str, str]] = []
    for task in _nodes(plan):
        creates += [p for p in _paths(task, "files_to_create", prefix) if p not in creates]
        for key, role in (("files_to_modify", "modify"), ("files_to_investigate", "investigate")):
            for path in _paths(task, key, prefix):
                if path not in creates and all(path != u for u, _ in uses):
                    uses.append((path, role))
    return creates, uses


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def part_hash(text: str, lines: Iterable[int]) -> str:
    """sha256 of the given 1-based lines (stripped), or of the whole text when none."""
    wanted = sorted(set(lines))
    if not wanted:
        body = text.replace("\r\n", "\n")
    else:
        all_lines = text.splitlines()
        body = "\n".join(all_lines[n - 1].strip() for n in wanted if 0 < n <= len(all_lines))
    return hashlib.sha256(body.encode()).hexdigest()


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y or x.startswith("{"):
            break
        count += 1
    return count


def _registration(plan: Plan, index: CodeIndex, uses: list[str]) -> RegistrationAnchor | None:
    new = [
        route_key(e.path)[0]
        for item in (plan.change_spec.items if plan.change_spec else [])
        for e in item.new_endpoints
    ]
    new += [route_key(e.path)[0] for e in plan.architecture.endpoints]
    if not new:
        return None
    best: tuple[int, int, int] | None = None
    chosen: tuple[str, list[Endpoint]] | None = None
    for order, path in enumerate(uses):
        registered = index.registered.get(path)
        if not registered:
            continue
        scores = [max(_common_prefix(e.path, n) for n in new) for e in registered]
        score = (max(scores), sum(1 for s in scores if s == max(scores)), -order)
        if best is None or score > best:
            best, chosen = (
                score,
                (path, [e for e, s in zip(registered, scores, strict=True) if s == max(scores)]),
            )
    if chosen is None:
        return None
    file, siblings = chosen
    routes = sorted({f"{e.method.upper()} {route_key(e.path)[0]}" for e in siblings})
    return RegistrationAnchor(file=file, routes=routes[:MAX_ROUTES])


def anchors_of(
    plan: Plan, profile: StackProfile, root: Path, *, commit: str | None = None
) -> Anchors:
    """The plan's anchors in the workspace at `root` (analysed as `profile`) as it is now."""
    root = Path(root)
    service = service_of_plan(profile, plan.service)
    index = code_index(service) if service is not None else None
    creates, uses = planned_files(plan, root)
    endpoints: list[EndpointAnchor] = []
    entities: list[EntityAnchor] = []
    seen_routes: set[tuple[str, str]] = set()
    for item in plan.change_spec.items if plan.change_spec else []:
        if item.kind == "not_found":
            continue
        role: Literal["modifies", "extends"] = (
            "modifies" if item.kind in ("existing", "capability", "new_fields") else "extends"
        )
        for ref in item.endpoints:
            key = (ref.method.upper(), route_key(ref.path)[1])
            if key in seen_routes:
                continue
            seen_routes.add(key)
            now = index.endpoint(ref.method, ref.path) if index else None
            endpoints.append(
                EndpointAnchor(
                    method=ref.method.upper(),
                    path=now.path if now else route_key(ref.path)[0],
                    handler=now.handler if now else ref.handler,
                    file=now.file if now else ref.file,
                    line=now.line if now else ref.line,
                    handler_file=now.handler_file if now else ref.handler_file,
                    handler_line=now.handler_line if now else ref.handler_line,
                    role=role,
                )
            )
        adds = [f.name for f in item.new_fields]
        for eref in item.entities:
            entity = index.entity(eref.name, eref.table) if index else None
            known = next(
                (e for e in entities if (e.table or e.name) == (eref.table or eref.name)), None
            )
            if known is not None:
                known.adds = sorted({*known.adds, *adds})
                continue
            entities.append(
                EntityAnchor(
                    name=entity.name if entity else eref.name,
                    table=entity.table if entity else eref.table,
                    file=entity.file if entity else eref.file,
                    line=entity.line if entity else eref.line,
                    fields=sorted(f"{f.name}:{f.type or ''}" for f in entity.fields)
                    if entity
                    else sorted(f"{name}:" for name in eref.fields),
                    adds=sorted(adds),
                    role="modifies" if adds else role,
                )
            )
    new_names = sorted(
        {
            name.lower()
            for item in (plan.change_spec.items if plan.change_spec else [])
            if item.new_entity is not None
            for name in (item.new_entity.name, item.new_entity.table)
        }
    )
    registration = _registration(plan, index, [p for p, _ in uses]) if index else None
    files = [
        _file_anchor(root, path, role, endpoints, entities, registration, index)
        for path, role in uses
    ]
    anchors = Anchors(
        service=plan.service,
        commit=commit,
        files=[f for f in files if f is not None],
        creates=[CreateAnchor(path=p, existed=(root / p).exists()) for p in creates],
        endpoints=endpoints,
        entities=entities,
        registration=registration,
        new_names=new_names,
    )
    return anchors.model_copy(update={"facts": anchors.fingerprint()})


def _file_anchor(
    root: Path,
    path: str,
    role: str,
    endpoints: list[EndpointAnchor],
    entities: list[EntityAnchor],
    registration: RegistrationAnchor | None,
    index: CodeIndex | None,
) -> FileAnchor | None:
    text = read_text(root / path)
    if text is None:
        return None  # a plan naming a missing file is a finding of the checks, not an anchor
    lines: set[int] = set()
    symbols: list[str] = []
    for e in endpoints:
        if e.file == path and e.line:
            lines.add(e.line)
            symbols.append(e.label)
        if e.handler_file == path and e.handler_line:
            lines.add(e.handler_line)
            symbols.append(e.handler or e.label)
    for entity in entities:
        if entity.file == path and entity.line:
            lines.add(entity.line)
            symbols.append(entity.name)
    if registration is not None and registration.file == path and index is not None:
        for endpoint in index.registered.get(path, []):
            label = f"{endpoint.method.upper()} {route_key(endpoint.path)[0]}"
            if label in registration.routes:
                lines.add(endpoint.line)
                symbols.append(label)
    return FileAnchor(
        path=path,
        role="investigate" if role == "investigate" else "modify",
        part="lines " + ", ".join(map(str, sorted(lines))) if lines else WHOLE_FILE,
        sha256=part_hash(text, lines),
        symbols=sorted(set(symbols)),
    )


# ----------------------------------------------------------------------------- drift


def drift(record: Anchors | HasAnchors, profile: StackProfile, root: Path) -> list[Drift]:
    """What changed under the plan since it was anchored; [] when nothing did.

    `record` is the anchors, or anything carrying them (a saved plan). Reads only what it
    must: a stat per anchored file, and file contents only for a file that is gone (to find
    where it went) or a planned file that now exists (to tell the plan's work from another's).
    """
    anchors = record if isinstance(record, Anchors) else record.anchors
    root = Path(root)
    service = service_of_plan(profile, anchors.service)
    index = code_index(service) if service is not None else None
    when = since(anchors.commit)
    found: list[Drift] = []
    missing: set[str] = set()
    for anchor in anchors.files:
        if (root / anchor.path).is_file():
            continue
        missing.add(anchor.path)
        where = _renamed(anchor, anchors, index, root)
        does = "modifies" if anchor.role == "modify" else "investigates"
        if where:
            found.append(
                Drift(
                    "file_renamed",
                    anchor.path,
                    f"{anchor.path} was renamed to {where} {when} (the plan {does} it)",
                    where,
                )
            )
        else:
            found.append(
                Drift(
                    "file_deleted",
                    anchor.path,
                    f"{anchor.path} was deleted {when} (the plan {does} it)",
                )
            )
    if index is not None:
        found += _endpoint_drift(anchors, index, when)
        found += _entity_drift(anchors, index, when)
        found += _registration_drift(anchors, index, when, missing)
    found += _created_drift(anchors, root, when)
    return sorted(set(found))


def _renamed(
    anchor: FileAnchor, anchors: Anchors, index: CodeIndex | None, root: Path
) -> str | None:
    """Where a missing file went: the file now holding its symbols, else a file holding the
    part it relied on (same name elsewhere, or the same directory)."""
    votes: Counter[str] = Counter()
    if index is not None:
        for e in anchors.endpoints:
            now = index.endpoint(e.method, e.path)
            if now is None and e.handler and e.handler in index.handlers:
                now = index.handlers[e.handler][0]
            if now is None:
                continue
            if e.file == anchor.path and now.file != anchor.path:
                votes[now.file] += 1
            if e.handler_file == anchor.path and now.handler_file not in (None, anchor.path):
                votes[str(now.handler_file)] += 1
        for entity in anchors.entities:
            now_entity = index.entity(entity.name, entity.table)
            if entity.file == anchor.path and now_entity and now_entity.file != anchor.path:
                votes[now_entity.file] += 1
        if anchors.registration and anchors.registration.file == anchor.path:
            for route in anchors.registration.routes:
                method, _, path = route.partition(" ")
                now = index.endpoint(method, path)
                if now is not None and now.file != anchor.path:
                    votes[now.file] += 1
    if votes:
        return sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return _same_part(anchor, root)


def _same_part(anchor: FileAnchor, root: Path) -> str | None:
    """A file with the same content as a missing whole-file anchor: the same name elsewhere,
    or the same directory and extension (a part made of symbols' lines is followed through
    the code map instead)."""
    from backend_planner.workspace.scan import scan

    if anchor.part != WHOLE_FILE:
        return None
    name = posixpath.basename(anchor.path)
    folder = posixpath.dirname(anchor.path)
    suffix = posixpath.splitext(name)[1]
    try:
        files = scan(root)
    except Exception as exc:  # an unreadable tree: no rename found
        log.debug("can't list %s: %s", root, exc)
        return None
    candidates = [
        f
        for f in files
        if f != anchor.path
        and (
            posixpath.basename(f) == name
            or (posixpath.dirname(f) == folder and posixpath.splitext(f)[1] == suffix)
        )
    ]
    for candidate in sorted(candidates, key=lambda f: (posixpath.basename(f) != name, f)):
        text = read_text(root / candidate)
        if text is not None and part_hash(text, ()) == anchor.sha256:
            return candidate
    return None


def _endpoint_drift(anchors: Anchors, index: CodeIndex, when: str) -> list[Drift]:
    out: list[Drift] = []
    for e in anchors.endpoints:
        verb = "modifies" if e.role == "modifies" else "extends"
        now = index.endpoint(e.method, e.path)
        if now is None:
            moved = index.handlers.get(e.handler or "") if e.handler else None
            if moved:
                target = moved[0]
                label = f"{target.method.upper()} {target.path}"
                out.append(
                    Drift(
                        "endpoint_moved",
                        e.label,
                        f"{e.label} moved: {e.handler} now serves {label} "
                        f"({target.file}:{target.line}) {when} (the plan {verb} it)",
                        label,
                    )
                )
            else:
                was = f" ({e.handler})" if e.handler else ""
                out.append(
                    Drift(
                        "endpoint_vanished",
                        e.label,
                        f"{e.label}{was} vanished {when}: no route serves it now "
                        f"(the plan {verb} it)",
                    )
                )
            continue
        changes = []
        if e.file and now.file != e.file:
            changes.append(f"registered in {now.file}:{now.line} (was {e.file})")
        if e.handler_file and now.handler_file and now.handler_file != e.handler_file:
            changes.append(
                f"handled in {now.handler_file}:{now.handler_line} (was {e.handler_file})"
            )
        if changes:
            out.append(
                Drift(
                    "endpoint_moved",
                    e.label,
                    f"{e.label} moved {when}: now " + "; ".join(changes) + f" (the plan {verb} it)",
                    now.handler_file or now.file,
                )
            )
    return out


def _entity_drift(anchors: Anchors, index: CodeIndex, when: str) -> list[Drift]:
    out: list[Drift] = []
    for anchor in anchors.entities:
        verb = "modifies" if anchor.role == "modifies" else "builds on"
        now = index.entity(anchor.name, anchor.table)
        if now is None:
            out.append(
                Drift(
                    "entity_vanished",
                    anchor.label,
                    f"entity {anchor.label} vanished {when}: the code map no longer has it "
                    f"(the plan {verb} it)",
                )
            )
            continue
        before = {f.partition(":")[0]: f.partition(":")[2] for f in anchor.fields}
        after = {f.name: f.type or "" for f in now.fields}
        gained = sorted(
            n for n in after if n not in before and not _plans_own(n, anchor, anchors.new_names)
        )
        lost = sorted(n for n in before if n not in after)
        retyped = sorted(
            f"{n} {before[n]} → {after[n]}"
            for n in before
            if n in after and before[n] and after[n] and before[n] != after[n]
        )
        if not (gained or lost or retyped):
            continue
        parts = []
        if gained:
            parts.append("added " + ", ".join(gained))
        if lost:
            parts.append("removed " + ", ".join(lost))
        if retyped:
            parts.append("changed " + ", ".join(retyped))
        out.append(
            Drift(
                "entity_fields",
                anchor.label,
                f"entity {anchor.label} fields changed {when}: "
                + "; ".join(parts)
                + f" (the plan {verb} it)",
                now.file,
            )
        )
    return out


def _plans_own(field: str, anchor: EntityAnchor, new_names: list[str]) -> bool:
    """A field the plan adds: one of its new fields, or one named after an entity it creates
    (`bookmarks`, `bookmark_count` on Article when the plan creates Bookmark)."""
    plain = field.replace("_", "").lower()
    if plain in {a.replace("_", "").lower() for a in anchor.adds}:
        return True
    stems = {n.replace("_", "").lower().removesuffix("s") for n in new_names}
    return any(stem and stem in plain for stem in stems)


def _registration_drift(
    anchors: Anchors, index: CodeIndex, when: str, missing: set[str]
) -> list[Drift]:
    reg = anchors.registration
    if reg is None or not reg.routes or reg.file in missing:
        return []
    here = {
        f"{e.method.upper()} {route_key(e.path)[0]}" for e in index.registered.get(reg.file, [])
    }
    if any(route in here for route in reg.routes):
        return []
    elsewhere: Counter[str] = Counter()
    for route in reg.routes:
        method, _, path = route.partition(" ")
        now = index.endpoint(method, path)
        if now is not None:
            elsewhere[now.file] += 1
    if elsewhere:
        target = sorted(elsewhere.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        message = (
            f"the registration point moved {when}: the routes the new endpoints go next to "
            f"({', '.join(reg.routes[:3])}) are registered in {target} now, not {reg.file}"
        )
        return [Drift("registration_moved", reg.file, message, target)]
    message = (
        f"the registration point is gone {when}: {reg.file} no longer registers "
        f"{', '.join(reg.routes[:3])}"
    )
    return [Drift("registration_moved", reg.file, message)]


_VERSION = re.compile(r"^(\d{1,6})_")


def _created_drift(anchors: Anchors, root: Path, when: str) -> list[Drift]:
    out: list[Drift] = []
    planned = {c.path for c in anchors.creates}
    words: set[str] | None = None
    for create in anchors.creates:
        if create.existed:
            continue
        target = root / create.path
        if target.exists():
            if words is None:
                words = _plan_words(anchors, planned)
            text = read_text(target) if target.is_file() else ""
            if text is not None and _mentions(text, create.path, words):
                continue  # the plan's own work (evidence, not drift)
            out.append(
                Drift(
                    "file_exists",
                    create.path,
                    f"{create.path} now exists {when}, and it is not this plan's work: the plan "
                    "creates it",
                    create.path,
                )
            )
            continue
        name = posixpath.basename(create.path)
        version = _VERSION.match(name)
        if version is None or not is_migration(create.path):
            continue
        folder = target.parent
        try:
            siblings = sorted(p.name for p in folder.iterdir())
        except OSError:
            continue
        taken = [
            s
            for s in siblings
            if s.startswith(version.group(1) + "_")
            and posixpath.join(posixpath.dirname(create.path), s) not in planned
        ]
        if taken:
            out.append(
                Drift(
                    "migration_taken",
                    create.path,
                    f"migration number {version.group(1)} was taken by {taken[0]} {when}: "
                    f"{create.path} needs the next number",
                    posixpath.join(posixpath.dirname(create.path), taken[0]),
                )
            )
    return out


_WORD = re.compile(r"[A-Za-z][a-z0-9]*|[0-9]+")
_GENERIC_WORDS = (
    "create add update delete test tests spec up down index main handler handlers service "
    "services model models controller controllers route routes repository repositories "
    "migration migrations schema schemas view views api v1 v2 go py ts js rb php java kt rs sql"
)
_GENERIC = frozenset(_GENERIC_WORDS.split())


def words_of(text: str) -> set[str]:
    """Lower-case word stems of a name: `StripeWebhookHandler` → {stripe, webhook, handler}."""
    return {w.lower() for w in _WORD.findall(re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text))}


def _plan_words(anchors: Anchors, planned: set[str]) -> set[str]:
    """The distinctive words of what the plan creates (file names minus generic parts)."""
    words: set[str] = set()
    for path in planned:
        stem = posixpath.basename(path).split(".")[0]
        words |= {w for w in words_of(stem) if len(w) > 2 and not w.isdigit()}
    return words - _GENERIC


def _mentions(text: str, path: str, words: set[str]) -> bool:
    if not text.strip():
        return True  # an empty new file is the plan's work just begun
    own = {w for w in words_of(posixpath.basename(path).split(".")[0]) if w in words}
    wanted = own or words
    lowered = text.lower()
    return any(w in lowered for w in wanted)
