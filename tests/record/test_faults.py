"""Faults while writing: a full disk mid-write leaves whole records only, a clear error, and a rerun
that finishes without duplicates; the corrections store stays as it was."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import ClaimsError
from pipeline.record import io as record_io
from pipeline.record.io import RecordWriter
from pipeline.review import export_brat, import_reviews
from pipeline.review.store import read_entries

from ..review.conftest import build_small_record
from ..review.helpers import AnnFile

REAL_WRITE = os.write


def full_disk_after(monkeypatch, records: int) -> None:
    """`os.write` of records: the first `records` go through, the next writes half a line, then ENOSPC."""
    seen = {"n": 0, "full": None}

    def write(fd, data):
        if fd == seen["full"]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # ...then the disk is full
        if not bytes(data[:2]) == b'{"':
            return REAL_WRITE(fd, data)
        seen["n"] += 1
        if seen["n"] <= records:
            return REAL_WRITE(fd, data)
        seen["full"] = fd
        return REAL_WRITE(fd, bytes(data[: len(data) // 2]))  # a short write...

    monkeypatch.setattr(record_io.os, "write", write)


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("before", [0, 2])
def test_faults_full_disk_leaves_whole_records_and_resumes(tmp_path, monkeypatch, before):
    out = tmp_path / "out.jsonl"
    records = [
        {"id": f"a{i}", "text": "x" * 5000, "text_hash": f"h{i}", "pipeline_version": "v"} for i in range(4)
    ]
    full_disk_after(monkeypatch, before)
    writer = RecordWriter(out)
    with pytest.raises(ClaimsError) as info:
        for record in records:
            writer.write(record)
    writer.close()
    assert "No space left on device" in info.value.message and info.value.stage == "output"
    assert _ids(out) == [f"a{i}" for i in range(before)]  # every line parses: no half record
    monkeypatch.setattr(record_io.os, "write", REAL_WRITE)
    writer = RecordWriter(out)
    for record in records:
        if not writer.is_done(record["id"], record["text_hash"], "v"):
            writer.write(record)
    writer.close()
    assert _ids(out) == [f"a{i}" for i in range(4)]


@pytest.mark.model
def test_faults_full_disk_in_a_run_exits_1_and_the_rerun_finishes(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.txt").write_text(f"Talks {i}\n\n“We will respond,” Lavrov said.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    full_disk_after(monkeypatch, 2)
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(out), "--quiet"])
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert _ids(out) == ["a0", "a1"]
    monkeypatch.setattr(record_io.os, "write", REAL_WRITE)
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(out)])
    assert result.exit_code == 0 and "2 written, 2 skipped" in result.output
    assert sorted(_ids(out)) == ["a0", "a1", "a2", "a3"]


def test_faults_full_disk_during_import_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    record = build_small_record()
    store = tmp_path / "corrections.jsonl"
    export_brat([record], tmp_path / "first")
    import_reviews(tmp_path / "first", store)
    before = store.read_bytes()
    folder = tmp_path / "second"
    export_brat([record], folder)
    ann = AnnFile(folder / "small.ann")
    ann.set_note(ann.find("Speaker", "Putin"), name="President Putin")
    ann.save()

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(record_io.os, "fsync", fsync)
    result = CliRunner().invoke(cli, ["review", "import", str(folder), "--into", str(store)])
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert "Traceback" not in result.output
    assert store.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "corrections.jsonl",
        "corrections.jsonl.lock",
    ]  # no temporary file left behind
    monkeypatch.undo()
    import_reviews(folder, store)
    entries = read_entries(store)
    assert len({e["entry"] for e in entries if "entry" in e}) == len([e for e in entries if "entry" in e])
    assert [e["value"]["speaker"]["name"] for e in entries if e.get("changed") == ["speaker"]] == [
        "President Putin"
    ]
