"""Quotation marks: finding and pairing them in a paragraph, and closing a quotation left open.

Double quotation marks: one that opens, one that closes, and ones that do either (straight quotes,
and the doubled apostrophes of wire and NYT copy: ''like this''). A quotation left unclosed is closed
at the end of its clause and never runs into the next paragraph, except by the convention of a
quote that goes on in the next paragraph (which re-opens with a mark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from ...doc.index import text_of
from ...knowledge import Knowledge

DOUBLE_MARK = re.compile(r"''|``|[“”«»„\"‹›]")
OPENS = {"“": '”"', "«": "»", "„": "“”", "‹": "›", "``": "''\"", '"': '"”', "''": "''"}
AMBIGUOUS = {'"', "''"}
SINGLE_OPENERS = {"‘": "’", "‚": "‘’"}
ALL_MARKS = set('“”«»„"‹›‘’‚')
#: Marks that can open or close a quotation, one character at a time. A straight ' is one only where
#: its context says so (doubled, as the ''…'' of wire copy; not the apostrophe of Russia's): each
#: reader decides that for itself.
OPENING_MARKS = frozenset("“«„‹\"‘‚'")
CLOSING_MARKS = frozenset("”»›\"’'")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z“\"(]|\s*$)")
PARAGRAPH_OPENS_QUOTE = re.compile(r"^(?:''|``|[“«„\"‘])")


@dataclass
class QuoteSpan:
    """A quotation as its marks give it: text[start:end], marks included."""

    start: int
    end: int
    closed: bool
    # Left open at the paragraph's end because the next paragraph goes on with the same quotation.
    continues: bool = False


def _is_word_start(text: str, i: int, lo: int) -> bool:
    return i == lo or text[i - 1].isspace() or text[i - 1] in "([{—–-/:;,"


def _single_quotes(text: str, lo: int, hi: int, taken: list[QuoteSpan]) -> list[QuoteSpan]:
    """‘Single-quoted’ spans outside double quotations; an apostrophe (a letter follows) never closes."""
    spans = []
    i = lo
    while i < hi:
        if (
            text[i] in SINGLE_OPENERS
            and _is_word_start(text, i, lo)
            and not any(q.start <= i < q.end for q in taken)
        ):
            closers = SINGLE_OPENERS[text[i]]
            j = i + 1
            while j < hi and not (
                text[j] in closers
                and (j + 1 >= hi or not text[j + 1].isalpha())
                and not text[j - 1].isspace()
            ):
                j += 1
            if i + 2 < j < hi:
                spans.append(QuoteSpan(i, j + 1, True))
                i = j + 1
                continue
        i += 1
    return spans


def find_quote_spans(text: str, lo: int, hi: int, clause_end, next_opens_quote: bool) -> list[QuoteSpan]:
    """Quotations within text[lo:hi] (one paragraph). `clause_end(start)` closes an unclosed one.

    Marks are paired left to right. An opening mark met again before any closing one means the first
    quotation was never closed: it is closed at the end of its clause. A quotation still open at the
    paragraph's end runs to the end of the paragraph when the next paragraph opens with a quotation
    mark (the convention for a quote that goes on), else it is closed at the end of its clause.
    """
    spans: list[QuoteSpan] = []

    def close_unclosed(start: int, limit: int) -> None:
        end = len(text[: min(clause_end(start), limit)].rstrip())
        if end > start + 1:
            spans.append(QuoteSpan(start, end, False))

    open_at, open_mark = None, ""
    for m in DOUBLE_MARK.finditer(text, lo, hi):
        mark, i = m.group(), m.start()
        if open_at is None:
            word_start = _is_word_start(text, i, lo) or (m.end() < hi and text[m.end()].isalnum())
            if mark in OPENS and (mark not in AMBIGUOUS or word_start):
                open_at, open_mark = i, mark
            continue
        if mark in OPENS[open_mark] or (open_mark in AMBIGUOUS and mark in "”''"):
            spans.append(QuoteSpan(open_at, m.end(), True))
            open_at = None
        elif mark == open_mark and mark not in AMBIGUOUS:
            close_unclosed(open_at, i)
            open_at = i
    if open_at is not None:
        if next_opens_quote:
            spans.append(QuoteSpan(open_at, len(text[:hi].rstrip()), False, continues=True))
        else:
            close_unclosed(open_at, hi)
    spans += _single_quotes(text, lo, hi, spans)
    return sorted(spans, key=lambda q: q.start)


def clause_end(doc: Doc, kb: Knowledge, hi: int):
    """A function closing an unclosed quotation at the end of its clause within the paragraph."""

    def close(start: int) -> int:
        span = doc.char_span(start, hi, alignment_mode="expand")
        if span is not None:
            toks = list(span)
            for k, t in enumerate(toks[1:], 1):
                if t.text in (",", ";", ":", "–", "—"):
                    nxt = toks[k + 1 : k + 4]
                    if any(n.lemma_.lower() in kb.cue_verbs or n.lower_ in kb.introducers for n in nxt):
                        return t.idx
        m = SENTENCE_END.search(text_of(doc), start + 1, hi)
        return m.end() if m else hi

    return close


def find_paragraph_quotes(doc: Doc, kb: Knowledge, body: list[tuple[int, int]]) -> list[list[QuoteSpan]]:
    """The quotations of each paragraph of `body` (a list of (start, end) offsets)."""
    text = text_of(doc)
    quotes_by_par = []
    for k, (a, b) in enumerate(body):
        nxt = body[k + 1][0] if k + 1 < len(body) else None
        next_opens = nxt is not None and PARAGRAPH_OPENS_QUOTE.match(text, nxt) is not None
        quotes_by_par.append(find_quote_spans(text, a, b, clause_end(doc, kb, b), next_opens))
    return quotes_by_par
