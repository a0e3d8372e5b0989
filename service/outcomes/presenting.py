"""The commission's figures as a response."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.outcomes.figures import Figures, Tally
from service.outcomes.schemas import DoubleClaimOut, FigureOut, FiguresOut

TOTAL_KEY = "all"


def _figure(key: str, name: str, tally: Tally) -> FigureOut:
    return FigureOut(
        key=key,
        name=name,
        meetings=tally.meetings,
        met_and_signed=tally.met_and_signed,
        deals=tally.deals,
        signed=tally.signed,
        signing_rate=tally.signing_rate,
        signed_amount_cny=tally.signed_amount_cny,
        funds_in_place_cny=tally.funds_in_place_cny,
        funds_in_place_ratio=tally.funds_in_place_ratio,
        overdue_registration=tally.overdue_registration,
        overdue_production=tally.overdue_production,
        abandoned=tally.abandoned,
    )


def figures_out(figures: Figures) -> FiguresOut:
    return FiguresOut(
        by=figures.by.value,
        groups=[
            _figure(key, figures.names[key], tally)
            for key, tally in sorted(
                figures.groups.items(), key=lambda item: figures.names[item[0]]
            )
        ],
        total=_figure(TOTAL_KEY, translate("All"), figures.total),
        double_claims=[
            DoubleClaimOut(
                credit_code=claim.credit_code,
                outcome_ids=list(claim.outcome_ids),
                regions=list(claim.regions),
                event_ids=list(claim.event_ids),
            )
            for claim in figures.double_claims
        ],
    )
