"""Export records as Label Studio tasks, with the labelling config that goes with them.

`claims review export OUT.jsonl --format labelstudio -o tasks.json` writes `tasks.json` (a JSON list
of tasks to import into a project) and `tasks.config.xml` (the project's labelling config).

Each task's `predictions[0].result` holds the record as Label Studio regions on the `text` object:

* a `labels` region per Quote, Speaker, Cue, Treaty mention and Date, whose result `id` is the
  item's stable id (`q-…`, `t-…`, `d-…`; speakers and cues get `s-…`/`c-…` made the same way);
  an annotation started from the predictions keeps these ids, which is how import tells a reviewed
  item from a new one and finds deletions. A quote its frame interrupts (“…,” she said, “…”) is one
  region over its whole span: a Label Studio region cannot have gaps, and two regions would be two
  quotes on import;
* per-region controls with the same `id`: `kind` (choices) on quotes, `name` (the canonical
  speaker, text area) on speakers, `treaty` (id, text area) and `event` (choices) on treaty
  mentions, `value` (YYYY[-MM[-DD]], text area) and `date_event` (choices) on dates;
* `relation` items from each quote to its speaker and cue, and from a treaty mention to its dates.

`data.claims` keeps what was exported, which is what `claims review import` diffs the annotation
against. Offsets are Python `str` indices (code points), as Label Studio's Text tag stores them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..record.build import make_id
from .export_brat import CUE, DATE, QUOTE, SPEAKER, TREATY
from .files import write_text_atomic
from .items import EVENTS, QUOTE_KINDS, base_of, date_id, record_hash

LABELS_NAME, TEXT_NAME = "label", "text"
KIND_NAME, NAME_NAME, TREATY_NAME, EVENT_NAME = "kind", "name", "treaty", "event"
VALUE_NAME, DATE_EVENT_NAME = "date", "date_event"
SAID_BY, CUED_BY, DATED_ON = "said by", "cued by", "dated on"
LABEL_COLOURS = {QUOTE: "#f2c94c", SPEAKER: "#4a90e2", CUE: "#9b6ad6", TREATY: "#3aa757", DATE: "#e5534b"}


def _choices(name: str, values: Iterable[str]) -> str:
    options = "".join(f"<Choice value={quoteattr(v)}/>" for v in values)
    return f'<Choices name="{name}" toName="{TEXT_NAME}" perRegion="true" choice="single-radio">{options}</Choices>'


def _text_area(name: str, placeholder: str) -> str:
    return (
        f'<TextArea name="{name}" toName="{TEXT_NAME}" perRegion="true" editable="true" maxSubmissions="1" '
        f'rows="1" placeholder={quoteattr(placeholder)}/>'
    )


def _when(label: str, *controls: str) -> str:
    return (
        f'  <View visibleWhen="region-selected" whenLabelValue="{label}">\n    '
        + "\n    ".join(controls)
        + "\n  </View>"
    )


def label_config() -> str:
    """The Label Studio labelling config (XML) that the exported tasks are made for."""
    labels = "\n".join(
        f'    <Label value="{label}" background="{colour}"/>' for label, colour in LABEL_COLOURS.items()
    )
    relations = "\n".join(f"    <Relation value={quoteattr(v)}/>" for v in (SAID_BY, CUED_BY, DATED_ON))
    return "\n".join(
        [
            "<View>",
            f'  <Labels name="{LABELS_NAME}" toName="{TEXT_NAME}">',
            labels,
            "  </Labels>",
            f'  <Text name="{TEXT_NAME}" value="$text"/>',
            "  <Relations>",
            relations,
            "  </Relations>",
            _when(QUOTE, '<Header value="Quote kind"/>', _choices(KIND_NAME, QUOTE_KINDS)),
            _when(
                SPEAKER,
                '<Header value="Canonical speaker name"/>',
                _text_area(NAME_NAME, "e.g. Sergey Lavrov"),
            ),
            _when(
                TREATY,
                '<Header value="Treaty id (models/treaties.yml) and event"/>',
                _text_area(TREATY_NAME, "e.g. inf"),
                _choices(EVENT_NAME, EVENTS),
            ),
            _when(
                DATE,
                '<Header value="Date (YYYY[-MM[-DD]]) and the treaty event it dates"/>',
                _text_area(VALUE_NAME, "e.g. 2019-02-01"),
                _choices(DATE_EVENT_NAME, EVENTS),
            ),
            "</View>",
            "",
        ]
    )


class _Regions:
    """The result items of one task: regions (one per id), their per-region values, relations."""

    def __init__(self, text: str):
        self.text = text
        self.results: list[dict] = []
        self.seen: set[str] = set()

    def region(self, rid: str, label: str, span: dict) -> str:
        if rid not in self.seen:
            self.seen.add(rid)
            self._result(rid, LABELS_NAME, "labels", span, label)
        return rid

    def choice(self, rid: str, name: str, span: dict, choice: str) -> None:
        self._result(rid, name, "choices", span, choice)

    def _result(self, rid: str, name: str, kind: str, span: dict, item: str) -> None:
        """One Label Studio result over `span`: `kind` is "labels" or "choices", with one `item`."""
        value = {"start": span["start"], "end": span["end"], "text": self.text[span["start"] : span["end"]]}
        self.results.append(
            {
                "id": rid,
                "from_name": name,
                "to_name": TEXT_NAME,
                "type": kind,
                "value": {**value, kind: [item]},
            }
        )

    def text_area(self, rid: str, name: str, span: dict, content: str) -> None:
        value = {"start": span["start"], "end": span["end"], "text": [content]}
        self.results.append(
            {"id": rid, "from_name": name, "to_name": TEXT_NAME, "type": "textarea", "value": value}
        )

    def relation(self, from_id: str, to_id: str, label: str) -> None:
        self.results.append(
            {"type": "relation", "from_id": from_id, "to_id": to_id, "direction": "right", "labels": [label]}
        )


def prediction_result(record: dict) -> list[dict]:
    """The Label Studio result items (regions, per-region values, relations) of one record."""
    text, thash = record["text"], record_hash(record)
    out = _Regions(text)
    for q in record.get("quotes") or []:
        quote = out.region(q["id"], QUOTE, q)
        out.choice(quote, KIND_NAME, q, q["kind"])
        speaker, cue = q.get("speaker"), q.get("cue")
        if speaker:
            sid = make_id("s", thash, speaker["start"], speaker["end"])
            if sid not in out.seen:
                out.text_area(out.region(sid, SPEAKER, speaker), NAME_NAME, speaker, speaker["name"])
            out.relation(quote, sid, SAID_BY)
        if cue:
            out.relation(quote, out.region(make_id("c", thash, cue["start"], cue["end"]), CUE, cue), CUED_BY)
    top_dates = {(d["start"], d["end"]): d for d in record.get("dates") or []}
    events = {
        (d["start"], d["end"]): d.get("event", "unspecified")
        for m in record.get("treaties") or []
        for d in m.get("dates") or []
    }
    for m in record.get("treaties") or []:
        for d in m.get("dates") or []:
            top_dates.setdefault((d["start"], d["end"]), {k: d[k] for k in ("value", "start", "end", "text")})
    for key, d in sorted(top_dates.items()):
        did = out.region(date_id(thash, d), DATE, d)
        out.text_area(did, VALUE_NAME, d, d["value"])
        if key in events:
            out.choice(did, DATE_EVENT_NAME, d, events[key])
    for m in record.get("treaties") or []:
        tid = out.region(m["id"], TREATY, m)
        out.text_area(tid, TREATY_NAME, m, m["treaty"])
        out.choice(tid, EVENT_NAME, m, m.get("event", "unspecified"))
        for d in m.get("dates") or []:
            out.relation(tid, date_id(thash, d), DATED_ON)
    return out.results


def task_of(record: dict) -> dict:
    """One Label Studio task: the text, what was exported (`data.claims`), and the predictions."""
    meta = record.get("meta") or {}
    return {
        "data": {
            "text": record["text"],
            "article": record["id"],
            "title": meta.get("title") or record["id"],
            "claims": base_of(record),
        },
        "predictions": [
            {
                "model_version": f"claims {record.get('pipeline_version', '')}".strip(),
                "result": prediction_result(record),
            }
        ],
    }


def config_path_for(tasks_path: str | Path) -> Path:
    """Where the labelling config of a task file goes: `tasks.json` → `tasks.config.xml`."""
    path = Path(tasks_path)
    return path.with_name(path.stem + ".config.xml")


def export_labelstudio(records: Iterable[dict], tasks_path: str | Path) -> tuple[Path, Path]:
    """Write the Label Studio tasks of `records` and their labelling config; returns both paths."""
    tasks = [task_of(record) for record in records]
    tasks_path = Path(tasks_path)
    write_text_atomic(tasks_path, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    config = config_path_for(tasks_path)
    write_text_atomic(config, label_config())
    return tasks_path, config
