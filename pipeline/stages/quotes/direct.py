"""Direct quotes: each quotation is attributed by the first of `DIRECT_RULES` that names a speaker.

The rules are small functions over a `DirectState`: the quotation, its paragraph, and what the
quotations and paragraphs before it have established (the last speaker, the speaker an "adding:"
hands on). The rule that attributed a quote is kept in its `how`; the order is the one written in
the package's header, and each rule's docstring says why it sits where it does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from ...doc.index import doc_index, sentence_of, text_of
from ...knowledge import Knowledge
from ..speakers import SUBJECT_DEPS
from .candidate import Attribution, Candidate, Context, token_span
from .cues import according_span, according_to, cues_outside
from .marks import QuoteSpan, find_paragraph_quotes
from .merge import merge_interrupted
from .sources import can_speak, mention_for, speaker_of_cue

DIALOGUE = re.compile(r"^(?P<name>[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3})\s*:\s*(?:[“\"«„]|'')")
LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-•*–])\s+")
# A quote before this many words is a title ("“Lilyhammer” and “Narcos”"), not something said, and
# hands its speaker on only to the rest of the paragraph (`paragraph`), not as the same sentence's.
SAID_MIN_WORDS = 5
# A paragraph opening with a quotation continues the last speaker named with a cue this many
# paragraphs back at most.
CONTINUED_MAX_PARAGRAPHS = 2


@dataclass
class Paragraph:
    """A body paragraph: its index among the body paragraphs, its offsets and what opens it."""

    index: int
    start: int
    end: int
    text: str
    # `Name: “…”` at its start, a line of dialogue.
    dialogue: re.Match | None
    # Is a character offset inside one of the paragraph's quotations?
    inside: Callable[[int], bool]


@dataclass
class DirectState:
    """What the direct-quote rules read: the quotation and what the ones before it established."""

    doc: Doc
    kb: Knowledge
    par: Paragraph | None = None
    quote: QuoteSpan | None = None
    # The speaker the previous paragraph hands on ("…, adding:").
    carry: Attribution | None = None
    # The last attribution that named its speaker outright, and its paragraph.
    last_strong: tuple[Attribution, int] | None = None
    # The last attributed quotation of this paragraph, the start of its sentence and its length in words.
    prev: Attribution | None = None
    prev_sent: int | None = None
    prev_words: int = 0


def by_dialogue(s: DirectState) -> Attribution | None:
    """`dialogue`: a paragraph that opens with `Name:` and a quotation (`Putin: “Good,”`) is that
    name's line, whatever else the paragraph holds; first, since the name is as explicit as it gets."""
    if not s.par.dialogue:
        return None
    a = s.par.start
    tok = s.doc.char_span(a, a + len(s.par.dialogue.group("name")), alignment_mode="expand")
    spk = mention_for(s.doc, tok.root) if tok is not None else None
    colon = a + s.par.text.index(":")
    return Attribution(spk, {"start": colon, "end": colon + 1, "text": ":"}, "dialogue", True)


def by_introducer(s: DirectState) -> Attribution | None:
    """`introduced`: "…, adding:" then a quoted paragraph: the introducer names its speaker. Before
    `cue`, since a cue word inside the quoted paragraph belongs to what the speaker goes on to say."""
    if s.carry is not None and s.quote.start == s.par.start:
        return Attribution(s.carry.speaker, s.carry.cue, "introduced", True)
    return None


def by_cue(s: DirectState) -> Attribution | None:
    """`cue`: a verb of saying outside the quotation in its sentence, nearest first: the commonest
    attribution, and the one that names the speaker where it is said."""
    return attribute_by_cue(s.kb, s.doc, s.quote, s.par.inside)


def by_earlier_quote(s: DirectState) -> Attribution | None:
    """`sentence` / `paragraph`: a quote with no cue of its own goes with the quote before it. The
    same sentence as that quote ("…,” including by “suspending”") is surely the same speaker;
    elsewhere in the paragraph only probably."""
    if s.prev is None:
        return None
    same = s.prev_sent is not None and sentence_start(s.doc, s.quote.start) == s.prev_sent
    # …as long as that quote was said, not a title ("“Lilyhammer” and “Narcos”").
    same = same and s.prev_words >= SAID_MIN_WORDS
    return Attribution(s.prev.speaker, s.prev.cue, "sentence" if same else "paragraph", s.prev.strong)


def by_introducer_later(s: DirectState) -> Attribution | None:
    """`introduced`, for a quotation later in a paragraph after an "adding:" and no cue or earlier
    quote of its own: the introducer still names the speaker best."""
    if s.carry is not None:
        return Attribution(s.carry.speaker, s.carry.cue, "introduced", True)
    return None


def by_continuation(s: DirectState) -> Attribution | None:
    """`continued`: a paragraph that opens with a quotation (or a list item) continues the last
    speaker named with a cue, if that was within the two paragraphs before. After the rules of the
    quote's own paragraph, since it reaches furthest."""
    opens = s.quote.start == s.par.start or LIST_ITEM.match(s.par.text) is not None
    if opens and s.last_strong and s.par.index - s.last_strong[1] <= CONTINUED_MAX_PARAGRAPHS:
        return Attribution(s.last_strong[0].speaker, None, "continued", True)
    return None


def by_subject(s: DirectState) -> Attribution | None:
    """`subject`: a known speaker that is the subject of the sentence (`Russia’s Defense Ministry
    “proposed…”`). Last and weak: it guesses from the sentence, with no word of saying."""
    return attribute_by_subject(s.doc, s.quote, s.par.inside)


DIRECT_RULES: tuple[Callable[[DirectState], Attribution | None], ...] = (
    by_dialogue,
    by_introducer,
    by_cue,
    by_earlier_quote,
    by_introducer_later,
    by_continuation,
    by_subject,
)


def attribute_quote(s: DirectState) -> Attribution:
    """The attribution of the first rule that applies; `none` (no speaker) if none does."""
    for rule in DIRECT_RULES:
        att = rule(s)
        if att is not None:
            return att
    return Attribution(None, None, "none", False)


def attribute_direct(
    doc: Doc, kb: Knowledge, par_spans: list[tuple[int, int]], quotes_by_par: list[list[QuoteSpan]]
) -> list[Candidate]:
    """Attribute every direct quote, paragraph by paragraph, carrying speakers across paragraphs."""
    results = []
    state = DirectState(doc, kb)
    text = text_of(doc)
    for p, (a, b) in enumerate(par_spans):
        qspans = quotes_by_par[p]
        inside = lambda i, qs=qspans: any(q.start <= i < q.end for q in qs)  # noqa: E731
        state.par = Paragraph(p, a, b, text[a:b], DIALOGUE.match(text[a:b]), inside)
        state.prev, state.prev_sent, state.prev_words = None, None, 0
        for q in qspans:
            state.quote = q
            att = attribute_quote(state)
            if att.strong and att.speaker:
                state.last_strong = (att, p)
            if att.speaker:
                state.prev, state.prev_sent = att, sentence_start(doc, q.end - 1)
                state.prev_words = len(text[q.start : q.end].split())
            results.append(Candidate(q.start, q.end, att, closed=q.closed, par=p, continues=q.continues))
        reporter = last_reporter(kb, doc, a, b, inside)
        if reporter is not None and not (
            state.last_strong and state.last_strong[1] == p and qspans[-1].end > reporter[1]
        ):
            state.last_strong = (reporter[0], p)
        state.carry = introduced_speaker(kb, doc, a, b, inside)
    return results


def attribute_by_cue(kb: Knowledge, doc: Doc, q: QuoteSpan, inside) -> Attribution | None:
    """The speaker of the nearest cue outside the quotation, in its sentence(s) or the next."""
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    if span is None:
        return None
    index = doc_index(doc)
    sents = {index.sent_of(span[0].i), index.sent_of(span[-1].i)}
    searched = [(sent, False) for sent in sents]
    # "… in Iraq.” Trump said.": the parser may start a new sentence at the cue just after the
    # closing mark; that sentence is searched too, but only after the quotation's own, however far
    # its cue ("Frazier said that X is “simply not true.” Cruz has supported …" is Frazier's).
    if span.end < len(doc) and not text_of(doc)[q.end : doc[span.end].idx].strip():
        after = index.sent_of(span.end)
        if after.start == span.end and not inside(after[0].idx) and after not in sents:
            searched.append((after, True))
    cues = []
    for sent, fallback in searched:
        for c in cues_outside(kb, sent, inside):
            dist = min(abs(c.i - span.start), abs(c.i - (span.end - 1)))
            # Nearest first; on a tie the cue after the quotation ("…,” Shoigu said") wins.
            after = 0 if c.i >= span.end else 1
            cues.append((fallback, dist, after, c.i, c, sent))
    for *_, cue, sent in sorted(cues, key=lambda x: x[:4]):
        if cue.lower_ == "according":
            obj = according_to(sent)
            spk = mention_for(doc, obj) if obj is not None else None
            cue_span = according_span(cue)
        else:
            spk = speaker_of_cue(doc, cue, sent, inside)
            cue_span = token_span(cue)
        # A mention inside a quotation is something the speaker says, not the speaker.
        if spk and not inside(spk["start"]):
            return Attribution(spk, cue_span, "cue", True)
    return None


def attribute_by_subject(doc: Doc, q: QuoteSpan, inside) -> Attribution | None:
    """A known speaker mention that is a subject of the quotation's sentence, before the quotation."""
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    if span is None:
        return None
    for t in doc_index(doc).sent_of(span[0].i):
        if t.dep_ in SUBJECT_DEPS and not inside(t.idx) and t.idx < q.start:
            m = mention_for(doc, t)
            if m and m["known"]:
                return Attribution(m, None, "subject", False)
    return None


def last_reporter(kb: Knowledge, doc: Doc, a: int, b: int, inside) -> tuple[Attribution, int] | None:
    """The speaker of the paragraph's last cue outside quotations ("…, Lin added."), and where it
    is: a quoted paragraph with no cue of its own goes on in that voice (`continued`)."""
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return None
    index = doc_index(doc)
    for sent in reversed(index.sents_in(span)):
        for cue in reversed(cues_outside(kb, sent, inside)):
            if cue.lower_ == "according":
                continue
            spk = speaker_of_cue(doc, cue, sent, inside)
            if spk and can_speak(kb, doc, spk):
                return Attribution(spk, token_span(cue), "cue", True), cue.idx
    return None


def introduced_speaker(kb: Knowledge, doc: Doc, a: int, b: int, inside) -> Attribution | None:
    """The speaker a paragraph hands on to the next one when it ends in "adding:" or "saying"."""
    tail = text_of(doc)[a:b].rstrip()
    words = re.findall(r"[\w’']+", tail[-40:].lower())
    # "…, adding:" or "Putin agreed, saying" hand on; "…,” he added." has said its piece.
    if not (tail.endswith(":") or (tail[-1:].isalpha() and words and words[-1] in kb.introducers)):
        return None
    span = doc.char_span(a, b, alignment_mode="expand")
    if span is None:
        return None
    last = doc_index(doc).sent_of(span[-1].i)
    cues = [t for t in cues_outside(kb, last, inside) if t.lower_ != "according"]
    for cue in reversed(cues):
        spk = speaker_of_cue(doc, cue, last)
        if spk:
            return Attribution(spk, token_span(cue), "introduced", True)
    acc = according_to(last)
    if acc is not None:
        spk = mention_for(doc, acc)
        return Attribution(spk, None, "introduced", True) if spk else None
    for t in last:
        if t.dep_ in SUBJECT_DEPS and not inside(t.idx):
            m = mention_for(doc, t)
            if m and m["known"]:
                return Attribution(m, None, "introduced", True)
    return None


def sentence_start(doc: Doc, char: int) -> int | None:
    """The offset of the sentence holding character `char`."""
    sent = sentence_of(doc, char)
    return sent.start_char if sent is not None else None


def find_direct(ctx: Context, body: list[tuple[int, int]]) -> list[Candidate]:
    """The attributed direct quotes of the body paragraphs, interrupted ones merged.

    A quotation nobody in the text is said to speak is no attribution (headlines, titles of works,
    link lists).
    """
    quotes_by_par = find_paragraph_quotes(ctx.doc, ctx.kb, body)
    direct = attribute_direct(ctx.doc, ctx.kb, body, quotes_by_par)
    direct = [q for q in merge_interrupted(ctx.kb, ctx.doc, body, direct) if q.att.speaker is not None]
    for q in direct:
        q.kind = "direct"
    return direct
