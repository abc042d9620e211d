"""One pass over the file list: per-file facts every later stage needs, computed once."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import KeysView
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import itemgetter

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


def _case_variants(text: str) -> list[str]:
    out = [""]
    for char in text:
        out = [o + c for o in out for c in {char.lower(), char.upper()}]
    return out


_ANY_CASE_EXT = {v: lang for ext, lang in LANGUAGE_EXT.items() for v in _case_variants(ext)}
# the same keyed by the last two parts of name.rpartition(".")
_ANY_CASE_DOT_EXT = {(".", ext[1:]): lang for ext, lang in _ANY_CASE_EXT.items()}


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
    last: dict[str, str] = field(default_factory=dict)  # file name -> its last path
    dups: dict[str, list[str]] = field(default_factory=dict)  # name -> paths, if several
    language_counts: Counter[str] = field(default_factory=Counter)
    langs: list[str | None] = field(default_factory=list)  # per file, in order
    increasing: bool = False  # known to be strictly increasing (sorted, no duplicate)
    dirs: list[str] | None = None  # per file, in order, when the caller had them split

    @property
    def language(self) -> dict[str, str]:
        """Path -> language of the files written in one, made on first use."""
        cached: dict[str, str] | None = self.__dict__.get("_language")
        if cached is None:
            cached = {p: lang for p, lang in zip(self.files, self.langs, strict=True) if lang}
            self.__dict__["_language"] = cached
        return cached

    @classmethod
    def build(
        cls,
        files: list[str],
        *,
        increasing: bool = False,
        dirs: list[str] | None = None,
        names: list[str] | None = None,
    ) -> FileIndex:
        """The index of `files`; `increasing` vouches they are sorted without duplicates;
        `dirs` and `names`, when given, are each file's directory and name (scan.Listing)."""
        # One C-level pass per step: name -> last path, then the (rarer) repeated names.
        if names is None or dirs is None:
            parts = list(map(str.rpartition, files, repeat("/")))
            dirs = list(map(itemgetter(0), parts))
            names = list(map(itemgetter(2), parts))
        last = dict(zip(names, files, strict=True))
        dups: dict[str, list[str]] = {}
        if len(last) != len(files):
            at = {n: i for i, n in enumerate(names)}  # name -> position of its last path
            for i in [i for i, n in enumerate(names) if at[n] != i]:
                entry = dups.get(names[i])
                if entry is None:
                    dups[names[i]] = [files[i]]
                else:
                    entry.append(files[i])
            for name, paths in dups.items():
                paths.append(last[name])
        # The text after a name's last dot, looked up in every letter case (a name without
        # one has no dot to look up: no match); a name that *is* an extension (`.go`) has
        # none (see hidden below). Three C-level passes: (head, ".", ext) of each name, its
        # (".", ext) and that pair's language.
        langs = list(
            map(
                _ANY_CASE_DOT_EXT.get,
                map(itemgetter(1, 2), map(str.rpartition, names, repeat("."))),
            )
        )
        if not "".join(files).isascii():  # str.lower() maps a few other letters to ASCII
            langs = [_language_of(path) for path in files]
        hidden = _ANY_CASE_EXT.keys() & last.keys()
        if hidden:
            drop = {path for name in hidden for path in dups.get(name, (last[name],))}
            langs = [None if p in drop else lang for p, lang in zip(files, langs, strict=True)]
        index = cls(files, last, dups, Counter(), langs, increasing, dirs)
        if increasing or len(set(files)) == len(files):
            index.language_counts = Counter(filter(None, langs))
        else:  # each file once
            index.language_counts = Counter(index.language.values())
        return index

    def extended(self, files: list[str], dirs: list[str], names: list[str]) -> FileIndex:
        """The index with `files` added (sorted, each file's directory and name given): this
        one, changed in place, for a few new files; a new one for many, or when this one's
        files aren't known to be sorted."""
        if not files:
            return self
        if len(files) > FEW_NEW or not self.increasing or self.dirs is None:
            return FileIndex.build(sorted(set(self.files).union(files)), increasing=True)
        for path, directory, name in zip(files, dirs, names, strict=True):
            at = bisect_left(self.files, path)
            if at < len(self.files) and self.files[at] == path:
                continue  # listed already
            lang = _language_of(path)  # what build gives a single file
            self.files.insert(at, path)
            self.dirs.insert(at, directory)
            self.langs.insert(at, lang)
            if lang:
                self.language_counts[lang] += 1
            same = self.named(name)
            if not same:
                self.last[name] = path
            else:
                paths = sorted([*same, path])
                self.dups[name] = paths
                self.last[name] = paths[-1]
        self.__dict__.pop("_language", None)  # made again on use
        return self

    def is_sorted(self) -> bool:
        """Whether the paths are in (strictly increasing) sorted order, as scan returns them."""
        if not self.increasing:
            files = self.files
            self.increasing = all(map(str.__lt__, files, islice(files, 1, None)))
        return self.increasing

    def named(self, name: str) -> list[str]:
        """The paths of the files called `name`, in order."""
        paths = self.dups.get(name)
        if paths is not None:
            return paths
        path = self.last.get(name)
        return [] if path is None else [path]

    def names(self) -> KeysView[str]:
        """Every file name, in order of first appearance."""
        return self.last.keys()

    @property
    def by_name(self) -> dict[str, list[str]]:
        """File name -> its paths, in order (made on use: `named` needs no such dict)."""
        return {name: self.named(name) for name in self.last}

    def has(self, path: str) -> bool:
        """Whether the workspace has this repo-relative file."""
        name = path.rpartition("/")[2]
        return self.last.get(name) == path or path in self.dups.get(name, ())


FEW_NEW = 256  # files `extended` inserts one by one


def _language_of(path: str) -> str | None:
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return LANGUAGE_EXT.get(name[dot:].lower()) if dot > 0 else None
