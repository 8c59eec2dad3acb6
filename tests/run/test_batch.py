"""Batch runs: line-atomic output, resume without duplicates, parallel runs, run-level errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import ClaimsError
from pipeline.record.io import RecordWriter, errors_path, write_errors
from pipeline.run.batch import process

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "000_9d0255c7079ac9ce.txt"
ARTICLES = [
    "Arms control\n\n“We will respond in kind,” Lavrov said of the INF Treaty on Saturday.\n",
    "Talks\n\nPutin said that Russia would not deploy new missiles in Europe unless the US did.\n",
    "Treaty\n\nThe New START treaty expires in 2021, officials said. “It matters,” Shoigu added.\n",
    "Quiet day\n\nNothing was said about any treaty today, the ministry told reporters.\n",
    "Pact\n\n“The agreement is dead,” Bolton told reporters in Moscow last October.\n",
    "Reply\n\nAccording to Lavrov, the United States has violated the treaty since 2014.\n",
]


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _folder(tmp_path: Path, texts=ARTICLES) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(texts):
        (folder / f"a{i}.txt").write_text(text, encoding="utf-8")
    return folder


def _record(i: int, version: str = "v1") -> dict:
    return {"id": f"r{i}", "text": f"text {i}", "text_hash": f"h{i}", "pipeline_version": version}


@pytest.mark.parametrize("tail", [b'{"id": "r2", "text": "half a rec', b"{", b"\xe2\x80"])
def test_batch_writer_cuts_a_partial_last_line_and_resumes(tmp_path, tail):
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(json.dumps(_record(i)).encode() + b"\n" for i in range(2)) + tail)
    writer = RecordWriter(out)
    assert writer.repaired == 1
    assert writer.is_done("r0", "h0", "v1") and writer.is_done("r1", "h1", "v1")
    assert not writer.is_done("r2", "h2", "v1") and not writer.is_done("r0", "h0", "v2")
    writer.write(_record(2))
    writer.close()
    assert [r["id"] for r in _lines(out)] == ["r0", "r1", "r2"]


@pytest.mark.parametrize("redo", [["r1"], ["r0", "r2"]])
def test_batch_writer_keeps_only_the_newest_record_of_a_redone_article(tmp_path, redo):
    out = tmp_path / "out.jsonl"
    writer = RecordWriter(out)
    for i in range(3):
        writer.write(_record(i))
    writer.close()
    writer = RecordWriter(out)
    for rid in redo:
        writer.write({**_record(int(rid[1:]), "v2")})
    writer.close()
    records = _lines(out)
    assert sorted(r["id"] for r in records) == ["r0", "r1", "r2"]
    assert {r["id"] for r in records if r["pipeline_version"] == "v2"} == set(redo)


@pytest.mark.parametrize("junk", [b"not json at all\n", b"[1, 2]\n"])
def test_batch_writer_drops_a_line_that_is_not_a_record(tmp_path, junk):
    out = tmp_path / "out.jsonl"
    out.write_bytes(json.dumps(_record(0)).encode() + b"\n" + junk + json.dumps(_record(1)).encode() + b"\n")
    RecordWriter(out).close()
    assert [r["id"] for r in _lines(out)] == ["r0", "r1"]


@pytest.mark.parametrize("resume", [True, False])
def test_batch_writer_no_resume_starts_afresh(tmp_path, resume):
    out = tmp_path / "out.jsonl"
    out.write_text(json.dumps(_record(0)) + "\n", encoding="utf-8")
    writer = RecordWriter(out, resume=resume)
    writer.write(_record(1))
    writer.close()
    assert [r["id"] for r in _lines(out)] == (["r0", "r1"] if resume else ["r1"])


@pytest.mark.parametrize("make_bad", ["under_a_file", "read_only_folder"])
def test_batch_unwritable_output_is_a_clear_error(tmp_path, make_bad):
    if make_bad == "under_a_file":
        # chmod does not stop root, so a path under a regular file stands for an unwritable folder.
        (tmp_path / "file.txt").write_text("x", encoding="utf-8")
        out = tmp_path / "file.txt" / "out.jsonl"
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        out = folder / "out.jsonl"
    with pytest.raises(ClaimsError) as info:
        RecordWriter(out)
    assert info.value.stage == "output" and str(out) in str(info.value)
    with pytest.raises(ClaimsError):
        write_errors(out, [])


@pytest.mark.parametrize("n", [3])
def test_batch_errors_file_is_replaced_whole(tmp_path, n):
    out = tmp_path / "out.jsonl"
    errors = [ClaimsError(f"bad {i}", path=f"f{i}.txt", code="X") for i in range(n)]
    write_errors(out, errors)
    assert [e["path"] for e in _lines(errors_path(out))] == [f"f{i}.txt" for i in range(n)]
    write_errors(out, [])
    assert errors_path(out).read_text() == ""


@pytest.mark.model
@pytest.mark.parametrize("changed", ["a2.txt"])
def test_batch_resume_skips_done_articles_and_redoes_changed_ones(tmp_path, changed):
    folder = _folder(tmp_path)
    out = tmp_path / "out.jsonl"
    first = process([str(folder)], out, quiet=True)
    assert first.articles == len(ARTICLES) and first.skipped == 0
    again = process([str(folder)], out, quiet=True)
    assert again.articles == 0 and again.skipped == len(ARTICLES)
    (folder / changed).write_text("Changed\n\n“We changed it,” Putin said.\n", encoding="utf-8")
    third = process([str(folder)], out, quiet=True)
    assert third.articles == 1 and third.skipped == len(ARTICLES) - 1
    records = _lines(out)
    assert sorted(r["id"] for r in records) == sorted(f"a{i}" for i in range(len(ARTICLES)))
    assert "We changed it" in next(r["text"] for r in records if r["id"] == changed[:-4])


@pytest.mark.model
@pytest.mark.parametrize("args", [["--quiet"], []])
def test_batch_cli_says_how_many_it_skipped(tmp_path, args):
    folder = _folder(tmp_path, ARTICLES[:2])
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(folder), "-o", str(out), *args]).exit_code == 0
    result = runner.invoke(cli, ["run", str(folder), "-o", str(out), *args])
    assert result.exit_code == 0
    if args:
        assert result.output == ""
    else:
        assert "0 written, 2 skipped" in result.output and "words/s" in result.output


@pytest.mark.model
@pytest.mark.parametrize("workers", [2])
def test_batch_workers_write_the_same_bytes_as_one_process(tmp_path, workers):
    # The one-process run starts torch's threads here first; the forked workers must not hang on them.
    texts = ARTICLES + [SEED.read_text(encoding="utf-8")]
    folder = _folder(tmp_path, texts)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    s1 = process([str(folder)], one, quiet=True, batch_size=2)
    s2 = process([str(folder)], many, quiet=True, batch_size=2, workers=workers)
    assert one.read_bytes() == many.read_bytes()
    assert errors_path(one).read_bytes() == errors_path(many).read_bytes()
    assert s1.articles == s2.articles == len(texts) and len(s1.errors) == len(s2.errors) == 1


@pytest.mark.model
@pytest.mark.parametrize("copies", [8])
def test_batch_killed_run_leaves_whole_lines_and_a_rerun_finishes(tmp_path, copies):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(copies):
        shutil.copy(SEED, folder / f"seed{i}.txt")
    out = tmp_path / "out.jsonl"
    code = "import sys; from pipeline.cli import cli; sys.argv[0] = 'claims'; cli()"
    args = ["run", str(folder), "-o", str(out), "--quiet", "--batch-size", "1"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.stat().st_size > 0:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _lines(out)  # every line parses: no partial record
    assert len(done) < copies
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(out)])
    assert result.exit_code == 0
    assert f"{copies - len(done)} written, {len(done)} skipped" in result.output
    records = _lines(out)
    assert sorted(r["id"] for r in records) == sorted(f"seed{i}" for i in range(copies))
