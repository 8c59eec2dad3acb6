"""Stage 2, segment: paragraphs labelled title | byline | body | boilerplate, and sentence starts.

Paragraphs are blank-line separated (single newlines separate them when a text has no blank line).
The labels come from patterns in `models/boilerplate.yml`. Nothing downstream extracts from a
paragraph that is not `body` (the title is read for treaty mentions only).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from ..doc.extensions import guarded
from ..knowledge import compile_patterns, load_knowledge

BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[re.Pattern]]:
    rules = load_knowledge().boilerplate
    return {
        key: compile_patterns(rules.get(key) or [])
        for key in ("tail_starts", "paragraphs", "bylines", "authors")
    }


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty paragraph, trimmed of surrounding space."""
    sep = BLANK_LINE if BLANK_LINE.search(text) else re.compile(r"\n")
    spans, pos = [], 0
    for m in list(sep.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            spans.append((pos + lead, pos + trail))
        pos = m.end() if m else len(text)
    return spans


def _looks_like_title(par: str, meta_title: str | None) -> bool:
    norm = " ".join(par.split()).lower()
    if meta_title:
        return norm == " ".join(str(meta_title).split()).lower()
    return len(par) < 250 and len(par.split()) <= 30 and not re.search(r"[.!?:\"”“»]$", par)


def find_segments(text: str, meta: dict | None = None) -> list[dict]:
    """Label every paragraph of `text`: title, byline, body or boilerplate."""
    meta = meta or {}
    pats = _patterns()
    spans = split_paragraphs(text)
    kinds = ["body"] * len(spans)
    # A text of one paragraph is all body: a headline needs something under it.
    if len(spans) > 1 and _looks_like_title(text[spans[0][0] : spans[0][1]], meta.get("title")):
        kinds[0] = "title"
    for i, (a, b) in enumerate(spans[:4]):
        par = text[a:b]
        if kinds[i] == "body" and len(par) < 200 and any(p.match(par) for p in pats["bylines"]):
            kinds[i] = "byline"
    tail_from = None
    for i, (a, b) in enumerate(spans):
        par = text[a:b]
        if i >= 2 and any(p.search(par) for p in pats["tail_starts"]):
            tail_from = i
            break
        if any(p.search(par) for p in pats["paragraphs"]):
            kinds[i] = "boilerplate"
    if tail_from is not None:
        for i in range(tail_from, len(spans)):
            kinds[i] = "boilerplate"
    return [{"start": a, "end": b, "kind": k} for (a, b), k in zip(spans, kinds, strict=True)]


def find_author(text: str, segments: list[dict], meta: dict | None = None) -> dict:
    """The author's name, from metadata, else the byline, else author notes in the text."""
    meta = meta or {}
    if meta.get("author"):
        return {"name": str(meta["author"]).strip(), "source": "meta"}
    pats = _patterns()
    for seg in segments:
        if seg["kind"] == "byline":
            for p in pats["bylines"]:
                m = p.match(text[seg["start"] : seg["end"]])
                if m and m.groupdict().get("author"):
                    return {"name": m.group("author").strip(), "source": "byline"}
    for p in pats["authors"]:
        m = p.search(text)
        if m:
            return {"name": m.group("author").strip(), "source": "text"}
    return {"name": "author", "source": "unknown"}


def set_paragraph_starts(doc: Doc, segments: list[dict]) -> None:
    """Make each paragraph start a sentence, so no sentence crosses a paragraph break."""
    if not len(doc):
        return
    # By bisection over the token offsets: looking at every token cost more than the rest of the stage.
    offsets = doc.to_array("IDX")
    for start in sorted({s["start"] for s in segments}):
        i = int(numpy.searchsorted(offsets, start))
        if i < len(doc) and offsets[i] == start:
            doc[i].is_sent_start = True


class ArticleSegmenter:
    """Labels paragraphs and sets paragraph-initial sentence starts before the parser runs."""

    @guarded("segment")
    def __call__(self, doc: Doc) -> Doc:
        meta = doc._.meta or {}
        if doc._.segments is None:
            doc._.segments = find_segments(doc.text, meta)
        if doc._.author is None:
            doc._.author = find_author(doc.text, doc._.segments, meta)
        set_paragraph_starts(doc, doc._.segments)
        return doc


@Language.factory("claims_segmenter", assigns=["doc._.segments", "doc._.author", "token.is_sent_start"])
def make_article_segmenter(nlp: Language, name: str) -> ArticleSegmenter:
    """Factory for the segment stage."""
    return ArticleSegmenter()
