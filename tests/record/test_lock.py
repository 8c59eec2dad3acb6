"""One writer per output: the lock beside OUT, held across processes, released on exit and on a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import ClaimsError
from pipeline.record.lock import lock_path, output_lock

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = "import sys; from pipeline.cli import cli; sys.argv[0] = 'claims'; cli()"
HOLD = (
    "import sys, time; from pipeline.record.lock import output_lock\n"
    "with output_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def _holder(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the lock of `path`; returns once it holds it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize(
    "name,lock", [("out/claims.jsonl", "out/claims.jsonl.lock"), ("review/", "review.lock")]
)
def test_lock_path_is_beside_the_output(tmp_path, name, lock):
    assert lock_path(tmp_path / name) == tmp_path / lock


def test_lock_second_holder_fails_at_once_naming_the_pid(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = _holder(out, 30)
    try:
        started = time.monotonic()
        with pytest.raises(ClaimsError) as info, output_lock(out):
            pass
        assert time.monotonic() - started < 1
        assert info.value.code == "Locked" and f"pid {proc.pid}" in info.value.message
    finally:
        proc.kill()
        proc.wait()


def test_lock_is_released_when_the_holder_is_killed(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = _holder(out, 30)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with output_lock(out) as lock:
        assert lock.read_text() == f"{os.getpid()}\n"
    assert lock.read_text() == ""  # a released lock names no holder


def test_lock_wait_waits_for_the_holder(tmp_path):
    out = tmp_path / "out.jsonl"
    proc = _holder(out, 1.0)
    started = time.monotonic()
    with output_lock(out, wait=True) as lock:
        # It got the lock only once the holder let go, after its second.
        assert time.monotonic() - started >= 0.5 and lock.read_text() == f"{os.getpid()}\n"
    proc.wait()


@pytest.mark.parametrize(
    "args,source",
    [
        (["run", "IN", "-o", "OUT", "--quiet"], "in.jsonl"),
        (["review", "import", "IN", "--into", "OUT"], "tasks.json"),
        (["review", "export", "IN", "--format", "html", "-o", "OUT"], "in.jsonl"),
        (["report", "IN", "-o", "OUT"], "in.jsonl"),
    ],
)
def test_lock_every_writing_command_refuses_a_held_output(tmp_path, args, source):
    records = tmp_path / source
    records.write_text("[]" if source.endswith(".json") else "", encoding="utf-8")
    out = tmp_path / "target"
    proc = _holder(out, 30)
    try:
        argv = [str(records) if a == "IN" else str(out) if a == "OUT" else a for a in args]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 1
        assert f"pid {proc.pid}" in result.output and "--wait" in result.output
        assert not out.exists()
    finally:
        proc.kill()
        proc.wait()


def _ids(path: Path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.model
# Enough text that the first run still holds OUT while the second has started up (a run of four
# one-line articles finished before a second interpreter had imported spaCy on a loaded machine).
@pytest.mark.parametrize("copies", [24])
def test_lock_two_runs_onto_one_output_never_duplicate(tmp_path, copies):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(copies):
        text = (
            f"Talks {i}\n\n"
            + "“We will respond in kind,” Lavrov said of the INF Treaty on Saturday.\n\n" * 40
        )
        (folder / f"seed{i}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    args = ["run", str(folder), "-o", str(out), "--quiet", "--batch-size", "1", "--date", "2019-02-03"]
    first = subprocess.Popen(
        [sys.executable, "-c", CLAIMS, *args], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock_path(out).exists() and lock_path(out).read_text()):
        time.sleep(0.02)
    refused = subprocess.run(
        [sys.executable, "-c", CLAIMS, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    waited = subprocess.Popen(
        [sys.executable, "-c", CLAIMS, *args, "--wait"], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert waited.wait(timeout=300) == 0, waited.stderr.read()
    assert refused.returncode == 1 and f"pid {first.pid}" in refused.stderr, refused.stderr
    ids = _ids(out)
    assert sorted(ids) == sorted(set(ids)) == sorted(f"seed{i}" for i in range(copies))
