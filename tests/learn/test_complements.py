"""Mining complement-cue shares: counting proposed and matched complement contents per lemma."""

from __future__ import annotations

import pytest

from pipeline.eval.brat import GoldAttribution, GoldDoc
from pipeline.learn.complements import complement_counts

TEXT = "He urged them to act now. She spoke at the rally on Sunday."


def complement(start: int, end: int, cue: str) -> dict:
    return {"start": start, "end": end, "kind": "indirect", "how": "complement", "cue": {"text": cue}}


@pytest.mark.parametrize(
    "quotes,proposed,matched",
    [
        (
            [complement(9, 24, "urged"), complement(36, 58, "spoke")],
            {"urge": 1, "speak": 1},
            {"urge": 1, "speak": 0},
        ),
        ([], {}, {}),
        ([{**complement(9, 24, "urged"), "how": "cue"}], {}, {}),
    ],
)
def test_mine_complements_counts_per_lemma(quotes, proposed, matched):
    gold = {
        "a": GoldDoc(
            text=TEXT, attributions=[GoldAttribution(content=[(9, 24)], source=[(0, 2)], cue=[(3, 8)])]
        )
    }
    lemmas = {"urged": "urge", "spoke": "speak"}
    got_proposed, got_matched = complement_counts([{"id": "a", "quotes": quotes}], gold, lemmas.get)
    assert dict(got_proposed) == proposed
    assert {k: got_matched[k] for k in proposed} == matched
