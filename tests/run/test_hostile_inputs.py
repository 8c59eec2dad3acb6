"""Input readers never crash on hostile files: every `.jsonl` line and `.meta.json` sidecar is an
`Article` or a `ClaimsError` naming the file (and line), never an exception, and one bad line does not
stop the lines after it."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import ClaimsError
from pipeline.run.ingest import Article, read_articles

EXAMPLES = 80
FUZZ = settings(max_examples=EXAMPLES, deadline=None)

SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "2019-02-03", "2019-13-45", "../../x", "a/b\\c", "\x00", "\ud800"]),
    st.text(max_size=10),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
META = st.dictionaries(st.sampled_from(["title", "author", "date", "url", "other"]), VALUE, max_size=5)
RECORD = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(st.text(max_size=30), VALUE),
        "meta": st.one_of(META, VALUE),
        "id": st.one_of(st.sampled_from(["../../etc/passwd", "a/b", "", "x" * 200]), VALUE),
        "source": VALUE,
    },
)
LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=20).filter(lambda b: b"\n" not in b),
)


def _read_all(paths) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(read_articles(paths))


def _check(item, path: Path) -> None:
    if isinstance(item, ClaimsError):
        assert item.message and str(path) in item.path
        return
    assert isinstance(item, Article) and isinstance(item.text, str) and item.text.strip()
    for key in ("title", "author", "date", "url"):
        assert item.meta.get(key) is None or isinstance(item.meta[key], str)


@FUZZ
@given(lines=st.lists(LINE, min_size=1, max_size=5))
def test_hostile_jsonl_lines_are_articles_or_errors(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.jsonl"
        good = json.dumps({"text": "A last good line.", "id": "last"}).encode()
        path.write_bytes(b"\n".join([*lines, good]) + b"\n")
        items = _read_all([path])
    for item in items:
        _check(item, path)
    assert isinstance(items[-1], Article) and items[-1].id == "last"  # the bad lines stopped nothing


@FUZZ
@given(meta=st.one_of(META, VALUE), raw=st.one_of(st.none(), st.binary(max_size=20)))
def test_hostile_meta_sidecar_is_an_article_or_an_error(meta, raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.txt"
        path.write_text("Title\n\nSomebody said something.\n", encoding="utf-8")
        body = (
            raw if raw is not None else json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass")
        )
        (Path(tmp) / "a.meta.json").write_bytes(body)
        [item] = _read_all([path])
    _check(item, path)
