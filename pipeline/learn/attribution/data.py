"""Training data for the attribution model: PolNeAR brat -> painted characters -> BIO subwords.

1. `read_split` reads PolNeAR train through the project's brat reader (`pipeline.eval.brat`): one
   `.ann` per article, the first annotator, as the scorers choose it. The stable tune tenth
   (`in_tune_split`, the same articles the role tagger holds out) is kept apart for every choice.
2. `paint_roles` turns the attributions into one role per character. Spans overlap in PolNeAR
   (a content often holds another attribution's source or cue, or a nested content), but a BIO tagger
   gives a token one role only. We paint content, then source, then cue, so that
   cue > source > content on a shared character, and within a role the longer span first, so the
   inner span wins. This is the priority `cofenet_score.py` uses to build CofeNet's gold, so the
   tagger learns the labelling it is scored against.
   Discontinuous spans (`s e;s e`): every fragment is painted as its own span (own id), so each
   fragment becomes its own B-/I- run. CofeNet's BIO gold does the same (each fragment starts with B).
3. `edge_punctuation` counts, per role, the punctuation marks that gold spans almost never end with
   though they often stand right after one (a content stops before the comma of "…, he said"). The
   decoder trims a predicted span's last subword when it is one of them.
4. `encode_article` labels each subword with the role of its first non-space character: B- when it
   starts a new span id (or the paragraph), I- when it continues the previous subword's span.
"""

from __future__ import annotations

import glob
import os
from collections import Counter
from dataclasses import dataclass, field

from ...eval.brat import attributions_from_events, load_gold, read_ann
from ...stages.attribution.encode import LABEL2ID, ROLES, Para, encode_paragraphs
from ...stages.roles.tagger import in_tune_split
from ..cues import is_punctuation

Span = tuple[int, int]


@dataclass
class Article:
    """One training article: its text and gold attributions (content, source, cue fragment lists)."""

    stem: str
    text: str
    attributions: list = field(default_factory=list)


def read_split(
    folder: str, metadata: str | None = None, all_annotators: bool = False
) -> tuple[list[Article], list[Article]]:
    """(fit, tune) articles of a PolNeAR-layout folder, sorted by stem.

    With `all_annotators`, a fit article that several annotators labelled is read once per `.ann`
    (CofeNet trains on every copy, and scores every copy). The tune tenth keeps the first annotator
    only, as the scorers choose it, so its figures stay comparable between runs.
    """
    fit, tune = [], []
    for stem, gold in sorted(load_gold(folder, metadata).items()):
        art = Article(stem, gold.text, gold.attributions)
        if in_tune_split(stem):
            tune.append(art)
        elif not all_annotators:
            fit.append(art)
        else:
            for ann in annotator_files(folder, stem):
                fit.append(Article(stem, gold.text, attributions_from_events(read_ann(ann))))
    return fit, tune


def annotator_files(folder: str, stem: str) -> list[str]:
    """Every annotator's `.ann` of one article: `<stem>_<annotator>.ann`, where the annotator id has
    no underscore (so article "a" does not take the files of article "a_b")."""
    found = glob.glob(os.path.join(folder, "attributions", glob.escape(stem) + "_*.ann"))
    return sorted(p for p in found if "_" not in os.path.basename(p)[len(stem) + 1 : -len(".ann")])


def paint_roles(n_chars: int, attributions: list) -> tuple[list[int], list[int]]:
    """Per character: role index (0 none, 1 source, 2 cue, 3 content) and a span id (-1 none)."""
    role = [0] * n_chars
    sid = [-1] * n_chars
    spans = []  # (paint order, -length, start, end, role index)
    order = {"content": 0, "source": 1, "cue": 2}
    ridx = {"source": 1, "cue": 2, "content": 3}
    for att in attributions:
        for name in ROLES:
            for s, e in getattr(att, name):
                if e > s:
                    spans.append((order[name], -(e - s), s, e, ridx[name]))
    spans.sort()
    for k, (_, _, s, e, r) in enumerate(spans):
        for i in range(max(0, s), min(e, n_chars)):
            role[i] = r
            sid[i] = k
    return role, sid


def label_paragraph(para: Para, role: list[int], sid: list[int], text: str) -> None:
    """BIO label ids from the painted characters (see the module docstring)."""
    labels = []
    prev_sid = -1
    for a, b in para.offsets:
        # first non-space char of the token (WordPiece tokens have none, but be safe)
        i = a
        while i < b - 1 and text[i].isspace():
            i += 1
        r = role[i] if a < b else 0
        if r == 0:
            labels.append(0)
            prev_sid = -1
            continue
        name = ("source", "cue", "content")[r - 1]
        tag = "I" if sid[i] == prev_sid else "B"
        labels.append(LABEL2ID[f"{tag}-{name}"])
        prev_sid = sid[i]
    para.labels = labels


def encode_article(tokenizer, art: Article) -> list[Para]:
    paras = encode_paragraphs(tokenizer, art.text)
    role, sid = paint_roles(len(art.text), art.attributions)
    for p in paras:
        label_paragraph(p, role, sid, art.text)
    return paras


#: Roles whose predicted spans are trimmed. Not sources: their marks would be the period and the
#: colon, and a name's own period ("Jr.", "U.S.") looks the same to the decoder as the sentence's
#: (tune tenth: trimming sources cost 0.0005 exact F, 0.7611 -> 0.7606).
TRIMMED_ROLES = ("content", "cue")


def edge_punctuation(articles: list[Article], most: float = 0.05, least: int = 50) -> dict[str, str]:
    """Per trimmed role, the punctuation marks that end at most `most` of the gold spans they could end.

    A mark "could end" a span when it is the span's last character, or the next one after it
    (spaces skipped). Marks seen fewer than `least` times either way are left out.
    """
    inside, after = Counter(), Counter()
    for art in articles:
        for att in art.attributions:
            for role in TRIMMED_ROLES:
                for s, e in getattr(att, role):
                    body = art.text[s:e].rstrip()
                    if not body:
                        continue
                    nxt = art.text[s + len(body) :].lstrip()[:1]
                    if is_punctuation(body[-1]):
                        inside[role, body[-1]] += 1
                    elif is_punctuation(nxt):
                        after[role, nxt] += 1
    out: dict[str, str] = {}
    for role, mark in sorted(set(inside) | set(after)):
        n = inside[role, mark] + after[role, mark]
        if n >= least and inside[role, mark] <= most * n:
            out[role] = out.get(role, "") + mark
    return out
