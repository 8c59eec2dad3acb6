"""The record format: one JSON object per article, the contract between stages, annotators and notebooks.

`record.schema.json` is its JSON Schema. Every span is `{start, end, text}` with
`text == record["text"][start:end]` (Python str indices). Ids are stable across runs: a hash of the
article text and the span, so a reviewed item keeps its id when the pipeline is run again.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources

from spacy.tokens import Doc

from ..stages.quotes.marks import CLOSING_MARKS, OPENING_MARKS

SCHEMA_VERSION = "1.0"


def text_hash(text: str) -> str:
    """The hash of an article's text, which stable ids and resumed runs are keyed on."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def make_id(prefix: str, thash: str, start: int, end: int) -> str:
    """A stable id for the span [start, end) of the article whose text hashes to `thash`."""
    digest = hashlib.sha1(f"{thash}:{prefix}:{start}:{end}".encode()).hexdigest()[:12]
    return f"{prefix}-{digest}"


@lru_cache(maxsize=1)
def schema() -> dict:
    """The record's JSON Schema."""
    return json.loads(resources.files("pipeline.record").joinpath("record.schema.json").read_text("utf-8"))


def validate(record: dict) -> None:
    """Raise `jsonschema.ValidationError` when the record breaks the schema."""
    import jsonschema

    jsonschema.validate(record, schema())


def _shift(item: dict, offset: int) -> dict:
    """A copy of a span dict (and nested span dicts) moved by `offset` characters."""
    out = {}
    for k, v in item.items():
        if k in ("start", "end") and isinstance(v, int):
            out[k] = v + offset
        elif isinstance(v, dict) and "start" in v:
            out[k] = _shift(v, offset)
        elif isinstance(v, list) and v and isinstance(v[0], dict) and "start" in v[0]:
            out[k] = [_shift(x, offset) for x in v]
        else:
            out[k] = v
    return out


#: What ends the first piece of an interrupted quote, just before its frame ("…,” he said").
_BEFORE_FRAME = frozenset(",;:—–") | CLOSING_MARKS
#: What opens the second piece, just after the frame ("he said, “…").
_AFTER_FRAME = frozenset(",;:—–") | OPENING_MARKS


def _ends_piece(text: str, i: int) -> bool:
    """Whether text[i] can close the first piece: ’ only where it is no apostrophe (Russia’s), ' only
    as the second of a doubled one (the ''…,'' of wire and NYT copy)."""
    if text[i] == "’" and i + 1 < len(text) and text[i + 1].isalnum():
        return False
    if text[i] == "'":
        return i > 0 and text[i - 1] == "'"
    return text[i] in _BEFORE_FRAME


def _opens_piece(text: str, i: int, opens: frozenset) -> bool:
    """Whether the second piece can start at text[i]: ' only as a doubled one ('' he said. ''…)."""
    if text[i] == "'":
        return text[i + 1 : i + 2] == "'"
    return text[i] in opens


def quote_pieces(text: str, quote: dict) -> list[dict]:
    """The pieces of a quote that its own frame interrupts, or [] when nothing interrupts it.

    “We will not sign,” the minister said, “unless …” is one attribution, and its span runs from
    the first mark to the last, over "the minister said" (PolNeAR annotates it as one content of two
    fragments). The frame is the stretch around the quote's speaker and cue that lie inside its span,
    out to the punctuation that closes the first piece and opens the second. Each piece must hold a
    word, so a span that merely starts with its cue ("said that …") has no pieces.
    """
    start, end = quote["start"], quote["end"]
    inside = [
        s for s in (quote.get("speaker"), quote.get("cue")) if s and start < s["start"] and s["end"] < end
    ]
    if not inside:
        return []
    first_end = min(s["start"] for s in inside)
    while first_end > start and not _ends_piece(text, first_end - 1):
        first_end -= 1
    closed_by_mark = first_end > start and text[first_end - 1] in CLOSING_MARKS
    if first_end > start and not closed_by_mark:
        first_end -= 1  # the comma or dash before the frame belongs to neither piece
    while first_end > start and text[first_end - 1].isspace():
        first_end -= 1
    resume = max(s["end"] for s in inside)
    # After a closing mark the quotation goes on at the next opening mark ("…,” he said, adding
    # that “…"); otherwise after the punctuation that ends the frame ("The deal, he said, is dead").
    opens = OPENING_MARKS if closed_by_mark else _AFTER_FRAME
    while resume < end and not _opens_piece(text, resume, opens):
        resume += 1
    if resume < end and text[resume] in ",;:—–":
        resume += 1
    while resume < end and text[resume].isspace():
        resume += 1
    pieces = [(start, first_end), (resume, end)]
    if not all(any(c.isalnum() for c in text[a:b]) for a, b in pieces):
        return []
    return [{"start": a, "end": b, "text": text[a:b]} for a, b in pieces]


# Record field <- the `doc._` attribute that holds it, in record order.
DOC_FIELDS = (
    ("segments", "segments"),
    ("speaker_mentions", "speaker_mentions"),
    ("sentences", "sentence_speakers"),
    ("quotes", "quotes"),
    ("treaties", "treaty_mentions"),
    ("dates", "treaty_dates"),
)


def doc_fields(doc: Doc, offset: int = 0) -> dict:
    """The stage outputs held on a doc, as record fields, offsets moved by `offset`."""
    fields: dict = {}
    for field_name, attr in DOC_FIELDS:
        value = getattr(doc._, attr)
        if value is not None:
            fields[field_name] = [_shift(x, offset) for x in value]
    return fields


def merge_fields(parts: list[dict]) -> dict:
    """Concatenate the fields of the chunks of one long article (already shifted)."""
    merged: dict = {}
    for part in parts:
        for k, v in part.items():
            merged.setdefault(k, []).extend(v)
    return merged


def _speakers(fields: dict, author: dict) -> list[dict]:
    """One entry per canonical speaker: role (author, quoted, mentioned), aliases and mentions."""
    quoted = {q["speaker"]["name"] for q in fields.get("quotes") or [] if q.get("speaker")}
    table: dict[str, dict] = {}
    author_name = author.get("name") or "author"
    table[author_name] = {"name": author_name, "role": "author", "aliases": [], "mentions": []}
    for m in fields.get("speaker_mentions") or []:
        entry = table.setdefault(
            m["name"], {"name": m["name"], "role": "mentioned", "aliases": [], "mentions": []}
        )
        if m["text"] not in entry["aliases"] and m["kind"] != "pronoun":
            entry["aliases"].append(m["text"])
        entry["mentions"].append({k: m[k] for k in ("start", "end", "text", "kind", "how")})
    for q in fields.get("quotes") or []:
        spk = q.get("speaker")
        if spk and spk["name"] not in table:
            table[spk["name"]] = {
                "name": spk["name"],
                "role": "quoted",
                "aliases": [spk["text"]],
                "mentions": [
                    {
                        "start": spk["start"],
                        "end": spk["end"],
                        "text": spk["text"],
                        "kind": "phrase",
                        "how": "cue",
                    }
                ],
            }
    for name, entry in table.items():
        if name in quoted and entry["role"] != "author":
            entry["role"] = "quoted"
    return sorted(table.values(), key=lambda e: (e["role"] != "author", e["role"] != "quoted", e["name"]))


def mentions_inside(start: int, end: int, treaties: list[dict], dates: list[dict]) -> dict:
    """A quote's `treaties` (the ids) and `dates` (the values): the mentions starting in [start, end)."""
    return {
        "treaties": sorted({m["treaty"] for m in treaties if start <= m["start"] < end}),
        "dates": [d["value"] for d in dates if start <= d["start"] < end],
    }


def build_record(
    article, fields: dict, *, model: str, pipeline_version: str, author: dict | None = None
) -> dict:
    """Assemble the record of one article from its stage outputs."""
    text = article.text
    thash = text_hash(text)
    author = author or {"name": (article.meta or {}).get("author") or "author", "source": "meta"}
    record: dict = {
        "id": article.id,
        "source": article.source,
        "text": text,
        "text_hash": thash,
        "meta": article.meta,
        "author": author,
        "model": model,
        "schema_version": SCHEMA_VERSION,
        "pipeline_version": pipeline_version,
    }
    if "segments" in fields:
        record["segments"] = fields["segments"]
    if "sentences" in fields:
        record["sentences"] = fields["sentences"]
    treaties = fields.get("treaties")
    if treaties is not None:
        record["treaties"] = [
            {
                "id": make_id("t", thash, m["start"], m["end"]),
                **{k: m[k] for k in ("start", "end", "text", "treaty", "name", "how")},
                "dates": [
                    {k: d[k] for k in ("value", "start", "end", "text", "event")} for d in m.get("dates", [])
                ],
                "event": m.get("event", "unspecified"),
            }
            for m in treaties
        ]
    if "dates" in fields:
        record["dates"] = fields["dates"]
    quotes = fields.get("quotes")
    if quotes is not None:
        out = []
        for q in quotes:
            inside = mentions_inside(
                q["start"], q["end"], record.get("treaties", []), record.get("dates", [])
            )
            out.append(
                {
                    "id": make_id("q", thash, q["start"], q["end"]),
                    "start": q["start"],
                    "end": q["end"],
                    "text": text[q["start"] : q["end"]],
                    "kind": q["kind"],
                    "speaker": q.get("speaker"),
                    "cue": q.get("cue"),
                    **inside,
                    "how": q.get("how", "review"),
                    "closed": q.get("closed", True),
                }
            )
            pieces = quote_pieces(text, out[-1])
            if pieces:
                out[-1]["pieces"] = pieces
        record["quotes"] = out
    if "speaker_mentions" in fields or quotes is not None:
        record["speakers"] = _speakers(fields, author)
    return record


def one_quote_per_piece(record: dict) -> dict:
    """The record with each quote its frame interrupts written as one quote per piece
    (`--convention cofenet`).

    “We will not sign,” the minister said, “unless …” is one attribution with two `pieces`
    everywhere else. Token-tagging data such as CofeNet's PolNeAR paragraphs label each piece as a
    content of its own, and a scorer of such data reads only a quote's `start` and `end`. So here
    each piece becomes a quote: the same speaker, cue, kind and `how`, the treaties and dates inside
    the piece, and `part_of`, the id of the whole quote.
    """
    if "quotes" not in record:
        return record
    quotes = []
    treaties, dates = record.get("treaties") or [], record.get("dates") or []
    for quote in record["quotes"]:
        pieces = quote.get("pieces")
        if not pieces:
            quotes.append(quote)
            continue
        whole = {k: v for k, v in quote.items() if k != "pieces"}
        for piece in pieces:
            a, b = piece["start"], piece["end"]
            quotes.append(
                whole
                | {
                    "id": make_id("q", record["text_hash"], a, b),
                    "start": a,
                    "end": b,
                    "text": piece["text"],
                    **mentions_inside(a, b, treaties, dates),
                    "part_of": quote["id"],
                }
            )
    return {**record, "quotes": quotes}


def record_to_preset(record: dict) -> dict:
    """The stage outputs of a (possibly corrected) record, to start later stages from."""
    preset: dict = {}
    if record.get("segments"):
        preset["segments"] = record["segments"]
    if record.get("author"):
        preset["author"] = record["author"]
    if record.get("speakers") is not None and any(s.get("mentions") for s in record["speakers"]):
        mentions = []
        for s in record["speakers"]:
            for m in s.get("mentions") or []:
                mentions.append(
                    {
                        **m,
                        "name": s["name"],
                        "kind": m.get("kind", "person"),
                        "gender": "unknown",
                        "how": m.get("how", "review"),
                        "subject": True,
                    }
                )
        preset["speaker_mentions"] = sorted(mentions, key=lambda m: m["start"])
    if record.get("quotes") is not None:
        preset["quotes"] = [
            {k: v for k, v in q.items() if k not in ("id", "treaties", "dates", "text", "pieces", "part_of")}
            for q in record["quotes"]
        ]
    if record.get("treaties") is not None:
        preset["treaty_mentions"] = [{k: v for k, v in m.items() if k != "id"} for m in record["treaties"]]
        preset["treaty_dates"] = record.get("dates") or []
    return preset
