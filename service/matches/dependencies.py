"""The worker's cache of what pages of matches show, for routes that serve them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.matches.page_cache import MatchPageCache

_STATE_NAME = "match_page_cache"


async def match_page_cache(request: Request) -> MatchPageCache:
    # Made with the application's first page of matches. An async dependency runs on the
    # event loop, one at a time, so a worker never makes two.
    cache: MatchPageCache | None = getattr(request.app.state, _STATE_NAME, None)
    if cache is None:
        cache = MatchPageCache()
        setattr(request.app.state, _STATE_NAME, cache)
    return cache


MatchPageCacheDep = Annotated[MatchPageCache, Depends(match_page_cache)]
