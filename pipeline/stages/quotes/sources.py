"""Sources: the speaker mention a cue or a quotation names, and whether it can speak at all.

Mentions come from the speakers stage (`doc._.speaker_mentions`); where none covers the word the
parse names as the source, one is built from its noun phrase (`known: False`).
"""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from ...knowledge import Knowledge
from ..speakers import SUBJECT_DEPS, normalise_name
from ..treaties import find_named_mentions
from .candidate import Candidate
from .cues import according_to
from .marks import ALL_MARKS

# Pronouns that can stand for a source ("who said …" names the source by its relative pronoun).
SPEAKING_PRONOUNS = {"i", "we", "you", "he", "she", "they", "who", "one", "someone", "anyone", "everyone"}


def mention_for(doc: Doc, token: Token) -> dict | None:
    """The speaker mention covering `token`, else one built from its noun phrase."""
    for m in doc._.speaker_mentions or []:
        if m["start"] <= token.idx < m["end"]:
            return {
                "name": m["name"],
                "start": m["start"],
                "end": m["end"],
                "text": m["text"],
                "known": m["how"] != "unresolved",
            }
    if token.pos_ not in ("PROPN", "NOUN", "PRON", "NUM"):
        return None
    if token.lower_ in ("who", "that") and token.head.dep_ == "relcl" and token.head.head.i != token.head.i:
        # "voters who said …": the source is named by "who", and is the voters.
        named = mention_for(doc, token.head.head)
        return {
            "name": named["name"] if named else token.text,
            "start": token.idx,
            "end": token.idx + len(token),
            "text": token.text,
            "known": bool(named and named["known"]),
        }
    left = token.left_edge
    # Keep the phrase to the left (determiners, titles, compounds); drop relative clauses etc.
    span = doc[left.i : token.i + 1]
    while len(span) > 1 and (span[0].is_punct or span[0].text in ALL_MARKS):
        span = span[1:]
    name = normalise_name(span)
    if token.pos_ == "PROPN" and " " not in name:
        # A surname the entity recogniser missed: the full name used for it elsewhere.
        full = next(
            (
                m["name"]
                for m in doc._.speaker_mentions or []
                if m["kind"] == "person" and m["name"].split()[-1] == name
            ),
            None,
        )
        if full:
            return {
                "name": full,
                "start": span.start_char,
                "end": span.end_char,
                "text": span.text,
                "known": True,
            }
    return {
        "name": name,
        "start": span.start_char,
        "end": span.end_char,
        "text": span.text,
        "known": False,
    }


def speaker_of_cue(doc: Doc, cue: Token, sent: Span, inside=None) -> dict | None:
    """Who says what `cue` introduces. `inside(char)` tells positions within quotations: a
    subject the parser found inside one is a word of the quote, not its speaker."""
    inside = inside or (lambda i: False)
    for child in cue.children:
        if child.dep_ in SUBJECT_DEPS and not inside(child.idx):
            if child.lower_ == "it":
                # "It said …" speaks only once the speakers stage has found whom "it" names.
                m = mention_for(doc, child)
                return m if m and m["known"] else None
            if child.lower_ in ("this", "that", "which", "there"):
                return None
            return mention_for(doc, child)
    # "…,” Trump said": a name just before the cue, when the parser missed the subject.
    if cue.i > sent.start:
        before = doc[cue.i - 1]
        if (
            before.pos_ in ("PROPN", "PRON")
            and not inside(before.idx)
            and before.lower_ not in ("it", "that")
        ):
            return mention_for(doc, before)
    acc = according_to(sent)
    if acc is not None:
        return mention_for(doc, acc)
    # "Putin agreed, saying …": share the subject of the verb this one depends on.
    head = cue
    while head.dep_ in ("advcl", "xcomp", "conj", "ccomp", "dep") and head.head.i != head.i:
        head = head.head
        for child in head.children:
            if child.dep_ in SUBJECT_DEPS:
                m = mention_for(doc, child)
                return m if m and m["known"] else None
    # "… ,” said Lavrov": an inverted subject parsed as an object or modifier.
    for t in doc[cue.i + 1 : min(cue.i + 4, sent.end)]:
        if t.ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
            continue  # "said Wednesday": when, not who
        if t.pos_ in ("PROPN", "PRON") or t.ent_type_ in ("PERSON", "ORG"):
            return mention_for(doc, t)
    return None


def can_speak(kb: Knowledge, doc: Doc, speaker: dict) -> bool:
    """Is this mention a plausible source: a person, group or document, not a treaty or a dummy "it"?"""
    if speaker.get("known"):
        return True
    span = doc.char_span(speaker["start"], speaker["end"], alignment_mode="expand")
    if span is None:
        return False
    if find_named_mentions(span.text, kb):
        return False  # "New START agreed …": a treaty does not speak
    head = span.root
    # "No evidence suggests otherwise": a noun negated by "no" names nobody who said anything.
    if any(c.dep_ == "det" and c.lower_ == "no" for c in head.children):
        return False
    if head.lower_ in ("none", "nothing", "nobody"):
        return False
    if head.pos_ == "PRON":
        return head.lower_ in SPEAKING_PRONOUNS
    return head.pos_ in ("PROPN", "NOUN", "NUM")


def nearest_mention(doc: Doc, speaker: dict, q: Candidate, quotes: list[Candidate]) -> dict:
    """For a speaker carried over from elsewhere, the mention of the same speaker nearest the
    quotation, outside any quotation ("He then had a question. “Who is going to pay?”")."""
    best, best_dist = speaker, abs(speaker["start"] - q.start)
    for m in doc._.speaker_mentions or []:
        if m["name"] != speaker["name"] or q.start <= m["start"] < q.end:
            continue
        if any(o.start <= m["start"] < o.end and o.kind != "indirect" for o in quotes):
            continue
        dist = q.start - m["end"] if m["start"] < q.start else m["start"] - q.end
        if 0 <= dist < best_dist:
            best, best_dist = {k: m[k] for k in ("name", "start", "end", "text")}, dist
    return best
