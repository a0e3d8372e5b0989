"""Code books survive pickling (a base shared between workers carries its scorer's), even while
another thread adds codes, and go on growing afterwards."""

from __future__ import annotations

import pickle
import threading

import numpy as np

from scoring.catalogue import CodeBook, ComboBook
from scoring.taxonomy import SectorTaxonomy

SECTORS = ("ai", "ai.models", "bio", "bio.drugs", "energy")


def test_a_pickled_book_has_every_code_with_its_row_and_grows_on() -> None:
    combos = ComboBook(SectorTaxonomy(SECTORS, broader_fit=0.6, sibling_fit=0.3), width=2)
    regions = CodeBook()
    for sectors in (("ai",), ("bio", "energy"), ("ai.models",)):
        combos.code(sectors)
    for region in ("pudong", "xuhui"):
        regions.code(region)
    again: ComboBook = pickle.loads(pickle.dumps(combos))  # noqa: S301 (our own bytes)
    regions_again: CodeBook = pickle.loads(pickle.dumps(regions))  # noqa: S301 (our own bytes)
    assert again.codes == combos.codes
    assert np.array_equal(again.table(), combos.table())
    assert regions_again.codes == {"pudong": 0, "xuhui": 1}
    assert again.code(("energy",)) == 3
    assert regions_again.code("lingang") == 2
    assert again.holding("energy").tolist() == [1, 3]


def test_pickling_while_codes_are_added_never_tears_the_book() -> None:
    combos = ComboBook(SectorTaxonomy(SECTORS, broader_fit=0.6, sibling_fit=0.3), width=2)
    pairs = [(a, b) for a in SECTORS for b in SECTORS if a < b] * 1  # 10 distinct sets
    sets = [(*pair, f"x{number}") for number in range(400) for pair in pairs[:5]]

    def add() -> None:
        for sectors in sets:
            combos.code(sectors)

    writer = threading.Thread(target=add)
    writer.start()
    copies = 0
    while writer.is_alive() or copies == 0:
        copy: ComboBook = pickle.loads(pickle.dumps(combos))  # noqa: S301 (our own bytes)
        # Every code has its row: the codes are exactly 0 .. len(rows) - 1.
        assert sorted(copy.codes.values()) == list(range(len(copy.rows)))
        copies += 1
    writer.join()
    assert len(combos.codes) == len(sets)
