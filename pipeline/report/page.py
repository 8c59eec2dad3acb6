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

    >>> from pipeline.report import read_run, build_report
    >>> html, stats = build_report(read_run("out/claims.jsonl"))

The package is one module per concern: `read` (a run into `Corpus` tables), `tables` (the
counts, which work on `pipeline.load` frames too), `timeline` (the SVG plot) and `page` (the HTML
sections, the page and the `claims report` command).
"""

from __future__ import annotations

import hashlib
import html
import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

import click
import pandas as pd

from .. import __version__
from ..errors import ClaimsError, Errors
from ..record.io import write_text_atomic
from .read import Corpus, _clip, read_run
from .tables import NO_SPEAKER, speaker_summary, speaker_treaty_matrix, timeline_events
from .timeline import EVENT_STYLE, plot_timeline

# Caps that keep a page of thousands of articles under ~4 MB (see tests/report/test_report.py); each is
# the most an analyst reads on a page before reaching for the notebook anyway.
TOP_SPEAKERS = 40  # speakers shown with their quotes; the rest go in a one-line-per-speaker table
QUOTES_PER_SPEAKER = 15
OTHER_SPEAKER_ROWS = 2000
MATRIX_SPEAKERS = 30
MATRIX_TREATIES = 20
TIMELINE_LANES = 16
EVENTS_PER_TREATY = 40  # rows of the evidence table per treaty (best-supported events first)
EVENT_ROWS = 600  # rows of the evidence table in all (treaties with most dated events first)
EVIDENCE_PER_EVENT = 3
ARTICLE_ROWS = 5000
QUOTE_CHARS = 420
PAGE_ROWS = 25  # rows per page of a paged table in the browser


def _e(value) -> str:
    return html.escape(
        "" if value is None or (not isinstance(value, list | dict) and pd.isna(value)) else str(value)
    )


def anchor(kind: str, key: str) -> str:
    """A stable HTML id for a speaker, article or event, whatever characters its key holds."""
    return f"{kind}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


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


def _event_rows(page: _Page, kept: pd.DataFrame) -> list[str]:
    """The rows of the evidence table: per kept event, a few evidence sentences from distinct articles."""
    c = page.corpus
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
    return rows


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

    rows = _event_rows(page, kept)
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


def write_report(run: str | Path, output: str | Path, **options) -> ReportStats:
    """Read the run at `run` and write its report to `output` atomically; `options` go to
    `build_report` (title, top_speakers, quotes_per_speaker)."""
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
def report(run, output, title, top_speakers, quotes_per_speaker, quiet):
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
            run, output, title=title, top_speakers=top_speakers, quotes_per_speaker=quotes_per_speaker
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
