from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from models import ModelStatus, RankingModel


class RankingModelVersionOut(BaseModel):
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
    model: RankingModelVersionOut
    activated: bool = Field(description="True when it beat the serving model on held-out data")
    serving_version: str = Field(description="The model that now ranks matches")


class RankingModelList(BaseModel):
    items: list[RankingModelVersionOut]
    serving_version: str
