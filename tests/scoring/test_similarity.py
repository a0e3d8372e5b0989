"""The text similarity read column by column from the inverted index, in blocks of rows:
the floats of the sparse product, to the bit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp

import scoring.similarity
from scoring.formula import text_similarity
from tests.scoring.test_pruning import fitted, random_mandate, random_request


def sparse_product(thesis: sp.csr_matrix, texts: sp.csc_matrix) -> npt.NDArray[np.float64]:
    """The reference: scipy's product of the thesis's columns and its weights, in float64."""
    product = texts[:, thesis.indices] @ thesis.data.astype(np.float32)
    return np.asarray(product, dtype=np.float32).ravel().astype(np.float64)


@pytest.mark.parametrize("kernel", ["column kernel", "sparse product"])
def test_the_similarity_is_the_formulas_to_the_bit(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The similarity is read column by column from the inverted index (or, on a scipy
    without that kernel, with the sparse product): the very floats of the sparse product."""
    if kernel == "sparse product":
        monkeypatch.setattr(scoring.similarity, "_csc_matvec", None)
    rng = np.random.default_rng(13)
    scorer = fitted({}, [random_request(rng) for _ in range(2_000)])
    for number in range(30):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        expected = sparse_product(thesis, scorer.catalogue_.text)
        found = scoring.similarity.text_similarity32(thesis, scorer.catalogue_.text)
        assert found.dtype == np.float32
        assert np.array_equal(found.astype(np.float64), expected)


@pytest.mark.parametrize("block_rows", [1, 97, 1_000, 1_999, 2_000])
def test_the_similarity_in_blocks_of_rows_is_the_formulas_to_the_bit(block_rows: int) -> None:
    """Taken a block of rows at a time (a block's postings cut from each column by binary
    search), every row still adds its terms in the thesis's column order: the same floats,
    whether the rows split into 2,000 blocks, a few uneven ones, or one."""
    rng = np.random.default_rng(17)
    scorer = fitted({}, [random_request(rng) for _ in range(2_000)])
    texts = scorer.catalogue_.text
    assert texts.has_sorted_indices
    for number in range(30):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        expected = sparse_product(thesis, texts)
        found = scoring.similarity.text_similarity32(thesis, texts, block_rows=block_rows)
        assert np.array_equal(found.astype(np.float64), expected)


def test_a_text_index_with_unsorted_rows_is_summed_in_one_pass() -> None:
    """Blocks are cut by binary search in each column's rows, which needs them sorted; an
    index whose columns are not (a matrix built by hand) is summed whole, still exactly."""
    rng = np.random.default_rng(19)
    scorer = fitted({}, [random_request(rng) for _ in range(500)])
    texts = scorer.catalogue_.text.copy()
    for column in range(texts.shape[1]):  # reverse each column's postings
        start, stop = texts.indptr[column], texts.indptr[column + 1]
        texts.indices[start:stop] = texts.indices[start:stop][::-1].copy()
        texts.data[start:stop] = texts.data[start:stop][::-1].copy()
    texts.has_sorted_indices = False
    for number in range(10):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        expected = sparse_product(thesis, scorer.catalogue_.text)
        found = scoring.similarity.text_similarity32(thesis, texts, block_rows=7)
        assert np.array_equal(found.astype(np.float64), expected)


def test_the_formula_reads_the_same_similarity_for_chosen_rows() -> None:
    """``scoring.formula.text_similarity`` (what scoring every row reads) is the float64
    copy of the same floats, each at its request's row (the text is laid out by group),
    for every row or for the rows asked for."""
    rng = np.random.default_rng(23)
    scorer = fitted({}, [random_request(rng) for _ in range(1_000)])
    segment = scorer.catalogue_
    rows = np.array([999, 3, 500, 3], dtype=np.intp)
    by_id = sp.csc_matrix(segment.text_by_row())
    for number in range(10):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        every = text_similarity(thesis, segment, None)
        assert every.dtype == np.float64
        assert np.array_equal(every, sparse_product(thesis, by_id))
        assert np.array_equal(every, sparse_product(thesis, segment.text)[segment.text_positions])
        assert np.array_equal(text_similarity(thesis, segment, rows), every[rows])


def test_the_text_is_laid_out_by_group_and_maps_back_to_each_request() -> None:
    """Row ``text_positions[r]`` of the text holds request ``r``'s terms, and the text's
    rows run by (sector set, stage) pair, then amount: what the pruned count reads."""
    rng = np.random.default_rng(29)
    segment = fitted({}, [random_request(rng) for _ in range(1_000)]).catalogue_
    layout = np.argsort(segment.text_positions)
    laid_out = list(
        zip(
            segment.structure_key[layout].tolist(),
            segment.log_amount_cny[layout].tolist(),
            strict=True,
        )
    )
    assert laid_out == sorted(laid_out)
    assert len(set(segment.structure_key.tolist())) > 10
    assert sorted(segment.text_positions.tolist()) == list(range(len(segment)))
    by_id = segment.text_by_row()
    by_layout = segment.text.tocsr()
    for row in (0, 17, 999):
        mine = by_id[row]
        theirs = by_layout[int(segment.text_positions[row])]
        assert np.array_equal(mine.indices, theirs.indices)
        assert np.array_equal(mine.data, theirs.data)
