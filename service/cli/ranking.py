"""``matchmaker train``: a learned ranker from feedback and deal history."""

from __future__ import annotations

import json

import typer

from service.cli.common import built_index, command_line_principal, migrated_session
from service.http.problems import ServiceError
from service.ranking_models import service as ranking_models


def train() -> None:
    """Train a ranker on feedback; it serves only if it beats the serving one held out."""
    try:
        with migrated_session() as session:
            model, activated = ranking_models.train(
                session=session, principal=command_line_principal(), index=built_index(session)
            )
            outcome = {"version": model.version, "activated": activated, **model.metrics}
    except ServiceError as error:
        typer.echo(f"not trained: {error.detail}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(json.dumps(outcome, indent=2))
