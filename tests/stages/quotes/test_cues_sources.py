"""Cue words and sources: which tokens are verbs of saying, and who a cue or quotation names."""

from __future__ import annotations

import pytest

from pipeline.doc.index import doc_index
from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes.cues import according_to, cues_outside, is_cue
from pipeline.stages.quotes.sources import can_speak, mention_for, speaker_of_cue

from .docs import make_doc, token


@pytest.mark.parametrize(
    "text,word,expected",
    [
        ("Lavrov said that the US violated the treaty.", "said", True),
        ("Lavrov said that the US violated the treaty.", "violated", False),
        ("Lavrov said that the US violated the treaty.", "treaty", False),
        ("He added that the talks would go on.", "added", True),
        # A noun is never a cue, whatever the verb beside it.
        ("He added sugar to the tea.", "sugar", False),
    ],
)
def test_cues_is_cue(text, word, expected):
    doc = make_doc(text)
    assert is_cue(load_knowledge(), token(doc, word)) is expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("According to Lavrov, the US deployed missiles in Romania.", "Lavrov"),
        ("Lavrov said that the US violated the treaty.", None),
    ],
)
def test_cues_according_to(text, expected):
    doc = make_doc(text)
    found = according_to(doc_index(doc).sents[0])
    assert (found.text if found is not None else None) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("“We will respond in kind,” Lavrov said.", ["said"]),
        ("According to Lavrov, the US deployed missiles in Romania.", ["According"]),
        # A cue; what rules out a speaker here is `can_speak` ("no evidence" names nobody).
        ("No evidence suggests otherwise.", ["suggests"]),
    ],
)
def test_cues_outside_quotations(text, expected):
    doc = make_doc(text)
    quotes = [(i, i + len(q)) for q in ["“We will respond in kind,”"] if (i := text.find(q)) >= 0]
    inside = lambda c: any(a <= c < b for a, b in quotes)  # noqa: E731
    assert [t.text for t in cues_outside(load_knowledge(), doc_index(doc).sents[0], inside)] == expected


@pytest.mark.parametrize(
    "text,cue,name,known",
    [
        ("“We will respond in kind,” Lavrov said.", "said", "Sergey Lavrov", True),
        ("Lavrov said that the US violated the treaty.", "said", "Sergey Lavrov", True),
        ("The United States, Lavrov said, will leave the treaty in August.", "said", "Sergey Lavrov", True),
        # "it" as the subject names no speaker.
        ("It said the talks had failed again.", "said", None, None),
    ],
)
def test_sources_speaker_of_cue(text, cue, name, known):
    doc = make_doc(text)
    cue_token = token(doc, cue)
    spk = speaker_of_cue(doc, cue_token, doc_index(doc).sent_of(cue_token.i))
    assert (spk["name"] if spk else None, spk["known"] if spk else None) == (name, known)


@pytest.mark.parametrize(
    "text,word,expected",
    [
        # Not in the speakers stage's mentions: a mention built from the noun phrase (named without
        # its article), not known.
        (
            "The missiles are being produced in America, Lavrov explained.",
            "missiles",
            ("missiles", False),
        ),
        ("Lavrov said that the US violated the treaty.", "Lavrov", ("Sergey Lavrov", True)),
        ("Lavrov said that the US violated the treaty.", "violated", None),
    ],
)
def test_sources_mention_for(text, word, expected):
    doc = make_doc(text)
    m = mention_for(doc, token(doc, word))
    assert ((m["name"], m["known"]) if m else None) == expected


@pytest.mark.parametrize(
    "text,word,expected",
    [
        ("If this occurs, we will respond, he asked.", "he", True),
        ("No evidence suggests otherwise.", "evidence", False),
        ("Lavrov said that the US violated the treaty.", "treaty", True),
        ("It said the talks had failed again.", "It", False),
    ],
)
def test_sources_can_speak(text, word, expected):
    doc = make_doc(text, mentions=[])
    assert can_speak(load_knowledge(), doc, mention_for(doc, token(doc, word))) is expected
