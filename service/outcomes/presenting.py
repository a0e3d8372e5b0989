"""The commission's figures as a response."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.outcomes.figures import TOTAL_KEY, Figures, Tally, figure_values
from service.outcomes.schemas import DoubleClaimOut, FigureOut, FiguresOut


def _figure(key: str, name: str, tally: Tally) -> FigureOut:
    return FigureOut.model_validate({"key": key, "name": name, **figure_values(tally)})


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
