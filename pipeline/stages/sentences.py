"""The sentence-speaker stage: who speaks each body sentence, the author or a quoted person.

It runs last in every stage verb, after whatever the quotes stage found, so the record's
`sentences` come from a component like every other field rather than from the record builder.
Before the quote stage has run (`claims segment`, `claims speakers`), sentences are listed with
`speaker` None.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..doc.extensions import guarded
from .speakers import tag_sentence_speakers


class SentenceSpeakerTagger:
    """Sets `doc._.sentence_speakers` from the sentences, the segments and the quotes."""

    @guarded("sentences")
    def __call__(self, doc: Doc) -> Doc:
        doc._.sentence_speakers = tag_sentence_speakers(doc) if doc.has_annotation("SENT_START") else None
        return doc


@Language.factory(
    "claims_sentence_speakers",
    assigns=["doc._.sentence_speakers"],
    requires=["doc._.segments", "token.is_sent_start"],
)
def make_sentence_speaker_tagger(nlp: Language, name: str) -> SentenceSpeakerTagger:
    """Factory for the sentence-speaker stage."""
    return SentenceSpeakerTagger()
