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
