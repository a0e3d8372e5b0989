"""The web pages' bands of positions: each position counted in exactly one band, at its ends."""

from __future__ import annotations

from decimal import Decimal

from service.impressions.service import OnlineMetrics, PositionCounts


def test_each_position_falls_in_one_band_at_the_bands_ends() -> None:
    positions = (3, 4, 10, 11, 20, 21, 50)
    metrics = OnlineMetrics(
        model_version="default-v1",
        positions=tuple(
            PositionCounts(position=p, shown=p, interested=p // 2, meeting=p // 4, committed=p // 8)
            for p in positions
        ),
        first_shown_at=None,
        last_shown_at=None,
    )
    bands = {(b.first, b.last): b for b in metrics.bands()}
    assert list(bands) == [(1, 3), (4, 10), (11, 20), (21, None)]
    assert [bands[k].shown for k in bands] == [3, 4 + 10, 11 + 20, 21 + 50]
    assert [bands[k].interested for k in bands] == [1, 2 + 5, 5 + 10, 10 + 25]
    assert [bands[k].committed for k in bands] == [0, 0 + 1, 1 + 2, 2 + 6]
    assert sum(b.shown for b in bands.values()) == metrics.shown == sum(positions)
    assert bands[(1, 3)].interest_rate == Decimal("0.3333")
    assert (metrics.interested, metrics.shown, metrics.interest_rate) == (
        58,
        119,
        Decimal("0.4874"),  # 58 / 119 to four places
    )


def test_nothing_shown_has_no_rate() -> None:
    metrics = OnlineMetrics("default-v1", (), None, None)
    assert metrics.interest_rate is None
    assert all(b.shown == 0 and b.interest_rate is None for b in metrics.bands())
