"""Fixtures for the review loop: a small hand-made record (no model) and the seed run (real model, once)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.record.build import make_id, quote_pieces, text_hash

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "000_9d0255c7079ac9ce.txt"
SEED_DATE = "2019-02-03"

SMALL_TEXT = (
    "Arms control at risk\n\n"
    "Putin said: “The INF Treaty is dead since 2019.” Lavrov agreed that the treaty was violated in 1999.\n\n"
    "Lavrov said: “The US broke it. We will answer.”\n\n"
    "Shoigu stressed: “New START expires in 2021.”\n"
)


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """(start, end) of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def span(text: str, part: str, nth: int = 0) -> dict:
    """The record span `{start, end, text}` of the nth occurrence of `part`."""
    start, end = at(text, part, nth)
    return {"start": start, "end": end, "text": text[start:end]}


def build_small_record(text: str = SMALL_TEXT, article: str = "small") -> dict:
    """A schema-valid record of SMALL_TEXT, made by hand the way `pipeline.record.build.build_record` lays it out."""
    thash = text_hash(text)

    def quote(part, kind, speaker, speaker_part, cue_part, how, nth=0, speaker_nth=0):
        s = span(text, part, nth)
        return {
            "id": make_id("q", thash, s["start"], s["end"]),
            **s,
            "kind": kind,
            "speaker": {"name": speaker, **span(text, speaker_part, speaker_nth)},
            "cue": span(text, cue_part),
            "treaties": [],
            "dates": [],
            "how": how,
            "closed": True,
        }

    def date(part):
        return {"value": part, **span(text, part)}

    def treaty(part, treaty_id, name, how, event, dated=()):
        s = span(text, part)
        return {
            "id": make_id("t", thash, s["start"], s["end"]),
            **s,
            "treaty": treaty_id,
            "name": name,
            "how": how,
            "dates": [{**date(v), "event": event} for v in dated],
            "event": event,
        }

    dates = [date("2019"), date("1999"), date("2021")]
    treaties = [
        treaty(
            "INF Treaty", "inf", "Intermediate-Range Nuclear Forces Treaty", "name", "withdrawal", ["2019"]
        ),
        treaty(
            "the treaty", "inf", "Intermediate-Range Nuclear Forces Treaty", "anaphor", "violation", ["1999"]
        ),
        treaty("New START", "new-start", "New START", "name", "expires", ["2021"]),
    ]
    quotes = [
        quote("“The INF Treaty is dead since 2019.”", "direct", "Vladimir Putin", "Putin", "said", "cue"),
        quote("the treaty was violated in 1999", "indirect", "Sergey Lavrov", "Lavrov", "agreed", "cue"),
        quote(
            "“The US broke it. We will answer.”",
            "direct",
            "Sergey Lavrov",
            "Lavrov",
            "said",
            "cue",
            speaker_nth=1,
        ),
        quote("“New START expires in 2021.”", "direct", "Sergey Shoigu", "Shoigu", "stressed", "cue"),
    ]
    quotes[1]["cue"] = span(text, "agreed")
    quotes[2]["cue"] = span(text, "said", 1)
    for q in quotes:
        q["treaties"] = sorted({m["treaty"] for m in treaties if q["start"] <= m["start"] < q["end"]})
        q["dates"] = [d["value"] for d in dates if q["start"] <= d["start"] < q["end"]]
    paragraphs = [at(text, p) for p in text.split("\n\n") if p.strip()]
    segments = [
        {"start": a, "end": b if not text[a:b].endswith("\n") else b - 1, "kind": "body"}
        for a, b in paragraphs
    ]
    segments[0]["kind"] = "title"
    sentence_parts = [
        ("Putin said: “The INF Treaty is dead since 2019.”", "Jane Writer"),
        ("Lavrov agreed that the treaty was violated in 1999.", "Jane Writer"),
        ("Lavrov said: “The US broke it.", "Jane Writer"),
        ("We will answer.”", "Sergey Lavrov"),
        ("Shoigu stressed: “New START expires in 2021.”", "Jane Writer"),
    ]
    sentences = [
        {**dict(zip(("start", "end"), at(text, part), strict=True)), "speaker": {"name": who}}
        for part, who in sentence_parts
    ]

    def mentions(*parts):
        return [{**span(text, p, n), "kind": "person", "how": "roster"} for p, n in parts]

    speakers = [
        {"name": "Jane Writer", "role": "author", "aliases": [], "mentions": []},
        {
            "name": "Sergey Lavrov",
            "role": "quoted",
            "aliases": ["Lavrov"],
            "mentions": mentions(("Lavrov", 0), ("Lavrov", 1)),
        },
        {
            "name": "Sergey Shoigu",
            "role": "quoted",
            "aliases": ["Shoigu"],
            "mentions": mentions(("Shoigu", 0)),
        },
        {
            "name": "Vladimir Putin",
            "role": "quoted",
            "aliases": ["Putin"],
            "mentions": mentions(("Putin", 0)),
        },
    ]
    return {
        "id": article,
        "source": f"inline/{article}.txt",
        "text": text,
        "text_hash": thash,
        "meta": {"title": "Arms control at risk", "author": "Jane Writer", "date": "2019-02-03", "url": None},
        "author": {"name": "Jane Writer", "source": "meta"},
        "model": "hand-made",
        "schema_version": "1.0",
        "pipeline_version": "0.1.0+test",
        "segments": segments,
        "sentences": sentences,
        "treaties": treaties,
        "dates": dates,
        "quotes": quotes,
        "speakers": speakers,
    }


INTERRUPTED = "“We will not sign,” Lavrov said on Monday, “unless it is verified.”"


def build_interrupted_record() -> dict:
    """The small record with one more paragraph: a quote that its frame interrupts."""
    text = SMALL_TEXT + "\n" + INTERRUPTED + "\n"
    record = build_small_record(text)
    start = text.index(INTERRUPTED)
    said = text.index("said", start)
    q = {
        "id": make_id("q", record["text_hash"], start, start + len(INTERRUPTED)),
        **span(text, INTERRUPTED),
        "kind": "direct",
        "speaker": {"name": "Sergey Lavrov", **span(text, "Lavrov", 2)},
        "cue": {"start": said, "end": said + 4, "text": "said"},
        "treaties": [],
        "dates": [],
        "how": "cue",
        "closed": True,
    }
    record["quotes"].append({**q, "pieces": quote_pieces(text, q)})
    return record


@pytest.fixture
def small_record() -> dict:
    """A fresh copy of the hand-made record (tests may change it)."""
    return build_small_record()


@pytest.fixture
def small_jsonl(tmp_path, small_record) -> Path:
    """The hand-made record as a claims JSONL file."""
    path = tmp_path / "small.jsonl"
    path.write_text(json.dumps(small_record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


@dataclass
class SeedRun:
    """The seed article run through `pipeline.run.batch.process`: its input, output file and record."""

    input: Path
    output: Path
    record: dict


@pytest.fixture(scope="session")
def seed_run(seed_output, seed_record) -> SeedRun:
    """The seed article's record, made once per session by the real pipeline (`claims run`'s code path)."""
    return SeedRun(SEED, seed_output, seed_record)
