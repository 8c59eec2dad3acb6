"""Read what annotators changed (brat folder or Label Studio export) into the corrections store.

`claims review import DIR|tasks.json --into corrections.jsonl`:

1. **Read** each reviewed article into regions (typed spans with the values annotators set) and
   links between them, the same for both tools: brat `T`/`R`/`A`/`#` lines, Label Studio result
   items. brat gives no reviewer (pass `--reviewer`) and its time is the `.ann` file's; Label
   Studio gives `completed_by` and `updated_at` per annotation.
2. **Rebuild the items** (quotes, treaty mentions, dates). An item keeps the id it was exported
   with (brat note `id=`, Label Studio result id); a region that lost it but sits exactly where an
   exported item sat is that item; anything else is new, with an id made from its span.
3. **Diff** against what was exported (`.claims/ID.json` beside the `.ann` files, `data.claims` in
   a Label Studio task): each item is kept, changed (moved, other speaker, treaty, date, event,
   kind), added or deleted.
4. **Merge** into the store, three-way, under its lock. The store's latest entry for an item is
   what earlier reviews decided; the export is what this annotator started from:

   * same as the store: nothing to write;
   * the annotator started from what the store says (re-exported after an earlier review): written;
   * the annotator left the item as exported but the store has a later decision: the store stands;
   * otherwise both changed it differently: a **conflict**. Nothing at all is written unless
     `force`, which writes this import's version on top (`overrides` names the entry it replaces).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ClaimsError, Errors, Warnings
from ..eval.brat import read_ann
from ..record.build import make_id, text_hash
from .checks import bad_file, check_base, check_span, is_json_min, is_offset, kind_of
from .export_brat import (
    CUE,
    DATE,
    EVENT_ATTR,
    KIND_ATTR,
    NOTE_TYPE,
    QUOTE,
    SIDECAR_DIR,
    SPEAKER,
    TREATY,
    ann_lines,
    parse_note,
)
from .export_labelstudio import DATE_EVENT_NAME, EVENT_NAME, KIND_NAME, NAME_NAME, TREATY_NAME, VALUE_NAME
from .items import (
    EVENTS,
    ISODATE_RE,
    ITEM_ID_RE,
    ITEM_KINDS,
    QUOTE_KINDS,
    base_of,
    changed_fields,
    date_id,
    guess_quote_kind,
    read_records,
    record_items,
    safe_stem,
)
from .store import append_entries, entry_id, latest_by_article, locked, read_entries

#: Region label → the item kind it is, for the labels that are items.
ITEM_LABELS = {QUOTE: "quote", TREATY: "treaty", DATE: "date"}


@dataclass
class Region:
    """One annotated span as a tool keeps it: `ref` is the tool's id for it, `fields` its values."""

    ref: str
    label: str
    start: int
    end: int
    id_hint: str | None = None
    fields: dict = field(default_factory=dict)


@dataclass
class ReviewedDoc:
    """One article as an annotator left it, with what had been exported to them."""

    article: str
    text: str
    base: dict
    regions: list[Region]
    links: list[tuple[str, str]]
    tool: str
    source: str
    reviewer: str | None = None
    time: str | None = None
    untouched: bool = False


@dataclass
class Conflict:
    """An item this import and an earlier review both changed, differently."""

    article: str
    kind: str
    item: str
    earlier: dict
    incoming: dict

    def describe(self) -> str:
        """One line for stderr: the item, the earlier decision and this import's, with who and when."""

        def side(entry: dict) -> str:
            who = entry.get("reviewer") or "unknown reviewer"
            return f"{describe_value(self.kind, entry['value'])} ({who}, {entry.get('time') or 'no time'})"

        return (
            f"conflict: {self.article} {self.kind} {self.item}: earlier review says {side(self.earlier)}; "
            f"this import says {side(self.incoming)}"
        )


@dataclass
class ImportReport:
    """What an import found and did. `written` is False when conflicts stopped it."""

    store: Path
    articles: int = 0
    untouched: int = 0
    actions: Counter = field(default_factory=Counter)
    unchanged: int = 0
    kept_earlier: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    written: bool = False
    entries: int = 0

    def format(self) -> str:
        """A short report for the terminal."""
        done = ", ".join(
            f"{self.actions[a]} {label}"
            for a, label in (("keep", "kept"), ("change", "changed"), ("add", "added"), ("delete", "deleted"))
        )
        lines = [
            f"reviewed articles: {self.articles}"
            + (f" ({self.untouched} untouched since export)" if self.untouched else ""),
            f"items: {done}; {self.unchanged} already in the store; {self.kept_earlier} left to a later review",
        ]
        if self.conflicts:
            lines.append(f"conflicts: {len(self.conflicts)}")
        lines.append(
            f"{self.entries} entries written to {self.store}"
            if self.written
            else f"nothing written to {self.store}"
        )
        return "\n".join(lines)


def describe_value(kind: str, value: dict | None) -> str:
    """A short human description of an item value, for conflict reports."""
    if value is None:
        return "deleted"
    if kind == "quote":
        speaker = (value.get("speaker") or {}).get("name") or "no speaker"
        snippet = value["text"] if len(value["text"]) <= 40 else value["text"][:37] + "..."
        return f"{speaker}: {snippet!r} at {value['start']}-{value['end']}"
    if kind == "treaty":
        dated = ", ".join(f"{d['value']} {d.get('event')}" for d in value.get("dates") or [])
        return f"{value['treaty']} ({value.get('event')}{'; ' + dated if dated else ''}) at {value['start']}-{value['end']}"
    return f"{value['value']} at {value['start']}-{value['end']}"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _warn(message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# Reading brat
# --------------------------------------------------------------------------------------------


def _base_from_records(records: str | Path | None, article: str, sidecar: Path) -> dict:
    if records is None:
        raise ClaimsError(
            Errors.E040.format(article=article, sidecar=sidecar),
            path=str(sidecar),
            stage="review",
            code="NoExportRecord",
        )
    for record in read_records(records):
        if str(record["id"]) == article or safe_stem(record["id"]) == article:
            return base_of(record)
    raise ClaimsError(
        Errors.E045.format(article=article, records=records),
        path=str(records),
        stage="review",
        code="NoExportRecord",
    )


def _read_exact(path: Path) -> str:
    """A text as written, without newline translation: offsets index exactly this string."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as err:
        raise bad_file(str(path), f"not UTF-8 text ({err})", path=str(path)) from None
    except OSError as err:
        raise bad_file(str(path), f"cannot read it ({err.strerror or err})", path=str(path)) from None


def _read_sidecar(sidecar: Path) -> dict:
    try:
        return json.loads(_read_exact(sidecar))
    except ValueError as err:
        raise bad_file(str(sidecar), f"not valid JSON ({err})", path=str(sidecar)) from None


def _brat_regions(ann, text: str, where: str) -> tuple[list[Region], list[tuple[str, str]]]:
    """Regions (with their note and attribute values) and links of a parsed `.ann`."""
    notes: dict[str, dict] = {}
    for note in ann.notes:
        if note.type == NOTE_TYPE:
            notes.setdefault(note.target, {}).update(parse_note(note.text))
    attrs: dict[str, dict] = {}
    for attr in ann.attributes:
        attrs.setdefault(attr.target, {})[attr.name] = attr.value
    regions = []
    for tid, entity in ann.entities.items():
        fields = dict(notes.get(tid, {}))
        hint = fields.pop("id", None)
        if KIND_ATTR in attrs.get(tid, {}):
            fields["kind"] = attrs[tid][KIND_ATTR]
        if EVENT_ATTR in attrs.get(tid, {}):
            fields["event"] = attrs[tid][EVENT_ATTR]
        # A span brat cut at line breaks is one span from its first to its last fragment.
        start, end = entity.spans[0][0], entity.spans[-1][1]
        check_span({"start": start, "end": end}, text, where, f"{tid} ({entity.type})", where)
        regions.append(Region(tid, entity.type, start, end, hint, fields))
    links = [(rel.arg1, rel.arg2) for rel in ann.relations if rel.arg1 and rel.arg2]
    return regions, links


def _read_brat_doc(ann_path: Path, records: str | Path | None, reviewer: str | None) -> ReviewedDoc:
    stem, txt_path = ann_path.stem, ann_path.with_suffix(".txt")
    sidecar = ann_path.parent / SIDECAR_DIR / f"{stem}.json"
    text = _read_exact(txt_path)
    if sidecar.exists():
        base = check_base(_read_sidecar(sidecar), text, str(sidecar), str(sidecar))
    else:
        base = check_base(_base_from_records(records, stem, sidecar), text, str(records), str(records))
    if text_hash(text) != base["text_hash"]:
        raise ClaimsError(
            Errors.E041.format(
                article=base["id"], found=text_hash(text)[:12], expected=base["text_hash"][:12]
            ),
            path=str(txt_path),
            stage="review",
            code="TextChanged",
        )
    try:
        ann = read_ann(ann_path)
    except UnicodeDecodeError as err:
        raise bad_file(str(ann_path), f"not UTF-8 text ({err})", path=str(ann_path)) from None
    except ValueError as err:
        raise ClaimsError(
            Errors.E043.format(detail=err), path=str(ann_path), stage="review", code="BadAnn"
        ) from None
    regions, links = _brat_regions(ann, text, str(ann_path))
    written = _read_exact(ann_path)
    exported = "".join(line + "\n" for line in ann_lines({**base, "text": text}))
    return ReviewedDoc(
        article=str(base["id"]),
        text=text,
        base=base,
        regions=regions,
        links=links,
        tool="brat",
        source=str(ann_path),
        reviewer=reviewer,
        time=_iso(ann_path.stat().st_mtime),  # brat rewrites the .ann on every edit
        untouched=written == exported,
    )


def read_brat(
    folder: str | Path, *, records: str | Path | None = None, reviewer: str | None = None
) -> list[ReviewedDoc]:
    """The articles of a brat folder exported by `claims review export --format brat`, as annotated.

    A file that is not what the export wrote raises `ClaimsError` naming it (and the annotation).
    """
    docs = []
    for ann_path in sorted(Path(folder).glob("*.ann")):
        try:
            docs.append(_read_brat_doc(ann_path, records, reviewer))
        except ClaimsError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            # A shape no check above foresaw: still one error about this file, not a traceback.
            raise bad_file(str(ann_path), f"{type(err).__name__}: {err}", path=str(ann_path)) from err
    return docs


# --------------------------------------------------------------------------------------------
# Reading Label Studio
# --------------------------------------------------------------------------------------------


def _reviewer_of(annotation: dict) -> str | None:
    """Who saved a Label Studio annotation: their e-mail when the export has it, else their user id."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or (f"label-studio user {who['id']}" if "id" in who else None)
    return f"label-studio user {who}" if who is not None else None


def _code_points(text: str, start: int, end: int, expected: str | None) -> tuple[int, int] | None:
    """Offsets as Python indices. Older Label Studio versions counted UTF-16 units past astral characters."""
    if 0 <= start <= end <= len(text) and (expected is None or text[start:end] == expected):
        return start, end
    if not 0 <= start <= end <= 2 * len(text):
        return None  # not even UTF-16 units of this text (and a huge number would cost memory below)
    units = text.encode("utf-16-le")
    try:
        a = len(units[: 2 * start].decode("utf-16-le"))
        b = len(units[: 2 * end].decode("utf-16-le"))
    except UnicodeDecodeError:
        return None
    if expected is not None and text[a:b] != expected:
        return None
    return a, b


def _first(values) -> str | None:
    """The first of a Label Studio value list (`labels`, `choices`), when it is a string."""
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None


def _label_region(rid: str, value: dict, text: str, where: str) -> Region | None:
    label = _first(value.get("labels"))
    start, end = value.get("start"), value.get("end")
    expected = value.get("text") if isinstance(value.get("text"), str) else None
    span = _code_points(text, start, end, expected) if is_offset(start) and is_offset(end) else None
    if span is None:
        _warn(Warnings.W042.format(where=where, ref=rid, label=label, start=start, end=end))
        return None
    hint = rid if ITEM_ID_RE.match(rid) else None
    return Region(rid, label, span[0], span[1], hint)


def _regions_of_result(result: list, text: str, where: str) -> tuple[list[Region], list[tuple[str, str]]]:
    """Regions and links from a Label Studio `result` list (labels, per-region values, relations)."""
    regions: dict[str, Region] = {}
    values: dict[str, dict] = {}
    links = []
    for n, item in enumerate(result):
        if not isinstance(item, dict):
            raise bad_file(where, f"result {n} must be an object, not {kind_of(item)}", path=where)
        if item.get("type") == "relation":
            if isinstance(item.get("from_id"), str) and isinstance(item.get("to_id"), str):
                links.append((item["from_id"], item["to_id"]))
            continue
        rid, value = item.get("id"), item.get("value") or {}
        if not isinstance(rid, str) or not isinstance(value, dict):
            continue  # no region to attach it to
        kind, name = item.get("type"), item.get("from_name")
        if kind == "labels" and _first(value.get("labels")):
            region = _label_region(rid, value, text, f"{where} result {rid}")
            if region is not None:
                regions[rid] = region
        elif kind == "choices" and _first(value.get("choices")):
            key = {KIND_NAME: "kind", EVENT_NAME: "event", DATE_EVENT_NAME: "event"}.get(name)
            if key:
                values.setdefault(rid, {})[key] = _first(value["choices"])
        elif kind == "textarea" and value.get("text"):
            key = {NAME_NAME: "name", TREATY_NAME: "treaty", VALUE_NAME: "value"}.get(name)
            content = value["text"][-1] if isinstance(value["text"], list) else value["text"]
            if key and isinstance(content, (str, int, float)) and str(content).strip():
                values.setdefault(rid, {})[key] = str(content).strip()
    for rid, fields in values.items():
        if rid in regions:
            regions[rid].fields.update(fields)
    return list(regions.values()), links


def _load_tasks(path: Path) -> list:
    try:
        tasks = json.loads(_read_exact(path))
    except ValueError as err:
        raise ClaimsError(
            Errors.E042.format(detail=f"not valid JSON: {err}"),
            path=str(path),
            stage="review",
            code="NotLabelStudio",
        ) from None
    if isinstance(tasks, list) and tasks and all(is_json_min(t) for t in tasks):
        raise ClaimsError(Errors.E063, path=str(path), stage="review", code="LabelStudioJsonMin")
    if not isinstance(tasks, list) or not all(
        isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks
    ):
        raise ClaimsError(
            Errors.E042.format(detail="not a list of tasks with 'data'"),
            path=str(path),
            stage="review",
            code="NotLabelStudio",
        )
    return tasks


def _task_docs(task: dict, n: int, path: Path, records: str | Path | None) -> list[ReviewedDoc]:
    """The reviewed docs of one Label Studio task (one per annotation that was not cancelled)."""
    where = f"{path} task {n}" + (f" (id {task['id']})" if "id" in task else "")
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise bad_file(where, "'annotations' must be a list of objects", path=str(path))
    annotations = [a for a in annotations if not a.get("was_cancelled")]
    if not annotations:
        return []  # nobody reviewed this task
    data = task["data"]
    text = data.get("text") or ""
    if not isinstance(text, str):
        raise bad_file(where, f"data.text must be a string, not {kind_of(text)}", path=str(path))
    claims = data.get("claims")
    article = (
        data.get("article") or (claims.get("id") if isinstance(claims, dict) else None) or task.get("id", n)
    )
    if claims:
        base = check_base(claims, text, f"{where} data.claims", str(path))
    else:
        base = check_base(_base_from_records(records, str(article), path), text, str(records), str(records))
    if text_hash(text) != base["text_hash"]:
        raise ClaimsError(
            Errors.E041.format(article=article, found=text_hash(text)[:12], expected=base["text_hash"][:12]),
            path=str(path),
            stage="review",
            code="TextChanged",
        )
    docs = []
    for annotation in sorted(
        annotations, key=lambda a: str(a.get("updated_at") or a.get("created_at") or "")
    ):
        source = f"{where} annotation {annotation.get('id', '?')}"
        result = annotation.get("result") or []
        if not isinstance(result, list):
            raise bad_file(source, f"'result' must be a list, not {kind_of(result)}", path=str(path))
        regions, links = _regions_of_result(result, text, source)
        when = annotation.get("updated_at") or annotation.get("created_at")
        docs.append(
            ReviewedDoc(
                article=str(base["id"]),
                text=text,
                base=base,
                regions=regions,
                links=links,
                tool="labelstudio",
                source=source,
                reviewer=_reviewer_of(annotation),
                time=str(when) if when is not None else None,
            )
        )
    return docs


def read_labelstudio(path: str | Path, *, records: str | Path | None = None) -> list[ReviewedDoc]:
    """The annotations of a Label Studio JSON export, one `ReviewedDoc` per (task, annotation).

    A task or annotation of the wrong shape raises `ClaimsError` naming the file, task and annotation;
    a JSON-MIN export is refused with the steps to export JSON instead (it has no relations, so no
    quote would keep its speaker).
    """
    path = Path(path)
    docs = []
    for n, task in enumerate(_load_tasks(path)):
        try:
            docs += _task_docs(task, n, path, records)
        except ClaimsError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            raise bad_file(f"{path} task {n}", f"{type(err).__name__}: {err}", path=str(path)) from err
    return docs


# --------------------------------------------------------------------------------------------
# From regions back to items
# --------------------------------------------------------------------------------------------


def _known_treaty_name(treaty_id: str) -> str | None:
    from ..knowledge import load_knowledge  # read the knowledge files only when a treaty id changed

    known = load_knowledge().treaty(treaty_id)
    return known.name if known else None


def _treaty_slug(text: str) -> str:
    from ..stages.treaties import slug  # the treaty stage's rule; imported late, as it loads spaCy

    return slug(text) or "treaty"


def _span(text: str, region: Region) -> dict:
    return {"start": region.start, "end": region.end, "text": text[region.start : region.end]}


def _same_span(a: dict | None, b: dict | None) -> bool:
    return bool(a and b) and (a["start"], a["end"]) == (b["start"], b["end"])


class _ItemBuilder:
    """Turns one reviewed doc's regions into `{kind: {id: item}}`, keeping exported ids and values."""

    def __init__(self, doc: ReviewedDoc):
        self.doc = doc
        self.text = doc.text
        self.thash = doc.base["text_hash"]
        self.base = record_items({"text": doc.text, **doc.base})
        # Dates exported only as a treaty's date (not in the record's top-level dates).
        self.treaty_only_dates = {
            date_id(self.thash, d) for m in doc.base.get("treaties") or [] for d in m.get("dates") or []
        } - set(self.base["date"])
        self.by_ref = {r.ref: r for r in doc.regions}
        self.linked: dict[str, list[Region]] = {}
        for a, b in doc.links:
            if a in self.by_ref and b in self.by_ref:
                self.linked.setdefault(a, []).append(self.by_ref[b])
                self.linked.setdefault(b, []).append(self.by_ref[a])
        self.ids = self._assign_ids()

    def _assign_ids(self) -> dict[str, str]:
        """Region ref → item id: the id it carries, else the exported item at its exact span, else a new one."""
        ids: dict[str, str] = {}
        claimed: set[str] = set()
        known = {**self.base["quote"], **self.base["treaty"], **self.base["date"]}
        item_regions = [r for r in self.doc.regions if r.label in ITEM_LABELS]
        for region in item_regions:
            prefix = ITEM_LABELS[region.label][0] + "-"
            if region.id_hint and region.id_hint.startswith(prefix) and region.id_hint not in claimed:
                if region.id_hint in known or region.id_hint in self.treaty_only_dates:
                    ids[region.ref] = region.id_hint
                    claimed.add(region.id_hint)
        for region in item_regions:
            if region.ref in ids:
                continue
            kind = ITEM_LABELS[region.label]
            at_span = [
                i
                for i, item in self.base[kind].items()
                if (item["start"], item["end"]) == (region.start, region.end) and i not in claimed
            ]
            new_id = at_span[0] if at_span else make_id(kind[0], self.thash, region.start, region.end)
            if new_id in claimed:
                other = next(r.ref for r in item_regions if ids.get(r.ref) == new_id)
                _warn(
                    Warnings.W043.format(
                        where=self.doc.source, label=region.label, ref=region.ref, other=other
                    )
                )
                continue
            ids[region.ref] = new_id
            claimed.add(new_id)
        return ids

    def _linked(self, region: Region, label: str) -> list[Region]:
        return sorted((r for r in self.linked.get(region.ref, []) if r.label == label), key=lambda r: r.start)

    def _date_value(self, region: Region) -> str | None:
        value = region.fields.get("value")
        if value and ISODATE_RE.match(value):
            return value
        base = self.base["date"].get(self.ids.get(region.ref, ""))
        if base and _same_span(base, _span(self.text, region)):
            return base["value"]
        _warn(Warnings.W040.format(where=self.doc.source, label=region.label, ref=region.ref))
        return None

    def quote(self, region: Region, qid: str) -> dict:
        base = self.base["quote"].get(qid)
        span = _span(self.text, region)
        speakers = self._linked(region, SPEAKER)
        if len(speakers) > 1:
            _warn(Warnings.W041.format(where=self.doc.source, ref=region.ref, n=len(speakers)))
        speaker = None
        if speakers:
            sr = speakers[0]
            base_speaker = (base or {}).get("speaker")
            name = sr.fields.get("name") or (
                base_speaker["name"]
                if _same_span(base_speaker, _span(self.text, sr))
                else self.text[sr.start : sr.end]
            )
            speaker = {"name": name, **_span(self.text, sr)}
            if _same_span(base_speaker, speaker) and base_speaker["name"] == name:
                speaker = base_speaker  # as exported, down to its text
        cues = self._linked(region, CUE)
        cue = _span(self.text, cues[0]) if cues else None
        if cue and _same_span((base or {}).get("cue"), cue):
            cue = base["cue"]
        kind = region.fields.get("kind")
        if kind not in QUOTE_KINDS:
            kind = base["kind"] if base else guess_quote_kind(span["text"])
        if base is None:
            return {
                "id": qid,
                **span,
                "kind": kind,
                "speaker": speaker,
                "cue": cue,
                "how": "review",
                "closed": True,
            }
        value = {**base, "kind": kind, "speaker": speaker, "cue": cue}
        if not _same_span(base, span):
            value.update(span)
        if speaker != base.get("speaker"):
            value["how"] = "review"  # the speaker is the annotator's now, not an attribution rule's
        return value

    def treaty(self, region: Region, tid: str) -> dict:
        base = self.base["treaty"].get(tid)
        span = _span(self.text, region)
        treaty = region.fields.get("treaty") or (base["treaty"] if base else _treaty_slug(span["text"]))
        note_name = region.fields.get("name")
        if base and treaty == base["treaty"]:
            name = note_name or base["name"]
        else:
            # A new treaty id: its name from the knowledge base, unless the annotator wrote a new one.
            fresh_name = note_name if note_name and note_name != (base or {}).get("name") else None
            name = _known_treaty_name(treaty) or fresh_name or treaty
        event = region.fields.get("event")
        if event not in EVENTS:
            event = base["event"] if base else "unspecified"
        base_dates = {(d["start"], d["end"]): d for d in (base or {}).get("dates") or []}
        dates = []
        for dr in self._linked(region, DATE):
            value = self._date_value(dr)
            if value is None:
                continue
            old = base_dates.get((dr.start, dr.end))
            date_event = dr.fields.get("event")
            if date_event not in EVENTS:
                date_event = old.get("event", event) if old else event
            dated = {"value": value, **_span(self.text, dr), "event": date_event}
            dates.append(old if old and old == {**old, **dated} else dated)
        same = bool(base) and _same_span(base, span) and treaty == base["treaty"]
        if base is None:
            return {
                "id": tid,
                **span,
                "treaty": treaty,
                "name": name,
                "how": "review",
                "dates": dates,
                "event": event,
            }
        value = {
            **base,
            "treaty": treaty,
            "name": name,
            "how": base.get("how") if same else "review",
            "dates": dates,
            "event": event,
        }
        if not _same_span(base, span):
            value.update(span)
        return value

    def date(self, region: Region, did: str) -> dict | None:
        value = self._date_value(region)
        if value is None:
            return None
        base = self.base["date"].get(did)
        item = {"value": value, **_span(self.text, region)}
        return base if base == item else item

    def items(self) -> dict[str, dict[str, dict]]:
        """The reviewed items by kind and id."""
        out: dict[str, dict[str, dict]] = {kind: {} for kind in ITEM_KINDS}
        for region in self.doc.regions:
            item_id = self.ids.get(region.ref)
            if item_id is None:
                continue
            if region.label == QUOTE:
                out["quote"][item_id] = self.quote(region, item_id)
            elif region.label == TREATY:
                out["treaty"][item_id] = self.treaty(region, item_id)
            elif region.label == DATE and item_id not in self.treaty_only_dates:
                # A date exported only as a treaty's date stays one; other dates are the record's dates.
                date = self.date(region, item_id)
                if date is not None:
                    out["date"][item_id] = date
        return out


def reviewed_items(doc: ReviewedDoc) -> dict[str, dict[str, dict]]:
    """The items of a reviewed article, by kind and id, as the annotator left them."""
    return _ItemBuilder(doc).items()


def diff_entries(doc: ReviewedDoc, now: str) -> list[dict]:
    """Store entries for one reviewed article: an item entry per exported or reviewed item."""
    base = record_items({"text": doc.text, **doc.base})
    items = reviewed_items(doc)
    entries = []
    for kind in ITEM_KINDS:
        ids = sorted(
            set(base[kind]) | set(items[kind]),
            key=lambda i: ((items[kind].get(i) or base[kind].get(i))["start"], i),
        )
        for item_id in ids:
            before, after = base[kind].get(item_id), items[kind].get(item_id)
            action = (
                "keep" if before == after else "change" if before and after else "add" if after else "delete"
            )
            entry = {
                "article": doc.article,
                "text_hash": doc.base["text_hash"],
                "kind": kind,
                "item": item_id,
                "action": action,
                "value": after,
                "base": before,
            }
            if action == "change":
                entry["changed"] = changed_fields(kind, before, after)
            entry.update(
                {
                    "reviewer": doc.reviewer,
                    "time": doc.time,
                    "imported": now,
                    "tool": doc.tool,
                    "source": doc.source,
                }
            )
            entries.append(entry)
    return entries


# --------------------------------------------------------------------------------------------
# Into the store
# --------------------------------------------------------------------------------------------


#: The most a ZIP may unpack to (INCEpTION documents are articles: a few hundred KB at most).
ZIP_MAX_BYTES = 100_000_000


def _zip_members(path: Path) -> dict[str, bytes]:
    """The `.txt` and `.ann` members of an INCEpTION ZIP by flat file name, safely: only base names
    are used (no member can land outside the folder), and the declared and real sizes are capped."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise bad_file(str(path), f"not a ZIP file ({err})", path=str(path)) from None
    members: dict[str, bytes] = {}
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith((".txt", ".ann"))]
        if sum(i.file_size for i in infos) > ZIP_MAX_BYTES:
            raise bad_file(str(path), f"it unpacks to more than {ZIP_MAX_BYTES:,} bytes", path=str(path))
        for info in infos:
            name = safe_stem(Path(info.filename.replace("\\", "/")).stem) + Path(info.filename).suffix
            if name in members:
                raise bad_file(f"{path} member {info.filename}", "two members have this name", path=str(path))
            try:
                with archive.open(info) as fh:
                    members[name] = fh.read(ZIP_MAX_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as err:
                raise bad_file(
                    f"{path} member {info.filename}", f"cannot unpack it ({err})", path=str(path)
                ) from None
    return members


def read_inception_zip(
    path: str | Path, *, records: str | Path | None = None, reviewer: str | None = None
) -> list[ReviewedDoc]:
    """The articles of an INCEpTION "brat basic" ZIP (`ID.txt` + `ID.ann`, as `inception/ID.zip` holds).

    What was exported comes from the export's `.claims/` folder when the ZIP still sits in its
    `inception/` folder, else from `records`.
    """
    path = Path(path)
    members = _zip_members(path)
    if not any(name.endswith(".ann") for name in members):
        raise bad_file(str(path), "it holds no .ann file", path=str(path))
    exported = path.parent.parent / SIDECAR_DIR
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in members.items():
            (folder / name).write_bytes(data)
            sidecar = exported / f"{Path(name).stem}.json"
            if name.endswith(".ann") and sidecar.is_file():
                (folder / SIDECAR_DIR).mkdir(exist_ok=True)
                shutil.copyfile(sidecar, folder / SIDECAR_DIR / sidecar.name)
        try:
            docs = read_brat(folder, records=records, reviewer=reviewer)
        except ClaimsError as err:
            # Name the ZIP and its member, not the temporary folder it was unpacked to.
            err.message = err.message.replace(str(folder) + "/", f"{path}:")
            err.path = err.path.replace(str(folder) + "/", f"{path}:") if err.path else str(path)
            raise
    for doc in docs:
        doc.source = f"{path}:{Path(doc.source).name}"
    return docs


def read_reviews(
    source: str | Path, *, records: str | Path | None = None, reviewer: str | None = None
) -> list[ReviewedDoc]:
    """Reviewed articles from a brat folder, an INCEpTION ZIP or a Label Studio JSON export."""
    source = Path(source)
    if source.is_dir() and any(source.glob("*.ann")):
        return read_brat(source, records=records, reviewer=reviewer)
    if source.is_file() and source.suffix.lower() == ".zip":
        return read_inception_zip(source, records=records, reviewer=reviewer)
    if source.is_file() and source.suffix.lower() == ".json":
        docs = read_labelstudio(source, records=records)
        if reviewer:
            for doc in docs:
                doc.reviewer = doc.reviewer or reviewer
        return docs
    raise ClaimsError(
        Errors.E044.format(path=source), path=str(source), stage="review", code="NothingToImport"
    )


def _diff_or_refuse(doc: ReviewedDoc, now: str) -> list[dict]:
    """`diff_entries`, with any failure one error about the doc's file (the store is not yet touched)."""
    try:
        return diff_entries(doc, now)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise bad_file(doc.source, f"{type(err).__name__}: {err}", path=doc.source) from err


def merge_reviews(
    docs: list[ReviewedDoc], store: str | Path, *, force: bool = False, wait: bool = False
) -> ImportReport:
    """Merge reviewed articles into the store (see the module docstring); all or nothing unless `force`."""
    store = Path(store)
    report = ImportReport(
        store=store, articles=len({d.article for d in docs}), untouched=sum(d.untouched for d in docs)
    )
    now = datetime.now(tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with locked(store, wait=wait):
        existing = read_entries(store)
        states = latest_by_article(existing)
        latest = {(a, *key): e for a, state in states.items() for key, e in state.items.items()}
        texts = {(e["article"], e["text_hash"]) for e in existing if e["kind"] == "article"}
        new: list[dict] = []
        for doc in docs:
            if (doc.article, doc.base["text_hash"]) not in texts:
                texts.add((doc.article, doc.base["text_hash"]))
                new.append(
                    {
                        "article": doc.article,
                        "text_hash": doc.base["text_hash"],
                        "kind": "article",
                        "text": doc.text,
                        "source": doc.base.get("source", ""),
                        "imported": now,
                    }
                )
            for entry in _diff_or_refuse(doc, now):
                key = (entry["article"], entry["kind"], entry["item"])
                prior = latest.get(key)
                if prior is not None:
                    if entry["value"] == prior["value"]:
                        report.unchanged += 1
                        continue
                    if entry["base"] != prior["value"]:
                        if entry["value"] == entry["base"]:
                            report.kept_earlier += 1
                            continue
                        report.conflicts.append(
                            Conflict(entry["article"], entry["kind"], entry["item"], prior, entry)
                        )
                        if not force:
                            continue
                        entry["overrides"] = prior["entry"] if "entry" in prior else entry_id(prior)
                entry["entry"] = entry_id(entry)
                report.actions[entry["action"]] += 1
                latest[key] = entry
                new.append(entry)
        if report.conflicts and not force:
            return report
        if any(e["kind"] != "article" for e in new):
            append_entries(store, new)
            report.written, report.entries = True, len(new)
    return report


def import_reviews(
    source: str | Path,
    store: str | Path,
    *,
    force: bool = False,
    reviewer: str | None = None,
    records: str | Path | None = None,
    wait: bool = False,
) -> ImportReport:
    """Read a brat folder or Label Studio export and merge what annotators decided into `store`.

    Returns an `ImportReport`; when it lists conflicts and `force` is False, nothing was written.
    Another import into `store` at the same time fails at once (E060), or is waited for with `wait`.
    """
    docs = read_reviews(source, records=records, reviewer=reviewer)
    return merge_reviews(docs, store, force=force, wait=wait)
