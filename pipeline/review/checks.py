"""Shape checks for what an import reads from outside: exported bases, tool files, store entries.

Everything an annotator's tool hands back may be wrong (edited by hand, cut short, written by another
version of the tool). These checks turn a wrong shape into one `ClaimsError` (E062) naming the file and
the place (`task 3 annotation 7`, `T12`, `line 4`) before anything is built from it, so an import
never fails with a traceback and never writes a half-understood item into the store.
"""

from __future__ import annotations

from ..errors import ClaimsError, Errors
from .items import ITEM_KINDS, RECORD_FIELD


def bad_file(where: str, detail: str, *, path: str = "", code: str = "BadReviewFile") -> ClaimsError:
    """The error of an import file that is not what the tool writes: E062, naming file and place.

    `where` is the place (`FILE task 3 annotation 7`); the file is said once, by the error's path.
    """
    place = where[len(path) :].lstrip(" :") if path and where.startswith(path) else where
    err = ClaimsError(
        Errors.E062.format(where=place or "the file", detail=detail), path=path, stage="review", code=code
    )
    err.detail = detail  # for callers that name the place their own way (the store: file and line)
    return err


def kind_of(value) -> str:
    return "null" if value is None else type(value).__name__


def is_offset(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_span(span, text: str | None, where: str, what: str, path: str = "") -> None:
    """A `{start, end}` object with integer offsets, start before end, inside `text` (if given)."""
    if not isinstance(span, dict):
        raise bad_file(where, f"{what} must be an object, not {kind_of(span)}", path=path)
    start, end = span.get("start"), span.get("end")
    if not (is_offset(start) and is_offset(end)):
        raise bad_file(where, f"{what} needs integer start and end, not {start!r} and {end!r}", path=path)
    if not 0 <= start <= end <= (len(text) if text is not None else start + end):
        raise bad_file(
            where,
            f"{what} at {start}-{end} does not fit the text (0-{len(text) if text is not None else '?'}, start <= end)",
            path=path,
        )


def check_item(kind: str, item, text: str | None, where: str, path: str = "") -> None:
    """An item (quote, treaty mention, date) of the shape records have, its spans inside `text`."""
    what = f"exported {kind} {item.get('id', '?') if isinstance(item, dict) else '?'}"
    check_span(item, text, where, what, path)
    if kind in ("quote", "treaty") and not isinstance(item.get("id"), str):
        raise bad_file(where, f"{what} has no string id", path=path)
    if kind == "quote":
        for key in ("speaker", "cue"):
            if item.get(key) is not None:
                check_span(item[key], text, where, f"{what} {key}", path)
        name = (item.get("speaker") or {}).get("name")
        if item.get("speaker") is not None and not isinstance(name, str):
            raise bad_file(where, f"{what} speaker has no name", path=path)
        if not isinstance(item.get("text", ""), str):
            raise bad_file(where, f"{what} text must be a string", path=path)
    elif kind == "treaty":
        if not isinstance(item.get("treaty"), str):
            raise bad_file(where, f"{what} has no treaty id", path=path)
        dates = item.get("dates") or []
        if not isinstance(dates, list):
            raise bad_file(where, f"{what} dates must be a list", path=path)
        for d in dates:
            check_span(d, text, where, f"{what} date", path)
            if not isinstance(d.get("value"), str):
                raise bad_file(where, f"{what} date has no string value", path=path)
    elif not isinstance(item.get("value"), str):
        raise bad_file(where, f"{what} has no string value", path=path)


#: Keys Label Studio's JSON-MIN export puts in each row beside the task's data fields (no `data`).
JSON_MIN_KEYS = ("annotation_id", "annotator", "lead_time")


def is_json_min(row) -> bool:
    """Is this a row of a Label Studio JSON-MIN export (flattened, without `data` or `annotations`)?"""
    return isinstance(row, dict) and "data" not in row and any(k in row for k in JSON_MIN_KEYS)


def check_base(base, text: str, where: str, path: str = "") -> dict:
    """The exported record an import diffs against (`.claims/ID.json`, a task's `data.claims`)."""
    if not isinstance(base, dict):
        raise bad_file(where, f"the exported record must be an object, not {kind_of(base)}", path=path)
    if not isinstance(base.get("id"), (str, int)) or isinstance(base.get("id"), bool):
        raise bad_file(where, "the exported record has no id", path=path)
    if not isinstance(base.get("text_hash"), str):
        raise bad_file(where, "the exported record has no text_hash", path=path)
    for kind in ITEM_KINDS:
        items = base.get(RECORD_FIELD[kind]) or []
        if not isinstance(items, list):
            raise bad_file(
                where, f"exported {RECORD_FIELD[kind]} must be a list, not {kind_of(items)}", path=path
            )
        seen = set()
        for item in items:
            check_item(kind, item, text, where, path)
            key = item.get("id") or (item["start"], item["end"])
            if key in seen:
                raise bad_file(where, f"exported {kind} {key} appears twice", path=path)
            seen.add(key)
    return base
