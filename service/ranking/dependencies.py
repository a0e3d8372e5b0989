"""The worker's match index, for routes that rank."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.ranking.index import MatchIndex


async def match_index(request: Request) -> MatchIndex:
    index: MatchIndex = request.app.state.match_index
    return index


MatchIndexDep = Annotated[MatchIndex, Depends(match_index)]
