"""The analysis' shortcuts (C-level scans, prefilters) give what the plain per-file code gives."""

from __future__ import annotations

import random
import re
import warnings
from itertools import compress, repeat

from hypothesis import given, settings
from hypothesis import strategies as st

from backend_planner.workspace import conventions as conv
from backend_planner.workspace import migrations as mig
from backend_planner.workspace.detect import _ending_with
from backend_planner.workspace.index import split_path
from backend_planner.workspace.rules import default_rules

PATH_CHARS = "ab./_-\nAZ9é"
paths = st.lists(st.text(PATH_CHARS, max_size=8), max_size=6)


@given(paths, st.text(PATH_CHARS, max_size=3))
def test_ending_with_is_endswith(files: list[str], suffix: str) -> None:
    assert _ending_with(files, suffix) == [f for f in files if f.endswith(suffix)]


def test_literal_tails_of_the_rules() -> None:
    tails = {
        t.name: mig.literal_tail(t.path_regex)
        for t in default_rules().by_category("migrations")
        if t.path_regex
    }
    assert tails["golang-migrate"] == ".sql"
    assert tails["django-migrations"] == ".py"
    assert tails["prisma-migrate"] == "/migration.sql"
    assert tails["knex-migrations"] == "s"  # `\.[cm]?[jt]s$`
    assert tails["goose"] == ""  # `\.(?:sql|go)$`


def test_literal_tail_stays_short_when_unsure() -> None:
    assert mig.literal_tail(r"^a|b\.py$") == ""  # top-level alternative
    assert mig.literal_tail(r"(?i)^x\.py$") == ""
    assert mig.literal_tail(r"^xya*b$") == "b"
    assert mig.literal_tail(r"^x\.py\$") == ""  # no anchor at the end
    assert mig.literal_tail(r"^x\\$") == "x\\"  # an escaped backslash, then the anchor
    assert mig.literal_tail(r"^[]a]z\d{2}(?:q)w\.go$") == "w.go"
    assert mig.literal_tail(r"^a(?#[)b$") == ""  # a comment, not a class


@settings(max_examples=50)
@given(st.data())
def test_every_match_of_a_rule_ends_with_its_tail(data: st.DataObject) -> None:
    for tech in default_rules().by_category("migrations"):
        for pattern in (tech.path_regex, tech.marker_regex):
            if pattern and mig.literal_tail(pattern):
                path = data.draw(st.from_regex(pattern, fullmatch=True))
                tail = mig.literal_tail(pattern)
                assert path.endswith(tail) or path.endswith(tail + "\n")


def test_literal_tail_on_random_patterns() -> None:
    rng = random.Random(5)
    tokens = ["a", "b", ".", r"\.", "/", r"\d", "[ab]", "[^a]", "[]a]", "(", ")", "(?:", "|"]
    tokens += ["?", "*", "+", "{2}", "*?", "^", r"\$", "\\\\", "(?=a)", "(?i)", "(?i:a)", "$"]
    tokens += ["}", "{", "]", r"\(", "x"]
    checked = 0
    for _ in range(20_000):
        pattern = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 8)))
        pattern += rng.choice(["$", "", r"\$"])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                regex = re.compile(pattern)
        except re.error:
            continue
        tail = mig.literal_tail(pattern)
        if not tail:
            continue
        for _ in range(100):
            text = "".join(rng.choice("ab./\\x$()]{}1\n") for _ in range(rng.randint(0, 8)))
            if regex.search(text):
                checked += 1
                assert text.endswith(tail) or text.endswith(tail + "\n"), (pattern, text)
    assert checked > 1000


@given(st.lists(st.sampled_from(["db/schema.rb", "m/0001_x.py", "m/1_a.up.sql", "V1__a.sql"])))
def test_locate_with_the_joined_files_finds_the_same(files: list[str]) -> None:
    joined = "\n".join(files) + "\n"
    for tech in default_rules().by_category("migrations"):
        assert mig.locate(tech, files, joined) == mig.locate(tech, files)


@given(st.text("ab_Hhandler.gsoR", max_size=24))
def test_a_stem_the_any_suffix_regex_matches_has_a_keyword_ending(stem: str) -> None:
    if conv._ANY_SUFFIX.match(stem):
        assert stem.endswith(conv._KEYWORD_ENDINGS)
    assert all(word.isalpha() for word in conv._KEYWORD_LAYER)  # see _shared_keyword


def test_keyword_endings_on_every_keyword() -> None:
    for word in conv._KEYWORD_LAYER:
        for stem in (f"user_{word}", f"user{word.capitalize()}", f"x.{word}\n"):
            assert conv._ANY_SUFFIX.match(stem)
            assert stem.endswith(conv._KEYWORD_ENDINGS)


STEMS = ["user", "a", "", "x_y", "Foo", "fooBar", "routes", "repo", "my.", "b-", "9"]
SEPS = ["_", ".", "-", "", "__"]
WORDS = ["handler", "Handler", "repository", "repo", "store", "views", "view", "x", "dao"]
EXTS = [".go", ".ts", ".spec.ts", "", ".a.b"]


@given(
    st.lists(st.sampled_from(STEMS), min_size=1, max_size=5),
    st.sampled_from(SEPS),
    st.sampled_from(WORDS),
    st.sampled_from(EXTS),
    st.lists(st.text("ab_.Handler", max_size=10), max_size=2),
)
def test_shared_keyword_is_what_the_scan_finds(
    stems: list[str], sep: str, word: str, ext: str, others: list[str]
) -> None:
    names = [s + sep + word + ext for s in stems] + others
    names = [n for n in names if n] or ["a"]
    joined = "\0".join(names)
    shared = conv._shared_keyword(joined, len(names))
    if shared is not None:
        assert conv._REVERSED_NAMES.findall("\0" + joined[::-1]) == [shared] * len(names)


def test_shared_keyword_of_a_directory_of_handlers() -> None:
    names = "\0".join(f"f{i}_handler.go" for i in range(10))
    assert conv._shared_keyword(names, 10) == "reldnah"
    assert conv._shared_keyword(names + "\0_handler.go", 11) is None  # no stem: no vote
    assert conv._shared_keyword(names + "\0UserHandler.go", 11) is None


@given(
    st.sampled_from(["", "a", "a/b"]),
    st.lists(st.text("ab/", min_size=1, max_size=5), max_size=5),
    st.booleans(),
)
def test_all_right_in_means_no_file_in_a_sub_folder(
    place: str, rests: list[str], inside: bool
) -> None:
    files = [f"{place}/{r}" if inside and place else r for r in rests]
    cut = len(place) + 1 if place else 0
    nested = list(compress(files, map(str.count, files, repeat("/"), repeat(cut))))
    if conv._all_right_in(place, files):
        assert not nested
    elif files and all(f.startswith(place + "/") if place else True for f in files):
        assert nested


def _same_kind_per_file(paths: list[str], supporting: set[str]) -> list[str]:
    """_same_kind as a plain loop (the code before its shortcuts)."""
    out = []
    kinds = {split_path(p)[3] for p in supporting}
    for f in sorted(p for p in paths if p not in supporting):
        _, name, stem, ext = split_path(f)
        is_test = name.startswith("test_") or conv._TEST_SUFFIX.search(name) is not None
        if conv._ANY_SUFFIX.match(stem) is None and not is_test and ext in kinds:
            out.append(f)
            if len(out) == conv.NAMING_SAMPLE:
                break
    return out


NAMES = ["user_handler.go", "user_handler_test.go", "test_x.py", "Label.java", "a.go", "b.py"]
NAMES += ["userService.ts", "x.spec.ts", "UserTest.java", "errors.go", "m_repo\n.go"]


@given(st.lists(st.sampled_from(NAMES), unique=True), st.data())
def test_same_kind_is_the_plain_loop(names: list[str], data: st.DataObject) -> None:
    paths = [f"d/{n}" for n in names]
    supporting = set(data.draw(st.lists(st.sampled_from(paths or ["d/x.go"]))))
    assert conv._same_kind(paths, supporting) == _same_kind_per_file(paths, supporting)
