"""Reading a claims run for the report: one pass over the records into the `Corpus` tables.

The records come through `pipeline.record.io.numbered_records`, checked to be records; the texts are
not kept, only the evidence sentences around each dated treaty mention.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import Errors, InputError
from ..record.io import numbered_records
from .timeline import year_span

EVIDENCE_CHARS = 450

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
    seen = False
    for n, rec in numbered_records(path, validate=True, stage="report"):
        seen = True
        yield n, rec
    if not seen:
        raise _fail(path, Errors.E002)


@dataclass
class _Tally:
    """What `read_run` gathers record by record, before it becomes the `Corpus` tables."""

    quotes: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    mentions: Counter = field(default_factory=Counter)
    mention_articles: Counter = field(default_factory=Counter)
    corpus_events: set[tuple[str, str, str]] = field(default_factory=set)
    bad_dates: int = 0
    runs: dict[str, Counter] = field(
        default_factory=lambda: {
            "model": Counter(),
            "pipeline_version": Counter(),
            "schema_version": Counter(),
        }
    )

    def add(self, rec: dict) -> None:
        """Add one record: its quotes, its dated treaty mentions and its row of the article table."""
        art, meta = rec["id"], rec.get("meta") or {}
        for key in self.runs:
            self.runs[key][str(rec.get(key))] += 1
        published = meta.get("date")
        speakers = self._add_quotes(rec, art, published)
        touched, dated = self._add_mentions(rec, art, published)
        self.mentions.update(touched)
        self.mention_articles.update(touched.keys())
        self.corpus_events.update(dated)
        self.articles.append(
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

    def _add_quotes(self, rec: dict, art: str, published) -> set:
        """Add the record's quotes; returns the speakers quoted (None for an unattributed quote)."""
        speakers = set()
        for q in rec.get("quotes") or []:
            speaker = (q.get("speaker") or {}).get("name")
            speakers.add(speaker)
            ids = list(dict.fromkeys(q.get("treaties") or []))  # a treaty named twice counts once
            values = (art, q["id"], speaker, q.get("kind"), q["text"], ids, list(q.get("dates") or []))
            self.quotes.append(dict(zip(QUOTE_FIELDS, (*values, published), strict=True)))
        return speakers

    def _add_mentions(self, rec: dict, art: str, published) -> tuple[Counter, set]:
        """Add the record's dated treaty mentions as events, with their evidence; returns the
        mentions per treaty and the distinct (treaty, date, event) of the record."""
        text = rec["text"]
        sentences = sorted(rec.get("sentences") or [], key=lambda s: s["start"])
        starts = [s["start"] for s in sentences]
        touched = Counter()
        dated = set()  # distinct (treaty, date, event): the events the timeline draws
        for m in rec.get("treaties") or []:
            treaty = m["treaty"]
            self.names.setdefault(treaty, m.get("name") or treaty)
            touched[treaty] += 1
            for d in m.get("dates") or []:
                try:
                    year_span(d["value"])
                except (ValueError, TypeError, AttributeError):
                    # The schema's pattern lets "2019-13" through; one bad date must not cost
                    # the page, so it is left out and counted.
                    self.bad_dates += 1
                    continue
                spans = [(m["start"], m["end"])]
                if "start" in d and "end" in d:
                    spans.append((d["start"], d["end"]))
                evidence, marks = _evidence(text, starts, sentences, spans)
                dated.add((treaty, d["value"], d.get("event") or m.get("event") or "unspecified"))
                values = (art, m["id"], treaty, m["text"], m.get("event"), d["value"], d.get("text"))
                values += (d.get("event"), published, evidence, marks)
                self.events.append(dict(zip(EVENT_FIELDS, values, strict=True)))
        return touched, dated

    def treaty_table(self) -> pd.DataFrame:
        """One row per treaty mentioned or quoted on, most mentioned first."""
        quote_counts = Counter(t for q in self.quotes for t in q["treaties"])
        event_counts = Counter(t for t, _, _ in self.corpus_events)
        names = self.names
        for t in quote_counts:
            names.setdefault(t, t)
        treaties = pd.DataFrame(
            [
                {
                    "treaty": t,
                    "name": names[t],
                    "short": short_name(t, names[t]),
                    "mentions": self.mentions[t],
                    "articles": self.mention_articles[t],
                    "quotes": quote_counts[t],
                    "events": event_counts[t],
                }
                for t in names
            ],
            columns=["treaty", "name", "short", "mentions", "articles", "quotes", "events"],
        )
        treaties = treaties.sort_values(["mentions", "quotes", "treaty"], ascending=[False, False, True])
        return treaties.reset_index(drop=True)


def read_run(path: str | Path) -> Corpus:
    """Read a claims JSONL run into a `Corpus`, one record at a time (texts are not kept).

    Raises `InputError` naming the file (and line) for a missing, empty or malformed run.
    """
    path = Path(path)
    tally = _Tally()
    for n, rec in _records(path):
        try:
            tally.add(rec)
        except (KeyError, TypeError, AttributeError) as err:
            raise _fail(
                path, Errors.E014.format(line=n, detail=f"malformed record ({type(err).__name__}: {err})")
            ) from None
    return Corpus(
        path=str(path),
        quotes=pd.DataFrame(tally.quotes, columns=list(QUOTE_FIELDS)),
        events=pd.DataFrame(tally.events, columns=list(EVENT_FIELDS)),
        articles=pd.DataFrame(tally.articles, columns=list(ARTICLE_FIELDS)),
        treaties=tally.treaty_table(),
        runs=tally.runs,
        bad_dates=tally.bad_dates,
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


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
