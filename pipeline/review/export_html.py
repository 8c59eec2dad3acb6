"""Export records as static review pages: one per article, plus `index.html`.

`claims review export OUT.jsonl --format html -o DIR`. Each page shows the article text with its
quotes highlighted in a colour per speaker (the speaker's name on a tag where the quote starts),
the speaker mention and cue of each quote, treaty mentions boxed with their treaty id, and dates
underlined with their value, in the manner of displaCy's span and entity styles. Beside the text:
a legend of speakers, the table of quotes (speaker, cue, kind) and the table of dated treaty events.

displaCy itself is not used: its span style renders tokens joined by single spaces (losing the
article's spacing and paragraphs), and its entity style cannot nest a treaty mention inside a quote.
The page is one self-contained file with no script, so it opens from disk or any static server.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .files import write_text_atomic
from .items import safe_stem

#: Quote backgrounds, one per speaker by number of quotes; light enough to read black text on.
SPEAKER_COLOURS = (
    "#ffd8a8",
    "#a5d8ff",
    "#b2f2bb",
    "#eebefa",
    "#ffec99",
    "#99e9f2",
    "#ffc9c9",
    "#d0bfff",
    "#c0eb75",
    "#fcc2d7",
    "#e9ecef",
    "#ffe066",
)
UNATTRIBUTED_COLOUR = "#dee2e6"
#: Drawing order of nested marks, outermost first.
LAYERS = ("quote", "speaker", "cue", "treaty", "date")

CSS = """
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.6 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #212529;
       background: #f8f9fa; }
header { padding: 14px 24px; background: #343a40; color: #f8f9fa; }
header h1 { margin: 0; font-size: 20px; }
header .meta { font-size: 13px; color: #ced4da; }
header a { color: #a5d8ff; }
.page { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; padding: 16px 24px; }
article { background: #fff; padding: 8px 28px 20px; border: 1px solid #dee2e6; border-radius: 6px; }
article h2 { font-size: 22px; line-height: 1.35; }
article p { margin: 0 0 0.9em; }
aside { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; }
aside section { background: #fff; border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 14px;
                margin-bottom: 16px; }
aside h3 { margin: 6px 0 8px; font-size: 16px; }
aside .scroll { max-height: 55vh; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; line-height: 1.35; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid #e9ecef; }
th { background: #f1f3f5; position: sticky; top: 0; }
td.num { text-align: right; color: #868e96; }
.chip { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 2px; margin-right: 5px;
        vertical-align: -1px; border: 1px solid rgba(0, 0, 0, 0.25); }
.legend span.item { display: inline-block; margin: 0 14px 4px 0; font-size: 14px; }
.quote { border-radius: 3px; padding: 2px 0; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.speaker { font-weight: 700; border-bottom: 3px solid #495057; }
.cue { font-style: italic; text-decoration: underline dotted #495057; }
.treaty { border: 2px solid #2b8a3e; border-radius: 4px; padding: 0 2px; }
.date { border-bottom: 2px dashed #c92a2a; }
.tag { font-size: 0.68em; font-weight: 700; font-style: normal; line-height: 1; padding: 2px 4px; margin: 0 3px;
       border-radius: 3px; vertical-align: 1px; white-space: nowrap; }
.tag.who { background: #343a40; color: #fff; }
.tag.treaty-id { background: #2b8a3e; color: #fff; text-transform: uppercase; }
.tag.date-value { background: #c92a2a; color: #fff; }
details.boilerplate { color: #868e96; font-size: 14px; }
"""


def speaker_colours(record: dict) -> dict[str, str]:
    """A background colour per quoted speaker, the most quoted first."""
    counts = Counter(
        (q.get("speaker") or {}).get("name") for q in record.get("quotes") or [] if q.get("speaker")
    )
    ranked = sorted(counts, key=lambda name: (-counts[name], name))
    return {name: SPEAKER_COLOURS[i % len(SPEAKER_COLOURS)] for i, name in enumerate(ranked)}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _marks(record: dict, colours: dict[str, str]) -> list[dict]:
    """Every highlighted span: quotes, their speakers and cues, treaty mentions and dates."""
    marks = []
    for n, q in enumerate(record.get("quotes") or [], 1):
        speaker, cue = q.get("speaker"), q.get("cue")
        name = speaker["name"] if speaker else "unattributed"
        colour = colours.get(name, UNATTRIBUTED_COLOUR)
        title = (
            f"quote {n} ({q['kind']}): {name}" + (f", cue “{cue['text']}”" if cue else "") + f" [{q['id']}]"
        )
        # An interrupted quote is highlighted piece by piece, so its frame ("she said") reads as narration.
        for k, piece in enumerate(q.get("pieces") or [q]):
            marks.append(
                {
                    "layer": "quote",
                    "start": piece["start"],
                    "end": piece["end"],
                    "style": f"background: {colour}",
                    "title": title,
                    **({"tag_before": name, "tag_class": "who"} if k == 0 else {}),
                    "data": {"quote-id": q["id"], "speaker": name},
                }
            )
        if speaker:
            marks.append(
                {
                    "layer": "speaker",
                    "start": speaker["start"],
                    "end": speaker["end"],
                    "style": f"border-bottom-color: {colour}; background: {colour}",
                    "title": f"speaker: {name}",
                }
            )
        if cue:
            marks.append({"layer": "cue", "start": cue["start"], "end": cue["end"], "title": "cue"})
    for m in record.get("treaties") or []:
        marks.append(
            {
                "layer": "treaty",
                "start": m["start"],
                "end": m["end"],
                "tag_after": m["treaty"],
                "tag_class": "treaty-id",
                "title": f"{m['name']} ({m.get('event', 'unspecified')}) [{m['id']}]",
                "data": {"treaty": m["treaty"]},
            }
        )
    for d in record.get("dates") or []:
        marks.append(
            {
                "layer": "date",
                "start": d["start"],
                "end": d["end"],
                "tag_after": d["value"],
                "tag_class": "date-value",
                "title": f"date {d['value']}",
                "data": {"date": d["value"]},
            }
        )
    return [m for m in marks if m["end"] > m["start"]]


def _open(mark: dict, first: bool) -> str:
    attrs = f' class="{mark["layer"]}"'
    if mark.get("style"):
        attrs += f' style="{_esc(mark["style"])}"'
    if mark.get("title"):
        attrs += f' title="{_esc(mark["title"])}"'
    if first:
        attrs += "".join(f' data-{k}="{_esc(str(v))}"' for k, v in (mark.get("data") or {}).items())
    tag = (
        f'<span class="tag {mark["tag_class"]}">{_esc(mark["tag_before"])}</span>'
        if first and mark.get("tag_before")
        else ""
    )
    return f"<span{attrs}>{tag}"


def _close(mark: dict, last: bool) -> str:
    tag = (
        f'<span class="tag {mark["tag_class"]}">{_esc(mark["tag_after"])}</span>'
        if last and mark.get("tag_after")
        else ""
    )
    return f"{tag}</span>"


def render_span_html(text: str, start: int, end: int, marks: list[dict]) -> str:
    """HTML of text[start:end] with the marks over it, nested by layer; line breaks become <br>.

    The text is cut at every mark boundary and each piece wrapped in the marks active over it, so
    overlapping marks need no nesting in the data.
    """
    inside = [m for m in marks if m["start"] < end and m["end"] > start]
    cuts = sorted({start, end, *(max(start, min(end, x)) for m in inside for x in (m["start"], m["end"]))})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        active = sorted(
            (m for m in inside if m["start"] <= a and m["end"] >= b),
            key=lambda m: (LAYERS.index(m["layer"]), m["start"]),
        )
        piece = _esc(text[a:b]).replace("\n", "<br>\n")
        out.append(
            "".join(_open(m, a == max(m["start"], start)) for m in active)
            + piece
            + "".join(_close(m, b == min(m["end"], end)) for m in reversed(active))
        )
    return "".join(out)


def render_article_html(record: dict, colours: dict[str, str]) -> str:
    """The article body: title, paragraphs with their marks, boilerplate folded away."""
    text = record["text"]
    marks = _marks(record, colours)
    segments = record.get("segments") or [{"start": 0, "end": len(text), "kind": "body"}]
    parts, boilerplate = [], []
    for seg in segments:
        inner = render_span_html(text, seg["start"], seg["end"], marks)
        if seg["kind"] == "title":
            parts.append(f"<h2>{inner}</h2>")
        elif seg["kind"] == "boilerplate":
            boilerplate.append(f"<p>{inner}</p>")
        else:
            parts.append(f'<p class="{seg["kind"]}">{inner}</p>')
    if boilerplate:
        parts.append(
            f'<details class="boilerplate"><summary>boilerplate ({len(boilerplate)} paragraphs)</summary>'
            + "\n".join(boilerplate)
            + "</details>"
        )
    return "\n".join(parts)


def _chip(colour: str) -> str:
    return f'<span class="chip" style="background: {colour}"></span>'


def render_tables_html(record: dict, colours: dict[str, str]) -> str:
    """The side panel: speaker legend, quotes table, dated treaty events table."""
    quotes = record.get("quotes") or []
    counts = Counter((q.get("speaker") or {}).get("name") or "unattributed" for q in quotes)
    legend = "".join(
        f'<span class="item">{_chip(colours.get(name, UNATTRIBUTED_COLOUR))}{_esc(name)} ({counts[name]})</span>'
        for name in sorted(counts, key=lambda n: (-counts[n], n))
    )
    rows = []
    for n, q in enumerate(quotes, 1):
        name = (q.get("speaker") or {}).get("name") or "unattributed"
        snippet = q["text"] if len(q["text"]) <= 140 else q["text"][:137] + "…"
        rows.append(
            f'<tr data-quote-id="{_esc(q["id"])}"><td class="num">{n}</td>'
            f"<td>{_chip(colours.get(name, UNATTRIBUTED_COLOUR))}{_esc(name)}</td>"
            f"<td>{_esc((q.get('cue') or {}).get('text') or '—')}</td><td>{_esc(q['kind'])}</td>"
            f'<td title="{_esc(q["text"])}">{_esc(snippet)}</td></tr>'
        )
    events = sorted(
        (
            (d["value"], m["treaty"], m["name"], d.get("event", "unspecified"), m["text"], d["text"])
            for m in record.get("treaties") or []
            for d in m.get("dates") or []
        ),
    )
    event_rows = [
        f'<tr><td>{_esc(value)}</td><td title="{_esc(name)}"><b>{_esc(treaty)}</b></td><td>{_esc(event)}</td>'
        f"<td>{_esc(mention)} … {_esc(date_text)}</td></tr>"
        for value, treaty, name, event, mention, date_text in events
    ]
    n_mentions = len(record.get("treaties") or [])
    return "\n".join(
        [
            f'<section class="legend"><h3>Speakers</h3>{legend or "no quotes"}</section>',
            f'<section><h3>Quotes ({len(quotes)})</h3><div class="scroll"><table id="quotes"><thead><tr><th>#</th>'
            f"<th>Speaker</th><th>Cue</th><th>Kind</th><th>Quote</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div></section>",
            f"<section><h3>Dated treaty events ({len(events)}; {n_mentions} treaty mentions)</h3>"
            f'<table id="treaty-events"><thead><tr><th>Date</th><th>Treaty</th><th>Event</th><th>Mention</th></tr>'
            f"</thead><tbody>{''.join(event_rows)}</tbody></table></section>",
        ]
    )


def _title(record: dict) -> str:
    meta = record.get("meta") or {}
    if meta.get("title"):
        return meta["title"]
    title = next((s for s in record.get("segments") or [] if s["kind"] == "title"), None)
    return record["text"][title["start"] : title["end"]] if title else str(record["id"])


def render_page(record: dict) -> str:
    """The complete review page of one record."""
    colours = speaker_colours(record)
    meta = record.get("meta") or {}
    facts = [
        f"id {record['id']}",
        meta.get("date"),
        (record.get("author") or {}).get("name"),
        record.get("source"),
        f"pipeline {record.get('pipeline_version', '?')}",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_esc(_title(record))}: claims review</title>",
            f"<style>{CSS}</style></head><body>",
            f'<header><h1>{_esc(_title(record))}</h1><div class="meta"><a href="index.html">all articles</a> · '
            + " · ".join(_esc(str(f)) for f in facts if f)
            + "</div></header>",
            f'<div class="page"><article id="text">{render_article_html(record, colours)}</article>',
            f'<aside id="tables">{render_tables_html(record, colours)}</aside></div>',
            "</body></html>",
            "",
        ]
    )


def render_index(entries: list[tuple[str, dict]]) -> str:
    """`index.html`: one row per article, linking to its page."""
    rows = []
    for page, record in entries:
        quotes = record.get("quotes") or []
        speakers = {(q.get("speaker") or {}).get("name") for q in quotes if q.get("speaker")}
        dated = sum(len(m.get("dates") or []) for m in record.get("treaties") or [])
        rows.append(
            f'<tr><td><a href="{_esc(page)}">{_esc(_title(record))}</a></td>'
            f'<td>{_esc((record.get("meta") or {}).get("date") or "")}</td><td class="num">{len(quotes)}</td>'
            f'<td class="num">{len(speakers)}</td><td class="num">{len(record.get("treaties") or [])}</td>'
            f'<td class="num">{dated}</td></tr>'
        )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8"><title>claims review</title>',
            f"<style>{CSS}</style></head><body>",
            f'<header><h1>claims review</h1><div class="meta">{len(entries)} articles</div></header>',
            '<div style="padding: 16px 24px"><table id="articles"><thead><tr><th>Article</th><th>Date</th>'
            "<th>Quotes</th><th>Speakers</th><th>Treaty mentions</th><th>Dated events</th></tr></thead>",
            f"<tbody>{''.join(rows)}</tbody></table></div>",
            "</body></html>",
            "",
        ]
    )


def export_html(records: Iterable[dict], out_dir: str | Path) -> list[Path]:
    """Write a review page per record and `index.html` into `out_dir`; returns the pages written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries, written, used = [], [], set()
    for record in records:
        stem, n = safe_stem(record["id"]), 1
        while stem in used or stem == "index":
            n += 1
            stem = f"{safe_stem(record['id'])}-{n}"
        used.add(stem)
        page = out / f"{stem}.html"
        write_text_atomic(page, render_page(record))
        entries.append((page.name, record))
        written.append(page)
    write_text_atomic(out / "index.html", render_index(entries))
    return written
