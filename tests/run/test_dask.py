"""The Dask engine on a real LocalCluster: the local engine's output, record for record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.run import dask_engine as engine_dask

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "000_9d0255c7079ac9ce.txt"
TEXTS = {
    "a.txt": "Arms control\n\n“We will respond in kind,” Lavrov said of the INF Treaty on Saturday.\n",
    "b.txt": "Talks\n\nPutin said that Russia would not deploy new missiles in Europe unless the US did.\n",
    "c.txt": "Treaty\n\nThe New START treaty expires in 2021, officials said. “It matters,” Shoigu added.\n",
    "d.txt": "Pact\n\n“The agreement is dead,” Bolton told reporters in Moscow last October.\n",
}


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, shut down after the module's tests."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with Client(local) as client:
            yield local, client


@pytest.fixture
def inputs(tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "records.jsonl").write_text(
        '{"id": "r1", "text": "“Yes,” Putin said."}\n{"id": "r2"}\n', encoding="utf-8"
    )
    return folder


def _run(folder: Path, out: Path, *args: str):
    return CliRunner().invoke(
        cli, ["run", str(folder), "-o", str(out), "--date", "2019-02-03", "-q", "--batch-size", "2", *args]
    )


@pytest.mark.parametrize("engine_args", [["--engine", "dask"]])
def test_dask_output_is_identical_to_the_local_engine(cluster, inputs, tmp_path, engine_args):
    local, client = cluster
    here, there = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    first = _run(inputs, here)
    second = _run(inputs, there, *engine_args, "--scheduler", local.scheduler_address)
    assert first.exit_code == second.exit_code == 1  # empty.txt and records.jsonl:2 fail in both
    assert there.read_bytes() == here.read_bytes()
    assert len(here.read_text(encoding="utf-8").splitlines()) == len(TEXTS) + 2
    assert (tmp_path / "dask.errors.jsonl").read_bytes() == (tmp_path / "local.errors.jsonl").read_bytes()
    # Each worker process loaded the pipeline once, however many tasks it ran.
    assert set(client.run(engine_dask.worker_loads).values()) == {1}
    again = _run(inputs, tmp_path / "again.jsonl", "--scheduler", local.scheduler_address)
    assert again.exit_code == 1
    assert set(client.run(engine_dask.worker_loads).values()) == {1}


@pytest.mark.parametrize("workers", ["1"])
def test_dask_without_an_address_starts_and_stops_a_local_cluster(inputs, tmp_path, workers):
    out = tmp_path / "o.jsonl"
    result = _run(inputs, out, "--engine", "dask", "--workers", workers)
    assert result.exit_code == 1
    assert {json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()} == {
        "a",
        "b",
        "c",
        "d",
        "seed",
        "r1",
    }


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:9"])
def test_dask_unreachable_scheduler_is_one_line_and_exit_1(tmp_path, inputs, address, monkeypatch):
    monkeypatch.setattr(engine_dask, "CONNECT_TIMEOUT", "2s")
    result = _run(inputs, tmp_path / "o.jsonl", "--scheduler", address)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert address in line and "Traceback" not in result.output
