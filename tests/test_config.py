"""`RunConfig` (one object for every run option), coded errors, and the factories' entry points."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.config import DEFAULT_MODEL, RunConfig
from pipeline.errors import ClaimsError, Errors, Warnings, code_of
from pipeline.run.runner import pipeline_version

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "options,key",
    [
        ({}, (DEFAULT_MODEL, "run", "accurate", "claims", "auto", 16)),
        ({"accurate": True}, (DEFAULT_MODEL, "run", "accurate", "claims", "auto", 16)),
        ({"fast": True}, (DEFAULT_MODEL, "run", "fast", "claims", "auto", 16)),
        (
            {"rules_only": True, "batch_size": 4, "workers": 3},
            (DEFAULT_MODEL, "run", "rules-only", "claims", "auto", 4),
        ),
        ({"stage": "quotes", "date": None}, (DEFAULT_MODEL, "quotes", "accurate", "claims", "auto", 16)),
        ({"convention": "polnear"}, (DEFAULT_MODEL, "run", "accurate", "polnear", "auto", 16)),
        ({"precision": "fp32"}, (DEFAULT_MODEL, "run", "accurate", "claims", "fp32", 16)),
    ],
)
def test_config_pipeline_key_holds_only_what_builds_the_pipeline(options, key):
    assert RunConfig.from_options(**options).pipeline_key == key


@pytest.mark.parametrize(
    "options",
    [
        {"stage": "nope"},
        {"engine": "spark"},
        {"convention": "brat"},
        # Only the transformer draws PolNeAR's spans.
        {"convention": "polnear", "fast": True},
        {"convention": "polnear", "rules_only": True},
    ],
)
def test_config_refuses_unknown_values(options):
    with pytest.raises(ValueError):
        RunConfig(**options)


@pytest.mark.parametrize("name", ["wokers", "rules"])
def test_config_refuses_unknown_options(name):
    with pytest.raises(TypeError, match=name):
        RunConfig.from_options(**{name: 1})


@pytest.mark.parametrize("scheduler", ["tcp://127.0.0.1:8786"])
def test_config_scheduler_implies_dask(scheduler):
    assert RunConfig(scheduler=scheduler).engine == "dask"


@pytest.mark.parametrize(
    "message,code",
    [
        (Errors.E012, "E012"),
        (Errors.E005.format(line=3, detail="x"), "E005"),
        (Warnings.W001, "W001"),
        ("plain", None),
    ],
)
def test_errors_messages_carry_their_code(message, code):
    assert code_of(message) == code
    if code:
        assert message.startswith(f"[{code}] ")


@pytest.mark.parametrize("path", ["a.txt"])
def test_errors_record_has_code_field(path):
    record = ClaimsError(Errors.E002, path=path, code="EmptyFile").to_record()
    assert record["code"] == "E002" and record["error_type"] == "EmptyFile" and record["path"] == path


def _copy_package(tmp_path: Path) -> Path:
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


@pytest.mark.parametrize(
    "changed,moves",
    [
        ("stages/quotes/__init__.py", True),
        ("stages/speakers.py", True),
        ("run/runner.py", True),
        ("report/__init__.py", False),
        ("eval/score.py", False),
    ],
)
def test_pipeline_version_follows_nested_modules_that_shape_records(tmp_path, changed, moves):
    package = _copy_package(tmp_path)
    knowledge = tmp_path / "models"
    knowledge.mkdir()
    (knowledge / "cues.yml").write_text("said: 1\n", encoding="utf-8")
    before = pipeline_version("m", package, knowledge)
    with open(package / changed, "a", encoding="utf-8") as fh:
        fh.write("\n# a changed rule\n")
    assert (pipeline_version("m", package, knowledge) != before) is moves


@pytest.mark.parametrize("changed", ["cues.yml", "attribution/model/weights.bin"])
def test_pipeline_version_follows_every_file_of_models(tmp_path, changed):
    package = _copy_package(tmp_path)
    knowledge = tmp_path / "models"
    (knowledge / "attribution/model").mkdir(parents=True)
    for name in ("cues.yml", "attribution/model/weights.bin"):
        (knowledge / name).write_text("v1", encoding="utf-8")
    before = pipeline_version("m", package, knowledge)
    (knowledge / changed).write_text("v2", encoding="utf-8")
    assert pipeline_version("m", package, knowledge) != before


@pytest.mark.model
@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02" * 50])
def test_cli_bad_input_shows_its_code_on_the_console_and_in_errors_file(tmp_path, content):
    from pipeline.cli import cli

    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["run", str(bad), "-o", str(out), "-q"])
    assert result.exit_code == 1
    [line] = [x for x in result.output.splitlines() if x.startswith("error:")]
    [error] = [json.loads(x) for x in (tmp_path / "out.errors.jsonl").read_text("utf-8").splitlines()]
    assert error["code"] in ("E002", "E003")
    assert line.startswith(f"error: {bad}: [{error['code']}] ")


@pytest.mark.model
@pytest.mark.parametrize(
    "text,speaker",
    [("\u201cWe will not extend the treaty,\u201d the minister said on Friday.", "minister")],
)
def test_factories_load_through_entry_points_without_importing_pipeline(tmp_path, text, speaker):
    """A fresh interpreter, away from the checkout: spaCy finds every claims stage by its name."""
    script = f"""
import json, sys, spacy
nlp = spacy.load({DEFAULT_MODEL!r})
nlp.add_pipe("claims_segmenter", first=True)
for name in ("claims_speakers", "claims_quotes", "claims_treaties", "claims_dates"):
    nlp.add_pipe(name)
doc = nlp({text!r})
print(json.dumps({{"speakers": [q["speaker"]["name"] for q in doc._.quotes],
                  "imported_first": [m for m in ("pipeline",) if m in sys.modules]}}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["speakers"] == [speaker]


def test_readme_lists_every_error_and_warning_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    codes = [name for cls in (Errors, Warnings) for name in vars(cls) if code_of(f"[{name}] x")]
    assert codes and [c for c in codes if f"| {c} |" not in readme] == []
