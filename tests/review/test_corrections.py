"""Applying reviews to new runs (ids kept, deletions kept, changed text) and scoring runs against them."""

from __future__ import annotations

import copy
import json

import pytest

from pipeline.record.build import make_id, text_hash, validate
from pipeline.review import (
    export_brat,
    format_corrections_table,
    import_reviews,
    load_corrections,
    score_against_corrections,
)

from .conftest import SMALL_TEXT, at, build_small_record
from .helpers import AnnFile

Q_PUTIN = "“The INF Treaty is dead since 2019.”"
Q_ANSWER = "“The US broke it. We will answer.”"


def review(tmp_path, record, edit=None):
    """Export the record to brat, let `edit(ann, text)` change it, import into a fresh store."""
    folder = tmp_path / "brat"
    export_brat([record], folder)
    if edit:
        ann = AnnFile(folder / f"{record['id']}.ann")
        edit(ann, record["text"])
        ann.save()
    store = tmp_path / "corrections.jsonl"
    import_reviews(folder, store)
    return store


def rename_putin(ann, text):
    ann.set_note(ann.find("Speaker", "Putin"), name="Vladimir V. Putin")


def drop_answer(ann, text):
    ann.drop(ann.find("Quote", Q_ANSWER))


def quote(record, text):
    return next((q for q in record["quotes"] if q["text"] == text), None)


def add_quote(record, part: str, nth: int = 0) -> dict:
    """Add a pipeline quote over `part` (as a newer pipeline might find), with its stable id."""
    start, end = at(record["text"], part, nth)
    new = {
        "id": make_id("q", record["text_hash"], start, end),
        "start": start,
        "end": end,
        "text": record["text"][start:end],
        "kind": "indirect",
        "speaker": None,
        "cue": None,
        "treaties": [],
        "dates": [],
        "how": "cue",
        "closed": True,
    }
    record["quotes"] = sorted([*record["quotes"], new], key=lambda q: q["start"])
    return new


def test_corrections_leave_unreviewed_articles_alone(tmp_path, small_record):
    apply = load_corrections(review(tmp_path, small_record, rename_putin))
    other = {**copy.deepcopy(small_record), "id": "other"}
    assert apply(other) is other
    assert apply.articles == {"small"}


def test_corrections_applied_record_is_valid(tmp_path, small_record):
    corrected = load_corrections(review(tmp_path, small_record, rename_putin))(small_record)
    validate(corrected)
    assert quote(corrected, Q_PUTIN)["speaker"]["name"] == "Vladimir V. Putin"
    assert small_record == build_small_record()  # the input record is not changed in place


@pytest.mark.parametrize(
    "part,kept",
    [
        ("Arms control at risk", True),  # a quote nobody reviewed: a newer pipeline found it
        (
            "that the treaty was violated in 1999",
            False,
        ),  # the reviewed quote, re-found wider: the review wins
    ],
)
def test_corrections_pipeline_items_next_to_reviewed_ones(tmp_path, small_record, part, kept):
    apply = load_corrections(review(tmp_path, small_record))
    rerun = copy.deepcopy(small_record)
    add_quote(rerun, part)
    corrected = apply(rerun)
    assert (quote(corrected, part) is not None) is kept
    assert quote(corrected, "the treaty was violated in 1999") is not None


@pytest.mark.parametrize("variant", [Q_ANSWER, "The US broke it. We will answer."])
def test_corrections_deleted_quote_does_not_come_back(tmp_path, small_record, variant):
    apply = load_corrections(review(tmp_path, small_record, drop_answer))
    rerun = copy.deepcopy(small_record)
    if variant != Q_ANSWER:
        rerun["quotes"] = [q for q in rerun["quotes"] if q["text"] != Q_ANSWER]
        add_quote(rerun, variant)  # re-found without its quote marks: another id, the same quote
    assert all(variant not in q["text"] for q in apply(rerun)["quotes"])


def test_corrections_changed_text_warns_and_keeps_what_still_matches(tmp_path, small_record):
    apply = load_corrections(review(tmp_path, small_record, rename_putin))
    # The article was edited since review: a paragraph on top, and one quote reworded.
    text = "Breaking news\n\n" + SMALL_TEXT
    rerun = build_small_record(text=text)
    reworded = text.replace("We will answer.", "We must answer.")
    rerun["text"], rerun["text_hash"] = reworded, text_hash(reworded)
    for q in rerun["quotes"]:
        q["text"] = reworded[q["start"] : q["end"]]
    with pytest.warns(
        UserWarning, match=r"inline/small.txt: text changed since review; kept 9 of 10 corrections"
    ):
        corrected = apply(rerun)
    moved = quote(corrected, Q_PUTIN)
    assert moved["speaker"]["name"] == "Vladimir V. Putin" and moved["start"] == at(reworded, Q_PUTIN)[0]
    assert moved["speaker"]["text"] == "Putin" and reworded[moved["speaker"]["start"] :].startswith("Putin")
    assert quote(corrected, "“The US broke it. We must answer.”") is not None  # the pipeline's, unreviewed
    validate(corrected)


def test_corrections_score_of_the_reviewed_run_is_perfect(tmp_path, small_record, small_jsonl):
    result = score_against_corrections(review(tmp_path, small_record), small_jsonl)
    assert result["quotes"]["all"]["end_to_end"] == (1.0, 1.0, 1.0)
    assert [result[k]["accuracy"] for k in ("treaty_ids", "dates", "treaty_events")] == [1.0, 1.0, 1.0]
    assert result["articles"] == 1 and not result["skipped"] and not result["missing"]


def test_corrections_score_counts_what_the_run_got_wrong(tmp_path, small_record):
    store = review(tmp_path, small_record, drop_answer)
    run = copy.deepcopy(small_record)
    run["treaties"][2]["treaty"] = "start-i"
    run["dates"][0]["value"] = "2018"
    run["treaties"][0]["dates"][0]["event"] = "signed"
    pred = tmp_path / "run.jsonl"
    pred.write_text(json.dumps(run) + "\n", encoding="utf-8")
    result = score_against_corrections(store, pred)
    assert (result["quotes"]["all"]["n_gold"], result["quotes"]["all"]["n_pred"]) == (3, 4)
    assert result["quotes"]["all"]["content"][0] == pytest.approx(0.75)
    assert result["treaty_ids"] == {"n_gold": 3, "found": 3, "correct": 2, "accuracy": pytest.approx(2 / 3)}
    assert result["dates"]["correct"] == 2 and result["treaty_events"]["correct"] == 1
    table = format_corrections_table(result)
    assert "treaty ids" in table and "0.667" in table and "dated treaty events" in table


@pytest.mark.parametrize("change,listed", [("text", "skipped"), ("id", "missing")])
def test_corrections_score_skips_changed_and_lists_missing(tmp_path, small_record, change, listed):
    store = review(tmp_path, small_record)
    run = copy.deepcopy(small_record)
    if change == "text":
        run["text"] = run["text"].replace("Arms", "ARMS")
        run["text_hash"] = text_hash(run["text"])
    else:
        run["id"] = "another"
    pred = tmp_path / "run.jsonl"
    pred.write_text(json.dumps(run) + "\n", encoding="utf-8")
    result = score_against_corrections(store, pred)
    assert result[listed] == ["small"]
    assert "small" in format_corrections_table(result)
