"""Loading models/ (pipeline/knowledge.py): every knowledge file is read whole, or the run stops with E031."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import KnowledgeError
from pipeline.knowledge import CHECKOUT_MODELS_DIR, load_knowledge, models_dir, read_yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "content, detail",
    [
        (None, "no such file"),
        (b"verbs: [say\n", "not valid YAML"),
        (b"", "not a YAML mapping"),
        (b"- say\n- tell\n", "not a YAML mapping but list"),
        (b"verbs: [\xff\xfe]\n", "UnicodeDecodeError"),
    ],
)
def test_knowledge_missing_or_unreadable_file_is_e029(tmp_path, content, detail):
    path = tmp_path / "speech_cues.yml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KnowledgeError) as info:
        read_yaml("speech_cues.yml", tmp_path)
    err = info.value
    assert (err.code, err.path, err.stage) == ("BadKnowledge", str(path), "load")
    assert detail in err.message
    assert str(err).startswith(f"{path}: [E031] cannot read this knowledge file")


def test_knowledge_whole_file_reads(tmp_path):
    (tmp_path / "speech_cues.yml").write_text("source: hand\nverbs: [say]\n", encoding="utf-8")
    assert read_yaml("speech_cues.yml", tmp_path) == {"source": "hand", "verbs": ["say"]}


def test_knowledge_checkout_reads_its_top_level_models(monkeypatch):
    monkeypatch.delenv("CLAIMS_MODELS_DIR", raising=False)
    assert models_dir() == CHECKOUT_MODELS_DIR == ROOT / "models"


def _models_without(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "models"
    shutil.copytree(ROOT / "models", folder)
    (folder / name).unlink()
    return folder


@pytest.mark.parametrize("name", ["treaties.yml", "speakers.yml", "cues.yml", "honorifics.yml"])
def test_knowledge_load_stops_on_a_missing_file(tmp_path, monkeypatch, name):
    from pipeline.stages.speakers import _honorifics

    folder = _models_without(tmp_path, name)
    monkeypatch.setenv("CLAIMS_MODELS_DIR", str(folder))
    # honorifics.yml is read by the speakers stage itself, the others by load_knowledge; both cache.
    load = _honorifics if name == "honorifics.yml" else load_knowledge
    load.cache_clear()
    try:
        with pytest.raises(KnowledgeError, match=r"\[E031\]") as info:
            load()
        assert info.value.path == str(folder / name)
    finally:
        load.cache_clear()


@pytest.mark.model
def test_knowledge_run_without_the_treaty_base_stops_with_its_code(tmp_path):
    folder = _models_without(tmp_path, "treaties.yml")
    (tmp_path / "a.txt").write_text("“We will respond,” Lavrov said of the INF Treaty.\n", encoding="utf-8")
    env = {**os.environ, "CLAIMS_MODELS_DIR": str(folder)}
    out = tmp_path / "o.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", str(tmp_path / "a.txt"), "-o", str(out), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert f"error: {folder / 'treaties.yml'}: [E031] cannot read this knowledge file" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() or not out.read_text(encoding="utf-8").strip()
