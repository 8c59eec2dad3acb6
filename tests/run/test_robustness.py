"""Robustness: every bad input gets one clear error, every good one comes out whole, invariants hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import cli
from pipeline.errors import ClaimsError
from pipeline.record.build import validate
from pipeline.record.io import errors_path
from pipeline.run.ingest import Article
from pipeline.run.runner import CHUNK_CHARS, chunk_spans
from pipeline.stages.segment import find_segments

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "000_9d0255c7079ac9ce.txt"
# The seed's body ends here (shared/seed/gold.json: body_end); after it comes site boilerplate.
SEED_BODY_END = 8676
SEED_META = {"title": None, "author": "Stephen Lendman", "date": "2019-02-03", "url": None}

PAGE = """<html><head><title>Lavrov on the INF Treaty</title><script>var q = "“no quote,” said code";</script>
</head><body><nav><a href="/">Home</a> | <a href="/world">World section menu</a></nav>
<article><h1>Lavrov on the INF Treaty</h1>
<p>Russia will respond in kind to the American withdrawal from the treaty, officials in Moscow said on Saturday
after a long meeting of the security council.</p>
<p>“We will respond in kind,” Sergey Lavrov told reporters after the meeting with President Vladimir Putin.</p>
</article><footer>© 2019 Example News. All rights reserved. Subscribe to our newsletter.</footer></body></html>
"""
MARKS = {
    "straight.txt": 'Talks\n\n"We will respond in kind," Lavrov said. "It is a violation," Putin added.\n',
    "unbalanced.txt": "Talks\n\n“We will respond in kind, Lavrov said of the treaty.\n\n"
    "Putin said ”nothing” and “then “more.\n",
    "guillemets.txt": "Talks\n\n«We will respond in kind», Lavrov said.\n",
    "german.txt": "Talks\n\nPutin said: „This is a violation of the treaty.“\n",
    "single.txt": "Talks\n\n‘We will respond in kind,’ Lavrov said. It’s the ‘rules’.\n",
}


def seed_body() -> str:
    return SEED.read_text(encoding="utf-8")[:SEED_BODY_END].rstrip() + "\n"


def repeated_seed(size: int) -> str:
    """The seed's title and body, then its body again and again, to at least `size` characters."""
    text = seed_body()
    title_end = text.index("\n\n") + 2
    body = text[title_end:]
    copies = -(-(size - title_end) // len(body))
    return text[:title_end] + "\n".join([body] * copies)


def spans_of(node, path="record"):
    """Every dict with start/end/text under `node`, with where it is."""
    if isinstance(node, dict):
        if {"start", "end", "text"} <= node.keys():
            yield path, node
        for k, v in node.items():
            if k != "text":
                yield from spans_of(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from spans_of(v, f"{path}[{i}]")


def check_invariants(record: dict) -> None:
    """Spans index the text; item ids are unique; the record validates against the schema."""
    text = record["text"]
    for where, span in spans_of({k: v for k, v in record.items() if k != "text"}):
        assert 0 <= span["start"] <= span["end"] <= len(text), where
        assert span["text"] == text[span["start"] : span["end"]], where
    for seg in record.get("segments") or []:
        assert 0 <= seg["start"] <= seg["end"] <= len(text)
    ids = [x["id"] for key in ("quotes", "treaties") for x in record.get(key) or []]
    assert len(ids) == len(set(ids))
    validate(record)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def make_acceptance_folder(root: Path, small_files: int) -> tuple[Path, set[str], set[str]]:
    """A folder of every kind of input; returns it, the ids that must come out, the files that must fail."""
    folder = root / "inputs"
    folder.mkdir()
    good = set()

    def add(name: str, data: bytes | str) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        if not name.endswith((".meta.json", ".jsonl")):
            good.add(Path(name).stem)

    add("seed.txt", seed_body())
    add(
        "cp1252.txt",
        "Talks\n\n“We will respond in kind,” Lavrov said – of the INF Treaty.\n".encode("cp1252"),
    )
    add("latin1.txt", "Pourparlers\n\n« Nous répondrons », a dit Lavrov à Moscou.\n".encode("latin-1"))
    add("page.html", PAGE)
    add("long.txt", repeated_seed(CHUNK_CHARS + 60_000))  # cut into chunks like a 2 MB one
    for name, text in MARKS.items():
        add(name, text)
    for i in range(small_files):
        add(f"many/n{i:04d}.txt", f"Note {i}\n\n“Fine,” Putin said.\n")
    add("records.jsonl", '{"id": "rec-ok", "text": "“Yes,” Lavrov said."}\n{"id": "rec-bad", "meta": {}}\n')
    good.add("rec-ok")
    add("dated.txt", "Talks\n\nLavrov spoke.\n")
    add("dated.meta.json", '{"title": "Talks", "date": "2019-02-03"}')
    bad = {"empty.txt", "binary.txt", "sidecar.txt", "records.jsonl:2", "missing.txt"}
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "sidecar.txt").write_text("Talks\n\nLavrov spoke.\n", encoding="utf-8")
    (folder / "sidecar.meta.json").write_text('{"title": "Talks", "date": ', encoding="utf-8")
    return folder, good, bad


@pytest.mark.model
@pytest.mark.parametrize("small_files", [2000])
def test_robustness_acceptance_folder(tmp_path, small_files):
    folder, good, bad = make_acceptance_folder(tmp_path, small_files)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["run", str(folder), str(folder / "missing.txt"), "-o", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    records = _lines(out)
    assert {r["id"] for r in records} == good
    errors = _lines(tmp_path / "out.errors.jsonl")
    assert {Path(e["path"]).name for e in errors} == bad
    for e in errors:
        assert e["stage"] and e["error_type"] and e["message"]
        # One line on stderr names the file.
        assert sum(e["path"] in line for line in result.output.splitlines()) == 1
    for record in records:
        if not record["id"].startswith("n"):
            check_invariants(record)
    by_id = {r["id"]: r for r in records}
    assert "We will respond in kind" in by_id["cp1252"]["text"] and "«" in by_id["latin1"]["text"]
    assert "no quote" not in by_id["page"]["text"] and "newsletter" not in by_id["page"]["text"]
    assert by_id["dated"]["meta"]["date"] == "2019-02-03"
    assert len(by_id["long"]["text"]) > CHUNK_CHARS


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(MARKS))
def test_robustness_quotation_marks_of_every_kind(annotate, name):
    record = annotate(MARKS[name])
    check_invariants(record)
    if name != "unbalanced.txt":
        assert any(q["kind"] == "direct" and q["speaker"] for q in record["quotes"]), record["quotes"]


@pytest.mark.parametrize("size", [2_100_000])
def test_robustness_two_megabyte_article_is_cut_at_paragraphs(size):
    text = repeated_seed(size)
    assert len(text) > 2_000_000
    segments = find_segments(text, {})
    chunks = chunk_spans(text, segments, CHUNK_CHARS)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(text)
    # Between two chunks there is only the blank line that separates their paragraphs.
    assert all(
        not text[a_end:b_start].strip() for (_, a_end), (b_start, _) in zip(chunks, chunks[1:], strict=False)
    )
    assert all(b - a < CHUNK_CHARS for a, b in chunks)
    starts = {s["start"] for s in segments}
    assert all(a in starts for a, _ in chunks)


@pytest.mark.model
@pytest.mark.parametrize("size", [CHUNK_CHARS * 2 + 30_000])
def test_robustness_long_article_has_the_seeds_quote_density(runner, size):
    assert_seed_quote_density(runner, size)


@pytest.mark.model
@pytest.mark.skipif(not os.environ.get("CLAIMS_SLOW_TESTS"), reason="takes minutes: set CLAIMS_SLOW_TESTS=1")
@pytest.mark.parametrize("size", [2_100_000])
def test_robustness_two_megabyte_article_end_to_end(runner, size):
    assert_seed_quote_density(runner, size)


def assert_seed_quote_density(runner, size: int) -> None:
    """The seed repeated to `size` characters: valid throughout, with the seed's quotes per KB."""
    seed = Article(id="seed", source="seed", text=seed_body(), meta=SEED_META)
    big = Article(id="big", source="big", text=repeated_seed(size), meta=SEED_META)
    seed_rec, big_rec = runner.annotate([seed, big])
    check_invariants(big_rec)
    per_kb = [len(r["quotes"]) / (len(r["text"]) / 1000) for r in (seed_rec, big_rec)]
    assert 0.85 <= per_kb[1] / per_kb[0] <= 1.15, per_kb


@pytest.mark.model
@pytest.mark.parametrize("first", ["a-empty.txt"])
def test_robustness_fail_fast_stops_at_the_first_failure(tmp_path, first):
    (tmp_path / first).write_bytes(b"")
    (tmp_path / "b-bad.txt").write_bytes(b"")
    for name in ("c.txt", "d.txt"):
        (tmp_path / name).write_text("Talks\n\n“Fine,” Putin said.\n", encoding="utf-8")
    out = tmp_path / "out" / "o.jsonl"
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "-o", str(out), "--fail-fast", "-q"])
    assert result.exit_code == 1
    errors = _lines(out.with_name("o.errors.jsonl"))
    assert [Path(e["path"]).name for e in errors] == [first]


@pytest.mark.model
@pytest.mark.parametrize("debug,shown", [([], False), (["--debug"], True)])
def test_robustness_traceback_only_with_debug(tmp_path, debug, shown):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "-q", *debug])
    assert result.exit_code == 1
    assert ("Traceback" in result.output) is shown
    assert "empty.txt" in result.output


@pytest.mark.parametrize(
    "content",
    ["not json\n", '{"entry": 1}\n[1, 2]\n', b"\xff\xfe\x00garbage"],
    ids=["text", "list", "binary"],
)
def test_robustness_corrupt_corrections_file_is_one_line_and_exit_1(tmp_path, content):
    corrections = tmp_path / "corrections.jsonl"
    if isinstance(content, bytes):
        corrections.write_bytes(content)
    else:
        corrections.write_text(content, encoding="utf-8")
    (tmp_path / "a.txt").write_text("Talks\n\nPutin spoke.\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "kept"}\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "a.txt"), "-o", str(out), "--corrections", str(corrections)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error:") and "corrections.jsonl" in line
    assert out.read_text(encoding="utf-8") == '{"id": "kept"}\n'


@pytest.mark.model
@pytest.mark.parametrize("model", ["xx_no_such_model", "/nonexistent/model/path"])
def test_robustness_unknown_model_is_one_line_and_exit_1(tmp_path, model):
    (tmp_path / "a.txt").write_text("Talks\n\nPutin spoke.\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--model", model]
    )
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert model in line and "Traceback" not in result.output


@pytest.mark.model
@pytest.mark.parametrize("where", ["under_a_file", "proc"])
def test_robustness_unwritable_output_is_one_line_and_exit_1(tmp_path, where):
    (tmp_path / "a.txt").write_text("Talks\n\nPutin spoke.\n", encoding="utf-8")
    if where == "under_a_file":
        # chmod cannot make a folder read-only for root: a path under a regular file cannot be written either.
        out = tmp_path / "a.txt" / "o.jsonl"
    else:
        out = Path("/proc/claims-test/o.jsonl")
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "a.txt"), "-o", str(out)])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert str(out) in line and "Traceback" not in result.output


@pytest.mark.parametrize("date", ["3 February", "2019-02-30"])
def test_robustness_bad_date_option_is_a_usage_error(tmp_path, date):
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--date", date])
    assert result.exit_code == 2
    assert "YYYY" in result.output and "Traceback" not in result.output


# ---- invariants over generated texts ---------------------------------------------------------------
MARK_CHARS = list("“”‘’«»„‚‹›\"'`") + ["''", "``", " – ", "—"]
WORDS = [
    "Putin",
    "Lavrov",
    "said",
    "the",
    "treaty",
    "INF",
    "Treaty",
    "New START",
    "in",
    "1987",
    "2019",
    "last",
    "October",
    "according",
    "to",
    "he",
    "she",
    "told",
    "reporters",
    "Russia",
    "violation",
    ",",
    ".",
    ":",
    "é",
    "ß",
    "Ж",
    "中文",
    "🙂",
    "\u00a0",
    "\u200b",
    "\t",
]
piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(MARK_CHARS), st.text(min_size=1, max_size=6))
paragraph = st.lists(piece, min_size=0, max_size=60).map(" ".join)
long_paragraph = st.lists(st.sampled_from(WORDS + MARK_CHARS), min_size=400, max_size=1500).map(" ".join)
separator = st.sampled_from(["\n\n", "\n", "\n\n\n", "\n \n", "\r\n\r\n", "\n\n\n\n"])
texts = st.lists(
    st.tuples(st.one_of(paragraph, paragraph, long_paragraph, st.just("")), separator), min_size=1, max_size=8
).map(lambda parts: "".join(p + s for p, s in parts))


@pytest.mark.model
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(text=texts, date=st.sampled_from([None, "2019", "2019-02-03"]))
def test_robustness_invariants_hold_for_generated_texts(runner, text, date):
    if not text.strip():
        text = "x" + text
    meta = {"title": None, "author": None, "date": date, "url": None}
    [record] = list(runner.annotate([Article(id="gen", source="generated", text=text, meta=meta)]))
    assert not isinstance(record, ClaimsError), f"{record}\n{getattr(record, 'traceback', '')}"
    assert record["text"] == text
    check_invariants(record)


@pytest.mark.parametrize(
    "unit,cut_after",
    [
        ("Lavrov said the treaty is dead. ", ". "),  # sentences, no paragraph break
        ("“It is dead,” he said! And then ", "! "),
        ("word ", " "),  # no sentence end: cut at whitespace
    ],
)
def test_robustness_text_without_breaks_is_cut_at_boundaries(unit, cut_after):
    text = unit * (3 * CHUNK_CHARS // len(unit))
    chunks = chunk_spans(text, find_segments(text, {}), CHUNK_CHARS)
    assert len(chunks) >= 3 and chunks[0][0] == 0 and chunks[-1][1] == len(text)
    assert all(a_end == b_start for (_, a_end), (b_start, _) in zip(chunks, chunks[1:], strict=False))
    assert all(b - a < CHUNK_CHARS for a, b in chunks)
    assert all(text[:b].endswith(cut_after) for _, b in chunks[:-1])


def test_robustness_unbroken_run_of_characters_is_cut_hard():
    text = "x" * (2 * CHUNK_CHARS + 10)
    chunks = chunk_spans(text, [{"start": 0, "end": len(text), "kind": "body"}], CHUNK_CHARS)
    assert [b - a for a, b in chunks] == [CHUNK_CHARS - 1, CHUNK_CHARS - 1, 12]


@pytest.mark.model
@pytest.mark.parametrize("limit", [500])
def test_robustness_article_over_max_chars_is_an_error_record_and_the_batch_goes_on(tmp_path, limit):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-long.txt").write_text("Talks\n\n" + "Lavrov said it. " * 100, encoding="utf-8")
    (folder / "b-short.txt").write_text(MARKS["straight.txt"], encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(out), "--max-chars", str(limit)])
    assert result.exit_code == 1 and "more than --max-chars 500" in result.output
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["b-short"]
    [error] = [json.loads(line) for line in errors_path(out).read_text(encoding="utf-8").splitlines()]
    assert error["error_type"] == "TooLong" and error["path"].endswith("a-long.txt")


LONG_TALKS = "Talks\n\n" + "\n\n".join(
    f'"We will respond in kind on point {i}," Lavrov said. Washington denied it.' for i in range(12)
)


@pytest.fixture
def small_chunks(runner, monkeypatch):
    """The session runner cutting texts into 200-character chunks, so a short text is a long article."""
    monkeypatch.setattr(runner, "chunk_chars", 200)
    return runner


def with_budget(runner, monkeypatch, seconds: float):
    from dataclasses import replace

    monkeypatch.setattr(runner, "config", replace(runner.config, max_seconds=seconds))


@pytest.mark.model
def test_robustness_article_over_max_seconds_is_an_error_record_and_the_batch_goes_on(
    small_chunks, monkeypatch
):
    with_budget(small_chunks, monkeypatch, 1e-6)
    long = Article(id="long", source="long.txt", text=LONG_TALKS, meta=SEED_META)
    short = Article(id="short", source="short.txt", text=MARKS["straight.txt"], meta=SEED_META)
    error, record = small_chunks.annotate([long, short])
    assert isinstance(error, ClaimsError) and error.code == "TooSlow" and error.path == "long.txt"
    total = len(chunk_spans(LONG_TALKS, find_segments(LONG_TALKS, {}), 200))
    # The first chunk is always done; the clock stops the article before the second.
    assert total > 1 and f"(1 of {total} chunks" in str(error) and "--max-seconds" in str(error)
    assert record["id"] == "short" and record["quotes"]


@pytest.mark.model
def test_robustness_no_time_budget_annotates_every_chunk(small_chunks, monkeypatch):
    with_budget(small_chunks, monkeypatch, 0)
    [record] = small_chunks.annotate([Article(id="long", source="long.txt", text=LONG_TALKS, meta=SEED_META)])
    check_invariants(record)
    direct = [q for q in record["quotes"] if q["kind"] == "direct"]
    # One quote per paragraph, over six chunks, with its offsets in the whole text.
    assert len(direct) == 12
    assert all(record["text"][q["start"] : q["end"]].startswith('"We will respond') for q in direct)


def test_robustness_max_seconds_is_a_run_option():
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert "--max-seconds" in result.output and "600" in result.output
