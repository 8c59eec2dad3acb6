"""Contents that are only a prepositional phrase are no attribution.

"Commenting on the expiration of the treaty", "said at a news conference", "announced on social
media": the quote rules can take the phrase after a cue for its content, but it says where or about
what someone spoke, not what they said. A reported clause ("said on Thursday he would ...") and a
directive after "call" ("called on Russia to ...", "called for restraint") are kept.
"""

from __future__ import annotations

from spacy.tokens import Doc

from ..speakers import SUBJECT_DEPS

# Cues whose preposition opens a content: "call on X to", "call for X".
PREPOSITIONAL_CUES = {"call"}
WHEN = {"DATE", "TIME"}
# Prepositions of place, time and topic. Not "as": "described it as a threat" holds a content.
PREPOSITIONS = {
    "on",
    "at",
    "about",
    "over",
    "with",
    "in",
    "from",
    "during",
    "after",
    "amid",
    "via",
    "regarding",
}


def is_prepositional(doc: Doc, q: dict) -> bool:
    """Is the quote an indirect content that is only a prepositional phrase about the speaking?"""
    if q.get("kind") != "indirect" or q.get("how") == "headline":
        return False
    span = doc.char_span(q["start"], q["end"], alignment_mode="expand")
    if span is None or not len(span) or span[0].lower_ not in PREPOSITIONS:
        return False
    cue = q.get("cue") or {}
    cue_span = (
        doc.char_span(cue["start"], cue["end"], alignment_mode="expand")
        if cue.get("start") is not None
        else None
    )
    if cue_span is not None and cue_span.root.lemma_.lower() in PREPOSITIONAL_CUES:
        return False
    if any(t.ent_type_ in WHEN for t in span[1:4]):
        return False  # "said on Thursday (that) he would ..."
    return not any(t.dep_ in SUBJECT_DEPS for t in span)
