"""What annotators review: the quotes, treaty mentions and dates of a record, as items keyed by stable id.

A record's quotes and treaty mentions carry their stable ids (`q-…`, `t-…`: a hash of the article
text and the span, see `pipeline.record.build.make_id`); top-level dates get one here (`d-…`), made the
same way. Exports write these ids out, imports read them back, and the corrections store keys on
them, so a reviewed item keeps its id from the pipeline's run to the annotator and back.

A quote item is the record's quote without the fields derived from the rest of the record
(`treaties`, `dates`: the treaty ids and date values inside its span; `pieces`, the quoted pieces of an
interrupted quote), which are recomputed when corrections are applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..eval.score import MIN_JACCARD, char_set, jaccard
from ..record import io as record_io
from ..record.build import make_id, text_hash
from ..stages.quotes.marks import OPENING_MARKS

#: Item kinds, in the order records list them.
ITEM_KINDS = ("quote", "treaty", "date")
#: The record field that holds each kind of item.
RECORD_FIELD = {"quote": "quotes", "treaty": "treaties", "date": "dates"}
#: Quote fields computed from the rest of the record, not reviewed on their own: the treaties and
#: dates inside the span, and the pieces its frame leaves (`pipeline.record.build.quote_pieces`).
DERIVED_QUOTE_FIELDS = ("treaties", "dates", "pieces")
QUOTE_KINDS = ("direct", "mixed", "indirect")
EVENTS = (
    "signed",
    "in_force",
    "violation",
    "withdrawal",
    "suspended",
    "expired",
    "expires",
    "extended",
    "ratified",
    "unspecified",
)
ISODATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
#: What a stable item id looks like (`pipeline.record.build.make_id`).
ITEM_ID_RE = re.compile(r"^[qtd]-[0-9a-f]{12}$")


def record_hash(record: dict) -> str:
    """The record's text hash (computed when an older record lacks it)."""
    return record.get("text_hash") or text_hash(record["text"])


def date_id(thash: str, date: dict) -> str:
    """The stable id of a date span (records do not store one)."""
    return make_id("d", thash, date["start"], date["end"])


def record_items(record: dict) -> dict[str, dict[str, dict]]:
    """`{kind: {id: item}}` for the quotes, treaty mentions and top-level dates of a record."""
    thash = record_hash(record)
    return {
        "quote": {
            q["id"]: {k: v for k, v in q.items() if k not in DERIVED_QUOTE_FIELDS}
            for q in record.get("quotes") or []
        },
        "treaty": {t["id"]: dict(t) for t in record.get("treaties") or []},
        "date": {date_id(thash, d): dict(d) for d in record.get("dates") or []},
    }


def item_spans(kind: str, item: dict) -> list[dict]:
    """Every span an item holds: its own, and its speaker, cue or treaty dates."""
    spans = [item]
    if kind == "quote":
        spans += [item[k] for k in ("speaker", "cue") if item.get(k)]
    elif kind == "treaty":
        spans += list(item.get("dates") or [])
    return spans


def spans_match(text: str, kind: str, item: dict) -> bool:
    """True when every span of the item still reads its own text in `text`."""
    return all(
        0 <= s["start"] <= s["end"] <= len(text) and text[s["start"] : s["end"]] == s["text"]
        for s in item_spans(kind, item)
    )


def shift_item(kind: str, item: dict, delta: int) -> dict:
    """A copy of the item with every span moved by `delta` characters."""
    out = {**item, "start": item["start"] + delta, "end": item["end"] + delta}
    if kind == "quote":
        for k in ("speaker", "cue"):
            if item.get(k):
                out[k] = {**item[k], "start": item[k]["start"] + delta, "end": item[k]["end"] + delta}
    elif kind == "treaty":
        out["dates"] = [
            {**d, "start": d["start"] + delta, "end": d["end"] + delta} for d in item.get("dates") or []
        ]
    return out


def relocate(kind: str, item: dict, text: str) -> dict | None:
    """The item placed in a changed `text`: where it was, else at the nearest place its text recurs.

    All its spans move together and must all still read their text; None when the item's text is
    gone (or no longer fits around it).
    """
    if spans_match(text, kind, item):
        return item
    needle = item["text"]
    if not needle:
        return None
    places, at = [], text.find(needle)
    while at != -1:
        places.append(at)
        at = text.find(needle, at + 1)
    for start in sorted(places, key=lambda p: abs(p - item["start"])):
        moved = shift_item(kind, item, start - item["start"])
        if spans_match(text, kind, moved):
            return moved
    return None


def same_place(text: str, a: dict, b: dict) -> bool:
    """Do two spans cover the same stretch of text (`pipeline.eval.score`'s content match)?"""
    return (
        jaccard(char_set(text, [(a["start"], a["end"])]), char_set(text, [(b["start"], b["end"])]))
        >= MIN_JACCARD
    )


def guess_quote_kind(text: str) -> str:
    """The kind of a quote added in review without one: direct when it opens with a quote mark
    (a straight ' too: a span an annotator drew from one opens a quotation, not a word)."""
    return "direct" if text[:1] in OPENING_MARKS else "indirect"


def changed_fields(kind: str, base: dict, value: dict) -> list[str]:
    """Names of what a review changed in an item (`span`, `speaker`, `treaty`, ...), for the store."""
    names = []
    if (base["start"], base["end"]) != (value["start"], value["end"]):
        names.append("span")
    fields = {
        "quote": ("kind", "speaker", "cue"),
        "treaty": ("treaty", "name", "event", "dates"),
        "date": ("value",),
    }[kind]
    names += [f for f in fields if base.get(f) != value.get(f)]
    return names or sorted(k for k in set(base) | set(value) if base.get(k) != value.get(k))


def read_records(path: str | Path) -> Iterator[dict]:
    """The records of a claims JSONL file, in order; a bad line raises `RecordError` naming it.

    `pipeline.record.io.read_records` with every line checked to be a record (an `id` and a `text`).
    """
    return record_io.read_records(path, validate=True, stage="review")


def base_of(record: dict) -> dict:
    """What an export keeps of a record to diff the annotator's version against on import."""
    return {
        "id": record["id"],
        "source": record.get("source", ""),
        "text_hash": record_hash(record),
        **{RECORD_FIELD[kind]: record.get(RECORD_FIELD[kind]) or [] for kind in ITEM_KINDS},
    }


def safe_stem(article_id: str) -> str:
    """A file name for an article id (ids of JSONL inputs may hold any character)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(article_id)).lstrip(".") or "article"
