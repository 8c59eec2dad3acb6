"""Stage 5, treaties: treaty mentions linked to the knowledge base (`models/treaties.yml`).

Mentions are found by name and alias (any case), by abbreviation (exact case), and by anaphora
("the treaty", "the Treaty", "this agreement"). An anaphor links to the last treaty named before it,
or, when it comes before the first name ("In 1987, the treaty …"), to the first one named after it.
A law or policy document listed under `not_treaties` is never a treaty. An unknown
"X Treaty/Agreement/Convention/Accord" gets an id of its own, made from its name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from ..doc.extensions import guarded
from ..doc.index import text_of
from ..knowledge import Knowledge, load_knowledge

ANAPHOR_HEADS = {
    "treaty": "treaty",
    "agreement": "agreement",
    "accord": "agreement",
    "pact": "agreement",
    "convention": "treaty",
}
ANAPHOR_DETS = {"the", "this", "that"}
# "the agreement" is generic: it is a treaty only with a treaty named this close before it.
AGREEMENT_WINDOW = 800
UNKNOWN_HEADS = r"(?:Treaty|Agreement|Convention|Accord|Pact|Protocol)"
HEAD_WORDS = {"Treaty", "Agreement", "Convention", "Accord", "Pact", "Protocol"}
UNKNOWN_TREATY = re.compile(
    r"\b((?:[A-Z][\w’'-]*\s+){1,7}" + UNKNOWN_HEADS + r"|" + UNKNOWN_HEADS + r"\s+(?:on|of|for)\s+(?:the\s+)?"
    r"(?:[A-Z][\w’'-]*)(?:\s+(?:of\s+|and\s+|on\s+)?[A-Z][\w’'-]*){0,6})\b"
)
# Words that cannot make a name on their own before "Treaty" ("US Treaty breaches", "The Treaty").
WEAK_NAME_WORDS = {
    "The",
    "This",
    "That",
    "A",
    "An",
    "US",
    "U.S.",
    "UN",
    "New",
    "Russian",
    "American",
    "Soviet",
    "Our",
    "Its",
    "Their",
    "His",
    "Her",
    "Any",
    "Every",
    "Each",
    "Such",
    "Both",
    "Landmark",
    "In",
    "On",
    "Under",
    "Of",
}
ROMAN_PAIR = re.compile(
    r"\b(?P<base>(?:[A-Z][\w-]*\s+){1,5})Treaties\s+(?P<n1>I{1,3}|IV|\d)\s+and\s+(?P<n2>I{1,3}|IV|\d)\b"
)


def _flexible(alias: str) -> str:
    """A regex for an alias that tolerates hyphen/space variants and both apostrophes."""
    parts = re.split(r"[\s-]+", alias.strip())
    body = r"[\s-]+".join(re.sub(r"['’]", "['’]", re.escape(p)) for p in parts)
    return r"(?<![\w-])" + body + r"(?![\w-])"


def _alias_key(text: str) -> str:
    """How an alias and a matched text are compared: lower case, one space, one apostrophe."""
    return " ".join(re.split(r"[\s-]+", text.lower().replace("’", "'").strip()))


def _trie_regex(aliases: list[str], flags: int) -> str:
    """One regex for many aliases, sharing their leading words, longest alternative first.

    Python's `re` tries every branch of a flat alternation at every position; sharing prefixes
    lets it drop all aliases but the few that begin with the word at hand.
    """
    trie: dict = {}
    for alias in aliases:
        node = trie
        for word in re.split(r"[\s-]+", alias.strip()):
            node = node.setdefault(word.lower() if flags & re.IGNORECASE else word, {})
        node[""] = {}

    def emit(node: dict) -> str | None:
        branches = []
        for word, child in node.items():
            if word == "":
                continue
            head = re.sub(r"['’]", "['’]", re.escape(word))
            rest = emit(child)
            if rest is None:
                branches.append(head)
            else:
                optional = "?" if "" in child else ""
                branches.append(head + r"(?:[\s-]+(?:" + rest + "))" + optional)
        return "|".join(sorted(branches, key=len, reverse=True)) if branches else None

    return emit(trie) or r"(?!x)x"


@lru_cache(maxsize=1)
def _compiled(kb_id: int) -> tuple[list[re.Pattern], dict[str, tuple[str, str]], re.Pattern | None]:
    """Two alternations of every alias, longest first (one case-blind, one case-kept), the alias
    table they are read back with, and one alternation of the names that are not treaties.

    One pass of a combined pattern is much cheaper than one pass per alias."""
    kb = load_knowledge()
    blind, kept = [], []
    lookup: dict[str, tuple[str, str]] = {}
    for t in kb.treaties:
        for alias in {t.name, *t.aliases}:
            # An alias with an acronym in it ("New START") keeps its case: "a new start" is no treaty.
            (kept if re.search(r"\b[A-Z]{2,}\b", alias) else blind).append(alias)
            lookup.setdefault(_alias_key(alias), (t.id, "name"))
        for abbr in t.abbreviations:
            kept.append(abbr)
            lookup.setdefault(_alias_key(abbr), (t.id, "abbreviation"))

    def alternation(aliases: list[str], flags: int) -> re.Pattern:
        return re.compile(r"(?<![\w-])(?:" + _trie_regex(aliases, flags) + r")(?![\w-])", flags)

    patterns = [alternation(blind, re.IGNORECASE), alternation(kept, 0)]
    not_treaties = alternation(kb.not_treaties, re.IGNORECASE) if kb.not_treaties else None
    return patterns, lookup, not_treaties


def slug(name: str) -> str:
    """An id for a treaty the base does not know, made from its name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def find_named_mentions(text: str, kb: Knowledge, lo: int = 0, hi: int | None = None) -> list[dict]:
    """Treaties named by alias, abbreviation or an unknown "X Treaty", longest first, no overlaps."""
    hi = len(text) if hi is None else hi
    patterns, lookup, not_treaties = _compiled(id(kb))
    blocked = [(m.start(), m.end()) for m in not_treaties.finditer(text, lo, hi)] if not_treaties else []
    cands = []
    for m in ROMAN_PAIR.finditer(text, lo, hi):
        for grp in ("n1", "n2"):
            key = _alias_key(m.group("base") + "treaty " + m.group(grp))
            tid = lookup.get(key, (None, None))[0]
            if tid:
                a = m.start() if grp == "n1" else m.start(grp)
                cands.append((a, m.end(grp), tid, "name"))
    for pattern in patterns:
        for m in pattern.finditer(text, lo, hi):
            tid, how = lookup[_alias_key(m.group())]
            cands.append((m.start(), m.end(), tid, how))
    topic_words = set(kb.unknown_treaty_words)
    for m in UNKNOWN_TREATY.finditer(text, lo, hi):
        words = m.group(1).split()
        named = [w for w in words[:-1] if w not in WEAK_NAME_WORDS] if words[-1][0].isupper() else words
        head = words[0] if words[0] in HEAD_WORDS else words[-1]
        if head not in ("Treaty", "Pact") and words[0] not in HEAD_WORDS and not topic_words & set(words):
            continue
        if words[0] in HEAD_WORDS or len(named) >= 2:
            a = m.start(1)
            # Drop leading weak words ("The Hague Convention" keeps "Hague Convention").
            while words and words[0] in WEAK_NAME_WORDS:
                a += len(words[0]) + 1
                words = words[1:]
            name = " ".join(words)
            cands.append((a, m.end(1), lookup.get(_alias_key(name), (slug(name), ""))[0], "unknown"))
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[3] == "unknown", c[0]))
    taken: list[tuple[int, int]] = list(blocked)
    out = []
    for a, b, tid, how in cands:
        if any(a < y and x < b for x, y in taken):
            continue
        taken.append((a, b))
        out.append({"start": a, "end": b, "text": text[a:b], "treaty": tid, "how": how})
    return sorted(out, key=lambda m: m["start"])


def find_anaphors(doc: Doc, named: list[dict], lo: int, hi: int) -> list[dict]:
    """`the treaty`-style mentions, linked to the last treaty named before (or the first after)."""
    out = []
    span = doc.char_span(lo, hi, alignment_mode="expand")
    for token in span if span is not None else []:
        if token.lower_ not in ANAPHOR_HEADS or token.dep_ == "compound":
            continue
        if any(m["start"] <= token.idx < m["end"] for m in named):
            continue
        det = next((c for c in token.children if c.dep_ == "det" and c.lower_ in ANAPHOR_DETS), None)
        if det is None or det.i != token.i - 1:
            continue
        # "the treaty obligations": a modifier, not the thing itself.
        if (
            token.i + 1 < len(doc)
            and doc[token.i + 1].pos_ in ("NOUN", "PROPN")
            and doc[token.i + 1].dep_ != "appos"
        ):
            continue
        before = [m for m in named if m["end"] <= det.idx]
        after = [m for m in named if m["start"] >= token.idx]
        if ANAPHOR_HEADS[token.lower_] == "agreement" or token.lower_ == "convention":
            # "the agreement", "the convention": only just after a treaty named that way ("the Paris
            # Agreement … the agreement"); in political news "the convention" is mostly a party's.
            target = before[-1] if before and det.idx - before[-1]["end"] <= AGREEMENT_WINDOW else None
            if target is not None and token.lower_ not in (target["text"] + " " + _kb_name(target)).lower():
                target = None
        else:
            target = before[-1] if before else (after[0] if after else None)
        if target is None:
            continue
        out.append(
            {
                "start": det.idx,
                "end": token.idx + len(token),
                "text": text_of(doc)[det.idx : token.idx + len(token)],
                "treaty": target["treaty"],
                "how": "anaphor",
            }
        )
    return out


def _kb_name(mention: dict) -> str:
    treaty = load_knowledge().treaty(mention["treaty"])
    return treaty.name if treaty else ""


class TreatyMentionFinder:
    """Finds treaty mentions in body paragraphs and links each to the knowledge base."""

    def __init__(self, knowledge: Knowledge):
        self.kb = knowledge

    @guarded("treaties")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.treaty_mentions is not None:
            return doc
        body = [s for s in doc._.segments or [] if s["kind"] == "body"]
        named = [m for s in body for m in find_named_mentions(text_of(doc), self.kb, s["start"], s["end"])]
        mentions = list(named)
        for s in body:
            mentions += find_anaphors(doc, named, s["start"], s["end"])
        for m in mentions:
            t = self.kb.treaty(m["treaty"])
            m["name"] = t.name if t else text_of(doc)[m["start"] : m["end"]].strip()
        doc._.treaty_mentions = sorted(mentions, key=lambda m: m["start"])
        return doc


@Language.factory(
    "claims_treaties", assigns=["doc._.treaty_mentions"], requires=["doc._.segments", "token.dep"]
)
def make_treaty_mention_finder(nlp: Language, name: str) -> TreatyMentionFinder:
    """Factory for the treaties stage."""
    return TreatyMentionFinder(load_knowledge())
