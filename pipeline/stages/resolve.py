"""Stage 4b, speaker resolution: each quote's speaker by the canonical name the article gives it.

Runs after the quote stage, over the whole document:
1. A relaying outlet ("Zarif told IRNA", "according to Sputnik, Ryabkov said"), a dateline
   ("WASHINGTON —") or page residue ("Quote:", "Details:") is not the speaker when someone else in
   the sentence is: the cue's subject or the person named nearest the cue takes over.
2. A title chain cut short ("Australian Deputy Prime Minister [and Minister for Defence Richard
   Marles]") or an appositive ("Moscow's top negotiator, Deputy Foreign Minister X") gives the name.
3. A role noun ("the spokesperson", "the EU chief", "the alliance", "the ministry") goes to the
   compatible person or body the article introduced with that role, the latest one before the quote
   (the first after it when none comes before). A roster title is such a role noun too: the roster
   is a prior, used only when the article introduces nobody compatible and does not contradict it
   ("North Korea's foreign minister" is not Russia's).
4. "The statement said" goes to whoever issued the last statement quoted.
5. Names are made canonical (`entities.NameTable`): states, acronyms, surnames.
Headlines of the form "Name: claim" are added as attributions first (`quotes.headlines`).
The speaker mentions are renamed the same way, so the record's `speakers` groups every alias.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..doc.extensions import guarded
from ..doc.index import text_of
from ..eval.score import spans_overlap
from ..knowledge import Knowledge, load_knowledge
from .attribution.merge import MODEL_SOURCE
from .entities import (
    Entity,
    NameTable,
    body_name,
    drop_the,
    is_outlet,
    is_residue,
    lexicon,
    state_of,
    title_words,
)
from .quotes.headlines import headline_quotes
from .speakers import SUBJECT_DEPS
from .treaties import find_named_mentions

PERSON_LABELS = {"PERSON"}
# Content words a state's headline shares with its official's quote in the body.
HEADLINE_OVERLAP = 2
TREATY_HEADS = {"treaty", "agreement", "accord", "convention", "pact", "deal", "memorandum", "protocol"}
BODY_LABELS = {"ORG", "NORP", "GPE"}
# Words before a role noun that only point at it ("the", "his").
POINTERS = {"the", "a", "an", "his", "her", "its", "their", "this", "that", "our"}


def with_source_edges(doc: Doc, speaker: dict, edges: tuple[int, int] | None) -> dict:
    """The resolved speaker with the edges the model gave its source, where they hold the same
    mention: the name stays the resolver's, the span is the annotators' kind of span."""
    if edges is None or not spans_overlap(edges, (speaker["start"], speaker["end"])):
        return speaker
    return {**speaker, "start": edges[0], "end": edges[1], "text": text_of(doc)[edges[0] : edges[1]]}


class SpeakerResolver:
    """Rewrites `doc._.quotes` speakers (and `doc._.speaker_mentions` names) to canonical names."""

    def __init__(self, knowledge: Knowledge):
        self.knowledge = knowledge
        self.roster = {s.name: s for s in knowledge.speakers}
        self.aliases = {a: s.name for s in knowledge.speakers for a in (s.name, *s.aliases)}

    # ------------------------------------------------------------------ the article's entities
    def entities(self, doc: Doc) -> dict[str, Entity]:
        found: dict[str, Entity] = {}

        lex = lexicon()
        person_titles = set().union(*lex.person_roles.values())
        body_words = set().union(*lex.body_roles.values())

        def add(span: Span, name: str, kind: str, gender: str = "unknown") -> None:
            titles = title_words(doc, span)
            own = {w.lower() for w in span.text.split()}
            # "spokesperson Tomas Varga" tagged ORG: a person's title before a name makes it a person.
            before = doc[span.start - 1].lower_ if span.start else ""
            if (
                kind == "organisation"
                and before in person_titles
                and len(own) > 1
                and not own & body_words
                and not any(w.isupper() for w in span.text.split())
            ):
                kind = "person"
            ent = found.setdefault(name, Entity(name, kind, gender=gender))
            ent.kind = "person" if kind == "person" else ent.kind
            ent.starts.append(span.start_char)
            ent.roles |= titles | own

        for m in doc._.speaker_mentions or []:
            if m["how"] not in ("roster", "entity"):
                continue
            span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
            if span is None or is_outlet(m["text"]):
                continue
            add(span, m["name"], m["kind"], m.get("gender") or "unknown")
        for ent in doc.ents:
            if ent.label_ in PERSON_LABELS | {"ORG"} and not is_outlet(ent.text):
                kind = "person" if ent.label_ == "PERSON" else "organisation"
                if not any(e.kind == kind and ent.start_char in e.starts for e in found.values()):
                    add(ent, normalise(ent), kind)
        table = NameTable(doc, self.knowledge, [n for n, e in found.items() if e.kind == "person"])
        merged: dict[str, Entity] = {}
        for e in found.values():
            name = table.canon(e.name)
            into = merged.setdefault(name, Entity(name, e.kind, gender=e.gender))
            into.starts += e.starts
            into.roles |= e.roles
            if e.name in self.roster:
                into.roles |= {w.lower() for t in self.roster[e.name].titles for w in t.split()}
        self.table = table
        return merged

    # ------------------------------------------------------------------ role nouns
    def role_of(self, span: Span) -> tuple[str, str, tuple[str, str] | None] | None:
        """(kind, role key, state) of a role noun phrase ("the North Korean foreign minister" ->
        person, minister, North Korea), or None when the phrase names someone."""
        lex = lexicon()
        if any(t.ent_type_ == "PERSON" for t in span) or is_outlet(span.text):
            return None
        low = span.text.lower()
        if "head of state" in low:
            return "person", "head of state", None
        words = [t for t in span if t.lower_ not in POINTERS and not t.is_punct]
        if not words:
            return None
        head = span.root.lower_ if span.root in words else words[-1].lower_
        state = None
        for t in words:
            st = state_of(t.text) if t.i != span.root.i else None
            if st is None and t.i + 1 < span.end and span.doc[t.i + 1].tag_ == "POS":
                st = state_of(span.doc[span.start : t.i + 1].text.split(" ", 1)[-1]) or state_of(t.text)
            state = state or st
        if head in lex.person_roles:
            return "person", head, state
        if head in lex.body_roles:
            # "the Russian Ministry of Foreign Affairs" names a body; "the ministry" points at one.
            root = span.root
            if root.text[:1].isupper() and not root.is_sent_start:
                return None
            return "organisation", head, state
        # Only a definite one points back at an issued statement ("the statement"), not "reports".
        if span[0].lower_ in ("the", "this", "that", "its", "their") and (
            head in lex.document_nouns or low.split()[-1] in lex.document_nouns
        ):
            return "document", head, state
        return None

    def resolve_role(self, ents: dict[str, Entity], role, char: int) -> str | None:
        """The entity a role noun at `char` stands for: compatible, latest before, else first after."""
        kind, key, state = role
        lex = lexicon()
        if kind == "person":
            wanted = lex.person_roles.get(key, frozenset([key]))
            pool = [e for e in ents.values() if e.kind == "person" and e.roles & wanted]
        else:
            wanted = lex.body_roles.get(key, frozenset([key]))
            pool = [
                e
                for e in ents.values()
                if e.kind == "organisation"
                and not state_of(e.name)
                and (e.roles & wanted or wanted & {w.lower() for w in lex.body_kinds.get(e.name, ())})
            ]
        if state is not None:
            pool = [e for e in pool if self.fits_state(e, state)]
        if not pool and kind == "person" and key in lex.body_voices:
            pool = [e for e in ents.values() if self.is_body(e)]
        return pick_by_recency(pool, char)

    def is_body(self, e: Entity) -> bool:
        """A named organisation that has people speak for it (a ministry, an alliance, an agency)."""
        if e.kind != "organisation" or state_of(e.name) or is_outlet(e.name):
            return False
        spk = self.roster.get(e.name)
        words = set().union(*lexicon().body_roles.values())
        return (spk is not None and spk.kind == "organisation") or bool(
            {w.lower() for w in e.name.split()} & words
        )

    def fits_state(self, e: Entity, state: tuple[str, str]) -> bool:
        names = {n for n, st in lexicon().states.items() if st == state}
        spk = self.roster.get(e.name)
        if spk is not None and spk.country:
            return spk.country == state[0]
        return bool(e.roles & names) or any(n in e.roles for n in state[1].lower().split())

    # ------------------------------------------------------------------ one quote
    def resolve(self, doc: Doc, q: dict, ents: dict[str, Entity], last: str | None) -> dict | None:
        sp = q.get("speaker")
        if not sp:
            return sp
        span = doc.char_span(sp["start"], sp["end"], alignment_mode="expand")
        if span is None:
            return {**sp, "name": self.table.canon(sp["name"])}
        dateline = is_dateline(doc, span)
        relay = is_outlet(sp["text"]) and not dateline
        if relay or dateline or is_residue(sp["text"]) or self.is_treaty(sp["text"]):
            nested = self.nested_attribution(doc, q)
            if nested is not None:
                subject, cue, content = nested
                q.update(start=content[0], end=content[1], cue=cue)
                span = subject
            else:
                other = self.someone_else(doc, q, span, relay)
                if other is not None:
                    span = other
                elif last is not None and not relay:
                    return {**sp, "name": last}
        person = adjoining_person(doc, span, quote_starts(q))
        if person is not None:
            return self.as_speaker(person, self.table.canon(normalise(person)))
        role = self.role_of(span)
        if role is not None and role[0] == "document":
            return self.as_speaker(span, last or self.table.canon(sp["name"]))
        mention = self.mention_at(doc, span)
        alias = self.aliases.get(span.text) or self.aliases.get(drop_the(span.text))
        if alias is None and mention is not None and mention["how"] == "roster":
            alias = mention["name"]
        if alias is not None:
            # A roster alias names its speaker ("the UN nuclear watchdog"); only titles are priors.
            return self.as_speaker(span, self.table.canon(alias))
        if role is not None:
            found = self.resolve_role(ents, role, span.start_char)
            if found is not None:
                return self.as_speaker(span, found)
            roster_name = mention["name"] if mention and mention["how"] == "title" else None
            if roster_name and not (role[2] and not self.fits_state(Entity(roster_name, "person"), role[2])):
                return self.as_speaker(span, roster_name)
            return self.as_speaker(span, self.table.canon(mention["name"] if mention else span.text))
        # The whole phrase may name a state's ministry the entity in it leaves out ("Ukraine's [Ministry ...]").
        whole = with_possessor(doc, span)
        body = body_name(drop_the(whole.text))
        if body is not None:
            return self.as_speaker(whole, body)
        name = mention["name"] if mention and span.start_char == sp["start"] else None
        return self.as_speaker(
            span,
            self.table.canon(name or (sp["name"] if span.start_char == sp["start"] else normalise(span))),
        )

    def is_treaty(self, text: str) -> bool:
        """A treaty's name is never a speaker ("the Treaty on ... (CFE), and urged")."""
        return text.strip().lower() in TREATY_HEADS or bool(find_named_mentions(text, self.knowledge))

    @staticmethod
    def as_speaker(span: Span, name: str) -> dict:
        return {"name": name, "start": span.start_char, "end": span.end_char, "text": span.text}

    @staticmethod
    def mention_at(doc: Doc, span: Span) -> dict | None:
        for m in doc._.speaker_mentions or []:
            # The mention that holds the phrase's head: "EU" in "the EU chief" is no name for it.
            inside = span.start_char <= m["start"] and m["end"] <= span.end_char
            if inside and m["start"] <= span.root.idx < m["end"]:
                return m
        return None

    def someone_else(self, doc: Doc, q: dict, span: Span, relay: bool) -> Span | None:
        """Who the sentence quotes when the speaker found is an outlet, a dateline or a label: the
        subject of the cue, else the person or body named nearest the cue outside the quote."""
        cue = q.get("cue")
        at = cue["start"] if cue else q["start"]
        tok = doc.char_span(at, at + 1, alignment_mode="expand")
        if tok is None:
            return None
        sent = tok[0].sent
        head = tok[0]
        for _ in range(4):
            for child in head.children:
                if child.dep_ in SUBJECT_DEPS and child.pos_ in ("PROPN", "NOUN"):
                    np = noun_phrase(doc, child)
                    if not (span.start <= child.i < span.end) and not is_outlet(np.text):
                        return np
            if head.dep_ not in ("conj", "xcomp", "advcl") or head.head.i == head.i:
                break
            head = head.head
        if relay:
            # "according to media reports, X": the outlet stays unless the cue has a subject.
            return None
        if is_residue(span.text):
            # "Source: statement by the ministry" then "Quote: ...": the body the source line names;
            # else the caller's last speaker.
            return self.named_before(doc, q["start"])
        inside = range(q["start"], q["end"])
        mentions = [
            doc.char_span(m["start"], m["end"], alignment_mode="expand")
            for m in doc._.speaker_mentions or []
            if m["how"] in ("roster", "title", "entity")
            and sent.start_char <= m["start"] < sent.end_char
            and m["start"] not in inside
            and not is_outlet(m["text"])
            and not span.start_char <= m["start"] < span.end_char
        ]
        cands = [
            e
            for e in doc.ents
            if sent.start <= e.start < sent.end
            and e.label_ in PERSON_LABELS | {"ORG"}
            and e.start_char not in inside
            and not is_outlet(e.text)
            and not (span.start <= e.start < span.end)
        ]
        persons = (
            [e for e in cands if e.label_ == "PERSON"] or [m for m in mentions if m is not None] or cands
        )
        return min(persons, key=lambda e: abs(e.start_char - at)) if persons else None

    def named_before(self, doc: Doc, char: int) -> Span | None:
        """The body a page's "Source:" line names before `char` ("Source: statement by the ministry"
        then "Quote: ..."), the latest such line."""
        named, text = [], text_of(doc)
        for m in doc._.speaker_mentions or []:
            if m["how"] not in ("roster", "title", "entity") or m["start"] >= char or is_outlet(m["text"]):
                continue
            line_start = text.rfind("\n", 0, m["start"]) + 1
            label = text[line_start : m["start"]].split(":", 1)[0].strip()
            if ":" in text[line_start : m["start"]] and label in lexicon().source_labels:
                named.append(m)
        if not named:
            return None
        m = max(named, key=lambda m: m["start"])
        return doc.char_span(m["start"], m["end"], alignment_mode="expand")

    def nested_attribution(self, doc: Doc, q: dict) -> tuple[Span, dict, tuple[int, int]] | None:
        """A relayed quote whose content holds its own attribution ("[Ryabkov said that X],
        according to Sputnik"; "WASHINGTON: [Trump said X]"): the speaker, cue and content inside."""
        content = doc.char_span(q["start"], q["end"], alignment_mode="expand")
        if content is None:
            return None
        for t in content[:15]:
            if t.pos_ != "VERB" or t.lemma_ not in self.knowledge.cue_verbs:
                continue
            subj = next((c for c in t.children if c.dep_ in SUBJECT_DEPS), None)
            comp = next((c for c in t.children if c.dep_ == "ccomp"), None)
            if subj is None or comp is None or subj.pos_ not in ("PROPN", "NOUN") or comp.i < t.i:
                continue
            a = comp.left_edge
            if a.lower_ == "that" and a.dep_ == "mark" and a.i + 1 < len(doc):
                a = a.nbor(1)
            start = max(a.idx, content.start_char)
            end = min(content.end_char, comp.right_edge.idx + len(comp.right_edge))
            if end <= start:
                continue  # the clause the parser found lies outside the quote
            cue = {"start": t.idx, "end": t.idx + len(t), "text": t.text}
            return noun_phrase(doc, subj), cue, (start, end)
        return None

    # ------------------------------------------------------------------ the component
    @guarded("resolve")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.quotes is None:
            return doc
        kept, headlines = headline_quotes(doc, doc._.quotes, self.knowledge)
        quotes = kept + headlines
        quotes.sort(key=lambda q: (q["start"], q["end"]))
        ents = self.entities(doc)
        last = None
        out = []
        for q in quotes:
            model_source = q.pop(MODEL_SOURCE, None)
            if q.get("how") == "review":
                out.append(q)
                continue
            spk = self.resolve(doc, q, ents, last)
            if spk:
                last = spk["name"]
                spk = with_source_edges(doc, spk, model_source)
            out.append({**q, "speaker": spk})
        self.state_headlines(doc, out, ents)
        doc._.quotes = out
        doc._.speaker_mentions = self.renamed_mentions(doc, out, ents)
        return doc

    def state_headlines(self, doc: Doc, quotes: list[dict], ents: dict[str, Entity]) -> None:
        """A headline that gives a state's words ("North Korea says status is final") gives those of
        the official the body quotes saying the same: same state, `HEADLINE_OVERLAP` content words."""
        for h in quotes:
            st = state_of(h["speaker"]["name"]) if h.get("how") == "headline" and h.get("speaker") else None
            if st is None:
                continue
            words = content_words(text_of(doc)[h["start"] : h["end"]])
            for q in quotes:
                e = ents.get((q.get("speaker") or {}).get("name", ""))
                if q is h or q.get("how") == "headline" or e is None or e.kind != "person":
                    continue
                if (
                    self.fits_state(e, st)
                    and len(words & content_words(text_of(doc)[q["start"] : q["end"]])) >= HEADLINE_OVERLAP
                ):
                    h["speaker"] = {**h["speaker"], "name": e.name}
                    break

    def mention_name(self, doc: Doc, m: dict, ents: dict[str, Entity]) -> str:
        """A speaker mention's canonical name; a roster title only when the article names no one
        compatible ("Foreign Minister Elena Brandt" is Elena Brandt's title)."""
        if m["how"] == "title":
            span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
            role = self.role_of(span) if span is not None else None
            found = self.resolve_role(ents, role, m["start"]) if role and role[0] == "person" else None
            if found is not None:
                return found
        return self.table.canon(m["name"])

    def renamed_mentions(self, doc: Doc, quotes: list[dict], ents: dict[str, Entity]) -> list[dict]:
        """The speaker mentions with canonical names, plus each quote's speaker span not among them."""
        mentions = [{**m, "name": self.mention_name(doc, m, ents)} for m in doc._.speaker_mentions or []]
        by_span = {(m["start"], m["end"]): m for m in mentions}
        for q in quotes:
            sp = q.get("speaker")
            if not sp:
                continue
            m = by_span.get((sp["start"], sp["end"]))
            if m is not None:
                m["name"] = sp["name"]
                continue
            mentions.append({**sp, "kind": "phrase", "gender": "unknown", "how": "resolved", "subject": True})
            by_span[(sp["start"], sp["end"])] = mentions[-1]
        return sorted(mentions, key=lambda m: m["start"])


def normalise(span: Span) -> str:
    from .speakers import normalise_name

    return normalise_name(span)


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]{3,}", text.lower())}


def pick_by_recency(pool: list[Entity], char: int) -> str | None:
    before = [(e.last_before(char), e.name) for e in pool if e.last_before(char) is not None]
    if before:
        return max(before)[1]
    after = [(min(e.starts), e.name) for e in pool if e.starts]
    return min(after)[1] if after else None


def is_dateline(doc: Doc, span: Span) -> bool:
    """An upper-case place at the head of a paragraph ("WASHINGTON —", "UNITED NATIONS (AP) —")."""
    text = span.text.strip()
    after = text_of(doc)[span.end_char : span.end_char + 3].strip()
    # An outlet's name heading a paragraph before a dash is a dateline too ("IRNA – ...").
    if is_outlet(text) and after[:1] in ("–", "—", ":") and span.start == span.sent.start:
        return True
    if not (text.isupper() and len(text) > 2) or after[:1] not in ("—", "–", "-", ":", ",", "("):
        return False
    if any(m["how"] == "roster" and m["start"] == span.start_char for m in doc._.speaker_mentions or []):
        return False  # "NATO, ..." heads a paragraph as a speaker, not as a dateline
    before = text_of(doc)[max(0, span.start_char - 2) : span.start_char]
    return span.start_char == 0 or "\n" in before or span.start == span.sent.start


def with_possessor(doc: Doc, span: Span) -> Span:
    """The phrase with the possessor before it ("Ukraine’s" + "Ministry of Foreign Affairs")."""
    if span.start >= 2 and doc[span.start - 1].tag_ == "POS":
        return doc[doc[span.start - 2].left_edge.i : span.end]
    return span


def noun_phrase(doc: Doc, token) -> Span:
    """The phrase a subject token heads, to its left edge, cut after a dash or colon before it."""
    start = token.left_edge.i
    for i in range(token.i - 1, start - 1, -1):
        if doc[i].text in ("–", "—", ":", "-") and doc[i].is_punct:
            start = i + 1
            break
    return doc[start : token.i + 1]


def quote_starts(q: dict) -> set[int]:
    """Where the quote's cue and content start: a speaker's title chain never runs into them."""
    return {q["start"]} | ({q["cue"]["start"]} if q.get("cue") else set())


def adjoining_person(doc: Doc, span: Span, stops: set[int] = frozenset()) -> Span | None:
    """A person named in the same title chain or appositive as a speaker phrase with no name.

    The chain ends where the quote's cue or content starts (`stops`): in a title-case headline
    every word reads as a name ("France’s Marine Le Pen Backs Trump And Denounces Clinton").
    """
    if any(t.ent_type_ == "PERSON" for t in span):
        return None
    j = span.end
    if j < len(doc) and doc[j].text == ",":
        j += 1
    for k in range(j, min(len(doc), span.end + 9)):
        t = doc[k]
        if t.idx in stops:
            return None
        if t.ent_type_ == "PERSON" and t.ent_iob_ == "B":
            ent = next(e for e in doc.ents if e.start == k)
            return ent
        if not (t.pos_ in ("PROPN", "NOUN", "ADJ") or t.lower_ in ("and", "for", "of", "-")):
            return None
    return None


@Language.factory(
    "claims_speaker_resolver",
    assigns=["doc._.quotes", "doc._.speaker_mentions"],
    requires=["doc._.quotes", "doc._.speaker_mentions", "doc.ents"],
)
def make_speaker_resolver(nlp: Language, name: str) -> SpeakerResolver:
    """Factory for the speaker resolution stage."""
    return SpeakerResolver(load_knowledge())
