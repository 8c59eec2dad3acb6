"""The typed values the quote rules pass between them: an attribution, a candidate quote, the context.

Speakers and cues stay the record's dicts (`{name, start, end, text, known}` and
`{start, end, text}`): they go into the record as they are. A `Candidate` becomes the record's dict
shape only when the component sets `doc._.quotes` (`Candidate.to_quote`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from spacy.tokens import Doc

from ...knowledge import Knowledge
from .thresholds import Thresholds


@dataclass
class Attribution:
    """Who says a quote (`speaker`), through which words (`cue`), by which rule (`how`). A `strong`
    attribution names its speaker outright, so later paragraphs may carry it on."""

    speaker: dict | None
    cue: dict | None
    how: str
    strong: bool


@dataclass
class Candidate:
    """A quote found by some rule: text[start:end], its kind (direct, mixed, indirect) and attribution."""

    start: int
    end: int
    att: Attribution
    kind: str = "direct"
    closed: bool = True
    # The body paragraph a direct quotation is in, and whether it goes on into the next paragraph.
    par: int | None = None
    continues: bool = False

    def to_quote(self, speaker: dict | None) -> dict:
        """The dict of `doc._.quotes` (see `pipeline.doc.extensions`), with the speaker as given."""
        return {
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "closed": self.closed,
            "speaker": speaker,
            "cue": self.att.cue,
            "how": self.att.how,
        }


@dataclass
class Context:
    """What every rule reads for one doc: the doc, the knowledge and the component's thresholds."""

    doc: Doc
    kb: Knowledge
    limits: Thresholds = field(default_factory=Thresholds)


def within(quotes) -> Callable[[int], bool]:
    """A test of whether a character offset falls inside one of `quotes` (anything with start, end)."""
    return lambda i: any(q.start <= i < q.end for q in quotes)


def token_span(token) -> dict:
    """The cue dict of one token."""
    return {"start": token.idx, "end": token.idx + len(token), "text": token.text}
