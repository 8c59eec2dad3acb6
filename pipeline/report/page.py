"""The corpus report: one self-contained HTML page about a claims run, for analysts.

`claims report out/claims.jsonl -o report.html` reads the records of a run and writes a page with

- the treaties that come up, with mention, article and quote counts;
- a timeline of dated treaty events, one lane per treaty, each mark linked to a table of evidence
  sentences and their articles;
- a speaker x treaty matrix of quote counts (a quote touches a treaty when its `treaties` lists it);
- per speaker, their quotes with article, date and the treaties they touch;
- counts per article.

The page needs no network: the plot is inline SVG made with matplotlib (text kept as text, so it can
be searched and copied), CSS and a few lines of JavaScript are inlined from `assets/`. Large
runs are summarised rather than dumped: the caps below bound each section, every cut says how much it
left out, and long tables are paged and filtered in the browser. From Python:

    >>> from pipeline.report.page import read_run, build_report
    >>> html = build_report(read_run("out/claims.jsonl"))
"""

from __future__ import annotations

import bisect
import hashlib
import html
import io
import json
import re
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as Date
from importlib.resources import files
from pathlib import Path
from string import Template

import click
import pandas as pd

from .. import __version__
from ..errors import ClaimsError, Errors, InputError
from ..record.io import write_text_atomic
from ..record.lock import output_lock

# Caps that keep a page of thousands of articles under ~4 MB (see tests/test_report.py); each is the
# most an analyst reads on a page before reaching for the notebook anyway.
TOP_SPEAKERS = 40  # speakers shown with their quotes; the rest go in a one-line-per-speaker table
QUOTES_PER_SPEAKER = 15
OTHER_SPEAKER_ROWS = 2000
MATRIX_SPEAKERS = 30
MATRIX_TREATIES = 20
TIMELINE_LANES = 16
LABELS_PER_LANE = 14
EVENTS_PER_TREATY = 40  # rows of the evidence table per treaty (best-supported events first)
EVENT_ROWS = 600  # rows of the evidence table in all (treaties with most dated events first)
EVIDENCE_PER_EVENT = 3
ARTICLE_ROWS = 5000
QUOTE_CHARS = 420
EVIDENCE_CHARS = 450
PAGE_ROWS = 25  # rows per page of a paged table in the browser

NO_SPEAKER = "(no speaker)"

# Columns of the Corpus tables; names shared with `pipeline.record.frames` mean the same thing there.
QUOTE_FIELDS = ("article", "quote_id", "speaker", "kind", "text", "treaties", "dates", "date")
EVENT_FIELDS = (
    "article",
    "mention_id",
    "treaty",
    "text",
    "event",
    "date",
    "date_text",
    "date_event",
    "published",
    "evidence",
    "marks",
)
ARTICLE_FIELDS = (
    "article",
    "title",
    "date",
    "url",
    "author",
    "source",
    "quotes",
    "attributed",
    "speakers",
    "treaty_mentions",
    "events",
    "treaties",
)

# Okabe-Ito colours (readable by colour-blind readers) plus a distinct marker per event, so the
# legend works in greyscale too. The order is the legend's: life of a treaty, then its troubles.
EVENT_STYLE = {
    "signed": ("#009E73", "o"),
    "ratified": ("#56B4E9", "s"),
    "in_force": ("#0072B2", "D"),
    "extended": ("#44AA99", "P"),
    "expires": ("#999999", ">"),
    "expired": ("#4D4D4D", "s"),
    "suspended": ("#CC79A7", "^"),
    "withdrawal": ("#E69F00", "v"),
    "violation": ("#B2182B", "X"),
    "unspecified": ("#B0B0B0", "o"),
}


# --- reading a run ---------------------------------------------------------------------------------


@dataclass
class Corpus:
    """What the report needs from a run, as tables (the record text itself is not kept).

    `quotes` has the columns of `pipeline.load(...).quotes` that matter here; `events` has one row
    per dated treaty mention and date, like the dated rows of `pipeline.load(...).treaties`, plus
    `evidence` (the sentences spanning mention and date) and `marks` (their offsets in it).
    """

    path: str
    quotes: pd.DataFrame
    events: pd.DataFrame
    articles: pd.DataFrame
    treaties: pd.DataFrame
    runs: dict[str, Counter] = field(default_factory=dict)
    bad_dates: int = 0  # dates that are not real dates (2019-13), left off the timeline


def _fail(path: Path, message: str) -> InputError:
    return InputError(message, path=str(path), stage="report")


def _sentence_bounds(text: str, starts: list[int], sentences: list[dict], at: int) -> tuple[int, int]:
    """(start, end) of the sentence holding offset `at`; a line or '. ' boundary when none does."""
    i = bisect.bisect_right(starts, at) - 1
    if i >= 0 and sentences[i]["start"] <= at < sentences[i]["end"]:
        return sentences[i]["start"], sentences[i]["end"]
    # Records made by early stages, or edited by hand, may lack sentences around a mention.
    stop = text.rfind(". ", 0, at)
    lo = max(text.rfind("\n", 0, at) + 1, stop + 2 if stop >= 0 else 0)
    ends = [i for i in (text.find("\n", at), text.find(". ", at)) if i >= 0]
    return lo, (min(ends) + 1 if ends else len(text))


def _evidence(text: str, starts: list[int], sentences: list[dict], spans: list[tuple[int, int]]):
    """The sentences spanning every span (a treaty mention and its date may be a sentence apart),
    with the spans' offsets inside it; clipped around the spans when very long."""
    lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
    a = _sentence_bounds(text, starts, sentences, lo)[0]
    b = _sentence_bounds(text, starts, sentences, max(hi - 1, lo))[1]
    a, b = min(a, lo), max(b, hi)
    if b - a > EVIDENCE_CHARS:
        a, b = max(a, lo - EVIDENCE_CHARS // 3), min(b, hi + EVIDENCE_CHARS // 3)
    while a < lo and text[a].isspace():
        a += 1
    while b > hi and text[b - 1].isspace():
        b -= 1
    return text[a:b], [(s - a, e - a) for s, e in spans]


def _records(path: Path):
    """(line number, record) for every non-blank line, refusing what is not a claims record."""
    try:
        fh = open(path, encoding="utf-8")  # closed by the `with` below; here only open errors are caught
    except FileNotFoundError:
        raise _fail(path, Errors.E001) from None
    except IsADirectoryError:
        raise _fail(path, "is a folder; give the JSONL file that `claims run -o` wrote") from None
    except OSError as err:
        raise _fail(path, f"cannot read the file ({err.strerror})") from None
    seen = False
    with fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    raise _fail(path, Errors.E005.format(line=n, detail=err.msg)) from None
                if not isinstance(rec, dict):
                    raise _fail(path, Errors.E014.format(line=n, detail="not a JSON object"))
                if not isinstance(rec.get("text"), str):
                    raise _fail(path, Errors.E006.format(line=n))
                if not isinstance(rec.get("id"), str):
                    raise _fail(path, Errors.E014.format(line=n, detail="the record has no 'id' string"))
                seen = True
                yield n, rec
        except UnicodeDecodeError:
            raise _fail(path, "cannot decode the file as UTF-8: is it a claims JSONL run?") from None
    if not seen:
        raise _fail(path, Errors.E002)


def read_run(path: str | Path) -> Corpus:
    """Read a claims JSONL run into a `Corpus`, one record at a time (texts are not kept).

    Raises `InputError` naming the file (and line) for a missing, empty or malformed run.
    """
    path = Path(path)
    quotes, events, articles = [], [], []
    names: dict[str, str] = {}
    mentions: Counter = Counter()
    mention_articles: Counter = Counter()
    corpus_events: set[tuple[str, str, str]] = set()
    bad_dates = 0
    runs = {"model": Counter(), "pipeline_version": Counter(), "schema_version": Counter()}
    for n, rec in _records(path):
        try:
            art, text, meta = rec["id"], rec["text"], rec.get("meta") or {}
            for key in runs:
                runs[key][str(rec.get(key))] += 1
            published = meta.get("date")
            sentences = sorted(rec.get("sentences") or [], key=lambda s: s["start"])
            starts = [s["start"] for s in sentences]
            speakers = set()
            for q in rec.get("quotes") or []:
                speaker = (q.get("speaker") or {}).get("name")
                speakers.add(speaker)
                ids = list(dict.fromkeys(q.get("treaties") or []))  # a treaty named twice counts once
                values = (art, q["id"], speaker, q.get("kind"), q["text"], ids, list(q.get("dates") or []))
                quotes.append(dict(zip(QUOTE_FIELDS, (*values, published), strict=True)))
            touched = Counter()
            dated = set()  # distinct (treaty, date, event): the events the timeline draws
            for m in rec.get("treaties") or []:
                treaty = m["treaty"]
                names.setdefault(treaty, m.get("name") or treaty)
                touched[treaty] += 1
                for d in m.get("dates") or []:
                    try:
                        _year_span(d["value"])
                    except (ValueError, TypeError, AttributeError):
                        # The schema's pattern lets "2019-13" through; one bad date must not cost
                        # the page, so it is left out and counted.
                        bad_dates += 1
                        continue
                    spans = [(m["start"], m["end"])]
                    if "start" in d and "end" in d:
                        spans.append((d["start"], d["end"]))
                    evidence, marks = _evidence(text, starts, sentences, spans)
                    dated.add((treaty, d["value"], d.get("event") or m.get("event") or "unspecified"))
                    values = (art, m["id"], treaty, m["text"], m.get("event"), d["value"], d.get("text"))
                    values += (d.get("event"), published, evidence, marks)
                    events.append(dict(zip(EVENT_FIELDS, values, strict=True)))
            mentions.update(touched)
            mention_articles.update(touched.keys())
            corpus_events.update(dated)
        except (KeyError, TypeError, AttributeError) as err:
            raise _fail(
                path, Errors.E014.format(line=n, detail=f"malformed record ({type(err).__name__}: {err})")
            ) from None
        articles.append(
            {
                "article": art,
                "title": meta.get("title"),
                "date": published,
                "url": meta.get("url"),
                "author": (rec.get("author") or {}).get("name") or meta.get("author"),
                "source": rec.get("source"),
                "quotes": len(rec.get("quotes") or []),
                "attributed": sum(1 for q in rec.get("quotes") or [] if q.get("speaker")),
                "speakers": len(speakers - {None}),
                "treaty_mentions": sum(touched.values()),
                "events": len(dated),
                "treaties": [t for t, _ in touched.most_common()],
            }
        )
    quote_counts = Counter(t for q in quotes for t in q["treaties"])
    event_counts = Counter(t for t, _, _ in corpus_events)
    for t in quote_counts:
        names.setdefault(t, t)
    treaties = pd.DataFrame(
        [
            {
                "treaty": t,
                "name": names[t],
                "short": short_name(t, names[t]),
                "mentions": mentions[t],
                "articles": mention_articles[t],
                "quotes": quote_counts[t],
                "events": event_counts[t],
            }
            for t in names
        ],
        columns=["treaty", "name", "short", "mentions", "articles", "quotes", "events"],
    )
    treaties = treaties.sort_values(["mentions", "quotes", "treaty"], ascending=[False, False, True])
    return Corpus(
        path=str(path),
        quotes=pd.DataFrame(quotes, columns=list(QUOTE_FIELDS)),
        events=pd.DataFrame(events, columns=list(EVENT_FIELDS)),
        articles=pd.DataFrame(articles, columns=list(ARTICLE_FIELDS)),
        treaties=treaties.reset_index(drop=True),
        runs=runs,
        bad_dates=bad_dates,
    )


def short_name(treaty: str, name: str) -> str:
    """A short label for a treaty: its name if short, else its abbreviation from models/treaties.yml,
    else its id in capitals if that is short ("abm" -> "ABM"), else its name clipped to 24 characters."""
    if len(name) <= 16:
        return name
    from ..knowledge import load_knowledge

    known = load_knowledge().treaty(treaty)
    if known and known.abbreviations:
        return known.abbreviations[0]
    # Unknown treaties are slugs of whatever name the text gave; clip those so columns stay narrow.
    return treaty.upper() if len(treaty) <= 8 else _clip(name, 24)


# --- the tables (work on `pipeline.load` frames too) -----------------------------------------------


def timeline_events(treaties: pd.DataFrame) -> pd.DataFrame:
    """One row per (treaty, date, event) of the dated mentions, with `mentions`, `articles` and a
    `label` such as "2018-10 withdrawal"; sorted by treaty and date.

    Takes `Corpus.events` or `pipeline.load(...).treaties`. The event of a date is the date's own
    (`date_event`), else the mention's.
    """
    dated = treaties[treaties["date"].notna()]
    event = (
        dated["date_event"].astype(object).where(dated["date_event"].notna(), dated["event"].astype(object))
    )
    frame = pd.DataFrame(
        {
            "treaty": dated["treaty"].astype(str),
            "date": dated["date"].astype(str),
            "event": event.fillna("unspecified").astype(str),
            "article": dated["article"].astype(str),
        }
    )
    out = (
        frame.groupby(["treaty", "date", "event"])
        .agg(mentions=("article", "size"), articles=("article", "nunique"))
        .reset_index()
    )
    out["label"] = out["date"] + " " + out["event"].str.replace("_", " ")
    return out.sort_values(["treaty", "date", "event"]).reset_index(drop=True)


def speaker_treaty_matrix(quotes: pd.DataFrame) -> pd.DataFrame:
    """Quotes per speaker (rows) and treaty (columns): a quote counts once for every treaty in its
    `treaties` list. Unattributed quotes are the row "(no speaker)". Busiest rows and columns first.

    Takes `Corpus.quotes` or `pipeline.load(...).quotes`.
    """
    q = quotes[["speaker", "quote_id", "treaties"]].explode("treaties").dropna(subset=["treaties"])
    if q.empty:
        return pd.DataFrame(dtype=int)
    q = q.assign(speaker=q["speaker"].astype(object).fillna(NO_SPEAKER), treaties=q["treaties"].astype(str))
    matrix = q.pivot_table(
        index="speaker", columns="treaties", values="quote_id", aggfunc="nunique", fill_value=0
    )
    rows = matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index
    cols = matrix.sum(axis=0).sort_values(ascending=False, kind="stable").index
    return matrix.loc[rows, cols].astype(int)


def speaker_summary(quotes: pd.DataFrame) -> pd.DataFrame:
    """One row per attributed speaker: `quotes`, `articles`, `treaty_quotes` (quotes touching any
    treaty) and `treaties` (a Counter of the treaties touched); speakers with treaty quotes first."""
    q = quotes[quotes["speaker"].notna()]
    if q.empty:
        return pd.DataFrame(columns=["speaker", "quotes", "articles", "treaty_quotes", "treaties"])
    q = q.assign(speaker=q["speaker"].astype(str), on_treaty=q["treaties"].map(bool))
    out = (
        q.groupby("speaker")
        .agg(quotes=("quote_id", "size"), articles=("article", "nunique"), treaty_quotes=("on_treaty", "sum"))
        .reset_index()
    )
    touched = q[["speaker", "treaties"]].explode("treaties").dropna()
    counts: dict[str, Counter] = {}
    for (speaker, treaty), n in touched.groupby(["speaker", "treaties"]).size().items():
        counts.setdefault(speaker, Counter())[treaty] = int(n)
    out["treaties"] = [counts.get(s, Counter()) for s in out["speaker"]]
    out["treaty_quotes"] = out["treaty_quotes"].astype(int)
    return out.sort_values(
        ["treaty_quotes", "quotes", "speaker"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


# --- the timeline plot ------------------------------------------------------------------------------


def _year_span(value: str) -> tuple[float, float]:
    """The stretch of (fractional) years an ISO date of year, month or day precision covers."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    if len(parts) == 1:
        return year, year + 1
    if len(parts) == 2:
        return year + (parts[1] - 1) / 12, year + parts[1] / 12
    days = Date(year, 12, 31).timetuple().tm_yday
    day = Date(year, parts[1], parts[2]).timetuple().tm_yday
    return year + (day - 1) / days, year + day / days


class TimeAxis:
    """A time axis that squeezes long stretches without events, so that events decades apart (a
    treaty signed in 1987, withdrawn from in 2019) leave room to tell months apart where news is.

    Maps fractional years to axis units: linear inside each stretch with events, and every gap
    longer than `gap` years shrunk to `squeezed` units.
    """

    def __init__(
        self,
        spans: list[tuple[float, float]],
        *,
        gap: float = 4.0,
        margin: float = 0.7,
        squeezed: float = 1.6,
    ):
        stretches: list[list[float]] = []
        for a, b in sorted((a - margin, b + margin) for a, b in spans):
            if stretches and a - stretches[-1][1] <= gap:
                stretches[-1][1] = max(stretches[-1][1], b)
            else:
                stretches.append([a, b])
        if stretches[-1][1] - stretches[0][0] < 4:  # a few months of news still gets a readable axis
            mid = (stretches[0][0] + stretches[-1][1]) / 2
            stretches = [[min(stretches[0][0], mid - 2), max(stretches[-1][1], mid + 2)]]
        self.stretches = [(a, b) for a, b in stretches]
        self.starts, unit = [], 0.0
        for n, (a, b) in enumerate(self.stretches):
            unit += squeezed if n else 0.0
            self.starts.append(unit)
            unit += b - a
        self.length = unit

    def __call__(self, year: float) -> float:
        """The axis unit of a fractional year (years in a squeezed gap are spread over it)."""
        for n, (a, b) in enumerate(self.stretches):
            if year <= b:
                if year >= a or n == 0:
                    return self.starts[n] + (year - a)
                prev_end = self.starts[n - 1] + self.stretches[n - 1][1] - self.stretches[n - 1][0]
                share = (year - self.stretches[n - 1][1]) / (a - self.stretches[n - 1][1])
                return prev_end + share * (self.starts[n] - prev_end)
        return self.starts[-1] + (year - self.stretches[-1][0])

    def gaps(self) -> list[tuple[float, float]]:
        """The squeezed gaps, in axis units."""
        return [
            (self.starts[n - 1] + self.stretches[n - 1][1] - self.stretches[n - 1][0], self.starts[n])
            for n in range(1, len(self.stretches))
        ]

    def ticks(self, pt_per_unit: float) -> list[tuple[float, str]]:
        """(unit, label) of year ticks, at most about one per 42 points, in every stretch."""
        out = []
        for a, b in self.stretches:
            step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if s * pt_per_unit >= 42)
            first = -(-int(a) // step) * step
            first = first if first >= a else first + step
            out += [(self(float(y)), str(y)) for y in range(first, int(b) + 1, step) if a <= y <= b]
        return out


@dataclass
class TimelinePlot:
    """An inline SVG timeline and how many of its marks have a label."""

    svg: str
    labelled: int
    unlabelled: int


def _spread(xs: list[float], gap: float) -> list[float]:
    """Positions at least `gap` apart, in the order of the sorted `xs`, each run of crowded marks
    centred on where its marks belong (so a nudged mark stays as close to its date as it can)."""
    out: list[float] = []
    runs: list[list[int]] = []
    for i, x in enumerate(xs):
        if out and x < out[-1] + gap:
            out.append(out[-1] + gap)
            runs[-1].append(i)
        else:
            out.append(x)
            runs.append([i])
    for n, run in enumerate(runs):
        shift = sum(out[i] - xs[i] for i in run) / len(run)
        if n:
            shift = min(shift, out[run[0]] - (out[runs[n - 1][-1]] + gap))
        for i in run:
            out[i] -= max(shift, 0.0)
    return out


def _stack(items: list[tuple[object, float, float, bool]], right_edge: float, max_tiers: int) -> dict:
    """Place labels in the given order, each in the lowest tier where it overlaps no label of that
    tier, no higher label's stem runs through it and its own stem runs through no lower label."""
    tiers: list[list[tuple[float, float]]] = [[] for _ in range(max_tiers)]
    stems: list[tuple[float, int]] = []
    placed = {}
    for key, x, w, hangs_left in items:
        a, b = (x - w, x - 1) if hangs_left else (x + 1, x + w)
        if a < 0 or b > right_edge:
            continue
        for k in range(max_tiers):
            clash = any(a < hi and lo < b for lo, hi in tiers[k])
            clash = clash or any(a - 1 < sx < b + 1 for sx, sk in stems if sk > k)
            clash = clash or any(lo - 1 < x < hi + 1 for j in range(k) for lo, hi in tiers[j])
            if not clash:
                tiers[k].append((a, b))
                stems.append((x, k))
                placed[key] = (k, hangs_left)
                break
    return placed


def _place_labels(items: list[tuple[object, float, float]], right_edge: float, max_tiers: int) -> dict:
    """Stack labels in tiers above their marks so that no two overlap and no stem crosses a label.

    `items` are (key, stem x, label width) in points; returns {key: (tier, hangs left)} for the
    labels that fit. Labels left of a split hang right of their stems and are stacked from right to
    left, those right of it hang left and are stacked from left to right: that way a label only
    reaches over stems that end below it. Every split is tried (a lane has at most
    LABELS_PER_LANE labels) and the one that fits most labels in fewest tiers wins.
    """
    items = sorted(items, key=lambda it: it[1])
    best, best_score = {}, None
    for split in range(len(items) + 1):
        right = [(key, x, w, False) for key, x, w in reversed(items[:split])]
        left = [(key, x, w, True) for key, x, w in items[split:]]
        for order in (right + left, left + right):
            placed = _stack(order, right_edge, max_tiers)
            score = (len(placed), -max([k for k, _ in placed.values()] or [0]), split)
            if best_score is None or score > best_score:
                best, best_score = placed, score
    return best


def plot_timeline(events: pd.DataFrame, lanes: list[tuple[str, str, str]]) -> TimelinePlot:
    """Draw one lane per treaty; each event a mark with a "DATE event" label linked to `#anchor`.

    `events` has `treaty`, `date`, `event`, `articles`, `mentions`, `label` and `anchor`; `lanes`
    lists (treaty, short name, full name) from top to bottom. Labels are stacked in tiers so none
    overlap; a label that does not fit is left off (its mark stays, and the table lists it).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    # Everything is laid out in points (dpi 72 = the SVG's user unit), so label widths measured by
    # the Agg renderer are the widths the browser draws with the same font.
    width, left, right, bottom = 864.0, 176.0, 18.0, 30.0
    label_size, tier_h, mark_h, pad, max_tiers, min_gap = 9.0, 14.0, 18.0, 7.0, 5, 9.5
    fig = Figure(figsize=(width / 72, 4), dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()
    font = FontProperties(size=label_size)
    axis = TimeAxis([_year_span(d) for d in events["date"]])
    plot_w = width - left - right
    edge = axis.length * 0.015  # room for the first and last marks
    x0, x1 = -edge, axis.length + edge

    # The legend: event kinds present, in EVENT_STYLE's order, plus the squeezed gaps if any. One
    # row across the figure when it fits, else two, filled row by row.
    present = {v if v in EVENT_STYLE else "unspecified" for v in events["event"]}
    legend = [(e.replace("_", " "), e) for e in EVENT_STYLE if e in present]
    legend += [("years without events, squeezed", None)] if axis.gaps() else []
    legend_w = sum(renderer.get_text_width_height_descent(t, font, ismath=False)[0] + 34 for t, _ in legend)
    legend_cols = len(legend) if legend_w <= width - 20 else -(-len(legend) // 2)
    top = 36.0 + 16 * -(-len(legend) // legend_cols)  # the legend, then the year labels above the lanes

    def to_pt(u: float) -> float:
        return (u - x0) / (x1 - x0) * plot_w

    def to_u(pt: float) -> float:
        return pt / plot_w * (x1 - x0) + x0

    layout, labelled, unlabelled, y = [], 0, 0, 0.0
    for treaty, short, name in lanes:
        lane = events[events["treaty"] == treaty].copy()
        lane["u"] = [axis(sum(_year_span(d)) / 2) for d in lane["date"]]
        lane = lane.sort_values(["u", "event"])
        # Marks closer than `min_gap` points (two events of one day, or of a month and a day in it)
        # are nudged right in date order, so each stays visible and clickable.
        lane["pt"] = _spread([to_pt(u) for u in lane["u"]], min_gap)
        # Labels go to the best-reported events; among equals, to the latest (closest to the news).
        wanted = set(
            lane.sort_values(["articles", "mentions", "u"], ascending=[False, False, False]).index[
                :LABELS_PER_LANE
            ]
        )
        items = [
            (idx, ev["pt"], renderer.get_text_width_height_descent(ev["label"], font, ismath=False)[0] + 8)
            for idx, ev in lane.iterrows()
            if idx in wanted
        ]
        placed = _place_labels(items, plot_w, max_tiers)
        used = max([k + 1 for k, _ in placed.values()] or [0])
        head = (textwrap.wrap(short, 20) or [short], textwrap.wrap(name, 28) if name != short else [])
        head_h = 12.0 * len(head[0]) + 9.5 * len(head[1])
        height = max(pad + used * tier_h + mark_h + pad, head_h + 2 * pad)
        layout.append((head, head_h, lane, placed, used, y, height))
        labelled += len(placed)
        unlabelled += len(lane) - len(placed)
        y += height

    total_h = y + top + bottom
    fig.set_size_inches(width / 72, total_h / 72)
    ax = fig.add_axes((left / width, bottom / total_h, plot_w / width, y / total_h))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y, 0)
    ax.set_yticks([])
    for side in ("left", "right"):
        ax.spines[side].set_visible(False)
    for side in ("top", "bottom"):
        ax.spines[side].set_color("#9aa4ae")
    ticks = axis.ticks(plot_w / (x1 - x0))
    ax.set_xticks([u for u, _ in ticks], [s for _, s in ticks])
    ax.tick_params(axis="x", labelsize=9, colors="#333", top=True, labeltop=True, length=3)
    ax.grid(axis="x", color="#e6e9ec", linewidth=0.7)
    ax.set_axisbelow(True)

    # Marks, bars and stems are collected per event kind and drawn as one artist each: a large run
    # has hundreds of marks, and one artist per mark is slow to draw and heavy in the SVG.
    marks: dict[str, dict[str, list]] = {}
    stems: list[tuple[float, float, float]] = []
    for n, ((bold, small), head_h, lane, placed, used, top_y, height) in enumerate(layout):
        if n % 2 == 0:
            ax.axhspan(top_y, top_y + height, color="#f3f5f7", zorder=0, linewidth=0)
        mark_y = top_y + pad + used * tier_h + mark_h / 2
        ax.axhline(mark_y, color="#c5ccd3", linewidth=0.8, zorder=1)
        # The treaty's short name in bold over its full name, centred on the lane, left of the plot.
        head_y = top_y + (height - head_h) / 2
        ax.text(
            to_u(-10),
            head_y,
            "\n".join(bold),
            ha="right",
            va="top",
            fontsize=10,
            fontweight="bold",
            color="#1d232b",
            clip_on=False,
            parse_math=False,
            linespacing=1.05,
        )
        if small:
            ax.text(
                to_u(-10),
                head_y + 12.0 * len(bold) + 1,
                "\n".join(small),
                ha="right",
                va="top",
                fontsize=7.5,
                color="#5b6570",
                clip_on=False,
                parse_math=False,
                linespacing=1.15,
            )
        for idx, ev in lane.iterrows():
            style = ev["event"] if ev["event"] in EVENT_STYLE else "unspecified"
            kind = marks.setdefault(style, {"x": [], "y": [], "s": [], "url": [], "bars": []})
            href = f"#{ev['anchor']}"
            a, b = (axis(v) for v in _year_span(ev["date"]))
            if to_pt(b) - to_pt(a) > 3:  # a year or a month: show how much time the date covers
                kind["bars"].append((mark_y, a, b))
            ex = to_u(ev["pt"])
            kind["x"].append(ex)
            kind["y"].append(mark_y)
            kind["s"].append(min(42 + 28 * (ev["articles"] - 1) ** 0.5, 220))
            kind["url"].append(href)
            if idx not in placed:
                continue
            k, hangs_left = placed[idx]
            tier_y = top_y + pad + (used - 1 - k) * tier_h + tier_h / 2
            stems.append((ex, tier_y, mark_y - 5))
            label = ax.text(
                to_u(ev["pt"] + (-3 if hangs_left else 3)),
                tier_y,
                ev["label"],
                ha="right" if hangs_left else "left",
                va="center",
                fontsize=label_size,
                color="#1d232b",
                parse_math=False,
                zorder=5,
            )
            label.set_url(href)
    for style, kind in marks.items():
        color, marker = EVENT_STYLE[style]
        if kind["bars"]:
            ys, xa, xb = zip(*kind["bars"], strict=True)
            ax.hlines(ys, xa, xb, color=color, linewidth=5, alpha=0.35, zorder=2)
        dots = ax.scatter(
            kind["x"],
            kind["y"],
            s=kind["s"],
            c=color,
            marker=marker,
            edgecolors="white",
            linewidths=0.7,
            zorder=4,
        )
        dots.set_urls(kind["url"])
    if stems:
        sx, sy0, sy1 = zip(*stems, strict=True)
        ax.vlines(sx, sy0, sy1, color="#8d98a3", linewidth=0.7, zorder=3)
    for a, b in axis.gaps():
        ax.axvspan(a, b, facecolor="white", edgecolor="#c9d0d6", hatch="////", linewidth=0, zorder=1.5)

    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=EVENT_STYLE[e][1],
            color=EVENT_STYLE[e][0],
            markeredgecolor="white",
            markersize=8,
            label=text,
        )
        if e
        else Patch(facecolor="white", edgecolor="#9aa4ae", hatch="////", label=text)
        for text, e in legend
    ]
    # matplotlib fills a legend column by column; order the handles so that it reads row by row.
    rows, long_cols = divmod(len(handles), legend_cols)
    per_col = [rows + 1] * long_cols + [rows] * (legend_cols - long_cols)
    handles = [handles[r * legend_cols + c] for c in range(legend_cols) for r in range(per_col[c])]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(8 / width, 1 - 3 / total_h),
        ncol=legend_cols,
        frameon=False,
        fontsize=9,
        handletextpad=0.4,
        columnspacing=1.4,
        borderaxespad=0,
    )
    buf = io.StringIO()
    # Text stays text (searchable, copyable, crisp); a fixed salt keeps the SVG's ids stable.
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "claims-report", "hatch.linewidth": 0.6}
    ):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    # The XML prolog and the RDF metadata block mean nothing inside an HTML page.
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[svg.index("<svg") :], flags=re.S)
    return TimelinePlot(svg=svg, labelled=labelled, unlabelled=unlabelled)


# --- the page ------------------------------------------------------------------------------------


def _e(value) -> str:
    return html.escape(
        "" if value is None or (not isinstance(value, list | dict) and pd.isna(value)) else str(value)
    )


def anchor(kind: str, key: str) -> str:
    """A stable HTML id for a speaker, article or event, whatever characters its key holds."""
    return f"{kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _marked(text: str, marks) -> str:
    """The evidence with the treaty mention and the date highlighted (first mark = the treaty)."""
    out, at = [], 0
    for k, (s, e) in sorted(enumerate(marks), key=lambda km: km[1]):
        if s < at:  # overlapping marks: keep the first
            continue
        cls = ' class="date"' if k else ""
        out += [html.escape(text[at:s]), f"<mark{cls}>", html.escape(text[s:e]), "</mark>"]
        at = e
    out.append(html.escape(text[at:]))
    return "".join(out)


@dataclass
class _Page:
    """What the sections share: the corpus, names and which anchors exist on the page."""

    corpus: Corpus
    short: dict[str, str]
    names: dict[str, str]
    listed_articles: set[str]
    listed_speakers: set[str]
    titles: dict[str, str]

    def chip(self, treaty: str, count: int | None = None, *, full: bool = True) -> str:
        """A treaty's short name as a chip; `full` adds the full name as a tooltip (left off in long
        tables, where it would be repeated thousands of times)."""
        n = f" <small>{count}</small>" if count else ""
        tip = f' title="{_e(self.names.get(treaty, treaty))}"' if full else ""
        return f'<span class="chip"{tip}>{_e(self.short.get(treaty, treaty))}{n}</span>'

    def article(self, art: str) -> str:
        label = _e(_clip(self.titles.get(art) or art, 90))
        if art in self.listed_articles:
            return f'<a href="#{anchor("art", art)}">{label}</a>'
        return label

    def speaker(self, name: str) -> str:
        if name in self.listed_speakers:
            return f'<a href="#{anchor("spk", name)}">{_e(name)}</a>'
        return _e(name)


def _section_summary(page: _Page) -> str:
    c = page.corpus
    q = c.quotes
    cards = [
        (len(c.articles), "articles"),
        (len(q), "quotes"),
        (int(q["speaker"].notna().sum()), "with a speaker"),
        (q["speaker"].nunique(), "speakers quoted"),
        (len(c.treaties), "treaties"),
        (int(c.treaties["mentions"].sum()) if len(c.treaties) else 0, "treaty mentions"),
        (int(c.treaties["events"].sum()) if len(c.treaties) else 0, "dated treaty events"),
    ]
    dates = c.articles["date"].dropna()
    span = f"published {dates.min()} to {dates.max()}" if len(dates) else "no publication dates"
    runs = "; ".join(
        f"{k.replace('_', ' ')} "
        + ", ".join(f"{_e(v)}" + (f" ({n})" if len(cnt) > 1 else "") for v, n in cnt.most_common())
        for k, cnt in c.runs.items()
    )
    return (
        '<section id="summary">'
        '<div class="cards">'
        + "".join(f"<div class=card><b>{n:,}</b><span>{label}</span></div>" for n, label in cards)
        + "</div>"
        f'<p class="run">Run <code>{_e(c.path)}</code>, {span}. {runs}.'
        + (
            f" {c.bad_dates:,} treaty dates that are not real dates are left off the timeline."
            if c.bad_dates
            else ""
        )
        + "</p></section>"
    )


def _section_treaties(page: _Page) -> str:
    t = page.corpus.treaties
    head = '<section id="treaties"><h2>Treaties</h2>'
    if t.empty:
        return head + '<p class="empty">No treaty is mentioned in this run.</p></section>'
    rows = "".join(
        f"<tr><td>{page.chip(r.treaty)}</td><td>{_e(r.name)}</td><td class=num>{r.mentions:,}</td>"
        f"<td class=num>{r.articles:,}</td><td class=num>{r.quotes:,}</td>"
        f"<td class=num>{r.events:,}</td></tr>"
        for r in t.itertuples()
    )
    return (
        head + '<p class="lede">Which treaties come up, most mentioned first. A quote is about a treaty '
        "when it names it or refers back to it.</p>"
        f'<table class="paged" data-page-size="{PAGE_ROWS}"><thead><tr><th>Treaty</th><th>Name</th>'
        "<th class=num>Mentions</th><th class=num>Articles</th><th class=num>Quotes about it</th>"
        f"<th class=num>Dated events</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _section_timeline(page: _Page) -> tuple[str, dict]:
    c = page.corpus
    head = '<section id="timeline"><h2>Timeline of treaty events</h2>'
    if c.events.empty:
        return head + '<p class="empty">No treaty mention in this run carries a date.</p></section>', {}
    agg = timeline_events(c.events)
    agg["anchor"] = [anchor("ev", f"{r.treaty}|{r.date}|{r.event}") for r in agg.itertuples()]
    order = (
        agg.groupby("treaty")["articles"]
        .sum()
        .rename("support")
        .to_frame()
        .join(page.corpus.treaties.set_index("treaty")["mentions"])
        .sort_values(["support", "mentions"], ascending=False, kind="stable")
        .index.tolist()
    )
    # The evidence table keeps each treaty's best-supported events; the plot draws those of the top lanes.
    kept = (
        agg.sort_values(["articles", "mentions", "date"], ascending=[False, False, True])
        .groupby("treaty", sort=False)
        .head(EVENTS_PER_TREATY)
    )
    rank = {t: i for i, t in enumerate(order)}
    kept = (
        kept.assign(rank=kept["treaty"].map(rank))
        .sort_values(["rank", "articles", "mentions"], ascending=[True, False, False])
        .head(EVENT_ROWS)
        .sort_values(["rank", "date", "event"])
    )
    lanes = [(t, page.short[t], page.names[t]) for t in order[:TIMELINE_LANES]]
    plot = plot_timeline(kept[kept["treaty"].isin([t for t, _, _ in lanes])], lanes)

    keys = ["treaty", "date", "event"]
    ev = c.events.assign(
        event=c.events["date_event"]
        .astype(object)
        .fillna(c.events["event"].astype(object))
        .fillna("unspecified")
    )
    # One piece of evidence per article, earliest published first, so a widely reported event shows
    # several sources rather than one article's repeats.
    ev = ev.sort_values(["published", "article"], na_position="last").drop_duplicates(keys + ["article"])
    ev = ev.merge(kept[keys], on=keys).groupby(keys, sort=False).head(EVIDENCE_PER_EVENT)
    evidence: dict[tuple, list] = {}
    for e in ev.itertuples():
        evidence.setdefault((e.treaty, e.date, e.event), []).append(e)
    rows = []
    for r in kept.itertuples():
        items = []
        for e in evidence[(r.treaty, r.date, r.event)]:
            when = f", published {_e(e.published)}" if isinstance(e.published, str) else ""
            items.append(
                f"<li>{_marked(e.evidence, e.marks)} <span class=src>— {page.article(e.article)}"
                f"{when}</span></li>"
            )
        more = r.articles - len(items)
        if more > 0:
            items.append(f'<li class="more">and {more:,} more article{"s" * (more > 1)}</li>')
        color = EVENT_STYLE.get(r.event, EVENT_STYLE["unspecified"])[0]
        rows.append(
            f'<tr id="{r.anchor}" data-treaty="{_e(r.treaty)}"><td>{page.chip(r.treaty)}</td>'
            f'<td class="ev"><i style="background:{color}"></i>{_e(r.label)}</td>'
            f"<td class=num>{r.articles:,}</td><td><ul class=evidence>{''.join(items)}</ul></td></tr>"
        )
    notes = []
    if len(order) > TIMELINE_LANES:
        notes.append(
            f"The plot shows the {TIMELINE_LANES} treaties with most dated events; the table below also has "
            f"the other {len(order) - TIMELINE_LANES}."
        )
    if plot.unlabelled:
        notes.append(
            f"{plot.unlabelled:,} mark{'s have' if plot.unlabelled > 1 else ' has'} no label for lack of "
            "room; the table below lists them."
        )
    dropped = len(agg) - len(kept)
    if dropped:
        notes.append(
            f"{dropped:,} rarely reported events are left out (at most {EVENTS_PER_TREATY} per "
            f"treaty and {EVENT_ROWS} in all, best supported first); the notebook has them all."
        )
    body = (
        head
        + '<p class="lede">What happened to each treaty and when, as the articles report it: one lane per '
        "treaty, one mark per dated event. A date known only to the year or month is drawn as a pale bar "
        "over that year or month; bigger marks are reported by more articles. Click a mark or label for "
        "its evidence below. The event is the pipeline's reading of the sentence (an announced withdrawal "
        "is a <i>withdrawal</i>), so read the evidence.</p>"
        f'<div class="plot">{plot.svg}</div>'
        + (f'<p class="note">{" ".join(notes)}</p>' if notes else "")
        + '<h3 id="events">Events and their evidence</h3><p class="note">Treaty mention '
        '<mark>highlighted</mark>, the words that gave the date <mark class="date">in blue</mark>.</p>'
        f'<table class="paged events" data-page-size="{PAGE_ROWS}"><thead><tr><th>Treaty</th><th>Event</th>'
        "<th class=num>Articles</th><th>Evidence</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )
    return body, {"timeline_events": len(agg), "timeline_labelled": plot.labelled}


def _shade(value: int, top: int) -> str:
    """Background and text colour of a matrix cell, darker for bigger counts (a Blues ramp)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if not value:
        return ""
    level = 0.12 + 0.78 * (value / top) ** 0.6
    ink = "#fff" if level > 0.55 else "#1d232b"
    return f' style="background:{to_hex(colormaps["Blues"](level))};color:{ink}"'


def _section_matrix(page: _Page) -> str:
    c = page.corpus
    head = '<section id="matrix"><h2>Who spoke on which treaty</h2>'
    matrix = speaker_treaty_matrix(c.quotes)
    if matrix.empty:
        return head + '<p class="empty">No quote in this run touches a treaty.</p></section>'
    totals = (
        c.quotes.assign(speaker=c.quotes["speaker"].astype(object).fillna(NO_SPEAKER))
        .groupby("speaker")
        .size()
    )
    shown_rows = [s for s in matrix.index if s != NO_SPEAKER][:MATRIX_SPEAKERS]
    rest_rows = [s for s in matrix.index if s not in shown_rows and s != NO_SPEAKER]
    cols = list(matrix.columns[:MATRIX_TREATIES])
    rest_cols = list(matrix.columns[MATRIX_TREATIES:])
    top = int(matrix.loc[shown_rows or matrix.index, cols].to_numpy().max()) or 1
    header = "".join(
        f'<th class="treaty" title="{_e(page.names.get(t, t))}">{_e(page.short.get(t, t))}</th>' for t in cols
    )
    if rest_cols:
        header += f'<th class="treaty">{len(rest_cols)} other treaties</th>'
    header += '<th class="num total">Quotes on any treaty</th><th class="num">All quotes</th>'
    any_treaty = c.quotes.assign(speaker=c.quotes["speaker"].astype(object).fillna(NO_SPEAKER))
    any_treaty = any_treaty[any_treaty["treaties"].map(bool)].groupby("speaker").size()

    def row(label: str, counts: pd.Series, on_any: int, total: int, cls: str = "") -> str:
        # Only one speaker's cells are shaded: sums would swamp the scale.
        cells = "".join(
            f'<td class="cell"{"" if cls else _shade(int(counts[t]), top)}>{int(counts[t]) or ""}</td>'
            for t in cols
        )
        if rest_cols:
            cells += f'<td class="cell">{int(counts[rest_cols].sum()) or ""}</td>'
        return (
            f"<tr{cls}><td>{label}</td>{cells}<td class='num total'>{on_any:,}</td>"
            f"<td class=num>{total:,}</td></tr>"
        )

    rows = [
        row(page.speaker(s), matrix.loc[s], int(any_treaty.get(s, 0)), int(totals.get(s, 0)))
        for s in shown_rows
    ]
    if rest_rows:
        rows.append(
            row(
                f"<i>{len(rest_rows):,} other speakers</i>",
                matrix.loc[rest_rows].sum(),
                int(any_treaty.reindex(rest_rows).fillna(0).sum()),
                int(totals.reindex(rest_rows).fillna(0).sum()),
                ' class="others"',
            )
        )
    if NO_SPEAKER in matrix.index:
        rows.append(
            row(
                f"<i>{NO_SPEAKER}</i>",
                matrix.loc[NO_SPEAKER],
                int(any_treaty.get(NO_SPEAKER, 0)),
                int(totals.get(NO_SPEAKER, 0)),
            )
        )
    all_touch = c.quotes["treaties"].map(bool)
    rows.append(row("All speakers", matrix.sum(), int(all_touch.sum()), len(c.quotes), ' class="sum"'))
    return (
        head + '<p class="lede">Quotes per speaker and treaty. A quote touches a treaty when the pipeline '
        "linked it to the treaty (by name, abbreviation or a reference back such as “the treaty”); a quote "
        "touching two treaties counts in both columns. Darker cells hold more quotes. Speakers are ranked by "
        f"quotes on any treaty{f'; the first {MATRIX_SPEAKERS} are shown' if rest_rows else ''}.</p>"
        f'<div class="scroll"><table class="matrix"><thead><tr><th>Speaker</th>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _section_speakers(page: _Page, summary: pd.DataFrame, top_speakers: int, per_speaker: int) -> str:
    c = page.corpus
    head = '<section id="speakers"><h2>Speakers and their quotes</h2>'
    if summary.empty:
        return head + '<p class="empty">No quote in this run has a speaker.</p></section>'
    unattributed = int(c.quotes["speaker"].isna().sum())
    parts = [
        head,
        f'<p class="lede">Everyone quoted, those quoted on treaties first. The first {top_speakers} '
        f"speakers are shown with up to {per_speaker} quotes each (quotes on treaties first)"
        + (f"; {unattributed:,} quotes have no speaker and are not listed" if unattributed else "")
        + ".</p>",
    ]
    top = summary.head(top_speakers)
    quotes = c.quotes[c.quotes["speaker"].isin(top["speaker"])]
    quotes = quotes.assign(speaker=quotes["speaker"].astype(str), on_treaty=quotes["treaties"].map(bool))
    by_speaker = dict(iter(quotes.groupby("speaker", sort=False)))
    for n, r in enumerate(top.itertuples()):
        q = by_speaker[r.speaker].sort_values(
            ["on_treaty", "date", "article"], ascending=[False, True, True], na_position="last", kind="stable"
        )
        chips = " ".join(page.chip(t, k) for t, k in r.treaties.most_common()) or "no treaty"
        rows = "".join(
            f"<tr><td class=nowrap>{_e(x.date) or '—'}</td><td>{page.article(x.article)}</td>"
            f"<td>{' '.join(page.chip(t, full=False) for t in x.treaties)}</td>"
            f'<td class="quote">{_e(_clip(x.text, QUOTE_CHARS))} <span class="kind">{_e(x.kind)}</span>'
            "</td></tr>"
            for x in q.head(per_speaker).itertuples()
        )
        rest = len(q) - per_speaker
        more = (
            f'<p class="more">and {rest:,} more quotes by {_e(r.speaker)} '
            f"({int(q['on_treaty'].iloc[per_speaker:].sum()):,} on treaties), not shown here.</p>"
            if rest > 0
            else ""
        )
        parts.append(
            f'<details class="speaker" id="{anchor("spk", r.speaker)}"{" open" if n < 3 else ""}>'
            f"<summary><b>{_e(r.speaker)}</b><span class=src>{r.quotes:,} quote{'s' * (r.quotes != 1)} in "
            f"{r.articles:,} article{'s' * (r.articles != 1)}</span> · {chips}</summary>"
            "<table><thead><tr><th>Published</th><th>Article</th><th>Treaties</th><th>Quote</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}</details>"
        )
    others = summary.iloc[top_speakers:]
    if len(others):
        listed = others.head(OTHER_SPEAKER_ROWS)
        rows = "".join(
            f'<tr id="{anchor("spk", r.speaker)}"><td>{_e(r.speaker)}</td><td class=num>{r.quotes:,}</td>'
            f"<td class=num>{r.articles:,}</td><td>"
            + " ".join(page.chip(t, k, full=False) for t, k in r.treaties.most_common())
            + "</td></tr>"
            for r in listed.itertuples()
        )
        left = len(others) - len(listed)
        parts.append(
            f"<h3>{len(others):,} more speakers</h3>"
            "<p class=note>Counts only; the notebook has their quotes."
            + (f" The {left:,} speakers with fewest quotes are left out." if left else "")
            + "</p>"
            f'<table class="paged" data-page-size="{PAGE_ROWS}"><thead><tr><th>Speaker</th>'
            "<th class=num>Quotes</th><th class=num>Articles</th><th>Treaties</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    parts.append("</section>")
    return "".join(parts)


def _section_articles(page: _Page) -> str:
    a = page.corpus.articles
    listed = a[a["article"].isin(page.listed_articles)]
    rows = []
    for r in listed.itertuples():
        title = _e(_clip(r.title, 110)) if isinstance(r.title, str) and r.title else "<i>untitled</i>"
        link = f' <a href="{_e(r.url)}" rel="noreferrer">↗</a>' if isinstance(r.url, str) and r.url else ""
        rows.append(
            f'<tr id="{anchor("art", r.article)}"><td>{title}{link}<br><span class=src>{_e(r.article)}'
            f"{' · ' + _e(r.author) if isinstance(r.author, str) else ''}</span></td>"
            f"<td class=nowrap>{_e(r.date) or '—'}</td><td class=num>{r.quotes:,}</td>"
            f"<td class=num>{r.attributed:,}</td><td class=num>{r.speakers:,}</td>"
            f"<td class=num>{r.treaty_mentions:,}</td><td class=num>{r.events:,}</td>"
            f"<td>{' '.join(page.chip(t, full=False) for t in r.treaties)}</td></tr>"
        )
    left = len(a) - len(listed)
    return (
        '<section id="articles"><h2>Articles</h2><p class="lede">Counts per article: quotes (and how many '
        "have a speaker), distinct speakers quoted, treaty mentions, dated treaty events and the treaties "
        "mentioned."
        + (f" The {left:,} articles with fewest quotes and mentions are left out." if left else "")
        + "</p>"
        f'<table class="paged" data-page-size="{PAGE_ROWS}"><thead><tr><th>Article</th>'
        "<th>Published</th>"
        "<th class=num>Quotes</th><th class=num>With speaker</th><th class=num>Speakers</th>"
        "<th class=num>Treaty mentions</th><th class=num>Dated events</th><th>Treaties</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _footer(corpus: Corpus, top_speakers: int, quotes_per_speaker: int) -> str:
    caps = (
        f"{TIMELINE_LANES} timeline lanes, {EVENT_ROWS} events ({EVENTS_PER_TREATY} per treaty) with "
        f"{EVIDENCE_PER_EVENT} pieces of evidence each, {MATRIX_SPEAKERS} speakers × {MATRIX_TREATIES} "
        f"treaties in the matrix, {top_speakers} speakers with up to {quotes_per_speaker} quotes each, "
        f"{OTHER_SPEAKER_ROWS} more speakers as counts and {ARTICLE_ROWS} articles"
    )
    return (
        '<footer id="about"><h2>About this page</h2><p>Made by <code>claims report</code> '
        f"{__version__} from <code>{_e(corpus.path)}</code>. To stay small on large runs it shows at most "
        f"{caps}; every cut says what it left out. For everything, load the run with "
        "<code>pipeline.load</code> (see <code>examples/explore.ipynb</code>).</p></footer>"
    )


def _asset(name: str) -> str:
    return (files("pipeline.report") / "assets" / name).read_text(encoding="utf-8")


@dataclass
class ReportStats:
    """What a report holds, for the command's one-line summary."""

    articles: int
    quotes: int
    speakers: int
    treaties: int
    timeline_events: int = 0
    timeline_labelled: int = 0
    bytes: int = 0


def build_report(
    corpus: Corpus,
    *,
    title: str | None = None,
    top_speakers: int = TOP_SPEAKERS,
    quotes_per_speaker: int = QUOTES_PER_SPEAKER,
) -> tuple[str, ReportStats]:
    """The report page of `corpus` as one HTML string, and what it holds."""
    a = corpus.articles
    # Articles most worth reading first when the table must be cut.
    order = a.assign(weight=a["quotes"] + a["treaty_mentions"]).sort_values(
        "weight", ascending=False, kind="stable"
    )
    summary = speaker_summary(corpus.quotes)
    page = _Page(
        corpus=corpus,
        short=dict(zip(corpus.treaties["treaty"], corpus.treaties["short"], strict=True)),
        names=dict(zip(corpus.treaties["treaty"], corpus.treaties["name"], strict=True)),
        listed_articles=set(order["article"].head(ARTICLE_ROWS)),
        listed_speakers=set(summary["speaker"].head(top_speakers + OTHER_SPEAKER_ROWS)),
        titles={r.article: r.title for r in a.itertuples() if isinstance(r.title, str) and r.title},
    )
    timeline, counts = _section_timeline(page)
    body = "\n".join(
        [
            _section_summary(page),
            _section_treaties(page),
            timeline,
            _section_matrix(page),
            _section_speakers(page, summary, top_speakers, quotes_per_speaker),
            _section_articles(page),
            _footer(corpus, top_speakers, quotes_per_speaker),
        ]
    )
    name = Path(corpus.path).name
    page_html = Template(_asset("page.html")).substitute(
        title=_e(title or f"Claims report: {name}"),
        version=__version__,
        css=_asset("report.css"),
        js=_asset("report.js"),
        body=body,
    )
    stats = ReportStats(
        articles=len(a),
        quotes=len(corpus.quotes),
        speakers=len(summary),
        treaties=len(corpus.treaties),
        bytes=len(page_html.encode("utf-8")),
        **counts,
    )
    return page_html, stats


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder, so a reader never sees a
    half-written page and a failed run leaves the old page in place."""
    try:
        write_text_atomic(path, text)
    except OSError as err:
        raise ClaimsError(
            Errors.E011.format(path=path, detail=err.strerror), path=str(path), stage="report"
        ) from None


def write_report(run: str | Path, output: str | Path, *, wait: bool = False, **options) -> ReportStats:
    """Read the run at `run` and write its report to `output` atomically; `options` go to
    `build_report` (title, top_speakers, quotes_per_speaker). Holds the lock of `output`, so two
    reports onto one page do not race (E060, or wait for the other with `wait`)."""
    with output_lock(output, wait=wait):
        page_html, stats = build_report(read_run(run), **options)
        write_atomic(output, page_html)
    return stats


@click.command("report")
@click.argument("run", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (default: RUN with .html).",
)
@click.option("--title", help="Page title (default: 'Claims report: RUN').")
@click.option(
    "--top-speakers",
    default=TOP_SPEAKERS,
    show_default=True,
    type=click.IntRange(1),
    help="Speakers shown with their quotes; the rest as counts.",
)
@click.option("--quotes-per-speaker", default=QUOTES_PER_SPEAKER, show_default=True, type=click.IntRange(1))
@click.option("--quiet", "-q", is_flag=True, help="No summary line.")
@click.option(
    "--wait", is_flag=True, help="If another report is writing OUTPUT, wait for it instead of failing."
)
def report(run, output, title, top_speakers, quotes_per_speaker, quiet, wait):
    """Write one self-contained HTML page about RUN (a JSONL file from `claims run`).

    The page has the treaties that come up, a timeline of dated treaty events with their evidence,
    a speaker x treaty matrix of quote counts, each speaker's quotes, and counts per article. It
    needs no network; large runs are summarised and paged so the page stays small.
    """
    output = output or run.with_suffix(".html")
    if output.resolve() == run.resolve():
        raise click.BadParameter(f"{output} is the run itself; give another file", param_hint="'-o'")
    try:
        stats = write_report(
            run,
            output,
            title=title,
            top_speakers=top_speakers,
            quotes_per_speaker=quotes_per_speaker,
            wait=wait,
        )
    except ClaimsError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(
            f"wrote {output} ({stats.bytes / 1024:,.0f} KB): {stats.articles:,} articles, "
            f"{stats.quotes:,} quotes, {stats.speakers:,} speakers, {stats.treaties:,} treaties, "
            f"{stats.timeline_events:,} dated events"
        )
