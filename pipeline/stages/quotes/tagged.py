"""The tagger-based rules: where the trained role tagger ran (`pipeline/stages/roles/`), reported
content no rule found (`how: "tagged"`): the complement of a verb it reads as a cue, and runs of words
it reads as content. The tagger decides; the parse draws the span; the rules name the speaker.
"""

from __future__ import annotations

import numpy

from ...doc.index import doc_index, text_of
from ..roles.tagger import ROLE_LABELS
from ..speakers import SUBJECT_DEPS
from .candidate import Candidate, Context, token_span, within
from .cues import of_according_to
from .reported import COMPLEMENT_DEPS, DASH, cut_clause, holds_clause, indirect, reported_span
from .sources import can_speak, mention_for, speaker_of_cue


def tagged_cue_content(ctx: Context, found: list[Candidate], direct: list[Candidate]) -> list[Candidate]:
    """Reported content the rules missed, where the tagger reads a verb as a cue that no rule
    attributed through: the verb's complement, as the parse gives it, if the tagger reads enough
    of it as content. The tagger decides; the parse draws the span; the rules name the speaker."""
    doc = ctx.doc
    scores = doc._.role_scores
    if scores is None:
        return []
    cue_col, content_col = ROLE_LABELS.index("CUE"), ROLE_LABELS.index("CONTENT")
    taken = [(q.start, q.end) for q in found]
    used = {q.att.cue["start"] for q in found if q.att.cue}
    body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] == "body"]
    out = []
    for i in numpy.flatnonzero(scores[:, cue_col] >= ctx.limits.tagged_cue_min):
        t = doc[int(i)]
        if t.idx in used or of_according_to(t):
            continue
        if t.pos_ not in ("VERB", "AUX") or not any(a <= t.idx < b for a, b in body):
            continue
        right = [c for c in t.rights if c.dep_ in COMPLEMENT_DEPS | {"ccomp"}]
        if not right:
            continue
        preps = ctx.kb.directive_preps.get(t.lemma_.lower(), ())
        if all(c.dep_ == "prep" for c in right) and not holds_clause(right, preps):
            # "said at a news conference": a setting, as in `complement_content`.
            continue
        first = min((c.left_edge for c in right), key=lambda x: x.i)
        last = max((c.right_edge for c in right), key=lambda x: x.i)
        words = [x.i for x in doc[first.i : last.i + 1] if not (x.is_punct or x.is_space)]
        if (
            len(words) < ctx.limits.tagged_cue_words
            or scores[words, content_col].mean() < ctx.limits.tagged_cue_share
        ):
            continue
        a, b = first.idx, last.idx + len(last)
        if any(x < b and a < y for x, y in taken):
            continue
        sent = doc_index(doc).sent_of(t.i)
        spk = speaker_of_cue(doc, t, sent, within(direct))
        if spk is None or not can_speak(ctx.kb, doc, spk):
            continue
        reported = reported_span(ctx, a, b, direct)
        if reported:
            out.append(indirect(reported[1], spk, token_span(t), "tagged", reported[0]))
            taken.append(reported[1])
    return out


def tagged_content(ctx: Context, found: list[Candidate]) -> list[Candidate]:
    """Reported content the rules missed: a run of words the role tagger reads as content, in a
    sentence where it also reads a cue and a source (the source's mention is the rules' own)."""
    doc = ctx.doc
    scores = doc._.role_scores
    if scores is None:
        return []
    labels = scores.argmax(axis=1)
    content, cue_l, source_l = (ROLE_LABELS.index(r) for r in ("CONTENT", "CUE", "SOURCE"))
    taken = [(q.start, q.end) for q in found]
    out = []
    body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] == "body"]
    index = doc_index(doc)
    # Only sentences where the tagger reads both a cue and a source can hold such a run.
    with_cue = {index.sent_of(int(i)).start for i in numpy.flatnonzero(labels == cue_l)}
    with_both = with_cue & {index.sent_of(int(i)).start for i in numpy.flatnonzero(labels == source_l)}
    for sent in index.sents:
        if sent.start not in with_both or not any(a <= sent.start_char < b for a, b in body):
            continue
        toks = list(sent)
        cues = [t for t in toks if labels[t.i] == cue_l and not t.is_punct]
        sources = [t for t in toks if labels[t.i] == source_l and not t.is_punct]
        if not cues or not sources:
            continue
        runs, run = [], []
        for t in toks:
            if labels[t.i] == content or (run and t.is_punct and labels[t.i] != cue_l):
                run.append(t)
            else:
                if run:
                    runs.append(run)
                run = []
        if run:
            runs.append(run)
        for run in runs:
            words = [t for t in run if not t.is_punct]
            if len(words) < ctx.limits.tagged_min_words:
                continue
            a, b = run[0].idx, run[-1].idx + len(run[-1])
            if any(x < b and a < y for x, y in taken):
                continue
            cue = min(cues, key=lambda t: min(abs(t.i - run[0].i), abs(t.i - run[-1].i)))
            if of_according_to(cue):
                continue
            # "…,” said Lavrov – given the regime’s rage …": past a dash is the writer's aside, as
            # in `cut_clause`.
            lo, hi = sorted((cue.idx, a if cue.idx < a else b))
            if DASH.search(text_of(doc), lo, hi):
                continue
            head = max(
                (t for t in sources if t.head.i == cue.i or t.dep_ in SUBJECT_DEPS),
                key=lambda t: -abs(t.i - cue.i),
                default=None,
            )
            spk = mention_for(doc, head) if head is not None else None
            if spk is None or not can_speak(ctx.kb, doc, spk):
                continue
            cut = cut_clause(ctx, a, b, [])
            if cut:
                out.append(indirect(cut, spk, token_span(cue), "tagged"))
                taken.append(cut)
    return out
