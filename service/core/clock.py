"""The time a request happens at, as a dependency: one instant per request, and tests can
move it (``app.dependency_overrides[current_time]``) instead of sleeping."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends


async def current_time() -> dt.datetime:
    # A coroutine, though it does no I/O: FastAPI runs a plain function dependency on a
    # worker thread, a thread hop per request for reading the clock.
    return dt.datetime.now(dt.UTC)


Now = Annotated[dt.datetime, Depends(current_time)]
