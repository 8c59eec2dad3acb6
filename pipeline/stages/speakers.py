"""Stage 3, speakers: who can be quoted, and which canonical speaker each mention names.

Mentions come from the roster (`models/speakers.yml`: names, aliases, spelling variants, titles),
from person and organisation entities, and from subject pronouns linked to the nearest compatible
earlier mention. Surnames link to the full name used elsewhere in the article. The author's voice
comes from metadata or the byline (segment stage). After the quote stage, every body sentence is
tagged with its speaker: the quoted person for quoted material, the author for narration.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from ..doc.extensions import guarded
from ..doc.index import text_of
from ..knowledge import Knowledge, load_knowledge, read_yaml
from .treaties import find_named_mentions

# Marks and punctuation a sentence may have outside the quotation it belongs to.
QUOTE_EDGE_CHARS = " \n“”\"'‘’.,;:!?"
SUBJECT_DEPS = {"nsubj", "nsubjpass"}
ENTITY_KINDS = {"PERSON": "person", "ORG": "organisation", "NORP": "organisation", "GPE": "organisation"}
# How far back (in characters) a pronoun looks for its antecedent.
PRONOUN_WINDOW = 1500


@lru_cache(maxsize=1)
def _honorifics() -> tuple[set[str], dict[str, str]]:
    data = read_yaml("honorifics.yml")
    return set(data.get("honorifics") or []), dict(data.get("pronouns") or {})


def normalise_name(span: Span | str) -> str:
    """A speaker name without leading determiners, honorifics and possessive endings."""
    honorifics, _ = _honorifics()
    words = str(span).replace("’s", "").replace("'s", "").split()
    while words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    while len(words) > 1 and words[0] in honorifics:
        words = words[1:]
    return " ".join(words).strip(" ,.;:") or str(span)


def pronoun_gender(token: Token) -> str | None:
    """The gender a subject pronoun refers to (male, female, plural, neuter), or None."""
    return _honorifics()[1].get(token.lower_)


def compatible(gender: str, mention: dict) -> bool:
    """Can a pronoun of `gender` refer to `mention`?"""
    mg = mention.get("gender") or "unknown"
    if gender in ("male", "female"):
        return mention["kind"] in ("person", "pronoun") and mg in (gender, "unknown")
    if gender in ("plural", "neuter"):
        return mention["kind"] == "organisation"
    return False


class SpeakerMentionFinder:
    """Finds speaker mentions (roster names and titles, entities, pronouns) and links them."""

    def __init__(self, nlp: Language, knowledge: Knowledge):
        self.knowledge = knowledge
        self.names = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.titles = PhraseMatcher(nlp.vocab, attr="LOWER")
        for i, spk in enumerate(knowledge.speakers):
            key = f"S{i}"
            names = {spk.name, *spk.aliases}
            self.names.add(key, [nlp.make_doc(a) for a in sorted(names)])
            if spk.titles:
                self.titles.add(key, [nlp.make_doc(t) for t in spk.titles])

    def _roster_mentions(self, doc: Doc) -> list[dict]:
        found = []
        for matcher, how in ((self.names, "roster"), (self.titles, "title")):
            for match_id, start, end in matcher(doc):
                spk = self.knowledge.speakers[int(doc.vocab.strings[match_id][1:])]
                found.append((start, end, spk, how))
        # Longest match wins where matches overlap ("Sergey Lavrov" over "Lavrov").
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        taken: set[int] = set()
        mentions = []
        for start, end, spk, how in found:
            if taken & set(range(start, end)):
                continue
            taken |= set(range(start, end))
            span = doc[start:end]
            mentions.append(
                self._mention(
                    span,
                    spk.name,
                    "organisation" if spk.kind == "organisation" else "person",
                    spk.gender,
                    how,
                )
            )
        return mentions

    @staticmethod
    def _mention(span: Span, name: str, kind: str, gender: str, how: str) -> dict:
        root = span.root
        return {
            "start": span.start_char,
            "end": span.end_char,
            "text": span.text,
            "name": name,
            "kind": kind,
            "gender": gender,
            "how": how,
            "subject": root.dep_ in SUBJECT_DEPS,
        }

    def _entity_mentions(self, doc: Doc, taken: set[int]) -> list[dict]:
        mentions = []
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            if kind is None or taken & set(range(ent.start, ent.end)):
                continue
            # "New START" tagged ORG is a treaty, not a speaker.
            if find_named_mentions(ent.text, self.knowledge):
                continue
            # GPE and NORP entities speak only as the subject of a verb ("Russia said ...").
            if ent.label_ in ("GPE", "NORP") and ent.root.dep_ not in SUBJECT_DEPS:
                continue
            gender = "unknown" if kind == "person" else "neuter"
            mentions.append(self._mention(ent, normalise_name(ent), kind, gender, "entity"))
        return mentions

    @staticmethod
    def _link_surnames(mentions: list[dict]) -> None:
        """Give a surname-only person mention the full name used for it elsewhere in the article."""
        full: dict[str, str] = {}
        for m in mentions:
            if m["kind"] == "person" and " " in m["name"]:
                full.setdefault(m["name"].split()[-1], m["name"])
        for m in mentions:
            if m["kind"] == "person" and m["how"] == "entity" and " " not in m["name"]:
                m["name"] = full.get(m["name"], m["name"])

    def _resolve_pronouns(self, doc: Doc, mentions: list[dict]) -> list[dict]:
        """Link each subject pronoun to the nearest earlier compatible mention, subjects first."""
        ordered = sorted(mentions, key=lambda m: m["start"])
        out = list(ordered)
        for token in doc:
            gender = pronoun_gender(token)
            if gender is None or token.dep_ not in SUBJECT_DEPS:
                continue
            # "It said that …": "it" names a speaker only as the active subject of a verb of
            # saying; "it is clear", "it will expire", "it was reported that …" are no one's words.
            if gender == "neuter" and (
                token.dep_ != "nsubj" or token.head.lemma_.lower() not in self.knowledge.cue_verbs
            ):
                continue
            lo = token.idx - PRONOUN_WINDOW
            before = [m for m in out if lo <= m["start"] < token.idx and compatible(gender, m)]
            subjects = [m for m in before if m["subject"]]
            pick = (subjects or before or [None])[-1]
            mention = {
                "start": token.idx,
                "end": token.idx + len(token),
                "text": token.text,
                "name": pick["name"] if pick else token.lower_,
                "kind": "pronoun",
                "gender": pick.get("gender", gender) if pick else gender,
                "how": "pronoun" if pick else "unresolved",
                "subject": True,
            }
            out.insert(bisect_right([m["start"] for m in out], token.idx), mention)
        return out

    @guarded("speakers")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.speaker_mentions is not None:
            return doc
        mentions = self._roster_mentions(doc)
        taken = {t.i for m in mentions for t in doc.char_span(m["start"], m["end"], alignment_mode="expand")}
        mentions += self._entity_mentions(doc, taken)
        self._link_surnames(mentions)
        doc._.speaker_mentions = self._resolve_pronouns(doc, mentions)
        return doc


@Language.factory("claims_speakers", assigns=["doc._.speaker_mentions"], requires=["token.dep", "doc.ents"])
def make_speaker_mention_finder(nlp: Language, name: str) -> SpeakerMentionFinder:
    """Factory for the speakers stage."""
    return SpeakerMentionFinder(nlp, load_knowledge())


def author_name(doc: Doc) -> str:
    """The name the author's narration is tagged with."""
    return (doc._.author or {}).get("name") or "author"


def tag_sentence_speakers(doc: Doc) -> list[dict]:
    """Tag every body sentence: the quoted speaker for a sentence inside a quotation, else the author.

    A sentence that only holds a quotation in part is the author's narration; the quote's own span
    carries its speaker. Before the quote stage has run, sentences come back with `speaker` None.
    """
    body = [s for s in doc._.segments or [] if s["kind"] == "body"]
    tagged = doc._.quotes is not None
    quotes = [q for q in doc._.quotes or [] if q.get("speaker") and q.get("kind") != "indirect"]
    out = []
    for sent in doc.sents:
        text = sent.text
        a = sent.start_char + (len(text) - len(text.lstrip()))
        b = sent.start_char + len(text.rstrip())
        if b <= a or not any(s["start"] <= a < s["end"] for s in body):
            continue
        name = sentence_speaker(text_of(doc), a, b, quotes, author_name(doc))
        out.append({"start": a, "end": b, "speaker": {"name": name} if tagged else None})
    return out


def sentence_speaker(text: str, a: int, b: int, quotes: list[dict], author: str) -> str:
    """Who speaks the sentence text[a:b]: the speaker of a direct or mixed quotation it lies inside
    (give or take the marks and punctuation at its edges), else the author."""
    for q in quotes:
        outside = text[a : max(a, q["start"])] + text[min(b, q["end"]) : b]
        if q["start"] < b and q["end"] > a and not outside.strip(QUOTE_EDGE_CHARS):
            return q["speaker"]["name"]
    return author
