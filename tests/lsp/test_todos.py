"""TODO comments in each language's real comment syntax (strings are never comments)."""

from __future__ import annotations

import pytest

from backend_planner.lsp.todos import FALLBACK, find_todos, syntax_for, todo_at


def texts(source: str, path: str, language_id: str | None = None) -> list[tuple[int, str]]:
    return [(t.line, t.text) for t in find_todos(source, path, language_id)]


CASES = [
    (
        "go",
        "a.go",
        'x := "// TODO: no"\ny := `/* TODO: raw */`\n// TODO: add cache API\n',
        [(2, "add cache API")],
    ),
    ("python", "a.py", 's = "# TODO: no"\n# FIXME: retry on 503\n', [(1, "retry on 503")]),
    (
        "javascript",
        "a.js",
        "const t = `// TODO: ${x}`;\n/* PLAN: add orders endpoint */\n",
        [(1, "add orders endpoint")],
    ),
    (
        "typescript",
        "a.ts",
        "const s = '/* TODO: no */'; // TODO: add auth API\n",
        [(0, "add auth API")],
    ),
    (
        "java",
        "A.java",
        'String s = "// TODO no";\n/**\n * TODO: add export API\n */\n',
        [(2, "add export API")],
    ),
    (
        "kotlin",
        "A.kt",
        'val s = """\n// TODO: inside raw string\n"""\n// TODO: add login\n',
        [(3, "add login")],
    ),
    (
        "ruby",
        "a.rb",
        's = "# TODO: no"\n=begin\nTODO: add billing\n=end\n# FIXME: fix n+1\n',
        [(2, "add billing"), (4, "fix n+1")],
    ),
    (
        "php",
        "a.php",
        "<?php\n$s = '# TODO: no';\n# TODO: add hook\n// FIXME: fix\n",
        [(2, "add hook"), (3, "fix")],
    ),
    (
        "rust",
        "a.rs",
        'let s = r#"// TODO: no"#;\nfn f<\'a>() {} // TODO: add pool\n',
        [(1, "add pool")],
    ),
    (
        "csharp",
        "A.cs",
        'var s = @"// TODO: ""no""";\n/* TODO: add quota API */\n',
        [(1, "add quota API")],
    ),
    (
        "sql",
        "a.sql",
        "SELECT '-- TODO: no';\n-- TODO: add index on orders\n",
        [(1, "add index on orders")],
    ),
    (
        "yaml",
        "a.yml",
        'url: "http://x#TODO: no"\nkey: a#b\n# TODO: add worker\n',
        [(2, "add worker")],
    ),
    (
        "shell",
        "a.sh",
        'echo "# TODO: no"\necho $#\n# TODO: add backup job\n',
        [(2, "add backup job")],
    ),
]


@pytest.mark.parametrize(("name", "path", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_comments_not_strings(
    name: str, path: str, source: str, expected: list[tuple[int, str]]
) -> None:
    assert texts(source, path) == expected


def test_python_docstrings_are_comments_but_string_values_are_not() -> None:
    source = (
        'def f():\n    """TODO: add rate limits\n    per user.\n    """\n    x = """TODO: no"""\n'
    )
    assert texts(source, "m.py") == [(1, "add rate limits per user.")]


def test_multi_line_todo_reads_as_one_request_until_blank_or_marker() -> None:
    source = (
        "// TODO: counters live in memory\n"
        "// and are never evicted.\n"
        "//\n"
        "// not part of it\n"
        "// FIXME: other\n"
        "// continuation of FIXME\n"
        "x := 1 // TODO: trailing\n"
        "// not a continuation of a trailing comment\n"
    )
    todos = find_todos(source, "a.go")
    assert [(t.line, t.end_line, t.text) for t in todos] == [
        (0, 1, "counters live in memory and are never evicted."),
        (4, 5, "other continuation of FIXME"),
        (6, 6, "trailing"),
    ]
    assert todo_at(todos, 1) is todos[0] and todo_at(todos, 2) is None


def test_block_comment_multi_line_and_linked_task_id() -> None:
    source = "/*\n * TODO(task:T-42): add refunds\n *   via Stripe\n */\n"
    (todo,) = find_todos(source, "a.ts")
    assert (todo.text, todo.task_id, todo.line, todo.end_line) == (
        "add refunds via Stripe",
        "T-42",
        1,
        2,
    )
    assert source.splitlines()[1][todo.column : todo.header_end] == "TODO(task:T-42): "


def test_markers_are_configurable_and_must_be_words() -> None:
    assert texts("# HACK: x\n\n# TODO: y\n", "a.py") == [(2, "y")]
    hack = find_todos("# HACK: x\n\n# TODO: y\n", "a.py", markers=["HACK"])
    assert [t.text for t in hack] == ["x"]
    assert find_todos("# TODOS are fine\n# TODOLIST\n", "a.py") == []


def test_unknown_language_falls_back_and_bad_input_never_raises() -> None:
    assert syntax_for("notes.weird") is FALLBACK
    assert texts("; TODO: plan billing\ncode TODO: no\n", "notes.weird") == [(0, "plan billing")]
    assert find_todos("\x00\xff\udcff TODO", "bin") == []
    assert texts("# TODO: fix \udcff\n", "a.py") == [(0, "fix \udcff")]
    assert find_todos("", "a.go") == [] and find_todos('"unterminated // TODO: x', "a.go") == []


def test_language_id_wins_over_extension() -> None:
    assert syntax_for("a.txt", "python").name == "python"
    assert syntax_for("Dockerfile").name == "shell"
    assert syntax_for("x.tsx").name == "javascript"
