"""Reported speech: `said that`, `according to`, complements, cue clauses set into a sentence,
colon leads, and how much of a clause may be quoted before it is a mixed attribution."""

from __future__ import annotations

import pytest

from pipeline.stages.quotes.candidate import Attribution, Candidate
from pipeline.stages.quotes.reported import clause_kind, close_mixed, cut_clause, find_indirect

from .docs import context, make_doc, quoted


def reported(text: str, direct: list[Candidate] | None = None, **limits) -> list[tuple[str, str, str, str]]:
    """(content, speaker, how, kind) of what `find_indirect` reports in `text`."""
    ctx = context(make_doc(text), **limits)
    body = [(s["start"], s["end"]) for s in ctx.doc._.segments]
    found = find_indirect(ctx, body, direct or [])
    return [(text[q.start : q.end], q.att.speaker["name"], q.att.how, q.kind) for q in found]


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Lavrov said that the US violated the treaty.",
            ("the US violated the treaty", "Sergey Lavrov", "cue", "indirect"),
        ),
        (
            "The missiles are being produced in America, Lavrov explained.",
            ("The missiles are being produced in America", "Sergey Lavrov", "cue", "indirect"),
        ),
        (
            "According to Lavrov, the US deployed missiles in Romania.",
            ("the US deployed missiles in Romania", "Sergey Lavrov", "according", "indirect"),
        ),
        (
            "The United States, Lavrov said, will leave the treaty in August.",
            (
                "The United States, Lavrov said, will leave the treaty in August",
                "Sergey Lavrov",
                "cue",
                "indirect",
            ),
        ),
        (
            "Sanders: Endorsements prove Clinton is the candidate of the establishment.",
            (
                "Endorsements prove Clinton is the candidate of the establishment",
                "Bernie Sanders",
                "colon",
                "indirect",
            ),
        ),
    ],
)
def test_reported_speech_found(text, expected):
    assert expected in reported(text)


@pytest.mark.parametrize(
    "text",
    [
        # "it" names no speaker.
        "It said the talks had failed again.",
        # "no evidence" names nobody who said anything.
        "No evidence suggests otherwise.",
        # A label of the page, not a speaker, leads with a colon.
        "UPDATE: The talks resumed on Monday in Geneva.",
        # A fronted condition is not what was asked.
        "If this occurs, we will respond, he asked.",
        "The talks went on for hours. “Nothing will change.”",
    ],
)
def test_reported_narration_is_not_reported_speech(text):
    assert reported(text) == []


def test_reported_clause_with_a_short_quotation_is_mixed():
    text = "Sanders said he was “encouraged” by the plan announced on Tuesday."
    found = reported(text, [quoted(text, "“encouraged”")])
    assert found == [
        ("he was “encouraged” by the plan announced on Tuesday", "Bernie Sanders", "cue", "mixed")
    ]


@pytest.mark.parametrize("mixed_share,expected", [(0.9, ["mixed"]), (0.1, [])])
def test_reported_mixed_share_is_a_threshold(mixed_share, expected):
    text = "Sanders said he was “encouraged” by the plan announced on Tuesday."
    found = reported(text, [quoted(text, "“encouraged”")], mixed_share=mixed_share)
    assert [kind for *_, kind in found] == expected


def test_reported_complement_of_a_cue_with_its_quotation():
    text = "Paul called Rubio’s proposed child care tax credit “a payment.”"
    found = reported(text, [quoted(text, "“a payment.”")])
    assert [(how, kind) for _, _, how, kind in found] == [("complement", "mixed")]


@pytest.mark.parametrize(
    "part,quotes,expected",
    [
        ("the US violated the treaty", [], "indirect"),
        ("he was “encouraged” by the plan announced on Tuesday", ["“encouraged”"], "mixed"),
        # Mostly quoted: the quotation carries the attribution.
        ("“encouraged”", ["“encouraged”"], None),
    ],
)
def test_reported_clause_kind(part, quotes, expected):
    text = (
        "Sanders said he was “encouraged” by the plan announced on Tuesday."
        if "encouraged" in part
        else "Lavrov said that the US violated the treaty."
    )
    start = text.index(part)
    direct = [quoted(text, q) for q in quotes]
    assert clause_kind(make_doc(text), start, start + len(part), direct) == expected


@pytest.mark.parametrize(
    "text,part,expected",
    [
        # The closing stop trimmed.
        (
            "Lavrov said that the US violated the treaty.",
            "the US violated the treaty.",
            "the US violated the treaty",
        ),
        # Too short to be reported content.
        ("Lavrov said that the US violated the treaty.", "the treaty.", None),
    ],
)
def test_reported_cut_clause(text, part, expected):
    start = text.index(part)
    cut = cut_clause(context(make_doc(text)), start, start + len(part), [])
    assert (text[cut[0] : cut[1]] if cut else None) == expected


def test_reported_mixed_span_ends_with_its_last_quotation():
    text = "Paul called Rubio’s proposed child care tax credit “a payment.”"
    direct = [quoted(text, "“a payment.”")]
    mixed = Candidate(12, len(text) - 2, Attribution(None, None, "complement", True), kind="mixed")
    assert close_mixed([mixed], direct) == [mixed]
    assert mixed.end == len(text)


@pytest.mark.parametrize(
    "text",
    [
        # Where and on what someone spoke is not what they said.
        "Lavrov said at a news conference in Moscow on Friday.",
        "Medvedev commented on the expiry of the treaty in Moscow.",
    ],
)
def test_reported_prepositional_phrase_alone_is_no_content(text):
    assert reported(text) == []


@pytest.mark.parametrize(
    "text,content",
    [
        # A directive: what is asked starts after the preposition.
        (
            "Blinken called on Russia to release the prisoners held since May.",
            "Russia to release the prisoners held since May",
        ),
        ("The minister called for a ban on all nuclear tests.", "a ban on all nuclear tests"),
    ],
)
def test_reported_directive_content(text, content):
    assert [r[0] for r in reported(text)] == [content]


def test_reported_second_cue_verb_is_its_own_attribution():
    text = "Trump said he was not worried about the expiry and expressed hope that the two sides would reach a deal."
    assert [(r[0], r[1]) for r in reported(text)] == [
        ("he was not worried about the expiry", "Donald Trump"),
        ("hope that the two sides would reach a deal", "Donald Trump"),
    ]


def test_reported_participle_report_keeps_the_speaker_of_the_sentence():
    text = (
        "Kirby said the White House was watching the weapon closely, calling it a concern but not a threat."
    )
    found = [(r[0], r[1]) for r in reported(text)]
    assert found[0] == ("the White House was watching the weapon closely", "Kirby")
    # "calling it …" is Kirby's, not the White House's, though the White House is nearer.
    assert found[1] == ("it a concern but not a threat", "Kirby")
