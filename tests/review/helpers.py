"""Edit exported review files the way annotators do: brat `.ann` lines, Label Studio export JSON."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from pipeline.review.export_brat import format_note, parse_note


class AnnFile:
    """An exported `.ann` file opened for editing, by entity type and text rather than T numbers."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = path.read_text(encoding="utf-8").splitlines()

    def find(self, entity_type: str, text: str, nth: int = 0) -> str:
        """The T id of the nth entity of this type whose text is `text`."""
        found = [
            ln.split("\t")[0]
            for ln in self.lines
            if ln.startswith("T")
            and ln.split("\t")[1].split()[0] == entity_type
            and ln.split("\t")[2] == text
        ]
        return found[nth]

    def find_id(self, item_id: str) -> str:
        """The T id of the entity whose note carries this item id."""
        return next(
            ln.split("\t")[1].split()[1]
            for ln in self.lines
            if ln.startswith("#") and parse_note(ln.split("\t")[2]).get("id") == item_id
        )

    def refers(self, line: str, tid: str) -> bool:
        fields = line.split("\t")
        return fields[0] == tid or (
            len(fields) > 1 and re.search(rf"(?<![\w]){tid}(?![\w])", fields[1]) is not None
        )

    def drop(self, tid: str) -> list[str]:
        """Delete an entity and every line that refers to it (relations, attributes, notes)."""
        dropped = [ln for ln in self.lines if self.refers(ln, tid)]
        self.lines = [ln for ln in self.lines if not self.refers(ln, tid)]
        return dropped

    def note(self, tid: str) -> dict:
        return next(
            parse_note(ln.split("\t")[2])
            for ln in self.lines
            if ln.startswith("#") and ln.split("\t")[1] == f"AnnotatorNotes {tid}"
        )

    def set_note(self, tid: str, **fields: str) -> None:
        for i, ln in enumerate(self.lines):
            if ln.startswith("#") and ln.split("\t")[1] == f"AnnotatorNotes {tid}":
                head = ln.rsplit("\t", 1)[0]
                self.lines[i] = f"{head}\t{format_note({**parse_note(ln.split(chr(9))[2]), **fields})}"

    def set_attribute(self, tid: str, name: str, value: str) -> None:
        for i, ln in enumerate(self.lines):
            if ln.startswith("A") and ln.split("\t")[1].split()[:2] == [name, tid]:
                self.lines[i] = f"{ln.split(chr(9))[0]}\t{name} {tid} {value}"

    def move(self, tid: str, text: str, start: int, end: int) -> None:
        for i, ln in enumerate(self.lines):
            if ln.split("\t")[0] == tid:
                entity_type = ln.split("\t")[1].split()[0]
                self.lines[i] = f"{tid}\t{entity_type} {start} {end}\t{text[start:end]}"

    def add_entity(self, entity_type: str, text: str, start: int, end: int) -> str:
        tid = f"T{1 + max(int(ln.split(chr(9))[0][1:]) for ln in self.lines if ln.startswith('T'))}"
        self.lines.append(f"{tid}\t{entity_type} {start} {end}\t{text[start:end]}")
        return tid

    def add_relation(self, relation: str, arg1: str, arg2: str) -> None:
        n = 1 + max((int(ln.split("\t")[0][1:]) for ln in self.lines if ln.startswith("R")), default=0)
        self.lines.append(f"R{n}\t{relation} Arg1:{arg1} Arg2:{arg2}")

    def save(self) -> None:
        self.path.write_text("\n".join(self.lines) + "\n", encoding="utf-8")


def labelstudio_export(
    tasks_path: Path,
    out: Path,
    edit=None,
    *,
    completed_by=1,
    updated_at="2024-05-01T10:05:00.000000Z",
    annotations: int = 1,
) -> Path:
    """Label Studio's JSON export of the exported tasks after annotators saved an annotation of each.

    The annotation starts from the predictions (same region ids, as Label Studio copies them);
    `edit(task_index, result)` changes it in place.
    """
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    for n, task in enumerate(tasks):
        task["id"] = n + 1
        task["annotations"] = []
        for k in range(annotations):
            result = copy.deepcopy(task["predictions"][0]["result"])
            if edit is not None:
                edit(n, result) if annotations == 1 else edit(n, k, result)
            task["annotations"].append(
                {
                    "id": 10 * n + k + 1,
                    "completed_by": completed_by,
                    "result": result,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": "2024-05-01T10:00:00.000000Z",
                    "updated_at": updated_at,
                    "lead_time": 42.0,
                }
            )
    out.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return out


def region_id(result: list[dict], label: str, text: str) -> str:
    """The id of the labels region with this label and text."""
    return next(
        r["id"]
        for r in result
        if r["type"] == "labels" and r["value"]["labels"] == [label] and r["value"]["text"] == text
    )


def relink(result: list[dict], from_id: str, relation: str, to_id: str) -> None:
    """Point the `relation` going out of `from_id` at another region."""
    for item in result:
        if item["type"] == "relation" and item["from_id"] == from_id and item["labels"] == [relation]:
            item["to_id"] = to_id


def read_store(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
