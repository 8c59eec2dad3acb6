"""Writing records safely: line-atomic appends, resumable runs, and an atomic error file.

Each record is one line, written whole and flushed as its article completes. A run killed midway
leaves at most a partial last line; the next run onto the same file cuts it off, skips the articles
whose text hash and pipeline version are already there, and finishes the rest. Nothing is written
twice: when an article is redone, the file is rewritten (to a temporary file, then renamed) keeping
the newest record per id.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .errors import ClaimsError, Errors


def write_atomic(path: Path, lines: list[str]) -> None:
    """Write `lines` to `path` through a temporary file and a rename: never half-written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def errors_path(out: Path) -> Path:
    """`OUT.errors.jsonl` beside `OUT.jsonl`."""
    name = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(name + ".errors.jsonl")


class RecordWriter:
    """Appends records to a JSONL file, resuming from what a previous run left there."""

    def __init__(self, path: str | Path, resume: bool = True):
        self.path = Path(path)
        self.done: dict[str, tuple[str, str]] = {}
        self.rewritten = False
        self.written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if resume and self.path.exists():
                self._repair_and_index()
            elif self.path.exists():
                self.path.unlink()
            self.fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as err:
            raise ClaimsError(Errors.E011.format(path=self.path, detail=err.strerror or err), path=str(self.path),
                              stage="output", code=type(err).__name__) from err

    def _repair_and_index(self) -> None:
        data = self.path.read_bytes()
        cut = data.rfind(b"\n") + 1
        if cut < len(data):
            # A run was killed mid-line: drop the partial record; it is redone below.
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)
        for line in data[:cut].splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            self.done[str(rec.get("id"))] = (rec.get("text_hash", ""), rec.get("pipeline_version", ""))

    def is_done(self, article_id: str, thash: str, version: str) -> bool:
        """Is an up-to-date record of this article already in the file?"""
        return self.done.get(article_id) == (thash, version)

    def write(self, record: dict) -> None:
        if record["id"] in self.done:
            self.rewritten = True
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.fh.flush()
        self.done[record["id"]] = (record.get("text_hash", ""), record.get("pipeline_version", ""))
        self.written += 1

    def close(self) -> None:
        self.fh.close()
        if self.rewritten:
            self._keep_newest()

    def _keep_newest(self) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        newest: dict[str, int] = {}
        for i, line in enumerate(lines):
            try:
                newest[str(json.loads(line).get("id"))] = i
            except ValueError:
                continue
        keep = sorted(newest.values())
        write_atomic(self.path, [lines[i] for i in keep])


def write_errors(out: Path, errors: list[ClaimsError]) -> Path:
    """Write this run's failures to `OUT.errors.jsonl` (an empty file when there were none)."""
    path = errors_path(out)
    write_atomic(path, [json.dumps(e.to_record(), ensure_ascii=False) + "\n" for e in errors])
    return path
