"""Record format: spans index the text, ids are stable, records validate, notebooks load them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import pipeline
from pipeline.record.build import validate
from pipeline.record.frames import records_to_frames

pytestmark = pytest.mark.model

TEXT = (
    "Treaty Talks\n\n"
    "“We did everything we could to save the treaty,” said Lavrov on Friday.\n\n"
    "According to Lavrov, the US has been violating the INF Treaty since 1999."
)


def all_spans(record):
    for key in ("quotes", "treaties", "dates"):
        for item in record.get(key) or []:
            yield item
            for sub in ("speaker", "cue"):
                if isinstance(item.get(sub), dict):
                    yield item[sub]
            for d in item.get("dates") or []:
                if isinstance(d, dict):
                    yield d
    for s in record.get("speakers") or []:
        yield from s["mentions"]


@pytest.mark.parametrize("source", ["inline", "seed"])
def test_record_span_text_equals_text_slice(annotate, seed_record, source):
    rec = annotate(TEXT) if source == "inline" else seed_record
    spans = list(all_spans(rec))
    assert spans
    for span in spans:
        assert 0 <= span["start"] < span["end"] <= len(rec["text"])
        assert span["text"] == rec["text"][span["start"] : span["end"]]


def test_record_validates_against_schema(annotate, seed_record):
    validate(annotate(TEXT))
    validate(seed_record)


def test_record_ids_stable_and_unique(annotate):
    first, second = annotate(TEXT), annotate(TEXT)
    ids = [q["id"] for q in first["quotes"]] + [t["id"] for t in first["treaties"]]
    assert len(ids) == len(set(ids))
    assert ids == [q["id"] for q in second["quotes"]] + [t["id"] for t in second["treaties"]]


def test_record_ids_change_with_text(annotate):
    assert annotate(TEXT)["quotes"][0]["id"] != annotate(TEXT + " More.")["quotes"][0]["id"]


def test_record_quote_lists_its_treaties(annotate):
    rec = annotate(TEXT)
    said = next(q for q in rec["quotes"] if q["kind"] == "direct")
    assert said["treaties"] == ["inf"]


def test_record_loads_into_pandas(tmp_path, seed_record):
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps(seed_record, ensure_ascii=False) + "\n", encoding="utf-8")
    quotes, treaties, sentences = pipeline.load(path)
    assert len(quotes) == len(seed_record["quotes"])
    assert quotes["start"].dtype == "Int64"
    assert set(treaties["treaty"].cat.categories) >= {"inf", "abm", "npt"}
    inf = treaties[(treaties.treaty == "inf") & treaties.date.notna()]
    assert {"1987", "2018-10", "2019-02-01"} <= set(inf.date)
    assert (sentences["speaker"] == "Stephen Lendman").any()
    df = pd.read_json(path, lines=True)
    assert df.loc[0, "id"] == "000_9d0255c7079ac9ce"


def test_record_interrupted_quote_lists_its_pieces(annotate):
    rec = annotate(
        "“We will not sign the treaty,” the minister said on Monday, “unless inspections are verified.”"
    )
    [said] = [q for q in rec["quotes"] if q["kind"] == "direct"]
    assert [p["text"] for p in said["pieces"]] == [
        "“We will not sign the treaty,”",
        "“unless inspections are verified.”",
    ]
    validate(rec)
    quotes = records_to_frames([rec]).quotes
    assert quotes.loc[quotes.kind == "direct", "words"].tolist() == [
        "“We will not sign the treaty,” “unless inspections are verified.”"
    ]


def test_record_quote_without_frame_inside_has_no_pieces(annotate):
    rec = annotate(TEXT)
    assert rec["quotes"] and not any("pieces" in q for q in rec["quotes"])
