"""The corrections store: an append-only JSONL file of what annotators decided, one entry a line.

Two kinds of entries:

* an **article** entry (`"kind": "article"`) keeps the text an annotator reviewed, so the store is a
  test set on its own (`claims eval corrections.jsonl PRED.jsonl`);
* an **item** entry (`"kind": "quote" | "treaty" | "date"`) records one reviewed item:
  `action` is `keep` (seen and left as it was), `change`, `add` or `delete`; `value` is the item as
  the annotator left it (null for a deletion) and `base` the item as it was exported to them (null
  for an addition). `reviewer` and `time` are what the tool says about who saved it and when.

Entries are never rewritten or removed: a later entry about the same item supersedes the earlier
one, and `overrides` names the entry it replaced when an import was forced over a conflict. Every
append rewrites the file through a temporary file and a rename, under a lock, so a crash or a
second import at the same moment never leaves a half-written or lost entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import ClaimsError, Errors
from ..record.lock import output_lock
from .checks import check_item
from .files import write_text_atomic
from .items import ITEM_KINDS

ACTIONS = ("keep", "change", "add", "delete")
ITEM_ENTRY_KEYS = ("article", "text_hash", "kind", "item", "action", "value", "base")
ARTICLE_ENTRY_KEYS = ("article", "text_hash", "text")


def _corrupt(path: Path, line: int, detail: str) -> ClaimsError:
    return ClaimsError(
        Errors.E010.format(path=path, line=line, detail=detail),
        path=str(path),
        stage="corrections",
        code="CorruptCorrections",
    )


def _check_entry(path: Path, lineno: int, entry) -> dict:
    """The entry if it has the keys and shapes its kind needs; `ClaimsError` naming file and line if not."""
    if not isinstance(entry, dict):
        raise _corrupt(path, lineno, "an entry must be a JSON object")
    kind = entry.get("kind")
    if kind == "article":
        needed = ARTICLE_ENTRY_KEYS
    elif kind in ITEM_KINDS:
        needed = ITEM_ENTRY_KEYS
        if entry.get("action") not in ACTIONS:
            raise _corrupt(
                path, lineno, f"valid JSON, but action {entry.get('action')!r} is none of {ACTIONS}"
            )
    else:
        raise _corrupt(path, lineno, f"valid JSON, but kind {kind!r} is not article, quote, treaty or date")
    missing = [k for k in needed if k not in entry]
    if missing:
        raise _corrupt(path, lineno, f"valid JSON, but the entry lacks {', '.join(missing)}")
    strings = ("article", "text_hash", "text") if kind == "article" else ("article", "text_hash", "item")
    wrong = [k for k in strings if not isinstance(entry[k], str)]
    if wrong:
        raise _corrupt(path, lineno, f"valid JSON, but {', '.join(wrong)} must be text")
    if kind != "article":
        _check_values(path, lineno, entry)
    return entry


def _check_values(path: Path, lineno: int, entry: dict) -> None:
    """The item a run applies (`base` of a deletion, else `value`) is an item of the kind; the other one too
    when it is not null."""
    used = "base" if entry["action"] == "delete" else "value"
    for key in ("value", "base"):
        item = entry[key]
        if item is None and key != used:
            continue
        try:
            check_item(entry["kind"], item, None, f"line {lineno}", str(path))
        except ClaimsError as err:
            raise _corrupt(
                path, lineno, f"valid JSON, but its {key} is not a {entry['kind']}: {err.detail}"
            ) from None


def read_entries(path: str | Path) -> list[dict]:
    """Every entry of a corrections file, in file order; [] when the file does not exist yet.

    A line that is not JSON, or not an entry, raises `ClaimsError` (E010) naming the file and line.
    """
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as err:
                raise _corrupt(path, lineno, str(err)) from None
            entries.append(_check_entry(path, lineno, entry))
    return entries


def entry_id(entry: dict) -> str:
    """A content hash naming an entry, for `overrides` and for reports."""
    body = json.dumps({k: v for k, v in entry.items() if k != "entry"}, sort_keys=True, ensure_ascii=False)
    return "e-" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:12]


def locked(path: str | Path, *, wait: bool = False) -> contextlib.AbstractContextManager:
    """Hold the exclusive lock of the store (`PATH.lock`, see `pipeline.record.lock`) while reading,
    checking and appending to it: another import fails at once (E060), or waits with `wait`."""
    return output_lock(path, wait=wait)


def append_entries(path: str | Path, entries: list[dict]) -> None:
    """Append entries to the store: the old lines are copied byte for byte, then the file is replaced.

    Call it inside `locked(path)`. Refuses (E010) to append to a store it cannot read.
    """
    path = Path(path)
    read_entries(path)  # never build on a corrupt store
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if old and not old.endswith("\n"):
        old += "\n"
    new = [json.dumps(e, ensure_ascii=False) + "\n" for e in entries]
    try:
        write_text_atomic(path, old + "".join(new))
    except OSError as err:
        # Through a temporary file and a rename: the store is still as it was before this import.
        raise ClaimsError(
            Errors.E011.format(path=path, detail=err.strerror or err),
            path=str(path),
            stage="corrections",
            code=type(err).__name__,
        ) from err


@dataclass
class ArticleState:
    """What the store says about one article: its reviewed text and the latest entry per item."""

    article: str
    text_hash: str
    text: str
    items: dict[tuple[str, str], dict]

    def entries(self) -> list[dict]:
        """The latest entry of every item, in store order."""
        return list(self.items.values())

    def reviewed(self, kind: str, text_hash: str | None = None) -> list[dict]:
        """The items of `kind` as the annotators left them (deleted ones left out), in text order.

        With `text_hash`, only the reviews of that version of the text.
        """
        values = [
            e["value"]
            for (k, _), e in self.items.items()
            if k == kind and e["action"] != "delete" and text_hash in (None, e["text_hash"])
        ]
        return sorted(values, key=lambda v: (v["start"], v["end"]))

    def deleted(self, kind: str) -> list[dict]:
        """The items of `kind` that annotators deleted, as they were before."""
        return [e["base"] for (k, _), e in self.items.items() if k == kind and e["action"] == "delete"]


def latest_by_article(entries: list[dict]) -> dict[str, ArticleState]:
    """Fold the store into one `ArticleState` per article: later entries supersede earlier ones."""
    states: dict[str, ArticleState] = {}
    for entry in entries:
        state = states.get(entry["article"])
        if state is None:
            state = states[entry["article"]] = ArticleState(entry["article"], entry["text_hash"], "", {})
        if entry["kind"] == "article":
            state.text_hash, state.text = entry["text_hash"], entry["text"]
            continue
        key = (entry["kind"], entry["item"])
        # Re-inserting moves the item to the end, so the state keeps the order of the latest decisions.
        state.items.pop(key, None)
        state.items[key] = entry
    return states
