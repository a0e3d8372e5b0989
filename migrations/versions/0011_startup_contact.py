"""A financing request's contact person and its company's unified social credit code.

Revision ID: startup_contact
Revises: people_and_keys
Create Date: 2026-12-02 03:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "startup_contact"
down_revision: str | None = "people_and_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("financing_requests") as batch:
        batch.add_column(sa.Column("contact_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("contact_phone", sa.String(40), nullable=True))
        batch.add_column(sa.Column("credit_code", sa.String(18), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("financing_requests") as batch:
        batch.drop_column("credit_code")
        batch.drop_column("contact_phone")
        batch.drop_column("contact_name")
