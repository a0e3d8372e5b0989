"""A thesis's text similarity with every request of a segment, read from the inverted index."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

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
    thesis: sp.csr_matrix, texts: sp.csc_matrix, *, block_rows: int = TEXT_BLOCK_ROWS
) -> npt.NDArray[np.float32]:
    """The thesis's similarity with every text (float32; ``scoring.formula.text_similarity``
    is its float64 copy): the floats of the sparse product ``texts[:, thesis.indices] @
    weights``, the same float32 products summed in the same order (each row adds its term of
    the thesis's first column, then of its second, ...).

    Each of the thesis's columns is added straight from the inverted index into one array,
    where the sparse product first copies the columns out (about half its time). Rows are
    taken ``block_rows`` at a time, every column adding into the block before the next one
    starts: a column's postings are sorted by row, so a block's are one run of each column,
    and a row still adds its terms in the thesis's column order (``TEXT_BLOCK_ROWS``: up to
    millions of rows are one block). scipy's column kernel is not public:
    without it (another scipy), the product itself.
    """
    weights = thesis.data.astype(np.float32)
    count = texts.shape[0]
    indptr, indices, data = texts.indptr, texts.indices, texts.data
    if _csc_matvec is None or data.dtype != np.float32 or indices.dtype != indptr.dtype:
        return sparse_product_similarity(thesis, texts)
    # Not zeroed here: each block is zeroed just before its columns add into it, while it
    # is in cache, instead of a pass over the whole array writing it out to memory first.
    similarity = np.empty(count, dtype=np.float32)
    # A block is one run of a column only where its rows are sorted (scipy's conversions
    # sort them; the check is cached on the matrix after its first pass).
    blocked = count > block_rows and texts.has_sorted_indices
    edges = np.arange(block_rows, count if blocked else 0, block_rows, dtype=indices.dtype)
    bounds = [0, *edges.tolist(), count]
    columns = []
    for number, (start, stop) in enumerate(
        zip(indptr[thesis.indices].tolist(), indptr[thesis.indices + 1].tolist(), strict=True)
    ):
        if stop > start:
            rows = indices[start:stop]
            cuts = [0, *np.searchsorted(rows, edges).tolist(), stop - start]
            columns.append((rows, data[start:stop], weights[number : number + 1], cuts))
    span = np.zeros(2, dtype=indptr.dtype)
    for block in range(edges.shape[0] + 1):
        similarity[bounds[block] : bounds[block + 1]] = 0.0
        for rows, values, weight, cuts in columns:
            low, high = cuts[block], cuts[block + 1]
            if high > low:
                span[1] = high - low
                _csc_matvec(count, 1, span, rows[low:high], values[low:high], weight, similarity)
    return similarity


def sparse_product_similarity(
    thesis: sp.csr_matrix, texts: sp.csc_matrix
) -> npt.NDArray[np.float32]:
    """The same similarity as scipy's sparse product computes it (the thesis's columns
    copied out, then multiplied): the fallback above, and what the benchmark times the
    column kernel against."""
    product = texts[:, thesis.indices] @ thesis.data.astype(np.float32)
    return np.asarray(product, dtype=np.float32).ravel()
