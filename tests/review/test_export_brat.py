"""brat export: a collection brat and INCEpTION open as is, carrying ids and normalisations."""

from __future__ import annotations

import copy
import re
import zipfile

import pytest

from pipeline.eval.brat import load_gold, read_ann
from pipeline.record.build import validate
from pipeline.review import import_reviews, load_corrections
from pipeline.review.export_brat import (
    ENTITY_TYPES,
    INCEPTION_DIR,
    SIDECAR_DIR,
    export_brat,
    format_note,
    fragments,
    parse_note,
)

from .conftest import INTERRUPTED, build_interrupted_record
from .helpers import AnnFile

SECTION_RE = re.compile(r"^\[(\w+)\]$", re.M)


@pytest.fixture
def collection(tmp_path, small_record):
    export_brat([small_record], tmp_path / "brat")
    return tmp_path / "brat"


@pytest.mark.parametrize(
    "conf,sections",
    [
        ("annotation.conf", ["entities", "relations", "events", "attributes"]),
        ("visual.conf", ["labels", "drawing"]),
    ],
)
def test_export_brat_writes_config_sections(collection, conf, sections):
    assert SECTION_RE.findall((collection / conf).read_text(encoding="utf-8")) == sections


def test_export_brat_declares_every_type_it_uses(collection):
    conf = (collection / "annotation.conf").read_text(encoding="utf-8")
    ann = read_ann(collection / "small.ann")
    declared = {
        line.split("\t")[0].split()[0]
        for line in conf.splitlines()
        if line and not line.startswith(("#", "["))
    }
    used = (
        {e.type for e in ann.entities.values()}
        | {r.type for r in ann.relations}
        | {a.name for a in ann.attributes}
    )
    assert used <= declared
    assert {e.type for e in ann.entities.values()} == set(ENTITY_TYPES)


def test_export_brat_text_is_the_record_text(collection, small_record):
    assert (collection / "small.txt").read_bytes() == small_record["text"].encode("utf-8")
    assert (collection / SIDECAR_DIR / "small.json").exists()


def test_export_brat_lines_are_ones_inception_reads(collection):
    # INCEpTION's brat reader throws on any line that is not T, R, E, A/M or # (brat's N included).
    lines = (collection / "small.ann").read_text(encoding="utf-8").splitlines()
    assert lines and all(re.match(r"^(T|R|A|#)\d+\t", line) for line in lines)


def test_export_brat_span_texts_match_offsets(collection, small_record):
    text = small_record["text"]
    for entity in read_ann(collection / "small.ann").entities.values():
        assert entity.text == " ".join(text[a:b] for a, b in entity.spans)


@pytest.mark.parametrize(
    "entity_type,note",
    [
        ("Quote", {"id": "q-"}),
        ("Speaker", {"name": "Vladimir Putin"}),
        ("Treaty", {"id": "t-", "treaty": "inf", "name": "Intermediate-Range Nuclear Forces Treaty"}),
        ("Date", {"id": "d-", "value": "2019"}),
    ],
)
def test_export_brat_notes_carry_ids_and_normalisations(collection, entity_type, note):
    ann = read_ann(collection / "small.ann")
    notes = {n.target: parse_note(n.text) for n in ann.notes}
    first = next(tid for tid, e in ann.entities.items() if e.type == entity_type)
    for key, value in note.items():
        assert notes[first][key].startswith(value)


@pytest.mark.parametrize(
    "text,start,end,expected",
    [
        ("one line", 0, 8, [(0, 8)]),
        ("first\nsecond", 0, 12, [(0, 5), (6, 12)]),
        ("a\n\nb\r\nc", 0, 7, [(0, 1), (3, 4), (6, 7)]),
        ("x\nquote", 2, 7, [(2, 7)]),
    ],
)
def test_export_brat_fragments_cut_at_line_breaks(text, start, end, expected):
    assert fragments(text, start, end) == expected


@pytest.mark.parametrize(
    "fields",
    [{"id": "q-0123456789ab"}, {"id": "t-0123456789ab", "treaty": "inf", "name": "Treaty; of = things"}, {}],
)
def test_export_brat_note_round_trips(fields):
    assert parse_note(format_note(fields)) == fields


def test_export_brat_gold_loader_reads_the_export(collection, small_record):
    [doc] = load_gold(collection).values()
    expected = [
        ([(q["start"], q["end"])], [(q["speaker"]["start"], q["speaker"]["end"])])
        for q in small_record["quotes"]
    ]
    assert [(a.content, a.source) for a in doc.attributions] == expected


def test_export_brat_zips_each_pair_for_inception(collection):
    # INCEpTION's brat import wants one ZIP per document: the .ann at its root with its .txt.
    with zipfile.ZipFile(collection / INCEPTION_DIR / "small.zip") as archive:
        assert sorted(archive.namelist()) == ["small.ann", "small.txt"]
        assert archive.read("small.ann") == (collection / "small.ann").read_bytes()
        assert archive.read("small.txt") == (collection / "small.txt").read_bytes()


def test_export_brat_writes_an_interrupted_quote_as_its_pieces(tmp_path):
    record = build_interrupted_record()
    export_brat([record], tmp_path / "brat")
    ann = read_ann(tmp_path / "brat" / f"{record['id']}.ann")
    [quote] = [e for e in ann.entities.values() if e.type == "Quote" and len(e.spans) > 1]
    assert [record["text"][a:b] for a, b in quote.spans] == [
        "“We will not sign,”",
        "“unless it is verified.”",
    ]


def test_export_brat_interrupted_quote_keeps_its_pieces_through_review(tmp_path):
    """An annotator renames another speaker of the article; the interrupted quote comes back whole."""
    record = build_interrupted_record()
    export_brat([record], tmp_path / "brat")
    ann = AnnFile(tmp_path / "brat" / f"{record['id']}.ann")
    ann.set_note(ann.find("Speaker", "Putin"), name="Vladimir V. Putin")
    ann.save()
    store = tmp_path / "corrections.jsonl"
    import_reviews(tmp_path / "brat", store)
    corrected = load_corrections(store)(copy.deepcopy(record))
    [again] = [q for q in corrected["quotes"] if q["text"] == INTERRUPTED]
    assert again["pieces"] == record["quotes"][-1]["pieces"]
    assert any(q["speaker"]["name"] == "Vladimir V. Putin" for q in corrected["quotes"])
    validate(corrected)
