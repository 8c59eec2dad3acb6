"""Cue words: which tokens are verbs of saying (by the cue lexicon of models/), and `according to X`.

The lexicon is `Knowledge.cue_verbs` (models/cues.yml and the mined cues); a verb in
`clause_only_cues` is a cue only with a clause complement ("added that …", not "added sugar").
"""

from __future__ import annotations

from bisect import bisect_left

import numpy
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, Token

from ...doc.index import doc_index, lemma_values, text_of
from ...knowledge import Knowledge

VERB_TAGS = ("VBD", "VBZ", "VBG", "VBN", "VBP", "VB")


def is_cue(kb: Knowledge, token: Token) -> bool:
    """Is `token` a verb of saying?"""
    # Asked of the same tokens for every sentence and every quotation nearby: answered once each.
    memo = doc_index(token.doc).memo.setdefault("cue", {})
    if token.i not in memo:
        memo[token.i] = _is_cue(kb, token)
    return memo[token.i]


def _is_cue(kb: Knowledge, token: Token) -> bool:
    lemma = token.lemma_.lower()
    if token.pos_ not in ("VERB", "AUX") and token.tag_ not in VERB_TAGS:
        return False
    if lemma not in kb.cue_verbs:
        return False
    if lemma in kb.clause_only_cues:
        return any(c.dep_ in ("ccomp", "xcomp") for c in token.children)
    return True


def according_to(sent: Span) -> Token | None:
    """The X of an `according to X` in the sentence."""
    for t in sent:
        if t.lower_ == "according":
            for to in t.children:
                if to.lower_ == "to":
                    for obj in to.children:
                        if obj.dep_ == "pobj":
                            return obj
            nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
            if nxt is not None and nxt.lower_ == "to" and nxt.i + 1 < len(t.doc):
                return t.doc[nxt.i + 1]
    return None


def says_outright(kb: Knowledge, token: Token) -> bool:
    """Is `token`'s lemma a verb of saying of the lexicon that needs no clause to be one (not
    "known as", "hopes"): what cues a content the transformer adds (`add-said`)?"""
    lemma = token.lemma_.lower()
    return lemma in kb.cue_verbs and lemma not in kb.clause_only_cues


def of_according_to(t: Token) -> bool:
    """Is `t` a word of "according to"? What follows it is the source, which the `according` rule
    reads; as a cue of the role tagger's or the model's it made contents of sources ("to media reports")."""
    doc = t.doc
    return t.lower_ == "according" or (t.lower_ == "to" and t.i > 0 and doc[t.i - 1].lower_ == "according")


def according_span(according: Token) -> dict:
    """The cue dict of `according to`."""
    to = according.nbor(1)
    start, end = according.idx, to.idx + len(to)
    return {"start": start, "end": end, "text": text_of(according.doc)[start:end]}


def cue_candidates(kb: Knowledge, doc: Doc):
    """Indices of the tokens whose lemma is a cue verb's, and of every "according": a superset of
    the cue tokens, found on arrays so that `is_cue` is asked of a few tokens, not all."""
    if not len(doc):
        return []
    in_lexicon = lemma_values(doc, kb.cue_verbs.__contains__, bool)
    return numpy.flatnonzero(in_lexicon | (doc.to_array("LOWER") == hash_string("according")))


def cues_outside(kb: Knowledge, sent: Span, inside) -> list[Token]:
    """Cue tokens of `sent` that are not within a quotation (incl. `according`)."""
    doc = sent.doc
    memo = doc_index(doc).memo
    if "cue_tokens" not in memo:
        # The doc's few cue tokens, found once; each sentence and quotation then looks up its own.
        memo["cue_tokens"] = [
            int(i)
            for i in cue_candidates(kb, doc)
            if is_cue(kb, doc[int(i)])
            or (doc[int(i)].lower_ == "according" and i + 1 < len(doc) and doc[int(i) + 1].lower_ == "to")
        ]
    found = memo["cue_tokens"]
    lo, hi = bisect_left(found, sent.start), bisect_left(found, sent.end)
    return [doc[i] for i in found[lo:hi] if not inside(doc[i].idx)]
