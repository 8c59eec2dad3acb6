"""The people and bodies an article introduces, and the one canonical name each goes by.

The speaker resolver (`resolve.py`) reads this table to turn what a quote's speaker mention says
("Choe", "ICAN", "the spokesperson", "Washington") into the name the article gives that speaker.
Knowledge (outlets, page labels, role nouns, states) is in `models/speaker_resolution.yml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc, Span

from ..knowledge import Knowledge, read_yaml
from .speakers import normalise_name

# Words that may stand inside a title before a name ("Minister for Defence", "Secretary of State").
TITLE_GLUE = {"of", "for", "and", "-", "’s", "'s", "on"}
# Words an acronym's long form may hold without giving it a letter.
ACRONYM_GLUE = {"of", "the", "to", "for", "and", "on", "in", "against"}
ACRONYM_DEF = re.compile(r"([A-Z][\w’'.-]*(?:\s+[\w’'.-]+){0,9})\s+\(([A-Z][A-Za-z]{1,9})\)")
FOREIGN_MINISTRY = (
    re.compile(r"^(?P<st>.+?)(?:’s|'s)? (?:Ministry of Foreign Affairs|[Ff]oreign [Mm]inistry|MFA)$"),
    re.compile(r"^(?:Ministry of Foreign Affairs|Foreign Ministry) of (?:the )?(?P<st>.+)$"),
)


@dataclass(frozen=True)
class ResolutionLexicon:
    """`models/speaker_resolution.yml`, indexed."""

    outlets: frozenset[str]
    residue: frozenset[str]
    person_roles: dict[str, frozenset[str]]
    body_roles: dict[str, frozenset[str]]
    body_kinds: dict[str, frozenset[str]]
    document_nouns: frozenset[str]
    body_voices: frozenset[str]
    source_labels: frozenset[str]
    evaluation_verbs: frozenset[str]
    # lower-cased name of a state, with "the" dropped -> (canonical name, demonym)
    states: dict[str, tuple[str, str]]


@lru_cache(maxsize=1)
def lexicon() -> ResolutionLexicon:
    data = read_yaml("speaker_resolution.yml")
    states: dict[str, tuple[str, str]] = {}
    for st in data.get("states") or []:
        for n in [st["name"], *(st.get("names") or [])]:
            key = drop_the(n).lower()
            states[key] = states[key.rstrip(".")] = (st["name"], st.get("demonym") or st["name"])
    return ResolutionLexicon(
        outlets=frozenset(drop_the(o) for o in data.get("outlets") or []),
        residue=frozenset(r.lower() for r in data.get("residue") or []),
        person_roles={k: frozenset(v) for k, v in (data.get("person_roles") or {}).items()},
        body_roles={k: frozenset(w.lower() for w in v) for k, v in (data.get("body_roles") or {}).items()},
        body_kinds={k: frozenset(v) for k, v in (data.get("body_kinds") or {}).items()},
        document_nouns=frozenset(data.get("document_nouns") or []),
        body_voices=frozenset(data.get("body_voices") or []),
        source_labels=frozenset(data.get("source_labels") or []),
        evaluation_verbs=frozenset(data.get("evaluation_verbs") or []),
        states=states,
    )


def drop_the(text: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", text.strip())


def state_of(text: str) -> tuple[str, str] | None:
    """(canonical name, demonym) of the state `text` names ("Washington", "the U.S. side"), or None."""
    key = drop_the(text.replace("’s", "").replace("'s", "")).lower()
    return lexicon().states.get(key)


def is_outlet(text: str) -> bool:
    return drop_the(text) in lexicon().outlets


def is_residue(text: str) -> bool:
    return text.strip(" :").lower() in lexicon().residue


@dataclass
class Entity:
    """A person or body the article names, with the title words it is introduced with."""

    name: str
    kind: str
    starts: list[int] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    gender: str = "unknown"

    def last_before(self, char: int) -> int | None:
        before = [s for s in self.starts if s < char]
        return max(before) if before else None


def title_words(doc: Doc, span: Span) -> set[str]:
    """The words of the title chain right before `span` ("Chinese foreign ministry spokesperson")
    and of an appositive right after it (", North Korea's foreign minister,")."""
    words: list[str] = []
    i = span.start - 1
    while i >= 0 and span.start - i <= 10:
        t = doc[i]
        if t.pos_ in ("PROPN", "NOUN", "ADJ") or t.lower_ in TITLE_GLUE:
            words.append(t.lower_)
            if t.is_sent_start:
                break
            i -= 1
            continue
        break
    if span.root.dep_ == "appos" and i >= 1 and doc[i].text == ",":
        words += [t.lower_ for t in doc[span.root.head.left_edge.i : span.root.head.i + 1]]
    j = span.end
    if j < len(doc) and doc[j].text == ",":
        for t in doc[j + 1 : j + 12]:
            if t.is_punct and t.text not in ("-", "’s"):
                break
            if t.pos_ in ("VERB", "AUX") or t.lower_ in ("who", "which", "that"):
                break
            words.append(t.lower_)
    return {w for w in words if w not in TITLE_GLUE}


def acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines, with their long forms ("the International Campaign to Abolish
    Nuclear Weapons (ICAN)" -> ICAN: International Campaign to Abolish Nuclear Weapons)."""
    found: dict[str, str] = {}
    for m in ACRONYM_DEF.finditer(text):
        words, acr = m.group(1).split(), m.group(2)
        letters = [c for c in acr if c.isupper()]
        # The nearest start whose initials hold the acronym's letters in order.
        for j in range(len(words) - 1, -1, -1):
            if not words[j][0].isupper() or words[j][0] != letters[0]:
                continue
            initials = [w[0] for w in words[j:] if w.lower() not in ACRONYM_GLUE]
            it = iter(initials)
            if all(c in it for c in letters) and len(initials) <= len(letters) + 2:
                found.setdefault(acr, " ".join(words[j:]).strip(",;:"))
                break
    return found


class NameTable:
    """The canonical name of each speaker name in one article: states normalised, acronyms expanded,
    surnames and first names given the full name the article uses."""

    def __init__(self, doc: Doc, knowledge: Knowledge, people: list[str]):
        self.acronyms = acronyms(doc.text)
        roster = {s.name for s in knowledge.speakers}
        self.roster = {a: s.name for s in knowledge.speakers for a in (s.name, *s.aliases)}
        self.full = {}
        # A name the recogniser cut short ("Choe Son" of "Choe Son-hui") is the longer one.
        for name in people:
            longer = {n for n in people if n != name and n.startswith(name) and n[len(name)] in " -"}
            if len(longer) == 1:
                self.full[name] = next(iter(longer))
        people = [n for n in people if n not in self.full]
        # A surname ("Kirby") first, else a leading family name ("Choe" of "Choe Son-hui").
        lasts: dict[str, set[str]] = {}
        firsts: dict[str, set[str]] = {}
        for name in people:
            parts = name.split()
            if len(parts) > 1:
                for w in (parts[-1], *parts[-1].split("-")):
                    lasts.setdefault(w, set()).add(name)
                firsts.setdefault(parts[0], set()).add(name)
        for w in set(lasts) | set(firsts):
            for names in (lasts.get(w, set()), firsts.get(w, set())):
                # Roster names win over an entity's longer spelling of them ("Sergei Ryabkov").
                known = {n for n in names if n in roster}
                pick = known if len(known) == 1 else names
                if len(pick) == 1:
                    self.full[w] = next(iter(pick))
                    break
                if names:
                    break

    def canon(self, name: str) -> str:
        """The canonical name of a speaker name used in this article."""
        name = re.sub(r"\s*\([^)]*$", "", name).strip()  # "X (ICAN" -> "X"
        if not name:
            return name
        if name in self.roster:
            # The roster's own names stay whole: "Russian Defense Ministry" is no "Ministry".
            return self.roster[name]
        # States and ministries before honorifics are dropped: "Russian" is one of them.
        body = body_name(drop_the(name))
        if body:
            return body
        name = normalise_name(name)
        body = body_name(name)
        if body:
            return body
        if name in self.acronyms:
            return self.acronyms[name]
        if name in self.full and (" " not in name or self.full[name] not in self.full):
            return self.full[name]
        return name


def body_name(name: str) -> str | None:
    """The one name of a state ("Washington" -> United States) or of a foreign ministry ("Ukraine's
    Ministry of Foreign Affairs" -> Ukrainian Foreign Ministry), or None."""
    st = state_of(name)
    if st:
        return st[0]
    for pattern in FOREIGN_MINISTRY:
        m = pattern.match(name)
        if m and state_of(m.group("st")):
            return f"{state_of(m.group('st'))[1]} Foreign Ministry"
    return None
