"""Looking at the test database directly."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Base


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table of the service."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }
