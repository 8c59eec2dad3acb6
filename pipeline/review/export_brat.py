"""Export records as a brat collection that brat and INCEpTION open as is.

`claims review export OUT.jsonl --format brat -o DIR` writes, per article, `ID.txt` (the record's
text, so offsets are the record's) and `ID.ann`, plus the collection's `annotation.conf` and
`visual.conf`:

* entities `Quote`, `Speaker`, `Cue`, `Treaty`, `Date`;
* relations `SaidBy` (Quote→Speaker), `CuedBy` (Quote→Cue), `DatedOn` (Treaty→Date);
* attributes `Kind` (direct, mixed, indirect) on quotes and `Event` on treaty mentions and on the
  dates of treaty events (the event that date marks);
* one `AnnotatorNotes` line per Quote, Treaty and Date holding its stable id (`id=q-…`), and the
  normalisations: `treaty=` and `name=` on treaties, `name=` (the canonical speaker) on speakers,
  `value=` (YYYY[-MM[-DD]]) on dates. Notes rather than brat's `N` lines, because INCEpTION's
  brat reader rejects `N` lines; notes it reads.

A span that crosses a line break is written as fragments (`Quote 10 50;52 90`), as brat itself
writes it, since neither tool reads a span text over several lines. A quote its frame interrupts
(“…,” she said, “…”) is written as its pieces, so the frame is left out of the Quote as PolNeAR
annotates it; the import reads any Quote back from its first fragment to its last. `DIR/.claims/ID.json` keeps
what was exported (brat hides dot folders), which is what `claims review import` diffs against.

INCEpTION's "brat basic" import takes one ZIP per document, so `DIR/inception/ID.zip` holds each
`ID.txt` + `ID.ann` pair, ready to upload.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from .files import write_text_atomic, write_zip_atomic
from .items import EVENTS, QUOTE_KINDS, base_of, date_id, record_hash, safe_stem

QUOTE, SPEAKER, CUE, TREATY, DATE = "Quote", "Speaker", "Cue", "Treaty", "Date"
ENTITY_TYPES = (QUOTE, SPEAKER, CUE, TREATY, DATE)
SAID_BY, CUED_BY, DATED_ON = "SaidBy", "CuedBy", "DatedOn"
KIND_ATTR, EVENT_ATTR = "Kind", "Event"
NOTE_TYPE = "AnnotatorNotes"
#: Folder (hidden from brat's document list) that keeps what was exported, per article.
SIDECAR_DIR = ".claims"
#: Folder of one ZIP per article, the form INCEpTION's brat import takes.
INCEPTION_DIR = "inception"
_LINE_BREAK_RE = re.compile(r"[\r\n]+")
_NOTE_FIELD_RE = re.compile(r"(\w+)=(.*?)\s*(?=;\s*\w+=|$)")

ANNOTATION_CONF = f"""\
# claims review: who said what (Quote, Speaker, Cue) about which treaty (Treaty), and when (Date).
# Each Quote, Treaty and Date carries a note `id=...`: keep it, so the item keeps its id.
# Normalisations are notes too: `name=` on a Speaker (canonical name), `treaty=` (id in
# models/treaties.yml) and `name=` on a Treaty, `value=YYYY[-MM[-DD]]` on a Date.

[entities]
{QUOTE}
{SPEAKER}
{CUE}
{TREATY}
{DATE}

[relations]
{SAID_BY}\tArg1:{QUOTE}, Arg2:{SPEAKER}
{CUED_BY}\tArg1:{QUOTE}, Arg2:{CUE}
{DATED_ON}\tArg1:{TREATY}, Arg2:{DATE}
# Treaty mentions and dates sit inside quotes, and a speaker may be quoted inside a quote.
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]

[attributes]
{KIND_ATTR}\tArg:{QUOTE}, Value:{"|".join(QUOTE_KINDS)}
{EVENT_ATTR}\tArg:{TREATY}|{DATE}, Value:{"|".join(EVENTS)}
"""

VISUAL_CONF = f"""\
[labels]
{QUOTE} | Quote | Q
{SPEAKER} | Speaker | Spk
{CUE} | Cue
{TREATY} | Treaty | Tr
{DATE} | Date | D
{SAID_BY} | said by | by
{CUED_BY} | cued by | cue
{DATED_ON} | dated on | on
{KIND_ATTR} | Kind
{EVENT_ATTR} | Event

[drawing]
{QUOTE}\tbgColor:#ffe39a, borderColor:darken
{SPEAKER}\tbgColor:#9ccbff, borderColor:darken
{CUE}\tbgColor:#d9c6ff, borderColor:darken
{TREATY}\tbgColor:#a8e6a1, borderColor:darken
{DATE}\tbgColor:#ffb8b8, borderColor:darken
{SAID_BY}\tcolor:#1f5fa8
{CUED_BY}\tcolor:#6a3fb5
{DATED_ON}\tcolor:#b03030
SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken
ARC_DEFAULT\tcolor:black, arrowHead:triangle-5
ATTRIBUTE_DEFAULT\tglyph:*
"""


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span [start, end) cut at line breaks, as brat writes spans over several lines."""
    pieces, at = [], start
    for brk in _LINE_BREAK_RE.finditer(text, start, end):
        if brk.start() > at:
            pieces.append((at, brk.start()))
        at = brk.end()
    if end > at:
        pieces.append((at, end))
    return pieces or [(start, end)]


def format_note(fields: dict[str, str]) -> str:
    """An AnnotatorNotes text: `key=value` pairs separated by `; `."""
    return "; ".join(f"{k}={v}" for k, v in fields.items() if v not in (None, ""))


def parse_note(note: str) -> dict[str, str]:
    """The `key=value` pairs of an AnnotatorNotes text; anything else an annotator wrote is ignored."""
    return {m.group(1): m.group(2).strip() for m in _NOTE_FIELD_RE.finditer(note)}


class _Entities:
    """Text-bound annotations of one article, one per (type, span, note); numbered in text order."""

    def __init__(self, text: str):
        self.text = text
        self.rows: dict[tuple, dict] = {}

    def add(self, type_: str, span: dict, note: dict | None = None, attrs: dict | None = None) -> tuple:
        key = (type_, span["start"], span["end"], json.dumps(note or {}, sort_keys=True))
        row = self.rows.setdefault(
            key,
            {
                "type": type_,
                "start": span["start"],
                "end": span["end"],
                "pieces": [(p["start"], p["end"]) for p in span.get("pieces") or []],
                "note": note or {},
                "attrs": {},
            },
        )
        row["attrs"].update(attrs or {})
        return key

    def number(self) -> dict[tuple, str]:
        order = sorted(self.rows, key=lambda k: (k[1], ENTITY_TYPES.index(k[0]), -k[2]))
        return {key: f"T{n}" for n, key in enumerate(order, 1)}


def ann_lines(record: dict) -> list[str]:
    """The `.ann` lines of one record: entities, relations, attributes, then notes."""
    text, thash = record["text"], record_hash(record)
    ents = _Entities(text)
    links: list[tuple[str, tuple, tuple]] = []
    for q in record.get("quotes") or []:
        quote = ents.add(QUOTE, q, {"id": q["id"]}, {KIND_ATTR: q["kind"]})
        if q.get("speaker"):
            links.append((SAID_BY, quote, ents.add(SPEAKER, q["speaker"], {"name": q["speaker"]["name"]})))
        if q.get("cue"):
            links.append((CUED_BY, quote, ents.add(CUE, q["cue"])))
    top_dates = {(d["start"], d["end"]): d for d in record.get("dates") or []}
    for d in top_dates.values():
        ents.add(DATE, d, {"id": date_id(thash, d), "value": d["value"]})
    for m in record.get("treaties") or []:
        treaty = ents.add(
            TREATY,
            m,
            {"id": m["id"], "treaty": m["treaty"], "name": m["name"]},
            {EVENT_ATTR: m.get("event", "unspecified")},
        )
        for d in m.get("dates") or []:
            value = top_dates.get((d["start"], d["end"]), d)["value"]
            date = ents.add(
                DATE,
                d,
                {"id": date_id(thash, d), "value": value},
                {EVENT_ATTR: d.get("event", "unspecified")},
            )
            links.append((DATED_ON, treaty, date))

    ids = ents.number()
    lines, attrs, notes = [], [], []
    for key in sorted(ids, key=lambda k: int(ids[k][1:])):
        row, tid = ents.rows[key], ids[key]
        frags = [f for a, b in row["pieces"] or [(row["start"], row["end"])] for f in fragments(text, a, b)]
        spec = ";".join(f"{a} {b}" for a, b in frags)
        lines.append(f"{tid}\t{row['type']} {spec}\t{' '.join(text[a:b] for a, b in frags)}")
        attrs += [(tid, name, value) for name, value in row["attrs"].items()]
        if row["note"]:
            notes.append((tid, format_note(row["note"])))
    for n, (type_, a, b) in enumerate(dict.fromkeys(links), 1):
        lines.append(f"R{n}\t{type_} Arg1:{ids[a]} Arg2:{ids[b]}")
    lines += [f"A{n}\t{name} {tid} {value}" for n, (tid, name, value) in enumerate(attrs, 1)]
    lines += [f"#{n}\t{NOTE_TYPE} {tid}\t{note}" for n, (tid, note) in enumerate(notes, 1)]
    return lines


def export_brat(records: Iterable[dict], out_dir: str | Path) -> list[Path]:
    """Write a brat collection of `records` into `out_dir`; returns the `.ann` paths written."""
    out = Path(out_dir)
    (out / SIDECAR_DIR).mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "annotation.conf", ANNOTATION_CONF)
    write_text_atomic(out / "visual.conf", VISUAL_CONF)
    written, used = [], set()
    for record in records:
        stem = safe_stem(record["id"])
        n = 1
        while stem in used:  # two ids that differ only in characters a file name cannot hold
            n += 1
            stem = f"{safe_stem(record['id'])}-{n}"
        used.add(stem)
        ann = "".join(line + "\n" for line in ann_lines(record))
        write_text_atomic(out / f"{stem}.txt", record["text"])
        write_text_atomic(out / f"{stem}.ann", ann)
        write_zip_atomic(
            out / INCEPTION_DIR / f"{stem}.zip", {f"{stem}.txt": record["text"], f"{stem}.ann": ann}
        )
        write_text_atomic(
            out / SIDECAR_DIR / f"{stem}.json", json.dumps(base_of(record), ensure_ascii=False) + "\n"
        )
        written.append(out / f"{stem}.ann")
    return written
