"""Run a stage over many inputs into one JSONL file: resumable, with progress, errors and a summary.

This is what `claims run` (and each stage verb) calls; it works the same from Python:

    >>> from pipeline.batch import process
    >>> summary = process(["corpus/"], "out/claims.jsonl", date="2019-02-03")
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ClaimsError
from .ingest import Article, iter_input_files, read_articles
from .output import RecordWriter, write_errors
from .record import text_hash
from .runner import DEFAULT_MODEL, Runner


@dataclass
class Summary:
    """What a run did."""

    articles: int = 0
    skipped: int = 0
    words: int = 0
    seconds: float = 0.0
    quotes_by_speaker: Counter = field(default_factory=Counter)
    treaties: Counter = field(default_factory=Counter)
    dated_events: list = field(default_factory=list)
    errors: list[ClaimsError] = field(default_factory=list)
    errors_file: Path | None = None

    @property
    def quotes(self) -> int:
        return sum(self.quotes_by_speaker.values())

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def add(self, record: dict) -> None:
        self.articles += 1
        self.words += len(record["text"].split())
        for q in record.get("quotes") or []:
            self.quotes_by_speaker[(q.get("speaker") or {}).get("name") or "(unattributed)"] += 1
        for m in record.get("treaties") or []:
            self.treaties[m["treaty"]] += 1
            for d in m.get("dates") or []:
                self.dated_events.append((m["treaty"], d["value"], d.get("event", "unspecified"), record["id"]))

    def format(self) -> str:
        """A short report for the terminal."""
        lines = [
            f"articles: {self.articles} written, {self.skipped} skipped (up to date), {len(self.errors)} failed",
            f"quotes: {self.quotes}   treaty mentions: {sum(self.treaties.values())}   "
            f"speed: {self.words_per_second:,.0f} words/s",
        ]
        if self.quotes_by_speaker:
            lines.append("quotes per speaker:")
            lines += [f"  {n:5d}  {name}" for name, n in self.quotes_by_speaker.most_common(12)]
        if self.treaties:
            lines.append("treaties (mentions; dated events):")
            for tid, n in self.treaties.most_common(12):
                events = sorted({(v, e) for t, v, e, _ in self.dated_events if t == tid})
                shown = ", ".join(f"{v} {e}" for v, e in events[:8])
                lines.append(f"  {n:5d}  {tid}" + (f": {shown}" if shown else ""))
        if self.errors:
            lines.append(f"errors: see {self.errors_file}")
        return "\n".join(lines)


def _progress(total: int | None, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="article", disable=quiet or not sys.stderr.isatty(), file=sys.stderr,
                dynamic_ncols=True)


def process(
    paths: list[str],
    out: str | Path,
    *,
    stage: str = "run",
    model: str = DEFAULT_MODEL,
    date: str | None = None,
    workers: int = 1,
    batch_size: int = 16,
    fail_fast: bool = False,
    resume: bool = True,
    quiet: bool = False,
    corrections: str | None = None,
    on_error=None,
) -> Summary:
    """Annotate every input under `paths` into `out`; one bad input never stops the others."""
    out = Path(out)
    summary = Summary()
    writer = RecordWriter(out, resume=resume)
    runner = Runner(model=model, stage=stage, batch_size=batch_size, n_process=workers)
    apply = None
    if corrections:
        from .review import load_corrections

        apply = load_corrections(corrections)
    files = list(iter_input_files(paths))
    bar = _progress(len(files) if len(files) > 1 else None, quiet)
    started = time.perf_counter()

    def todo() -> Iterator[Article | ClaimsError]:
        for item in read_articles(files, date):
            if isinstance(item, Article) and writer.is_done(item.id, text_hash(item.text), runner.version):
                summary.skipped += 1
                bar.update(1)
                continue
            yield item

    try:
        for item in runner.annotate(todo()):
            bar.update(1)
            if isinstance(item, ClaimsError):
                summary.errors.append(item)
                if on_error:
                    on_error(item)
                if fail_fast:
                    break
                continue
            if apply is not None:
                item = apply(item)
            writer.write(item)
            summary.add(item)
    finally:
        bar.close()
        writer.close()
        summary.seconds = time.perf_counter() - started
        summary.errors_file = write_errors(out, summary.errors)
    return summary
