"""``matchmaker train``: a learned ranker from feedback and deal history."""

from __future__ import annotations

import json

import typer

from service.cli.common import built_index, command_line_principal, migrated_session
from service.core.settings import get_settings
from service.http.problems import ServiceError
from service.ranking_models import service as ranking_models
from service.ranking_models.schemas import DETAILED_METRICS


def train() -> None:
    """Train a candidate ranker on feedback and deals; the commission activates it (see its
    comparison in the web application or at /v1/ranking-models/{id}/comparison)."""
    try:
        with migrated_session() as session:
            model, activated = ranking_models.train(
                session=session,
                principal=command_line_principal(),
                index=built_index(session),
                settings=get_settings(),
            )
            comparison = model.metrics["comparison"]
            outcome = {
                "id": model.id,
                "version": model.version,
                "activated": activated,
                **{k: v for k, v in model.metrics.items() if k not in DETAILED_METRICS},
                "mean_top10_overlap": comparison["mean_top10_overlap"],
            }
    except ServiceError as error:
        typer.echo(f"not trained: {error.detail}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(json.dumps(outcome, indent=2))
