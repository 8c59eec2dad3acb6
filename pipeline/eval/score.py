"""Score predicted quotes against gold attributions, with the rules of the official PolNeAR scorer.

The figures are identical to `shared/tools/polnear_score.py` (`score()`); this module spells the
rules out as named steps:

1. **Content match.** A predicted content span and a gold content (all its fragments) match when
   the Jaccard overlap of their sets of non-space character positions is >= 0.5. Matching is
   one-to-one and greedy: candidate pairs are taken by decreasing overlap (ties: higher
   prediction index, then higher gold index first), skipping pairs whose prediction or gold is
   already used.
2. **Exact content.** A match is exact when the gold content is a single fragment and both spans
   are identical after trimming spaces, punctuation and quote marks at both edges.
3. **Source.** A match is right end to end when the predicted speaker span overlaps any gold
   Source fragment, or, for gold without a Source, when the prediction has no speaker span.
4. **Subsets.** `all`, `quoted` and `unquoted`: a span is *quoted* when its text holds at least
   two quote marks. Predictions and gold are each counted in the subset of their own span, so a
   match contributes to precision in the prediction's subset and to recall in the gold's.

Predictions with a missing, non-integer or out-of-range `start`/`end` are ignored (not counted),
and predictions for articles absent from the gold are ignored, as in the scorer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.errors import RecordError
from pipeline.eval.brat import GoldDoc, Span
from pipeline.record.io import read_records

SUBSETS = ("all", "quoted", "unquoted")
#: Characters counted as quote marks by `is_quoted`.
QUOTE_CHARS = '"“”«»„'
#: Characters trimmed at both edges before comparing spans for an exact match.
EDGE_CHARS = frozenset(" \t\n\r.,;:!?'\"“”‘’«»„()[]—–-")
#: Minimum Jaccard overlap for a content match.
MIN_JACCARD = 0.5


# --------------------------------------------------------------------------------------------
# Span helpers
# --------------------------------------------------------------------------------------------


def char_set(text: str, spans: Iterable[Span]) -> set[int]:
    """Positions covered by `spans` whose character is not whitespace."""
    return {i for start, end in spans for i in range(start, end) if not text[i].isspace()}


def jaccard(a: set[int], b: set[int]) -> float:
    """|a & b| / |a | b|, 0.0 when the sets do not intersect."""
    inter = len(a & b)
    return inter / len(a | b) if inter else 0.0


def trim_span(text: str, start: int, end: int) -> Span:
    """Shrink [start, end) past spaces, punctuation and quote marks (`EDGE_CHARS`) at both edges."""
    while start < end and text[start] in EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in EDGE_CHARS:
        end -= 1
    return start, end


def is_quoted(text: str, spans: Iterable[Span]) -> bool:
    """True when the span texts, joined by spaces, hold at least two quote marks."""
    joined = " ".join(text[start:end] for start, end in spans)
    return sum(joined.count(c) for c in QUOTE_CHARS) >= 2


def spans_overlap(a: Span, b: Span) -> bool:
    """True when half-open spans a and b share at least one position."""
    return a[0] < b[1] and b[0] < a[1]


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> tuple[float, float, float]:
    """Precision (tp_pred / n_pred), recall (tp_gold / n_gold) and their F1, 0.0 when undefined."""
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# --------------------------------------------------------------------------------------------
# Items to match
# --------------------------------------------------------------------------------------------


@dataclass
class PredItem:
    """A usable predicted quote: one content span and the speaker span (or None)."""

    span: Span
    speaker: Span | None
    chars: set[int] = field(default_factory=set)
    quoted: bool = False


@dataclass
class GoldItem:
    """A gold attribution reduced to what scoring needs."""

    content: list[Span]
    source: list[Span]
    chars: set[int] = field(default_factory=set)
    quoted: bool = False


def _as_int(value) -> int | None:
    """`int(value)` as the scorer converts offsets, or None when it cannot be converted."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def speaker_span(quote: dict) -> Span | None:
    """The predicted speaker mention as (start, end), or None when it has no integer offsets."""
    speaker = quote.get("speaker") or {}
    if not isinstance(speaker, dict):
        return None
    start, end = speaker.get("start"), speaker.get("end")
    # Like the scorer: only actual ints count (JSON numbers without a fraction).
    if isinstance(start, int) and isinstance(end, int):
        return start, end
    return None


def pred_items(text: str, quotes: Iterable) -> list[PredItem]:
    """Predicted quotes with valid offsets inside `text`, in their given order."""
    items = []
    for quote in quotes:
        try:
            raw_start, raw_end = quote["start"], quote["end"]
        except (KeyError, TypeError, IndexError):
            continue
        start, end = _as_int(raw_start), _as_int(raw_end)
        if start is None or end is None or not 0 <= start < end <= len(text):
            continue
        item = PredItem((start, end), speaker_span(quote))
        item.chars = char_set(text, [item.span])
        item.quoted = is_quoted(text, [item.span])
        items.append(item)
    return items


def gold_items(doc: GoldDoc) -> list[GoldItem]:
    """The document's gold attributions, in order, with their character sets and quotedness."""
    items = []
    for attribution in doc.attributions:
        item = GoldItem(list(attribution.content), list(attribution.source))
        item.chars = char_set(doc.text, item.content)
        item.quoted = is_quoted(doc.text, item.content)
        items.append(item)
    return items


# --------------------------------------------------------------------------------------------
# Matching and judging one match
# --------------------------------------------------------------------------------------------


def match_contents(preds: list[PredItem], golds: list[GoldItem]) -> list[tuple[int, int]]:
    """One-to-one greedy matching of (pred index, gold index) pairs with Jaccard >= MIN_JACCARD.

    Candidates are visited in decreasing (overlap, pred index, gold index) order, the order of
    the scorer's `sorted(..., reverse=True)`.
    """
    candidates = []
    for i, pred in enumerate(preds):
        for j, gold in enumerate(golds):
            overlap = jaccard(pred.chars, gold.chars)
            if overlap and overlap >= MIN_JACCARD:
                candidates.append((overlap, i, j))
    candidates.sort(reverse=True)
    used_pred, used_gold, matches = set(), set(), []
    for _, i, j in candidates:
        if i in used_pred or j in used_gold:
            continue
        used_pred.add(i)
        used_gold.add(j)
        matches.append((i, j))
    return matches


def is_exact(text: str, pred: PredItem, gold: GoldItem) -> bool:
    """Single-fragment gold whose trimmed extent equals the trimmed predicted span."""
    gold_extent = (gold.content[0][0], gold.content[-1][1])
    return len(gold.content) == 1 and trim_span(text, *pred.span) == trim_span(text, *gold_extent)


def source_correct(pred: PredItem, gold: GoldItem) -> bool:
    """Speaker overlaps a gold Source fragment; with no gold Source, right only without a speaker."""
    if not gold.source:
        return pred.speaker is None
    if pred.speaker is None:
        return False
    return any(spans_overlap(pred.speaker, src) for src in gold.source)


def in_subset(subset: str, quoted: bool) -> bool:
    """Whether a span with this quotedness belongs to `subset` (all / quoted / unquoted)."""
    if subset == "all":
        return True
    return quoted if subset == "quoted" else not quoted


# --------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------


@dataclass
class Counts:
    """Counters for one subset. `*_pred` feed precision, `*_gold` feed recall."""

    n_pred: int = 0
    n_gold: int = 0
    tp_pred: int = 0
    tp_pred_exact: int = 0
    tp_pred_e2e: int = 0
    tp_gold: int = 0
    tp_gold_exact: int = 0
    tp_gold_e2e: int = 0
    src_gold: int = 0  # matched gold (in subset) that has a Source
    src_ok: int = 0  # ... whose source the prediction got right

    def summary(self) -> dict:
        """The scorer's output record for this subset."""
        return {
            "n_gold": self.n_gold,
            "n_pred": self.n_pred,
            "content": prf(self.tp_pred, self.n_pred, self.tp_gold, self.n_gold),
            "content_exact": prf(self.tp_pred_exact, self.n_pred, self.tp_gold_exact, self.n_gold),
            "end_to_end": prf(self.tp_pred_e2e, self.n_pred, self.tp_gold_e2e, self.n_gold),
            "source_acc_on_matched": self.src_ok / self.src_gold if self.src_gold else 0.0,
        }


def _count_document(
    counts: dict[str, Counts], text: str, preds: list[PredItem], golds: list[GoldItem]
) -> None:
    """Add one document's predictions, gold and matches to the per-subset counters."""
    matches = match_contents(preds, golds)
    judged = [
        (preds[i], golds[j], is_exact(text, preds[i], golds[j]), source_correct(preds[i], golds[j]))
        for i, j in matches
    ]
    for subset, c in counts.items():
        c.n_pred += sum(1 for p in preds if in_subset(subset, p.quoted))
        c.n_gold += sum(1 for g in golds if in_subset(subset, g.quoted))
        for pred, gold, exact, src_ok in judged:
            if in_subset(subset, pred.quoted):
                c.tp_pred += 1
                c.tp_pred_exact += exact
                c.tp_pred_e2e += src_ok
            if in_subset(subset, gold.quoted):
                c.tp_gold += 1
                c.tp_gold_exact += exact
                c.tp_gold_e2e += src_ok
                if gold.source:
                    c.src_gold += 1
                    c.src_ok += src_ok


def score_attributions(gold: dict[str, GoldDoc], preds: dict[str, list[dict]]) -> dict:
    """Score predictions against gold, with the same output as `polnear_score.py --json`.

    `gold` is `pipeline.eval.brat.load_gold(...)`; `preds` maps article stem -> list of quote records
    (`start`, `end`, `speaker: {start, end, ...} | None`), as `load_predictions` returns them.
    Returns `{subset: {"n_gold", "n_pred", "content": (P, R, F), "content_exact": (P, R, F),
    "end_to_end": (P, R, F), "source_acc_on_matched": float}}` for subsets all/quoted/unquoted.
    """
    counts = {subset: Counts() for subset in SUBSETS}
    for stem, doc in gold.items():
        _count_document(counts, doc.text, pred_items(doc.text, preds.get(stem) or []), gold_items(doc))
    return {subset: c.summary() for subset, c in counts.items()}


# --------------------------------------------------------------------------------------------
# Input and output
# --------------------------------------------------------------------------------------------


def record_id(record: dict) -> str:
    """A record's article id: `id`, else the stem of its `source` path (as the scorer does)."""
    return record.get("id") or os.path.splitext(os.path.basename(record.get("source") or ""))[0]


def load_predictions(path: str | os.PathLike) -> dict[str, list[dict]]:
    """Read a claims JSONL file into {article id: quotes}.

    Blank lines are skipped; a later record with the same id replaces an earlier one; a record
    without quotes gives an empty list. A line that is not a JSON object raises ValueError naming
    file and line as `PATH:LINE: reason`; a missing file raises `RecordError` (a ValueError too).
    """
    preds: dict[str, list[dict]] = {}
    try:
        for record in read_records(path, stage="eval"):
            preds[record_id(record)] = record.get("quotes") or []
    except RecordError as err:
        if err.line is None:
            raise
        raise ValueError(f"{os.fspath(path)}:{err.line}: {err.reason}") from None
    return preds


def format_table(result: dict) -> str:
    """Render a `score_attributions` result as an aligned text table, one row per subset."""
    header = ("subset", "gold", "pred", "P", "R", "F", "exact F", "e2e P", "e2e R", "e2e F", "src acc")
    rows = []
    for subset, m in result.items():
        p, r, f = m["content"]
        ep, er, ef = m["end_to_end"]
        rows.append(
            (
                subset,
                str(m["n_gold"]),
                str(m["n_pred"]),
                *(
                    f"{x:.3f}"
                    for x in (p, r, f, m["content_exact"][2], ep, er, ef, m["source_acc_on_matched"])
                ),
            )
        )
    widths = [max(len(row[k]) for row in (header, *rows)) for k in range(len(header))]

    def line(cells) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    groups = " " * (sum(widths[:3]) + 4) + "  " + "content (overlap)".center(sum(widths[3:6]) + 4)
    groups += "  " + "".rjust(widths[6]) + "  " + "end to end".center(sum(widths[7:10]) + 4)
    lines = [groups.rstrip(), line(header), line(["-" * w for w in widths])]
    lines += [line(row) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """`python -m pipeline.eval.score GOLD_DIR PRED.jsonl [--metadata TSV] [--json]`."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold_dir", help="brat folder (PolNeAR layout or flat .txt/.ann pairs)")
    ap.add_argument("pred", help="claims JSONL predictions")
    ap.add_argument("--metadata", help="PolNeAR metadata.tsv (default: ../metadata.tsv if present)")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args(argv)

    from pipeline.eval.brat import load_gold

    result = score_attributions(load_gold(args.gold_dir, args.metadata), load_predictions(args.pred))
    print(json.dumps(result) if args.json else format_table(result))


if __name__ == "__main__":
    main()
