"""Laravel's English inflection (Str::plural, Str::singular, Str::snake) for the common cases:
resource parameters (`photos` → `{photo}`) and model tables (`UserProfile` → `user_profiles`).
Irregular and uncountable words are data (rules/php.toml [[inflection]])."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from backend_planner.workspace.codemap.rules import load_rules


@dataclass(frozen=True)
class Inflection:
    name: str
    words: dict[str, str]  # singular → plural
    uncountable: tuple[str, ...]


@cache
def inflection() -> Inflection:
    (entry,) = load_rules("php", "inflection", Inflection)
    return entry


def snake(name: str) -> str:
    """`UserProfile` → `user_profile`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def singular(word: str) -> str:
    """Laravel's Str::singular for the common English cases (last word of snake/kebab)."""
    known = inflection()
    head, sep, last = _split_last(word)
    lower = last.lower()
    if lower in known.uncountable:
        return word
    for one, many in known.words.items():
        if lower == many:
            return head + sep + _same_case(one, last)
    if lower.endswith("ies") and len(lower) > 3:
        return head + sep + last[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zes")):
        return head + sep + last[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return head + sep + last[:-1]
    return word


def plural(word: str) -> str:
    """Laravel's Str::plural for the common English cases (last word of snake case)."""
    known = inflection()
    head, sep, last = _split_last(word)
    lower = last.lower()
    if lower in known.uncountable:
        return word
    if lower in known.words:
        return head + sep + _same_case(known.words[lower], last)
    if lower in known.words.values():
        return word
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return head + sep + last[:-1] + "ies"
    if lower.endswith(("lf", "rf")):  # shelf → shelves, scarf → scarves
        return head + sep + last[:-1] + "ves"
    if lower.endswith("fe") and not lower.endswith("ffe"):  # safe → saves
        return head + sep + last[:-2] + "ves"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return head + sep + last + "es"
    return head + sep + last + "s"


def _split_last(word: str) -> tuple[str, str, str]:
    for sep in ("_", "-"):
        if sep in word:
            head, _, last = word.rpartition(sep)
            return head, sep, last
    return "", "", word


def _same_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
