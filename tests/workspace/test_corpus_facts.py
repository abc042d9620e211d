"""The comparison rules of the corpus test itself."""

from __future__ import annotations

from workspace.corpus_facts import layout_word, paths_agree


def test_same_paths_agree_in_any_order() -> None:
    assert paths_agree(["a/b", "c"], ["c", "a/b"])


def test_null_expected_needs_nothing_detected() -> None:
    assert paths_agree(None, [])
    assert not paths_agree(None, ["api"])
    assert not paths_agree("api", [])


def test_more_specific_detected_path_agrees_less_specific_does_not() -> None:
    assert paths_agree("src/modules", ["src/modules/<name>"])
    assert not paths_agree("src/modules/user", ["src/modules"])


def test_placeholders_match_one_segment_either_side() -> None:
    assert paths_agree("hc/integrations/<name>/views.py", ["hc/integrations/slack/views.py"])
    assert paths_agree(["hc/api/views.py", "hc/front/views.py"], ["hc/<name>/views.py"])
    assert not paths_agree("hc/<name>/views.py", ["hc/a/b/views.py"])


def test_every_path_on_both_sides_must_be_matched() -> None:
    assert not paths_agree(["a", "b"], ["a"])
    assert not paths_agree("a", ["a", "b"])


def test_free_text_test_layout_is_read_from_its_first_words() -> None:
    assert layout_word("colocated src/**/*.spec.ts + e2e in test/") == "colocated"
    assert layout_word("separate tests/ dir at repo root") == "separate"
    assert layout_word("mixed: colocated ... + API tests") == "mixed"
    assert layout_word("single file tests.py at repo root") == "separate"
    assert layout_word(None) is None
