"""The quote stage's thresholds, with the figures they were chosen by.

The values here are the defaults of the `claims_quotes` factory's `default_config`; a config can
change them, and the rules read them from the `Thresholds` the component was built with.
"""

from __future__ import annotations

from dataclasses import dataclass

# A verb's complement is left out when less than this share of them matched PolNeAR train's gold.
COMPLEMENT_MIN_SHARE = 0.3
# A verb's complement is reported content only if the verb is a cue this often in PolNeAR train.
COMPLEMENT_MIN_PRECISION = 0.15
# A reported clause less than this share of which is quoted is one mixed attribution. PolNeAR marks
# the whole clause as the content even when most of it is quoted (on train, 0.9 beat 0.5 by 0.011
# e2e F over all attributions and 0.024 on the quoted ones).
MIXED_SHARE = 0.9
# …but content before its cue ("The treaty dissolved because of “…,” Lavrov explained") is mixed
# only when less than half of it is quoted: there the quotation is what the seed's readers attribute.
MIXED_SHARE_FRONTED = 0.5
# A quotation of at most this many words, all in title case, is a title (`filters.is_title`).
TITLE_MAX_WORDS = 8
# Where the trained role tagger runs (pipeline/stages/roles/), it finds reported content the rules
# miss. The thresholds were chosen on the tenth of PolNeAR train the tagger was not fitted on
# (`make train-attribution`), within what keeps the seed's bars: its annotators count "declared its
# intention to …" and "voted against the Act" as the writer's narration, PolNeAR as attributions.
# - A verb the tagger reads as a cue with at least this probability, and no rule attributed through:
#   its complement (as parsed) is reported content if the tagger reads at least
#   TAGGED_CUE_SHARE of its (at least TAGGED_CUE_WORDS) words as content. On the tenth, e2e F over
#   all attributions 0.560 -> 0.570 (0.5 and 0.3 gave 0.579, and took the seed under its bar).
TAGGED_CUE_MIN = 0.9
TAGGED_CUE_SHARE = 0.3
TAGGED_CUE_WORDS = 3
# - A run of at least this many words it reads as content, in a sentence where it also reads a cue
#   and a source, is reported content; shorter runs read the seed's narration as speech.
TAGGED_MIN_WORDS = 10


@dataclass(frozen=True)
class Thresholds:
    """The thresholds one `claims_quotes` component works with (see the constants above for why)."""

    complement_min_share: float = COMPLEMENT_MIN_SHARE
    complement_min_precision: float = COMPLEMENT_MIN_PRECISION
    mixed_share: float = MIXED_SHARE
    mixed_share_fronted: float = MIXED_SHARE_FRONTED
    title_max_words: int = TITLE_MAX_WORDS
    tagged_cue_min: float = TAGGED_CUE_MIN
    tagged_cue_share: float = TAGGED_CUE_SHARE
    tagged_cue_words: int = TAGGED_CUE_WORDS
    tagged_min_words: int = TAGGED_MIN_WORDS
