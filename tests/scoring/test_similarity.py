"""The text similarity read column by column from the inverted index, in blocks of rows:
the floats of the sparse product, to the bit; the index without a weight per posting, and
both directions (an investor's, the commission's) computing the same floats."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

import scoring.similarity
from scoring.formula import text_similarity
from scoring.text_index import (
    TextIndex,
    TextRows,
    rows_similarity,
    text_index,
    theses_similarity,
    weigh_theses,
)
from tests.scoring.test_pruning import WORDS, columns, fitted, random_mandate, random_request


def sparse_product(thesis: sp.csr_matrix, texts: TextIndex) -> npt.NDArray[np.float64]:
    """The reference: scipy's product of the thesis's columns of the term frequencies (every
    posting's, 1 included) and its weights times the IDF, times each row's scale, in float64."""
    by_column = texts.by_column()
    weights = thesis.data.astype(np.float32) * texts.idf[thesis.indices]
    product = np.asarray(by_column[:, thesis.indices] @ weights, dtype=np.float32).ravel()
    return (product * texts.scale).astype(np.float64)


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
        expected = sparse_product(thesis, scorer.catalogue_.inverted_text)
        found = scoring.similarity.text_similarity32(thesis, scorer.catalogue_.inverted_text)
        assert found.dtype == np.float32
        assert np.array_equal(found.astype(np.float64), expected)


@pytest.mark.parametrize("block_rows", [1, 97, 1_000, 1_999, 2_000])
def test_the_similarity_in_blocks_of_rows_is_the_formulas_to_the_bit(block_rows: int) -> None:
    """Taken a block of rows at a time (a block's postings cut from each column by binary
    search), every row still adds its terms in the thesis's column order: the same floats,
    whether the rows split into 2,000 blocks, a few uneven ones, or one."""
    rng = np.random.default_rng(17)
    scorer = fitted({}, [random_request(rng) for _ in range(2_000)])
    texts = scorer.catalogue_.inverted_text
    for number in range(30):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        expected = sparse_product(thesis, texts)
        found = scoring.similarity.text_similarity32(thesis, texts, block_rows=block_rows)
        assert np.array_equal(found.astype(np.float64), expected)


def test_the_formula_reads_the_same_similarity_for_chosen_rows() -> None:
    """``scoring.formula.text_similarity`` (what scoring every row reads) is the float64
    copy of the same floats, each at its request's row (the text is laid out by group),
    for every row or for the rows asked for."""
    rng = np.random.default_rng(23)
    scorer = fitted({}, [random_request(rng) for _ in range(1_000)])
    segment = scorer.catalogue_
    rows = np.array([999, 3, 500, 3], dtype=np.intp)
    by_id = text_index(segment.text_by_row(), np.arange(len(segment), dtype=np.int32))
    for number in range(10):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        every = text_similarity(thesis, segment, None)
        assert every.dtype == np.float64
        assert np.array_equal(every, sparse_product(thesis, by_id))
        assert np.array_equal(
            every, sparse_product(thesis, segment.inverted_text)[segment.text_positions]
        )
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
    by_layout = segment.inverted_text.by_row()
    for row in (0, 17, 999):
        mine = by_id.tf[row]
        theirs = by_layout.tf[int(segment.text_positions[row])]
        assert np.array_equal(mine.indices, theirs.indices)
        assert np.array_equal(mine.data, theirs.data)
        assert by_id.scale[row] == by_layout.scale[int(segment.text_positions[row])]


def test_the_index_keeps_no_weight_for_a_term_seen_once() -> None:
    """A posting whose term frequency is 1 is a row number alone; only the others carry a
    weight: every posting once, in one of the two, each column's rows sorted."""
    rng = np.random.default_rng(31)
    segment = fitted({}, [random_request(rng) for _ in range(1_000)]).catalogue_
    texts = segment.inverted_text
    by_row = segment.text_by_row()
    assert texts.nnz == by_row.tf.nnz
    assert int(np.count_nonzero(by_row.tf.data == 1.0)) == texts.unit_rows.size > 0
    assert texts.repeated.nnz > 0
    assert not np.any(texts.repeated.data == 1.0)
    for column in np.flatnonzero(np.diff(texts.unit_indptr))[:200].tolist():
        rows = texts.unit_rows[texts.unit_indptr[column] : texts.unit_indptr[column + 1]]
        assert np.all(np.diff(rows) > 0)
    # Row numbers (4 bytes a posting), a weight only for the repeated terms: under 5 bytes a
    # posting here, where a weight for every posting made it 8.
    held = sum(array.nbytes for name, array in texts.arrays().items() if name != "idf")
    assert held < 5 * texts.nnz + 4 * len(segment) + 8 * (texts.shape[1] + 1)


def test_the_weighted_terms_are_the_tf_idf_of_the_kept_terms() -> None:
    """``tf * idf * scale`` is what the text is: the sublinear TF-IDF (scikit-learn's
    transformer on the same counts) of each text's heaviest terms, re-normalised to unit
    length where terms were dropped."""
    rng = np.random.default_rng(37)
    requests = []
    for _ in range(300):
        sectors, stage, amount, currency, _, region = random_request(rng)
        text = " ".join(rng.choice(WORDS, size=int(rng.integers(0, 9))))
        requests.append((sectors, stage, amount, currency, text, region))
    scorer = fitted({}, requests)
    weighted = scorer.catalogue_.text_by_row().weighted()
    reference = normalize(
        scorer.text_.idf.transform(scorer.text_.counts([r[4] for r in requests]))
    ).tocsr()
    trimmed = 0
    for row in range(len(requests)):
        mine, theirs = weighted[row], reference[row]
        if theirs.nnz <= scorer.max_text_terms:
            assert np.array_equal(mine.indices, theirs.indices)
            assert np.allclose(mine.data, theirs.data, rtol=1e-6)
            continue
        trimmed += 1
        assert mine.nnz == scorer.max_text_terms
        heaviest = np.sort(theirs.data)[::-1]
        threshold = heaviest[scorer.max_text_terms - 1]
        kept = theirs[:, mine.indices].toarray().ravel()
        assert np.all(kept >= threshold * (1 - 1e-6))
        assert np.allclose(mine.data, kept / np.linalg.norm(kept), rtol=1e-6)
        assert np.isclose(np.linalg.norm(mine.data), 1.0, atol=1e-6)
    assert trimmed > 10


def test_the_commission_direction_computes_the_investor_directions_floats() -> None:
    """Many theses against one request (``theses_similarity``, the commission's direction)
    and one thesis against every request (``text_similarity32``, an investor's) give the
    same float for each pair, to the bit."""
    rng = np.random.default_rng(43)
    scorer = fitted({}, [random_request(rng) for _ in range(500)])
    segment = scorer.catalogue_
    theses = [scorer.investor_features(random_mandate(rng, n)).thesis for n in range(40)]
    stacked = sp.vstack(theses, format="csr")
    by_investor = np.vstack(
        [
            scoring.similarity.text_similarity32(thesis, segment.inverted_text)[
                segment.text_positions
            ]
            for thesis in theses
        ]
    )
    similar = 0
    for row in range(0, len(segment), 7):
        request = segment.text_by_row(np.array([row]))
        by_commission = theses_similarity(weigh_theses(stacked, request.idf), request)
        assert np.array_equal(by_commission, by_investor[:, row])
        similar += int(np.count_nonzero(by_commission))
    assert similar > 100


def test_a_few_requests_kept_by_row_give_the_inverted_index_floats() -> None:
    """A request the commission's direction keeps by row (``segment(..., text_by_row=True)``)
    is scored by ``rows_similarity``, matching each row's terms by search: the same floats
    as the inverted index of the same requests, for every thesis, and the formula reads
    them through either layout alike."""
    rng = np.random.default_rng(47)
    scorer = fitted({}, [random_request(rng) for _ in range(400)])
    requests = columns([random_request(rng) for _ in range(12)], "more")
    by_row = scorer.segment(requests, text_by_row=True)
    by_column = scorer.segment(requests)
    assert isinstance(by_row.text, TextRows)
    assert isinstance(by_column.text, TextIndex)
    similar = 0
    for number in range(40):
        thesis = scorer.investor_features(random_mandate(rng, number)).thesis
        expected = scoring.similarity.text_similarity32(thesis, by_column.inverted_text)[
            by_column.text_positions
        ]
        found = rows_similarity(thesis, by_row.text)
        assert found.dtype == np.float32
        assert np.array_equal(found, expected)
        assert np.array_equal(
            text_similarity(thesis, by_row, None), text_similarity(thesis, by_column, None)
        )
        similar += int(np.count_nonzero(found))
    assert similar > 50
