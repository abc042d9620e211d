"""The skills registry: SKILL.md folders, searchable by category, tag and free text.

A skill is a folder with a `SKILL.md` (YAML front matter: name, description, category, tags,
license; a markdown body). Its `full_id` is `owner/repo/name`. The registry loads the bundled
skills (`backend-planner/skills/...`) and any folders given in configuration. Free-text search
ranks with SQLite FTS5 (bm25) over name, tags and description.
"""

from __future__ import annotations

import difflib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter

from backend_planner.errors import ConfigError, NotFound
from backend_planner.tasks.models import SkillSummary

log = logging.getLogger(__name__)

BUNDLED_OWNER_REPO = "backend-planner/skills"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
OWNER_REPO_PATTERN = re.compile(r"^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")


def bundled_skills_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "skills"


@dataclass(frozen=True)
class Skill:
    full_id: str
    name: str
    description: str
    category: str | None
    tags: tuple[str, ...]
    license: str | None
    body: str
    path: Path
    text: str = field(repr=False)

    def summary(self) -> SkillSummary:
        return SkillSummary(
            full_id=self.full_id,
            name=self.name,
            description=self.description,
            category=self.category,
            tags=list(self.tags),
        )


@dataclass(frozen=True)
class SkillSource:
    """A folder of skill folders (or one skill folder) published as `owner/repo`."""

    directory: Path
    owner_repo: str

    @classmethod
    def parse(cls, spec: str) -> SkillSource:
        """`DIR` (owner/repo = `local/<dir name>`) or `OWNER/REPO=DIR`."""
        owner_repo, sep, directory = spec.partition("=")
        if not sep:
            path = Path(spec).expanduser()
            return cls(path, f"local/{path.resolve().name or 'skills'}")
        if not OWNER_REPO_PATTERN.match(owner_repo):
            raise ConfigError(f"skills dir {spec!r}: {owner_repo!r} is not OWNER/REPO")
        return cls(Path(directory).expanduser(), owner_repo)


def parse_skill_file(path: Path, owner_repo: str) -> Skill:
    """Read one SKILL.md; ConfigError names the file and the field that is wrong."""
    text = path.read_text(encoding="utf-8")
    try:
        post = frontmatter.loads(text)
    except Exception as exc:  # the YAML library's errors vary
        raise ConfigError(f"{path}: front matter is not valid YAML: {exc}") from exc
    meta = post.metadata
    name = meta.get("name")
    description = meta.get("description")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(f"{path}: front matter 'name' must be a lowercase slug, got {name!r}")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(f"{path}: front matter 'description' is missing")
    category = meta.get("category")
    if category is not None and not isinstance(category, str):
        raise ConfigError(f"{path}: front matter 'category' must be a string")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        raise ConfigError(f"{path}: front matter 'tags' must be a list of strings")
    lic = meta.get("license")
    return Skill(
        full_id=f"{owner_repo}/{name}",
        name=name,
        description=" ".join(description.split()),
        category=category,
        tags=tuple(str(t) for t in tags),
        license=str(lic) if lic is not None else None,
        body=post.content,
        path=path,
        text=text,
    )


def _skill_files(directory: Path) -> list[Path]:
    if (directory / "SKILL.md").is_file():
        return [directory / "SKILL.md"]
    return sorted(directory.glob("*/SKILL.md"))


class SkillRegistry:
    """All known skills, by full_id, with search."""

    def __init__(self, skills: Iterable[Skill]) -> None:
        self._skills: dict[str, Skill] = {}
        for skill in skills:
            if skill.full_id in self._skills:
                log.warning(
                    "skill %s in %s ignored: already loaded from %s",
                    skill.full_id,
                    skill.path,
                    self._skills[skill.full_id].path,
                )
                continue
            self._skills[skill.full_id] = skill
        self._by_name: dict[str, list[str]] = {}
        for full_id, skill in self._skills.items():
            self._by_name.setdefault(skill.name, []).append(full_id)
        self._lock = threading.Lock()
        self._index = sqlite3.connect(":memory:", check_same_thread=False)
        self._index.execute(
            "CREATE VIRTUAL TABLE skills USING fts5(full_id UNINDEXED, name, tags, description,"
            " tokenize = 'porter unicode61')"
        )
        self._index.executemany(
            "INSERT INTO skills (full_id, name, tags, description) VALUES (?, ?, ?, ?)",
            [
                (s.full_id, s.name.replace("-", " "), " ".join(s.tags), s.description)
                for s in self._skills.values()
            ],
        )

    @classmethod
    def load(
        cls, sources: Sequence[SkillSource] = (), *, include_bundled: bool = True
    ) -> SkillRegistry:
        """Load the bundled skills and every configured source (a bad SKILL.md is logged and "
        "skipped)."""
        all_sources = list(sources)
        if include_bundled:
            all_sources.insert(0, SkillSource(bundled_skills_dir(), BUNDLED_OWNER_REPO))
        skills: list[Skill] = []
        for source in all_sources:
            if not source.directory.is_dir():
                raise ConfigError(f"skills dir {source.directory}: not a directory")
            for path in _skill_files(source.directory):
                try:
                    skills.append(parse_skill_file(path, source.owner_repo))
                except (ConfigError, OSError, UnicodeDecodeError) as exc:
                    log.warning("skill skipped: %s", exc)
        return cls(skills)

    def __len__(self) -> int:
        return len(self._skills)

    def all(self) -> list[Skill]:
        return sorted(self._skills.values(), key=lambda s: s.full_id)

    def get(self, full_id: str) -> Skill:
        try:
            return self._skills[full_id]
        except KeyError:
            raise NotFound(f'no skill with full_id "{full_id}"') from None

    def skill_id_problem(self, skill_id: str) -> str | None:
        if skill_id in self._skills:
            return None
        if skill_id in self._by_name:
            options = " or ".join(f'"{f}"' for f in self._by_name[skill_id])
            return f'"{skill_id}" is a short name; use the full_id {options} (from search_skills)'
        close = difflib.get_close_matches(skill_id, list(self._skills), n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else "; call search_skills for full_ids"
        return f'"{skill_id}" is not a skill in the registry{hint}'

    def search(
        self,
        *,
        category: str | None = None,
        tag: str | None = None,
        query: str | None = None,
        limit: int = 10,
    ) -> list[Skill]:
        """Skills matching every filter given, best first (by bm25 when there is a query)."""
        candidates = [
            s
            for s in self._skills.values()
            if (category is None or (s.category or "").lower() == category.lower())
            and (tag is None or tag.lower() in (t.lower() for t in s.tags))
        ]
        words = re.findall(r"\w+", query or "")
        if not words:
            ordered = sorted(candidates, key=lambda s: (s.category or "", s.name, s.full_id))
            return ordered[:limit]
        allowed = {s.full_id for s in candidates}
        match = " OR ".join(f'"{w}"*' for w in words)
        with self._lock:
            rows = self._index.execute(
                "SELECT full_id FROM skills WHERE skills MATCH ? "
                "ORDER BY bm25(skills, 0.0, 10.0, 5.0, 2.0), full_id",
                (match,),
            ).fetchall()
        return [self._skills[r[0]] for r in rows if r[0] in allowed][:limit]
