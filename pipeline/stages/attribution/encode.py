"""What the attribution model reads: paragraphs cut into subword windows, and its BIO labels.

1. `paragraphs` cuts the text at line breaks (PolNeAR separates paragraphs by blank lines; a single
   newline also ends a paragraph, as CofeNet's paragraph builder treats it).
2. `encode_paragraphs` tokenizes each paragraph with the encoder's WordPiece tokenizer, keeping
   every subword's character offsets in the article.
3. `make_windows` packs consecutive paragraphs into windows of at most `max_len` subwords, joined by
   [SEP]. Packing gives each paragraph its neighbours as context at no extra cost (no padding, no
   repeated prefix), and the tagger still labels every paragraph separately: spans never cross a
   [SEP]. A paragraph longer than a window is cut into overlapping windows (stride), and each token
   later takes its scores from the window where it lies farthest from an edge.

Training labels are made from brat spans by `pipeline.learn.attribution.data`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Span = tuple[int, int]

LABELS = ["O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content"]
LABEL2ID = {lab: i for i, lab in enumerate(LABELS)}
ROLES = ("source", "cue", "content")
#: The label of a position the loss leaves out ([CLS], [SEP], padding).
IGNORE = -100


def paragraphs(text: str) -> list[Span]:
    """Non-blank lines of the text, as (start, end) without surrounding spaces."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


@dataclass
class Para:
    """One tokenized paragraph: subword ids, their char offsets in the article, and BIO label ids."""

    start: int
    end: int
    ids: list[int]
    offsets: list[Span]
    labels: list[int] | None = None


def encode_paragraphs(tokenizer, text: str, spans: list[Span] | None = None) -> list[Para]:
    """Tokenize every paragraph of `text` in one tokenizer call (fast tokenizers batch in Rust)."""
    spans = paragraphs(text) if spans is None else spans
    if not spans:
        return []
    # verbose=False: a paragraph longer than the encoder's 512 positions is cut into windows
    # below, so the tokenizer's warning about it would only alarm the user.
    enc = tokenizer(
        [text[s:e] for s, e in spans], add_special_tokens=False, return_offsets_mapping=True, verbose=False
    )
    out = []
    for (s, e), ids, offs in zip(spans, enc["input_ids"], enc["offset_mapping"], strict=True):
        out.append(Para(s, e, list(ids), [(s + a, s + b) for a, b in offs]))
    return out


@dataclass
class Window:
    """Model input: [CLS] p1 [SEP] p2 [SEP] ... ; `pieces` says where each paragraph's tokens sit.

    pieces: (paragraph index, first token index in the paragraph, count, position in input_ids)
    """

    input_ids: list[int]
    labels: list[int]
    pieces: list[tuple[int, int, int, int]]


def make_windows(
    paras: list[Para], cls_id: int, sep_id: int, max_len: int = 256, stride: int = 64
) -> list[Window]:
    """Pack consecutive paragraphs into windows (see the module docstring)."""
    room = max_len - 2  # [CLS] ... final [SEP]
    # A long paragraph is cut every `room - stride` tokens: a stride as wide as the room never advances.
    if not 0 <= stride < room:
        raise ValueError(f"stride {stride} must be below max_len - 2 = {room}")
    windows: list[Window] = []
    cur: list[tuple[int, int, int]] = []  # (para idx, first tok, count)
    cur_len = 0

    def flush():
        nonlocal cur, cur_len
        if not cur:
            return
        ids, labs, pieces = [cls_id], [IGNORE], []
        for _j, (pi, t0, n) in enumerate(cur):
            p = paras[pi]
            pieces.append((pi, t0, n, len(ids)))
            ids.extend(p.ids[t0 : t0 + n])
            labs.extend(p.labels[t0 : t0 + n] if p.labels is not None else [IGNORE] * n)
            ids.append(sep_id)
            labs.append(IGNORE)
        windows.append(Window(ids, labs, pieces))
        cur, cur_len = [], 0

    for pi, p in enumerate(paras):
        n = len(p.ids)
        if n == 0:
            continue
        if n > room:
            flush()
            step = room - stride
            t0 = 0
            while True:
                cnt = min(room, n - t0)
                cur = [(pi, t0, cnt)]
                flush()
                if t0 + cnt >= n:
                    break
                t0 += step
            continue
        extra = n + (1 if cur else 0)  # a [SEP] between paragraphs
        if cur and cur_len + extra > room:
            flush()
            extra = n
        cur.append((pi, 0, n))
        cur_len += extra
    flush()
    return windows
