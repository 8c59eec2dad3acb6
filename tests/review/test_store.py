"""The corrections store: append-only, atomic, and loud about a corrupt line."""

from __future__ import annotations

import json
import os
import stat

import pytest

from pipeline.errors import ClaimsError
from pipeline.review import export_brat, import_reviews, load_corrections
from pipeline.review.store import append_entries, read_entries

from .helpers import AnnFile

GOOD = {
    "article": "a",
    "text_hash": "h",
    "kind": "date",
    "item": "d-0123456789ab",
    "action": "keep",
    "value": {"value": "2019", "start": 0, "end": 4, "text": "2019"},
    "base": None,
}


@pytest.mark.parametrize(
    "line,detail",
    [
        ("{not json", "Expecting property name"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({**GOOD, "kind": "speech"}), "kind 'speech'"),
        (json.dumps({**GOOD, "action": "rewrite"}), "action 'rewrite'"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "item"}), "lacks item"),
    ],
)
@pytest.mark.parametrize("reader", [read_entries, load_corrections])
def test_store_corrupt_line_names_file_and_line(tmp_path, line, detail, reader):
    path = tmp_path / "corrections.jsonl"
    path.write_text(json.dumps(GOOD) + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ClaimsError) as err:
        reader(path)
    assert f"corrections file {path}: line 3" in str(err.value) and detail in str(err.value)
    assert err.value.stage == "corrections"


def test_store_missing_file_is_an_error_for_runs(tmp_path):
    with pytest.raises(ClaimsError, match="no such file"):
        load_corrections(tmp_path / "missing.jsonl")


def test_store_refuses_to_append_to_a_corrupt_store(tmp_path):
    path = tmp_path / "corrections.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(ClaimsError, match="line 1"):
        append_entries(path, [GOOD])
    assert path.read_text(encoding="utf-8") == "{oops\n"


def test_store_is_append_only_and_atomic(tmp_path, small_record):
    store = tmp_path / "corrections.jsonl"
    snapshots = []
    for name in ("Vladimir V. Putin", "President Putin"):
        folder = tmp_path / name.replace(" ", "_")
        export_brat([load_corrections(store)(small_record) if store.exists() else small_record], folder)
        ann = AnnFile(folder / "small.ann")
        ann.set_note(ann.find("Speaker", "Putin"), name=name)
        ann.save()
        import_reviews(folder, store)
        snapshots.append(store.read_bytes())
    assert snapshots[1].startswith(snapshots[0]) and len(snapshots[1]) > len(snapshots[0])
    assert [
        e["value"]["speaker"]["name"] for e in read_entries(store) if e.get("changed") == ["speaker"]
    ] == ["Vladimir V. Putin", "President Putin"]
    # No temporary file left behind, and the usual permissions (a brat server runs as another user).
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "corrections.jsonl",
        "corrections.jsonl.lock",
    ]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(store.stat().st_mode) == 0o666 & ~umask
