"""Training data for the transformer: brat spans painted onto characters, then BIO subwords."""

from __future__ import annotations

import pytest

from pipeline.eval.brat import GoldAttribution
from pipeline.learn.attribution.data import Article, edge_punctuation, paint_roles

TEXT = "Smith said the deal, he added, was dead."


@pytest.mark.parametrize(
    "att,roles",
    [
        # source, cue, content
        (
            GoldAttribution(content=[(11, 39)], source=[(0, 5)], cue=[(6, 10)]),
            {"source": "Smith", "cue": "said", "content": "the deal, he added, was dead"},
        ),
    ],
)
def test_attribution_data_paints_each_role(att, roles):
    role, _ = paint_roles(len(TEXT), [att])
    names = {1: "source", 2: "cue", 3: "content"}
    for name, want in roles.items():
        got = "".join(c for c, r in zip(TEXT, role, strict=True) if names.get(r) == name)
        assert got.replace(" ", "") == want.replace(" ", "")


@pytest.mark.parametrize("fragments", [[(11, 19), (31, 39)]])
def test_attribution_data_discontinuous_content_is_two_runs(fragments):
    """A discontinuous span ('s e;s e') paints each fragment as its own span: two B- starts."""
    role, sid = paint_roles(len(TEXT), [GoldAttribution(content=fragments)])
    runs = {sid[i] for i in range(len(TEXT)) if role[i] == 3}
    assert len(runs) == 2
    assert all(role[i] == 0 for i in range(19, 31))


@pytest.mark.parametrize("inner", [(23, 29)])
def test_attribution_data_inner_cue_wins_over_content(inner):
    """'he added' inside the content: the cue is painted over the content, as CofeNet's gold has it."""
    outer = GoldAttribution(content=[(11, 39)], source=[(0, 5)], cue=[(6, 10)])
    nested = GoldAttribution(content=[(11, 19)], source=[(21, 23)], cue=[inner])
    role, _ = paint_roles(len(TEXT), [outer, nested])
    assert {role[i] for i in range(*inner)} == {2}


@pytest.mark.model
@pytest.mark.parametrize("att", [GoldAttribution(content=[(11, 39)], source=[(0, 5)], cue=[(6, 10)])])
def test_attribution_data_labels_subwords_bio(att):
    from pipeline.learn.attribution.data import encode_article
    from pipeline.stages.attribution import AttributionModel, shipped_model_path
    from pipeline.stages.attribution.encode import LABELS

    tok = AttributionModel(shipped_model_path()).tokenizer
    [para] = encode_article(tok, Article("a", TEXT, [att]))
    labels = [LABELS[i] for i in para.labels]
    words = [TEXT[a:b] for a, b in para.offsets]
    assert labels[words.index("smith") if "smith" in words else 0] == "B-source"
    assert labels[words.index("said")] == "B-cue"
    first_content = next(i for i, w in enumerate(words) if w == "the")
    assert labels[first_content] == "B-content" and labels[first_content + 1] == "I-content"


def test_attribution_data_end_marks_are_the_ones_gold_stops_before():
    """Contents stop before the comma of "…, he said" but end on their closing quotation mark."""
    text = 'Smith said the deal was dead, he said. "It is over," Jones said.'
    said = GoldAttribution(content=[(11, 28)], source=[(30, 32)], cue=[(33, 37)])
    quoted = GoldAttribution(content=[(39, 52)], source=[(53, 58)], cue=[(59, 63)])
    marks = edge_punctuation([Article("a", text, [said, quoted])] * 3, least=3)
    assert "," in marks["content"]
    assert '"' not in marks.get("content", "")
    assert marks == edge_punctuation([Article("a", text, [said, quoted])] * 3, least=3)
    assert edge_punctuation([Article("a", text, [said, quoted])], least=3) == {}  # too few to tell
