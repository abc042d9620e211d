"""TODOs read from a syntax tree kept current edit by edit: an edit in the middle of a long
file re-reads that region only (the other TODOs are kept, their lines shifted), a typed
character inside a comment needs no parse at all, and whatever the edits the result is the
one a fresh read of the same text gives."""

from __future__ import annotations

import random

import pytest

from backend_planner.lsp.syntax_trees import (
    MAX_PENDING,
    SyntaxTodos,
    SyntaxTrees,
    common_edit,
    edit_for,
)
from backend_planner.lsp.todos import Todo, find_todos, grammar_for

MARKERS = ("TODO", "FIXME", "PLAN")
STEP = 50  # a TODO every STEP lines


def long_go(functions: int = 100) -> str:
    """A Go file of `functions` × STEP lines: a TODO above each function, string literals
    that look like TODOs inside it."""
    out = ["package big", ""]
    for k in range(functions):
        out.append(f"// TODO: add endpoint number {k} with paging")
        out.append(f"func handler{k}(id int) string {{")
        for i in range(STEP - 3):
            out.append(f'\tv{i} := "value {i} // TODO: not a comment"; _ = v{i}')
        out.append("}")
    return "\n".join(out) + "\n"


def line_of(k: int) -> int:
    return 2 + k * STEP


def facts(todos: list[Todo]) -> list[tuple[int, int, int, int, str]]:
    return [(t.line, t.column, t.end_line, t.end_column, t.text) for t in todos]


class Document:
    """A document and its tree, edited the way the server edits them."""

    def __init__(self, text: str, grammar: str = "go") -> None:
        self.text = text
        self.tree = SyntaxTodos(grammar, text)
        self.todos = self.tree.todos(text, MARKERS)

    def replace(self, old: str, new: str, count: int = 1) -> None:
        at = -1
        for _ in range(count):
            at = self.text.index(old, at + 1)
        self.edit(at, at + len(old), new)

    def edit(self, start: int, end: int, new: str) -> None:
        self.tree.edit([edit_for(self.text, start, end, new)])
        self.text = self.text[:start] + new + self.text[end:]

    def read(self) -> list[Todo]:
        self.todos = self.tree.todos(self.text, MARKERS)
        return self.todos


def test_typing_in_one_todo_of_a_long_file_rereads_that_todo_only() -> None:
    doc = Document(long_go())
    before = list(doc.todos)
    parses = doc.tree.parses
    doc.replace("endpoint number 50 with", "endpoint number 50 and refunds with")
    after = doc.read()
    assert doc.tree.parses == parses  # typed inside a comment: nothing parsed
    assert after == find_todos(doc.text, "big.go")
    changed = [(b.text, a.text) for b, a in zip(before, after, strict=True) if a != b]
    assert changed == [
        ("add endpoint number 50 with paging", "add endpoint number 50 and refunds with paging")
    ]
    assert doc.tree.rows_read is not None
    assert all(last - first < STEP for first, last in doc.tree.rows_read)
    assert any(first <= line_of(50) <= last for first, last in doc.tree.rows_read)


def test_lines_added_in_the_middle_shift_the_todos_below_and_keep_those_above() -> None:
    doc = Document(long_go())
    before = list(doc.todos)
    parses = doc.tree.parses
    at = doc.text.index("// TODO: add endpoint number 50")
    doc.edit(at, at, "// FIXME: new request\n// on two lines\nvar x = 1\n")
    after = doc.read()
    assert doc.tree.parses == parses + 1  # code was typed: parsed again, with the old tree
    assert after == find_todos(doc.text, "big.go")
    assert after[:50] == before[:50]  # above the edit: the very same TODOs
    assert [(t.line, t.text) for t in after[50:52]] == [
        (line_of(50), "new request on two lines"),
        (line_of(50) + 3, "add endpoint number 50 with paging"),
    ]
    assert [t.line for t in after[51:]] == [t.line + 3 for t in before[50:]]
    assert doc.tree.rows_read is not None
    assert sum(last - first + 1 for first, last in doc.tree.rows_read) < STEP


def test_an_edit_that_turns_far_comments_into_a_string_rereads_the_changed_ranges() -> None:
    doc = Document(long_go(20))
    # One edit opens a raw string just above TODO 5 and another closes it below TODO 8:
    # the TODOs in between are string contents now (the tree's changed ranges say where).
    start = doc.text.index("// TODO: add endpoint number 5 ")
    end = doc.text.index("// TODO: add endpoint number 9 ")
    doc.edit(end, end, "`\n")
    doc.edit(start, start, "var raw = `\n")
    after = doc.read()
    assert after == find_todos(doc.text, "big.go")
    numbers = [int(t.text.split()[3]) for t in after]
    assert numbers == [0, 1, 2, 3, 4, 9, *range(10, 20)]
    assert doc.tree.rows_read is not None
    first, last = doc.tree.rows_read[0][0], doc.tree.rows_read[-1][1]
    assert first <= line_of(5) and last >= line_of(8)


def test_a_comment_line_typed_under_a_todo_continues_it() -> None:
    doc = Document(long_go(10))
    at = doc.text.index("func handler3(")
    doc.edit(at, at, "// so that clients can page\n")
    (todo,) = [t for t in doc.read() if "number 3 " in t.text]
    assert todo.text == "add endpoint number 3 with paging so that clients can page"
    assert (todo.line, todo.end_line) == (line_of(3), line_of(3) + 1)
    assert doc.todos == find_todos(doc.text, "big.go")
    doc.replace("// so that clients can page\n", "")
    assert doc.read() == find_todos(doc.text, "big.go") == Document(long_go(10)).todos


def test_docstrings_and_block_comments_edited_inside_need_no_parse() -> None:
    source = (
        'def f():\n    """TODO: add rate limits\n    per user.\n    """\n\nx = 1  # FIXME: retry\n'
    )
    doc = Document(source, "python")
    parses = doc.tree.parses
    doc.replace("per user.", "per user and per key.")
    doc.replace("retry", "retry on 503")
    assert [t.text for t in doc.read()] == ["add rate limits per user and per key.", "retry on 503"]
    assert doc.tree.parses == parses
    doc.replace("per key.", 'per "key".')  # a quote inside a docstring: parsed again
    assert doc.read() == find_todos(doc.text, "a.py")
    assert doc.tree.parses == parses + 1

    go = Document("package a\n\n/*\n * TODO(task:T-1): add refunds\n */\nvar x = 1\n")
    parses = go.tree.parses
    go.replace("refunds", "refunds\n * via Stripe")
    (todo,) = go.read()
    assert (todo.text, todo.task_id, todo.end_line, go.tree.parses) == (
        "add refunds via Stripe",
        "T-1",
        4,
        parses,
    )
    go.replace("Stripe\n */", "Stripe */")  # the `*/` moved: parsed again
    assert go.read() == find_todos(go.text, "a.go") and go.tree.parses == parses + 1


def test_markers_changed_read_the_whole_tree_again_without_parsing() -> None:
    doc = Document(long_go(5).replace("TODO: add endpoint number 2", "HACK: add endpoint number 2"))
    parses = doc.tree.parses
    assert len(doc.todos) == 4
    hacks = doc.tree.todos(doc.text, ("HACK",))
    assert [t.text for t in hacks] == ["add endpoint number 2 with paging"]
    assert doc.tree.rows_read is None and doc.tree.parses == parses


def test_a_text_the_edits_did_not_produce_is_parsed_again_from_scratch() -> None:
    doc = Document(long_go(5))
    parses = doc.tree.parses
    other = doc.text.replace("number 3 ", "number three ")  # no edit told
    assert doc.tree.todos(other, MARKERS) == find_todos(other, "a.go")
    assert doc.tree.parses == parses + 1 and doc.tree.rows_read is None


def test_too_many_pending_edits_make_the_next_read_a_whole_one() -> None:
    doc = Document(long_go(3))
    for _ in range(MAX_PENDING + 1):
        doc.replace("with paging", "with paging")
    assert doc.read() == find_todos(doc.text, "a.go") and doc.tree.rows_read is None


def test_a_whole_document_change_is_one_edit_between_common_prefix_and_suffix() -> None:
    old = long_go(4)
    new = old.replace("number 2 with", "number 2 and more with")
    start, end, text = common_edit(old, new) or (0, 0, "")
    assert old[:start] + text + old[end:] == new and text == "and more "
    assert common_edit(old, old) is None
    assert common_edit("", "x") == (0, 0, "x") and common_edit("ab", "") == (0, 2, "")


def test_trees_beyond_the_budget_are_dropped_least_recently_used_first() -> None:
    text = long_go(10)
    one = SyntaxTodos("go", text).size
    trees = SyntaxTrees(budget=int(one * 2.5))
    for name in ("a", "b", "c"):
        assert len(trees.todos(name, "go", text, MARKERS)) == 10
    assert list(trees.documents) == ["b", "c"]  # room made before `c` was parsed
    trees.todos("b", "go", text, MARKERS)
    trees.todos("d", "go", text, MARKERS)
    assert list(trees.documents) == ["b", "d"]
    trees.edit("a", [edit_for(text, 0, 0, "x")])  # a dropped tree: nothing to edit
    huge = SyntaxTrees(budget=1)
    huge.todos("a", "go", text, MARKERS)
    assert list(huge.documents) == ["a"]  # the document in use always keeps its tree


def test_grammar_by_language_id_then_file_name() -> None:
    assert grammar_for("x.tsx") == "tsx" and grammar_for("x.ts", "typescriptreact") == "tsx"
    assert grammar_for("x.txt", "python") == "python" and grammar_for("Rakefile") == "ruby"
    assert grammar_for("x.cs") is None and grammar_for("x.go", "sql") is None


SAMPLES = {
    "go": [
        "// TODO: add x\n",
        "// more text\n",
        'var s = "// TODO: no"\n',
        "/* TODO: block\n * cont\n */\n",
        "x := `raw\n// TODO: in raw\n`\n",
        "\n",
        "func f() {\n",
        "}\n",
        "y := 1 // FIXME: trailing\n",
    ],
    "python": [
        "# TODO: add x\n",
        "# more\n",
        "s = '# TODO: no'\n",
        'def f():\n    """TODO: doc\n    more doc\n    """\n',
        "x = '''\n# TODO: in string\n'''\n",
        "\n",
        "y = 1  # FIXME: trailing\n",
    ],
    "javascript": [
        "// TODO: add x\n",
        "// more\n",
        "const s = '// TODO: no';\n",
        "/* PLAN: block\n * cont */\n",
        "const t = `\n// TODO: tpl\n`;\n",
        "function f() {\n",
        "}\n",
    ],
    "rust": ["// TODO: add x\n", "/// doc more\n", 'let s = r#"// TODO: no"#;\n', "fn f() {}\n"],
    "php": ["<?php\n", "# TODO: hash\n", "$s = '// TODO: no';\n", "/* FIXME: b */\n"],
    "ruby": ["# TODO: x\n", "=begin\nTODO: blk\n=end\n", 's = "# TODO: no"\n', "# more\n"],
}
TYPED = ["a", " ", "\n", "/", "*", '"', "'", "#", "TODO: ", "`", "\\", "{", "é", "😀", "?>"]
PATHS = {"go": "a.go", "python": "a.py", "javascript": "a.js", "rust": "a.rs", "php": "a.php"}


@pytest.mark.parametrize("grammar", sorted(SAMPLES))
def test_random_edits_read_as_a_fresh_parse_reads(grammar: str) -> None:
    """Whatever the edits, the TODOs are those of the whole (incrementally parsed) tree read
    again; where the text parses without errors, those of a fresh parse too (with syntax
    errors, tree-sitter's recovery may depend on the edit history)."""
    rng = random.Random(grammar)
    samples = SAMPLES[grammar]
    for _ in range(40):
        doc = Document("".join(rng.choice(samples) for _ in range(rng.randint(5, 30))), grammar)
        for _ in range(rng.randint(1, 8)):
            for _ in range(rng.randint(1, 3)):
                start = rng.randint(0, len(doc.text))
                end = min(len(doc.text), start + rng.choice([0, 0, 1, 2, 5, 20]))
                typed = "".join(rng.choice(TYPED) for _ in range(rng.choice([0, 1, 1, 2])))
                doc.edit(start, end, rng.choice(samples) if rng.random() < 0.3 else typed)
            got = facts(doc.read())
            whole = facts(doc.tree.todos(doc.text, MARKERS[::-1]))  # other markers: read whole
            assert doc.tree.rows_read is None and got == whole
            doc.tree.todos(doc.text, MARKERS)
            if not doc.tree.tree.root_node.has_error:
                assert got == facts(find_todos(doc.text, PATHS.get(grammar, "a.rb")))


VALID = {  # snippets any sequence of which parses without errors
    "go": ["// TODO: add x\n", "// more\n", 'var s = "// TODO: no"\n', "/* TODO: b\n * c\n */\n"],
    "python": ["# TODO: add x\n", "# more\n", "s = '# TODO: no'\n", '"""TODO: doc\nmore\n"""\n'],
    "javascript": ["// TODO: x\n", "// more\n", "const s = '// TODO: no';\n", "/* PLAN: b */\n"],
    "rust": ["// TODO: add x\n", "/// doc more\n", "/* TODO: /* nested */ x */\n", "fn f() {}\n"],
    "php": ["# TODO: hash\n", "// TODO: x\n", "$s = '// TODO: no';\n", "/* FIXME: b */\n"],
    "ruby": ["# TODO: x\n", "=begin\nTODO: blk\n=end\n", 's = "# TODO: no"\n', "# more\n"],
}


@pytest.mark.parametrize("grammar", sorted(VALID))
def test_an_edit_read_without_parsing_leaves_the_tree_a_parse_would_make(grammar: str) -> None:
    """Edits typed into comments (delimiters among the characters): whenever one is read
    without a parse, the tree is the one a fresh parse of the text gives."""
    rng = random.Random(f"comments {grammar}")
    typed = [*TYPED, "*/", "/*", '"""', "=end\n", "-->", "?", ">"]
    head = "<?php\n" if grammar == "php" else ""
    skipped = 0
    for _ in range(60):
        doc = Document(head + "".join(rng.choice(VALID[grammar]) for _ in range(20)), grammar)
        assert not doc.tree.tree.root_node.has_error
        for _ in range(10):
            starts = [0, *(i + 1 for i, c in enumerate(doc.text) if c == "\n")]
            if doc.todos and rng.random() < 0.8:  # a place in a TODO's comment, mostly
                todo = rng.choice(doc.todos)
                row = rng.choice(todo.lines)
                column = todo.column if row == todo.line else 0
                line_end = doc.text.find("\n", starts[row])
                at = rng.randint(starts[row] + column, line_end if line_end >= 0 else len(doc.text))
            else:
                at = rng.randint(0, len(doc.text))
            end = min(len(doc.text), at + rng.choice([0, 0, 1, 3]))
            parses = doc.tree.parses
            doc.edit(at, end, "".join(rng.choice(typed) for _ in range(rng.choice([1, 1, 2]))))
            doc.read()
            if doc.tree.parses == parses:
                skipped += 1
                fresh = SyntaxTodos(grammar, doc.text).tree.root_node
                assert not fresh.has_error and str(fresh) == str(doc.tree.tree.root_node)
    assert skipped > 20
