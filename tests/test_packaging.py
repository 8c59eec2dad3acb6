"""`pip install .` carries the knowledge: pyproject.toml ships models/ inside the wheel as pipeline.models.

The wheel test builds with pip's own isolated build (setuptools from the package index, as
`make install` does), installs with --no-deps into a folder of its own and runs the seed through
that copy, not the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED


def test_packaging_lists_every_package():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    code = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "pipeline").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert set(setuptools["packages"]) == code | {"pipeline.models"}
    assert setuptools["package-dir"] == {"pipeline.models": "models"}
    assert setuptools["package-data"]["pipeline.models"] == ["**/*"]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.model
def test_packaging_installed_wheel_gives_the_checkout_seed_record(tmp_path, seed_output):
    # Built from a copy, so that setuptools' build/ and egg-info stay out of the checkout.
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pipeline", "models"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(src)])
    [wheel] = (tmp_path / "dist").glob("claims-*.whl")
    site = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)])
    shutil.rmtree(src)  # nothing left to read but the installed copy

    # Run from an empty folder: with `-m` the working directory comes first on sys.path.
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMS_MODELS_DIR", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    where = _run(
        [sys.executable, "-c", "import pipeline.knowledge as k; print(k.__file__); print(k.models_dir())"],
        cwd=work,
        env=env,
    ).stdout.split()
    assert where == [str(site / "pipeline" / "knowledge.py"), str(site / "pipeline" / "models")]
    out = tmp_path / "seed.jsonl"
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(SEED), "-o", str(out), "--date", "2019-02-03"]
    _run([*cmd, "--quiet", "--no-resume"], cwd=work, env=env)
    installed = json.loads(out.read_text(encoding="utf-8"))
    checkout = json.loads(seed_output.read_text(encoding="utf-8"))
    # pipeline_version too: it hashes file contents by their place inside models/ and the package.
    assert installed == checkout
