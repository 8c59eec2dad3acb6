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


def test_attribution_data_all_annotators_reads_every_copy_of_a_fit_article(tmp_path):
    """Two annotators' files: the fit article is read once per file, the tune article once only
    (the first annotator, as the scorers pick it), so tune figures stay comparable."""
    from pipeline.learn.attribution.data import read_split
    from pipeline.stages.roles.tagger import in_tune_split

    fit = next(f"fit_{i}" for i in range(200) if not in_tune_split(f"fit_{i}"))
    tune = next(f"tune_{i}" for i in range(200) if in_tune_split(f"tune_{i}"))
    text = "Smith said the deal was dead.\n"
    event = "T4\tAttribution 6 10\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    narrow = "T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 15 28\tdeal was dead\n" + event
    wide = "T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 11 28\tthe deal was dead\n" + event
    for sub in ("text", "attributions"):
        (tmp_path / sub).mkdir()
    for stem in (fit, tune):
        (tmp_path / "text" / f"{stem}.txt").write_text(text, encoding="utf-8")
        (tmp_path / "attributions" / f"{stem}_a1.ann").write_text(narrow, encoding="utf-8")
        (tmp_path / "attributions" / f"{stem}_a2.ann").write_text(wide, encoding="utf-8")
    # Another article whose name starts with the fit article's: its file is not a copy of it.
    (tmp_path / "text" / f"{fit}_x.txt").write_text(text, encoding="utf-8")
    (tmp_path / "attributions" / f"{fit}_x_a1.ann").write_text(wide, encoding="utf-8")

    one_fit, one_tune = read_split(str(tmp_path))
    every_fit, every_tune = read_split(str(tmp_path), all_annotators=True)

    own = [a for a in every_fit if a.stem == fit]
    assert [a.stem for a in one_fit if a.stem == fit] == [fit]
    assert len(own) == 2
    assert sorted(a.attributions[0].content[0] for a in own) == [(11, 28), (15, 28)]
    assert [a.stem for a in every_fit if a.stem != fit] == [f"{fit}_x"]
    assert [a.stem for a in every_tune] == [a.stem for a in one_tune] == [tune]
    assert every_tune[0].attributions == one_tune[0].attributions
