"""A version's stored comparison as the commission reads it: reasons worded in the reader's
language when read (they are stored as structure)."""

from __future__ import annotations

from typing import Any

from models import RankingModel
from scoring.reasons import reason_from_values
from service.i18n.reasons import Reader, render_reason
from service.matches.schemas import ReasonOut
from service.ranking_models.schemas import (
    AccountMetricsOut,
    FlaggedAccountOut,
    InvestorOverlapOut,
    ModelComparisonOut,
    MovedPairOut,
    RankingModelVersionOut,
)


def _reasons(stored: list[dict[str, Any]], investor_name: str) -> list[ReasonOut]:
    reader = Reader(investor_name)
    reasons = []
    for entry in stored:
        reason = reason_from_values(entry["kind"], entry["outcome"], entry["values"])
        reasons.append(
            ReasonOut(
                kind=reason.kind,
                outcome=reason.outcome,
                text=render_reason(reason, reader),
                values=reason.values(),
            )
        )
    return reasons


def comparison_out(model: RankingModel, serving_version: str) -> ModelComparisonOut:
    metrics = model.metrics
    comparison = metrics.get("comparison") or {}
    clearing = comparison.get("clearing") or {}
    return ModelComparisonOut(
        model=RankingModelVersionOut.from_model(model),
        serving_version=serving_version,
        compared_with=comparison.get("serving_version", metrics.get("serving_version", "")),
        held_out_compared_with=metrics.get("serving_version", ""),
        held_out_auc=metrics.get("held_out_auc"),
        serving_held_out_auc=metrics.get("serving_held_out_auc"),
        better_on_held_out=bool(metrics.get("better_on_held_out", False)),
        accounts=[AccountMetricsOut(**entry) for entry in metrics.get("accounts", [])],
        flagged_accounts=[
            FlaggedAccountOut(**entry) for entry in metrics.get("flagged_accounts", [])
        ],
        sign_changes=list(metrics.get("sign_changes", [])),
        mean_top10_overlap=comparison.get("mean_top10_overlap"),
        investors=[InvestorOverlapOut(**entry) for entry in comparison.get("investors", [])],
        moved=[
            MovedPairOut(
                **{k: v for k, v in entry.items() if k != "reasons"},
                reasons=_reasons(entry["reasons"], entry["investor_name"]),
            )
            for entry in comparison.get("moved", [])
        ],
        clearing_score=clearing.get("score"),
        clearing_serving=clearing.get("serving"),
        clearing_candidate=clearing.get("candidate"),
    )
