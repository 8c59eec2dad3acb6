"""Speakers stage: roster names, spelling variants, titles, surnames and pronouns."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


def mention_names(record):
    return {(m["text"], s["name"]) for s in record["speakers"] for m in s["mentions"]}


@pytest.mark.parametrize(
    "text,mention,name",
    [
        ("Sergei Lavrov arrived.", "Sergei Lavrov", "Sergey Lavrov"),
        ("Russian Foreign Minister Sergey Lavrov arrived.", "Sergey Lavrov", "Sergey Lavrov"),
        ("The Russian foreign minister arrived in Geneva.", "Russian foreign minister", "Sergey Lavrov"),
        (
            "Russia’s Defense Ministry issued a statement.",
            "Russia’s Defense Ministry",
            "Russian Defense Ministry",
        ),
    ],
)
def test_speakers_roster_names(annotate, text, mention, name):
    assert any(m.endswith(mention) and n == name for m, n in mention_names(annotate(text)))


def test_speakers_surname_links_to_full_name(annotate):
    rec = annotate("Jonathan Wexler arrived in Geneva. Later, Wexler said the talks failed.")
    said = [q for q in rec["quotes"] if q["speaker"]]
    assert said and said[0]["speaker"]["name"] == "Jonathan Wexler"


def test_speakers_pronoun_resolves_to_last_subject(annotate):
    rec = annotate(
        "Putin met Lavrov and Shoigu on Saturday.\n\nHe said the US had “torpedoed” the proposals."
    )
    direct = [q for q in rec["quotes"] if q["kind"] in ("direct", "mixed")]
    assert direct[0]["speaker"]["name"] == "Vladimir Putin"
    assert direct[0]["speaker"]["text"] == "He"


@pytest.mark.parametrize(
    "second,speaker",
    [
        (
            "It said that the treaty remained the cornerstone of the regime.",
            "International Atomic Energy Agency",
        ),
        # "it" as the subject of no verb of saying is nobody's voice.
        ("It is clear that the treaty remains the cornerstone of the regime, Lavrov said.", "Sergey Lavrov"),
        (
            "It was reported that Lavrov said the treaty remained the cornerstone of the regime.",
            "Sergey Lavrov",
        ),
    ],
)
def test_speakers_it_is_the_organisation_before_it_when_it_says_something(annotate, second, speaker):
    rec = annotate(f"Talks\n\nThe International Atomic Energy Agency met in Vienna on Monday. {second}")
    assert [q["speaker"]["name"] for q in rec["quotes"]] == [speaker]


def test_speakers_roles(annotate):
    rec = annotate("“We are ready,” Lavrov said. Shoigu was also there.")
    roles = {s["name"]: s["role"] for s in rec["speakers"]}
    assert roles["Sergey Lavrov"] == "quoted"
    assert roles["Sergey Shoigu"] == "mentioned"
    assert roles["Jane Writer"] == "author"


def test_speakers_sentences_tagged_author_or_quoted(annotate):
    rec = annotate("Lavrov spoke at length.\n\n“We did everything we could,” he said.\n\n“Nothing worked.”")
    tags = [s["speaker"]["name"] for s in rec["sentences"]]
    assert tags[0] == "Jane Writer"
    assert tags[-1] == "Sergey Lavrov"
