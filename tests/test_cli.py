"""The `claims` command line, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

pytestmark = pytest.mark.model


def test_cli_help_explains_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for verb in ("run", "segment", "speakers", "quotes", "treaties", "eval", "schema"):
        assert verb in result.output


def test_cli_run_writes_records_and_reports_bad_inputs(tmp_path):
    (tmp_path / "good.txt").write_text(
        "“We will respond,” Lavrov said of the INF Treaty.\n", encoding="utf-8"
    )
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "-o", str(out), "--date", "2019-02-03"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["good"]
    assert records[0]["quotes"][0]["speaker"]["name"] == "Sergey Lavrov"
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    assert {e["path"].rsplit("/", 1)[-1] for e in errors} == {"binary.txt", "empty.txt"}
    assert "binary.txt" in result.output and "Traceback" not in result.output


def test_cli_bad_date_is_refused(tmp_path):
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--date", "Feb 3"]
    )
    assert result.exit_code == 2
    assert "YYYY" in result.output


def test_cli_polnear_convention_without_the_transformer_is_refused(tmp_path):
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path), "-o", str(out), "--fast", "--convention", "polnear"]
    )
    assert result.exit_code == 2
    assert "needs the transformer" in result.output and "--fast" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_cli_stage_verbs_chain_through_records(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Title\n\n“We did everything,” Lavrov said about the INF Treaty.\n", encoding="utf-8")
    runner = CliRunner()
    seg = tmp_path / "seg.jsonl"
    assert runner.invoke(cli, ["segment", str(src), "-o", str(seg), "-q"]).exit_code == 0
    rec = json.loads(seg.read_text(encoding="utf-8"))
    assert "quotes" not in rec and rec["segments"][0]["kind"] == "title"
    # An annotator marks the title as body; the next stages keep that correction.
    rec["segments"][0]["kind"] = "body"
    seg.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    full = tmp_path / "full.jsonl"
    assert runner.invoke(cli, ["treaties", str(seg), "-o", str(full), "-q"]).exit_code == 0
    out = json.loads(full.read_text(encoding="utf-8"))
    assert out["segments"][0]["kind"] == "body"
    assert out["quotes"][0]["speaker"]["name"] == "Sergey Lavrov"
    assert out["treaties"][0]["treaty"] == "inf"


def test_cli_unknown_model_is_one_clear_line(tmp_path):
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--model", "xx_nope"]
    )
    assert result.exit_code == 1
    assert "xx_nope" in result.output and "Traceback" not in result.output


def test_cli_cofenet_convention_writes_each_piece_of_an_interrupted_quote(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text(
        "“We will not sign the treaty,” Lavrov said on Tuesday. “The deal is dead.”\n\n"
        "The delegates met in Vienna. Lunch was served at noon.\n",
        encoding="utf-8",
    )
    quotes = {}
    for convention in ("polnear", "cofenet"):
        out = tmp_path / f"{convention}.jsonl"
        result = CliRunner().invoke(cli, ["run", str(src), "-o", str(out), "--convention", convention])
        assert result.exit_code == 0, result.output
        [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert record["model"].endswith(":" + convention)
        quotes[convention] = record["quotes"]
    [whole] = quotes["polnear"]
    assert [p["text"] for p in whole["pieces"]] == ["“We will not sign the treaty,”", "“The deal is dead.”"]
    pieces = quotes["cofenet"]
    assert [q["text"] for q in pieces] == [p["text"] for p in whole["pieces"]]
    assert {q["part_of"] for q in pieces} == {whole["id"]}
    assert all(q["speaker"]["name"] == "Sergey Lavrov" and q["cue"]["text"] == "said" for q in pieces)
    # The narration paragraph holds no attribution in either convention.
    narration = src.read_text(encoding="utf-8").index("The delegates")
    assert all(q["end"] <= narration for q in [whole, *pieces])
