"""A thesis's text similarity with every request of a segment, read from the inverted index."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from scoring.text_index import TextIndex, thesis_weights

try:  # scipy's own kernel of a CSC matrix times a vector, accumulating into the output
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - another scipy
    _csc_matvec = None

TEXT_BLOCK_ROWS = 1 << 21
"""Rows of the text similarity computed at a time: 8 MiB of float32, a quarter of this VM's
32 MiB L3 cache, so a catalogue of many millions of requests keeps the block it adds into in
cache while every column of the thesis adds into it. Smaller blocks (to stay in the 2 MiB L2)
measured faster on 2026-12-04, with the array from ``np.zeros``; with it from ``np.empty``,
each block zeroed just before use and the heap's pages kept for reuse
(``service.core.memory``), one pass is fastest at 1,000,000 rows, why not pinned down
(2026-12-05, the thesis's 32 columns, ~2.6 million postings, 30 mandates x 5: 2.25 ms in
one pass against 2.34 in blocks of 2^19 rows and 2.65 in blocks of 2^18, the text laid out
by group; 2.22 / 2.34 / 2.61 by id; the pruned ranking 4.44 / 4.50 / 4.83 ms)."""


def text_similarity32(
    thesis: sp.csr_matrix, texts: TextIndex, *, block_rows: int = TEXT_BLOCK_ROWS
) -> npt.NDArray[np.float32]:
    """The thesis's similarity with every text (float32; ``scoring.formula.text_similarity``
    is its float64 copy): for each row, ``tf * (q * idf)`` of each of the thesis's terms the
    row has, summed in float32 in the thesis's term order, times the row's scale
    (``scoring.text_index``: ``theses_similarity`` computes the same floats).

    Each of the thesis's columns is added straight from the inverted index into one array
    with scipy's column kernel (its postings of term frequency 1 against a shared array of
    ones, so the index holds no weight for them). Rows are taken ``block_rows`` at a time,
    every column adding into the block before the next one starts: a column's postings are
    sorted by row, so a block's are one run of each column, and a row still adds its terms in
    the thesis's column order (``TEXT_BLOCK_ROWS``: up to millions of rows are one block).
    One pass per column over the whole array instead would write every cache line of it
    once per column (a column of a common n-gram has a posting every few rows). scipy's
    column kernel is not public: without it (another scipy), the sparse product.
    """
    if _csc_matvec is None:
        return sparse_product_similarity(thesis, texts)
    weights = thesis_weights(thesis, texts.idf)
    count = texts.shape[0]
    # Not zeroed here: each block is zeroed just before its columns add into it, while it
    # is in cache, instead of a pass over the whole array writing it out to memory first.
    similarity = np.empty(count, dtype=np.float32)
    span = np.zeros(2, dtype=np.int32)
    if count <= block_rows:
        # One block (up to millions of rows): each run straight into the array, without
        # cutting it by block first (about 0.1 ms of Python per ranking at ~50 runs).
        similarity.fill(0.0)
        for rows, values, weight in _column_runs(texts, thesis.indices, weights):
            span[1] = rows.shape[0]
            _csc_matvec(count, 1, span, rows, values, weight, similarity)
        similarity *= texts.scale
        return similarity
    edges = np.arange(block_rows, count, block_rows, dtype=np.int32)
    bounds = [0, *edges.tolist(), count]
    runs = [
        (rows, values, weight, _cuts(rows, edges))
        for rows, values, weight in _column_runs(texts, thesis.indices, weights)
    ]
    for block in range(edges.shape[0] + 1):
        similarity[bounds[block] : bounds[block + 1]] = 0.0
        for rows, values, weight, cuts in runs:
            low, high = cuts[block], cuts[block + 1]
            if high > low:
                span[1] = high - low
                _csc_matvec(count, 1, span, rows[low:high], values[low:high], weight, similarity)
    similarity *= texts.scale
    return similarity


def _column_runs(
    texts: TextIndex, terms: npt.NDArray[np.int32], weights: npt.NDArray[np.float32]
) -> Iterator[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32], npt.NDArray[np.float32]]]:
    """Each term's postings as (rows, values, weight): those of term frequency 1 (against
    the shared ones), then the others, term after term in the thesis's order (the order
    every row adds its terms in)."""
    unit_indptr, unit_rows = texts.unit_indptr, texts.unit_rows
    repeated = texts.repeated
    for number, (unit_start, unit_stop, start, stop) in enumerate(
        zip(
            unit_indptr[terms].tolist(),
            unit_indptr[terms + 1].tolist(),
            repeated.indptr[terms].tolist(),
            repeated.indptr[terms + 1].tolist(),
            strict=True,
        )
    ):
        weight = weights[number : number + 1]
        if unit_stop > unit_start:
            yield unit_rows[unit_start:unit_stop], _ones(unit_stop - unit_start), weight
        if stop > start:
            yield repeated.indices[start:stop], repeated.data[start:stop], weight


def _cuts(rows: npt.NDArray[np.int32], edges: npt.NDArray[np.int32]) -> list[int]:
    if edges.size == 0:
        return [0, int(rows.shape[0])]
    return [0, *np.searchsorted(rows, edges).tolist(), int(rows.shape[0])]


_ONES = np.ones(0, dtype=np.float32)
_ONES_LOCK = threading.Lock()


def _ones(length: int) -> npt.NDArray[np.float32]:
    """A read-only array of ``length`` ones, from one buffer grown as needed (the weights of
    postings whose term frequency is 1)."""
    global _ONES
    ones = _ONES
    if ones.shape[0] < length:
        with _ONES_LOCK:
            ones = _ONES
            if ones.shape[0] < length:
                ones = np.ones(max(length, 2 * ones.shape[0]), dtype=np.float32)
                ones.flags.writeable = False
                _ONES = ones
    return ones[:length]


def sparse_product_similarity(
    thesis: sp.csr_matrix, texts: TextIndex, by_column: sp.csc_matrix | None = None
) -> npt.NDArray[np.float32]:
    """The same similarity as scipy's sparse product computes it (the thesis's columns
    copied out, then multiplied): the fallback above, and what the benchmark times the
    column kernel against. ``by_column``: ``texts.by_column()``, for a caller that asks
    often (the conversion costs far more than the product)."""
    if by_column is None:
        by_column = texts.by_column()
    product = by_column[:, thesis.indices] @ thesis_weights(thesis, texts.idf)
    similarity = np.asarray(product, dtype=np.float32).ravel()
    similarity *= texts.scale
    return similarity
