"""Run a stage over many inputs into one JSONL file: resumable, with progress, errors and a summary.

This is what `claims run` (and each stage verb) calls; it works the same from Python:

    >>> from pipeline.run.batch import process
    >>> summary = process(["corpus/"], "out/claims.jsonl", date="2019-02-03")

Inputs stream through: files are read one at a time, records are written as each article completes,
and nothing grows with the number of articles but a few counters and the ids already written. Run-
level problems (an unknown model, a corrupt corrections file, an output that cannot be written)
raise `ClaimsError` before anything is written; a bad input only adds a line to `OUT.errors.jsonl`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..config import PIECES_AS_QUOTES, RunConfig
from ..errors import ClaimsError, Errors, InputError, Interrupted, Warnings
from ..record.build import one_quote_per_piece, text_hash
from ..record.io import RecordWriter, write_errors
from ..record.lock import output_lock
from .ingest import JSONL_SUFFIXES, Article, iter_input_files, read_articles
from .runner import Runner


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
        """Count one written record."""
        self.articles += 1
        self.words += len(record["text"].split())
        for q in record.get("quotes") or []:
            self.quotes_by_speaker[(q.get("speaker") or {}).get("name") or "(unattributed)"] += 1
        for m in record.get("treaties") or []:
            self.treaties[m["treaty"]] += 1
            for d in m.get("dates") or []:
                self.dated_events.append(
                    (m["treaty"], d["value"], d.get("event", "unspecified"), record["id"])
                )

    def format(self) -> str:
        """A short report for the terminal."""
        lines = [
            f"articles: {self.articles} written, {self.skipped} skipped (up to date), {len(self.errors)} failed",
            f"quotes: {self.quotes}   treaty mentions: {sum(self.treaties.values())}   "
            f"speed: {self.words_per_second:,.0f} words/s ({self.words:,} words in {self.seconds:,.1f} s)",
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
            lines.append(f"errors: {len(self.errors)}, listed in {self.errors_file}")
        return "\n".join(lines)


def _progress(total: int | None, quiet: bool):
    """A progress bar on stderr, silent with --quiet or when stderr is not a terminal."""
    from tqdm import tqdm

    class Bar(tqdm):
        # No monitor thread: worker processes are forked while the bar is up, and a fork should not
        # copy a thread that may hold a lock.
        monitor_interval = 0

    return Bar(
        total=total,
        unit="article",
        disable=quiet or not sys.stderr.isatty(),
        file=sys.stderr,
        dynamic_ncols=True,
    )


def check_corrections(path: str | Path) -> None:
    """Refuse a corrections file that is unreadable or holds a line that is not a JSON object.

    `pipeline.review.load_corrections` checks its entries too; this first pass makes sure a corrupt
    file is one clear run-level error whatever the review package does with it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    entry = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError) as err:
                    raise ClaimsError(
                        Errors.E010.format(path=path, line=n, detail=err),
                        path=str(path),
                        stage="corrections",
                        code="BadJSON",
                    ) from None
                if not isinstance(entry, dict):
                    raise ClaimsError(
                        Errors.E020.format(path=path, line=n),
                        path=str(path),
                        stage="corrections",
                        code="BadJSON",
                    )
    except OSError as err:
        raise ClaimsError(
            Errors.E028.format(path=path, detail=err.strerror or err),
            path=str(path),
            stage="corrections",
            code=type(err).__name__,
        ) from err


def load_corrections(path: str | Path) -> Callable[[dict], dict]:
    """The function applying the reviewed corrections in `path` to a record (see `pipeline.review`)."""
    check_corrections(path)
    try:
        from ..review import load_corrections as load
    except ImportError as err:
        raise ClaimsError(
            Errors.E021.format(detail=err), path=str(path), stage="corrections", code="ImportError"
        ) from err
    try:
        return load(path)
    except ClaimsError:
        raise
    except Exception as err:  # noqa: BLE001 - any other refusal of the file is still about the file
        raise ClaimsError(
            Errors.E028.format(path=path, detail=f"{type(err).__name__}: {err}"),
            path=str(path),
            stage="corrections",
            code=type(err).__name__,
        ) from err


def make_runner(config: RunConfig):
    """The runner of `config.engine`: `Runner` (forked processes) or the Dask one."""
    if config.engine == "dask":
        try:
            from .dask_engine import DaskRunner
        except ImportError as err:
            raise ClaimsError(Errors.E023.format(detail=err), stage="dask", code="ImportError") from err

        return DaskRunner(config)
    return Runner(config)


class UniqueIds:
    """Gives an article whose id an earlier input of the run already has an id of its own.

    Two inputs with one id (`a/x.txt` and `b/x.txt`, or `x.txt` and `x.html`) would otherwise leave
    one record, the other lost. The later one gets `ID~HASH` (a hash of its source), stable from one
    run to the next, and a warning says so.
    """

    def __init__(self):
        self.sources: dict[str, str] = {}

    def __call__(self, article: Article) -> Article:
        first = self.sources.setdefault(article.id, article.source)
        if first != article.source:
            new = f"{article.id}~{hashlib.sha1(article.source.encode('utf-8')).hexdigest()[:8]}"
            warnings.warn(
                Warnings.W003.format(path=article.source, id=article.id, other=first, new=new),
                UserWarning,
                stacklevel=2,
            )
            article.id = new
            self.sources.setdefault(new, article.source)
        return article


def too_long(article: Article, limit: int) -> ClaimsError:
    """The error record of an article over `--max-chars`: it is left out, and the batch goes on."""
    return InputError(
        Errors.E064.format(chars=len(article.text), limit=limit), path=article.source, code="TooLong"
    )


def process(
    paths: list[str], out: str | Path, config: RunConfig | None = None, *, on_error=None, **options
) -> Summary:
    """Annotate every input under `paths` into `out`; one bad input never stops the others.

    `config` holds the run's options; from Python, keyword `options` (RunConfig's fields:
    `date="2019-02-03"`, `workers=2`, `quiet=True`, ...) stand in for it. `on_error` is called with
    each input's `ClaimsError` as it happens.

    The run holds the lock of `out` (`pipeline.record.lock`) from start to end, taken before the
    model loads: another run onto `out` fails at once (E060), or waits for this one with `wait`.
    """
    config = config or RunConfig.from_options(**options)
    with output_lock(out, wait=config.wait):
        return _process(paths, Path(out), config, on_error)


def _process(paths: list[str], out: Path, config: RunConfig, on_error) -> Summary:
    summary = Summary()
    # Run-level checks first, so a run that cannot start leaves OUT as it was.
    apply = load_corrections(config.corrections) if config.corrections else None
    reviewed = getattr(apply, "articles", frozenset())
    runner = make_runner(config)
    try:
        writer = RecordWriter(out, resume=config.resume)
    except ClaimsError:
        runner.close()
        raise
    files = list(iter_input_files(paths))
    streams = any(f.suffix.lower() in JSONL_SUFFIXES for f in files)
    bar = _progress(None if streams or len(files) < 2 else len(files), config.quiet)
    unique = UniqueIds()
    started = time.perf_counter()

    def todo() -> Iterator[Article | ClaimsError]:
        for item in read_articles(files, config.date):
            if isinstance(item, Article) and 0 < config.max_chars < len(item.text):
                item = too_long(item, config.max_chars)
            if isinstance(item, Article):
                item = unique(item)
                # A reviewed article is always redone: its corrections must be applied to the new record.
                if item.id not in reviewed and writer.is_done(item.id, text_hash(item.text), runner.version):
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
                if config.fail_fast:
                    break
                continue
            if apply is not None:
                item = apply(item)
            if config.convention in PIECES_AS_QUOTES:
                # After the reviews, which speak of whole quotes: the pieces are a layout of the output.
                item = one_quote_per_piece(item)
            writer.write(item)
            summary.add(item)
    except KeyboardInterrupt:
        raise Interrupted(
            Errors.E027.format(written=writer.written, path=out),
            path=str(out),
            stage="run",
            code="Interrupted",
        ) from None
    finally:
        summary.seconds = time.perf_counter() - started
        bar.close()
        try:
            runner.close()
        finally:
            writer.close()
            summary.errors_file = write_errors(out, summary.errors)
    return summary
