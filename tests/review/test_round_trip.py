"""The review loop end to end on the seed article, with the real pipeline (the issue's acceptance list).

One module fixture does what annotators and a batch user do: export the seed run to brat and to
Label Studio, delete a quote in the `.ann`, give another quote a new speaker in Label Studio's export,
import both through `claims review import`, and run the pipeline again with `--corrections`.
"""

from __future__ import annotations

import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.record.build import validate
from pipeline.review import export_brat, import_reviews, load_corrections, score_against_corrections
from pipeline.review.cli import review
from pipeline.review.items import read_records
from pipeline.run.batch import process

from .conftest import SEED_DATE
from .helpers import AnnFile, labelstudio_export, read_store, region_id, relink

pytestmark = pytest.mark.model


@dataclass
class Rerun:
    """The reviews made on the seed run, the store they went into, and the run made with them."""

    seed: dict
    deleted: dict
    reassigned: dict
    new_speaker: str
    store: Path
    record: dict
    output: Path


def invoke(*args) -> str:
    result = CliRunner().invoke(review, [str(a) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def quotes_by_speaker(record: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for q in record["quotes"]:
        out.setdefault((q.get("speaker") or {}).get("name"), []).append(q)
    return out


@pytest.fixture(scope="module")
def rerun(seed_run, tmp_path_factory) -> Rerun:
    tmp = tmp_path_factory.mktemp("review-rerun")
    seed = seed_run.record
    by_speaker = quotes_by_speaker(seed)
    ranked = sorted((n for n in by_speaker if n), key=lambda n: -len(by_speaker[n]))
    # Delete the only quote of a speaker quoted once; give the last quote of the most quoted another speaker.
    deleted = next(qs[0] for qs in by_speaker.values() if len(qs) == 1)
    reassigned, new_speaker = by_speaker[ranked[0]][-1], ranked[1]

    invoke("export", seed_run.output, "--format", "brat", "-o", tmp / "brat")
    ann = AnnFile(tmp / "brat" / f"{seed['id']}.ann")
    dropped = ann.drop(ann.find_id(deleted["id"]))
    assert [line[0] for line in dropped].count("T") == 1 and any(line.startswith("R") for line in dropped)
    ann.save()
    invoke("import", tmp / "brat", "--into", tmp / "corrections.jsonl", "--reviewer", "brat annotator")

    invoke("export", seed_run.output, "--format", "labelstudio", "-o", tmp / "tasks.json")
    first_of_new = by_speaker[new_speaker][0]["speaker"]

    def give_new_speaker(n, result):
        target = next(
            r["id"]
            for r in result
            if r["type"] == "labels"
            and r["value"]["labels"] == ["Speaker"]
            and (r["value"]["start"], r["value"]["end"]) == (first_of_new["start"], first_of_new["end"])
        )
        relink(result, region_id(result, "Quote", reassigned["text"]), "said by", target)

    export = labelstudio_export(
        tmp / "tasks.json",
        tmp / "ls-export.json",
        give_new_speaker,
        completed_by={"id": 7, "email": "ls@example.org"},
    )
    invoke("import", export, "--into", tmp / "corrections.jsonl")

    out = tmp / "rerun.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # same text: applying the reviews must not warn
        summary = process(
            [str(seed_run.input)],
            out,
            date=SEED_DATE,
            quiet=True,
            resume=False,
            corrections=str(tmp / "corrections.jsonl"),
        )
    assert not summary.errors
    [record] = list(read_records(out))
    return Rerun(seed, deleted, reassigned, new_speaker, tmp / "corrections.jsonl", record, out)


def test_round_trip_brat_unchanged_records_come_back_identical(seed_run, tmp_path):
    export_brat([seed_run.record], tmp_path / "brat")
    report = import_reviews(tmp_path / "brat", tmp_path / "corrections.jsonl")
    # Every item read back from the .ann equals the exported one: quotes, speakers, treaties, dates.
    n_items = sum(len(seed_run.record[f]) for f in ("quotes", "treaties", "dates"))
    assert report.actions == {"keep": n_items} and not report.conflicts
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        corrected = load_corrections(tmp_path / "corrections.jsonl")(seed_run.record)
    for field in ("quotes", "speakers", "treaties", "dates", "sentences"):
        assert corrected[field] == seed_run.record[field], field
    assert corrected == seed_run.record


def test_round_trip_deleted_quote_is_gone_and_other_quotes_unchanged(rerun):
    ids = [q["id"] for q in rerun.record["quotes"]]
    assert rerun.deleted["id"] not in ids
    assert all(rerun.deleted["text"] not in q["text"] for q in rerun.record["quotes"])
    others = [q for q in rerun.seed["quotes"] if q["id"] not in (rerun.deleted["id"], rerun.reassigned["id"])]
    assert [q for q in rerun.record["quotes"] if q["id"] != rerun.reassigned["id"]] == others
    validate(rerun.record)


def test_round_trip_labelstudio_speaker_change_stays_after_rerun(rerun):
    [after] = [q for q in rerun.record["quotes"] if q["id"] == rerun.reassigned["id"]]
    assert after["speaker"]["name"] == rerun.new_speaker and after["how"] == "review"
    assert {k: v for k, v in after.items() if k not in ("speaker", "how")} == {
        k: v for k, v in rerun.reassigned.items() if k not in ("speaker", "how")
    }
    [entry] = [e for e in read_store(rerun.store) if e.get("changed") == ["speaker"]]
    assert (entry["item"], entry["reviewer"], entry["tool"]) == (
        rerun.reassigned["id"],
        "ls@example.org",
        "labelstudio",
    )


def test_round_trip_eval_scores_runs_against_the_reviews(rerun, seed_run):
    before = score_against_corrections(rerun.store, seed_run.output)
    after = score_against_corrections(rerun.store, rerun.output)
    n = len(rerun.seed["quotes"])
    assert (before["quotes"]["all"]["n_gold"], before["quotes"]["all"]["n_pred"]) == (n - 1, n)
    assert before["quotes"]["all"]["content"][0] == pytest.approx((n - 1) / n)  # the deleted quote
    assert before["quotes"]["all"]["end_to_end"][2] < 1.0  # ... and the reassigned speaker
    assert after["quotes"]["all"]["end_to_end"] == (1.0, 1.0, 1.0)
    assert after["treaty_ids"]["accuracy"] == after["dates"]["accuracy"] == 1.0


def test_round_trip_changed_text_warns_and_keeps_matching_corrections(rerun, seed_run, tmp_path):
    text = seed_run.input.read_text(encoding="utf-8")
    untouched = rerun.reassigned["text"]
    reworded = next(
        q["text"]
        for q in rerun.seed["quotes"]
        if q["kind"] == "direct"
        and q["text"] != untouched
        and len(q["text"]) > 40
        and text.count(q["text"]) == 1
        and q["id"] != rerun.deleted["id"]
    )
    first_break = text.index("\n\n")
    edited = (
        text[:first_break] + "\n\nEditor's note: this article was updated." + text[first_break:]
    ).replace(
        reworded, reworded.replace(" the ", " that ", 1) if " the " in reworded else reworded[:-2] + "!”"
    )
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / seed_run.input.name).write_text(edited, encoding="utf-8")
    sidecar = seed_run.input.with_name(seed_run.input.stem + ".meta.json")
    if sidecar.exists():
        shutil.copy(sidecar, folder / sidecar.name)
    with pytest.warns(UserWarning, match="text changed since review") as caught:
        process(
            [str(folder)],
            tmp_path / "edited.jsonl",
            date=SEED_DATE,
            quiet=True,
            resume=False,
            corrections=str(rerun.store),
        )
    kept, total = map(int, re.search(r"kept (\d+) of (\d+)", str(caught[-1].message)).groups())
    assert 0 < kept < total
    [record] = list(read_records(tmp_path / "edited.jsonl"))
    moved = next(q for q in record["quotes"] if q["text"] == untouched)
    assert moved["speaker"]["name"] == rerun.new_speaker and moved["id"] == rerun.reassigned["id"]
    assert all(rerun.deleted["text"] not in q["text"] for q in record["quotes"])
