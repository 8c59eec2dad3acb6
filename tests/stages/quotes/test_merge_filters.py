"""Merging interrupted quotations, and the filters: scare quotes, titles, quotations a mixed
attribution takes in."""

from __future__ import annotations

import pytest

from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes.candidate import Attribution, Candidate
from pipeline.stages.quotes.filters import has_own_cue, is_scare_quote, is_title, keep_direct
from pipeline.stages.quotes.merge import is_cue_clause, merge_interrupted

from .docs import make_doc, quoted

LAVROV = {"name": "Sergey Lavrov", "start": 0, "end": 6, "text": "Lavrov", "known": True}
PUTIN = {"name": "Vladimir Putin", "start": 0, "end": 5, "text": "Putin", "known": True}


@pytest.mark.parametrize(
    "text,a,b,expected",
    [
        ("“We did everything,” Lavrov said, “to save the treaty.”", "”", "“", True),
        ("The talks went on for hours. “Nothing will change.”", "The", "“", False),
    ],
)
def test_merge_is_cue_clause(text, a, b, expected):
    start, end = text.index(a) + len(a), text.rindex(b)
    assert is_cue_clause(load_knowledge(), make_doc(text), start, end) is expected


INTERRUPTED = "“We did everything,” Lavrov said, “to save the treaty.”"


@pytest.mark.parametrize(
    "text,second_speaker,with_cue,expected",
    [
        # "“A,” he said, “B.”": one quote, from the first mark to the last.
        (INTERRUPTED, LAVROV, True, [INTERRUPTED]),
        # With the cue between them, that cue's speaker speaks both, whoever the second was given to.
        (INTERRUPTED, PUTIN, True, [INTERRUPTED]),
        # Without it, two quotations side by side are one only from one speaker.
        (INTERRUPTED, LAVROV, False, [INTERRUPTED]),
        (INTERRUPTED, PUTIN, False, ["“We did everything,”", "“to save the treaty.”"]),
        # A line break between two quotations separates them.
        (
            "“We did everything,” Lavrov said.\n“We will save the treaty.”",
            LAVROV,
            True,
            ["“We did everything,”", "“We will save the treaty.”"],
        ),
    ],
)
def test_merge_interrupted_quotation(text, second_speaker, with_cue, expected):
    doc = make_doc(text)
    said = doc.text.index("said")
    cue = {"start": said, "end": said + 4, "text": "said"} if with_cue else None
    how = "cue" if with_cue else "paragraph"
    body = [(s["start"], s["end"]) for s in doc._.segments]
    first, second = text.index("“"), text.rindex("“")
    direct = [
        Candidate(first, text.index("”") + 1, Attribution(LAVROV, cue, how, True), par=0),
        Candidate(second, len(text), Attribution(second_speaker, cue, how, True), par=len(body) - 1),
    ]
    merged = merge_interrupted(load_knowledge(), doc, body, direct)
    assert [text[q.start : q.end] for q in merged] == expected


def test_merge_a_title_is_no_piece_of_the_quotation_beside_it():
    """“…,” Trump said on ABC's "Good Morning America." "…": the show is where it was said."""
    text = "“She is flawed,” Trump said on ABC’s “Good Morning America.” “She will lose.”"
    doc = make_doc(text)
    said = text.index("said")
    cue = {"start": said, "end": said + 4, "text": "said"}
    at = text.index("Trump")
    trump = {"name": "Donald Trump", "start": at, "end": at + 5, "text": "Trump", "known": True}
    body = [(s["start"], s["end"]) for s in doc._.segments]
    pieces = ["“She is flawed,”", "“Good Morning America.”", "“She will lose.”"]
    direct = [
        Candidate(text.index(p), text.index(p) + len(p), Attribution(trump, cue, "cue", True), par=0)
        for p in pieces
    ]
    merged = merge_interrupted(load_knowledge(), doc, body, direct)
    assert [text[q.start : q.end] for q in merged] == pieces


@pytest.mark.parametrize(
    "inner,expected",
    [
        ("Guardians of the Galaxy,", True),
        ("Parks and Recreation", True),
        ("Cake Boss.", True),
        ("Lock Her Up!", False),
        ("Savage,", False),
        ("we will respond in kind", False),
        ("The Long And Winding Road That Leads To Your Door", False),
    ],
)
def test_filters_is_title(inner, expected):
    assert is_title(inner) is expected


@pytest.mark.parametrize(
    "part,how,closed,expected",
    [
        ("“Parks and Recreation,”", "cue", True, True),
        ("“Parks and Recreation,”", "dialogue", True, False),
        ("“Parks and Recreation,”", "cue", False, False),
        ("“Parks", "sentence", True, False),
    ],
)
def test_filters_is_scare_quote(part, how, closed, expected):
    text = "Serafinowicz, who has starred in “Parks and Recreation,” spoke on Thursday."
    assert is_scare_quote(make_doc(text), quoted(text, part, how, closed=closed)) is expected


@pytest.mark.parametrize("title_max_words,expected", [(8, True), (2, False)])
def test_filters_title_length_is_a_threshold(title_max_words, expected):
    text = "Serafinowicz, who has starred in “Parks and Recreation,” spoke on Thursday."
    q = quoted(text, "“Parks and Recreation,”")
    assert is_scare_quote(make_doc(text), q, title_max_words) is expected


def test_filters_quotation_inside_a_mixed_clause_is_left_out():
    text = "Sanders said he was “encouraged” by the plan announced on Tuesday."
    cue = {"start": 8, "end": 12, "text": "said"}
    mixed = Candidate(13, 65, Attribution(LAVROV, cue, "cue", True), kind="mixed")
    inner = quoted(text, "“encouraged”", "cue", speaker=LAVROV)
    inner.att.cue = cue
    assert keep_direct(make_doc(text), [inner], [mixed]) == []
    assert not has_own_cue(inner, mixed)


def test_filters_quotation_with_its_own_cue_outside_the_mixed_clause():
    # "The US demands all countries “come to terms …,” said Lavrov": the quotation's cue is not the clause's.
    mixed = Candidate(
        13, 65, Attribution(LAVROV, {"start": 8, "end": 12, "text": "said"}, "cue", True), kind="mixed"
    )
    inner = Candidate(20, 32, Attribution(PUTIN, {"start": 0, "end": 7, "text": "Sanders"}, "cue", True))
    assert has_own_cue(inner, mixed)
