from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from models import ModelStatus, RankingModel
from service.http.fields import with_examples

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


class RankingModelVersionOut(BaseModel):
    model_config = with_examples(MODEL_VERSION_EXAMPLE)

    id: str
    version: int
    status: ModelStatus
    metrics: dict[str, Any] = Field(description="Held-out comparison with the model it replaced")
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
            metrics=model.metrics,
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
    activated: bool = Field(description="True when it beat the serving model on held-out data")
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
