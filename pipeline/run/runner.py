"""Compose the stages into one spaCy pipeline and run it over articles, streaming records out.

`build_nlp` loads an installed spaCy pipeline and adds the claims components named in `STAGES`, so
one `nlp.pipe` pass per article does every stage. Long texts are cut into paragraph chunks of at
most `CHUNK_CHARS`; offsets are moved back so the record indexes the whole text.

`Runner.annotate` yields exactly one item per input, in input order: a record, or the `ClaimsError`
that stopped that article. Nothing that goes wrong with one article (a stage raising, a text the
segmenter chokes on) reaches the caller as an exception, so one article never costs the others.
With `n_process > 1` the docs go through spaCy's multiprocessing: the `doc._` values are plain
JSON-able data and travel with `Doc.to_bytes`, so the output is the same as with one process.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import re
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..config import ENSEMBLE_CONVENTIONS, RunConfig
from ..doc.extensions import stage_error
from ..errors import ClaimsError, Errors, ModelError
from ..knowledge import models_dir
from ..record.build import build_record, doc_fields, merge_fields, record_to_preset
from ..stages import (
    attribution,  # noqa: F401  (register the factory)
    dates,  # noqa: F401  (register the factories)
    quotes,  # noqa: F401  (register the factories)
    resolve,  # noqa: F401  (register the factories)
    segment,  # noqa: F401  (register the factories)
    sentences,  # noqa: F401  (register the factories)
    speakers,  # noqa: F401  (register the factories)
    treaties,  # noqa: F401  (register the factories)
)
from ..stages.attribution.merge import MERGE_FOR_CONVENTION
from ..stages.roles.tagger import add_role_tagger
from ..stages.segment import find_author, find_segments
from .ingest import Article

# Stage verb -> the claims components it needs, in pipeline order. Each stage includes the ones before.
STAGES = {
    "segment": ["claims_segmenter"],
    "speakers": ["claims_segmenter", "claims_speakers"],
    "quotes": ["claims_segmenter", "claims_speakers", "claims_quotes", "claims_speaker_resolver"],
    "treaties": [
        "claims_segmenter",
        "claims_speakers",
        "claims_quotes",
        "claims_speaker_resolver",
        "claims_treaties",
        "claims_dates",
    ],
}
STAGES["run"] = STAGES["treaties"]
# Every verb ends by tagging who speaks each sentence, from what its stages found.
for _components in STAGES.values():
    if _components[-1] != "claims_sentence_speakers":
        _components.append("claims_sentence_speakers")
PRESET_ATTRS = ("segments", "author", "speaker_mentions", "quotes", "treaty_mentions", "treaty_dates")
# Folders of the package that only read records, never shape one: left out of `pipeline_version`.
RECORD_READERS = ("eval", "learn", "report")
# Texts longer than this are annotated in chunks of whole paragraphs. Well below spaCy's max_length
# (1,000,000) because the parser's memory and several stage lookups grow with the doc; no news
# article comes near it (PolNeAR's longest is 34,000 characters), so only giant inputs are cut.
CHUNK_CHARS = 100_000
# Pipelines loaded in this process, by (model, stage): a notebook or test suite that runs many
# batches pays for `spacy.load` once. The claims components keep no state between docs.
_LOADED: dict[tuple, Language] = {}
# A task of a parallel run holds at most this many characters, however many articles that is.
TASK_CHARS = 1_000_000
# Articles per task of a parallel run (processes or Dask): small tasks keep every worker busy to the end.
TASK_ARTICLES = 4
# Tasks in flight per worker process: one running, one queued behind it so the worker never waits.
TASKS_PER_WORKER = 2
# The runners whose worker processes are forked from this one, by id: a child finds its own here.
_FORKED: dict[int, Runner] = {}


def pipeline_version(model: str = "", package: Path | None = None, knowledge: Path | None = None) -> str:
    """The package version plus a hash of what makes a record: knowledge, code and model.

    A resumed run redoes an article whose record was made by another version, so the hash covers
    every file of `models/` (lexicons, the treaty base, trained weights), every Python file of the
    package that shapes a record, nested folders included (a changed rule changes the output as
    surely as a changed lexicon), and the spaCy pipeline's name. Code that only reads records
    (`RECORD_READERS`) is left out, so a change to the report does not redo a corpus. `package`
    and `knowledge` default to this package and its `models/`.
    """
    from .. import __version__

    package = package or Path(__file__).resolve().parent.parent
    knowledge = knowledge or models_dir()
    code = [p for p in sorted(package.rglob("*.py")) if p.relative_to(package).parts[0] not in RECORD_READERS]
    files = sorted(p for p in knowledge.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    digest = hashlib.sha1()
    for root, paths in ((knowledge, files), (package, code)):
        for path in paths:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update(model.encode())
    return f"{__version__}+{digest.hexdigest()[:8]}"


def load_nlp(config: RunConfig) -> Language:
    """`build_nlp(config)`, loaded once per process and shared by every `Runner` after."""
    key = config.pipeline_key
    if key not in _LOADED:
        _LOADED[key] = build_nlp(config)
    return _LOADED[key]


def build_nlp(config: RunConfig) -> Language:
    """Load the spaCy pipeline `config.model` and add the claims components for `config.stage`.

    Stages that find quotes also get the small trained role tagger (`pipeline.stages.roles`),
    unless `config.rules_only` or the model is not the pipeline it was trained over; with
    `config.accurate`, the learned attribution model (`pipeline.stages.attribution`) follows the rules.
    """
    model, stage, rules_only = config.model, config.stage, config.rules_only
    exclude = [] if stage != "segment" else ["ner", "lemmatizer", "attribute_ruler"]
    try:
        nlp = spacy.load(model, exclude=exclude)
    except OSError as err:
        # spaCy says E050 for a name that is neither a package nor a path; anything else is a
        # broken or incompatible pipeline, worth its own detail.
        message = (
            Errors.E009.format(name=model)
            if "E050" in str(err)
            else Errors.E016.format(name=model, detail=str(err).splitlines()[0])
        )
        raise ModelError(message, path=model, stage="load", code="ModelNotFound") from err
    except (ValueError, ImportError, KeyError) as err:
        raise ModelError(
            Errors.E016.format(name=model, detail=err), path=model, stage="load", code=type(err).__name__
        ) from err
    after = "ner" if "ner" in nlp.pipe_names else nlp.pipe_names[-1]
    for name in STAGES[stage]:
        if name == "claims_segmenter":
            nlp.add_pipe(name, first=True)
            continue
        if name == "claims_quotes" and not rules_only and add_role_tagger(nlp, model, after=after):
            after = "claims_role_tagger"
        nlp.add_pipe(name, after=after)
        after = name
        if name == "claims_quotes" and config.mode == "accurate":
            # After the rules, whose quotes it merges with; before whatever names speakers.
            # One torch thread per worker process (local or Dask): the cores are the workers' to
            # share. Forked workers are set so in `_one_torch_thread` too, whatever the parent ran.
            threads = 1 if config.workers > 1 else 2
            nlp.add_pipe(
                "claims_attribution",
                after=after,
                config={
                    "batch_size": config.batch_size,
                    "threads": threads,
                    "merge": MERGE_FOR_CONVENTION[config.convention],
                    "precision": config.precision,
                    "ensemble": config.convention in ENSEMBLE_CONVENTIONS,
                },
            )
            after = "claims_attribution"
    return nlp


# Where a paragraph too long for one chunk is cut, best first: after a sentence end (with any
# closing quote or bracket), at a line break, at any whitespace. Only the last CUT_WINDOW characters
# before the limit are searched, so a text with no such place costs one bounded search per chunk.
CUT_PLACES = (re.compile(r"[.!?][\"'”’»)\]]*\s+"), re.compile(r"\n+"), re.compile(r"\s+"))
CUT_WINDOW = 20_000


def cut_point(text: str, start: int, limit: int) -> int:
    """Where to end a chunk that starts at `start` and must end before `limit`: the last good place."""
    lo = max(start + 1, limit - CUT_WINDOW)
    for place in CUT_PLACES:
        last = None
        for last in place.finditer(text, lo, limit):  # noqa: B007 - only the last match is wanted
            pass
        if last is not None and last.end() > start:
            return min(last.end(), limit)
    return limit  # one unbroken run of characters: cut it hard


def chunk_spans(text: str, segments: list[dict], max_len: int) -> list[tuple[int, int]]:
    """Cut a long text into spans of whole paragraphs, each shorter than `max_len` characters.

    A paragraph longer than that (a text with no paragraph breaks at all) is cut at a sentence end,
    else a line break, else whitespace, else hard (`cut_point`).
    """
    if len(text) < max_len:
        return [(0, len(text))]
    chunks, start, last_end = [], 0, 0
    for seg in segments:
        if seg["end"] - start >= max_len and last_end > start:
            chunks.append((start, last_end))
            start = seg["start"]
        while seg["end"] - start >= max_len:
            cut = cut_point(text, start, start + max_len - 1)
            chunks.append((start, cut))
            start = cut
        last_end = seg["end"]
    chunks.append((start, len(text)))
    return [(a, b) for a, b in chunks if b > a]


@dataclass
class Pending:
    """An article on its way through `nlp.pipe`, waiting for its chunk docs."""

    article: Article
    author: dict
    chunks: list[tuple[int, int]]
    parts: list[dict] = field(default_factory=list)
    error: dict | None = None


def batches(
    items: Iterable[Article | ClaimsError], size: int, max_chars: int = TASK_CHARS
) -> Iterator[ClaimsError | list[Article]]:
    """Input errors one by one, and the articles between them in lists of `size` (or `max_chars`)."""
    batch: list[Article] = []
    chars = 0
    for item in items:
        if isinstance(item, ClaimsError):
            # Keep input order: the articles read before this error go out first.
            if batch:
                yield batch
                batch, chars = [], 0
            yield item
            continue
        if batch and (len(batch) >= size or chars + len(item.text) > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(item)
        chars += len(item.text)
    if batch:
        yield batch


def run_in_order(
    items: Iterable[Article | ClaimsError],
    submit: Callable,
    *,
    size: int,
    window: int | Callable[[], int],
    stage: str,
) -> Iterator[dict | ClaimsError]:
    """Annotate batches of articles elsewhere (worker processes, a cluster) and yield in input order.

    `submit(batch)` starts one task and returns a future (`.result()`, `.cancel()`). At most
    `window` tasks are in flight, so input is read only as fast as it is annotated (streaming); a
    callable `window` is asked again after each task, for a cluster that grows or shrinks.
    A task that fails for a reason of its own (a worker lost) fails its articles, each named as a
    `ClaimsError` of `stage`; a `ClaimsError` raised by a task is a run-level failure and is raised.
    """
    inflight: deque = deque()  # (future, articles) or (None, error), in input order
    tasks = 0

    def collect(entry) -> Iterator[dict | ClaimsError]:
        fut, payload = entry
        if fut is None:
            yield payload
            return
        try:
            results = fut.result()
        except ClaimsError:
            raise
        except Exception as err:  # noqa: BLE001 - a lost worker fails its batch, not the run
            detail = f"{type(err).__name__}: {err}"
            for article in payload:
                yield ClaimsError(
                    Errors.E025.format(count=len(payload), detail=detail),
                    path=article.source,
                    stage=stage,
                    code=type(err).__name__,
                )
            return
        yield from results

    try:
        for entry in batches(items, size):
            if isinstance(entry, ClaimsError):
                inflight.append((None, entry))
                continue
            try:
                fut = submit(entry)
            except ClaimsError:
                raise
            except Exception as err:  # noqa: BLE001 - e.g. a pool broken by a killed worker
                fut = _Failed(err)
            inflight.append((fut, entry))
            tasks += 1
            while tasks >= (window() if callable(window) else window):
                tasks -= inflight[0][0] is not None
                yield from collect(inflight.popleft())
        while inflight:
            yield from collect(inflight.popleft())
    finally:
        for fut, _ in inflight:
            if fut is not None:
                fut.cancel()


class _Failed:
    """A task that could not even start: its `result()` raises why."""

    def __init__(self, err: Exception):
        self.err = err

    def result(self):
        raise self.err

    def cancel(self) -> bool:
        return False


def _one_torch_thread() -> None:
    """Start of a forked worker: torch, if the pipeline has it, runs on one thread. A child forked
    from a parent whose torch thread pool was running hangs at its first parallel op otherwise, and
    the cores are the workers' to share."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _annotate_forked(key: int, articles: list[Article]) -> list:
    """The task of a worker process: the records (or errors) of `articles`, by the runner forked here."""
    return list(_FORKED[key].annotate_here(articles))


def too_slow(article: Article, limit: float, done: int, total: int, chunk: int) -> ClaimsError:
    """The error record of an article stopped by `--max-seconds`: it is left out, the batch goes on."""
    return ClaimsError(
        Errors.E065.format(limit=limit, done=done, total=total, chunk=chunk),
        path=article.source,
        stage="run",
        code="TooSlow",
    )


def unexpected(err: Exception, article: Article, stage: str) -> ClaimsError:
    """A `ClaimsError` for an exception no stage expected, keeping its traceback for --debug."""
    out = ClaimsError(
        Errors.E015.format(stage=stage, detail=f"{type(err).__name__}: {err}"),
        path=article.source,
        stage=stage,
        code=type(err).__name__,
    )
    out.traceback = "".join(traceback.format_exception(err))
    return out


class Runner:
    """Runs the claims stages over articles and yields one record (or error) per article.

    With `n_process > 1` whole articles go to worker processes forked from this one, which inherit
    the loaded pipeline (nothing is loaded again) and return finished records. That is faster than
    `nlp.pipe(n_process=...)`, which parallelises only spaCy's components: tokenising, moving docs
    between processes and building records stayed in this process and capped the speed-up near
    1.1x on two cores (see `python -m pipeline.eval.bench`). Records come back in input order.
    """

    def __init__(self, config: RunConfig | None = None, **options):
        """`options` (RunConfig's fields) stand in for a config, for use from Python."""
        self.config = config = config or RunConfig.from_options(**options)
        self.model, self.stage, self.rules_only = config.model, config.stage, config.rules_only
        self.nlp = load_nlp(config)
        self.batch_size = config.batch_size
        # Spreading work over processes is the Dask engine's job there; here it forks.
        self.n_process = config.workers if config.engine == "local" else 1
        meta = self.nlp.meta
        self.model_name = (
            f"{meta.get('lang', 'xx')}_{meta.get('name', config.model)}-{meta.get('version', '?')}"
        )
        for learned in ("claims_role_tagger", "claims_attribution"):
            if learned in self.nlp.pipe_names:
                self.model_name += f"+{learned}"
        if "claims_attribution" in self.nlp.pipe_names:
            tagger = self.nlp.get_pipe("claims_attribution").model
            if tagger.size > 1:
                # An ensemble's records are its own.
                self.model_name += f"*{tagger.size}"
            if tagger.bf16:
                # bf16's records differ a little from fp32's: say so, and keep a resume from mixing them.
                self.model_name += "@bf16"
            if config.convention != "claims":
                # Which spans the records hold; also keeps a resume from mixing two conventions' records.
                self.model_name += f":{config.convention}"
        self.version = pipeline_version(self.model_name)
        self.chunk_chars = min(CHUNK_CHARS, self.nlp.max_length)

    def close(self) -> None:
        """Stop the worker processes, if any (the Dask runner shares this interface)."""
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            _FORKED.pop(id(self), None)

    def _workers(self) -> ProcessPoolExecutor:
        if getattr(self, "_pool", None) is None:
            # Fork: the children get this process's loaded pipeline as it is.
            _FORKED[id(self)] = self
            self._pool = ProcessPoolExecutor(
                self.n_process, mp_context=multiprocessing.get_context("fork"), initializer=_one_torch_thread
            )
        return self._pool

    def _prepare(self, article: Article) -> tuple[Pending, Iterator[Doc]]:
        """The article's pending entry and its chunk docs, with the `doc._` values preset.

        The docs are made one at a time as they are taken, so a long article holds one chunk's
        tokens, not the whole text's.
        """
        preset = record_to_preset(article.record or {})
        segs = preset.get("segments") or find_segments(article.text, article.meta)
        author = preset.get("author") or find_author(article.text, segs, article.meta)
        chunks = chunk_spans(article.text, segs, self.chunk_chars)
        return Pending(article, author, chunks), self._chunk_docs(article, author, segs, chunks, preset)

    def _chunk_docs(self, article, author, segs, chunks, preset) -> Iterator[Doc]:
        for a, b in chunks:
            doc = self.nlp.make_doc(article.text[a:b])
            doc._.meta = article.meta
            doc._.author = author
            doc._.segments = [
                {**s, "start": max(s["start"], a) - a, "end": min(s["end"], b) - a}
                for s in segs
                if s["start"] < b and s["end"] > a
            ]
            if len(chunks) == 1:
                for attr in PRESET_ATTRS[2:]:
                    if attr in preset and self._stage_has(attr):
                        setattr(doc._, attr, preset[attr])
            yield doc

    def _docs(self, items: Iterable[Article | ClaimsError], queue: deque) -> Iterator[Doc]:
        """The docs to pipe; every input also goes into `queue`, in order, to be matched up later."""
        for item in items:
            if isinstance(item, ClaimsError):
                queue.append(item)
                continue
            try:
                pending, docs = self._prepare(item)
                docs = list(docs)  # one chunk: any failure to make it is this article's
            except Exception as err:  # noqa: BLE001 - one article's failure is reported, not raised
                queue.append(unexpected(err, item, "segment"))
                continue
            queue.append(pending)
            yield from docs

    def _stage_has(self, attr: str) -> bool:
        owner = {
            "speaker_mentions": "claims_speakers",
            "quotes": "claims_quotes",
            "treaty_mentions": "claims_treaties",
            "treaty_dates": "claims_dates",
        }[attr]
        return owner in self.nlp.pipe_names

    def annotate(self, items: Iterable[Article | ClaimsError]) -> Iterator[dict | ClaimsError]:
        """One record per article, in input order; failures come back as `ClaimsError`s in their place."""
        if self.n_process == 1:
            return self.annotate_here(items)
        pool, key = self._workers(), id(self)
        return run_in_order(
            items,
            lambda batch: pool.submit(_annotate_forked, key, batch),
            size=TASK_ARTICLES,
            window=TASKS_PER_WORKER * self.n_process,
            stage="run",
        )

    def annotate_here(self, items: Iterable[Article | ClaimsError]) -> Iterator[dict | ClaimsError]:
        """`annotate` in this process: `nlp.pipe` streams over the articles, in input order.

        An article too long for one doc goes through spaCy on its own, one chunk at a time: the
        parser needs about 340 MB per 100,000 characters in a batch, so a batch of 16 such chunks
        would take gigabytes. Every other article shares one stream of `batch_size` batches.
        """

        def long(item: Article | ClaimsError) -> bool:
            return isinstance(item, Article) and len(item.text) >= self.chunk_chars

        for is_long, group in itertools.groupby(items, key=long):
            if is_long:
                yield from map(self._annotate_long, group)
            else:
                yield from self._pipe(group, self.batch_size)

    def _annotate_long(self, article: Article) -> dict | ClaimsError:
        """One long article, chunk by chunk, stopped (E065) once it has taken `max_seconds`.

        The clock is read between chunks: one chunk cannot be interrupted safely from inside
        spaCy, and it takes seconds, so the budget is overrun by at most that.
        """
        started, limit = time.monotonic(), self.config.max_seconds
        try:
            pending, docs = self._prepare(article)
        except Exception as err:  # noqa: BLE001 - one article's failure is reported, not raised
            return unexpected(err, article, "segment")
        for done, doc in enumerate(docs):
            if limit and done and time.monotonic() - started > limit:
                return too_slow(article, limit, done, len(pending.chunks), self.chunk_chars)
            try:
                doc = self.nlp(doc)
            except Exception as err:  # noqa: BLE001 - reported per article
                return unexpected(err, article, "run")
            self._take(pending, doc)
        return self._finish(pending)

    def _pipe(self, items: Iterable[Article | ClaimsError], batch_size: int) -> Iterator[dict | ClaimsError]:
        queue: deque[Pending | ClaimsError] = deque()
        docs = self.nlp.pipe(self._docs(items, queue), batch_size=batch_size)
        for doc in docs:
            # Inputs that failed before spaCy saw them are due before this doc's article.
            while isinstance(queue[0], ClaimsError):
                yield queue.popleft()
            pending = queue[0]
            self._take(pending, doc)
            if len(pending.parts) == len(pending.chunks):
                queue.popleft()
                yield self._finish(pending)
        while queue:
            # Only failures are left: every article with docs has had them all.
            yield queue.popleft()

    def _take(self, pending: Pending, doc: Doc) -> None:
        """Add one annotated chunk doc's record fields to its article (or keep the first error)."""
        offset = pending.chunks[len(pending.parts)][0]
        if doc._.error is not None and pending.error is None:
            pending.error = doc._.error
        if pending.error is None:
            try:
                pending.parts.append(doc_fields(doc, offset))
            except Exception as err:  # noqa: BLE001 - reported per article
                pending.error = stage_error("record", err, f"{type(err).__name__}: {err}")
                pending.parts.append({})
        else:
            pending.parts.append({})

    def _finish(self, pending: Pending) -> dict | ClaimsError:
        art = pending.article
        if pending.error is not None:
            err = ClaimsError(
                Errors.E015.format(stage=pending.error["stage"], detail=pending.error["message"]),
                path=art.source,
                stage=pending.error["stage"],
                code=pending.error["error_type"],
            )
            err.traceback = pending.error.get("traceback")
            return err
        try:
            fields = merge_fields(pending.parts)
            return build_record(
                art, fields, model=self.model_name, pipeline_version=self.version, author=pending.author
            )
        except Exception as err:  # noqa: BLE001 - reported per article
            return unexpected(err, art, "record")
