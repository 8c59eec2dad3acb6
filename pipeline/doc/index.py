"""Per-doc lookups the stages make many times: the text and the sentence of a token.

`Doc.text` joins every token on each access and `Token.sent` checks the whole doc for sentence
annotation on each call; over a long article the stages asked for them thousands of times, which
cost more than parsing. The index is built once for the doc being annotated.
"""

from __future__ import annotations

import threading
from bisect import bisect_right

import numpy
from spacy.tokens import Doc, Span


class DocIndex:
    """The text of a doc and its sentences, looked up by token index."""

    def __init__(self, doc: Doc):
        self.doc = doc
        self.text = doc.text
        # SENT_START is 1 at a sentence start (-1 inside, 0 unknown); token 0 always starts one.
        self.starts = []
        if len(doc):
            self.starts = [0] + [int(i) for i in numpy.flatnonzero(doc.to_array("SENT_START") == 1) if i]
        ends = self.starts[1:] + [len(doc)]
        self.sents = [doc[a:b] for a, b in zip(self.starts, ends[: len(self.starts)], strict=True)]
        # Per-token answers a stage asks many times of the same doc (e.g. "is this a cue verb?").
        self.memo: dict = {}

    def sent_of(self, i: int) -> Span:
        """The sentence holding token `i`."""
        return self.sents[bisect_right(self.starts, i) - 1]

    def sents_in(self, span: Span) -> list[Span]:
        """The sentences that overlap `span`."""
        if not len(span):
            return []
        first = bisect_right(self.starts, span.start) - 1
        last = bisect_right(self.starts, span.end - 1) - 1
        return self.sents[first : last + 1]


# One cached index per thread: a Dask worker may run several threads, each on its own doc.
_cache = threading.local()


def doc_index(doc: Doc) -> DocIndex:
    """The index of `doc`, built on first use and kept while the same doc is being annotated."""
    index = getattr(_cache, "index", None)
    if index is None or index.doc is not doc:
        index = _cache.index = DocIndex(doc)
    return index


def sentence_of(doc: Doc, char: int) -> Span | None:
    """The sentence holding character `char` (the one of the token around it), None off the tokens."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return doc_index(doc).sent_of(span[0].i) if span is not None and len(span) else None


def text_of(doc: Doc) -> str:
    """`doc.text`, computed once per doc."""
    return doc_index(doc).text


def lemma_values(doc: Doc, value, dtype) -> numpy.ndarray:
    """`value(lemma)` of each token's lower-cased lemma, as an array; asked once per distinct lemma,
    since a doc repeats its words and the stages ask this of every token."""
    if not len(doc):
        return numpy.zeros(0, dtype=dtype)
    lemmas, where = numpy.unique(doc.to_array("LEMMA"), return_inverse=True)
    strings = doc.vocab.strings
    return numpy.array([value(strings[int(h)].lower()) for h in lemmas], dtype=dtype)[where]
