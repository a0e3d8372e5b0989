"""The worker's impression log, for routes that serve or read pages of matches."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.impressions.log import ImpressionLog


async def impression_log(request: Request) -> ImpressionLog:
    log: ImpressionLog = request.app.state.impression_log
    return log


ImpressionLogDep = Annotated[ImpressionLog, Depends(impression_log)]
