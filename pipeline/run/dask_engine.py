"""The Dask engine: the same stages on a Dask cluster, for `claims run ... --engine dask`.

This process (the client) reads the inputs, skips the articles already done, and writes records and
errors exactly as the local engine does; the workers only annotate. Articles travel to the workers
in small batches (one task each, a few in flight per worker) and their records come back in input
order, so OUT is the same file, byte for byte, that `--engine local` writes.

Each worker process loads the spaCy pipeline once: a worker plugin builds it when the worker joins
(`LoadPipeline`), and every task takes it from a per-process cache (`worker_runner`). Workers must
run the same claims code, knowledge files and spaCy pipeline as the client; the records' pipeline
version says so, and a worker whose version differs stops the run (E024) rather than write records
that differ from a local run's.

Without a scheduler address a `LocalCluster` is started (one single-threaded worker process per
`--workers`) and shut down at the end. Run workers with one thread each (`dask worker ADDRESS
--nthreads 1 --nworkers N`): spaCy holds the GIL, so threads add no speed, only contention.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator

from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from ..config import RunConfig
from ..errors import ClaimsError, Errors
from .ingest import Article
from .runner import TASK_ARTICLES, TASKS_PER_WORKER, Runner, pipeline_version, run_in_order

# How long to wait for the scheduler to answer, and for a remote cluster's first worker.
CONNECT_TIMEOUT = "20s"
WORKER_WAIT_SECONDS = 60

_RUNNERS: dict[tuple, Runner] = {}
_LOCK = threading.Lock()
#: How many pipelines this process has loaded (the tests check each worker loads one, once).
LOADS = 0


def worker_runner(config: RunConfig) -> Runner:
    """The runner of this worker process, loaded on first use and kept for every later task.

    A worker annotates in its own process, one article stream at a time: the cluster, not the
    worker, spreads the work, so the runner it builds is a one-process local one.
    """
    global LOADS
    key = config.pipeline_key
    with _LOCK:
        runner = _RUNNERS.get(key)
        if runner is None:
            runner = _RUNNERS[key] = Runner(config.with_options(engine="local", scheduler=None, workers=1))
            LOADS += 1
    return runner


def worker_info(config: RunConfig) -> tuple[str, str]:
    """(spaCy model name, pipeline version) of this worker's runner."""
    runner = worker_runner(config)
    return runner.model_name, runner.version


def worker_loads() -> int:
    """How many pipelines this worker process has loaded (for `Client.run`)."""
    return LOADS


def annotate_batch(articles: list[Article], config: RunConfig, version: str) -> list:
    """The task: records (or `ClaimsError`s) of a batch of articles, in order."""
    runner = worker_runner(config)
    if runner.version != version:
        raise ClaimsError(
            Errors.E024.format(worker=runner.version, local=version), stage="dask", code="VersionMismatch"
        )
    return list(runner.annotate(articles))


class LoadPipeline(WorkerPlugin):
    """Loads the claims pipeline when a worker starts (or joins later), before any task."""

    idempotent = True

    def __init__(self, config: RunConfig):
        self.config = config
        self.name = "claims-pipeline-" + "-".join(str(v) for v in config.pipeline_key)

    def setup(self, worker) -> None:
        try:
            worker_runner(self.config)
        except ClaimsError:
            # Not here: Dask would log it with a traceback on the worker. `worker_info`, run
            # next, meets the same error and the client reports it in one line.
            pass


class DaskRunner:
    """Runs the claims stages on a Dask cluster; the same interface and output as `Runner`."""

    def __init__(self, config: RunConfig | None = None, quiet_logs: bool = True, **options):
        """`options` (RunConfig's fields) stand in for a config, for use from Python."""
        self.config = config = config or RunConfig.from_options(engine="dask", **options)
        scheduler, workers = config.scheduler, config.workers
        self.cluster = None
        # A worker's failure reaches the client as an exception; its log would only repeat it.
        level = logging.CRITICAL if quiet_logs else logging.INFO
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            else:
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=level,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as err:
            self.close()
            raise ClaimsError(
                Errors.E022.format(address=scheduler or "a local cluster", detail=err),
                path=scheduler or "",
                stage="dask",
                code=type(err).__name__,
            ) from err
        try:
            self._start_workers()
        except BaseException:
            self.close()
            raise

    def _start_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except TimeoutError as err:
            raise ClaimsError(
                Errors.E022.format(address=self.client.scheduler.address, detail="no worker joined"),
                stage="dask",
                code="NoWorkers",
            ) from err
        self.client.register_plugin(LoadPipeline(self.config))
        info = self.client.run(worker_info, self.config)
        self.model_name = next(iter(info.values()))[0]
        self.version = pipeline_version(self.model_name)
        for _model, version in info.values():
            if version != self.version:
                raise ClaimsError(
                    Errors.E024.format(worker=version, local=self.version),
                    stage="dask",
                    code="VersionMismatch",
                )

    def annotate(self, items: Iterable[Article | ClaimsError]) -> Iterator[dict | ClaimsError]:
        """One record per article, in input order; failures come back as `ClaimsError`s in their place."""

        def submit(batch: list[Article]):
            return self.client.submit(annotate_batch, batch, self.config, self.version, pure=False)

        def window() -> int:
            # Two tasks per worker thread, counted again as workers join or leave the cluster.
            return TASKS_PER_WORKER * max(1, sum(self.client.nthreads().values()))

        return run_in_order(items, submit, size=TASK_ARTICLES, window=window, stage="dask")

    def close(self) -> None:
        """Disconnect; shut down the cluster if this runner started it."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
