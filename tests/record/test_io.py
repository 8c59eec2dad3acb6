"""The one record reader (pipeline.record.io.read_records): good files, blank lines, and bad files
refused with a numbered error that names the file and the line."""

from __future__ import annotations

import pytest

import pipeline
from pipeline.errors import ClaimsError, RecordError
from pipeline.eval.score import load_predictions
from pipeline.record.io import RecordWriter, numbered_records, read_records
from pipeline.review.items import read_records as review_records

A = '{"id": "a", "text": "One."}'
B = '{"id": "b", "text": "Two.", "quotes": []}'


def write(tmp_path, content: str | bytes | None, name: str = "run.jsonl"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "ids", "lines"),
    [
        (f"{A}\n{B}\n", ["a", "b"], [1, 2]),
        (f"{A}\n{B}", ["a", "b"], [1, 2]),  # no newline after the last record
        (f"\n{A}\n\n  \n{B}\n\n", ["a", "b"], [2, 5]),  # blank and whitespace lines skipped, still counted
        (f"{A}\r\n{B}\r\n", ["a", "b"], [1, 2]),  # written on Windows
        ("", [], []),
        ('{"id": "c", "text": "Ça dit «non»."}\n', ["c"], [1]),
    ],
)
def test_io_read_records_reads_good_files_in_order(tmp_path, content, ids, lines):
    path = write(tmp_path, content)
    assert [r["id"] for r in read_records(path)] == ids
    assert [n for n, _ in numbered_records(path, validate=True)] == lines


@pytest.mark.parametrize(
    ("content", "code", "line", "message"),
    [
        (None, "E001", None, "no such file or directory"),
        (f"{A}\n{{not json\n", "E005", 2, "line 2: not valid JSON (Expecting property name"),
        (f"{A}\n\n{A[:-3]}\n", "E005", 3, "line 3: not valid JSON"),  # a line cut short
        ('["a list"]\n', "E014", 1, "record line 1: not a JSON object"),
        ("42\n", "E014", 1, "record line 1: not a JSON object"),
        (A.encode() + b"\n\xff\xfe\x00binary\n", "E030", 2, "line 2: cannot decode the file as UTF-8"),
        (b'{"id": "a", "text": "caf\xe9"}\n', "E030", 1, "cannot decode the file as UTF-8"),  # latin-1
    ],
)
def test_io_read_records_refuses_a_bad_file_naming_file_and_line(tmp_path, content, code, line, message):
    path = write(tmp_path, content)
    with pytest.raises(RecordError) as err:
        list(read_records(path))
    assert isinstance(err.value, ClaimsError) and isinstance(err.value, ValueError)
    assert (err.value.code, err.value.line, err.value.path) == (code, line, str(path))
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


@pytest.mark.parametrize("stage", ["report", "review"])
def test_io_read_records_refuses_a_folder(tmp_path, stage):
    with pytest.raises(RecordError, match="is a folder") as err:
        list(read_records(tmp_path, stage=stage))
    assert (err.value.code, err.value.stage) == ("E029", stage)


@pytest.mark.parametrize(
    ("record", "validate", "message"),
    [
        ('{"id": "a"}', True, "line 1: the record has no 'text' string"),
        ('{"id": 7, "text": "x"}', True, "record line 1: the record has no 'id' string"),
        ('{"id": "a"}', False, None),
        ('{"quotes": []}', False, None),  # eval reads predictions keyed by source alone
    ],
)
def test_io_read_records_validate_asks_for_id_and_text(tmp_path, record, validate, message):
    path = write(tmp_path, record + "\n")
    if message is None:
        assert len(list(read_records(path, validate=validate))) == 1
    else:
        with pytest.raises(RecordError, match=message):
            list(read_records(path, validate=validate))


@pytest.mark.parametrize("records", [[{"id": "a", "text": "One."}, {"id": "b", "text": "Ünïcode “quotes”"}]])
def test_io_read_records_reads_what_record_writer_wrote(tmp_path, records):
    path = tmp_path / "out.jsonl"
    writer = RecordWriter(path, resume=False)
    for rec in records:
        writer.write(rec)
    writer.close()
    assert list(read_records(path, validate=True)) == records


@pytest.mark.parametrize("content", [f"{A}\n{{not json\n"])
def test_io_every_reader_names_the_bad_line(tmp_path, content):
    path = write(tmp_path, content)
    with pytest.raises(ValueError, match=r"run\.jsonl:2: not valid JSON"):
        load_predictions(path)
    for read in (pipeline.record.frames.read_records, lambda p: list(review_records(p))):
        with pytest.raises(RecordError, match="line 2: not valid JSON"):
            read(path)
