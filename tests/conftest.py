"""Shared fixtures: the real spaCy pipeline with the claims stages, loaded once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_9d0255c7079ac9ce.txt"
SEED_GOLD = ROOT.parent / "shared" / "seed" / "gold.json"


@pytest.fixture(scope="session")
def runner():
    """The default English pipeline with every claims stage (real model: end-to-end behaviour)."""
    from pipeline.run.runner import Runner

    return Runner()


@pytest.fixture(scope="session")
def nlp(runner):
    return runner.nlp


@pytest.fixture(scope="session")
def annotate(runner):
    """Annotate a short inline text and return its record (all stages), as `claims run` would."""
    from pipeline.run.ingest import Article

    def run(text: str, date: str | None = "2019-02-03", title: str | None = None) -> dict:
        meta = {"title": title, "author": "Jane Writer", "date": date, "url": None}
        [record] = list(runner.annotate([Article(id="t", source="inline", text=text, meta=meta)]))
        assert isinstance(record, dict), record
        return record

    return run


@pytest.fixture(scope="session")
def seed_output(tmp_path_factory) -> Path:
    """The seed article run once per session through `claims run`'s code path (real model)."""
    from pipeline.run.batch import process

    out = tmp_path_factory.mktemp("seed") / "seed.jsonl"
    summary = process([str(SEED)], out, date="2019-02-03", quiet=True, resume=False)
    assert not summary.errors
    return out


@pytest.fixture(scope="session")
def seed_record(seed_output) -> dict:
    """The record of the seed article."""
    return json.loads(seed_output.read_text(encoding="utf-8").splitlines()[0])
