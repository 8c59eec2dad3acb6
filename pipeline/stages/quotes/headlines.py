"""Headline attributions: "Name: claim" and "Name says claim" in a title or a headline-like line.

News pages put the claim in the headline with its speaker before a colon ("Envoy: talks will go
on") or before a reporting verb in title case ("Minister Says Talks Will Go On"). The body quote
rules do not see these: the line has no closing stop and often no parse worth the name. A line is
headline-like when it is a title segment, or one of the first lines of the text with no closing
stop. Labels of the page ("Source: Xinhua", "Published: ...") are not speakers.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc

from ...doc.index import text_of
from ...knowledge import Knowledge
from ..entities import is_outlet, is_residue, lexicon

# How many lines from the top a headline may be found on, when the segmenter found no title.
HEADLINE_LINES = 8
# A headline is short.
MAX_WORDS = 25
WHO = r"(?P<who>[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}?)"
COLON_HEADLINE = re.compile(rf"^{WHO}: (?P<what>\S.*\S)$")
# "Minister Says Talks Will Go On"; "Talks Will Go On, Minister Says".
VERB_HEADLINE = re.compile(rf"^{WHO} (?P<cue>[A-Za-z]+s) (?P<what>\S.*\S)$")
TRAILING_HEADLINE = re.compile(rf"^(?P<what>\S.*\S), {WHO} (?P<cue>[A-Za-z]+s)$")
# A headline's reporting verb must be a cue this often in the mined lexicon (models/cues.yml).
MIN_CUE_PRECISION = 0.3
LABELS = {"published", "updated", "posted", "editor", "source", "by", "photo", "file", "date", "tags"}


def headline_lines(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of the lines that may be headlines."""
    text = text_of(doc)
    out, seen = [], 0
    for seg in doc._.segments or []:
        if seg["kind"] == "boilerplate":
            continue
        pos = seg["start"]
        for line in text[seg["start"] : seg["end"]].split("\n"):
            a, b = pos, pos + len(line)
            pos = b + 1
            line = line.strip()
            if not line:
                continue
            seen += 1
            if seg["kind"] == "title" or (seen <= HEADLINE_LINES and line[-1] not in '.!?”"'):
                a += len(text[a:b]) - len(text[a:b].lstrip())
                out.append((a, a + len(line)))
    return out


def known_speaker(doc: Doc, start: int, end: int) -> bool:
    """Is text[start:end] a person or body the article names (a speaker mention or an entity), or a
    role noun the resolver can resolve ("Envoy")?"""
    who = text_of(doc)[start:end]
    if is_outlet(who) or is_residue(who) or who.split()[0].lower() in LABELS:
        return False
    head = who.split()[-1].lower()
    if head in lexicon().person_roles or head in lexicon().body_roles:
        return True
    for m in doc._.speaker_mentions or []:
        if m["how"] not in ("roster", "entity"):
            continue
        if m["start"] == start and m["end"] == end:
            return True
        # Named elsewhere in the article: title-case headlines fool the entity recogniser.
        if not start <= m["start"] < end and who in (m["text"], m["name"], *m["name"].split()):
            return True
    return any(
        e.start_char == start and e.end_char == end and e.label_ in ("PERSON", "ORG") for e in doc.ents
    )


def is_cue_word(word: str, knowledge: Knowledge) -> bool:
    """Is a third-person verb form ("Announces", "Urges", "Says") a reporting cue?"""
    w = word.lower()
    for lemma in (w[:-3] + "y" if w.endswith("ies") else None, w[:-2] if w.endswith("es") else None, w[:-1]):
        if lemma and lemma in lexicon().evaluation_verbs:
            return False
        if lemma and knowledge.cue_precision.get(lemma, 0.0) >= MIN_CUE_PRECISION:
            return True
    return False


def match_headline(doc: Doc, a: int, line: str, knowledge: Knowledge) -> dict | None:
    """The attribution a headline line states, or None."""
    for pattern in (COLON_HEADLINE, VERB_HEADLINE, TRAILING_HEADLINE):
        m = pattern.match(line)
        if not m or not known_speaker(doc, a + m.start("who"), a + m.end("who")):
            continue
        cue = None
        if "cue" in m.groupdict():
            if not is_cue_word(m.group("cue"), knowledge):
                continue
            cue = {"start": a + m.start("cue"), "end": a + m.end("cue"), "text": m.group("cue")}
        what = m.group("what")
        who = m.group("who")
        return {
            "start": a + m.start("what"),
            "end": a + m.end("what"),
            "kind": "direct" if what[0] in "“\"‘'" and what[-1] in "”\"’'" else "indirect",
            "speaker": {"name": who, "start": a + m.start("who"), "end": a + m.end("who"), "text": who},
            "cue": cue,
            "how": "headline",
            "closed": True,
        }
    return None


def headline_quotes(doc: Doc, quotes: list[dict], knowledge: Knowledge) -> tuple[list[dict], list[dict]]:
    """Attributions stated by headlines, and the quotes found so far with those that lie inside such
    a headline dropped (the headline's own reading of who said it wins)."""
    found = []
    for a, b in headline_lines(doc):
        line = text_of(doc)[a:b]
        if len(line.split()) > MAX_WORDS:
            continue
        h = match_headline(doc, a, line, knowledge)
        if h is not None:
            found.append(h)
            quotes = [q for q in quotes if not (a <= q["start"] < b)]
    return quotes, found
