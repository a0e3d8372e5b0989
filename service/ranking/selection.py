"""Which published requests a ranking or a report looks at, as masks over the index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring import Segment
from scoring.catalogue import merge_segments
from service.ranking.index import IndexState
from service.reference_data.catalog import get_reference_data


@dataclass(frozen=True, slots=True)
class RequestSelection:
    """Requests in any of ``sectors`` (a code matches its parents and children), at any of
    ``stages``, in ``region``, at ``event_id``, and not in ``excluded_ids``; empty: any."""

    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    region: str | None = None
    event_id: str | None = None
    excluded_ids: frozenset[str] = frozenset()


def selected_segments(
    state: IndexState, selection: RequestSelection
) -> list[tuple[Segment, npt.NDArray[np.bool_]]]:
    """The index's base and delta segments, each with the mask of its selected live rows."""
    scorer = state.scorer
    reference = get_reference_data()
    request_filter = scorer.request_filter(
        sectors=set().union(*(reference.related_sectors(code) for code in selection.sectors))
        if selection.sectors
        else None,
        stages=selection.stages or None,
        region=selection.region,
        event_id=selection.event_id,
        excluded_ids=selection.excluded_ids,
    )
    return [
        (state.base, state.base_alive & scorer.filter_mask(state.base, request_filter)),
        (state.delta, scorer.filter_mask(state.delta, request_filter)),
    ]


def selected_segment(state: IndexState, selection: RequestSelection) -> Segment:
    """The selected requests as one id-sorted segment."""
    return merge_segments(selected_segments(state, selection))
