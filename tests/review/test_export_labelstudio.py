"""Label Studio export: tasks whose predictions match the labelling config written beside them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from pipeline.review.export_labelstudio import export_labelstudio


@pytest.fixture
def exported(tmp_path, small_record):
    tasks_path, config_path = export_labelstudio([small_record], tmp_path / "tasks.json")
    return json.loads(tasks_path.read_text(encoding="utf-8")), ET.fromstring(
        config_path.read_text(encoding="utf-8")
    )


def test_export_labelstudio_config_has_labels_text_relations(exported):
    _, config = exported
    assert config.tag == "View"
    labels = config.find("Labels")
    assert labels.get("name") == "label" and labels.get("toName") == "text"
    assert [x.get("value") for x in labels.findall("Label")] == ["Quote", "Speaker", "Cue", "Treaty", "Date"]
    assert config.find("Text").attrib == {"name": "text", "value": "$text"}
    assert [x.get("value") for x in config.find("Relations").findall("Relation")] == [
        "said by",
        "cued by",
        "dated on",
    ]


def test_export_labelstudio_results_use_the_config(exported):
    tasks, config = exported
    controls = {el.get("name"): el for el in config.iter() if el.get("toName") == "text"}
    labels = {x.get("value") for x in config.iter("Label")}
    relations = {x.get("value") for x in config.iter("Relation")}
    [task] = tasks
    assert set(task) == {"data", "predictions"}
    for item in task["predictions"][0]["result"]:
        if item["type"] == "relation":
            assert set(item) == {"type", "from_id", "to_id", "direction", "labels"}
            assert set(item["labels"]) <= relations
            continue
        assert {"id", "from_name", "to_name", "type", "value"} <= set(item)
        assert item["to_name"] == "text" and item["from_name"] in controls
        assert controls[item["from_name"]].tag.lower() == item["type"]
        assert set(item["value"].get("labels", [])) <= labels


@pytest.mark.parametrize("label,field", [("Quote", "quotes"), ("Treaty", "treaties")])
def test_export_labelstudio_region_ids_are_item_ids(exported, small_record, label, field):
    [task] = exported[0]
    text = task["data"]["text"]
    regions = [
        r
        for r in task["predictions"][0]["result"]
        if r["type"] == "labels" and r["value"]["labels"] == [label]
    ]
    assert [r["id"] for r in regions] == [item["id"] for item in small_record[field]]
    assert all(text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in regions)


def test_export_labelstudio_relations_point_at_regions(exported):
    [task] = exported[0]
    result = task["predictions"][0]["result"]
    ids = {r["id"] for r in result if r["type"] == "labels"}
    links = [r for r in result if r["type"] == "relation"]
    assert len(links) == 4 + 4 + 3  # speaker and cue of each quote, one date per treaty mention
    assert all(r["from_id"] in ids and r["to_id"] in ids for r in links)


def test_export_labelstudio_keeps_the_export_in_task_data(exported, small_record):
    [task] = exported[0]
    assert task["data"]["claims"]["text_hash"] == small_record["text_hash"]
    assert task["data"]["claims"]["quotes"] == small_record["quotes"]
