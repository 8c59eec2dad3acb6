"""The `claims_attribution` component: a fine-tuned transformer tags source, cue and content.

It runs after the rules (`claims_quotes`): the model labels every title and body paragraph with BIO
roles (constrained Viterbi decoding, `network.viterbi`), contents are linked to a cue and a source
by structure (`link`), and the result is merged with the rules' quotes (`merge`). The speaker
resolution that follows names the speaker of every attribution, whichever part found it.

The weights are ours (`models/attribution-transformer/`, fine-tuned on PolNeAR train by
`make train-transformer`); the encoder's architecture and tokenizer are stored beside them, so
nothing downloads at run time. Docs are tagged in batches: all paragraphs of a batch of docs are
cut into windows, sorted by length and run together, so batches are full.

`precision` "bf16" runs the encoder's products in bfloat16 (torch's CPU autocast): 2.3x the speed
of fp32 on a CPU with bfloat16 instructions, and on PolNeAR's tune tenth and arms-control dev as
accurate (every figure within 0.1; the arms-control scores identical). "auto", the default, takes
bf16 only on such a CPU (`native_bf16`): elsewhere bf16 is emulated and slower than fp32.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ...config import PRECISIONS
from ...doc.extensions import stage_error
from ...errors import Errors, KnowledgeError
from ...knowledge import load_knowledge, models_dir
from ..quotes.cues import says_outright
from .encode import ROLES, encode_paragraphs, make_windows, paragraphs
from .link import link
from .merge import SAID_POLICIES, merge

#: Where the trained model lives, under models/.
MODEL_DIR = "attribution-transformer"
#: Segments whose paragraphs can hold an attribution (headlines do: "X: the deal is dead").
TAGGED_KINDS = ("title", "body")


def native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Does this CPU multiply bfloat16 in hardware (AVX512-BF16 or AMX)? False where it cannot tell."""
    try:
        with open(cpuinfo, encoding="utf-8") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def shipped_model_path() -> Path:
    """The shipped model's folder."""
    return models_dir() / MODEL_DIR


def has_model(path: Path | None = None) -> bool:
    """Is a trained model there (its weights and meta)?"""
    path = path or shipped_model_path()
    return (path / "tagger.safetensors").is_file() and (path / "meta.json").is_file()


class AttributionModel:
    """The fine-tuned encoder and its tokenizer, loaded once, tagging texts' paragraphs with role spans."""

    def __init__(
        self,
        path: Path,
        threads: int = 2,
        batch_size: int = 32,
        quantize: bool = False,
        precision: str = "auto",
        ensemble: bool = False,
    ):
        # Loaded here, not at import: `--fast` and `--rules-only` never pay for torch.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch

        from .network import Ensemble, load_model, load_tagger

        if not has_model(path):
            raise KnowledgeError(
                Errors.E033.format(detail=f"no model in {path}"), path=str(path), stage="load"
            )
        torch.set_num_threads(threads)
        self.model, self.tokenizer, self.meta = load_model(str(path))
        # With `ensemble`, the members installed beside the model (meta "members": taggers fine-tuned
        # from other seeds, reading its tokenizer) tag with it, as one `Ensemble`.
        members = [self.model]
        for name in self.meta.get("members", []) if ensemble else []:
            if not has_model(path / name):
                raise KnowledgeError(
                    Errors.E033.format(detail=f"no ensemble member {name!r} in {path}"),
                    path=str(path / name),
                    stage="load",
                )
            members.append(load_tagger(path / name)[0])
        if len(members) > 1:
            self.model = Ensemble(members)
        self.size = len(members)
        if quantize:
            self.model = torch.ao.quantization.quantize_dynamic(
                self.model, {torch.nn.Linear}, dtype=torch.qint8
            )
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: use one of {PRECISIONS}")
        self.bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        self.transitions = self.model.transition_scores()
        self.end_marks = self.meta.get("never_ends_with", {})
        self.max_len = self.meta.get("max_len", 256)
        self.batch_size = batch_size

    def tag(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> list[list[dict]]:
        """Per text, per paragraph of `spans`: role -> list of (start, end) character spans."""
        from .network import decode_paragraph, paragraph_logprobs, window_logprobs

        tok = self.tokenizer
        encoded, windows = [], []
        for text, para_spans in zip(texts, spans, strict=True):
            paras = encode_paragraphs(tok, text, para_spans)
            wins = make_windows(paras, tok.cls_token_id, tok.sep_token_id, self.max_len)
            encoded.append((text, paras, len(windows), len(wins)))
            windows.extend(wins)
        scores = window_logprobs(self.model, windows, self.batch_size, bf16=self.bf16)
        out = []
        for text, paras, first, count in encoded:
            per_para = paragraph_logprobs(
                paras, windows[first : first + count], scores[first : first + count]
            )
            tagged = []
            for para, logp in zip(paras, per_para, strict=True):
                roles: dict[str, list] = {r: [] for r in ROLES}
                _, found = decode_paragraph(logp, para, text, self.transitions, self.end_marks)
                for role, a, b in found:
                    roles[role].append((para.offsets[a][0], para.offsets[b - 1][1]))
                tagged.append(roles)
            out.append(tagged)
        return out


def tagged_paragraphs(doc: Doc) -> list[tuple[int, int]]:
    """The paragraphs of `doc` that lie in a title or body segment."""
    keep = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] in TAGGED_KINDS]
    return [(a, b) for a, b in paragraphs(doc.text) if any(s <= a < e for s, e in keep)]


def has_saying_verb(doc: Doc, paragraph: tuple[int, int]) -> bool:
    """Does the paragraph hold a verb that could cue what the "add-said" merge adds?"""
    span = doc.char_span(*paragraph, alignment_mode="contract")
    kb = load_knowledge()
    return span is not None and any(t.pos_ in ("VERB", "AUX") and says_outright(kb, t) for t in span)


class AttributionFinder:
    """Tags docs with the model and merges its attributions with the rules' quotes."""

    def __init__(self, model: AttributionModel, link_rule: str, policy: str, batch_size: int):
        self.model = model
        self.link_rule = link_rule
        self.policy = policy
        self.batch_size = batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        docs = iter(docs)
        size = batch_size or self.batch_size
        while batch := list(islice(docs, size)):
            yield from self._annotate(batch)

    def _annotate(self, batch: list[Doc]) -> list[Doc]:
        todo = [d for d in batch if d._.error is None]
        try:
            spans = [tagged_paragraphs(d) for d in todo]
            if self.policy in SAID_POLICIES:
                # Only a verb of saying can cue what "add-said" adds, and the linker takes a cue
                # from the content's own paragraph: a paragraph with none cannot add anything.
                spans = [[p for p in ps if has_saying_verb(d, p)] for d, ps in zip(todo, spans, strict=True)]
            tagged = self.model.tag([d.text for d in todo], spans)
            for doc, paras in zip(todo, tagged, strict=True):
                self.set_annotations(doc, link(paras, self.link_rule))
        except Exception as err:  # noqa: BLE001 - the batch's articles fail, the run goes on
            for doc in todo:
                doc._.error = stage_error("attribution", err)
        return batch

    def set_annotations(self, doc: Doc, atts: list[dict]) -> None:
        doc._.quotes = merge(doc, doc._.quotes or [], atts, self.policy)


@Language.factory(
    "claims_attribution",
    assigns=["doc._.quotes"],
    requires=["doc._.quotes", "doc._.segments", "doc._.speaker_mentions"],
    default_config={
        "model_path": None,
        "link": "nearest",
        "merge": "add-said+edges",
        "batch_size": 16,
        "threads": 2,
        "quantize": False,
        "precision": "auto",
        "ensemble": False,
    },
)
def make_attribution_finder(
    nlp: Language,
    name: str,
    model_path: str | None,
    link: str,
    merge: str,
    batch_size: int,
    threads: int,
    quantize: bool,
    precision: str,
    ensemble: bool,
) -> AttributionFinder:
    """Factory for the learned attribution stage; `model_path` defaults to the shipped model."""
    path = Path(model_path) if model_path else shipped_model_path()
    model = AttributionModel(path, threads=threads, quantize=quantize, precision=precision, ensemble=ensemble)
    return AttributionFinder(model, link, merge, batch_size)
