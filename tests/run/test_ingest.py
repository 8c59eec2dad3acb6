"""Stage 1, ingest: files in, articles (or one clear error per bad input) out. No model needed."""

from __future__ import annotations

import json
import warnings

import pytest

from pipeline.errors import ClaimsError
from pipeline.run.ingest import Article, iter_input_files, parse_date, read_articles

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Russia suspends the INF Treaty</title>
<script>var tracking = "“not a quote,” said the script";</script>
<style>body { color: red; }</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li></ul></nav>
<article>
<h1>Russia suspends the INF Treaty</h1>
<p>Moscow said on Saturday that it was suspending the Intermediate-Range Nuclear Forces Treaty,
mirroring a move announced by Washington a day earlier.</p>
<p>“We will respond in kind,” Sergey Lavrov told reporters in Moscow after a meeting with Vladimir
Putin, adding that Russia would not deploy new missiles unless the United States did.</p>
<p>The 1987 treaty banned ground-launched missiles with ranges between 500 and 5,500 kilometres and
was long seen as a cornerstone of arms control between the two powers.</p>
</article>
<footer><p>Copyright 2019 Example News. All rights reserved. Subscribe to our newsletter.</p></footer>
</body></html>
"""


def _read(paths, date=None) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        items = list(read_articles([str(p) for p in paths], date))
    return items, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    "encoding,text",
    [
        ("cp1252", "\u201cWe will respond,\u201d Lavrov said \u2013 of the INF Treaty.\n"),
        ("latin-1", "\u00ab Nous r\u00e9pondrons \u00bb, a dit Lavrov. Caf\u00e9 cr\u00e8me.\n"),
        ("utf-16", "\u201eWir antworten\u201c, sagte Lawrow.\n"),
    ],
)
def test_ingest_decodes_legacy_encodings_with_a_warning(tmp_path, encoding, text):
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    [article], caught = _read([path])
    assert isinstance(article, Article)
    assert article.text == text
    if encoding != "utf-16":
        assert any("not valid UTF-8" in w for w in caught)


@pytest.mark.parametrize(
    "name,data,code",
    [
        ("empty.txt", b"", "EmptyFile"),
        ("blank.txt", b" \n\n\t\n", "EmptyFile"),
        ("binary.txt", bytes(range(256)) * 20, "BinaryFile"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200, "BinaryFile"),
        ("doc.pdf", b"%PDF-1.4 text", "UnsupportedType"),
    ],
)
def test_ingest_refuses_a_bad_file_by_name(tmp_path, name, data, code):
    path = tmp_path / name
    path.write_bytes(data)
    [err], _ = _read([path])
    assert isinstance(err, ClaimsError)
    assert err.code == code and err.path == str(path) and err.stage == "ingest"


@pytest.mark.parametrize("name", ["missing.txt", "missing-folder", "missing.jsonl"])
def test_ingest_missing_path_is_an_error_not_an_exception(tmp_path, name):
    [err], _ = _read([tmp_path / name])
    assert isinstance(err, ClaimsError) and err.code == "FileNotFound"
    assert err.path.endswith(name)


@pytest.mark.parametrize("page", [HTML_PAGE])
def test_ingest_html_keeps_the_article_and_drops_scripts_navigation_and_footer(tmp_path, page):
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    [article], _ = _read([path])
    assert isinstance(article, Article), article
    assert "We will respond in kind" in article.text
    assert article.text.startswith("Russia suspends the INF Treaty")
    for noise in ("tracking", "color: red", "World news menu", "Copyright", "newsletter"):
        assert noise not in article.text


@pytest.mark.parametrize(
    "lines,expected",
    [
        (
            [
                '{"id": "ok", "text": "Putin spoke."}',
                '{"id": "no-text", "meta": {}}',
                "{not json",
                '{"text": "   "}',
                '{"text": "Fine.", "meta": ["not", "an", "object"]}',
                '["a list"]',
                '{"text": "Last one.", "meta": {"date": "2019-02-03"}}',
            ],
            ["ok", "MissingText", "BadJSON", "MissingText", "BadMetadata", "MissingText", "records-7"],
        )
    ],
)
def test_ingest_jsonl_reads_good_lines_and_names_each_bad_one(tmp_path, lines, expected):
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, _ = _read([path])
    got = [i.id if isinstance(i, Article) else i.code for i in items]
    assert got == expected
    bad = [i for i in items if isinstance(i, ClaimsError)]
    assert [e.path for e in bad] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6)]


@pytest.mark.parametrize(
    "sidecar,code",
    [
        ("{not json", "BadMetadata"),
        ('["a", "list"]', "BadMetadata"),
        ('{"date": "3 February"}', "BadDate"),
        ('{"date": "2019-02-30"}', "BadDate"),
        ('{"title": ["a", "list"]}', "BadMetadata"),
    ],
)
def test_ingest_bad_sidecar_fails_its_article_only(tmp_path, sidecar, code):
    (tmp_path / "a.txt").write_text("Putin spoke.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(sidecar, encoding="utf-8")
    (tmp_path / "b.txt").write_text("Lavrov spoke.\n", encoding="utf-8")
    items, _ = _read([tmp_path])
    assert isinstance(items[0], ClaimsError) and items[0].code == code
    assert items[0].path == str(tmp_path / "a.txt")
    assert isinstance(items[1], Article) and items[1].id == "b"


@pytest.mark.parametrize("sidecar", [{"title": "T", "author": "A. Writer", "date": 2019, "url": None}])
def test_ingest_sidecar_numbers_become_text(tmp_path, sidecar):
    (tmp_path / "a.txt").write_text("Putin spoke.\n", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text(json.dumps(sidecar), encoding="utf-8")
    [article], _ = _read([tmp_path])
    assert article.meta["date"] == "2019" and article.meta["author"] == "A. Writer"


@pytest.mark.parametrize("count", [3000])
def test_ingest_directory_of_thousands_of_small_files_streams_in_order(tmp_path, count):
    for i in range(count):
        (tmp_path / f"n{i:05d}.txt").write_text(f"Note {i}: Putin spoke.\n", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("ignored", encoding="utf-8")
    items = read_articles([tmp_path])
    first = next(items)
    assert first.id == "n00000"
    rest = list(items)
    assert len(rest) == count - 1 and rest[-1].id == f"n{count - 1:05d}"


@pytest.mark.parametrize("twice", [["DIR", "DIR/a.txt"], ["DIR/a.txt", "DIR/./a.txt"]])
def test_ingest_file_named_twice_is_read_once(tmp_path, twice):
    (tmp_path / "a.txt").write_text("Putin spoke.\n", encoding="utf-8")
    files = list(iter_input_files([p.replace("DIR", str(tmp_path)) for p in twice]))
    assert len(files) == 1


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2019", "2019"),
        ("2019-02", "2019-02"),
        ("2019-02-03", "2019-02-03"),
        ("2019-02-03T10:00:00Z", "2019-02-03"),
        (None, None),
        ("", None),
    ],
)
def test_ingest_parse_date_normalises(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["Feb 3", "2019-13-01", "2019-02-30", "19-02-03"])
def test_ingest_parse_date_refuses(value):
    with pytest.raises(ClaimsError):
        parse_date(value)
