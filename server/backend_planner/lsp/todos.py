"""TODO comments found with each language's real comment syntax (pure: no pygls).

A language with a tree-sitter grammar wheel (Go, Python, JavaScript, TypeScript/TSX, Java,
Kotlin, Ruby, PHP, Rust) is read from its syntax tree: comment nodes and Python docstrings
(`syntax_trees.py`, which also keeps an open document's tree current edit by edit). Any other
language is a set of lexical rules — line comments, block comments, string literals — compiled
into one regular expression whose alternatives are tried left to right, so a `// TODO` inside a
string literal is consumed as part of the string and never read as a comment. Only comment text
is searched for markers. A TODO whose comment continues on the next lines (more comment lines,
no blank comment line, no new marker) is read as one request. An unknown language gets a
line-based fallback (lines that start with `#`, `//`, `--`, `;` or `*`), never an error.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

DEFAULT_MARKERS = ("TODO", "FIXME", "PLAN")

# String literals (with backslash escapes); a missing closing quote ends at the line end.
_DQ = r'"(?:\\.|[^"\\\n])*"?'
_SQ = r"'(?:\\.|[^'\\\n])*'?"
_BACKTICK = r"`(?:\\.|[^`\\])*`?"  # JS template literals, Go raw strings (may span lines)
_C_BLOCK = r"/\*.*?(?:\*/|\Z)"


@dataclass(frozen=True)
class Syntax:
    """The lexical rules of one language family."""

    name: str
    line: tuple[str, ...] = ()  # regexes that start a line comment
    block: tuple[str, ...] = ()  # regexes of a whole block comment
    strings: tuple[str, ...] = ()  # regexes of whole string literals
    docstrings: tuple[str, ...] = ()  # string literals that are comments at statement start
    fallback: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self)


@lru_cache(maxsize=64)
def _compile(syntax: Syntax) -> re.Pattern[str]:
    parts = [f"(?P<doc>{'|'.join(syntax.docstrings)})"] if syntax.docstrings else []
    if syntax.block:
        parts.append(f"(?P<block>{'|'.join(syntax.block)})")
    if syntax.line:
        parts.append(f"(?P<line>(?:{'|'.join(syntax.line)})[^\\n]*)")
    if syntax.strings:
        parts.append(f"(?P<str>{'|'.join(syntax.strings)})")
    return re.compile("|".join(parts), re.DOTALL)


C_LIKE = Syntax("c", line=("//",), block=(_C_BLOCK,), strings=(_DQ, _SQ))
GO = Syntax("go", line=("//",), block=(_C_BLOCK,), strings=(_DQ, _SQ, r"`[^`]*`?"))
JS = Syntax("javascript", line=("//",), block=(_C_BLOCK,), strings=(_DQ, _SQ, _BACKTICK))
KOTLIN = Syntax("kotlin", line=("//",), block=(_C_BLOCK,), strings=(r'""".*?(?:"""|\Z)', _DQ, _SQ))
CSHARP = Syntax(
    "csharp",
    line=("//",),
    block=(_C_BLOCK,),
    strings=(r'@"(?:""|[^"])*"?', r'"""[\s\S]*?"""', _DQ, _SQ),
)
RUST = Syntax(
    "rust",
    line=("//",),
    block=(_C_BLOCK,),
    # Raw strings r"…"/r#"…"#; `'a` lifetimes are not strings, so only 'x' / '\n' char literals.
    strings=(r'r#*"[^"]*"#*', _DQ, r"'(?:\\.|[^'\\\n])'"),
)
PHP = Syntax("php", line=("//", "#(?!\\[)"), block=(_C_BLOCK,), strings=(_DQ, _SQ))
PYTHON = Syntax(
    "python",
    line=("#",),
    docstrings=(
        r'(?<![^\s(\[{,:=])[rRuUbBfF]{0,2}"""(?:\\.|[^\\])*?(?:"""|\Z)',
        r"(?<![^\s(\[{,:=])[rRuUbBfF]{0,2}'''(?:\\.|[^\\])*?(?:'''|\Z)",
    ),
    strings=(_DQ, _SQ),
)
RUBY = Syntax("ruby", line=("#",), block=(r"^=begin\b.*?(?:^=end\b|\Z)",), strings=(_DQ, _SQ))
SQL = Syntax(
    "sql", line=("--",), block=(_C_BLOCK,), strings=(r"'(?:''|[^'])*'?", r'"(?:""|[^"])*"?')
)
SHELL = Syntax("shell", line=(r"(?<![^\s;|&(])#",), strings=(_DQ, _SQ))
YAML = Syntax("yaml", line=(r"(?<![^\s])#",), strings=(_DQ, r"'(?:''|[^'\n])*'?"))
LUA = Syntax("lua", line=("--(?!\\[\\[)",), block=(r"--\[\[.*?(?:\]\]|\Z)",), strings=(_DQ, _SQ))
HASKELL = Syntax("haskell", line=("--",), block=(r"\{-.*?(?:-\}|\Z)",), strings=(_DQ,))
MARKUP = Syntax("html", block=(r"<!--.*?(?:-->|\Z)",))
FALLBACK = Syntax("plaintext", line=(r"^[ \t]*(?:#|//|--|;|\*)",), fallback=True)

_RUBY = RUBY
_BY_ID: dict[str, Syntax] = {
    "go": GO,
    "python": PYTHON,
    "javascript": JS,
    "javascriptreact": JS,
    "typescript": JS,
    "typescriptreact": JS,
    "java": C_LIKE,
    "c": C_LIKE,
    "cpp": C_LIKE,
    "objective-c": C_LIKE,
    "swift": KOTLIN,
    "scala": KOTLIN,
    "dart": KOTLIN,
    "groovy": KOTLIN,
    "kotlin": KOTLIN,
    "csharp": CSHARP,
    "rust": RUST,
    "php": PHP,
    "ruby": RUBY,
    "sql": SQL,
    "shellscript": SHELL,
    "sh": SHELL,
    "bash": SHELL,
    "zsh": SHELL,
    "dockerfile": SHELL,
    "makefile": SHELL,
    "perl": SHELL,
    "r": SHELL,
    "elixir": SHELL,
    "toml": YAML,
    "yaml": YAML,
    "lua": LUA,
    "haskell": HASKELL,
    "html": MARKUP,
    "xml": MARKUP,
    "markdown": MARKUP,
}
_BY_EXT: dict[str, str] = {
    ".go": "go",
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".scala": "scala",
    ".swift": "swift",
    ".dart": "dart",
    ".groovy": "groovy",
    ".gradle": "groovy",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rs": "rust",
    ".php": "php",
    ".rb": "ruby",
    ".rake": "ruby",
    ".sql": "sql",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".zsh": "shellscript",
    ".pl": "perl",
    ".r": "r",
    ".ex": "elixir",
    ".exs": "elixir",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".lua": "lua",
    ".hs": "haskell",
    ".html": "html",
    ".xml": "xml",
    ".md": "markdown",
}
_BY_NAME = {
    "dockerfile": "dockerfile",
    "makefile": "makefile",
    "gemfile": "ruby",
    "rakefile": "ruby",
}


# LSP language ids read from a syntax tree (the grammar wheels of the code map).
_GRAMMAR_BY_ID: dict[str, str] = {
    "go": "go",
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "java": "java",
    "kotlin": "kotlin",
    "ruby": "ruby",
    "php": "php",
    "rust": "rust",
}


def syntax_for(path: str, language_id: str | None = None) -> Syntax:
    """The syntax of a document: its LSP language id first, then its file name; else fallback."""
    if language_id and language_id.lower() in _BY_ID:
        return _BY_ID[language_id.lower()]
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in _BY_NAME:
        return _BY_ID[_BY_NAME[name]]
    dot = name.rfind(".")
    if dot >= 0 and name[dot:] in _BY_EXT:
        return _BY_ID[_BY_EXT[name[dot:]]]
    return FALLBACK


def grammar_for(path: str, language_id: str | None = None) -> str | None:
    """The tree-sitter grammar a document is read with (language id first, then file name), or
    None when its language has no grammar wheel (it is read with the lexical rules)."""
    if language_id and language_id.lower() in _BY_ID:
        return _GRAMMAR_BY_ID.get(language_id.lower())
    from backend_planner.workspace.codemap.syntax import grammar_of

    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if name in _BY_NAME:
        return _GRAMMAR_BY_ID.get(_BY_NAME[name])
    return grammar_of(name)


@dataclass(frozen=True)
class Todo:
    """One TODO request: the marker, its (possibly multi-line) text and where it is.

    Positions are zero-based lines and code-point columns; `line`/`column` is the marker,
    `end_line`/`end_column` the end of its last comment line. `task_id` is set for a linked
    TODO (`TODO(task:ID): …`).
    """

    marker: str
    text: str
    line: int
    column: int
    end_line: int
    end_column: int
    task_id: str | None = None
    header_end: int = 0  # column after `TODO(...):` on the first line
    lines: tuple[int, ...] = field(default=(), compare=False)

    def contains(self, line: int) -> bool:
        return self.line <= line <= self.end_line

    def shifted(self, rows: int) -> Todo:
        """The same TODO `rows` lines further down (up when negative)."""
        if not rows:
            return self
        return replace(
            self,
            line=self.line + rows,
            end_line=self.end_line + rows,
            lines=tuple(line + rows for line in self.lines),
        )


class RawComment(NamedTuple):
    """One comment as the reader found it: its whole text (leaders and closers included)."""

    line: int
    column: int  # code points
    text: str
    alone: bool  # nothing but whitespace before it on its line
    line_style: bool  # a `//` / `#` comment running to the end of its line


@dataclass(frozen=True)
class _CommentLine:
    line: int
    column: int  # where `text` starts
    text: str
    group: int  # comments in one group may continue each other
    alone: bool  # nothing but whitespace before the comment on its line


_LEADER = re.compile(r"^[ \t]*(?:#+|//+!?|--+|;+|/\*+|\*+(?!/)|\{-|<!--|=begin|\"\"\"|''')?[ \t]*")
_CLOSER = re.compile(r"[ \t]*(?:\*/|-->|-\}|\"\"\"|'''|^=end\b.*)?[ \t]*$")


@lru_cache(maxsize=16)
def marker_pattern(markers: tuple[str, ...]) -> re.Pattern[str] | None:
    """What starts a TODO in a comment line: a marker, an optional `(tag)`, then `:`, a space
    or the line end. None when there is no marker."""
    words = [m for m in markers if m]
    if not words:
        return None
    return re.compile(
        r"(?P<marker>"
        + "|".join(re.escape(m) for m in sorted(words, key=len, reverse=True))
        + r")(?:\((?P<tag>[^)\n]*)\))?(?::|(?=\s)|$)[ \t]*"
    )


def find_todos(
    text: str, path: str = "", language_id: str | None = None, markers: Sequence[str] = ()
) -> list[Todo]:
    """Every TODO in `text` (a decoded document), in document order."""
    head = marker_pattern(tuple(markers or DEFAULT_MARKERS))
    if head is None or not text:
        return []
    grammar = grammar_for(path, language_id)
    if grammar is not None:
        from backend_planner.lsp.syntax_trees import SyntaxTodos

        return SyntaxTodos(grammar, text).todos(text, tuple(markers or DEFAULT_MARKERS))
    return assemble(comment_lines(_lexed(text, syntax_for(path, language_id))), head)


def assemble(comments: Iterable[_CommentLine], head: re.Pattern[str]) -> list[Todo]:
    """The TODOs of a run of comment lines: a line starting with a marker, continued by the
    next lines of its comment group (consecutive, alone on their line, not blank, no marker)."""
    todos: list[Todo] = []
    lines = iter(comments)
    comment = next(lines, None)
    while comment is not None:
        match = head.match(comment.text)
        if not match:
            comment = next(lines, None)
            continue
        body = [comment.text[match.end() :].strip()]
        end_line, end_column = comment.line, comment.column + len(comment.text.rstrip())
        covered = [comment.line]
        nxt = next(lines, None)
        while nxt is not None:
            stripped = nxt.text.strip()
            if (
                nxt.group != comment.group
                or nxt.line != covered[-1] + 1
                or not nxt.alone
                or not stripped
                or head.match(nxt.text)
            ):
                break
            body.append(stripped)
            covered.append(nxt.line)
            end_line, end_column = nxt.line, nxt.column + len(nxt.text.rstrip())
            nxt = next(lines, None)
        tag = match.group("tag") or ""
        task_id = tag[5:].strip() or None if tag.startswith("task:") else None
        todos.append(
            Todo(
                marker=match.group("marker"),
                text=" ".join(part for part in body if part),
                line=comment.line,
                column=comment.column,
                end_line=end_line,
                end_column=end_column,
                task_id=task_id,
                header_end=comment.column + match.end(),
                lines=tuple(covered),
            )
        )
        comment = nxt
    return todos


def comment_lines(comments: Iterable[RawComment]) -> Iterator[_CommentLine]:
    """The lines of comment text, leaders (`//`, `#`, ` * `) stripped, numbered by group: line
    comments alone on consecutive lines are one group, every other comment its own."""
    group = 0
    previous_line_comment = -2
    for comment in comments:
        line, column, alone = comment.line, comment.column, comment.alone
        if comment.line_style:
            if not (alone and previous_line_comment == line - 1):
                group += 1
            previous_line_comment = line if alone else -2
            yield _strip(comment.text, line, column, group, alone)
            continue
        group += 1
        previous_line_comment = -2
        for offset, piece in enumerate(comment.text.split("\n")):
            piece_column = column if offset == 0 else 0
            yield _strip(piece, line + offset, piece_column, group, offset > 0 or alone)


def _lexed(text: str, syntax: Syntax) -> Iterator[RawComment]:
    """The comments of `text` by the lexical rules of `syntax` (strings skipped)."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    flags = re.MULTILINE if syntax.fallback or syntax is _RUBY else 0
    pattern = syntax.pattern if not flags else re.compile(syntax.pattern.pattern, re.DOTALL | flags)
    for match in pattern.finditer(text):
        kind = match.lastgroup
        if kind == "str" or kind is None:
            continue
        start = match.start()
        line = bisect.bisect_right(starts, start) - 1
        alone = not text[starts[line] : start].strip()
        if kind == "doc" and not alone:
            continue  # a triple-quoted string used as a value, not a docstring
        yield RawComment(line, start - starts[line], match.group(), alone, kind == "line")


def _strip(piece: str, line: int, column: int, group: int, alone: bool) -> _CommentLine:
    lead = _LEADER.match(piece)
    skip = lead.end() if lead else 0
    body = _CLOSER.sub("", piece[skip:])
    return _CommentLine(line, column + skip, body, group, alone)


def todo_at(todos: Sequence[Todo], line: int) -> Todo | None:
    """The TODO whose comment covers `line`, if any."""
    for todo in todos:
        if todo.contains(line):
            return todo
    return None
