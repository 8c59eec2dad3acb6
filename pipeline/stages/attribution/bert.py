"""The encoder and tokenizer a run uses, in torch and `tokenizers` alone.

Training builds the encoder with Hugging Face `transformers` (`Tagger.from_base`). A run does not
need that package: importing its BERT classes and building one took about 3 s of every run's
start, against 0.3 s for this module, and a one-article run lasted 9.7 s in all. So the run
builds the same network from the saved `encoder_config.json`: BERT's embeddings and post-norm
layers, with `transformers`' parameter names, so the saved state dict loads as it is. The
tokenizer is the saved `tokenizer.json` read by `tokenizers`, the Rust library under the fast
tokenizer that training used. `tests/stages/attribution` checks both against `transformers`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class BertConfig:
    """The fields of a saved `encoder_config.json` that the network's shape depends on."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"
    position_embedding_type: str = "absolute"

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        raw = json.loads(Path(path).read_text())
        cfg = cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        # Anything else would load the weights into a different network without a word.
        if cfg.hidden_act != "gelu" or cfg.position_embedding_type != "absolute":
            raise ValueError(
                f"{path}: hidden_act {cfg.hidden_act!r} and position_embedding_type "
                f"{cfg.position_embedding_type!r}; this encoder is written for 'gelu' and 'absolute'"
            )
        return cfg


class Embeddings(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        # Every input is one segment (type 0), as in training; summed in transformers' order, so
        # that the scores are the same to the last bit.
        h = self.word_embeddings(input_ids) + self.token_type_embeddings.weight[0]
        h = h + self.position_embeddings(positions)[None]
        return self.LayerNorm(h)


class SelfAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.heads = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        b, t, d = h.shape

        def split(x):
            return x.view(b, t, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.query(h)), split(self.key(h)), split(self.value(h))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=1 / math.sqrt(d // self.heads))
        return ctx.transpose(1, 2).reshape(b, t, d)


class Dense(nn.Module):
    """A projection back to the hidden size, added to its input and normalised (BERT's post-norm)."""

    def __init__(self, c: BertConfig, width: int):
        super().__init__()
        self.dense = nn.Linear(width, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.self = SelfAttention(c)  # named as in transformers: `attention.self.query` …
        self.output = Dense(c, c.hidden_size)

    def forward(self, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(h, keep), h)


class Intermediate(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(h))


class Layer(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = Dense(c, c.intermediate_size)

    def forward(self, h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        a = self.attention(h, keep)
        return self.output(self.intermediate(a), a)


class Layers(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))


class Pooler(nn.Module):
    """Unused by the tagger; kept so that the saved state dict loads with nothing left over."""

    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)


class BertEncoder(nn.Module):
    """BERT for inference: the last layer's hidden states [B, T, H] of a padded batch."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.embeddings = Embeddings(config)
        self.encoder = Layers(config)
        self.pooler = Pooler(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        # [B, 1, 1, T]: every query attends to the real subwords of its row, never to padding.
        keep = attention_mask.bool()[:, None, None, :]
        h = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            h = layer(h, keep)
        return h


def build_encoder(config_path: Path) -> BertEncoder:
    """An encoder of the saved shape, for the saved state dict to be loaded into."""
    return BertEncoder(BertConfig.from_file(config_path))


class WordPieceTokenizer:
    """The saved `tokenizer.json`, called as the fast tokenizer that training used is called."""

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # Paragraphs longer than the encoder's positions are cut into windows by `make_windows`.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        settings = json.loads((folder / "tokenizer_config.json").read_text())
        self.cls_token_id = self._id(settings.get("cls_token", "[CLS]"))
        self.sep_token_id = self._id(settings.get("sep_token", "[SEP]"))

    def _id(self, token: str) -> int:
        i = self.tokenizer.token_to_id(token)
        if i is None:
            raise ValueError(f"the tokenizer has no {token} token")
        return i

    def __call__(
        self,
        texts: str | list[str],
        add_special_tokens: bool = True,
        return_offsets_mapping: bool = True,
        verbose: bool = True,
    ) -> dict:
        """{'input_ids', 'offset_mapping'} of one text, or lists of them for a list of texts, as a
        fast tokenizer returns them. The last two options are taken so that `encode_paragraphs`
        calls either tokenizer alike: offsets are always given, and this one never warns."""
        if isinstance(texts, str):
            one = self.tokenizer.encode(texts, add_special_tokens=add_special_tokens)
            return {"input_ids": one.ids, "offset_mapping": one.offsets}
        enc = self.tokenizer.encode_batch(texts, add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in enc], "offset_mapping": [e.offsets for e in enc]}
