"""The direct-quote rules, one by one on a `DirectState`, and in their order."""

from __future__ import annotations

import pytest

from pipeline.doc.index import text_of
from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes.candidate import Attribution
from pipeline.stages.quotes.direct import (
    DIALOGUE,
    DIRECT_RULES,
    DirectState,
    Paragraph,
    attribute_quote,
    by_continuation,
    by_cue,
    by_dialogue,
    by_earlier_quote,
    by_introducer,
    by_subject,
    find_direct,
    sentence_start,
)
from pipeline.stages.quotes.marks import find_paragraph_quotes

from .docs import context, make_doc

LAVROV = {"name": "Sergey Lavrov", "start": 0, "end": 6, "text": "Lavrov", "known": True}


def state_of(text: str, par: int = 0, quote: int = 0, **fields) -> DirectState:
    """The state the rules see for quotation `quote` of paragraph `par` of `text`."""
    doc = make_doc(text)
    kb = load_knowledge()
    body = [(s["start"], s["end"]) for s in doc._.segments]
    spans = find_paragraph_quotes(doc, kb, body)
    a, b = body[par]
    inside = lambda i, qs=spans[par]: any(q.start <= i < q.end for q in qs)  # noqa: E731
    paragraph = Paragraph(par, a, b, text_of(doc)[a:b], DIALOGUE.match(text_of(doc)[a:b]), inside)
    return DirectState(doc, kb, paragraph, spans[par][quote], **fields)


def test_direct_rules_are_in_the_documented_order():
    assert [r.__name__ for r in DIRECT_RULES] == [
        "by_dialogue",
        "by_introducer",
        "by_cue",
        "by_earlier_quote",
        "by_introducer_later",
        "by_continuation",
        "by_subject",
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Putin: “Good,” and the meeting ended.", ("Vladimir Putin", ":", "dialogue")),
        ("“We will respond in kind,” Lavrov said.", None),
    ],
)
def test_direct_rules_dialogue(text, expected):
    att = by_dialogue(state_of(text))
    assert ((att.speaker["name"], att.cue["text"], att.how) if att else None) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("“We will respond in kind,” Lavrov said.", ("Sergey Lavrov", "said")),
        ("“We did everything,” Lavrov said, “to save the treaty.”", ("Sergey Lavrov", "said")),
        # No verb of saying outside the quotation in its sentence.
        ("The talks went on for hours. “Nothing will change.”", None),
        # A cue inside the quotation is part of what is said.
        ("Russia’s Defense Ministry “proposed new talks on the missiles.”", None),
    ],
)
def test_direct_rules_cue(text, expected):
    att = by_cue(state_of(text))
    assert ((att.speaker["name"], att.cue["text"]) if att else None) == expected
    assert att is None or (att.how, att.strong) == ("cue", True)


@pytest.mark.parametrize("opens_paragraph,expected", [(True, "introduced"), (False, None)])
def test_direct_rules_introducer_only_for_a_paragraph_opening_quotation(opens_paragraph, expected):
    text = (
        "The treaty collapsed, Lavrov explained, adding:\n\n“In 2007, we made another gesture of good will.”"
    )
    s = state_of(text, par=1, carry=Attribution(LAVROV, None, "introduced", True))
    if not opens_paragraph:
        s.quote.start += 1
    att = by_introducer(s)
    assert (att.how if att else None) == expected


@pytest.mark.parametrize(
    "prev_words,same_sentence,expected",
    [(8, True, "sentence"), (2, True, "paragraph"), (8, False, "paragraph")],
)
def test_direct_rules_earlier_quote(prev_words, same_sentence, expected):
    text = "The talks went on for hours. “Nothing will change.”"
    s = state_of(text, prev=Attribution(LAVROV, None, "cue", True), prev_words=prev_words)
    s.prev_sent = sentence_start(s.doc, s.quote.start) if same_sentence else 0
    assert by_earlier_quote(s).how == expected


def test_direct_rules_earlier_quote_needs_one():
    assert by_earlier_quote(state_of("The talks went on for hours. “Nothing will change.”")) is None


@pytest.mark.parametrize("paragraphs_back,expected", [(1, "continued"), (2, "continued"), (3, None)])
def test_direct_rules_continuation_reaches_two_paragraphs_back(paragraphs_back, expected):
    text = (
        "The treaty collapsed, Lavrov explained, adding:\n\n“In 2007, we made another gesture of good will.”"
    )
    s = state_of(text, par=1)
    s.par.index = 5
    s.last_strong = (Attribution(LAVROV, None, "cue", True), 5 - paragraphs_back)
    att = by_continuation(s)
    assert (att.how if att else None) == expected
    assert att is None or att.cue is None


@pytest.mark.parametrize(
    "text,mentions,expected",
    [
        ("Russia’s Defense Ministry “proposed new talks on the missiles.”", None, "Russian Defense Ministry"),
        # The subject is no known speaker.
        ("Russia’s Defense Ministry “proposed new talks on the missiles.”", [], None),
    ],
)
def test_direct_rules_subject(text, mentions, expected):
    s = state_of(text)
    if mentions is not None:
        s.doc._.speaker_mentions = mentions
    att = by_subject(s)
    assert (att.speaker["name"] if att else None) == expected
    assert att is None or (att.how, att.strong) == ("subject", False)


def test_direct_rules_first_rule_that_applies_wins():
    # A line of dialogue with a cue in it: `dialogue` comes before `cue`.
    att = attribute_quote(state_of("Putin: “Good,” and the meeting ended."))
    assert att.how == "dialogue"


def test_direct_rules_none_applies():
    att = attribute_quote(state_of("The talks went on for hours. “Nothing will change.”"))
    assert (att.speaker, att.how) == (None, "none")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("“We will respond in kind,” Lavrov said.", [("“We will respond in kind,”", "Sergey Lavrov", "cue")]),
        (
            "“We did everything,” Lavrov said, “to save the treaty.”",
            [("“We did everything,” Lavrov said, “to save the treaty.”", "Sergey Lavrov", "cue")],
        ),
        (
            "The treaty collapsed, Lavrov explained, adding:\n\n“In 2007, we made another gesture of good will.”",
            [("“In 2007, we made another gesture of good will.”", "Sergey Lavrov", "introduced")],
        ),
        # Nobody is said to speak it: no attribution.
        ("The talks went on for hours. “Nothing will change.”", []),
    ],
)
def test_direct_rules_find_direct(text, expected):
    ctx = context(make_doc(text))
    found = find_direct(ctx, [(s["start"], s["end"]) for s in ctx.doc._.segments])
    assert [(text[q.start : q.end], q.att.speaker["name"], q.att.how) for q in found] == expected
    assert all(q.kind == "direct" for q in found)
