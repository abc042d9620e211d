"""The shared English inflection: table names from models and model names from tables."""

from __future__ import annotations

import pytest

from backend_planner.workspace.codemap.inflection import pluralize, singularize


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("article", "articles"),
        ("category", "categories"),
        ("status", "statuses"),
        ("person", "people"),
        ("Person", "People"),
        ("quiz", "quizzes"),
        ("mouse", "mice"),
        ("analysis", "analyses"),
        ("article_tag", "article_tags"),
        ("favourite_article", "favourite_articles"),
    ],
)
def test_words_go_both_ways(singular: str, plural: str) -> None:
    assert pluralize(singular) == plural
    assert singularize(plural) == singular


def test_uncountable_and_already_inflected_words_stay() -> None:
    assert pluralize("news") == "news" and singularize("equipment") == "equipment"
    assert pluralize("people") == "people"
    assert singularize("person") == "person"
    assert pluralize("") == ""
