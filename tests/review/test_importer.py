"""Import: what annotators changed in brat or Label Studio becomes store entries; conflicts are reported."""

from __future__ import annotations

import shutil
import warnings

import pytest

from pipeline.errors import ClaimsError
from pipeline.knowledge import load_knowledge
from pipeline.review import export_brat, export_labelstudio, import_reviews, load_corrections
from pipeline.review.export_brat import SIDECAR_DIR
from pipeline.review.items import record_items

from .conftest import at, build_small_record
from .helpers import AnnFile, labelstudio_export, read_store, region_id, relink

Q_PUTIN = "“The INF Treaty is dead since 2019.”"
Q_LAVROV = "the treaty was violated in 1999"
Q_ANSWER = "“The US broke it. We will answer.”"


def export_and_edit_brat(tmp_path, record, edit) -> tuple:
    folder = tmp_path / "brat"
    export_brat([record], folder)
    ann = AnnFile(folder / f"{record['id']}.ann")
    edit(ann, record["text"])
    ann.save()
    return folder


def applied(store, record) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the text did not change: no W002
        return load_corrections(store)(record)


def item_entries(store) -> list[dict]:
    return [e for e in read_store(store) if e["kind"] != "article"]


def quote_by_text(record, text) -> dict:
    return next(q for q in record["quotes"] if q["text"] == text)


@pytest.mark.parametrize("tool", ["brat", "labelstudio"])
def test_importer_unchanged_export_round_trips(tmp_path, small_record, tool):
    if tool == "brat":
        source = export_and_edit_brat(tmp_path, small_record, lambda ann, text: None)
    else:
        tasks, _ = export_labelstudio([small_record], tmp_path / "tasks.json")
        source = labelstudio_export(tasks, tmp_path / "export.json")
    report = import_reviews(source, tmp_path / "c.jsonl")
    assert report.written and set(report.actions) == {"keep"}
    assert applied(tmp_path / "c.jsonl", small_record) == small_record


def drop_quote(ann, text):
    ann.drop(ann.find("Quote", Q_ANSWER))


def move_quote(ann, text):
    start, end = at(text, "that " + Q_LAVROV)
    ann.move(ann.find("Quote", Q_LAVROV), text, start, end)


def rename_speaker(ann, text):
    ann.set_note(ann.find("Speaker", "Putin"), name="Vladimir V. Putin")


def change_treaty(ann, text):
    ann.set_note(ann.find("Treaty", "New START"), treaty="start-i")


def change_date(ann, text):
    ann.set_note(ann.find("Date", "1999"), value="1998")


def change_event(ann, text):
    ann.set_attribute(ann.find("Treaty", "INF Treaty"), "Event", "signed")


def add_quote(ann, text):
    new = ann.add_entity("Quote", text, *at(text, "Arms control at risk"))
    ann.add_relation("SaidBy", new, ann.find("Speaker", "Putin"))


@pytest.mark.parametrize(
    "edit,kind,action,changed,check",
    [
        (drop_quote, "quote", "delete", None, lambda r: Q_ANSWER not in [q["text"] for q in r["quotes"]]),
        (
            move_quote,
            "quote",
            "change",
            ["span"],
            lambda r: quote_by_text(r, "that " + Q_LAVROV)["how"] == "cue",
        ),
        (
            rename_speaker,
            "quote",
            "change",
            ["speaker"],
            lambda r: (
                quote_by_text(r, Q_PUTIN)["speaker"]["name"] == "Vladimir V. Putin"
                and quote_by_text(r, Q_PUTIN)["how"] == "review"
                and "Vladimir V. Putin" in [s["name"] for s in r["speakers"] if s["role"] == "quoted"]
            ),
        ),
        (
            change_treaty,
            "treaty",
            "change",
            ["treaty", "name"],
            lambda r: (
                r["treaties"][2]["treaty"] == "start-i"
                and r["treaties"][2]["name"] == load_knowledge().treaty("start-i").name
                and quote_by_text(r, "“New START expires in 2021.”")["treaties"] == ["start-i"]
            ),
        ),
        (
            change_date,
            "date",
            "change",
            ["value"],
            lambda r: (
                [d["value"] for d in r["dates"]] == ["2019", "1998", "2021"]
                and r["treaties"][1]["dates"][0]["value"] == "1998"
            ),
        ),
        (change_event, "treaty", "change", ["event"], lambda r: r["treaties"][0]["event"] == "signed"),
        (
            add_quote,
            "quote",
            "add",
            None,
            lambda r: (
                r["quotes"][0]["text"] == "Arms control at risk"
                and r["quotes"][0]["how"] == "review"
                and r["quotes"][0]["kind"] == "indirect"
                and r["quotes"][0]["speaker"]["name"] == "Vladimir Putin"
            ),
        ),
    ],
)
def test_importer_brat_edits_become_entries(tmp_path, small_record, edit, kind, action, changed, check):
    folder = export_and_edit_brat(tmp_path, small_record, edit)
    report = import_reviews(folder, tmp_path / "c.jsonl", reviewer="ann")
    assert report.written and not report.conflicts
    entries = [e for e in item_entries(tmp_path / "c.jsonl") if e["action"] != "keep"]
    of_kind = [e for e in entries if e["kind"] == kind]
    assert [(e["action"], e.get("changed")) for e in of_kind] == [(action, changed)]
    assert all(e["reviewer"] == "ann" and e["time"] and e["tool"] == "brat" for e in entries)
    corrected = applied(tmp_path / "c.jsonl", small_record)
    assert check(corrected)
    # Everything the annotator did not touch is as the pipeline wrote it, with the same ids.
    # (Derived fields, such as the treaty ids inside a quote, follow the corrected items.)
    untouched = {(e["kind"], e["item"]) for e in item_entries(tmp_path / "c.jsonl") if e["action"] == "keep"}
    before, after = record_items(small_record), record_items(corrected)
    assert {key: before[key[0]][key[1]] for key in untouched} == {
        key: after[key[0]][key[1]] for key in untouched
    }


def test_importer_moved_quote_keeps_its_id(tmp_path, small_record):
    folder = export_and_edit_brat(tmp_path, small_record, move_quote)
    import_reviews(folder, tmp_path / "c.jsonl")
    old = quote_by_text(small_record, Q_LAVROV)
    assert quote_by_text(applied(tmp_path / "c.jsonl", small_record), "that " + Q_LAVROV)["id"] == old["id"]


def test_importer_lost_note_is_matched_by_span(tmp_path, small_record):
    def drop_notes(ann, text):
        ann.lines = [ln for ln in ann.lines if not ln.startswith("#")]

    folder = export_and_edit_brat(tmp_path, small_record, drop_notes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # speakers and dates without their notes fall back to the export
        report = import_reviews(folder, tmp_path / "c.jsonl")
    assert set(report.actions) == {"keep"}


@pytest.mark.parametrize("second_speaker,conflicts,written", [("Dmitry Peskov", 1, False), (None, 0, False)])
def test_importer_reports_conflict_with_earlier_review(
    tmp_path, small_record, second_speaker, conflicts, written
):
    store = tmp_path / "c.jsonl"
    first = export_and_edit_brat(tmp_path, small_record, rename_speaker)
    second = tmp_path / "second"
    export_brat([small_record], second)  # a second annotator, from the same export
    if second_speaker:
        ann = AnnFile(second / "small.ann")
        ann.set_note(ann.find("Speaker", "Putin"), name=second_speaker)
        ann.save()
    import_reviews(first, store, reviewer="first")
    before = store.read_bytes()
    report = import_reviews(second, store, reviewer="second")
    assert len(report.conflicts) == conflicts and report.written is written
    assert store.read_bytes() == before
    if conflicts:
        line = report.conflicts[0].describe()
        assert "Vladimir V. Putin" in line and second_speaker in line and "first" in line and "second" in line
    else:
        assert report.kept_earlier == 1  # left as exported: the earlier review stands


def test_importer_force_records_override_on_top(tmp_path, small_record):
    store = tmp_path / "c.jsonl"
    import_reviews(export_and_edit_brat(tmp_path, small_record, rename_speaker), store)
    second = tmp_path / "second"
    export_brat([small_record], second)
    ann = AnnFile(second / "small.ann")
    ann.set_note(ann.find("Speaker", "Putin"), name="Dmitry Peskov")
    ann.save()
    before = store.read_bytes()
    report = import_reviews(second, store, force=True)
    assert report.written and len(report.conflicts) == 1
    assert store.read_bytes().startswith(before)  # append-only: the earlier review is still there
    [override] = [e for e in item_entries(store) if "overrides" in e]
    assert override["overrides"] in {e.get("entry") for e in item_entries(store)}
    assert quote_by_text(applied(store, small_record), Q_PUTIN)["speaker"]["name"] == "Dmitry Peskov"


def test_importer_review_of_corrected_export_is_an_update(tmp_path, small_record):
    store = tmp_path / "c.jsonl"
    import_reviews(export_and_edit_brat(tmp_path, small_record, rename_speaker), store)
    corrected = applied(store, small_record)
    again = tmp_path / "again"
    export_brat([corrected], again)  # the next round: annotators see the corrected record
    ann = AnnFile(again / "small.ann")
    ann.set_note(ann.find("Speaker", "Putin"), name="President Putin")
    ann.save()
    report = import_reviews(again, store)
    assert not report.conflicts and report.actions == {"change": 1}
    assert quote_by_text(applied(store, small_record), Q_PUTIN)["speaker"]["name"] == "President Putin"


def test_importer_same_import_twice_writes_nothing(tmp_path, small_record):
    folder = export_and_edit_brat(tmp_path, small_record, drop_quote)
    import_reviews(folder, tmp_path / "c.jsonl")
    before = (tmp_path / "c.jsonl").read_bytes()
    report = import_reviews(folder, tmp_path / "c.jsonl")
    assert not report.written and report.unchanged == 10 and (tmp_path / "c.jsonl").read_bytes() == before


def test_importer_refuses_changed_text(tmp_path, small_record):
    folder = export_and_edit_brat(tmp_path, small_record, lambda ann, text: None)
    (folder / "small.txt").write_text(small_record["text"].replace("Putin", "Putyn"), encoding="utf-8")
    with pytest.raises(ClaimsError, match="not the exported text"):
        import_reviews(folder, tmp_path / "c.jsonl")


def test_importer_without_sidecar_needs_records(tmp_path, small_record, small_jsonl):
    folder = export_and_edit_brat(tmp_path, small_record, drop_quote)
    shutil.rmtree(folder / SIDECAR_DIR)
    with pytest.raises(ClaimsError, match="--records"):
        import_reviews(folder, tmp_path / "c.jsonl")
    report = import_reviews(folder, tmp_path / "c.jsonl", records=small_jsonl)
    assert report.actions["delete"] == 1


@pytest.mark.parametrize(
    "completed_by,reviewer",
    [(3, "label-studio user 3"), ({"id": 3, "email": "ann@example.org"}, "ann@example.org")],
)
def test_importer_labelstudio_speaker_change_with_reviewer_and_time(
    tmp_path, small_record, completed_by, reviewer
):
    def edit(n, result):
        relink(result, region_id(result, "Quote", Q_PUTIN), "said by", region_id(result, "Speaker", "Shoigu"))

    tasks, _ = export_labelstudio([small_record], tmp_path / "tasks.json")
    source = labelstudio_export(tasks, tmp_path / "export.json", edit, completed_by=completed_by)
    report = import_reviews(source, tmp_path / "c.jsonl")
    [change] = [e for e in item_entries(tmp_path / "c.jsonl") if e["action"] == "change"]
    assert report.actions["change"] == 1 and change["changed"] == ["speaker"]
    assert (change["reviewer"], change["time"], change["tool"]) == (
        reviewer,
        "2024-05-01T10:05:00.000000Z",
        "labelstudio",
    )
    assert (
        quote_by_text(applied(tmp_path / "c.jsonl", small_record), Q_PUTIN)["speaker"]["name"]
        == "Sergey Shoigu"
    )


def test_importer_labelstudio_new_region_id_on_same_span_keeps_item_id(tmp_path, small_record):
    def edit(n, result):
        # Deleted and drawn again: Label Studio gives the region a new random id.
        qid = region_id(result, "Quote", Q_PUTIN)
        for item in result:
            for key in ("id", "from_id", "to_id"):
                if item.get(key) == qid:
                    item[key] = "Xk3v9_aQ2p"

    tasks, _ = export_labelstudio([small_record], tmp_path / "tasks.json")
    report = import_reviews(labelstudio_export(tasks, tmp_path / "export.json", edit), tmp_path / "c.jsonl")
    assert set(report.actions) == {"keep"}


def test_importer_labelstudio_two_annotators_conflict(tmp_path, small_record):
    names = ["Sergey Shoigu", "Sergey Lavrov"]

    def edit(n, k, result):
        target = "Shoigu" if names[k] == "Sergey Shoigu" else "Lavrov"
        relink(result, region_id(result, "Quote", Q_PUTIN), "said by", region_id(result, "Speaker", target))

    tasks, _ = export_labelstudio([small_record], tmp_path / "tasks.json")
    source = labelstudio_export(tasks, tmp_path / "export.json", edit, annotations=2)
    report = import_reviews(source, tmp_path / "c.jsonl")
    assert len(report.conflicts) == 1 and not report.written and not (tmp_path / "c.jsonl").exists()


def test_importer_labelstudio_reads_utf16_offsets_of_older_versions(tmp_path):
    record = build_small_record(text="🚀 " + build_small_record()["text"])

    def to_utf16(n, result):
        text = record["text"]
        for item in result:
            if "start" in item.get("value", {}):
                for key in ("start", "end"):
                    item["value"][key] = len(text[: item["value"][key]].encode("utf-16-le")) // 2

    tasks, _ = export_labelstudio([record], tmp_path / "tasks.json")
    report = import_reviews(
        labelstudio_export(tasks, tmp_path / "export.json", to_utf16), tmp_path / "c.jsonl"
    )
    assert set(report.actions) == {"keep"}
    assert applied(tmp_path / "c.jsonl", record) == record


def test_importer_labelstudio_skips_tasks_nobody_annotated(tmp_path, small_record):
    tasks, _ = export_labelstudio([small_record], tmp_path / "tasks.json")
    source = labelstudio_export(tasks, tmp_path / "export.json")
    cancelled = source.read_text(encoding="utf-8").replace('"was_cancelled": false', '"was_cancelled": true')
    source.write_text(cancelled, encoding="utf-8")
    for path in (tasks, source):
        report = import_reviews(path, tmp_path / "c.jsonl")
        assert report.articles == 0 and not report.written


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}', "[1, 2]"])
def test_importer_refuses_what_is_not_a_labelstudio_export(tmp_path, content):
    (tmp_path / "export.json").write_text(content, encoding="utf-8")
    with pytest.raises(ClaimsError, match="Label Studio"):
        import_reviews(tmp_path / "export.json", tmp_path / "c.jsonl")
