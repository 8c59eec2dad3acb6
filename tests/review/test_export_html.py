"""HTML review pages: structure, escaping, and what a real headless Chromium shows."""

from __future__ import annotations

import copy
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.review.export_html import SPEAKER_COLOURS, export_html, render_span_html, speaker_colours
from tests.browser import CHROMIUM, run_chromium

from .conftest import build_interrupted_record


class Dom(HTMLParser):
    """What a page holds: element counts by id and class, quote ids marked in the text, table rows."""

    def __init__(self, html: str):
        super().__init__()
        self.classes: Counter = Counter()
        self.marked_quotes: list[str] = []
        self.rows: dict[str, list[list[str]]] = {}
        self.links: list[str] = []
        self.quoted: list[str] = []  # text inside quote highlights
        self._spans: list[bool] = []  # open spans: is it a quote highlight?
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes.update((attrs.get("class") or "").split())
        if tag == "span":
            self._spans.append(bool(attrs.get("data-quote-id")))
        if tag == "span" and attrs.get("data-quote-id"):
            self.marked_quotes.append(attrs["data-quote-id"])
        if tag == "table":
            self._table = attrs.get("id")
            self.rows[self._table] = []
        elif tag == "tr" and self._table:
            self.rows[self._table].append([])
        elif tag == "td" and self._table:
            self._cell = []
        elif tag == "a":
            self.links.append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag == "span" and self._spans:
            self._spans.pop()
        if tag == "td" and self._cell is not None:
            self.rows[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if any(self._spans):
            self.quoted.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def body_rows(self, table: str) -> list[list[str]]:
        return [row for row in self.rows[table] if row]


@pytest.fixture
def page(tmp_path, small_record) -> Dom:
    [path] = export_html([small_record], tmp_path / "html")
    return Dom(path.read_text(encoding="utf-8"))


def test_export_html_marks_every_quote_treaty_and_date(page, small_record):
    assert list(dict.fromkeys(page.marked_quotes)) == [q["id"] for q in small_record["quotes"]]
    assert page.classes["treaty"] >= 3 and page.classes["date"] >= 3 and page.classes["cue"] >= 4


def test_export_html_highlights_an_interrupted_quote_without_its_frame(tmp_path):
    [path] = export_html([build_interrupted_record()], tmp_path / "html")
    quoted = "".join(Dom(path.read_text(encoding="utf-8")).quoted)
    assert "We will not sign" in quoted and "unless it is verified" in quoted
    assert "said on Monday" not in quoted


def test_export_html_tables_list_quotes_and_dated_events(page, small_record):
    quotes = page.body_rows("quotes")
    assert [(row[1], row[2], row[3]) for row in quotes] == [
        (q["speaker"]["name"], q["cue"]["text"], q["kind"]) for q in small_record["quotes"]
    ]
    assert [row[:3] for row in page.body_rows("treaty-events")] == [
        ["1999", "inf", "violation"],
        ["2019", "inf", "withdrawal"],
        ["2021", "new-start", "expires"],
    ]


def test_export_html_index_links_every_page(tmp_path, small_record):
    other = {**copy.deepcopy(small_record), "id": "index"}  # a page must not overwrite index.html
    pages = export_html([small_record, other], tmp_path / "html")
    index = Dom((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))
    assert index.links == [p.name for p in pages] == ["small.html", "index-2.html"]


def test_export_html_escapes_the_text(tmp_path, small_record):
    record = copy.deepcopy(small_record)
    record["text"] = record["text"].replace("Arms control at risk", "<b>Arms</b> & control")
    record["meta"]["title"] = None
    [path] = export_html([record], tmp_path / "html")
    assert "<b>Arms</b>" not in path.read_text(encoding="utf-8") and "&lt;b&gt;Arms" in path.read_text()


@pytest.mark.parametrize(
    "marks,expected",
    [
        ([], "a&lt;b"),
        (
            [{"layer": "date", "start": 0, "end": 1, "title": "d"}],
            '<span class="date" title="d">a</span>&lt;b',
        ),
        (
            [{"layer": "quote", "start": 0, "end": 3}, {"layer": "treaty", "start": 1, "end": 2}],
            '<span class="quote">a</span><span class="quote"><span class="treaty">&lt;</span></span>'
            '<span class="quote">b</span>',
        ),
    ],
)
def test_export_html_render_span_nests_overlapping_marks(marks, expected):
    assert render_span_html("a<b", 0, 3, marks) == expected


def test_export_html_colours_speakers_by_number_of_quotes(small_record):
    assert speaker_colours(small_record) == {
        "Sergey Lavrov": SPEAKER_COLOURS[0],
        "Sergey Shoigu": SPEAKER_COLOURS[1],
        "Vladimir Putin": SPEAKER_COLOURS[2],
    }


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_chromium(tmp_path, *args, check=True)


def colour_pixels(pixels, hex_colour: str, tolerance: int = 6) -> int:
    import numpy as np

    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels[:, :, :3].astype(int) - rgb).max(axis=2) <= tolerance).sum())


@pytest.mark.model
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
)
def test_export_html_page_shows_in_headless_chromium(tmp_path, seed_run):
    np = pytest.importorskip("numpy")
    image = pytest.importorskip("PIL.Image")
    record = seed_run.record
    [path] = export_html([record], tmp_path / "html")
    url = path.resolve().as_uri()

    # What the browser built: every quote marked in the text and listed in the table, with its speaker.
    dom = Dom(chromium(tmp_path, "--dump-dom", url).stdout)
    assert set(dom.marked_quotes) == {q["id"] for q in record["quotes"]}
    rows = dom.body_rows("quotes")
    assert [row[1] for row in rows] == [
        (q.get("speaker") or {}).get("name", "unattributed") for q in record["quotes"]
    ]
    dated = sum(len(m["dates"]) for m in record["treaties"])
    assert dated > 0 and len(dom.body_rows("treaty-events")) == dated

    # What is visible: quotes coloured by speaker in the text column, the tables beside it.
    shot = tmp_path / "page.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", url)
    pixels = np.asarray(image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (2000, 1400)
    text_column, side_column = pixels[:, : int(1400 * 0.58)], pixels[:, int(1400 * 0.6) :]
    colours = speaker_colours(record)
    top, second = sorted(
        colours, key=lambda n: -sum((q.get("speaker") or {}).get("name") == n for q in record["quotes"])
    )[:2]
    assert colour_pixels(text_column, colours[top]) > 20_000  # the most quoted speaker's quotes fill lines
    assert colour_pixels(text_column, colours[second]) > 2_000
    assert colour_pixels(text_column, "#2b8a3e") > 500  # treaty mentions boxed in green
    assert colour_pixels(text_column, "#c92a2a") > 500  # dates underlined and tagged in red
    assert colour_pixels(side_column, colours[top]) > 500  # speaker chips in the legend and the quotes table
    assert colour_pixels(side_column, colours[top]) < colour_pixels(text_column, colours[top])
