"""Importers never crash on hostile files: each generated input is a clean `ClaimsError` or a correct
import, an import is all or nothing, and the store stays one a run can apply.

Every case starts from a real export of the small record (brat folder, Label Studio JSON) and
breaks it: a value anywhere in the JSON replaced by a wrong type, a huge or negative number, a
path-like id; a key removed; `.ann` lines added with offsets out of range or reversed, unknown
labels, relations to missing ids, duplicate ids; bytes that are not UTF-8.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import cli
from pipeline.errors import ClaimsError
from pipeline.review import export_brat, export_labelstudio, import_reviews, load_corrections
from pipeline.review.store import latest_by_article, read_entries

from .conftest import build_small_record
from .helpers import labelstudio_export

EXAMPLES = 80
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
RECORD = build_small_record()

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([0, -1, 10**12, 2**63, 1e308, float("nan")]),
    st.sampled_from(
        ["", "../../etc/passwd", "a/b\\c:d", "T1", "q-000000000000", "Quote", "Speaker", "x" * 300]
    ),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["start", "end", "id", "text", "labels"]), st.integers(), max_size=3),
)


def _paths(value, prefix=()):
    """Every (path, value) in a JSON tree."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def broken_json(draw, doc):
    """`doc` with one to three places replaced by a hostile value or removed."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(HOSTILE)
    return doc


def _dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _seeded_store(folder: Path) -> Path:
    """A store holding one earlier, valid review (so we can see that a failed import leaves it alone)."""
    export = folder / "first"
    export_brat([RECORD], export)
    store = folder / "corrections.jsonl"
    import_reviews(export, store)
    return store


def check_import(source: Path, store: Path) -> None:
    """Import `source`: a clean error and an untouched store, or an import the store can apply."""
    before = store.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import_reviews(source, store)
        except ClaimsError as err:
            assert err.message and "\n" not in err.message
            assert store.read_bytes() == before, "a refused import wrote to the store"
        states = latest_by_article(read_entries(store))
        applied = load_corrections(store)(copy.deepcopy(RECORD))
    assert set(states) <= {RECORD["id"]} | {e["article"] for e in read_entries(store)}
    assert applied["text"] == RECORD["text"]
    for q in applied.get("quotes") or []:
        assert 0 <= q["start"] <= q["end"] <= len(RECORD["text"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """The brat folder and the Label Studio export (with one annotation per task) of the small record."""
    root = tmp_path_factory.mktemp("exports")
    export_brat([RECORD], root / "brat")
    tasks, _ = export_labelstudio([RECORD], root / "tasks.json")
    labelstudio_export(tasks, root / "reviewed.json")
    return root


@FUZZ
@given(data=st.data())
def test_hostile_labelstudio_json_is_refused_or_imported(exports, data):
    tasks = json.loads((exports / "reviewed.json").read_text(encoding="utf-8"))
    doc = data.draw(st.one_of(broken_json(tasks), st.just(tasks[0]), st.just([{"data": {"text": 5}}])))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "export.json"
        source.write_bytes(_dump(doc))
        check_import(source, _seeded_store(Path(tmp)))


ANN_LINE = st.one_of(
    st.builds(
        "T{}\t{} {} {}\t{}".format,
        st.sampled_from([1, 2, 99, "x/../y"]),
        st.sampled_from(["Quote", "Speaker", "Cue", "Treaty", "Date", "Unknown"]),
        st.integers(-3, 10**12),
        st.integers(-3, 400),
        st.text(max_size=5),
    ),
    st.builds(
        "R{}\t{} Arg1:{} Arg2:{}".format,
        st.integers(1, 99),
        st.sampled_from(["Said", "Cue", "Dated", "Other"]),
        st.sampled_from(["T1", "T2", "T999", "R1"]),
        st.sampled_from(["T1", "T3", "T404"]),
    ),
    st.builds(
        "A{}\t{} {} {}".format,
        st.integers(1, 99),
        st.sampled_from(["Kind", "Event", "Bogus"]),
        st.sampled_from(["T1", "T777"]),
        st.sampled_from(["direct", "signed", "??", ""]),
    ),
    st.builds(
        "#{}\tAnnotatorNotes {}\t{}".format,
        st.integers(1, 99),
        st.sampled_from(["T1", "T2", "T888"]),
        st.sampled_from(["id=q-000000000000", "id=../x", "name=", "value=99999-99-99", "treaty=a/b"]),
    ),
    st.text(max_size=12),
)


@FUZZ
@given(
    lines=st.lists(ANN_LINE, min_size=1, max_size=4),
    drop=st.booleans(),
    raw=st.one_of(st.none(), st.binary(min_size=1, max_size=12)),
    which=st.sampled_from(["ann", "txt", "sidecar"]),
)
def test_hostile_brat_folder_is_refused_or_imported(exports, lines, drop, raw, which):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "brat"
        shutil.copytree(exports / "brat", folder)
        ann = folder / "small.ann"
        old = ann.read_text(encoding="utf-8").splitlines()
        ann.write_text("\n".join((old[1:] if drop else old) + lines) + "\n", encoding="utf-8")
        if raw is not None:
            # Bytes that need not be UTF-8, in place of (or after) one of the three files.
            target = {"ann": ann, "txt": folder / "small.txt", "sidecar": folder / ".claims" / "small.json"}
            with open(target[which], "ab") as fh:
                fh.write(raw)
        check_import(folder, _seeded_store(Path(tmp)))


@FUZZ
@given(data=st.data())
def test_hostile_brat_sidecar_is_refused_or_imported(exports, data):
    sidecar = json.loads((exports / "brat" / ".claims" / "small.json").read_text(encoding="utf-8"))
    doc = data.draw(broken_json(sidecar))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "brat"
        shutil.copytree(exports / "brat", folder)
        (folder / ".claims" / "small.json").write_bytes(_dump(doc))
        check_import(folder, _seeded_store(Path(tmp)))


@FUZZ
@given(data=st.data(), raw=st.one_of(st.none(), st.binary(min_size=1, max_size=8)))
def test_hostile_corrections_store_is_refused_or_applied(exports, data, raw):
    with tempfile.TemporaryDirectory() as tmp:
        store = _seeded_store(Path(tmp))
        entries = [json.loads(line) for line in store.read_text(encoding="utf-8").splitlines()]
        n = data.draw(st.integers(0, len(entries) - 1))
        entries[n] = data.draw(broken_json(entries[n]))
        body = b"".join(_dump(e) + b"\n" for e in entries) + (raw or b"")
        store.write_bytes(body)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                apply = load_corrections(store)
            except ClaimsError as err:
                assert "corrections file" in err.message and "line" in err.message
                return
            record = apply(copy.deepcopy(RECORD))
        assert record["id"] == RECORD["id"]


@pytest.mark.parametrize(
    "content,needle",
    [
        ('[{"data": {"text": 5}, "annotations": "x"}]', "task 0: 'annotations' must be a list"),
        ('[{"data": {"text": 5}, "annotations": [{"result": []}]}]', "data.text must be a string"),
        ('[{"id": 3, "text": "a", "annotator": 1, "annotation_id": 4, "quote": []}]', "choose 'JSON'"),
    ],
)
def test_hostile_labelstudio_cli_gets_one_coded_line(tmp_path, content, needle):
    source = tmp_path / "export.json"
    source.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["review", "import", str(source), "--into", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 1 and needle in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert not (tmp_path / "c.jsonl").exists()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_hostile_inception_zip_round_trips(exports, tmp_path):
    # The ZIP in its export's inception/ folder: what was exported comes from the .claims sidecar.
    folder = tmp_path / "brat"
    shutil.copytree(exports / "brat", folder)
    report = import_reviews(folder / "inception" / "small.zip", tmp_path / "c.jsonl")
    assert report.written and report.actions["keep"] > 0 and not report.actions["change"]


@FUZZ
@given(
    names=st.lists(
        st.sampled_from(["small.ann", "small.txt", "../../small.ann", "/abs/small.txt", "a\\b.ann", "x/"]),
        min_size=1,
        max_size=4,
    ),
    lines=st.lists(ANN_LINE, max_size=3),
    raw=st.one_of(st.none(), st.binary(max_size=30)),
)
def test_hostile_inception_zip_is_refused_or_imported(exports, names, lines, raw):
    ann = (exports / "brat" / "small.ann").read_bytes() + "\n".join(lines).encode("utf-8")
    txt = (exports / "brat" / "small.txt").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "inception" / "small.zip"
        source.parent.mkdir()
        shutil.copytree(exports / "brat" / ".claims", Path(tmp) / ".claims")
        if raw is not None and names[0] == "x/":
            source.write_bytes(raw)  # not a ZIP at all
        else:
            _zip(source, {n: (ann if n.endswith(".ann") else txt) + (raw or b"") for n in names})
        check_import(source, _seeded_store(Path(tmp) / "store"))
        assert not any(Path(tmp).parent.glob("small.ann"))  # nothing unpacked outside its folder
