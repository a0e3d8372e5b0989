"""``matchmaker evaluate`` and ``matchmaker infer-profile``: offline quality and mandate proposals.

Register with ``app.add_typer(cli_evaluation.app)`` (the commands join the top level) or
``cli_evaluation.register(app)``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from scoring.evaluation import (
    DealTable,
    Direction,
    EvaluationSettings,
    infer_mandate,
    read_deals,
)
from scoring.evaluation.evaluate import evaluate as run_evaluation
from scoring.evaluation.features import LEARNED_FEATURES
from scoring.evaluation.history import DealHistory
from scoring.evaluation.profiles import InferenceSettings
from scoring.evaluation.report import README_BASELINE_NAMES, Task

app = typer.Typer(help="Offline ranking quality and mandate inference from deal histories.")

DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        exists=True,
        dir_okay=False,
        readable=True,
        help="investor_rounds.csv of the Crunchbase 2013 data set",
    ),
]
DateFormats = ["%Y-%m-%d"]


@app.command("evaluate")
def evaluate(
    data: DataOption,
    split_date: Annotated[
        dt.datetime,
        typer.Option(formats=DateFormats, help="First test day; scorers see only deals before it"),
    ],
    direction: Annotated[
        Direction, typer.Option(help="project: rank investors per round; investor: the reverse")
    ],
    test_until: Annotated[
        dt.datetime | None,
        typer.Option(formats=DateFormats, help="Last test day, inclusive (default: end of data)"),
    ] = None,
    task: Annotated[
        Task,
        typer.Option(
            help="all: every deal; new: discovery, an investor that backed the company before "
            "the split is neither a candidate nor relevant for its rounds"
        ),
    ] = Task.ALL,
    k: Annotated[int, typer.Option("--k", min=1, help="Cut-off of Recall@k and NDCG@k")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    drop_feature: Annotated[
        list[str] | None,
        typer.Option(help="Leave this feature out of the learned ranker (repeatable; ablation)"),
    ] = None,
) -> None:
    """Rank held-out deals with every scorer and print Recall@k, NDCG@k and MRR."""
    dropped = set(drop_feature or [])
    unknown = dropped - set(LEARNED_FEATURES)
    if unknown:
        raise typer.BadParameter(
            f"unknown {sorted(unknown)}; features: {', '.join(LEARNED_FEATURES)}",
            param_hint="--drop-feature",
        )
    table = DealTable.from_deals(read_deals(data))
    report = run_evaluation(
        table,
        split=split_date.date(),
        direction=direction,
        test_until=test_until.date() if test_until else None,
        task=task,
        settings=EvaluationSettings(
            k=k, features=tuple(f for f in LEARNED_FEATURES if f not in dropped)
        ),
    )
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
        return
    typer.echo(
        f"task {report.task.value}, direction {report.direction.value}, split {report.split}, "
        f"test to {report.test_until}: {report.n_queries} queries x {report.n_candidates} "
        f"candidates, {report.mean_relevant:.2f} relevant per query; {report.seconds:.1f} s"
    )
    typer.echo(report.to_markdown())
    strongest = report.strongest()
    if strongest:
        typer.echo(
            "learned vs the strongest baseline (per metric): "
            + ", ".join(
                f"{metric} {lift:+.1%} over {name}" for metric, (name, lift) in strongest.items()
            )
        )
    readme = report.lift_over(README_BASELINE_NAMES)
    if readme:
        typer.echo(
            "learned vs the best README baseline (random, popularity, category, mix): "
            + ", ".join(f"{metric} {lift:+.1%}" for metric, lift in readme.items())
        )
    typer.echo("Data: CrunchBase (crunchbase.com), October 2013")


@app.command("infer-profile")
def infer_profile(
    data: DataOption,
    investor: Annotated[str, typer.Option(help="Investor name, exactly as in the data")],
    before: Annotated[
        dt.datetime | None,
        typer.Option(formats=DateFormats, help="Use only deals before this day"),
    ] = None,
) -> None:
    """Propose a mandate (sectors, stages, ticket range in USD) from an investor's deals."""
    table = DealTable.from_deals(read_deals(data))
    cutoff = before.date() if before else None
    deals = [d for d in table.deals_of(investor) if cutoff is None or d.funded_at < cutoff]
    if not deals:
        typer.echo(f"no deals of {investor!r}{f' before {cutoff}' if cutoff else ''}", err=True)
        raise typer.Exit(code=1)
    # When none of its rounds has an amount: the usual range of all rounds then.
    settings = InferenceSettings()
    history = DealHistory.before(table, cutoff or dt.date.max)
    fallback = history.typical_ticket(settings.ticket_quantiles)
    mandate = infer_mandate(deals, fallback_ticket=fallback, settings=settings)
    typer.echo(json.dumps(mandate.to_json(), indent=2))


def register(parent: typer.Typer) -> None:
    """Add ``evaluate`` and ``infer-profile`` to another Typer application."""
    parent.command("evaluate")(evaluate)
    parent.command("infer-profile")(infer_profile)


if __name__ == "__main__":
    app()
