"""Requests' text terms as held in memory: a term frequency per posting only where it is not 1.

A request's weighted term is ``tf * idf[term] * scale[row]``: the sublinear term frequency
(``1 + log count``), the catalogue's IDF, and the row's L2 normalisation. The IDF belongs to
the term and the scale to the row, so an inverted index needs a weight per posting only for
its term frequency, and that is exactly 1 for most postings (a 2- or 3-gram seen once in its
text: 88% of the kept terms of the demo's texts, 87.7% of the benchmark's). The index keeps
the row numbers of those postings alone, and a small ordinary sparse matrix for the others: at
1,000,000 requests 106 MiB of row numbers and 31 MiB for the other postings, against 243 MiB
with a float and a row number for every posting (``docs/performance.md``, "A lone worker's
memory").

The similarity of a thesis ``q`` with a row is ``scale[row] * sum_t tf[t, row] * (q[t] *
idf[t])``, summed in float32 in the thesis's term order; every path that computes it
(``scoring.similarity.text_similarity32`` for a segment, ``theses_similarity`` for many
mandates against one request) computes exactly these floats, so both directions agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Float32Array = npt.NDArray[np.float32]
Int32Array = npt.NDArray[np.int32]


def sublinear_tf(counts: npt.NDArray[np.floating]) -> Float32Array:
    """``1 + log count`` in float32: 1.0 exactly for a term seen once."""
    tf: Float32Array = (1.0 + np.log(counts, dtype=np.float32)).astype(np.float32, copy=False)
    return tf


@dataclass(frozen=True, slots=True)
class TextRows:
    """Texts by row: the term frequencies of each row's kept terms and its scale."""

    tf: sp.csr_matrix
    """Rows × hashed terms, float32 sublinear term frequencies."""
    scale: Float32Array
    """Each row's ``1 / ||tf * idf||`` (1 for a row without terms)."""
    idf: Float32Array
    """The IDF the scale was computed with (the scorer's, shared, not copied)."""

    def __len__(self) -> int:
        return int(self.tf.shape[0])

    def take(self, rows: npt.NDArray[np.integer] | None) -> TextRows:
        if rows is None:
            return self
        return TextRows(tf=self.tf[rows], scale=self.scale[rows], idf=self.idf)

    def weighted(self) -> sp.csr_matrix:
        """The weighted terms themselves (``tf * idf * scale``, float32), one row each."""
        tf = self.tf
        row_of = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
        data = (tf.data * self.idf[tf.indices]) * self.scale[row_of]
        return sp.csr_matrix(
            (data.astype(np.float32, copy=False), tf.indices.copy(), tf.indptr.copy()),
            shape=tf.shape,
        )

    @staticmethod
    def stack(parts: Sequence[TextRows]) -> TextRows:
        """The rows of every part, in order (parts share one IDF)."""
        return TextRows(
            tf=sp.vstack([p.tf for p in parts], format="csr", dtype=np.float32),
            scale=np.concatenate([p.scale for p in parts]).astype(np.float32, copy=False),
            idf=parts[-1].idf,
        )


def text_rows(counts: sp.csr_matrix, idf: Float32Array, max_terms: int) -> TextRows:
    """Each text's ``max_terms`` heaviest terms (by ``tf * idf``; ties: the lower term) from
    its hashed n-gram counts, with the scale that gives the kept terms unit length."""
    counts = sp.csr_matrix(counts, dtype=np.float32)
    if not counts.has_sorted_indices:
        counts = counts.sorted_indices()  # a copy: stored counts are read-only buffers
    lengths = np.diff(counts.indptr)
    row_of = np.repeat(np.arange(counts.shape[0]), lengths)
    tf = sublinear_tf(counts.data)
    weight = tf * idf[counts.indices]
    if lengths.size and lengths.max(initial=0) > max_terms:
        # Heaviest first within each row; lexsort is stable, so equal weights keep the
        # terms' own (ascending) order.
        order = np.lexsort((-weight, row_of))
        rank = np.arange(order.size) - np.repeat(counts.indptr[:-1], lengths)
        kept = np.sort(order[rank < max_terms])
    else:
        kept = np.arange(weight.size)
    kept_rows = row_of[kept]
    squares = np.bincount(
        kept_rows, weights=weight[kept].astype(np.float64) ** 2, minlength=counts.shape[0]
    )
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(kept_rows, minlength=counts.shape[0]), out=indptr[1:])
    return TextRows(
        tf=sp.csr_matrix((tf[kept], counts.indices[kept], indptr), shape=counts.shape),
        scale=(1.0 / norms).astype(np.float32),
        idf=idf,
    )


@dataclass(frozen=True, slots=True)
class TextIndex:
    """An inverted index of texts: for each hashed term, its postings' rows, sorted.

    Postings whose term frequency is 1 are row numbers alone (``unit_indptr`` /
    ``unit_rows``, by term); the others are an ordinary sparse matrix by column
    (``repeated``, data: the term frequency). A row appears at most once per term, in one
    of the two.
    """

    unit_indptr: Int32Array
    unit_rows: Int32Array
    repeated: sp.csc_matrix
    scale: Float32Array
    """Each row's scale (``TextRows.scale``), in the index's row order."""
    idf: Float32Array

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.scale.shape[0]), int(self.unit_indptr.shape[0] - 1))

    @property
    def nnz(self) -> int:
        return int(self.unit_rows.shape[0]) + int(self.repeated.nnz)

    def by_column(self) -> sp.csc_matrix:
        """Every posting's term frequency as one sparse matrix by column (a copy)."""
        unit = sp.csc_matrix(
            (np.ones(self.unit_rows.shape[0], dtype=np.float32), self.unit_rows, self.unit_indptr),
            shape=self.shape,
        )
        # No row is in both, so the sum adds nothing to any term frequency.
        tf = sp.csc_matrix(unit + self.repeated, dtype=np.float32)
        tf.sort_indices()
        return tf

    def by_row(self) -> TextRows:
        """The same texts by row, in the index's row order."""
        tf = sp.csr_matrix(self.by_column(), dtype=np.float32)
        tf.sort_indices()
        return TextRows(tf=tf, scale=self.scale, idf=self.idf)

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """Every array, by name (``of_arrays`` takes them back): for sharing by file."""
        return {
            "unit_indptr": self.unit_indptr,
            "unit_rows": self.unit_rows,
            "repeated_data": self.repeated.data,
            "repeated_indices": self.repeated.indices,
            "repeated_indptr": self.repeated.indptr,
            "scale": self.scale,
            "idf": self.idf,
        }

    @classmethod
    def of_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> TextIndex:
        scale = arrays["scale"]
        unit_indptr = arrays["unit_indptr"]
        repeated = sp.csc_matrix(
            (arrays["repeated_data"], arrays["repeated_indices"], arrays["repeated_indptr"]),
            shape=(scale.shape[0], unit_indptr.shape[0] - 1),
            copy=False,
        )
        # Written sorted (``text_index``): no reader checks it again.
        repeated.has_sorted_indices = True
        return cls(
            unit_indptr=unit_indptr,  # type: ignore[arg-type]
            unit_rows=arrays["unit_rows"],  # type: ignore[arg-type]
            repeated=repeated,
            scale=scale,  # type: ignore[arg-type]
            idf=arrays["idf"],  # type: ignore[arg-type]
        )


def text_index(rows: TextRows, positions: Int32Array) -> TextIndex:
    """``rows`` as an inverted index whose row ``positions[i]`` holds row ``i``'s terms."""
    # Renumbered in place of a reordered copy of the rows: half a copy less at the peak of a
    # build (at 1,000,000 requests the text is ~250 MB before it is split), for about a
    # second more of sorting each column's postings by their new rows.
    by_column = sp.csc_matrix(rows.tf, dtype=np.float32)
    by_column.indices = positions[by_column.indices].astype(np.int32, copy=False)
    by_column.has_sorted_indices = False
    by_column.sort_indices()
    unit = by_column.data == 1.0
    # Postings of term frequency 1 before each position: read at each column's start, the
    # unit postings' column pointers; the rest of each column is the repeated terms'.
    units_before = np.zeros(unit.shape[0] + 1, dtype=np.int32)
    np.cumsum(unit, out=units_before[1:])
    unit_indptr = units_before[by_column.indptr]
    del units_before
    repeated_indptr = (by_column.indptr - unit_indptr).astype(np.int32)
    unit_rows = by_column.indices[unit].astype(np.int32)
    other = ~unit
    del unit
    repeated = sp.csc_matrix(
        (
            by_column.data[other],
            by_column.indices[other].astype(np.int32),
            repeated_indptr,
        ),
        shape=by_column.shape,
    )
    repeated.has_sorted_indices = True
    scale = np.empty(rows.scale.shape[0], dtype=np.float32)
    scale[positions] = rows.scale
    return TextIndex(
        unit_indptr=unit_indptr,
        unit_rows=unit_rows,
        repeated=repeated,
        scale=scale,
        idf=rows.idf,
    )


def thesis_weights(thesis: sp.csr_matrix, idf: Float32Array) -> Float32Array:
    """``q[t] * idf[t]`` of each of the thesis's terms, in its term order (float32)."""
    weights: Float32Array = thesis.data.astype(np.float32) * idf[thesis.indices]
    return weights


def weigh_theses(theses: sp.csr_matrix, idf: Float32Array) -> sp.csr_matrix:
    """Each thesis's ``q[t] * idf[t]`` (``thesis_weights``), one row per thesis."""
    return sp.csr_matrix(
        (thesis_weights(theses, idf), theses.indices, theses.indptr), shape=theses.shape
    )


def theses_similarity(weighted_theses: sp.csr_matrix, request: TextRows) -> Float32Array:
    """Each thesis's similarity with the one text of ``request`` (``weighted_theses``: the
    theses weighed with the request's IDF, ``weigh_theses``): the floats
    ``text_similarity32`` computes for that pair (each thesis's terms in its order, each
    adding ``tf * (q * idf)`` in float32, then times the row's scale)."""
    tf = np.zeros(request.tf.shape[1], dtype=np.float32)
    tf[request.tf.indices] = request.tf.data
    similarity: Float32Array = (weighted_theses @ tf).astype(np.float32, copy=False)
    similarity *= request.scale[0]
    return similarity


def rows_similarity(thesis: sp.csr_matrix, rows: TextRows) -> Float32Array:
    """One thesis's similarity with each text of ``rows`` (a few requests kept by row): the
    floats ``theses_similarity`` computes for each pair. Each row's terms are matched to the
    thesis's by search instead of spread over a dense vector of every hashed term, so a row
    costs its own terms, not the vocabulary. The thesis's terms absent from the row add
    nothing: leaving them out (each would add an exact 0 to a non-negative sum) keeps the
    floats, and scipy's same kernel adds the rest in the thesis's term order."""
    similarity = np.zeros(len(rows), dtype=np.float32)
    if thesis.nnz == 0:
        return similarity
    weights = thesis_weights(thesis, rows.idf)
    tf = rows.tf
    for row in range(len(rows)):
        start, end = int(tf.indptr[row]), int(tf.indptr[row + 1])
        if start == end:
            continue
        order = np.argsort(tf.indices[start:end], kind="stable")
        terms = tf.indices[start:end][order]
        at = np.minimum(np.searchsorted(terms, thesis.indices), terms.size - 1)
        shared = np.flatnonzero(terms[at] == thesis.indices)
        if shared.size == 0:
            continue
        matched = sp.csr_matrix(
            (weights[shared], np.arange(shared.size, dtype=np.int32), [0, shared.size]),
            shape=(1, shared.size),
        )
        values = tf.data[start:end][order][at[shared]]
        similarity[row] = (matched @ values).astype(np.float32, copy=False)[0]
    similarity *= rows.scale
    return similarity
