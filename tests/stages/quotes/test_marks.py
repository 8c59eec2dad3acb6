"""Quotation marks: pairing, unclosed quotations and clause ends, on plain text and hand-built Docs."""

from __future__ import annotations

import pytest

from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes.marks import clause_end, find_paragraph_quotes, find_quote_spans

from .docs import make_doc


def spans_of(text: str, next_opens: bool = False, end=None) -> list[tuple[str, bool, bool]]:
    close = end or (lambda start: len(text))
    return [
        (text[q.start : q.end], q.closed, q.continues)
        for q in find_quote_spans(text, 0, len(text), close, next_opens)
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("He said “yes” and left.", ["“yes”"]),
        ('He said "yes" and left.', ['"yes"']),
        ("He said «yes» and left.", ["«yes»"]),
        ("He said „yes“ and left.", ["„yes“"]),
        ("He said ''yes'' and left.", ["''yes''"]),
        ("He said ``yes'' and left.", ["``yes''"]),
        ("It was the ‘rogue state’ label.", ["‘rogue state’"]),
        ("“A ‘rogue state’ label,” he said.", ["“A ‘rogue state’ label,”"]),
    ],
)
def test_marks_pairs_opening_and_closing_marks(text, expected):
    assert [s for s, _, _ in spans_of(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "It isn’t the leaders’ view.",
        "The 1990s' deals were 5' 10\" tall.",
        "No marks at all.",
        "A ‘x’ is too short.",
    ],
)
def test_marks_apostrophes_and_measures_are_not_quotations(text):
    assert spans_of(text) == []


@pytest.mark.parametrize(
    "text,expected",
    [
        # An opening mark met again before a closing one: the first quotation was never closed.
        ("“One thing. “Another thing.”", [("“One thing.", False, False), ("“Another thing.”", True, False)]),
        # Still open at the paragraph's end: closed at the end of its clause.
        ("He said “the entire world", [("“the entire world", False, False)]),
    ],
)
def test_marks_unclosed_quotation_is_closed(text, expected):
    assert spans_of(text) == expected


@pytest.mark.parametrize("next_opens,continues", [(True, True), (False, False)])
def test_marks_quotation_open_at_paragraph_end_continues_only_if_next_opens(next_opens, continues):
    text = "He said: “We will go on and on"
    [(_, closed, goes_on)] = spans_of(text, next_opens)
    assert not closed and goes_on is continues


@pytest.mark.parametrize(
    "text,expected",
    [
        # A comma followed by a cue closes the quotation there.
        ("“We will go, he said, and we will stay.", "“We will go"),
    ],
)
def test_marks_clause_end_closes_before_a_cue(text, expected):
    doc = make_doc(text)
    close = clause_end(doc, load_knowledge(), len(text))
    assert [text[q.start : q.end] for q in find_quote_spans(text, 0, len(text), close, False)] == [expected]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "The treaty collapsed, Lavrov explained, adding:\n\n“In 2007, we made another gesture of good will.”",
            [[], ["“In 2007, we made another gesture of good will.”"]],
        ),
        ("Lavrov said that the US violated the treaty.", [[]]),
    ],
)
def test_marks_quotations_found_per_paragraph(text, expected):
    doc = make_doc(text)
    body = [(s["start"], s["end"]) for s in doc._.segments]
    found = find_paragraph_quotes(doc, load_knowledge(), body)
    assert [[text[q.start : q.end] for q in par] for par in found] == expected
