# mypy: disallow-untyped-calls=False
# (Dask's client API is only partly annotated; fastparquet and pandas ship no type information.)
"""A match report's all-pairs tally on a Dask cluster (``matchmaker report --engine dask``).

The single-process report (``compute.compute_report``) scores every investor against every
in-scope request with ``tally.tally_pairs``. Here the scope's requests are cut into blocks of
consecutive rows (id order), and each block is one task on a worker: that same
``tally_pairs`` over the block's rows against every investor, whose result is written as
Parquet files in a work directory that the driver and the workers share:

- ``requests.parquet``: per row, how many matching mandates and how many firms score at least
  min_score, and the best score of a matching investor;
- ``listed.parquet``: each listed request of the block's best ``top_k`` investors (every
  investor is in every block, so these are final);
- ``investors.parquet``: each investor's best ``top_k`` rows of the block;
- ``fits.parquet``: the (investor, sector) and (investor, stage) pairs with a match.

The driver reads them back and merges them into the ``PairTally`` that one process would
have built: counts and best scores are per row (concatenated), an investor's best ``top_k``
are the best of its blocks' (ties by row, that is by id, as in one process), fits are or-ed.
The report document is then assembled by ``compute_report`` itself, so it is the same.

What every block needs is sent to each worker once (scattered), never with a task: the
scorer's fitted state without its catalogue, the serving ranker, and every investor's
features and deal history. A block's own rows are sent straight to the worker that scores
them, a few blocks ahead of the tasks running, so the driver never holds every block at once.

Dask and fastparquet are imported by this module only: nothing else needs them installed.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask
import fastparquet  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]
from distributed import Client, Future, LocalCluster, as_completed

from scoring import InvestorFeatures, MatchScorer
from scoring.catalogue import Segment, merge_segments
from scoring.history import InvestorHistory
from scoring.text_index import TextRows
from service.ranking.index import MatchIndex
from service.ranking.serving import ServingRanker
from service.reports import compute
from service.reports.tally import IntArray, PairTally, tally_pairs

BLOCK_ROWS = 100_000
"""Requests per task. Scoring one mandate against a block costs a fixed ~0.3 ms (slicing the
thesis's text columns, the per-call tables) plus ~25 ns a row, so at 100,000 rows the fixed
part is about a tenth (at 10,000 rows it doubled the work); a block's arrays stay in the tens
of megabytes, and a catalogue of 1,000,000 requests still makes ten tasks to share out."""
TASKS_PER_THREAD = 2
"""Tasks in flight per worker thread: the next block is on its way while one is scored, and
the driver never holds every block at once."""
STARTUP_TIMEOUT_SECONDS = 120
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1}
"""What a local cluster's worker processes start with: Dask's own defaults (one BLAS thread
per worker thread) without its MALLOC_TRIM_THRESHOLD_=65536, under which every temporary
array of a block's scoring is mapped and unmapped again: measured on 2,000 investors x
100,000 requests, 25 s of worker CPU time (13 s of it in the kernel) instead of 7.3 s."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Shared:
    """What every block is scored with: sent to each worker once."""

    scorer: MatchScorer
    serving: ServingRanker
    features: Sequence[InvestorFeatures]
    histories: Sequence[InvestorHistory | None]
    top_k: int
    min_score: float
    foreign: Sequence[bool] = ()
    """Which investors are foreign (the negative lists' ``tally_pairs`` argument)."""
    firms: Sequence[int] = ()
    """Each investor's firm (``tally_pairs``'s argument)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Block:
    """One task's rows: ``segment`` holds rows ``start`` to ``start + len(segment)`` of the
    scope; ``listed_rows`` are its listed requests (rows within the block) and
    ``listed_positions`` their places in the report's listed order."""

    number: int
    start: int
    segment: Segment
    sector_membership: npt.NDArray[np.float32]
    stage_membership: npt.NDArray[np.float32]
    listed_rows: IntArray
    listed_positions: IntArray
    closed: npt.NDArray[np.bool_] | None = None
    """The block's rows closed to foreign investors (None: none)."""
    passed: Mapping[int, npt.NDArray[np.bool_]] | None = None
    """By investor position, the block's rows that investor passed on."""


def _tally_block(shared: _Shared, block: _Block, directory: str) -> str:
    """Run on a worker: the report's own tally over one block, written as Parquet."""
    tally = tally_pairs(
        # A fresh index only for its ranking slots: the scorer and the rows come with the task.
        index=MatchIndex(lambda: shared.scorer),
        scorer=shared.scorer,
        serving=shared.serving,
        segment=block.segment,
        features=shared.features,
        histories=shared.histories,
        sector_membership=block.sector_membership,
        stage_membership=block.stage_membership,
        listed_rows=block.listed_rows,
        top_k=shared.top_k,
        min_score=shared.min_score,
        closed=block.closed,
        foreign=shared.foreign,
        passed=block.passed,
        firms=shared.firms,
    )
    out = Path(directory) / f"block-{block.number:06d}"
    out.mkdir(parents=True, exist_ok=True)
    _write(
        out / "requests.parquet",
        {
            "above": tally.above,
            "firms_above": tally.firms_above,
            "best": tally.best,
            "blocked": tally.blocked_by_request,
        },
    )
    top_k = tally.listed_scores.shape[1]
    _write(
        out / "listed.parquet",
        {
            "position": np.repeat(block.listed_positions.astype(np.int64), top_k),
            "investor": tally.listed_investors.ravel(),
            "score": tally.listed_scores.ravel(),
            "text": tally.listed_text.ravel(),
        },
    )
    counts = np.array([rows.size for rows, _, _ in tally.investor_top], dtype=np.int64)
    tops = tally.investor_top
    _write(
        out / "investors.parquet",
        {
            "investor": np.repeat(np.arange(counts.size, dtype=np.int64), counts),
            "row": _joined([rows for rows, _, _ in tops], np.int64) + block.start,
            "score": _joined([scores for _, scores, _ in tops], np.float64),
            "text": _joined([text for _, _, text in tops], np.float64),
        },
    )
    sector_investors, sector_columns = np.nonzero(tally.fits_sector)
    stage_investors, stage_columns = np.nonzero(tally.fits_stage)
    _write(
        out / "fits.parquet",
        {
            "kind": np.concatenate(
                [
                    np.zeros(sector_investors.size, dtype=np.int8),
                    np.ones(stage_investors.size, dtype=np.int8),
                ]
            ),
            "investor": np.concatenate([sector_investors, stage_investors]).astype(np.int64),
            "column": np.concatenate([sector_columns, stage_columns]).astype(np.int64),
        },
    )
    return str(out)


def _joined(
    parts: Sequence[npt.NDArray[np.generic]], dtype: type[np.generic]
) -> npt.NDArray[np.generic]:
    return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)


def _write(path: Path, columns: dict[str, npt.NDArray[Any]]) -> None:
    fastparquet.write(str(path), pd.DataFrame(columns), compression="SNAPPY")


def _read(paths: Sequence[str], name: str) -> dict[str, npt.NDArray[Any]]:
    """The ``name`` table of every block, in block order, each column as one array."""
    frames = []
    for path in paths:
        # Opened here: fastparquet leaves a file it opened itself to the garbage collector.
        with (Path(path) / name).open("rb") as handle:
            frames.append(fastparquet.ParquetFile(handle).to_pandas())
    return {
        column: np.concatenate([frame[column].to_numpy() for frame in frames])
        for column in frames[0].columns
    }


def _without_catalogue(scorer: MatchScorer, empty: Segment) -> MatchScorer:
    """The fitted scorer as a block needs it: everything but the catalogue's rows (which
    can be the whole published catalogue; blocks bring their own)."""
    light = copy.copy(scorer)
    light.catalogue_ = empty
    return light


class DaskEngine:
    """Tallies a report's pairs on the Dask cluster behind ``client``, through Parquet files
    under ``work_dir`` (a directory every worker and the driver see). A tally that takes
    longer than ``timeout`` seconds (None: no limit) raises ``TimeoutError``."""

    def __init__(
        self,
        client: Client,
        work_dir: Path,
        *,
        block_rows: int = BLOCK_ROWS,
        timeout: float | None = None,
    ) -> None:
        if block_rows < 1:
            raise ValueError("block_rows must be at least 1")
        self.client = client
        self.work_dir = work_dir
        self.block_rows = block_rows
        self.timeout = timeout

    def tally(
        self,
        *,
        index: MatchIndex,
        scorer: MatchScorer,
        serving: ServingRanker,
        segment: Segment,
        features: Sequence[InvestorFeatures],
        histories: Sequence[InvestorHistory | None],
        sector_membership: npt.NDArray[np.float32],
        stage_membership: npt.NDArray[np.float32],
        listed_rows: IntArray,
        top_k: int,
        min_score: float,
        closed: npt.NDArray[np.bool_] | None = None,
        foreign: Sequence[bool] = (),
        passed: Mapping[int, npt.NDArray[np.bool_]] | None = None,
        firms: Sequence[int] = (),
    ) -> PairTally:
        """``tally_pairs``'s result, computed a block of requests per task (``index`` is the
        driver's; the workers need only its scorer, which comes as an argument)."""
        count = len(segment)
        if count == 0:
            return tally_pairs(
                index=index,
                scorer=scorer,
                serving=serving,
                segment=segment,
                features=features,
                histories=histories,
                sector_membership=sector_membership,
                stage_membership=stage_membership,
                listed_rows=listed_rows,
                top_k=top_k,
                min_score=min_score,
                closed=closed,
                foreign=foreign,
                passed=passed,
                firms=firms,
            )
        by_row = segment.inverted_text.by_row()
        shared = _Shared(
            scorer=_without_catalogue(scorer, _rows_of(segment, by_row, 0, 0)),
            serving=serving,
            features=list(features),
            histories=list(histories),
            top_k=top_k,
            min_score=min_score,
            foreign=list(foreign),
            firms=list(firms),
        )
        # One object, so one future: scattering a list would scatter each element.
        shared_future = self.client.scatter(shared, broadcast=True, hash=False)
        run = tempfile.mkdtemp(prefix="report-", dir=self.work_dir)
        try:
            paths = self._run(
                shared_future,
                _blocks(
                    segment,
                    by_row,
                    sector_membership,
                    stage_membership,
                    listed_rows,
                    self.block_rows,
                    closed,
                    passed,
                ),
                run,
            )
            return _merged(
                [paths[number] for number in sorted(paths)],
                count=count,
                investors=len(features),
                listed=listed_rows.size,
                sectors=sector_membership.shape[1],
                stages=stage_membership.shape[1],
                top_k=top_k,
            )
        finally:
            self.client.cancel([shared_future])
            shutil.rmtree(run, ignore_errors=True)

    def _run(self, shared: object, blocks: Iterator[_Block], directory: str) -> dict[int, str]:
        """Every block's task, a bounded number in flight; each block's Parquet directory.

        A block's rows (tens of megabytes) go straight to a worker (scattered) and its task
        runs there, rather than travelling inside the task through the scheduler."""
        threads = sum(self.client.nthreads().values()) or 1
        numbers: dict[Future[str], int] = {}
        rows: dict[Future[str], object] = {}
        running = as_completed(timeout=self.timeout)

        def submit(block: _Block) -> None:
            scattered = self.client.scatter(block, hash=False)
            future = self.client.submit(_tally_block, shared, scattered, directory, pure=False)
            numbers[future], rows[future] = block.number, scattered
            running.add(future)

        for block in itertools.islice(blocks, TASKS_PER_THREAD * threads):
            submit(block)
        paths: dict[int, str] = {}
        for done in running:
            paths[numbers[done]] = done.result()
            del rows[done]  # the worker may drop the block's rows now
            following = next(blocks, None)
            if following is not None:
                submit(following)
        return paths


def _blocks(
    segment: Segment,
    by_row: TextRows,
    sector_membership: npt.NDArray[np.float32],
    stage_membership: npt.NDArray[np.float32],
    listed_rows: IntArray,
    block_rows: int,
    closed: npt.NDArray[np.bool_] | None = None,
    passed: Mapping[int, npt.NDArray[np.bool_]] | None = None,
) -> Iterator[_Block]:
    """The scope's rows, ``block_rows`` at a time, each made when its task is submitted."""
    for number, start in enumerate(range(0, len(segment), block_rows)):
        stop = min(start + block_rows, len(segment))
        inside = (listed_rows >= start) & (listed_rows < stop)
        yield _Block(
            number=number,
            start=start,
            segment=_rows_of(segment, by_row, start, stop),
            sector_membership=sector_membership[start:stop],
            stage_membership=stage_membership[start:stop],
            listed_rows=listed_rows[inside] - start,
            listed_positions=np.flatnonzero(inside),
            closed=None if closed is None else closed[start:stop],
            passed=None
            if passed is None
            else {investor: rows[start:stop] for investor, rows in passed.items()},
        )


def _rows_of(segment: Segment, by_row: TextRows, start: int, stop: int) -> Segment:
    """Rows ``start`` to ``stop`` of ``segment`` as a segment of their own (its text taken
    from ``by_row``, the same text by row in the same layout, read through
    ``text_positions``, so no block reads the whole column matrix)."""
    keep = np.zeros(len(segment), dtype=np.bool_)
    keep[start:stop] = True
    return merge_segments([(dataclasses.replace(segment, text=by_row), keep)])


def _merged(
    paths: Sequence[str],
    *,
    count: int,
    investors: int,
    listed: int,
    sectors: int,
    stages: int,
    top_k: int,
) -> PairTally:
    """The blocks' Parquet files merged into the tally one process computes."""
    requests = _read(paths, "requests.parquet")
    above = requests["above"].astype(np.int32)
    best = requests["best"].astype(np.float64)
    if above.size != count:
        raise RuntimeError(f"the blocks hold {above.size} rows, the scope {count}")

    tally = PairTally(
        above=above,
        best=best,
        fits_sector=np.zeros((investors, sectors), dtype=np.bool_),
        fits_stage=np.zeros((investors, stages), dtype=np.bool_),
        listed_scores=np.full((listed, top_k), -np.inf),
        listed_investors=np.full((listed, top_k), investors, dtype=np.int64),
        listed_text=np.zeros((listed, top_k)),
        blocked_by_request=requests["blocked"].astype(np.int32),
        firms_above=requests["firms_above"].astype(np.int32),
    )
    fits = _read(paths, "fits.parquet")
    kind, investor, column = fits["kind"], fits["investor"], fits["column"]
    tally.fits_sector[investor[kind == 0], column[kind == 0]] = True
    tally.fits_stage[investor[kind == 1], column[kind == 1]] = True

    ranked = _read(paths, "listed.parquet")
    positions = ranked["position"].reshape(-1, top_k)[:, 0]
    tally.listed_scores[positions] = ranked["score"].reshape(-1, top_k)
    tally.listed_investors[positions] = ranked["investor"].reshape(-1, top_k)
    tally.listed_text[positions] = ranked["text"].reshape(-1, top_k)

    tops = _read(paths, "investors.parquet")
    investor = tops["investor"].astype(np.int64)
    row = tops["row"].astype(np.intp)
    score = tops["score"].astype(np.float64)
    text = tops["text"].astype(np.float64)
    # By investor, then best first, ties by row (the id order), as _top_rows orders them.
    order = np.lexsort((row, -score, investor))
    investor, row, score, text = investor[order], row[order], score[order], text[order]
    first = np.searchsorted(investor, np.arange(investors + 1))
    kept = (np.arange(investor.size) - first[investor]) < top_k
    investor, row, score, text = investor[kept], row[kept], score[kept], text[kept]
    bounds = np.searchsorted(investor, np.arange(investors + 1))
    tally.investor_top = [
        (row[low:high], score[low:high], text[low:high])
        for low, high in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ]
    return tally


_REPORT_TALLY = threading.Lock()
_SEAM = "tally_pairs"  # the name compute_report calls the tally by


@contextmanager
def tallied_on(engine: DaskEngine) -> Iterator[None]:
    """Within the block, every report computed (``compute_report``, so also the service's
    ``create``) tallies its pairs on ``engine``. For a command that computes one report:
    the swap is process-wide, and a lock keeps a second one from overlapping."""
    with _REPORT_TALLY:
        local = getattr(compute, _SEAM)
        setattr(compute, _SEAM, engine.tally)
        try:
            yield
        finally:
            setattr(compute, _SEAM, local)


@contextmanager
def dask_engine(
    *,
    scheduler: str | None = None,
    workers: int = 2,
    threads_per_worker: int = 1,
    work_dir: Path | None = None,
    block_rows: int = BLOCK_ROWS,
    timeout: float | None = None,
    memory_limit: str | None = "auto",
) -> Iterator[DaskEngine]:
    """An engine on the cluster at ``scheduler``, or on a local cluster of ``workers``
    processes listening on 127.0.0.1 only (no dashboard), closed on leaving. Partial results
    go to ``work_dir`` (for a remote cluster, a directory shared with every worker), else to
    a temporary directory removed on leaving."""
    cluster: LocalCluster | None = None
    scratch: str | None = None
    try:
        if scheduler is None:
            with dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENVIRONMENT}):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    host="127.0.0.1",
                    # The scheduler's HTTP server listens even without a dashboard, on 8787
                    # unless told otherwise, and warns when that port is taken (another
                    # cluster, a benchmark): a free port on loopback instead, never a clash.
                    dashboard_address="127.0.0.1:0",
                    memory_limit=memory_limit,
                )
            client = Client(cluster, timeout=STARTUP_TIMEOUT_SECONDS)
        else:
            client = Client(scheduler, timeout=STARTUP_TIMEOUT_SECONDS)
        if work_dir is None:
            scratch = tempfile.mkdtemp(prefix="matchmaker-report-")
            work_dir = Path(scratch)
        work_dir.mkdir(parents=True, exist_ok=True)
        try:
            yield DaskEngine(client, work_dir, block_rows=block_rows, timeout=timeout)
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
