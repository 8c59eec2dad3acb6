"""`claims review export|import` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.review.cli import review

from .helpers import AnnFile


def invoke(*args):
    return CliRunner().invoke(review, [str(a) for a in args])


@pytest.mark.parametrize(
    "fmt,output,written",
    [
        ("brat", "brat", ["annotation.conf", "visual.conf", "small.txt", "small.ann"]),
        ("labelstudio", "tasks.json", ["tasks.json", "tasks.config.xml"]),
        ("html", "html", ["index.html", "small.html"]),
    ],
)
def test_cli_export_writes_each_format(tmp_path, small_jsonl, fmt, output, written):
    result = invoke("export", small_jsonl, "--format", fmt, "-o", tmp_path / output)
    assert result.exit_code == 0, result.output
    folder = tmp_path / output if fmt != "labelstudio" else tmp_path
    assert all((folder / name).exists() for name in written)


def test_cli_export_reports_a_bad_records_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    result = invoke("export", bad, "--format", "brat", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "line 1" in result.output and "Traceback" not in result.output


def test_cli_import_then_conflict_exits_1_unless_forced(tmp_path, small_jsonl):
    store = tmp_path / "corrections.jsonl"
    for name, folder in (("Vladimir V. Putin", "first"), ("Dmitry Peskov", "second")):
        assert invoke("export", small_jsonl, "--format", "brat", "-o", tmp_path / folder).exit_code == 0
        ann = AnnFile(tmp_path / folder / "small.ann")
        ann.set_note(ann.find("Speaker", "Putin"), name=name)
        ann.save()
    first = invoke("import", tmp_path / "first", "--into", store, "--reviewer", "ann")
    assert first.exit_code == 0 and "1 changed" in first.output
    second = invoke("import", tmp_path / "second", "--into", store, "--reviewer", "bob")
    assert second.exit_code == 1
    assert "conflict: small quote q-" in second.stderr and "Dmitry Peskov" in second.stderr
    assert "nothing imported" in second.stderr and "--force" in second.stderr
    forced = invoke("import", tmp_path / "second", "--into", store, "--reviewer", "bob", "--force")
    assert forced.exit_code == 0 and "entries written" in forced.output
    entries = [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]
    assert [e["reviewer"] for e in entries if e.get("changed")] == ["ann", "bob"]


def test_cli_import_of_nothing_importable_fails(tmp_path):
    result = invoke("import", tmp_path, "--into", tmp_path / "c.jsonl")
    assert result.exit_code == 1 and "nothing to import" in result.stderr
