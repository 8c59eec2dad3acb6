"""The tagger-based rules on hand-set role scores, and the `claims_quotes` component end to end on
hand-built Docs (no model), with its thresholds from the config."""

from __future__ import annotations

import numpy
import pytest
from spacy.language import Language

from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes import QuoteFinder, Thresholds, make_quote_finder
from pipeline.stages.quotes.reported import find_indirect
from pipeline.stages.quotes.tagged import tagged_content, tagged_cue_content
from pipeline.stages.roles.tagger import ROLE_LABELS

from .docs import context, make_doc

LONG = "Lavrov said the United States has been violating the treaty for many years now in Europe and Asia."


def scores_for(doc, cue: dict[str, float], content: set[int] = frozenset(), source: set[int] = frozenset()):
    """Role scores: `cue` word -> its CUE probability; tokens in `content` / `source` read as those."""
    scores = numpy.zeros((len(doc), len(ROLE_LABELS)), dtype="float32")
    scores[:, ROLE_LABELS.index("O")] = 0.5
    for t in doc:
        if t.text in cue:
            scores[t.i, ROLE_LABELS.index("CUE")] = cue[t.text]
        if t.i in content:
            scores[t.i, ROLE_LABELS.index("CONTENT")] = 0.9
        if t.i in source:
            scores[t.i, ROLE_LABELS.index("SOURCE")] = 0.9
    return scores


@pytest.mark.parametrize("cue_score,expected", [(0.95, ["tagged"]), (0.5, [])])
def test_tagged_cue_content_needs_a_sure_cue(cue_score, expected):
    doc = make_doc(LONG)
    said = next(t.i for t in doc if t.text == "said")
    doc._.role_scores = scores_for(doc, {"said": cue_score}, content=set(range(said + 1, len(doc))))
    found = tagged_cue_content(context(doc), [], [])
    assert [q.att.how for q in found] == expected
    assert all(q.att.speaker["name"] == "Sergey Lavrov" for q in found)


def test_tagged_cue_content_leaves_a_cue_a_rule_used():
    doc = make_doc(LONG)
    ctx = context(doc)
    said = next(t for t in doc if t.text == "said")
    doc._.role_scores = scores_for(doc, {"said": 0.95}, content=set(range(said.i + 1, len(doc))))
    body = [(s["start"], s["end"]) for s in doc._.segments]
    found = find_indirect(ctx, body, [])
    assert found and tagged_cue_content(ctx, found, []) == []


@pytest.mark.parametrize("first_content,expected", [(2, 1), (14, 0)])
def test_tagged_content_needs_a_long_run(first_content, expected):
    doc = make_doc(LONG)
    said = next(t.i for t in doc if t.text == "said")
    content = set(range(first_content, len(doc) - 1))
    doc._.role_scores = scores_for(doc, {"said": 0.9}, content=content, source={0})
    # Cue and source by argmax: "said" reads as the cue, "Lavrov" as the source.
    assert doc._.role_scores[said].argmax() == ROLE_LABELS.index("CUE")
    assert len(tagged_content(context(doc), [])) == expected


def test_tagged_rules_need_the_tagger():
    doc = make_doc(LONG)
    assert tagged_cue_content(context(doc), [], []) == [] and tagged_content(context(doc), []) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "“We will respond in kind,” Lavrov said.",
            [("“We will respond in kind,”", "direct", "Sergey Lavrov", "cue")],
        ),
        (
            "Lavrov said that the US violated the treaty.",
            [("the US violated the treaty", "indirect", "Sergey Lavrov", "cue")],
        ),
        (
            "Sanders said he was “encouraged” by the plan announced on Tuesday.",
            [("he was “encouraged” by the plan announced on Tuesday", "mixed", "Bernie Sanders", "cue")],
        ),
        ("Serafinowicz, who has starred in “Parks and Recreation,” spoke on Thursday.", []),
        ("No evidence suggests otherwise.", []),
    ],
)
def test_component_sets_quotes(text, expected):
    doc = QuoteFinder(load_knowledge())(make_doc(text))
    assert doc._.error is None
    assert [
        (text[q["start"] : q["end"]], q["kind"], q["speaker"]["name"], q["how"]) for q in doc._.quotes
    ] == expected
    assert all(set(q) == {"start", "end", "kind", "closed", "speaker", "cue", "how"} for q in doc._.quotes)
    assert all(set(q["speaker"]) == {"name", "start", "end", "text"} for q in doc._.quotes)


def test_component_leaves_quotes_already_set():
    doc = make_doc("“We will respond in kind,” Lavrov said.")
    doc._.quotes = []
    assert QuoteFinder(load_knowledge())(doc)._.quotes == []


def from_config(**overrides) -> QuoteFinder:
    """The component as spaCy builds it from the factory's `default_config` and `overrides` (without
    `spacy.blank`, which resolves every installed factory)."""
    config = {**Language.get_factory_meta("claims_quotes").default_config, **overrides}
    return make_quote_finder(None, "claims_quotes", **config)


@pytest.mark.parametrize("mixed_share,kinds", [(0.9, ["mixed"]), (0.1, [])])
def test_component_thresholds_come_from_the_config(mixed_share, kinds):
    finder = from_config(mixed_share=mixed_share)
    assert finder.limits == Thresholds(mixed_share=mixed_share)
    doc = finder(make_doc("Sanders said he was “encouraged” by the plan announced on Tuesday."))
    assert [q["kind"] for q in doc._.quotes] == kinds


def test_component_default_config_is_the_documented_thresholds():
    assert from_config().limits == Thresholds()
    assert set(Language.get_factory_meta("claims_quotes").default_config) == set(
        Thresholds.__dataclass_fields__
    )
