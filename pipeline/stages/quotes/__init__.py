"""Stage 4, quotes: attributed quotations, direct, mixed and indirect, each with its speaker and cue.

Direct quotes are found from quotation marks (curly, straight, « », „ “, ‘ ’, and the doubled
apostrophes of wire copy) paragraph by paragraph. A quotation left unclosed is closed at the end of
its clause and never runs into the next paragraph, except by the convention of a quote that goes on
in the next paragraph (which re-opens with a mark). A quotation interrupted by its cue ("“A,” he
said, “B.”") is one quote.

Each quote is attributed by the first rule that applies, in this order (the rule is kept in `how`):
1. `dialogue`: a paragraph that opens with `Name:` and a quotation (`Putin: “Good,”`).
2. `introduced`: a paragraph that opens with the quotation after one ending in a colon or an
   introducer ("adding:", "saying").
3. `cue`: a verb of saying outside the quotation in its sentence, nearest first; its subject, else the
   `according to X` of the sentence, else the subject it shares with the verb it depends on.
4. `sentence` / `paragraph`: an earlier quote of the same sentence or paragraph.
   (then `introduced` again: a later quotation of a paragraph after an "adding:")
5. `continued`: a paragraph that opens with a quotation (or a list item) continues the last speaker
   named with a cue, if that was within the two paragraphs before.
6. `subject`: a speaker mention that is the subject of the sentence (`Russia’s Defense Ministry “proposed…”`).
A quotation none of these attributes is not kept: it is a headline, a title or a scare quote.

Reported speech is `X said (that) Y`, `Y, X said`, `according to X, Y` and `Y, according to X`, the
complement of a cue verb ("urged them to …"), and a paragraph led by a name and a colon. A reported
clause holding short quotations is one `mixed` attribution. Rules and thresholds were chosen on the
PolNeAR train split (see `models/cues.yml`).

Where the trained role tagger ran (`pipeline/stages/roles/`), it adds reported content no rule found
(`how: "tagged"`): the complement of a verb it reads as a cue, and runs of words it reads as content.

The modules, in the order an article goes through them:
- `marks`: quotation marks found, paired and closed, paragraph by paragraph;
- `cues`: cue words (the cue lexicon of models/) and `according to`;
- `sources`: the speaker mention a cue or quotation names, and whether it can speak;
- `direct`: the direct-quote rules above, as `DIRECT_RULES` over a typed `DirectState`;
- `merge`: interrupted quotations and quotations that go on into the next paragraph made one;
- `reported`: reported speech and mixed attributions;
- `filters`: scare quotes, titles and quotations a mixed attribution takes in, left out;
- `tagged`: the rules that consult the role tagger;
- `candidate`: the `Candidate` and `Attribution` the rules pass, and their per-doc `Context`;
- `thresholds`: the thresholds with their figures; `component`: the `claims_quotes` factory.
"""

from __future__ import annotations

from .candidate import Attribution, Candidate, Context, within
from .component import CARRIED_RULES, QuoteFinder, make_quote_finder
from .direct import DIRECT_RULES, DirectState, attribute_direct, find_direct
from .filters import is_scare_quote, is_title
from .marks import ALL_MARKS, DOUBLE_MARK, QuoteSpan, clause_end, find_quote_spans
from .reported import COLON_LEAD, COMPLEMENT_DEPS, DASH, clause_kind, cut_clause, find_indirect
from .thresholds import (
    COMPLEMENT_MIN_PRECISION,
    COMPLEMENT_MIN_SHARE,
    MIXED_SHARE,
    MIXED_SHARE_FRONTED,
    TAGGED_CUE_MIN,
    TAGGED_CUE_SHARE,
    TAGGED_CUE_WORDS,
    TAGGED_MIN_WORDS,
    TITLE_MAX_WORDS,
    Thresholds,
)

__all__ = [
    "ALL_MARKS",
    "CARRIED_RULES",
    "COLON_LEAD",
    "COMPLEMENT_DEPS",
    "COMPLEMENT_MIN_PRECISION",
    "COMPLEMENT_MIN_SHARE",
    "DASH",
    "DIRECT_RULES",
    "DOUBLE_MARK",
    "MIXED_SHARE",
    "MIXED_SHARE_FRONTED",
    "TAGGED_CUE_MIN",
    "TAGGED_CUE_SHARE",
    "TAGGED_CUE_WORDS",
    "TAGGED_MIN_WORDS",
    "TITLE_MAX_WORDS",
    "Attribution",
    "Candidate",
    "Context",
    "DirectState",
    "QuoteFinder",
    "QuoteSpan",
    "Thresholds",
    "attribute_direct",
    "clause_end",
    "clause_kind",
    "cut_clause",
    "find_direct",
    "find_indirect",
    "find_quote_spans",
    "is_scare_quote",
    "is_title",
    "make_quote_finder",
    "within",
]
