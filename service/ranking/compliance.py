"""The foreign-investment negative lists in the ranking, as cheap arrays.

Each segment row's class (closed to foreign investors or not) follows from its sector set and
its region alone, so it is a lookup in a small (region x sector set) table, gathered once per
segment and kept with it (``Segment.derived``); a domestic mandate never looks. A foreign
mandate's masks lose the closed rows; a request closed to foreign investors loses the foreign
mandates. Restricted pairs still match: their reason is added where pairs are explained.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InvestorProfile
from scoring import InvestorRecord, MatchScorer, RequestRecord, Segment
from scoring.reasons import Reason
from service.reference_data.foreign_investment import (
    Compliance,
    ForeignInvestmentRules,
    current_rules,
)

BoolArray = npt.NDArray[np.bool_]
FOREIGN = "foreign"
_DERIVED_KEY = "foreign_investment_closed"


def is_foreign(origin: str) -> bool:
    return origin == FOREIGN


OPEN, RESTRICTED, PROHIBITED = 0, 1, 2
"""A request's class for foreign investors, as ``class_table`` holds it."""


def class_table(scorer: MatchScorer, rules: ForeignInvestmentRules) -> npt.NDArray[np.int8]:
    """(region code + 1) x sector set: OPEN, RESTRICTED or PROHIBITED for foreign investors
    under the list of the region (row 0: no region, read under the default list)."""
    combos = scorer.sector_combinations()
    regions = dict(scorer.regions_.codes)
    width = max(combos.values(), default=-1) + 1
    by_list: dict[str, npt.NDArray[np.int8]] = {}
    for list_id in {rules.default_list, *(rules.list_id_for(r) for r in regions)}:
        # Any region read under the list stands for it (the default list: no region).
        region = next((r for r in regions if rules.regions.get(r) == list_id), None)
        row = np.zeros(width, dtype=np.int8)
        for sectors, combo in combos.items():
            found = rules.classify(sectors, region)
            row[combo] = (
                PROHIBITED if found.is_prohibited else RESTRICTED if found.affected else OPEN
            )
        by_list[list_id] = row
    table = np.zeros((max(regions.values(), default=-1) + 2, width), dtype=np.int8)
    table[0] = by_list[rules.default_list]
    for region, code in regions.items():
        table[code + 1] = by_list[rules.list_id_for(region)]
    return table


_TableKey = tuple[ForeignInvestmentRules, int, int]
_TABLES: weakref.WeakKeyDictionary[MatchScorer, tuple[_TableKey, npt.NDArray[np.int8]]] = (
    weakref.WeakKeyDictionary()
)
_TABLES_LOCK = threading.Lock()


def current_table(scorer: MatchScorer) -> npt.NDArray[np.int8]:
    """``class_table`` for the rules in force, kept per scorer until the rules or its code
    books (sector sets, regions) change: a new delta segment reuses it."""
    rules = current_rules()
    key: _TableKey = (rules, len(scorer.combos_.codes), len(scorer.regions_.codes))
    with _TABLES_LOCK:
        kept = _TABLES.get(scorer)
    if kept is not None and kept[0][0] is rules and kept[0][1:] == key[1:]:
        return kept[1]
    table = class_table(scorer, rules)
    with _TABLES_LOCK:
        _TABLES[scorer] = (key, table)
    return table


def row_classes(scorer: MatchScorer, segment: Segment) -> npt.NDArray[np.int8]:
    """Each row's class (OPEN, RESTRICTED, PROHIBITED) under the rules in force."""
    return current_table(scorer)[segment.region_codes + 1, segment.sector_combo]


def closed_rows(scorer: MatchScorer, segment: Segment) -> BoolArray | None:
    """True for each row of ``segment`` closed to foreign investors; None when none is.
    Kept with the segment, per rules in force."""
    rules = current_rules()
    kept = segment.derived.get(_DERIVED_KEY)
    if isinstance(kept, tuple) and kept[0] is rules:
        found: BoolArray | None = kept[1]
        return found
    closed: BoolArray | None = None
    if len(segment):
        table = current_table(scorer) == PROHIBITED
        if table.any():
            rows = table[segment.region_codes + 1, segment.sector_combo]
            closed = rows if rows.any() else None
    segment.derived[_DERIVED_KEY] = (rules, closed)
    return closed


def open_to_foreign(
    scorer: MatchScorer, segments: Sequence[tuple[Segment, BoolArray]]
) -> list[tuple[Segment, BoolArray]]:
    """The masks of ``segments`` less the rows closed to foreign investors."""
    opened = []
    for segment, mask in segments:
        closed = closed_rows(scorer, segment)
        opened.append((segment, mask if closed is None else mask & ~closed))
    return opened


def request_compliance(request: RequestRecord) -> Compliance:
    """The request's class under the list of its region."""
    return current_rules().classify(request.sectors, request.region)


def foreign_profile_ids(session: Session) -> frozenset[str]:
    """The ids of every foreign investor profile (one indexed read)."""
    return frozenset(
        session.scalars(select(InvestorProfile.id).where(InvestorProfile.origin == FOREIGN))
    )


_last_mask: list[tuple[Sequence[InvestorRecord], BoolArray]] = []


def foreign_mask(session: Session, investors: Sequence[InvestorRecord]) -> BoolArray:
    """True for each of ``investors`` that is foreign. Kept for the last list asked about: a
    roster's records are one list while no mandate changes (a change of origin is a new
    revision, so a new roster)."""
    kept = _last_mask[-1] if _last_mask else None
    if kept is not None and kept[0] is investors:
        return kept[1]
    foreign = foreign_profile_ids(session)
    mask = np.fromiter(
        (investor.id in foreign for investor in investors), dtype=np.bool_, count=len(investors)
    )
    _last_mask[:] = [(investors, mask)]
    return mask


def compliance_reason(compliance: Compliance) -> Reason | None:
    """The reason a foreign investor reads about a request its list restricts or closes
    (None when the list says nothing of it)."""
    if not compliance.affected:
        return None
    items = compliance.prohibited or compliance.restricted
    return Reason(
        "foreign_investment",
        compliance.outcome,
        list_id=compliance.list_id,
        items=items,
    )
