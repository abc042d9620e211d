"""One pass over the file list: per-file facts every later stage needs, computed once."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# extension -> programming language of application code
LANGUAGE_EXT: dict[str, str] = {
    ".go": "go",
    ".py": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".java": "java",
    ".kt": "kotlin",
    ".rb": "ruby",
    ".php": "php",
    ".rs": "rust",
}


def split_path(rel_path: str) -> tuple[str, str, str, str]:
    """(dir, name, stem, ext) of a repo-relative path; dir is "" at the root."""
    directory, _, name = rel_path.rpartition("/")
    dot = name.rfind(".")
    if dot <= 0:
        return directory, name, name, ""
    return directory, name, name[:dot], name[dot:].lower()


def entries_matching(text: str, regex: re.Pattern[str], sep: str) -> list[str]:
    """The `sep`-separated entries of `text` in which `regex` finds a match.

    One C-level scan of the whole text: much faster than a search per entry when matches
    are rare (migration files, dependency folders among 50,000 paths).
    """
    out: list[str] = []
    end = -1
    for match in regex.finditer(text):
        if match.start() <= end:
            continue
        start = text.rfind(sep, 0, match.start()) + 1
        end = text.find(sep, match.end() - 1 if match.group().endswith(sep) else match.end())
        if end < 0:
            end = len(text)
        out.append(text[start:end])
    return out


def is_within(path: str, directory: str) -> bool:
    """True when path is directory itself or lies inside it ("" and "." are the root)."""
    if directory in ("", "."):
        return True
    return path == directory or path.startswith(directory + "/")


@dataclass
class FileIndex:
    """The workspace's files by name and language, plus global language counts."""

    files: list[str]
    by_name: dict[str, list[str]] = field(default_factory=dict)
    language: dict[str, str] = field(default_factory=dict)
    language_counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, files: list[str]) -> FileIndex:
        by_name: dict[str, list[str]] = {}
        language: dict[str, str] = {}
        ext_language = LANGUAGE_EXT
        for path in files:
            name = path.rpartition("/")[2]
            entry = by_name.get(name)
            if entry is None:
                by_name[name] = [path]
            else:
                entry.append(path)
            dot = name.rfind(".")
            if dot > 0:
                lang = ext_language.get(name[dot:].lower())
                if lang is not None:
                    language[path] = lang
        return cls(files, by_name, language, Counter(language.values()))

    def has(self, path: str) -> bool:
        """Whether the workspace has this repo-relative file."""
        return path in self.by_name.get(path.rpartition("/")[2], ())
