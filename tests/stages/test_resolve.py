"""Speaker resolution: each quote's speaker by the canonical name the article gives it."""

from __future__ import annotations

import pytest

from pipeline.stages.entities import NameTable, acronyms, is_outlet, is_residue, state_of


def speakers_of(record, words: str) -> list[str]:
    """The speaker names of the quotes whose text holds `words`."""
    return [q["speaker"]["name"] for q in record["quotes"] if q["speaker"] and words in q["text"]]


# ---------------------------------------------------------------- knowledge, no model


@pytest.mark.parametrize(
    "text,acr,long",
    [
        (
            "the Coalition to Ban Landmines Everywhere (CBLE) said",
            "CBLE",
            "Coalition to Ban Landmines Everywhere",
        ),
        ("members of the Northern Defence Pact (NDP) met", "NDP", "Northern Defence Pact"),
    ],
)
def test_entities_acronym_defined_in_text(text, acr, long):
    assert acronyms(text)[acr] == long


def test_entities_acronym_not_defined_by_unrelated_parenthesis():
    assert "AP" not in acronyms("Officials met in Geneva (AP) on Monday.")


@pytest.mark.parametrize(
    "name,state",
    [
        ("Washington", "United States"),
        ("U.S", "United States"),
        ("the U.S. side", "United States"),
        ("Moscow", "Russia"),
        ("Tehran", "Iran"),
    ],
)
def test_entities_state_names(name, state):
    assert state_of(name)[0] == state


@pytest.mark.parametrize("name", ["Kremlin", "US officials", "the ministry"])
def test_entities_state_names_negative(name):
    assert state_of(name) is None


@pytest.mark.parametrize("text,outlet", [("Reuters", True), ("RIA Novosti", True), ("Ryabkov", False)])
def test_entities_outlets(text, outlet):
    assert is_outlet(text) is outlet


@pytest.mark.parametrize("text,residue", [("Quote", True), ("Details", True), ("Marta Quoteson", False)])
def test_entities_page_residue(text, residue):
    assert is_residue(text) is residue


# ---------------------------------------------------------------- end to end (real model)


@pytest.mark.model
def test_resolve_role_noun_picks_compatible_of_two_people(annotate):
    rec = annotate(
        "Defence spokesperson Tomas Varga met Foreign Minister Elena Brandt in Vienna on Monday.\n\n"
        "The minister said the inspections would resume in March.\n\n"
        "The spokesperson said the talks had been useful."
    )
    assert speakers_of(rec, "inspections would resume") == ["Elena Brandt"]
    assert speakers_of(rec, "talks had been useful") == ["Tomas Varga"]


@pytest.mark.model
def test_resolve_dateline_is_not_the_speaker(annotate):
    rec = annotate("GENEVA — Ambassador Pieter Holm said on Tuesday that the conference would go on.")
    names = [q["speaker"]["name"] for q in rec["quotes"] if q["speaker"]]
    assert names and all(n == "Pieter Holm" for n in names)


@pytest.mark.model
def test_resolve_relaying_outlet_gives_way_to_the_person(annotate):
    rec = annotate(
        "Deputy Minister Ivan Petrenko spoke in Moscow.\n\n"
        "According to Interfax, Petrenko said on Monday that the missile tests would continue."
    )
    assert speakers_of(rec, "missile tests would continue") == ["Ivan Petrenko"]


@pytest.mark.model
def test_resolve_outlet_alone_stays_the_source(annotate):
    rec = annotate("The parliament passed the bill on Monday, according to media reports.")
    assert all("Petrenko" not in n for q in rec["quotes"] for n in [(q["speaker"] or {}).get("name", "")])


@pytest.mark.model
def test_resolve_pronoun_gets_full_name(annotate):
    rec = annotate(
        "Senator Margaret Olsen criticised the plan on Monday.\n\n"
        "Olsen said the treaty was essential. She said the vote would be close."
    )
    assert speakers_of(rec, "treaty was essential") == ["Margaret Olsen"]
    assert speakers_of(rec, "vote would be close") == ["Margaret Olsen"]


@pytest.mark.model
def test_resolve_acronym_to_long_form(annotate):
    rec = annotate(
        "The Coalition to Ban Landmines Everywhere (CBLE) held a meeting in Oslo.\n\n"
        "CBLE said 40 states had joined the ban."
    )
    assert speakers_of(rec, "40 states had joined") == ["Coalition to Ban Landmines Everywhere"]


@pytest.mark.model
def test_resolve_roster_role_does_not_override_the_article(annotate):
    rec = annotate(
        "Ri Song-chol, North Korea's foreign minister, spoke in Pyongyang on Friday.\n\n"
        "The foreign minister said the tests would continue."
    )
    assert speakers_of(rec, "tests would continue") == ["Ri Song-chol"]


@pytest.mark.model
def test_resolve_roster_role_kept_when_article_names_nobody(annotate):
    rec = annotate("The Russian foreign minister said the treaty was dead.")
    assert speakers_of(rec, "treaty was dead") == ["Sergey Lavrov"]


@pytest.mark.model
def test_resolve_body_role_noun(annotate):
    rec = annotate(
        "NATO met in Brussels on Friday.\n\nThe alliance said the withdrawal weakened security in Europe."
    )
    assert speakers_of(rec, "withdrawal weakened") == ["NATO"]


@pytest.mark.model
def test_resolve_capital_is_the_state(annotate):
    rec = annotate("Washington said the inspections must resume.")
    assert speakers_of(rec, "inspections must resume") == ["United States"]


@pytest.mark.model
def test_resolve_headline_colon_attribution(annotate):
    rec = annotate(
        "Brandt: the treaty must be saved\n\n"
        "Foreign Minister Elena Brandt spoke in Vienna on Monday about the treaty and its future."
    )
    assert speakers_of(rec, "the treaty must be saved") == ["Elena Brandt"]


@pytest.mark.model
def test_resolve_headline_label_is_no_attribution(annotate):
    rec = annotate("Source: Reuters\n\nThe talks in Vienna ended on Monday without a statement.")
    assert not [q for q in rec["quotes"] if q["text"].startswith("Reuters")]


def test_entities_surname_ambiguous_stays():
    class Doc:
        text = ""

    class K:
        speakers = []

    table = NameTable(Doc(), K(), ["Anna Kovacs", "Peter Kovacs"])
    assert table.canon("Kovacs") == "Kovacs"
    table = NameTable(Doc(), K(), ["Anna Kovacs"])
    assert table.canon("Kovacs") == "Anna Kovacs"


@pytest.mark.model
@pytest.mark.parametrize(
    "headline,content",
    [
        ("Brandt Urges Return To Inspections", "Return To Inspections"),
        ("Inspections Must Resume, Brandt Says", "Inspections Must Resume"),
    ],
)
def test_resolve_headline_with_reporting_verb(annotate, headline, content):
    rec = annotate(headline + "\n\nForeign Minister Elena Brandt spoke in Vienna on Monday about the treaty.")
    assert speakers_of(rec, content) == ["Elena Brandt"]


@pytest.mark.model
def test_resolve_headline_without_reporting_verb_is_no_attribution(annotate):
    rec = annotate("Brandt Visits Vienna Again\n\nForeign Minister Elena Brandt spoke in Vienna on Monday.")
    assert not speakers_of(rec, "Vienna Again")


@pytest.mark.model
def test_resolve_upper_case_acronym_at_paragraph_start_is_no_dateline(annotate):
    rec = annotate("NATO condemned the withdrawal and urged the government to reverse its decision.")
    assert speakers_of(rec, "to reverse its decision") == ["NATO"]


@pytest.mark.model
def test_resolve_page_label_gives_the_body_named_before(annotate):
    rec = annotate(
        "Source: a statement by the Ruritanian Ministry of Foreign Affairs\n\n"
        'Quote: "The inspectors have confirmed our findings about the shells."'
    )
    names = speakers_of(rec, "inspectors have confirmed")
    assert names and "Quote" not in names


@pytest.mark.model
def test_resolve_roster_alias_is_a_name_not_a_role(annotate):
    rec = annotate("The UN nuclear watchdog said on Monday that the inspectors had found no violations.")
    assert speakers_of(rec, "inspectors had found") == ["International Atomic Energy Agency"]


@pytest.mark.model
def test_resolve_record_speakers_keep_a_body_apart_from_its_official(annotate):
    rec = annotate("EU foreign policy chief Marta Lindqvist said the sanctions would stay in place.")
    assert speakers_of(rec, "sanctions would stay") == ["Marta Lindqvist"]
    entry = next(s for s in rec["speakers"] if s["name"] == "Marta Lindqvist")
    assert "EU" not in entry["aliases"]


@pytest.mark.model
@pytest.mark.parametrize(
    "text,name",
    [
        (
            "Ukraine’s Ministry of Foreign Affairs said the shells held banned agents.",
            "Ukrainian Foreign Ministry",
        ),
        (
            "The Russian Ministry of Foreign Affairs said the notes had been exchanged.",
            "Russian Foreign Ministry",
        ),
    ],
)
def test_resolve_foreign_ministry_one_name(annotate, text, name):
    rec = annotate(text)
    assert [q["speaker"]["name"] for q in rec["quotes"] if q["speaker"]] == [name]


@pytest.mark.model
def test_resolve_roster_body_name_stays_whole(annotate):
    rec = annotate("Russia’s Defense Ministry said the drills had ended.")
    assert speakers_of(rec, "drills had ended") == ["Russian Defense Ministry"]


@pytest.mark.model
def test_resolve_state_headline_goes_to_its_official(annotate):
    rec = annotate(
        "Belarus says missile moratorium is over\n\n"
        "Belarusian Foreign Minister Anton Weiss said on Friday that the missile moratorium was over."
    )
    assert speakers_of(rec, "missile moratorium is over") == ["Anton Weiss"]


@pytest.mark.model
def test_resolve_state_headline_stays_without_a_matching_quote(annotate):
    rec = annotate(
        "Ukraine says talks will resume\n\nForeign Minister Anton Weiss said on Friday that the weather was cold."
    )
    assert speakers_of(rec, "talks will resume") == ["Ukraine"]


@pytest.mark.model
def test_resolve_headline_with_evaluation_verb_is_no_attribution(annotate):
    rec = annotate(
        "Brandt Rejects Envoy’s Comments\n\nForeign Minister Elena Brandt spoke in Vienna on Monday."
    )
    assert not speakers_of(rec, "Comments")


@pytest.mark.model
def test_resolve_spans_stay_ordered_on_junk(annotate):
    rec = annotate(
        "MOSCOW — according to Putin told she said “ Lavrov ” , he said Russia violation .\n\nPutin said"
    )
    for q in rec["quotes"]:
        assert 0 <= q["start"] <= q["end"] <= len(rec["text"])
