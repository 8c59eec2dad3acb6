"""Reviews applied to new runs, and new runs scored against reviews.

`load_corrections(path)` reads a corrections store (see `store.py`) once and returns the function
that `pipeline.run.batch.process(..., corrections=path)` applies to every record it writes:

1. A reviewed item wins, with its id: the pipeline's item with the same id, or covering the same
   text (`pipeline.eval.score`'s content match), gives way to it.
2. A deleted item stays deleted: the pipeline's item with its id, or covering the same text, is dropped.
3. Items the annotators never saw (a newer pipeline found them) are kept.
4. When the article text changed since review, each correction is moved to where its text now is
   (it must still read the same text); those that no longer fit are dropped, and W002 says how many
   were kept.

Then what depends on the corrected items is recomputed: the treaty ids and dates inside each quote,
the roles in the speaker table and the speaker of each sentence.

`score_against_corrections` scores a run against the reviewed items with the quote metrics of
`pipeline.eval.score.score_attributions`, plus treaty-id, date and dated-event accuracy.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path

from ..errors import ClaimsError, Errors, Warnings
from ..eval.brat import GoldAttribution, GoldDoc
from ..eval.score import format_table, record_id, score_attributions, spans_overlap
from ..record.build import mentions_inside, quote_pieces
from ..stages.speakers import sentence_speaker
from .items import ITEM_KINDS, RECORD_FIELD, read_records, record_hash, record_items, relocate, same_place
from .store import ArticleState, latest_by_article, read_entries

#: Order of a quote's fields in a record (`pipeline.record.build.build_record`).
QUOTE_FIELD_ORDER = (
    "id",
    "start",
    "end",
    "text",
    "kind",
    "speaker",
    "cue",
    "treaties",
    "dates",
    "how",
    "closed",
    "pieces",
)


def load_corrections(path: str | Path) -> Callable[[dict], dict]:
    """Read a corrections store and return `apply(record) -> record` with the reviews applied.

    A missing or corrupt store raises `ClaimsError` (E001 / E010, naming file and line). `apply`
    returns records of articles nobody reviewed unchanged, and warns (W002) when the text of a
    reviewed article changed since review. `apply.articles` is the set of reviewed article ids: a
    resumed run must not skip those as up to date, or their reviews would not be applied.
    """
    path = Path(path)
    if not path.exists():
        raise ClaimsError(Errors.E001, path=str(path), stage="corrections", code="FileNotFoundError")
    states = latest_by_article(read_entries(path))

    def apply(record: dict) -> dict:
        state = states.get(str(record.get("id")))
        if state is None or not state.items:
            return record
        corrected, kept, total, text_changed = apply_review(record, state)
        if text_changed or kept < total:
            where = record.get("source") or record.get("id")
            warnings.warn(Warnings.W002.format(path=where, kept=kept, total=total), UserWarning, stacklevel=2)
        return corrected

    apply.articles = frozenset(article for article, state in states.items() if state.items)
    return apply


def apply_review(record: dict, state: ArticleState) -> tuple[dict, int, int, bool]:
    """The record with one article's reviews applied, and (kept, total, text changed) for the warning."""
    text, thash = record["text"], record_hash(record)
    reviewed: dict[str, dict[str, dict]] = {kind: {} for kind in ITEM_KINDS}
    deleted: dict[str, dict[str, dict]] = {kind: {} for kind in ITEM_KINDS}
    kept, changed_text = 0, False
    for (kind, item_id), entry in state.items.items():
        is_delete = entry["action"] == "delete"
        item = entry["base"] if is_delete else entry["value"]
        if entry["text_hash"] != thash:
            changed_text = True
            item = relocate(kind, item, text)
            if item is None:
                continue
        kept += 1
        (deleted if is_delete else reviewed)[kind][item_id] = item

    out = copy.deepcopy(record)
    found = record_items(record)
    for kind in ITEM_KINDS:
        field = RECORD_FIELD[kind]
        if field not in record and not reviewed[kind]:
            continue
        out[field] = _merge(text, found[kind], reviewed[kind], deleted[kind])
    if "quotes" in out:
        out["quotes"] = [
            _with_derived(text, q, out.get("treaties") or [], out.get("dates") or []) for q in out["quotes"]
        ]
        _refresh_speakers(out)
        _retag_sentences(out)
    return out, kept, len(state.items), changed_text


def _merge(
    text: str, found: dict[str, dict], reviewed: dict[str, dict], deleted: dict[str, dict]
) -> list[dict]:
    """Reviewed items plus the pipeline's items that no review speaks for, in text order."""
    decided = [*reviewed.values(), *deleted.values()]
    items = [copy.deepcopy(v) for v in reviewed.values()]
    for item_id, item in found.items():
        if item_id in reviewed or item_id in deleted:
            continue
        # A pipeline item over the same text as a reviewed or deleted one is that item, re-found
        # with other boundaries (e.g. by a newer pipeline): the review speaks for it.
        if any(same_place(text, item, other) for other in decided):
            continue
        items.append(item)
    return sorted(items, key=lambda v: (v["start"], v["end"]))


def _with_derived(text: str, quote: dict, treaties: list[dict], dates: list[dict]) -> dict:
    """A record quote: the item plus the treaty ids and date values inside its span, and its pieces
    when its frame interrupts it, fields in order."""
    derived = mentions_inside(quote["start"], quote["end"], treaties, dates)
    pieces = quote_pieces(text, quote)
    if pieces:
        derived["pieces"] = pieces
    full = {k: v for k, v in quote.items() if k != "pieces"} | derived
    ordered = {k: full[k] for k in QUOTE_FIELD_ORDER if k in full}
    ordered.update({k: v for k, v in full.items() if k not in ordered})
    return ordered


def _refresh_speakers(record: dict) -> None:
    """Keep the speaker table true to the corrected quotes: roles, and speakers only a review names."""
    if "speakers" not in record:
        return
    table = {entry["name"]: entry for entry in record["speakers"]}
    quoted = set()
    for q in record["quotes"]:
        speaker = q.get("speaker")
        if not speaker:
            continue
        quoted.add(speaker["name"])
        if speaker["name"] not in table:
            mention = {k: speaker[k] for k in ("start", "end", "text")}
            table[speaker["name"]] = {
                "name": speaker["name"],
                "role": "quoted",
                "aliases": [speaker["text"]],
                "mentions": [{**mention, "kind": "phrase", "how": "review"}],
            }
    for name, entry in table.items():
        if entry["role"] == "mentioned" and name in quoted:
            entry["role"] = "quoted"
        elif entry["role"] == "quoted" and name not in quoted:
            entry["role"] = "mentioned"
    # The order of `pipeline.record.build._speakers`: author, quoted, mentioned; by name within each.
    record["speakers"] = sorted(
        table.values(), key=lambda e: (e["role"] != "author", e["role"] != "quoted", e["name"])
    )


def _retag_sentences(record: dict) -> None:
    """Re-tag each sentence's speaker from the corrected quotes.

    The same rule as the speakers stage (`pipeline.stages.speakers.sentence_speaker`).
    """
    sentences = record.get("sentences") or []
    if not any(s.get("speaker") for s in sentences):
        return  # not tagged yet: the quote stage has not run
    text = record["text"]
    author = (record.get("author") or {}).get("name") or "author"
    quotes = [q for q in record["quotes"] if q.get("speaker") and q.get("kind") != "indirect"]
    for sentence in sentences:
        sentence["speaker"] = {
            "name": sentence_speaker(text, sentence["start"], sentence["end"], quotes, author)
        }


# --------------------------------------------------------------------------------------------
# Scoring a run against the reviews
# --------------------------------------------------------------------------------------------


def _best_overlap(item: dict, candidates: list[dict]) -> dict | None:
    """The candidate sharing most characters with `item`, or None when none overlaps it."""
    span = (item["start"], item["end"])
    overlapping = [c for c in candidates if spans_overlap(span, (c["start"], c["end"]))]
    if not overlapping:
        return None
    return max(overlapping, key=lambda c: min(c["end"], item["end"]) - max(c["start"], item["start"]))


class _Tally:
    """Reviewed items, how many the run found (an overlapping span) and how many it got right."""

    def __init__(self) -> None:
        self.n_gold = self.found = self.correct = 0

    def add(self, found: bool, correct: bool) -> None:
        self.n_gold += 1
        self.found += found
        self.correct += found and correct

    def summary(self) -> dict:
        return {
            "n_gold": self.n_gold,
            "found": self.found,
            "correct": self.correct,
            "accuracy": self.correct / self.n_gold if self.n_gold else 0.0,
        }


def _gold_doc(state: ArticleState) -> GoldDoc:
    """The reviewed quotes of an article as gold attributions for `score_attributions`."""
    attributions = []
    for q in state.reviewed("quote", state.text_hash):
        speaker, cue = q.get("speaker"), q.get("cue")
        attributions.append(
            GoldAttribution(
                content=[(q["start"], q["end"])],
                source=[(speaker["start"], speaker["end"])] if speaker else [],
                cue=[(cue["start"], cue["end"])] if cue else [],
                id=q["id"],
            )
        )
    return GoldDoc(state.text, attributions, ann_path="")


def score_against_corrections(corrections_path: str | Path, pred_path: str | Path) -> dict:
    """Score the records of `pred_path` against the reviewed articles of a corrections store.

    Returns `{"quotes": <score_attributions result>, "treaty_ids", "dates", "treaty_events":
    {"n_gold", "found", "correct", "accuracy"}, "articles", "skipped", "missing"}`. Only the
    articles in the store count; one whose text differs from the reviewed text is skipped (its
    offsets cannot be compared) and listed under `skipped`; one absent from the run counts as
    found nothing and is listed under `missing`.

    * treaty ids: a reviewed treaty mention is right when the run's mention that overlaps it most
      links the same treaty;
    * dates: a reviewed date is right when the run's overlapping date has the same value;
    * treaty events: a reviewed dated event (treaty, date value, event) is right when the run's
      matching mention has an overlapping date with the same value and event.
    """
    states = latest_by_article(read_entries(corrections_path))
    preds = {record_id(r): r for r in read_records(pred_path)}
    gold: dict[str, GoldDoc] = {}
    quotes: dict[str, list[dict]] = {}
    tallies = {name: _Tally() for name in ("treaty_ids", "dates", "treaty_events")}
    skipped, missing = [], []
    for article, state in sorted(states.items()):
        if not state.text:
            continue
        pred = preds.get(article)
        if pred is None:
            missing.append(article)
        elif record_hash(pred) != state.text_hash:
            skipped.append(article)
            continue
        pred = pred or {}
        gold[article] = _gold_doc(state)
        quotes[article] = pred.get("quotes") or []
        pred_treaties = pred.get("treaties") or []
        for mention in state.reviewed("treaty", state.text_hash):
            match = _best_overlap(mention, pred_treaties)
            tallies["treaty_ids"].add(match is not None, bool(match) and match["treaty"] == mention["treaty"])
            for dated in mention.get("dates") or []:
                hit = _best_overlap(dated, (match or {}).get("dates") or []) if match else None
                right = (
                    bool(hit)
                    and match["treaty"] == mention["treaty"]
                    and (hit["value"], hit.get("event")) == (dated["value"], dated.get("event"))
                )
                tallies["treaty_events"].add(hit is not None, right)
        for date in state.reviewed("date", state.text_hash):
            match = _best_overlap(date, pred.get("dates") or [])
            tallies["dates"].add(match is not None, bool(match) and match["value"] == date["value"])
    return {
        "quotes": score_attributions(gold, quotes),
        **{name: tally.summary() for name, tally in tallies.items()},
        "articles": len(gold),
        "skipped": skipped,
        "missing": missing,
    }


def format_corrections_table(result: dict) -> str:
    """Render a `score_against_corrections` result: the quote table, then the accuracy rows."""
    lines = [
        f"scored against {result['articles']} reviewed article(s)",
        "",
        format_table(result["quotes"]),
        "",
    ]
    header = ("", "reviewed", "found", "correct", "accuracy")
    rows = [
        (label, str(m["n_gold"]), str(m["found"]), str(m["correct"]), f"{m['accuracy']:.3f}")
        for label, m in (
            ("treaty ids", result["treaty_ids"]),
            ("dates", result["dates"]),
            ("dated treaty events", result["treaty_events"]),
        )
    ]
    widths = [max(len(r[k]) for r in (header, *rows)) for k in range(len(header))]
    for row in (header, *rows):
        lines.append(
            "  ".join(
                [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))]
            )
        )
    if result["skipped"]:
        lines.append(f"skipped (text changed since review): {', '.join(result['skipped'])}")
    if result["missing"]:
        lines.append(f"not in the run (scored as found nothing): {', '.join(result['missing'])}")
    return "\n".join(lines)


def reviewed_record(state: ArticleState) -> dict:
    """The reviewed items of one article as record fields (`quotes`, `treaties`, `dates`), for notebooks."""
    return {
        "id": state.article,
        "text": state.text,
        "text_hash": state.text_hash,
        "quotes": state.reviewed("quote", state.text_hash),
        "treaties": state.reviewed("treaty", state.text_hash),
        "dates": state.reviewed("date", state.text_hash),
    }


__all__ = [
    "load_corrections",
    "apply_review",
    "score_against_corrections",
    "format_corrections_table",
    "reviewed_record",
]
