"""Stage 6, dates: temporal expressions normalised to ISO, linked to the treaty mention they date.

Values are YYYY, YYYY-MM or YYYY-MM-DD, resolved against the publication date ("Last October" →
2018-10 for an article of 2019-02-03; "Friday’s announcement" → 2019-02-01). A bare month, day,
weekday or weekend reads the tense of its clause: in an article of March 2019, "was signed in
December" is 2018-12 and "will lapse in February" 2020-02; "in six months" counts forward from the
publication date (number words and future markers are data in `models/time_words.yml`). Headlines
are dated as well as the body. A date is linked to a
treaty mention of its sentence, with the event read off the word that governs it ("agreed in 2010"
→ signed, "expires in 2021" → expires); the event words are data in `models/events.yml`. A year that
modifies the treaty's name ("the 1972 ABM Treaty") takes its event from the dates the base knows.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..doc.extensions import guarded
from ..doc.index import doc_index, text_of
from ..knowledge import Knowledge, load_knowledge, read_yaml

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
MODIFIER_DEPS = {"nummod", "compound", "amod", "npadvmod", "nmod", "poss"}
FUTURE_TAGS = {"VBZ", "VBP", "VB"}
TIME_PREPOSITIONS = {
    "in",
    "since",
    "by",
    "until",
    "till",
    "before",
    "after",
    "from",
    "beyond",
    "through",
    "on",
}
# How many words back a time adjunct looks for its event word.
ADJUNCT_REACH = 12


def publication_day(meta_date: str | None) -> date | None:
    """The publication date as a `date` (first of month/year when only those are known)."""
    if not meta_date:
        return None
    parts = [int(p) for p in str(meta_date).split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def normalise_date(
    expr: str, today: date | None, tense: str | None = None, forward: bool = False
) -> str | None:
    """ISO value of a temporal expression, relative to `today` (the publication date), or None.

    `tense` ("past", "future" or None) is the tense of the clause the expression dates: a bare month
    or weekday is the last one in a past clause and the next one in a future clause. `forward`: the
    expression follows "in"/"within", so "six months" is an offset from `today`.
    """
    s = expr.lower().replace("’s", "").replace("'s", "").strip(" ,.")
    words = re.findall(r"[a-z]+|\d+", s)
    if not words:
        return None
    if forward and today is not None:
        offset = _offset(words, today)
        if offset:
            return offset
    if "weekend" in words and today is not None:
        return _weekend(today, tense, words)
    # Durations and vague spans are not dates: "the past 20 years", "every six months".
    if any(
        w in ("past", "every", "years", "months", "weeks", "days", "decades", "ago", "recent") for w in words
    ):
        return None
    years = [w for w in words if re.fullmatch(r"1[6-9]\d\d|20\d\d", w)]
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    day = next((int(w) for w in words if w.isdigit() and len(w) <= 2 and 1 <= int(w) <= 31), None)
    if years:
        y = int(years[0])
        if month and day:
            return f"{y:04d}-{month:02d}-{day:02d}"
        if month:
            return f"{y:04d}-{month:02d}"
        return f"{y:04d}"
    if today is None:
        return None
    if month:
        if "last" in words or (tense == "past" and "next" not in words):
            y = today.year if (month, day or 1) <= (today.month, today.day) else today.year - 1
        elif "next" in words or tense == "future":
            y = today.year if (month, day or 31) >= (today.month, today.day) else today.year + 1
        elif (month, day or 1) <= (today.month, today.day) or month - today.month <= 3:
            y = today.year  # this year's, or an event announced for the coming months
        else:
            y = today.year - 1
        return f"{y:04d}-{month:02d}-{day:02d}" if day else f"{y:04d}-{month:02d}"
    weekday = next((WEEKDAYS[w] for w in words if w in WEEKDAYS), None)
    if weekday is not None:
        back = (today.weekday() - weekday) % 7
        if "next" in words or (tense == "future" and "last" not in words):
            d = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
        else:
            d = today - timedelta(days=back or (7 if "last" in words else 0))
        return d.isoformat()
    rel = {"today": 0, "yesterday": -1, "tomorrow": 1}
    for w, shift in rel.items():
        if w in words:
            return (today + timedelta(days=shift)).isoformat()
    if "year" in words:
        shift = -1 if "last" in words else 1 if "next" in words else 0 if "this" in words else None
        return None if shift is None else f"{today.year + shift:04d}"
    if "month" in words:
        if "last" in words:
            first = today.replace(day=1) - timedelta(days=1)
            return f"{first.year:04d}-{first.month:02d}"
        if "this" in words:
            return f"{today.year:04d}-{today.month:02d}"
    return None


def _offset(words: list[str], today: date) -> str | None:
    """ "in six months" from `today`, at the precision of its unit (a month for months)."""
    if len(words) != 2:
        return None
    numbers = time_words().get("numbers") or {}
    n = int(words[0]) if words[0].isdigit() else numbers.get(words[0])
    unit = words[1].rstrip("s")
    if not n or unit not in ("day", "week", "month", "year"):
        return None
    if unit == "year":
        return f"{today.year + n:04d}"
    if unit == "month":
        months = today.year * 12 + today.month - 1 + n
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    return (today + timedelta(days=n * (7 if unit == "week" else 1))).isoformat()


def _weekend(today: date, tense: str | None, words: list[str]) -> str:
    """The Saturday of "over the weekend": the last one, or in a future clause the next one."""
    if tense == "future" or "next" in words:
        return (today + timedelta(days=(5 - today.weekday()) % 7 or 7)).isoformat()
    back = (today.weekday() - 5) % 7
    return (today - timedelta(days=back)).isoformat()


@lru_cache(maxsize=1)
def time_words() -> dict:
    """Number words and future markers (models/time_words.yml)."""
    return read_yaml("time_words.yml")


def clause_tense(token: Token) -> str | None:
    """ "past" or "future" for the clause a date sits in, read off its verb and auxiliaries; None
    when the clause has no finite verb (a headline, a noun phrase)."""
    markers = set(time_words().get("future_markers") or [])
    node = token
    for _ in range(6):
        if node.pos_ in ("VERB", "AUX") and node.dep_ not in ("amod", "acl"):
            break
        if node.head.i == node.i:
            return None
        node = node.head
    else:
        return None
    related = [node, *node.children, node.head] if node.dep_ == "xcomp" else [node, *node.children]
    if node.dep_ in ("xcomp", "ccomp") or node.tag_ == "VB":
        related += [node.head, *node.head.children]
    if any(t.lower_ in markers or (t.tag_ == "MD" and t.lower_ != "could") for t in related):
        return "future"
    if node.tag_ in ("VBD", "VBN") or any(
        t.tag_ in ("VBD",) and t.dep_ in ("aux", "auxpass") for t in related
    ):
        return "past"
    if node.tag_ in ("VBZ", "VBP") and not any(t.dep_ in ("aux", "auxpass") for t in node.children):
        return "future"  # "expires in February": a scheduled present
    return None


def find_dates(doc: Doc, today: date | None, lo: int = 0, hi: int | None = None) -> list[dict]:
    """Every temporal expression in text[lo:hi] that normalises: DATE entities, then bare years."""
    hi = len(text_of(doc)) if hi is None else hi
    out = []
    for ent in doc.ents:
        if ent.label_ != "DATE" or not (lo <= ent.start_char < hi):
            continue
        # "the 1972 treaty" or "since 1999": keep the core, not the determiner or preposition.
        span = ent
        while len(span) > 1 and span[0].lower_ in (
            "the",
            "since",
            "in",
            "on",
            "by",
            "until",
            "from",
            "early",
            "late",
        ):
            span = span[1:]
        before = doc[span.start - 1].lower_ if span.start > 0 else ""
        forward = before in (time_words().get("forward_prepositions") or []) or ent[0].lower_ in (
            "in",
            "within",
        )
        value = normalise_date(span.text, today, clause_tense(span.root), forward)
        if value:
            out.append({"value": value, "start": span.start_char, "end": span.end_char, "text": span.text})
    for m in YEAR.finditer(text_of(doc), lo, hi):
        if not any(d["start"] <= m.start() < d["end"] for d in out):
            tok = doc.char_span(m.start(), m.end())
            if tok is not None and tok[0].like_num:
                out.append({"value": m.group(1), "start": m.start(), "end": m.end(), "text": m.group(1)})
    return sorted(out, key=lambda d: d["start"])


class TreatyDateLinker:
    """Normalises dates and links each to the treaty mention of its sentence, with the event."""

    def __init__(self, knowledge: Knowledge):
        self.kb = knowledge

    def event_of(self, token: Token) -> str | None:
        """The event a word names (`withdraw` → withdrawal), with the tense of `expire` read."""
        event = self.kb.event_words.get(token.lemma_.lower()) or self.kb.event_words.get(token.lower_)
        if event is None:
            for phrase, ev in self.kb.event_phrases:
                n = len(phrase)
                toks = token.doc[token.i : token.i + n]
                if len(toks) == n and tuple(t.lemma_.lower() for t in toks) == phrase:
                    return ev
            return None
        if event in self.kb.future_events and self._is_future(token):
            return self.kb.future_events[event]
        return event

    @staticmethod
    def _is_future(token: Token) -> bool:
        if token.tag_ in FUTURE_TAGS:
            return True
        head = token
        # "is set to expire", "will expire"
        for t in [*token.children, *token.head.children, token.head]:
            if t.lower_ in ("will", "set", "shall", "to", "would") or t.tag_ == "MD":
                return True
        return head.tag_ == "VBZ"

    def _event_before(self, span: Span, mention_tokens: set[int]) -> tuple[str | None, Token | None]:
        """ "agreed on by Obama … in 2010": a time adjunct dates the nearest event word before it.

        Read in word order, because the parser often hangs such an adjunct on the wrong verb.
        """
        first = span[0]
        if first.i == 0 or first.nbor(-1).lower_ not in TIME_PREPOSITIONS:
            return None, None
        sent = doc_index(first.doc).sent_of(first.i)
        for t in reversed(span.doc[max(sent.start, first.i - ADJUNCT_REACH) : first.i - 1]):
            if t.text in (",", ";", ":", "–", "—", "“", "”") or t.i in mention_tokens:
                if t.i in mention_tokens:
                    continue
                break
            ev = self.event_of(t)
            if ev:
                return ev, t
        return None, None

    def _event_near(self, token: Token, mention_tokens: set[int]) -> tuple[str | None, Token | None]:
        """Walk up from a date's token to the verb or event noun that governs it."""
        node = token
        for _ in range(8):
            ev = self.event_of(node) if node.i not in mention_tokens else None
            if ev:
                return ev, node
            if node.pos_ == "VERB":
                # "declared its intention to withdraw from …": an event word below the verb.
                for t in node.subtree:
                    ev = self.event_of(t)
                    if ev and t.i not in mention_tokens:
                        return ev, node
                return "unspecified", node
            if node.pos_ in ("NOUN", "PROPN") and node.i != token.i and node.i not in mention_tokens:
                # A date of some other thing ("2018 Nuclear Posture Review") unless an event word
                # modifies it ("Friday’s US pullout announcement").
                for t in node.children:
                    ev = self.event_of(t)
                    if ev:
                        return ev, node
                return None, None
            if node.head.i == node.i:
                return "unspecified", node
            node = node.head
        return "unspecified", node

    def known_event(self, treaty_id: str, value: str) -> str:
        treaty = self.kb.treaty(treaty_id)
        if treaty is None:
            return "unspecified"
        for known, event in treaty.known_events().items():
            if known.startswith(value) or value.startswith(known):
                return event
        return "signed"

    def link(self, doc: Doc, dates: list[dict], mentions: list[dict]) -> None:
        for m in mentions:
            m["dates"] = []
        for d in dates:
            span = doc.char_span(d["start"], d["end"], alignment_mode="expand")
            if span is None:
                continue
            sent: Span = doc_index(doc).sent_of(span.root.i)
            in_sent = [m for m in mentions if sent.start_char <= m["start"] < sent.end_char]
            if not in_sent:
                self._link_to_previous_sentence(doc, d, span, sent, mentions)
                continue
            token = span.root
            target, event = None, None
            # "the landmark 1970 Nuclear Non-Proliferation Treaty": a date inside the name's modifiers.
            node = token
            while node.dep_ in MODIFIER_DEPS and node.head.i != node.i:
                node = node.head
                m = next((m for m in in_sent if m["start"] <= node.idx < m["end"]), None)
                if m is not None:
                    target, event = m, self.known_event(m["treaty"], d["value"])
                    break
            if target is None:
                mention_tokens = {
                    t.i for m in in_sent for t in doc.char_span(m["start"], m["end"], alignment_mode="expand")
                }
                event, anchor = self._event_before(span, mention_tokens)
                if event is None:
                    event, anchor = self._event_near(token, mention_tokens)
                if event is None:
                    continue
                target = min(
                    in_sent,
                    key=lambda m: abs(
                        doc.char_span(m["start"], m["end"], alignment_mode="expand").root.i - anchor.i
                    ),
                )
            target["dates"].append({**d, "event": event})
        for m in mentions:
            m["event"] = m["dates"][0]["event"] if m["dates"] else self.mention_event(doc, m)

    def _link_to_previous_sentence(
        self, doc: Doc, d: dict, span: Span, sent: Span, mentions: list[dict]
    ) -> None:
        """ "Moscow left the INF Treaty. The withdrawal took effect in August.": a date of a sentence
        without a treaty mention dates the last treaty of the sentence before, when a named event
        (not just any verb) governs it."""
        if sent.start == 0:
            return
        before = doc_index(doc).sent_of(sent.start - 1)
        prior = [m for m in mentions if before.start_char <= m["start"] < before.end_char]
        if not prior:
            return
        event, _ = self._event_before(span, set())
        if event is None:
            event, _ = self._event_near(span.root, set())
        if event is not None and event != "unspecified":
            prior[-1]["dates"].append({**d, "event": event})

    def mention_event(self, doc: Doc, m: dict) -> str:
        """What the sentence says happened to an undated mention ("withdraw from the INF Treaty")."""
        span = doc.char_span(m["start"], m["end"], alignment_mode="expand")
        node = span.root
        for _ in range(4):
            ev = self.event_of(node) if node.i not in range(span.start, span.end) else None
            if ev:
                return ev
            if node.head.i == node.i:
                break
            node = node.head
        return "unspecified"

    @guarded("dates")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.treaty_dates is not None:
            return doc
        today = publication_day((doc._.meta or {}).get("date"))
        body = [s for s in doc._.segments or [] if s["kind"] in ("body", "title")]
        dates = [d for d in find_dates(doc, today) if any(s["start"] <= d["start"] < s["end"] for s in body)]
        doc._.treaty_dates = dates
        # The stage dates the treaty mentions: it writes new mention dicts, declared in `assigns`,
        # rather than changing the treaty stage's own in place.
        mentions = [dict(m) for m in doc._.treaty_mentions or []]
        self.link(doc, dates, mentions)
        doc._.treaty_mentions = mentions
        return doc


@Language.factory(
    "claims_dates",
    assigns=["doc._.treaty_dates", "doc._.treaty_mentions"],
    requires=["doc._.treaty_mentions", "doc.ents"],
)
def make_treaty_date_linker(nlp: Language, name: str) -> TreatyDateLinker:
    """Factory for the dates stage."""
    return TreatyDateLinker(load_knowledge())
