"""The code map on ten real backends in ten stacks (../shared/realworld), scored by the corpus's
own score.py: every endpoint their code serves and every entity they declare. The figures and
each remaining miss are printed (`pytest -s` or the report's captured output)."""

from __future__ import annotations

from workspace.codemap.realworld import score, truth

RECALL = 0.95
PRECISION = 0.95
ENTITY_RECALL = 0.95


def test_endpoints_and_entities_of_ten_real_backends() -> None:
    required = matched = false_positives = entities = entities_matched = extra = 0
    lines = []
    for directory in sorted(truth()):
        s = score(directory)
        required += s.required
        matched += s.matched
        false_positives += len(s.false_positives)
        entities += s.entities_required
        entities_matched += s.entities_matched
        extra += len(s.entities_extra)
        lines.append(
            f"{directory}: recall {s.recall:.1%} precision {s.precision:.1%} "
            f"entities {s.entity_recall:.1%}"
        )
        lines += [f"    miss {m}" for m in s.missed]
        lines += [f"    false+ {m}" for m in s.false_positives]
        lines += [f"    miss entity {m}" for m in s.entities_missed]
        lines += [f"    extra entity {m}" for m in s.entities_extra]
    recall = matched / required
    precision = matched / (matched + false_positives)
    entity_recall = entities_matched / entities
    summary = (
        f"endpoints recall {recall:.1%} ({matched}/{required}) precision {precision:.1%} "
        f"· entities recall {entity_recall:.1%} ({entities_matched}/{entities}), "
        f"{extra} entities the code doesn't declare"
    )
    print("\n".join([*lines, summary]))
    report = "\n".join([*lines, summary])
    assert recall >= RECALL, report
    assert precision >= PRECISION, report
    assert entity_recall >= ENTITY_RECALL, report
    assert extra == 0, report  # no table made up from a DTO, a view or a query row type
