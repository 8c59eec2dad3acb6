"""Tests for pipeline.report: the corpus page on hand-made records, the seed run and a large synthetic run."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.report import (
    TimeAxis,
    build_report,
    read_run,
    report,
    speaker_treaty_matrix,
    timeline_events,
    write_atomic,
)
from pipeline.report.timeline import _place_labels
from tests.browser import CHROMIUM, run_chromium

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("treaties", "timeline", "matrix", "speakers", "articles")
SEED_INF_EVENTS = {"1987 signed", "2018-10 withdrawal", "2019-02-01 withdrawal"}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seed_report(seed_output, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed-report") / "report.html"
    result = CliRunner().invoke(report, [str(seed_output), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def at(text: str, part: str, nth: int = 0) -> dict:
    """The span of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return {"start": start, "end": start + len(part), "text": part}


SENTENCES = [
    "In 1987, the INF Treaty was signed.",
    "Last October, the US said it would leave the INF Treaty.",
    '"The treaty is dead," Lavrov said.',
    '"We comply," Shoigu said.',
    '"It is a landmark," said a diplomat.',
]
TEXT = " ".join(SENTENCES)


def handmade_record(art: str = "a1", published: str = "2019-02-03") -> dict:
    """A small record with two dated INF events, three quotes (one unattributed) and sentences."""
    sentences = [{**at(TEXT, s), "speaker": None} for s in SENTENCES]

    def mention(nth, value, date_part, event):
        span = at(TEXT, "the INF Treaty", nth)
        return {
            **span,
            "id": f"t-{art}-{nth}",
            "treaty": "inf",
            "name": "Intermediate-Range Nuclear Forces Treaty",
            "how": "name",
            "event": event,
            "dates": [{**at(TEXT, date_part), "value": value, "event": event}],
        }

    def quote(part, speaker, treaties):
        spk = {**at(TEXT, speaker), "name": speaker} if speaker else None
        return {
            **at(TEXT, part),
            "id": f"q-{art}-{part[:6]}",
            "kind": "direct",
            "speaker": spk,
            "cue": None,
            "treaties": treaties,
            "dates": [],
        }

    return {
        "id": art,
        "source": f"{art}.txt",
        "text": TEXT,
        "meta": {"title": f"Article {art}", "date": published},
        "model": "test",
        "schema_version": "1.0",
        "pipeline_version": "0",
        "sentences": sentences,
        "treaties": [
            mention(0, "1987", "1987", "signed"),
            mention(1, "2018-10", "Last October", "withdrawal"),
        ],
        "quotes": [
            quote('"The treaty is dead,"', "Lavrov", ["inf"]),
            quote('"We comply,"', "Shoigu", []),
            quote('"It is a landmark,"', None, ["inf"]),
        ],
    }


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def synthetic_run(seed: dict, n: int, path: Path) -> Path:
    """`n` small records made from the seed record: its text cut to the first sentences, speakers,
    treaties and years varied so that the run has thousands of speakers, dozens of treaties and
    hundreds of distinct dated events (no spaCy involved)."""
    cut = max(s["end"] for s in seed["sentences"] if s["end"] <= 2400)
    base = copy.deepcopy(seed)
    base["text"] = seed["text"][:cut]
    for key in ("sentences", "treaties", "quotes", "dates"):
        base[key] = [x for x in seed.get(key) or [] if x["end"] <= cut]
    base["speakers"], base["segments"] = [], []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            rec = copy.deepcopy(base)
            rec["id"] = f"syn-{i:05d}"
            rec["meta"] = {
                "title": f"Synthetic article {i}",
                "date": f"{2010 + i % 10}-0{1 + i % 9}-1{i % 10}",
            }
            for q in rec["quotes"]:
                if q["speaker"]:
                    q["speaker"]["name"] += f" {i % 800}"
                q["treaties"] = [f"{t}-{i % 30}" for t in q["treaties"]]
            for m in rec["treaties"]:
                m["treaty"] = f"{m['treaty']}-{i % 30}"
                m["name"] = f"{m['name']} no. {i % 30}"
                for d in m["dates"]:
                    d["value"] = str(int(d["value"][:4]) - i % 37) + d["value"][4:]
            fh.write(json.dumps(rec) + "\n")
    return path


# --- the tables and the layout, without the model -----------------------------------------------


@pytest.mark.parametrize(("published", "expected"), [("2019-02-03", {"1987 signed", "2018-10 withdrawal"})])
def test_report_timeline_events_groups_mentions_per_treaty_date_and_event(tmp_path, published, expected):
    run = write_jsonl(
        tmp_path / "run.jsonl", [handmade_record("a1", published), handmade_record("a2", published)]
    )
    events = timeline_events(read_run(run).events)
    assert set(events["label"]) == expected
    assert events["articles"].tolist() == [2, 2]
    assert events["mentions"].tolist() == [2, 2]


@pytest.mark.parametrize("source", ["corpus", "frames"])
def test_report_matrix_counts_quotes_touching_each_treaty(tmp_path, source):
    import pipeline

    run = write_jsonl(tmp_path / "run.jsonl", [handmade_record("a1"), handmade_record("a2")])
    quotes = read_run(run).quotes if source == "corpus" else pipeline.load(run).quotes
    matrix = speaker_treaty_matrix(quotes)
    assert matrix.to_dict() == {"inf": {"Lavrov": 2, "(no speaker)": 2}}


@pytest.mark.parametrize(
    "xs",
    [
        [10, 20, 30, 40, 50],  # a crowded run that must stack
        [600, 610, 618],  # crowded at the right edge: labels hang left
        [5, 300, 305, 590, 600, 612],
        [100, 100, 100],  # one date, three events
    ],
)
def test_report_place_labels_never_overlap_or_cross_a_stem(xs, width=620.0):
    items = [(i, x, 80.0) for i, x in enumerate(xs)]
    placed = _place_labels(items, width, 5)
    assert len(placed) == len(xs)
    boxes = []
    for i, (tier, hangs_left) in placed.items():
        x = xs[i]
        a, b = (x - 80, x - 1) if hangs_left else (x + 1, x + 80)
        assert 0 <= a and b <= width
        boxes.append((tier, a, b, x))
    for tier, a, b, _ in boxes:
        for other_tier, c, d, x in boxes:
            if (a, b) != (c, d):
                assert tier != other_tier or b <= c or d <= a, "two labels of one tier overlap"
            assert not (other_tier > tier and a < x < b), "a stem runs through a label"


@pytest.mark.parametrize(
    ("spans", "gaps"),
    [([(1987, 1988), (2018.75, 2018.84), (2019.08, 2019.09)], 1), ([(2000, 2001), (2003, 2004)], 0)],
)
def test_report_time_axis_squeezes_long_gaps_only(spans, gaps):
    axis = TimeAxis(spans)
    assert len(axis.gaps()) == gaps
    assert axis(2019.08) - axis(2018.75) == pytest.approx(0.33)  # months keep their width
    if gaps:
        assert axis.length < spans[-1][1] - spans[0][0] - 20


def test_report_handmade_run_has_every_section(tmp_path):
    run = write_jsonl(tmp_path / "run.jsonl", [handmade_record("a1"), handmade_record("a2", "2019-03-01")])
    page, stats = build_report(read_run(run))
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert (stats.articles, stats.quotes, stats.speakers, stats.timeline_events) == (2, 6, 2, 2)
    assert "<mark>the INF Treaty</mark>" in page and '<mark class="date">Last October</mark>' in page
    assert not re.search(
        r"""(src|href)=["']?(https?:)?//|<link|@import|url\((?!#)""", page
    )  # nothing to fetch


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file or directory"),
        ("", "the file is empty"),
        ("\n\n", "the file is empty"),
        ('{"id": "a", "text": "x"}\n{not json\n', "line 2: not valid JSON"),
        ('{"id": "a"}\n', "line 1: the record has no 'text' string"),
        ('["a list"]\n', "record line 1: not a JSON object"),
        ('{"id": "a", "text": "x", "quotes": [{"text": "no id"}]}\n', "record line 1: malformed record"),
        (b"\xff\xfe\x00binary", "cannot decode the file as UTF-8"),
        (
            b'{"id": "a", "text": "x"}\n\n{"id": "b", "text": "caf\xe9"}\n',
            "line 3: cannot decode the file as UTF-8",
        ),
        ('{"id": "a", "text": "x"}\n{"id": "b", "text": "cut sh', "line 2: not valid JSON"),
        ("FOLDER", "is a folder; give the JSONL file"),
    ],
)
def test_report_refuses_bad_input_naming_the_file(tmp_path, content, message):
    run = tmp_path / "broken run.jsonl"
    if content == "FOLDER":
        run.mkdir()
    elif isinstance(content, bytes):
        run.write_bytes(content)
    elif content is not None:
        run.write_text(content, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(report, [str(run), "-o", str(out)])
    assert result.exit_code == 1
    assert f"error: {run}: " in result.output and message in result.output
    assert not out.exists()


@pytest.mark.parametrize("gaps", ["\n", "\n\n  \n", "\r\n"])
def test_report_reads_a_run_with_blank_lines_as_without(tmp_path, gaps):
    records = [handmade_record("a1"), handmade_record("a2", "2019-02-04")]
    plain = write_jsonl(tmp_path / "plain.jsonl", records)
    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text(gaps + gaps.join(json.dumps(r) for r in records) + gaps, encoding="utf-8")
    a, b = read_run(plain), read_run(spaced)
    for table in ("quotes", "events", "articles", "treaties"):
        assert getattr(a, table).equals(getattr(b, table))


@pytest.mark.parametrize("old", ["an older page", None])
def test_report_write_atomic_replaces_the_page_and_leaves_no_temp_file(tmp_path, old):
    out = tmp_path / "sub" / "report.html"
    if old:
        out.parent.mkdir()
        out.write_text(old)
    write_atomic(out, "<p>new</p>")
    assert out.read_text() == "<p>new</p>"
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    assert out.stat().st_mode & 0o044  # readable by others, unlike mkstemp's 0600


@pytest.mark.parametrize("output", ["claims.jsonl", "./claims.jsonl"])
def test_report_refuses_to_overwrite_the_run(tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    run = write_jsonl(tmp_path / "claims.jsonl", [handmade_record()])
    before = run.read_text()
    result = CliRunner().invoke(report, [str(run), "-o", output])
    assert result.exit_code == 2 and "is the run itself" in result.output
    assert run.read_text() == before


def test_report_default_output_is_the_run_with_html(tmp_path):
    run = write_jsonl(tmp_path / "claims.jsonl", [handmade_record()])
    result = CliRunner().invoke(report, [str(run)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "claims.html").exists() and "wrote" in result.output


# --- the seed run (model) -------------------------------------------------------------------------


class _TimelineText(HTMLParser):
    """Text of the timeline's SVG labels and of its INF table rows, from a page or a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.depth, self.in_svg, self.row, self.svg_text, self.inf_rows = 0, False, None, [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.depth = self.depth + 1 if self.depth or attrs.get("id") == "timeline" else 0
        if not self.depth:
            return
        self.in_svg = self.in_svg or tag == "svg"
        if tag == "tr" and attrs.get("data-treaty") == "inf":
            self.row = []
        elif tag == "td" and self.row is not None:
            self.row.append("")

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1
        elif tag == "svg":
            self.in_svg = False
        elif tag == "tr" and self.row is not None:
            self.inf_rows.append([" ".join(cell.split()) for cell in self.row])
            self.row = None

    def handle_data(self, data):
        if self.depth and self.in_svg and data.strip():
            self.svg_text.append(data.strip())
        if self.row:
            self.row[-1] += data


def timeline_text(page: str) -> _TimelineText:
    parser = _TimelineText()
    parser.feed(page)
    return parser


@pytest.mark.model
def test_report_seed_timeline_shows_the_inf_events_with_evidence(seed_report):
    page = seed_report.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    found = timeline_text(page)
    assert SEED_INF_EVENTS <= set(found.svg_text)
    evidence = {event: text for _, event, _, text in found.inf_rows}
    assert SEED_INF_EVENTS <= set(evidence)
    assert (
        "Last October, the Trump regime declared its intention to withdraw" in evidence["2018-10 withdrawal"]
    )
    assert "Friday’s US pullout announcement" in evidence["2019-02-01 withdrawal"]
    assert "Gorbachev and Ronald Reagan" in evidence["1987 signed"]
    assert page.count('href="#art-') >= 12  # each piece of evidence links to its article
    assert len(page.encode()) < 300_000


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return run_chromium(tmp_path, *args, check=False)


@pytest.mark.model
@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"headless Chromium not installed ({CHROMIUM}); CI installs it"
)
def test_report_seed_page_renders_in_headless_chromium(seed_report, tmp_path):
    from PIL import Image

    url = seed_report.resolve().as_uri()
    png = tmp_path / "report.png"
    shot = _chromium(tmp_path, f"--screenshot={png}", "--window-size=1400,2400", url)
    assert png.exists(), shot.stderr[-2000:]
    image = Image.open(png).convert("RGB")
    assert image.size == (1400, 2400)
    small = image.resize((140, 240))
    colours = small.getcolors(maxcolors=140 * 240)
    assert len(colours) > 100, "the screenshot is (nearly) blank"
    white = sum(n for n, rgb in colours if min(rgb) > 245)
    assert white < 0.95 * 140 * 240

    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = timeline_text(dom.stdout)
    assert SEED_INF_EVENTS <= set(found.svg_text), found.svg_text
    assert SEED_INF_EVENTS <= {event for _, event, *_ in found.inf_rows}
    assert 'class="pager"' not in dom.stdout.split('id="matrix"')[0]  # 12 events fit on one page


# --- a large run (made from the seed record) --------------------------------------------------------


@pytest.mark.model
def test_report_large_run_stays_under_5_mb_with_every_section(seed_output, tmp_path):
    seed = json.loads(seed_output.read_text(encoding="utf-8").splitlines()[0])
    run = synthetic_run(seed, 3000, tmp_path / "big.jsonl")
    out = tmp_path / "big.html"
    result = CliRunner().invoke(report, [str(run), "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert len(page.encode()) < 5_000_000
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    corpus = read_run(run)
    assert len(corpus.articles) == 3000 and corpus.quotes["speaker"].nunique() > 2000
    # Every cut says what it left out.
    for note in (
        "more speakers",
        "more quotes by",
        "other speakers",
        "rarely reported events are left out",
        "no label for lack of room",
    ):
        assert note in page, note
    assert page.count('<details class="speaker"') == 40
    assert page.count('<tr id="art-') == 3000
