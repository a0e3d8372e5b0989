"""The time a request happens at, as a dependency: one instant per request, and tests can
move it (``app.dependency_overrides[current_time]``) instead of sleeping."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends


def current_time() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Now = Annotated[dt.datetime, Depends(current_time)]
