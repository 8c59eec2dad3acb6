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


@pytest.mark.parametrize(
    "text,expected",
    [
        # An anaphor or description after a named treaty takes its id.
        ("Moscow quit the INF Treaty. Washington said the pact was dead.", ["inf", "inf"]),
        ("The JCPOA limits enrichment. Tehran said the deal still stands.", ["jcpoa", "jcpoa"]),
        ("The CFE Treaty capped tanks. Officials said the accord had lapsed.", ["cfe", "cfe"]),
        (
            "Kiev cited the Budapest Memorandum. Ministers said the memorandum binds Moscow.",
            2 * ["budapest-memorandum"],
        ),
        ("The NPT came up. Delegates praised the document as a success.", ["npt", "npt"]),
        ("The CTBT was debated. Lawmakers discussed the 1996 treaty again.", ["ctbt", "ctbt"]),
        (
            "The INF Treaty came up. Both sides discussed the last remaining arms control treaty.",
            ["inf", "inf"],
        ),
        ("New START was discussed. Envoys praised the nuclear deal warmly.", ["new-start", "new-start"]),
        # An appositive or the object of "withdraw" is that treaty, even with "a".
        ("Moscow left the CTBT, a multilateral treaty on testing.", ["ctbt", "ctbt"]),
        (
            "The ABM Treaty came up. In 2002 Washington withdrew from a key Cold War-era treaty.",
            ["abm", "abm"],
        ),
    ],
)
def test_treaties_descriptions_resolve_to_treaty_in_focus(annotate, text, expected):
    assert [t for _, t in mentions(annotate(text))] == expected


@pytest.mark.parametrize(
    "text",
    [
        "The INF Treaty is gone. Analysts want a new agreement with China.",
        "The INF Treaty is gone. Arms control treaties are out of fashion.",
        "The INF Treaty is gone. Any future treaty must include China.",
        "The INF Treaty is gone. Existing treaties offer little.",
        "The INF Treaty is gone. Two other such deals are at risk.",
        "The INF Treaty is gone. The next treaty should be broader.",
    ],
)
def test_treaties_generic_uses_are_not_mentions(annotate, text):
    assert mentions(annotate(text)) == [("INF Treaty", "inf")]


@pytest.mark.parametrize(
    "text,expected",
    [
        # "the 2010 treaty": a year the treaty in focus has no date for is another named treaty's.
        ("New START and the INF Treaty were discussed. The 2010 treaty survives.", "new-start"),
        ("The INF Treaty and New START were discussed. The 1987 treaty is dead.", "inf"),
    ],
)
def test_treaties_year_description_checked_against_dates(annotate, text, expected):
    assert mentions(annotate(text))[-1][1] == expected


def test_treaties_year_description_without_dated_treaty_is_dropped(annotate):
    assert mentions(annotate("The INF Treaty came up. The 1955 treaty is older.")) == [("INF Treaty", "inf")]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Senators debated the open skies treaty.", [("open skies treaty", "open-skies")]),
        ("Washington left Open Skies last year.", [("Open Skies", "open-skies")]),
        ("Airlines won open skies rights.", []),
        ("Kyiv invoked the Budapest memorandum.", [("Budapest memorandum", "budapest-memorandum")]),
        ("Moscow may quit the Nuclear Test Ban Pact.", [("Nuclear Test Ban Pact", "ctbt")]),
        (
            "States ratified the Treaty on Prohibition of Nuclear Weapons.",
            [("Treaty on Prohibition of Nuclear Weapons", "tpnw")],
        ),
        ("Limits hold post-New START.", [("New START", "new-start")]),
    ],
)
def test_treaties_name_variants(annotate, text, expected):
    assert mentions(annotate(text)) == expected


def test_treaties_bracketed_abbreviation_defines_the_name(annotate):
    rec = annotate("The Strategic Arms Reduction Treaty (New START) expires soon.")
    assert {t for _, t in mentions(rec)} == {"new-start"}


@pytest.mark.parametrize(
    "title,body",
    [
        ("Lavrov says the deal is dead", "Moscow and Washington once signed the INF Treaty."),
        ("Putin: INF Treaty violated", "Moscow spoke on Friday about missiles."),
    ],
)
def test_treaties_headline_mentions_count(annotate, title, body):
    rec = annotate(f"{title}\n\n{body}", title=title)
    assert any(m["start"] < len(title) and m["treaty"] == "inf" for m in rec["treaties"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Both capitals signed the Zorvani Accord in 2001.", ("Zorvani Accord", "zorvani-accord")),
        ("Mediators revived the Kelmar Protocol on Friday.", ("Kelmar Protocol", "kelmar-protocol")),
        (
            "Ministers praised the Ostrava Economic and Trade Agreement.",
            ("Ostrava Economic and Trade Agreement", "ostrava-economic-and-trade-agreement"),
        ),
        ("The Geneva Conventions apply.", ("Geneva Conventions", "geneva-conventions")),
        ("Trump attacked NAFTA and the Trans-Pacific Partnership.", ("NAFTA", "nafta")),
    ],
)
def test_treaties_unknown_named_agreements_get_clean_ids(annotate, text, expected):
    assert expected in mentions(annotate(text))


@pytest.mark.parametrize(
    "text",
    [
        "Russia Plans New Arms Treaty With China",
        "They signed a Memorandum of Understanding on fishing.",
        "The Green Party Convention met in Ohio.",
        "The Partnership for Better Roads endorsed him.",
    ],
)
def test_treaties_unknown_junk_gets_no_id(annotate, text):
    assert mentions(annotate(text)) == []


def test_treaties_acronym_defined_for_unknown_treaty(annotate):
    rec = annotate("They signed the Velor Naval Agreement (VNA) in May. The VNA binds both navies.")
    ids = [t for _, t in mentions(rec)]
    assert ids.count("velor-naval-agreement") == 3


@pytest.mark.parametrize(
    "text",
    [
        "The Iran Nuclear Agreement Review Act passed. The INF Treaty did not.",
        "Congress passed the National Defense Authorization Act. The INF Treaty came up.",
    ],
)
def test_treaties_laws_stay_out(annotate, text):
    assert mentions(annotate(text)) == [("INF Treaty", "inf")]


def test_treaties_organisation_named_after_treaty_is_not_a_mention(annotate):
    assert mentions(annotate("The Comprehensive Nuclear Test Ban Treaty Organization met.")) == []


def test_treaties_a_new_deal_takes_over_the_focus(annotate):
    rec = annotate("NAFTA came up. He cut a deal with the unions, but the pact fell apart.")
    assert mentions(rec) == [("NAFTA", "nafta")]
