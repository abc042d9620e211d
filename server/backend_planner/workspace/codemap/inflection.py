"""English inflection for names the code map derives: a table from a model (`Person` →
`people`), a model from a table (`article_tags` → `ArticleTag`), a parameter from a resource.

The rules are data (`rules/inflection.toml`: ActiveSupport's defaults, which most ORMs' naming
follows); only the last word of a snake_case or spaced name is inflected, its case kept.
Frameworks whose rules differ keep their own table in their family's rules file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from backend_planner.workspace.codemap.rules import load_rules


@dataclass(frozen=True)
class _Rule:
    pattern: str
    replacement: str


@dataclass(frozen=True)
class _Irregular:
    name: str
    plural: str


@dataclass(frozen=True)
class _Word:
    name: str


class Inflector:
    def __init__(self, family: str = "inflection") -> None:
        self.plurals = [
            (re.compile(r.pattern), r.replacement) for r in load_rules(family, "plural", _Rule)
        ]
        self.singulars = [
            (re.compile(r.pattern), r.replacement) for r in load_rules(family, "singular", _Rule)
        ]
        irregulars = load_rules(family, "irregular", _Irregular)
        self.to_plural = {i.name: i.plural for i in irregulars}
        self.to_singular = {i.plural: i.name for i in irregulars}
        self.uncountables = {w.name for w in load_rules(family, "uncountable", _Word)}

    def pluralize(self, word: str) -> str:
        return self._inflect(word, self.plurals, self.to_plural, self.to_singular)

    def singularize(self, word: str) -> str:
        return self._inflect(word, self.singulars, self.to_singular, self.to_plural)

    def _inflect(
        self,
        word: str,
        rules: list[tuple[re.Pattern[str], str]],
        irregular: dict[str, str],
        already: dict[str, str],
    ) -> str:
        if not word:
            return word
        last = re.split(r"[_\s]", word)[-1].lower()
        if last in self.uncountables or (last in already and last not in irregular):
            return word  # `people` is already plural, `person` already singular
        for source, target in irregular.items():
            if last == source:
                start = len(word) - len(source)
                return word[:start] + _same_case(target, word[start:])
        for pattern, replacement in rules:
            if pattern.search(word):
                return pattern.sub(replacement, word, count=1)
        return word


def _same_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


@cache
def inflector() -> Inflector:
    return Inflector()


def pluralize(word: str) -> str:
    return inflector().pluralize(word)


def singularize(word: str) -> str:
    return inflector().singularize(word)
