"""Reported speech: `X said (that) Y`, `Y, X said`, `according to X, Y` and `Y, according to X`, the
complement of a cue verb ("urged them to …"), a cue clause set into the sentence it reports, and a
paragraph led by a name and a colon. A reported clause holding short quotations is one `mixed`
attribution. Rules and thresholds were chosen on the PolNeAR train split (see `models/cues.yml`).
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from ...doc.index import doc_index, text_of
from ..speakers import SUBJECT_DEPS
from .candidate import Attribution, Candidate, Context, token_span, within
from .cues import according_span, according_to, cues_outside, is_cue
from .sources import can_speak, mention_for, speaker_of_cue
from .thresholds import MIXED_SHARE

# A paragraph led by a name (or Q/A of an interview) and a colon, not by a label of the page.
COLON_LEAD = re.compile(r"(?P<name>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3})\s*:\s+(?=\S)")
DASH = re.compile(r"\s[–—]\s|\s--\s")
# Dependents that make up what a cue verb reports, when it has no clause complement.
COMPLEMENT_DEPS = {"dobj", "xcomp", "prep", "oprd", "attr", "acomp", "dative", "obj"}
# A plain (unquoted) complement counts only with a clause in it ("urged X to …", "vowed to …").
CLAUSAL_DEPS = {"xcomp", "ccomp", "prep"}
# Words that join another speaker's report to a reported clause ("…, while Blinken said …").
SECOND_REPORT_LINKS = {"while", "whereas", "and", "but", "although", "though"}
# Reported content shorter than this many words is no attribution.
CONTENT_MIN_WORDS = 3


def cut_clause(
    ctx: Context, start: int, end: int, quotes: list[Candidate], at_dash: bool = True
) -> tuple[int, int] | None:
    """Trim reported content: stop before a dash (if `at_dash`), a quotation or a trailing "…, adding"."""
    doc = ctx.doc
    text = text_of(doc)
    stop = end
    m = DASH.search(text, start, end) if at_dash else None
    if m:
        stop = min(stop, m.start())
    for q in quotes:
        if start <= q.start < stop:
            stop = q.start
    span = doc.char_span(start, stop, alignment_mode="expand")
    if span is not None:
        for t in span:
            if t.i + 1 >= len(doc):
                continue
            nxt = doc[t.i + 1]
            if t.text in (",", ";") and (
                (nxt.lower_ in ctx.kb.introducers and nxt.tag_ in ("VBG", "VBD", "VBZ"))
                # "…, calling it a concern": a second report of the same speaker.
                or (nxt.tag_ == "VBG" and is_cue(ctx.kb, nxt))
            ):
                stop = min(stop, t.idx)
                break
            if t.lower_ in ("and", "but") and reports_again(ctx, nxt):
                stop = min(stop, t.idx)
                break
            if t.lower_ in SECOND_REPORT_LINKS and reports_anew(ctx, t):
                # "…, even though many observers doubt it": the "even" goes with the second report.
                link = doc[t.i - 1] if t.i and doc[t.i - 1].lower_ == "even" else t
                stop = min(stop, link.idx)
                break
    body = text[start:stop]
    stop = start + len(body.rstrip(' \n,;:.–—-“”"‘’'))
    lead = len(text[start:stop]) - len(text[start:stop].lstrip(' ,“"‘'))
    start += lead
    if stop <= start or len(text[start:stop].split()) < CONTENT_MIN_WORDS:
        return None
    return start, stop


def reports_anew(ctx: Context, link: Token) -> bool:
    """Does `link` open another speaker's report inside the clause ("X said the treaty was dead,
    while Blinken said it could be saved")? The parser hangs it on the reported clause; it is a
    second attribution, and the first one's content ends before it."""
    subject = link.doc[link.i + 1] if link.i + 1 < len(link.doc) else None
    while subject is not None and subject.dep_ not in SUBJECT_DEPS and subject.head.i > subject.i:
        subject = subject.head
    if subject is None or subject.dep_ not in SUBJECT_DEPS or subject.left_edge.i != link.i + 1:
        return False
    verb = subject.head
    return (
        verb.dep_ in ("advcl", "conj")
        and verb.tag_ in ("VBD", "VBZ", "VBP")
        and is_cue(ctx.kb, verb)
        and link in (verb.children if link.dep_ == "mark" else verb.head.children)
    )


def reports_again(ctx: Context, verb: Token) -> bool:
    """Is `verb` a second verb of saying of the same speaker ("said X and expressed hope that Y"):
    a finite cue verb with no subject of its own? Its report is an attribution of its own."""
    return (
        verb.tag_ in ("VBD", "VBZ")
        and is_cue(ctx.kb, verb)
        and not any(c.dep_ in SUBJECT_DEPS for c in verb.children)
    )


def find_indirect(ctx: Context, body_pars, direct: list[Candidate]) -> list[Candidate]:
    """Reported speech outside quotation marks: ccomp of a cue verb, and `according to X, Y`."""
    doc = ctx.doc
    found = []
    inside_direct = within(direct)
    # (content end, clause end, speaker) of each "X said …": a report cut off by "…, calling it Y"
    # goes on in that participle, which is the same speaker's.
    reports: list[tuple[int, int, dict]] = []
    for a, b in body_pars:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is None:
            continue
        found += colon_content(ctx, a, b, direct)
        for sent in doc_index(doc).sents_in(span):
            acc = according_to(sent)
            if acc is not None and not inside_direct(acc.idx):
                found += according_content(ctx, sent, acc, direct)
            for cue in cues_outside(ctx.kb, sent, inside_direct):
                if cue.lower_ == "according":
                    continue
                comp = next(
                    # The clause's head may sit inside a quotation ("said he was “encouraged” by it").
                    (c for c in cue.children if c.dep_ == "ccomp"),
                    None,
                )
                if comp is None and cue.dep_ == "parataxis":
                    found += parenthetical_content(ctx, cue, sent, direct)
                    continue
                if comp is None:
                    found += complement_content(ctx, cue, sent, direct)
                    continue
                left, right = comp.left_edge, comp.right_edge
                # "If this occurs, …, he asked": a fronted condition is not what was said.
                if left.lower_ in ("if", "when", "as", "while", "because") and comp.i < cue.i:
                    continue
                spk = speaker_of_cue(doc, cue, sent, inside_direct)
                if spk is None or not can_speak(ctx.kb, doc, spk):
                    continue
                if left.lower_ == "that" and left.dep_ == "mark":
                    left = doc[left.i + 1]
                # Content before its cue ("“…,” Lavrov explained") is mixed only when little of it is quoted.
                share = (
                    ctx.limits.mixed_share
                    if comp.i > cue.i and cue.tag_ != "VBG"
                    else ctx.limits.mixed_share_fronted
                )
                reported = reported_span(ctx, left.idx, right.idx + len(right), direct, share)
                if reported:
                    found.append(indirect(reported[1], spk, token_span(cue), "cue", reported[0]))
                    reports.append((reported[1][1], right.idx + len(right), spk))
    for item in found:
        cue = item.att.cue
        if item.att.how != "complement" or doc.char_span(cue["start"], cue["end"]).root.tag_ != "VBG":
            continue
        for end, clause_end, spk in reports:
            if end < cue["start"] < clause_end:
                item.att.speaker = spk
    # One attribution per content: drop repeats and clauses nested in a larger reported clause.
    found.sort(key=lambda q: (q.start, -q.end))
    out: list[Candidate] = []
    for item in found:
        if any(o.start <= item.start and item.end <= o.end for o in out):
            continue
        out.append(item)
    return out


def parenthetical_content(ctx: Context, cue: Token, sent: Span, direct: list[Candidate]) -> list[Candidate]:
    """`Y, police said, Y`: a cue clause set into the sentence it reports (the parser hangs it on
    the sentence's verb as parataxis). The content is that sentence, cue clause and all, since a
    record's content is one span."""
    doc = ctx.doc
    if not any(c.dep_ in SUBJECT_DEPS for c in cue.children):
        return []
    spk = speaker_of_cue(doc, cue, sent, within(direct))
    if spk is None or not can_speak(ctx.kb, doc, spk):
        return []
    head = cue.head
    start = max(head.left_edge.idx, sent.start_char)
    last = min(head.right_edge.i, sent.end - 1)
    reported = reported_span(
        ctx, start, doc[last].idx + len(doc[last]), direct, ctx.limits.mixed_share_fronted
    )
    if reported is None:
        return []
    return [indirect(reported[1], spk, token_span(cue), "cue", reported[0])]


def colon_content(ctx: Context, a: int, b: int, direct: list[Candidate]) -> list[Candidate]:
    """`Sanders: Endorsements prove …` and interview lines (`A: Believe me, …`): the paragraph
    after a leading name and colon is what that name says."""
    doc = ctx.doc
    m = COLON_LEAD.match(text_of(doc), a, b)
    if m is not None and m.group("name").split()[0].lower().strip(".’'") in ctx.kb.colon_labels:
        return []
    if m is None or any(q.start < b and q.end > a for q in direct if q.start <= m.end()):
        return []
    start, end = m.end(), b
    kind = clause_kind(doc, start, end, direct, ctx.limits.mixed_share)
    name = doc.char_span(a, m.end("name"), alignment_mode="expand")
    if kind is None or name is None:
        return []
    spk = mention_for(doc, name.root) or {"name": name.text, "known": False}
    spk = {**spk, "start": name.start_char, "end": name.end_char, "text": name.text}
    colon = m.end("name") + text_of(doc)[m.end("name") : m.end()].index(":")
    cue = {"start": colon, "end": colon + 1, "text": ":"}
    cut = cut_clause(ctx, start, end, direct if kind == "indirect" else [])
    return [indirect(cut, spk, cue, "colon", kind)] if cut else []


def according_content(ctx: Context, sent: Span, acc: Token, direct: list[Candidate]) -> list[Candidate]:
    """`According to X, Y` and `Y, according to X`: Y is what X is reported to say."""
    doc = ctx.doc
    according = next(t for t in sent if t.lower_ == "according")
    spk = mention_for(doc, acc)
    if spk is None:
        return []
    lead = text_of(doc)[sent.start_char : according.idx].strip(" \n,;:—–-")
    if len(lead.split()) >= 3:
        # Y comes first: the clause before ", according to X" (unless a quotation says it already).
        start, end, share = sent.start_char, according.idx, ctx.limits.mixed_share_fronted
    else:
        comma = next((t for t in sent if t.i > acc.i and t.text == ","), None)
        if comma is None:
            return []
        start, end, share = comma.idx + 1, sent.end_char, ctx.limits.mixed_share
    reported = reported_span(ctx, start, end, direct, share)
    if reported is None:
        return []
    return [indirect(reported[1], spk, according_span(according), "according", reported[0])]


def complement_content(ctx: Context, cue: Token, sent: Span, direct: list[Candidate]) -> list[Candidate]:
    """`X called the plan “a disaster”`, `X accused Y of Z`: the cue's complement is the content.

    Taken when part of it is quoted (a mixed attribution), or when the verb heads a cue in most of
    its uses in PolNeAR train (`p` in models/cues.yml), so that "X made a speech" is left alone.
    """
    doc = ctx.doc
    right = [c for c in cue.rights if c.dep_ in COMPLEMENT_DEPS]
    if not right:
        return []
    start = min(c.left_edge.idx for c in right)
    last = max((c.right_edge for c in right), key=lambda t: t.i)
    end = last.idx + len(last)
    kind = clause_kind(doc, start, end, direct, ctx.limits.mixed_share)
    if kind is None:
        return []
    if kind == "mixed" and not all(quote_in_phrase(doc, q, cue) for q in direct if start <= q.start < end):
        return []
    if kind == "indirect" and (
        ctx.kb.cue_precision.get(cue.lemma_.lower(), 0.0) < ctx.limits.complement_min_precision
        or not holds_clause(right, ctx.kb.directive_preps.get(cue.lemma_.lower(), ()))
    ):
        return []
    if right[0].dep_ == "prep" and kind == "indirect" and list(right[0].children):
        # "called on Russia to release …": what is asked starts after the preposition.
        start = min(t.left_edge.idx for t in right[0].children)
    # Verbs whose complement was rarely the reported content on PolNeAR train ("spoke at the
    # rally"): models/complement_cues.yml, `make complements`.
    n, share = ctx.kb.complement_share.get(cue.lemma_.lower(), (0, 1.0))
    if kind == "indirect" and share < ctx.limits.complement_min_share:
        return []
    spk = speaker_of_cue(doc, cue, sent, within(direct))
    if spk is None or not can_speak(ctx.kb, doc, spk):
        return []
    cut = cut_clause(ctx, start, end, direct if kind == "indirect" else [])
    return [indirect(cut, spk, token_span(cue), "complement", kind)] if cut else []


def holds_clause(right: list[Token], directive_preps=()) -> bool:
    """Do a cue's complements hold what was said? An object clause or infinitive does, and so does
    an object with a phrase ("accused Y of Z"); prepositional phrases alone only with a verb of
    their own in them ("called on X to release …"), not a setting or a topic ("said at a news
    conference", "commenting on the plan"), unless the verb asks for it ("called for a ban")."""
    # A small clause counts too: "calling it a concern" (the parser's oprd).
    if any(c.dep_ in ("xcomp", "ccomp", "oprd") or that_clause(c) for c in right):
        return True
    if not any(c.dep_ == "prep" for c in right):
        return False
    if any(c.dep_ != "prep" or c.lower_ in directive_preps for c in right):
        return True
    return any(
        (t.tag_ == "TO" and t.dep_ == "aux") or t.dep_ == "ccomp" or (t.dep_ == "pcomp" and t.pos_ == "VERB")
        for c in right
        for t in c.subtree
    )


def that_clause(noun: Token) -> bool:
    """Does an object noun hold a that-clause ("expressed hope that …", "rejected claims that …")?"""
    return any(
        c.dep_ in ("acl", "ccomp") and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
        for c in noun.children
    )


def quote_in_phrase(doc: Doc, q: Candidate, cue: Token) -> bool:
    """Is the quotation part of the cue's own phrase ("called it “a disaster”"), not of a clause
    further down ("asked them to wait unless the US is “ready …”")?"""
    span = doc.char_span(q.start, q.end, alignment_mode="expand")
    node = span.root if span is not None else None
    while node is not None and node.i != cue.i:
        if node.dep_ in ("advcl", "relcl", "ccomp", "acl", "parataxis", "conj"):
            return False
        node = node.head if node.head.i != node.i else None
    return node is not None and node.i == cue.i


def indirect(cut: tuple[int, int], speaker: dict, cue: dict, how: str, kind: str = "indirect") -> Candidate:
    """A reported content text[cut[0]:cut[1]], attributed by rule `how`."""
    return Candidate(cut[0], cut[1], Attribution(speaker, cue, how, True), kind=kind, closed=True)


def reported_span(
    ctx: Context, start: int, end: int, direct: list[Candidate], share: float | None = None
) -> tuple[str, tuple] | None:
    """Kind and trimmed span of the content text[start:end] reports.

    A dash does not end a reported clause that goes on ("… tone of the campaign -- “an outrage” --
    that he is considering …"); but where a quotation after a dash says most of it ("… since 1999 –
    by “testing …”"), the quotation carries that part and the words before the dash stand alone.
    """
    doc = ctx.doc
    share = ctx.limits.mixed_share if share is None else share
    kind = clause_kind(doc, start, end, direct, share)
    if kind is not None:
        cut = cut_clause(ctx, start, end, direct if kind == "indirect" else [], at_dash=False)
        return (kind, cut) if cut else None
    first = min((q.start for q in direct if start <= q.start < end), default=None)
    dash = DASH.search(text_of(doc), start, first) if first is not None else None
    if dash is None:
        return None
    cut = cut_clause(ctx, start, dash.start(), [])
    return ("indirect", cut) if cut else None


def clause_kind(
    doc: Doc, start: int, end: int, direct: list[Candidate], share: float = MIXED_SHARE
) -> str | None:
    """How a reported clause relates to the quotations in it: none (indirect), a little of it
    quoted (mixed), or mostly quoted (None: the quotation carries the attribution)."""
    inside = [q for q in direct if q.start < end and q.end > start]
    if not inside:
        return "indirect"
    # The closing mark and stop often hang on the verb, just past the clause's last word.
    reach = end + len(text_of(doc)[end : end + 4]) - len(text_of(doc)[end : end + 4].lstrip(".,;:!?”\"’»'"))
    if any(q.start < start or q.end > reach for q in inside):
        return None
    text = text_of(doc)
    quoted = sum(len("".join(text[q.start : q.end].split())) for q in inside)
    whole = len("".join(text[start:end].split())) or 1
    return "mixed" if quoted / whole < share else None


def close_mixed(indirect: list[Candidate], direct: list[Candidate]) -> list[Candidate]:
    """The mixed attributions among `indirect`, each ending where the last quotation in it ends.

    Trimming the clause's last stop also cuts the closing mark of a quotation that ends it
    (`as “kind” with a “great heart.”`): the mixed span ends where that quotation ends.
    """
    for m in [q for q in indirect if q.kind == "mixed"]:
        m.end = max([m.end] + [d.end for d in direct if m.start <= d.start < m.end < d.end])
    return [q for q in indirect if q.kind == "mixed"]
