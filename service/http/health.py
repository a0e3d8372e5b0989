"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from service.http.problems import ServiceUnavailable
from service.http.routing import AuthFirstRoute

router = APIRouter(route_class=AuthFirstRoute, tags=["operations"])


class Status(BaseModel):
    status: str


@router.get("/healthz", response_model=Status)
def healthz() -> Status:
    """The process is up."""
    return Status(status="ok")


@router.get("/readyz", response_model=Status, responses={503: {"description": "Database down"}})
def readyz(request: Request) -> Status:
    """The database answers."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise ServiceUnavailable(
            "The database is not reachable.", headers={"Retry-After": "5"}
        ) from exc
    return Status(status="ok")
