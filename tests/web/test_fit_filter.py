"""The investor's "minimum fit" filter keeps exactly the matches whose card shows that figure
or more: a score of 0.799 reads 0.80 and stays under "at least 0.80"."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from service.web.pages.investor import _lowest_score_shown_as, _min_score


def _shown(score: float) -> Decimal:
    """The figure a card shows (the template's ``"%.2f"|format``)."""
    return Decimal(f"{score:.2f}")


@pytest.mark.parametrize("hundredths", range(101))
def test_a_score_passes_exactly_when_its_card_shows_the_minimum_or_more(hundredths: int) -> None:
    figure = Decimal(hundredths) / 100
    threshold = _lowest_score_shown_as(figure)
    # The scores either side of every rounding boundary near the figure, and the figure.
    boundary = float(figure) - 0.005
    near = {
        float(figure),
        boundary,
        math.nextafter(boundary, 0.0),
        math.nextafter(boundary, 1.0),
        math.nextafter(math.nextafter(boundary, 0.0), 0.0),
        float(figure) - 0.004,
        float(figure) - 0.006,
    }
    for score in (s for s in near if 0.0 <= s <= 1.0):
        assert (score >= threshold) is (_shown(score) >= figure), (figure, score)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("0.8", "0.80"),
        ("0.795", "0.80"),
        ("", "0.00"),
        ("abc", "0.00"),
        ("NaN", "0.00"),
        ("-1", "0.00"),
        ("7", "1.00"),
    ],
)
def test_the_minimum_is_read_to_the_two_places_shown(typed: str, read: str) -> None:
    assert str(_min_score(typed)) == read
