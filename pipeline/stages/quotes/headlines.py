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

from ..entities import is_outlet, is_residue

# How many lines from the top a headline may be found on, when the segmenter found no title.
HEADLINE_LINES = 8
# A headline is short.
MAX_WORDS = 25
COLON_HEADLINE = re.compile(r"^(?P<who>[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}): (?P<what>\S.*\S)$")
SAYS_HEADLINE = re.compile(
    r"^(?P<who>[A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}) (?P<cue>[Ss]ays) (?P<what>\S.*\S)$"
)
LABELS = {"published", "updated", "posted", "editor", "source", "by", "photo", "file", "date", "tags"}


def headline_lines(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of the lines that may be headlines."""
    text = doc.text
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
    """Is text[start:end] a person or body the article names (a speaker mention or an entity)?"""
    who = doc.text[start:end]
    if is_outlet(who) or is_residue(who) or who.split()[0].lower() in LABELS:
        return False
    for m in doc._.speaker_mentions or []:
        if m["start"] == start and m["end"] == end and m["how"] in ("roster", "entity"):
            return True
    return any(
        e.start_char == start and e.end_char == end and e.label_ in ("PERSON", "ORG") for e in doc.ents
    )


def headline_quotes(doc: Doc, quotes: list[dict]) -> list[dict]:
    """Attributions in headlines that no quote found so far covers."""
    out = []
    for a, b in headline_lines(doc):
        line = doc.text[a:b]
        if len(line.split()) > MAX_WORDS or any(q["start"] < b and a < q["end"] for q in quotes):
            continue
        for pattern in (COLON_HEADLINE, SAYS_HEADLINE):
            m = pattern.match(line)
            if not m or not known_speaker(doc, a, a + m.end("who")):
                continue
            who_end = a + m.end("who")
            content_start = a + m.start("what")
            cue = None
            if "cue" in m.groupdict():
                cue = {"start": a + m.start("cue"), "end": a + m.end("cue"), "text": m.group("cue")}
            what = m.group("what")
            kind = "direct" if what[0] in "“\"‘'" and what[-1] in "”\"’'" else "indirect"
            out.append(
                {
                    "start": content_start,
                    "end": b,
                    "kind": kind,
                    "speaker": {"name": m.group("who"), "start": a, "end": who_end, "text": m.group("who")},
                    "cue": cue,
                    "how": "headline",
                    "closed": True,
                }
            )
            break
    return out
