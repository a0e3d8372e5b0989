"""The commission's outcome figures as a report keeps them: the total, a breakdown by event,
sector, region and investor origin, and the companies claimed twice (``service.outcomes.figures``
computes them; the report's event narrows them to its own meetings and deals)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event
from service.outcomes.figures import TOTAL_KEY, FiguresBy, Tally, figure_values, figures_by
from service.outcomes.service import today
from service.reports.document import (
    OutcomeBreakdown,
    OutcomeDoubleClaim,
    OutcomeFigure,
    OutcomeFigures,
)

# The order the readers show the breakdowns in.
DIMENSIONS = (FiguresBy.EVENT, FiguresBy.SECTOR, FiguresBy.REGION, FiguresBy.ORIGIN)


def _figure(key: str, name: str, tally: Tally, name_en: str | None = None) -> OutcomeFigure:
    return OutcomeFigure.model_validate(
        {"key": key, "name": name, "name_en": name_en, **figure_values(tally)}
    )


def outcome_figures(session: Session, event_id: str | None) -> OutcomeFigures:
    """The figures now, of ``event_id``'s meetings and deals (all when None). Names are
    stored in Chinese; readers name codes in their own language (``Wording.name``)."""
    every = figures_by(session, DIMENSIONS, "zh", event_id)
    first = every[DIMENSIONS[0]]
    event_keys = list(every[FiguresBy.EVENT].groups)
    english_names: dict[str, str] = {
        row.id: row.name_en
        for row in session.execute(
            select(Event.id, Event.name_en).where(Event.id.in_(event_keys), Event.name_en != "")
        )
    }
    return OutcomeFigures(
        as_of=today(),
        total=_figure(TOTAL_KEY, "", first.total),
        breakdowns=[
            OutcomeBreakdown(
                by=by.value,
                groups=[
                    _figure(
                        key,
                        figures.names[key],
                        tally,
                        english_names.get(key) if by is FiguresBy.EVENT else None,
                    )
                    for key, tally in sorted(
                        figures.groups.items(), key=lambda item: (figures.names[item[0]], item[0])
                    )
                ],
            )
            for by, figures in every.items()
        ],
        double_claims=[
            OutcomeDoubleClaim(
                credit_code=claim.credit_code,
                outcome_ids=list(claim.outcome_ids),
                regions=list(claim.regions),
                event_ids=list(claim.event_ids),
            )
            for claim in first.double_claims
        ],
    )
