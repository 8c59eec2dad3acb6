"""Reading and writing records: the one JSONL reader, line-atomic appends, resumable runs, and an
atomic error file.

`read_records` is how eval, report, review and `pipeline.load` read a run: blank lines skipped, and
anything else that is not a JSON object refused with a `RecordError` naming the file and line.

Each record is one line, written whole with a single `write(2)` on a file opened for appending, as
its article completes. A run killed midway therefore leaves whole lines; should a line still be cut
short (a full disk, a crash of the machine), the next run onto the same file cuts it off, skips
the articles whose text hash and pipeline version are already there, and finishes the rest.
Nothing is written twice: when an article is redone, the file is rewritten at the end of the run
(to a temporary file, then renamed) keeping the newest record per id.

The file is read a line at a time, never whole, so resuming onto a large file costs no memory.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ClaimsError, Errors, RecordError

# How far back from the end of a file to look for the last newline, per step.
_TAIL_STEP = 1 << 16


def _write_error(path: Path, err: OSError) -> ClaimsError:
    return ClaimsError(
        Errors.E011.format(path=path, detail=err.strerror or err),
        path=str(path),
        stage="output",
        code=type(err).__name__,
    )


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file beside `path` to write; on success it replaces `path`, on failure it goes.

    The file gets the mode a plain `open()` would (0666 less the umask), not mkstemp's 0600: review
    exports and reports are read by other users (a brat or Label Studio server, a web server).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, lines: Iterable[str]) -> None:
    """Write `lines` to `path` through a temporary file and a rename: never half-written."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(lines)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8, no newline translation) to `path` atomically, flushed to disk."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def errors_path(out: Path) -> Path:
    """`OUT.errors.jsonl` beside `OUT.jsonl`."""
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".errors.jsonl")


def _complete_length(path: Path) -> int:
    """The length of the file up to and including its last newline (0 when it has none)."""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        pos = end
        while pos > 0:
            step = min(_TAIL_STEP, pos)
            fh.seek(pos - step)
            block = fh.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                return pos - step + nl + 1
            pos -= step
    return 0


def iter_lines(path: Path) -> Iterator[tuple[int, dict | None]]:
    """(line number, record or None when the line is not a JSON object) for each line of a JSONL file."""
    with open(path, "rb") as fh:
        for n, line in enumerate(fh):
            try:
                rec = json.loads(line)
            except ValueError:
                rec = None
            yield n, rec if isinstance(rec, dict) else None


def _open_error(path: Path, err: OSError, stage: str) -> RecordError:
    if isinstance(err, FileNotFoundError):
        code, message = "E001", Errors.E001
    elif isinstance(err, IsADirectoryError):
        code, message = "E029", Errors.E029
    else:
        code, message = "E017", Errors.E017.format(detail=err.strerror or err)
    return RecordError(message, path=str(path), stage=stage, code=code)


def _not_a_record(rec: object, n: int, validate: bool) -> tuple[str, str] | None:
    """(code, message) saying why the JSON value on line `n` is refused; None when it is not."""
    if not isinstance(rec, dict):
        return "E014", Errors.E014.format(line=n, detail="not a JSON object")
    if not validate:
        return None
    if not isinstance(rec.get("text"), str):
        return "E006", Errors.E006.format(line=n)
    if not isinstance(rec.get("id"), str):
        return "E014", Errors.E014.format(line=n, detail="the record has no 'id' string")
    return None


def numbered_records(
    path: str | Path, *, validate: bool = False, stage: str = "read"
) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each record of a claims JSONL file, in file order; blank lines skipped.

    Every other line must be a JSON object; with `validate`, it must also have an `id` and a `text`
    string, as every record `claims run` writes has. A missing or unreadable file, or a line that is
    not UTF-8, not JSON or (with `validate`) not a record, raises `RecordError` naming the file (and
    the line), with `stage` as given. Lines are split at newline bytes only, as `RecordWriter`
    writes them and `iter_lines` reads them, so the line numbers are an editor's.
    """
    path = Path(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the `with` below; only open errors are caught here
    except OSError as err:
        raise _open_error(path, err, stage) from None
    with fh:
        for n, raw in enumerate(fh, 1):
            refused = None
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                refused = "E030", Errors.E030.format(line=n, detail=err.reason)
            else:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as err:
                    # The line is decoded alone, so the column is the place to look in it.
                    detail = f"{err.msg}, column {err.colno}"
                    refused = "E005", Errors.E005.format(line=n, detail=detail)
                else:
                    refused = _not_a_record(rec, n, validate)
            if refused is not None:
                code, message = refused
                raise RecordError(message, path=str(path), stage=stage, code=code, line=n)
            yield n, rec


def read_records(path: str | Path, *, validate: bool = False, stage: str = "read") -> Iterator[dict]:
    """The records of a claims JSONL file, read a line at a time: `numbered_records` without the numbers."""
    for _, rec in numbered_records(path, validate=validate, stage=stage):
        yield rec


class RecordWriter:
    """Appends records to a JSONL file, resuming from what a previous run left there."""

    def __init__(self, path: str | Path, resume: bool = True):
        self.path = Path(path)
        self.done: dict[str, tuple[str, str]] = {}
        self.rewritten = False
        self.written = 0
        self.repaired = 0
        self.fd = -1
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.path.exists():
                self._repair_and_index()
            # O_APPEND: every write lands whole at the end, even if another writer appended meanwhile.
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if resume else os.O_TRUNC)
            self.fd = os.open(self.path, flags, 0o666)
        except OSError as err:
            raise _write_error(self.path, err) from err

    def _repair_and_index(self) -> None:
        cut = _complete_length(self.path)
        if cut < self.path.stat().st_size:
            # A run was stopped mid-line: drop the partial record; its article is redone.
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
            self.repaired += 1
        for _, rec in iter_lines(self.path):
            if rec is None:
                # A line that is not a record: rewrite the file without it at the end of the run.
                self.rewritten = True
                continue
            self.done[str(rec.get("id"))] = (rec.get("text_hash", ""), rec.get("pipeline_version", ""))

    def is_done(self, article_id: str, thash: str, version: str) -> bool:
        """Is an up-to-date record of this article already in the file?"""
        return self.done.get(article_id) == (thash, version)

    def write(self, record: dict) -> None:
        """Append one record as one line, in one system call."""
        if record["id"] in self.done:
            self.rewritten = True
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                # A regular file takes the whole buffer at once; the loop only guards short writes.
                view = view[os.write(self.fd, view) :]
        except OSError as err:
            raise _write_error(self.path, err) from err
        self.done[record["id"]] = (record.get("text_hash", ""), record.get("pipeline_version", ""))
        self.written += 1

    def close(self) -> None:
        """Close the file; if an article was redone, keep only its newest record."""
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1
        if self.rewritten:
            try:
                self._keep_newest()
            except OSError as err:
                raise _write_error(self.path, err) from err

    def _keep_newest(self) -> None:
        newest: dict[str, int] = {}
        for n, rec in iter_lines(self.path):
            if rec is not None:
                newest[str(rec.get("id"))] = n
        keep = set(newest.values())

        def lines() -> Iterator[str]:
            # Bytes, split on b"\n" only, so the line numbers match `iter_lines`.
            with open(self.path, "rb") as fh:
                for n, line in enumerate(fh):
                    if n in keep:
                        yield line.decode("utf-8")

        write_atomic(self.path, lines())


def write_errors(out: Path, errors: list[ClaimsError]) -> Path:
    """Write this run's failures to `OUT.errors.jsonl` (an empty file when there were none)."""
    path = errors_path(out)
    try:
        write_atomic(path, [json.dumps(e.to_record(), ensure_ascii=False) + "\n" for e in errors])
    except OSError as err:
        raise _write_error(path, err) from err
    return path
