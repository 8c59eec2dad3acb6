"""Treaty stage: names, abbreviations, anaphora, laws that are not treaties, unknown treaties."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


def mentions(record):
    return [(m["text"], m["treaty"]) for m in record["treaties"]]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Russia left the INF Treaty.", [("INF Treaty", "inf")]),
        (
            "The Intermediate-Range Nuclear Forces Treaty is dead.",
            [("Intermediate-Range Nuclear Forces Treaty", "inf")],
        ),
        ("It violates the NPT and the CTBT.", [("NPT", "npt"), ("CTBT", "ctbt")]),
        (
            "Talks on extending the Strategic Offensive Arms Treaty stalled.",
            [("Strategic Offensive Arms Treaty", "new-start")],
        ),
        ("New START expires in 2021.", [("New START", "new-start")]),
        ("START I expired in 2009.", [("START I", "start-i")]),
        ("The Paris Agreement was signed in 2016.", [("Paris Agreement", "paris-agreement")]),
        ("Iran and the JCPOA came up.", [("JCPOA", "jcpoa")]),
    ],
)
def test_treaties_named_mentions(annotate, text, expected):
    assert mentions(annotate(text)) == expected


def test_treaties_anaphor_before_first_name_links_forward(annotate):
    rec = annotate(
        "In 1987, the treaty was agreed on by Gorbachev and Reagan.\n\nThe US left the INF Treaty."
    )
    assert mentions(rec) == [("the treaty", "inf"), ("INF Treaty", "inf")]


def test_treaties_anaphor_links_to_last_named(annotate):
    rec = annotate(
        "The US left the ABM Treaty in 2002. The treaty dissolved. Then the NPT came up. The Treaty binds."
    )
    assert [t for _, t in mentions(rec)] == ["abm", "abm", "npt", "npt"]


@pytest.mark.parametrize(
    "text",
    [
        "Congress passed the Countering America’s Adversaries Through Sanctions Act (CAATSA) in 2017.",
        "The 2018 Nuclear Posture Review calls for mini-nukes.",
        "It was a new start for the talks.",
        "US treaty breaches are nothing new and its treaty obligations are ignored.",
    ],
)
def test_treaties_not_treaties(annotate, text):
    assert mentions(annotate(text)) == []


def test_treaties_unknown_treaty_gets_own_id(annotate):
    rec = annotate("Both sides cited the Treaty of Tlatelolco and the Pelindaba Nuclear Free Zone Treaty.")
    ids = {t for _, t in mentions(rec)}
    assert "pelindaba-nuclear-free-zone-treaty" in ids
    assert any("tlatelolco" in i for i in ids)


@pytest.mark.parametrize(
    "text",
    [
        "Delegates gathered at the Democratic National Convention in Philadelphia.",
        "The Paris Agreement came up. Later, delegates left the convention hall.",
    ],
)
def test_treaties_party_conventions_are_not_treaties(annotate, text):
    assert all(t != "democratic-national-convention" for _, t in mentions(annotate(text)))
    assert all(not m.lower().startswith("the convention") for m, _ in mentions(annotate(text)))
