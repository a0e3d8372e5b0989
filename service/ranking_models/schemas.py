from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from models import ModelStatus, RankingModel
from service.http.fields import with_examples
from service.matches.schemas import REASON_EXAMPLE, ReasonOut

# One stored model version, as responses show it (both schemas' examples use it).
MODEL_VERSION_EXAMPLE: dict[str, Any] = {
    "id": "1d7e5c3a-9b2f-4a6e-8d1c-7f4b2e9a6c09",
    "version": 2,
    "status": "active",
    "metrics": {"held_out_pairs": 48, "auc": 0.81, "previous_auc": 0.74},
    "parameters": {
        "features": ["sector", "ticket", "stage"],
        "coefficients": [1.9, 1.1, 0.8],
        "intercept": -1.7,
    },
    "trained_by": "commission",
    "created_at": "2026-11-21T09:30:00Z",
    "activated_at": "2026-11-21T09:30:00Z",
}


DETAILED_METRICS = ("accounts", "comparison")
"""Kept with the model, shown by its comparison (``GET /v1/ranking-models/{id}/comparison``)."""


class RankingModelVersionOut(BaseModel):
    model_config = with_examples(MODEL_VERSION_EXAMPLE)

    id: str
    version: int
    status: ModelStatus
    metrics: dict[str, Any] = Field(
        description=(
            "Held-out figures against the model serving when it was trained (pairs, accounts, "
            "ROC AUC of both, flagged accounts, weights that changed sign); per-account figures "
            "and the ranking comparison are in its comparison"
        )
    )
    parameters: dict[str, Any] = Field(description="Feature names and learned coefficients")
    trained_by: str
    created_at: dt.datetime
    activated_at: dt.datetime | None

    @classmethod
    def from_model(cls, model: RankingModel) -> RankingModelVersionOut:
        return cls(
            id=model.id,
            version=model.version,
            status=model.status,
            metrics={k: v for k, v in model.metrics.items() if k not in DETAILED_METRICS},
            parameters=model.parameters,
            trained_by=model.trained_by,
            created_at=model.created_at,
            activated_at=model.activated_at,
        )


class TrainingOutcome(BaseModel):
    model_config = with_examples(
        {
            "model": MODEL_VERSION_EXAMPLE,
            "activated": True,
            "serving_version": "2",
        }
    )

    model: RankingModelVersionOut
    activated: bool = Field(
        description=(
            "False unless the deployment lets a candidate serve at once within bounds "
            "(MATCHMAKER_RANKING_AUTO_ACTIVATE); otherwise the commission activates it"
        )
    )
    serving_version: str = Field(description="The model that now ranks matches")


class RankingModelList(BaseModel):
    model_config = with_examples(
        {
            "items": [
                {
                    "id": "1d7e5c3a-9b2f-4a6e-8d1c-7f4b2e9a6c09",
                    "version": 2,
                    "status": "active",
                    "metrics": {"held_out_pairs": 48, "auc": 0.81, "previous_auc": 0.74},
                    "parameters": {
                        "features": ["sector", "ticket", "stage"],
                        "coefficients": [1.9, 1.1, 0.8],
                        "intercept": -1.7,
                    },
                    "trained_by": "commission",
                    "created_at": "2026-11-21T09:30:00Z",
                    "activated_at": "2026-11-21T09:30:00Z",
                }
            ],
            "serving_version": "2",
        }
    )

    items: list[RankingModelVersionOut]
    serving_version: str


ACCOUNT_EXAMPLE: dict[str, Any] = {
    "account_id": "5b1d2c9e-8f3a-4e7b-9c6d-2a4f8e1b7c30",
    "name": "Hillhouse Capital",
    "pairs": 12,
    "positives": 5,
    "held_out": True,
    "training_weight_share": 0.0,
    "held_out_auc": 0.86,
    "serving_held_out_auc": 0.79,
}
FLAGGED_EXAMPLE: dict[str, Any] = {
    "account_id": "9e4c7a21-3b5d-4f8e-a6c2-1d7b9e3f5a84",
    "name": "A busy account",
    "pairs": 66,
    "median_pairs_of_others": 10.0,
}
OVERLAP_EXAMPLE: dict[str, Any] = {
    "investor_profile_id": "0a6365c1-4dbe-499c-8b2c-e0c990f996e2",
    "name": "Hillhouse Capital",
    "top10_overlap": 0.9,
}
MOVED_EXAMPLE: dict[str, Any] = {
    "investor_profile_id": "0a6365c1-4dbe-499c-8b2c-e0c990f996e2",
    "investor_name": "Hillhouse Capital",
    "financing_request_id": "e8d28e91-ca4b-4c1c-be25-4023fce90d95",
    "company": "Stepfun",
    "serving_rank": 3,
    "candidate_rank": 1,
    "serving_score": 0.94,
    "candidate_score": 0.71,
    "moved": 2,
    "reasons": [REASON_EXAMPLE],
}


class AccountMetricsOut(BaseModel):
    """One account's pairs in training: held out whole, or trained on with a bounded share
    of the weight."""

    model_config = with_examples(ACCOUNT_EXAMPLE)

    account_id: str
    name: str
    pairs: int
    positives: int
    held_out: bool
    training_weight_share: float = Field(description="Share of the training weight (0 held out)")
    held_out_auc: float | None = Field(
        default=None, description="The candidate's ROC AUC on this held-out account's pairs"
    )
    serving_held_out_auc: float | None = None


class FlaggedAccountOut(BaseModel):
    """An account with far more pairs in the training data than the others."""

    model_config = with_examples(FLAGGED_EXAMPLE)

    account_id: str
    name: str
    pairs: int
    median_pairs_of_others: float


class InvestorOverlapOut(BaseModel):
    model_config = with_examples(OVERLAP_EXAMPLE)

    investor_profile_id: str
    name: str
    top10_overlap: float = Field(description="Share of its top 10 the two models agree on")


class MovedPairOut(BaseModel):
    model_config = with_examples(MOVED_EXAMPLE)

    investor_profile_id: str
    investor_name: str
    financing_request_id: str
    company: str
    serving_rank: int | None = Field(description="Rank under the serving model (None: past 50)")
    candidate_rank: int | None = Field(description="Rank under the candidate (None: past 50)")
    serving_score: float | None
    candidate_score: float | None
    moved: int = Field(description="Places moved (past 50 counts as 51)")
    reasons: list[ReasonOut]


class ModelComparisonOut(BaseModel):
    """What activating a version would change, for the commission to decide."""

    model_config = with_examples(
        {
            "model": {**MODEL_VERSION_EXAMPLE, "status": "candidate", "activated_at": None},
            "serving_version": "default-v1",
            "compared_with": "default-v1",
            "held_out_compared_with": "default-v1",
            "held_out_auc": 0.86,
            "serving_held_out_auc": 0.79,
            "better_on_held_out": True,
            "accounts": [ACCOUNT_EXAMPLE],
            "flagged_accounts": [FLAGGED_EXAMPLE],
            "sign_changes": [],
            "mean_top10_overlap": 0.9,
            "investors": [OVERLAP_EXAMPLE],
            "moved": [MOVED_EXAMPLE],
            "clearing_score": 0.6,
            "clearing_serving": 11,
            "clearing_candidate": 9,
        }
    )

    model: RankingModelVersionOut
    serving_version: str = Field(description="The model that ranks matches now")
    compared_with: str = Field(description="The serving model the ranking comparison used")
    held_out_compared_with: str = Field(
        default="",
        description="The model serving when the version was trained: serving_held_out_auc is its",
    )
    held_out_auc: float | None
    serving_held_out_auc: float | None
    better_on_held_out: bool
    accounts: list[AccountMetricsOut]
    flagged_accounts: list[FlaggedAccountOut]
    sign_changes: list[str] = Field(description="Features whose weight changed sign")
    mean_top10_overlap: float | None = Field(
        description="Mean share of a mandate's top 10 both models agree on (null: not compared)"
    )
    investors: list[InvestorOverlapOut] = Field(description="Least overlap first")
    moved: list[MovedPairOut] = Field(description="The pairs that moved most, with reasons")
    clearing_score: float | None = Field(
        default=None, description="A report's default min_score (null: not counted)"
    )
    clearing_serving: int | None = Field(
        default=None,
        description=(
            "Published requests some mandate scores at least clearing_score under the model "
            "compared with (each mandate's first 50)"
        ),
    )
    clearing_candidate: int | None = Field(
        default=None, description="The same under this version: its scores are on its own scale"
    )


POSITION_EXAMPLE: dict[str, Any] = {
    "position": 1,
    "shown": 120,
    "interested": 31,
    "meeting": 9,
    "committed": 2,
}


class PositionCountsOut(BaseModel):
    """Pairs first shown at one position by the version, and how far their investors went
    afterwards (a meeting counts as interest too; a commitment as both)."""

    model_config = with_examples(POSITION_EXAMPLE)

    position: int
    shown: int
    interested: int
    meeting: int
    committed: int


class OnlineMetricsOut(BaseModel):
    """What a version's pages of matches showed investors and what they did next."""

    model_config = with_examples(
        {
            "model_version": "learned-v2",
            "positions": [POSITION_EXAMPLE],
            "shown": 120,
            "interested": 31,
            "meeting": 9,
            "committed": 2,
        }
    )

    model_version: str
    positions: list[PositionCountsOut]
    shown: int
    interested: int
    meeting: int
    committed: int
