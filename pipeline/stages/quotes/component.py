"""The `claims_quotes` component: find the candidate quotes of a doc, then set `doc._.quotes`."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ...doc.extensions import guarded
from ...knowledge import Knowledge, load_knowledge
from . import thresholds as limits
from .candidate import Candidate, Context
from .direct import find_direct
from .filters import keep_direct
from .reported import close_mixed, find_indirect
from .sources import nearest_mention
from .tagged import tagged_content, tagged_cue_content
from .thresholds import Thresholds

# Attribution rules that carry a speaker from elsewhere; their speaker span is moved to the mention
# of that speaker nearest the quotation.
CARRIED_RULES = {"continued"}


class QuoteFinder:
    """Finds quotations and reported speech in body paragraphs and attributes them."""

    def __init__(self, knowledge: Knowledge, thresholds: Thresholds | None = None):
        self.kb = knowledge
        self.limits = thresholds or Thresholds()

    @guarded("quotes")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.quotes is not None:
            return doc
        self.set_annotations(doc, self.find_candidates(doc))
        return doc

    def find_candidates(self, doc: Doc) -> list[Candidate]:
        """Direct, mixed and indirect quotes of the doc, attributed, in text order."""
        ctx = Context(doc, self.kb, self.limits)
        # Headlines carry attributions too ("Sanders: Endorsements prove …"); boilerplate never does.
        body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] in ("body", "title")]
        direct = find_direct(ctx, body)
        indirect = find_indirect(ctx, body, direct)
        # A reported clause that holds a short quotation ("said it was “absolutely clear” that …") is
        # one mixed attribution: the quotation inside it is not reported a second time. A word or two
        # in marks that no such clause takes in is a scare quote or a title, not an attribution.
        mixed = close_mixed(indirect, direct)
        direct = keep_direct(doc, direct, mixed, self.limits.title_max_words)
        indirect += tagged_cue_content(ctx, direct + indirect, direct)
        indirect += tagged_content(ctx, direct + indirect)
        return sorted(direct + indirect, key=lambda q: (q.start, q.end))

    @staticmethod
    def set_annotations(doc: Doc, candidates: list[Candidate]) -> None:
        """`doc._.quotes`: the candidates in the record's shape, speakers without `known`."""
        quotes = []
        for q in candidates:
            speaker = None
            if q.att.speaker:
                speaker = {k: q.att.speaker[k] for k in ("name", "start", "end", "text")}
                if q.att.how in CARRIED_RULES:
                    speaker = nearest_mention(doc, speaker, q, candidates)
            quotes.append(q.to_quote(speaker))
        doc._.quotes = quotes


@Language.factory(
    "claims_quotes",
    assigns=["doc._.quotes"],
    requires=["doc._.speaker_mentions", "doc._.segments"],
    default_config={
        "complement_min_share": limits.COMPLEMENT_MIN_SHARE,
        "complement_min_precision": limits.COMPLEMENT_MIN_PRECISION,
        "mixed_share": limits.MIXED_SHARE,
        "mixed_share_fronted": limits.MIXED_SHARE_FRONTED,
        "title_max_words": limits.TITLE_MAX_WORDS,
        "tagged_cue_min": limits.TAGGED_CUE_MIN,
        "tagged_cue_share": limits.TAGGED_CUE_SHARE,
        "tagged_cue_words": limits.TAGGED_CUE_WORDS,
        "tagged_min_words": limits.TAGGED_MIN_WORDS,
    },
)
def make_quote_finder(
    nlp: Language,
    name: str,
    complement_min_share: float,
    complement_min_precision: float,
    mixed_share: float,
    mixed_share_fronted: float,
    title_max_words: int,
    tagged_cue_min: float,
    tagged_cue_share: float,
    tagged_cue_words: int,
    tagged_min_words: int,
) -> QuoteFinder:
    """Factory for the quotes stage; the thresholds are documented in `thresholds.py`."""
    return QuoteFinder(
        load_knowledge(),
        Thresholds(
            complement_min_share=complement_min_share,
            complement_min_precision=complement_min_precision,
            mixed_share=mixed_share,
            mixed_share_fronted=mixed_share_fronted,
            title_max_words=title_max_words,
            tagged_cue_min=tagged_cue_min,
            tagged_cue_share=tagged_cue_share,
            tagged_cue_words=tagged_cue_words,
            tagged_min_words=tagged_min_words,
        ),
    )
