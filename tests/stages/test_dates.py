"""Dates stage: normalisation relative to the publication date, and events linked to treaties."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.stages.dates import normalise_date

PUB = date(2019, 2, 3)  # a Sunday


@pytest.mark.parametrize(
    "expr,value",
    [
        ("1987", "1987"),
        ("since 1999", "1999"),
        ("Last October", "2018-10"),
        ("Friday", "2019-02-01"),
        ("Friday’s", "2019-02-01"),
        ("February 2", "2019-02-02"),
        ("July 2017", "2017-07"),
        ("December 8, 1987", "1987-12-08"),
        ("yesterday", "2019-02-02"),
        ("last year", "2018"),
        ("next month", None),
        ("the past 20 years", None),
        ("every six months", None),
    ],
)
def test_dates_normalise(expr, value):
    assert normalise_date(expr, PUB) == value


@pytest.mark.model
@pytest.mark.parametrize(
    "text,treaty,value,event",
    [
        ("In 1987, the INF Treaty was agreed on by Gorbachev and Reagan.", "inf", "1987", "signed"),
        (
            "Last October, the US declared its intention to withdraw from the INF Treaty.",
            "inf",
            "2018-10",
            "withdrawal",
        ),
        ("START I expired in 2009.", "start-i", "2009", "expired"),
        (
            "New START agreed on by Obama and Medvedev in 2010 expires in 2021 if not renewed.",
            "new-start",
            "2010",
            "signed",
        ),
        (
            "New START agreed on by Obama and Medvedev in 2010 expires in 2021 if not renewed.",
            "new-start",
            "2021",
            "expires",
        ),
        ("The US has been violating the INF Treaty at least since 1999.", "inf", "1999", "violation"),
        (
            "The Bush regime withdrew from the 1972 Anti-Ballistic Missile Treaty in 2002.",
            "abm",
            "2002",
            "withdrawal",
        ),
        (
            "The Bush regime withdrew from the 1972 Anti-Ballistic Missile Treaty in 2002.",
            "abm",
            "1972",
            "signed",
        ),
    ],
)
def test_dates_linked_events(annotate, text, treaty, value, event):
    rec = annotate(text)
    events = {(m["treaty"], d["value"], d["event"]) for m in rec["treaties"] for d in m["dates"]}
    assert (treaty, value, event) in events


@pytest.mark.model
def test_dates_other_things_dates_not_linked(annotate):
    rec = annotate("The 2018 Nuclear Posture Review calls for missiles banned by the INF Treaty.")
    assert all(not m["dates"] for m in rec["treaties"])


@pytest.mark.parametrize(
    "expr,tense,forward,value",
    [
        # PUB is Sunday 2019-02-03.
        ("December", "past", False, "2018-12"),
        ("December", "future", False, "2019-12"),
        ("January", "future", False, "2020-01"),
        ("January", "past", False, "2019-01"),
        ("February", "future", False, "2019-02"),
        ("Friday", "past", False, "2019-02-01"),
        ("Friday", "future", False, "2019-02-08"),
        ("the weekend", "past", False, "2019-02-02"),
        ("the weekend", "future", False, "2019-02-09"),
        ("six months", None, True, "2019-08"),
        ("two weeks", None, True, "2019-02-17"),
        ("six months", None, False, None),
        ("next year", None, False, "2020"),
        ("earlier this month", None, False, "2019-02"),
    ],
)
def test_dates_normalise_by_tense(expr, tense, forward, value):
    assert normalise_date(expr, PUB, tense, forward) == value


def _dated(rec):
    return {(m["treaty"], d["value"]) for m in rec["treaties"] for d in m["dates"]}


@pytest.mark.model
@pytest.mark.parametrize(
    "text,date,expected",
    [
        # A bare month reads the tense of its clause (article of March 2019).
        ("The INF Treaty was signed in December.", "2019-03-10", ("inf", "2018-12")),
        ("The INF Treaty will lapse in February.", "2019-03-10", ("inf", "2020-02")),
        ("New START is set to expire in January.", "2019-03-10", ("new-start", "2020-01")),
        ("New START expires in April.", "2019-03-10", ("new-start", "2019-04")),
        ("Russia withdrew from the INF Treaty over the weekend.", "2019-03-11", ("inf", "2019-03-09")),
        ("The US will leave the Open Skies Treaty in six months.", "2020-05-21", ("open-skies", "2020-11")),
        ("New START will expire next year.", "2019-03-10", ("new-start", "2020")),
        ("Russia suspended the INF Treaty earlier this month.", "2019-03-10", ("inf", "2019-03")),
    ],
)
def test_dates_relative_dates_by_tense(annotate, text, date, expected):
    assert expected in _dated(annotate(text, date=date))


@pytest.mark.model
@pytest.mark.parametrize(
    "text,expected",
    [
        # The dated mention is an anaphor.
        ("The CTBT came up. The pact was signed in 1996.", ("ctbt", "1996")),
        # The date sits in the sentence, away from the name.
        ("In 2002, after long talks and much protest, Washington left the ABM Treaty.", ("abm", "2002")),
    ],
)
def test_dates_event_links_to_anaphor_or_distant_mention(annotate, text, expected):
    assert expected in _dated(annotate(text))


@pytest.mark.model
@pytest.mark.parametrize(
    "text,expected",
    [
        # No treaty in the date's sentence: a named event dates the treaty of the sentence before.
        ("Moscow left the CFE Treaty. The withdrawal took effect in 2007.", {("cfe", "2007")}),
        # Without an event word, the date stays unlinked.
        ("Moscow left the CFE Treaty. Lavrov spoke about it in 2007.", set()),
    ],
)
def test_dates_event_in_next_sentence(annotate, text, expected):
    assert _dated(annotate(text)) == expected
