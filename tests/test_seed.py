"""The seed article end to end: `claims run` on it meets every bar of shared/tools/seed_check.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT, SEED_GOLD

pytestmark = pytest.mark.model
SEED_CHECK = ROOT.parent / "shared" / "tools" / "seed_check.py"


@pytest.mark.skipif(not SEED_CHECK.exists(), reason="shared/tools/seed_check.py is not beside the checkout")
def test_seed_passes_seed_check(tmp_path, seed_record):
    out = tmp_path / "seed.jsonl"
    out.write_text(json.dumps(seed_record, ensure_ascii=False) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(SEED_CHECK), str(SEED_GOLD), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "PASS" in result.stdout


def test_seed_speakers_and_events(seed_record):
    by_speaker = {}
    for q in seed_record["quotes"]:
        name = (q["speaker"] or {}).get("name")
        by_speaker[name] = by_speaker.get(name, 0) + 1
    assert by_speaker["Sergey Lavrov"] >= 15
    assert by_speaker["Vladimir Putin"] >= 8
    assert by_speaker["Sergey Shoigu"] >= 3
    events = {(m["treaty"], d["value"], d["event"]) for m in seed_record["treaties"] for d in m["dates"]}
    assert {
        ("inf", "1987", "signed"),
        ("inf", "2018-10", "withdrawal"),
        ("inf", "2019-02-01", "withdrawal"),
        ("start-i", "2009", "expired"),
        ("new-start", "2021", "expires"),
    } <= events
    assert seed_record["author"]["name"] == "Stephen Lendman"


def test_seed_nothing_from_boilerplate(seed_record):
    boiler = min(s["start"] for s in seed_record["segments"] if s["kind"] == "boilerplate")
    assert seed_record["text"][boiler:].startswith("Note to readers")
    assert all(q["end"] <= boiler for q in seed_record["quotes"])
    assert all(t["end"] <= boiler for t in seed_record["treaties"])
