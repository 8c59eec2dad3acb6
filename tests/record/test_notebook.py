"""Tests for examples/explore.ipynb: it runs on the corpus run and rebuilds the report's views."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "explore.ipynb"


def output_text(nb) -> str:
    """All text the executed cells printed or displayed."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts += [v for k, v in out.get("data", {}).items() if k.startswith("text/")]
    return "\n".join(parts)


@pytest.mark.model
@pytest.mark.parametrize("expected", [("inf", "2018-10 withdrawal", "Sergey Lavrov")])
def test_notebook_explore_rebuilds_timeline_and_matrix_on_the_corpus(seed_output, monkeypatch, expected):
    monkeypatch.setenv("CLAIMS_RUN", str(seed_output))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Run from examples/ as Jupyter would, so the notebook's relative defaults mean what they say.
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = output_text(nb)
    for needle in expected:
        assert needle in text
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("cell_type", ["code"])
def test_notebook_is_stored_without_outputs(cell_type):
    # Outputs would pin one run's results (and its paths) into the repository.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    cells = [c for c in nb.cells if c.cell_type == cell_type]
    assert cells and all(not c.outputs and c.execution_count is None for c in cells)
