"""Filters: quotations kept out of the output although their marks were found, because they are a
scare quote or a title, or because a mixed attribution already takes them in."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from ...doc.index import text_of
from .candidate import Candidate
from .thresholds import TITLE_MAX_WORDS

# A quotation of at most this many words, with no stop, is a scare quote unless it was spoken.
SCARE_MAX_WORDS = 3
# Rules whose quotations are spoken whatever their length: a line of dialogue, after an introducer,
# beside a longer quotation of the same sentence.
SPOKEN_RULES = ("sentence", "dialogue", "introduced")


def inner_text(doc: Doc, q: Candidate) -> str:
    """A quotation's words without its marks."""
    return text_of(doc)[q.start : q.end].strip(" “”\"'‘’«»„")


def is_scare_quote(doc: Doc, q: Candidate, title_max_words: int = TITLE_MAX_WORDS) -> bool:
    """A word or two in closed quotation marks, not said in a line of dialogue, after an
    introducer, or beside a longer quotation of the same sentence: a title or a scare quote."""
    inner = inner_text(doc, q)
    spoken = q.att.how in SPOKEN_RULES or not q.closed
    if spoken:
        return False
    if len(inner.split()) <= SCARE_MAX_WORDS and not re.search(r"[.!?,]$", inner):
        return True
    return is_title(inner, title_max_words)


def is_title(inner: str, max_words: int = TITLE_MAX_WORDS) -> bool:
    """Words in title case ("Guardians of the Galaxy," “Cake Boss.”): the name of a show, a book
    or a slogan, not something said."""
    words = re.findall(r"[^\W\d_][\w’'-]*", inner)
    long_words = [w for w in words if len(w) > 3]
    # An exclamation or a question is shouted or asked ("Lock Her Up!", "Mexico!"), and one word
    # ("Savage," she said) is an answer.
    if len(long_words) < 2 or len(words) > max_words or re.search(r"[!?]\W*$", inner):
        return False
    # Short words ("of", "the", "a", "to") stay lower case in a title; every other word is capitalised.
    return words[0][0].isupper() and all(w[0].isupper() for w in long_words)


def has_own_cue(d: Candidate, m: Candidate) -> bool:
    """Does quotation `d` inside mixed clause `m` have a cue of its own, outside `m`?"""
    cue = d.att.cue
    if d.att.how != "cue" or not cue:
        return False
    return cue["start"] != m.att.cue["start"] and not (m.start <= cue["start"] < m.end)


def keep_direct(
    doc: Doc, direct: list[Candidate], mixed: list[Candidate], title_max_words: int = TITLE_MAX_WORDS
) -> list[Candidate]:
    """The direct quotes that are attributions of their own: not inside a mixed attribution (which
    reports them already), and not a scare quote or a title."""
    return [
        d
        for d in direct
        # "The US demands all countries “come to terms …,” said Lavrov": a quotation with a cue of
        # its own outside the clause is kept as well, as that cue's speaker's words.
        if not any(m.start <= d.start and d.end <= m.end and not has_own_cue(d, m) for m in mixed)
        and not is_scare_quote(doc, d, title_max_words)
    ]
