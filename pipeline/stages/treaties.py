"""Stage 5, treaties: treaty mentions linked to the knowledge base (`models/treaties.yml`).

Mentions are found, in headlines and body paragraphs:
1. by name and alias: case-blind for names with a head noun ("open skies treaty"), in their own
   case for acronyms and bare names ("New START", "Open Skies"); head-noun synonyms ("… Test Ban
   Pact") and "the"-less variants are generated from the base's aliases, not listed;
2. by abbreviation (exact case); "Name (ABBR)" gives the name the abbreviation's treaty;
3. by description (`models/treaty_descriptions.yml`): "the deal", "the 1996 treaty" (the year
   checked against the base's dates), "the last remaining arms control treaty", an appositive "a
   multilateral treaty", resolved to the treaty in focus: the last one mentioned before, or, before
   any, the first named after. Plurals, generic determiners and modifiers of novelty ("a new
   agreement", "any future treaty") are not mentions, and an agreement newly introduced ("cut a
   deal with …") takes the focus away from the treaty named before it;
4. as unknown named agreements: a proper name headed by Treaty, Agreement, Accord(s), Pact,
   Protocol (or Convention(s), Partnership, Memorandum, Deal with a topic word) gets an id from its
   name, cut to the words the parse reads as the name; names made of generic words only get none.
A law or policy document listed under `not_treaties`, and a treaty name followed by "Organization"
and the like, are never treaty mentions.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Token

from ..doc.extensions import guarded
from ..doc.index import text_of
from ..knowledge import Knowledge, load_knowledge

UNKNOWN_HEADS = r"(?:Treaty|Agreements?|Conventions?|Accords?|Pact|Protocol|Partnership|Memorandum|Deal)"
HEAD_WORDS = {"Treaty", "Agreement", "Agreements", "Convention", "Conventions", "Accord", "Accords", "Pact"}
HEAD_WORDS |= {"Protocol", "Partnership", "Memorandum", "Deal"}
# Heads that make a name an agreement on their own ("Kyoto Protocol", "Minsk Agreement"). The rest
# ("Convention", "Partnership", "Memorandum", "Deal") also head meetings, relationships and policies
# ("Democratic National Convention", "Strategic Partnership", "New Deal"): they need a topic word.
SELF_NAMING_HEADS = {"Treaty", "Treaties", "Pact", "Agreement", "Agreements", "Accord", "Accords", "Protocol"}
UNKNOWN_TREATY = re.compile(
    r"\b((?:[A-Z][\w’'-]*\s+(?:(?:and|of|for|&)\s+(?=[A-Z]))?){1,7}"
    + UNKNOWN_HEADS
    + r"|"
    + UNKNOWN_HEADS
    + r"\s+(?:on|of|for)\s+(?:the\s+)?"
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


# A treaty's name keeps its meaning when its head noun is swapped for a synonym ("Nuclear Test Ban
# Treaty" / "Pact"); "Treaty" and "Agreement" are not swapped for each other ("Open Skies Agreement"
# is also an aviation deal). Only names of three words or more, or with an acronym, are varied.
HEAD_SYNONYMS = {
    "treaty": ("Pact", "Accord"),
    "agreement": ("Deal", "Accord", "Pact"),
    "deal": ("Agreement", "Accord", "Pact"),
    "accord": ("Agreement", "Deal", "Pact"),
    "pact": ("Agreement", "Deal", "Accord", "Treaty"),
}
NAME_HEADS = re.compile(
    r"\b(?:treaty|treaties|agreement|accord|accords|pact|deal|conventions?|protocol|memorandums?|"
    r"partnership|framework|plan)\b",
    re.IGNORECASE,
)
ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
# A hyphenated prefix does not hide a name ("post-New START", "anti-NPT").
BEFORE_NAME = r"(?:(?<![\w-])|(?<=\bpost-)|(?<=\bpre-)|(?<=\banti-)|(?<=\bnon-))"


def alias_variants(alias: str) -> set[str]:
    """An alias with its head noun's synonyms and without "the" after "on/of" ("Treaty on
    Prohibition of …" for "Treaty on the Prohibition of …")."""
    out = {alias}
    words = alias.split()
    head = words[-1].lower()
    if head in HEAD_SYNONYMS and (len(words) >= 3 or ACRONYM.search(alias)):
        out |= {" ".join([*words[:-1], syn]) for syn in HEAD_SYNONYMS[head]}
    out |= {re.sub(r"\b(on|of) the ", r"\1 ", a, flags=re.IGNORECASE) for a in out}
    return out


def matches_in_own_case(alias: str) -> bool:
    """An alias with an acronym ("New START": "a new start" is no treaty), or a bare name without a
    head noun ("Open Skies"), is matched in its own case; "open skies treaty" in any case."""
    return bool(ACRONYM.search(alias)) or not NAME_HEADS.search(alias)


@lru_cache(maxsize=1)
def _compiled(kb_id: int) -> tuple[list[re.Pattern], dict[str, tuple[str, str]], re.Pattern | None]:
    """Two alternations of every alias, longest first (one case-blind, one case-kept), the alias
    table they are read back with, and one alternation of the names that are not treaties.

    One pass of a combined pattern is much cheaper than one pass per alias."""
    kb = load_knowledge()
    blind, kept = [], []
    lookup: dict[str, tuple[str, str]] = {}
    for t in kb.treaties:
        for alias in sorted({v for a in {t.name, *t.aliases} for v in alias_variants(a)}):
            (kept if matches_in_own_case(alias) else blind).append(alias)
            lookup.setdefault(_alias_key(alias), (t.id, "name"))
        for abbr in t.abbreviations:
            kept.append(abbr)
            lookup.setdefault(_alias_key(abbr), (t.id, "abbreviation"))

    def alternation(aliases: list[str], flags: int) -> re.Pattern:
        return re.compile(BEFORE_NAME + r"(?:" + _trie_regex(aliases, flags) + r")(?![\w-])", flags)

    patterns = [alternation(blind, re.IGNORECASE), alternation(kept, 0)]
    not_treaties = alternation(kb.not_treaties, re.IGNORECASE) if kb.not_treaties else None
    return patterns, lookup, not_treaties


def slug(name: str) -> str:
    """An id for a treaty the base does not know, made from its name: lower case, apostrophes and a
    leading "the" dropped, every other run of non-alphanumerics one hyphen."""
    name = re.sub(r"^the\s+", "", re.sub(r"['’]", "", name.strip()), flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


NAME_POS = {"PROPN", "ADJ", "NOUN", "NUM"}


NAME_CONNECTORS = {"and", "of", "on", "for", "&"}


def trim_unknown(doc: Doc, mention: dict, weak: set[str], generic: set[str]) -> list[dict]:
    """An unknown "X Treaty" cut to the words the parse reads as its name; none when no proper name
    is left (a title-case headline's "Russia Plans Arms Treaty" gives nothing: "Arms Treaty" is a
    kind, not a name). Two names joined by "and" ("Treaty of X and Y Treaty") are two mentions."""
    span = doc.char_span(mention["start"], mention["end"], alignment_mode="expand")
    if span is None:
        return []
    words = list(span)
    if words[0].text in HEAD_WORDS and len(words) > 2 and words[-1].text in HEAD_WORDS:
        joint = next((i for i in range(len(words) - 2, 0, -1) if words[i].lower_ == "and"), None)
        if joint is not None:
            parts = [(words[0].idx, words[joint - 1]), (words[joint + 1].idx, words[-1])]
            return [
                m
                for a, last in parts
                for m in trim_unknown(
                    doc, {**mention, "start": a, "end": last.idx + len(last)}, weak, generic
                )
            ]
    if words[0].text in HEAD_WORDS:
        # "Treaty on X": stop at the first verb ("Treaty on Prohibition … to Begin").
        cut = next((i for i, t in enumerate(words) if i and t.pos_ in ("VERB", "AUX", "PART")), len(words))
        words = words[:cut]
    else:
        words = _name_before_head(words, weak)
        if len(words) < 2:
            return []
    if not any(t.text not in weak | generic and t.text[:1].isupper() for t in words):
        return []
    a, b = words[0].idx, words[-1].idx + len(words[-1])
    name = text_of(doc)[a:b]
    return [{**mention, "start": a, "end": b, "text": name, "treaty": slug(name)}]


def _name_before_head(words: list[Token], weak: set[str]) -> list[Token]:
    """The name words left of a head ("the Pelindaba Nuclear Free Zone Treaty" without "the")."""
    first = len(words) - 1
    while first > 0:
        prev = words[first - 1]
        # "Economic and Trade Agreement": a connector between two capitalised name words.
        joins = prev.lower_ in NAME_CONNECTORS and first > 1 and words[first - 2].text[:1].isupper()
        if not (prev.pos_ in NAME_POS or prev.text in ("-", "–") or joins) or prev.text in HEAD_WORDS:
            break
        first -= 1
    words = words[first:]
    while len(words) > 1 and (words[0].text in weak or not words[0].text[:1].isupper()):
        words = words[1:]
    return words


def link_defined_acronyms(doc: Doc, named: list[dict], segments: list[dict]) -> list[dict]:
    """An acronym the text defines for an unknown treaty ("the Pelindaba Treaty (PT)" or the other way
    round) names that treaty wherever it recurs."""
    text = text_of(doc)
    out = []
    for m in [m for m in named if m["how"] == "unknown"]:
        after = re.match(r"\s*\(([A-Z][A-Z0-9-]{1,9})\)", text[m["end"] :])
        if after is None:
            continue
        acronym = after.group(1)
        taken = _Spans(named + out)
        for hit in re.finditer(r"(?<![\w-])" + re.escape(acronym) + r"(?![\w-])", text):
            inside = any(seg["start"] <= hit.start() < seg["end"] for seg in segments)
            if inside and taken.covering(hit.start()) is None:
                out.append(
                    {
                        "start": hit.start(),
                        "end": hit.end(),
                        "text": acronym,
                        "treaty": m["treaty"],
                        "how": "abbreviation",
                    }
                )
    return out


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
        topical = topic_words & (set(words) - {head})
        # "Convention on X" is a treaty; "Partnership for X" is as often a body.
        if head not in SELF_NAMING_HEADS and not (head == "Convention" and words[0] == head) and not topical:
            continue
        if words[0] in HEAD_WORDS or len(named) >= 1:
            a = m.start(1)
            # Drop leading weak words ("The Hague Convention" keeps "Hague Convention").
            while words and words[0] in WEAK_NAME_WORDS:
                a += len(words[0]) + 1
                words = words[1:]
            name = " ".join(words)
            cands.append((a, m.end(1), lookup.get(_alias_key(name), (slug(name), ""))[0], "unknown"))
    # A name the base knows wins over an unknown one that overlaps it ("… Of Nuclear Test Ban Pact").
    cands.sort(key=lambda c: (c[3] == "unknown", -(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = list(blocked)
    out = []
    for a, b, tid, how in cands:
        if any(a < y and x < b for x, y in taken):
            continue
        taken.append((a, b))
        out.append({"start": a, "end": b, "text": text[a:b], "treaty": tid, "how": how})
    return sorted(out, key=lambda m: m["start"])


YEAR_WORD = re.compile(r"(?:1[6-9]|20)\d\d")


def _phrase_start(head: Token) -> int:
    """The first token of a treaty noun phrase: its determiner, possessor or first modifier."""
    start = min((t.left_edge.i for t in head.lefts), default=head.i)
    while start < head.i and (head.doc[start].is_punct or head.doc[start].pos_ in ("ADP", "CCONJ")):
        start += 1
    return start


def describe(head: Token, cfg: dict, in_title: bool) -> dict | None:
    """What a noun phrase headed by a treaty noun says of its treaty, or None when it is generic.

    Generic: a plural ("arms control treaties"), a generic determiner ("any treaty"), a modifier of
    novelty or contrast ("a new agreement", "the next treaty"). Kept: definite singulars ("the
    deal", "the 1996 treaty", "the two countries' last remaining treaty"), indefinite ones with a
    modifier (kept only where the context presupposes one treaty, see `resolve_descriptions`), and in
    a headline, bare ones with a modifier ("Russia-US nuclear treaty").
    """
    rule = cfg["heads"].get(head.lower_)
    if rule is None or head.tag_ in ("NNS", "NNPS"):
        return None
    # "the treaty rules" is about the rules; "the treaty's rules" (parsed as a compound) is the treaty.
    if head.dep_ == "compound" and not any(c.dep_ == "case" for c in head.children):
        return None
    doc = head.doc
    # "the treaty obligations": a modifier, not the thing itself.
    if (
        head.i + 1 < len(doc)
        and doc[head.i + 1].pos_ in ("NOUN", "PROPN")
        and doc[head.i + 1].dep_ != "appos"
    ):
        return None
    words = doc[_phrase_start(head) : head.i]
    own = [t for t in words if t.head.i == head.i]
    lowers = {t.lower_ for t in words}
    if lowers & set(cfg["generic_determiners"]) or lowers & set(cfg["generic_modifiers"]):
        return None
    if rule == "unique" and not lowers & set(cfg["unique_words"]):
        return None
    if any(t.dep_ == "det" and t.lower_ in cfg["definite"] for t in own) or any(
        t.dep_ == "poss" for t in own
    ):
        kind = "definite"
    elif any(t.lower_ in ("a", "an") for t in own):
        kind = "indefinite"
    else:
        kind = "bare"
    modifiers = [t for t in words if t.dep_ not in ("det", "poss", "case") and not t.is_punct]
    if kind != "definite" and not modifiers:
        return None
    # A bare singular ("Russia-US nuclear treaty serves …") is headline style: in a headline, or
    # opened by a proper-noun modifier where a headline sits inside a paragraph.
    if kind == "bare" and not (in_title or words[0].pos_ == "PROPN"):
        return None
    nouns = [t.lower_ for t in words if t.pos_ == "NOUN" and t.dep_ in ("compound", "amod", "nmod")]
    year = next((int(t.text) for t in words if YEAR_WORD.fullmatch(t.text)), None)
    return {
        "head": head,
        "start": words[0].idx if len(words) else head.idx,
        "rule": rule,
        "kind": kind,
        "nouns": nouns,
        "year": year,
    }


def find_descriptions(doc: Doc, cfg: dict, segments: list[dict], taken: list[tuple[int, int]]) -> list[dict]:
    """Treaty noun phrases that are not names ("the deal", "a key Cold War-era treaty")."""
    out = []
    blocked = _Spans([{"start": a, "end": b} for a, b in taken])
    for seg in segments:
        span = doc.char_span(seg["start"], seg["end"], alignment_mode="expand")
        for token in span if span is not None else []:
            if token.lower_ not in cfg["heads"] or blocked.covering(token.idx) is not None:
                continue
            d = describe(token, cfg, seg["kind"] == "title")
            if d is not None:
                d["end"] = token.idx + len(token)
                out.append(d)
            elif token.tag_ == "NN" and any(c.lower_ in ("a", "an") for c in token.children):
                # "cut a new deal with …": another agreement enters the discourse (see resolve).
                out.append({"head": token, "start": token.idx, "end": token.idx + len(token), "kind": "new"})
    return out


APPOSITION_GAP = re.compile(r"\s*(?:\([^()]{1,40}\))?\s*[,(—–]\s*")


def _apposed(mention: dict, d: dict, head: Token) -> bool:
    """Whether a description stands in apposition to a name ("the CTBT, a multilateral treaty"):
    by the parse, or by word order, as the parser often hangs it on the verb."""
    if head.dep_ == "appos" and mention["start"] <= head.head.idx < mention["end"]:
        return True
    if not 0 <= d["start"] - mention["end"] <= 60:
        return False
    return APPOSITION_GAP.fullmatch(text_of(head.doc)[mention["end"] : d["start"]]) is not None


def _governing_event(head: Token, kb: Knowledge) -> str | None:
    """The event word a noun phrase is the object of ("withdrew from a … treaty" → withdrawal)."""
    node = head
    for _ in range(3):
        if node.head.i == node.i:
            return None
        node = node.head
        event = kb.event_words.get(node.lemma_.lower()) or kb.event_words.get(node.lower_)
        if event:
            return event
        if node.pos_ not in ("ADP", "VERB", "AUX"):
            return None
    return None


def _treaty_words(kb: Knowledge, treaty_id: str, text: str) -> set[str]:
    treaty = kb.treaty(treaty_id)
    names = [text, *(([treaty.name, *treaty.aliases]) if treaty else [])]
    return {w for n in names for w in re.split(r"[\s-]+", n.lower())}


def _fits(d: dict, target: dict, kb: Knowledge, cfg: dict) -> bool:
    """Whether a description can be said of the treaty in focus: its head, noun modifiers and year."""
    words = _treaty_words(kb, target["treaty"], target["text"])
    if d["rule"] == "same_head" and d["head"].lower_ not in words:
        return False
    if any(n not in cfg["descriptive_nouns"] and n not in words for n in d["nouns"]):
        return False  # "the trade deal" is not the nuclear treaty in focus
    return d["year"] is None or _has_year(kb, target["treaty"], d["year"])


def _has_year(kb: Knowledge, treaty_id: str, year: int) -> bool:
    treaty = kb.treaty(treaty_id)
    return treaty is None or any(k.startswith(str(year)) for k in treaty.known_events())


def _newcomer(head: Token) -> bool:
    """Whether "a deal" brings a new agreement into the discourse: as a verb's subject or object
    ("cut a deal with …"), not as something said of another ("is a deal", "as a multilateral deal",
    ", a landmark agreement")."""
    if head.dep_ not in ("dobj", "nsubj", "nsubjpass", "pobj") or head.head.lower_ == "as":
        return False
    start = _phrase_start(head)
    return start == 0 or head.doc[start - 1].text not in (",", "—", "–", "(")


class _Spans:
    """Mentions sorted by start, for "the last one ending before x" and "the one covering x" in
    log time: a long article holds thousands (the 2 MB robustness test)."""

    def __init__(self, mentions: list[dict]):
        self.items = sorted(mentions, key=lambda m: m["start"])
        self.starts = [m["start"] for m in self.items]

    def last_before(self, offset: int) -> dict | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        while i >= 0 and self.items[i]["end"] > offset:
            i -= 1
        return self.items[i] if i >= 0 else None

    def first_from(self, offset: int) -> dict | None:
        i = bisect.bisect_left(self.starts, offset)
        return self.items[i] if i < len(self.items) else None

    def covering(self, offset: int) -> dict | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        return self.items[i] if i >= 0 and offset < self.items[i]["end"] else None


def _beside(named: _Spans, d: dict) -> dict | None:
    """The name a description stands in apposition to, if any (see `_apposed`)."""
    head = d["head"]
    parsed = named.covering(head.head.idx) if head.dep_ == "appos" else None
    if parsed is not None:
        return parsed
    # The name itself or, past its bracketed abbreviation, the one before ("the Non-Proliferation
    # Treaty (NPT), a key accord").
    i = bisect.bisect_right(named.starts, d["start"]) - 1
    for m in named.items[max(0, i - 1) : i + 1][::-1]:
        if m["end"] <= d["start"] and _apposed(m, d, head):
            return m
    return None


def resolve_descriptions(descriptions: list[dict], named: list[dict], kb: Knowledge, cfg: dict) -> list[dict]:
    """Link each description to the treaty in focus: the last treaty mentioned before it (a resolved
    description renews the focus), or before any, the first named after it. An appositive ("the
    CTBT, a multilateral treaty") takes the name it stands beside; "the 1996 treaty" takes a named
    treaty of that year when the one in focus has none."""
    out: list[dict] = []
    names = _Spans(named)
    newcomers = sorted(
        d["start"] for d in descriptions if d["kind"] in ("new", "indefinite") and _newcomer(d["head"])
    )
    for d in sorted(descriptions, key=lambda d: d["start"]):
        if d["kind"] == "new":
            continue
        beside = _beside(names, d)
        last_named = names.last_before(d["start"])
        focus = max(
            (m for m in (last_named, out[-1] if out else None) if m), key=lambda m: m["start"], default=None
        )
        # An agreement introduced since the last treaty mention ("a deal with …, but the pact fell
        # apart") is what a later "the pact" means, not the treaty named before it.
        if focus is not None and beside is None and d["kind"] != "indefinite":
            i = bisect.bisect_left(newcomers, focus["end"])
            if i < len(newcomers) and newcomers[i] < d["start"]:
                continue
        target = beside or focus or names.first_from(d["end"])
        if target is None or not _allowed(d, target, beside is not None, kb, cfg):
            continue
        if d["year"] is not None and not _fits(d, target, kb, cfg):
            i = bisect.bisect_right(names.starts, d["start"]) - 1
            while i >= 0 and not _has_year(kb, names.items[i]["treaty"], d["year"]):
                i -= 1
            target = names.items[i] if i >= 0 else target
        if not _fits(d, target, kb, cfg):
            continue
        out.append(
            {
                "start": d["start"],
                "end": d["end"],
                "text": text_of(d["head"].doc)[d["start"] : d["end"]],
                "treaty": target["treaty"],
                "how": "anaphor" if d["kind"] == "definite" else "description",
            }
        )
    return out


def _allowed(d: dict, target: dict, apposed: bool, kb: Knowledge, cfg: dict) -> bool:
    """An indefinite description needs an apposition or a presupposing event ("withdrew from a …
    treaty"); a `near` head ("the agreement") needs the treaty within `near_window` characters."""
    if apposed:
        return True
    if d["kind"] == "indefinite" and _governing_event(d["head"], kb) not in cfg["presupposing_events"]:
        return False
    if d["rule"] == "near":
        gap = d["start"] - target["end"] if target["end"] <= d["start"] else target["start"] - d["end"]
        return gap <= cfg["near_window"]
    return True


def link_defined_names(text: str, named: list[dict]) -> None:
    """A name followed by an abbreviation in brackets takes the abbreviation's treaty: the text
    defines it ("The Strategic Arms Reduction Treaty (New START)" is New START here)."""
    ordered = sorted(named, key=lambda m: m["start"])
    for m, n in zip(ordered, ordered[1:], strict=False):
        gap = text[m["end"] : n["start"]] if n["start"] - m["end"] <= 4 else ""
        if re.fullmatch(r"\s*\(\s*", gap) and text[n["end"] : n["end"] + 1] == ")":
            if m["treaty"] != n["treaty"] and n["how"] in ("abbreviation", "name"):
                m["treaty"] = n["treaty"]


class TreatyMentionFinder:
    """Finds treaty mentions in headlines and body paragraphs and links each to the knowledge base."""

    def __init__(self, knowledge: Knowledge):
        self.kb = knowledge
        self.cfg = knowledge.treaty_descriptions
        self.generic = set(knowledge.unknown_treaty_words) | set(self.cfg.get("generic_name_words") or [])

    def _names_a_body(self, text: str, mention: dict) -> bool:
        following = text[mention["end"] : mention["end"] + 40].split()
        return bool(following) and following[0].strip(",.;:()") in self.cfg["organisation_words"]

    @guarded("treaties")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.treaty_mentions is not None:
            return doc
        text = text_of(doc)
        segments = [s for s in doc._.segments or [] if s["kind"] in ("body", "title")]
        named = [m for s in segments for m in find_named_mentions(text, self.kb, s["start"], s["end"])]
        named = [m for m in named if not self._names_a_body(text, m)]
        named = [
            n
            for m in named
            for n in ([m] if m["how"] != "unknown" else trim_unknown(doc, m, WEAK_NAME_WORDS, self.generic))
        ]
        named += link_defined_acronyms(doc, named, segments)
        link_defined_names(text, named)
        _, _, not_treaties = _compiled(id(self.kb))
        taken = [(m["start"], m["end"]) for m in named]
        taken += [(m.start(), m.end()) for m in not_treaties.finditer(text)] if not_treaties else []
        descriptions = find_descriptions(doc, self.cfg, segments, taken)
        mentions = named + resolve_descriptions(descriptions, named, self.kb, self.cfg)
        for m in mentions:
            t = self.kb.treaty(m["treaty"])
            m["name"] = t.name if t else text[m["start"] : m["end"]].strip()
        doc._.treaty_mentions = sorted(mentions, key=lambda m: m["start"])
        return doc


@Language.factory(
    "claims_treaties", assigns=["doc._.treaty_mentions"], requires=["doc._.segments", "token.dep"]
)
def make_treaty_mention_finder(nlp: Language, name: str) -> TreatyMentionFinder:
    """Factory for the treaties stage."""
    return TreatyMentionFinder(load_knowledge())
