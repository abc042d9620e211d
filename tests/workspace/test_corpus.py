"""Every fact of the corpus ground truth (../shared/corpus/expected.json), compared fact by fact.

See corpus_facts.py for how facts are compared. Prints per-fact accuracy and every miss; the
bar is 95 % of all facts right.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from backend_planner.workspace import analyze
from conftest import CORPUS_DIR
from workspace.corpus_facts import Fact, compare

EXPECTED = json.loads((CORPUS_DIR / "expected.json").read_text(encoding="utf-8"))
BAR = 0.95


@pytest.fixture(scope="module")
def corpus_facts() -> list[Fact]:
    facts: list[Fact] = []
    for entry in EXPECTED:
        facts += compare(entry["dir"], entry["expected"], analyze(CORPUS_DIR / entry["dir"]))
    return facts


def _kind(fact: str) -> str:
    return fact.split("].", 1)[1] if "]." in fact else fact


def test_corpus_accuracy(corpus_facts: list[Fact], capsys: pytest.CaptureFixture[str]) -> None:
    by_kind: dict[str, list[Fact]] = defaultdict(list)
    for fact in corpus_facts:
        by_kind[_kind(fact.fact)].append(fact)
    right = sum(f.ok for f in corpus_facts)
    lines = [f"corpus: {right}/{len(corpus_facts)} facts right ({right / len(corpus_facts):.1%})"]
    lines += [
        f"  {kind:<22} {sum(f.ok for f in fs):>3}/{len(fs):<3}"
        for kind, fs in sorted(by_kind.items())
    ]
    misses = [f for f in corpus_facts if not f.ok]
    lines += [f"  MISS {m.repo} {m.fact}: expected {m.expected!r}, got {m.got!r}" for m in misses]
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert right / len(corpus_facts) >= BAR, "\n".join(lines)


def test_every_repo_and_service_is_compared(corpus_facts: list[Fact]) -> None:
    assert {f.repo for f in corpus_facts} == {e["dir"] for e in EXPECTED}
    services = sum(len(e["expected"]["services"]) for e in EXPECTED)
    per_service = 3 + 2 + 2 + 7  # language/frameworks/orm, migrations, tests, layout
    assert len(corpus_facts) == 2 * len(EXPECTED) + per_service * services


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["dir"] for e in EXPECTED])
def test_languages_and_services(entry: dict[str, object]) -> None:
    """The headline facts a user checks first are right for every repo."""
    profile = analyze(CORPUS_DIR / str(entry["dir"]))
    expected = entry["expected"]
    assert isinstance(expected, dict)
    assert sorted(lang.name for lang in profile.languages) == sorted(expected["languages"])
    assert sorted(s.path for s in profile.backends()) == sorted(
        s["path"] for s in expected["services"]
    )
    for service in profile.backends():
        want = next(s for s in expected["services"] if s["path"] == service.path)
        assert service.language == want["language"]
