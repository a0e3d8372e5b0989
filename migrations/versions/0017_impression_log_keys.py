"""Impressions keyed by a rising integer, with one index by (request, investor) instead of
two random-order ones (and one by investor, for the cascade when a mandate is deleted): each
page of matches writes about twenty rows, and on SQLite every index a row lands in at a
random page costs that page's write (and the write-ahead log's copy of it). See
``models.impression``.

Revision ID: impression_log_keys
Revises: webhooks
Create Date: 2026-12-03 14:00:00+00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "impression_log_keys"
down_revision: str | None = "webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPY_BATCH = 5000


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "investor_profile_id",
            sa.String(36),
            sa.ForeignKey("investor_profiles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "financing_request_id",
            sa.String(36),
            sa.ForeignKey("financing_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
    ]


# Every column but the key, as listed in the copies between the tables.
LISTED = ", ".join(column.name for column in _columns())


def _carry_out() -> None:
    """The rows, without key or constraints, into a table of their own (the new table's
    constraints and indexes take the old one's names, which must be free first)."""
    op.create_table(
        "impressions_carry",
        *(sa.Column(column.name, column.type, nullable=False) for column in _columns()),
    )
    op.execute(f"INSERT INTO impressions_carry ({LISTED}) SELECT {LISTED} FROM impressions")  # noqa: S608


def upgrade() -> None:
    _carry_out()
    op.drop_index("ix_impressions_model_version", table_name="impressions")
    op.drop_index("ix_impressions_request_position", table_name="impressions")
    op.drop_index("ix_impressions_pair", table_name="impressions")
    op.drop_table("impressions")
    op.create_table(
        "impressions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        *_columns(),
    )
    # In the order they were shown, so the new keys rise with time as new rows' do.
    op.execute(
        f"INSERT INTO impressions ({LISTED}) SELECT {LISTED} FROM impressions_carry "  # noqa: S608
        "ORDER BY shown_at, investor_profile_id, position"
    )
    op.drop_table("impressions_carry")
    op.create_index(
        "ix_impressions_request_investor",
        "impressions",
        ["financing_request_id", "investor_profile_id"],
    )
    op.create_index("ix_impressions_investor_profile_id", "impressions", ["investor_profile_id"])
    op.create_index("ix_impressions_model_version", "impressions", ["model_version"])


def downgrade() -> None:
    _carry_out()
    op.drop_index("ix_impressions_model_version", table_name="impressions")
    op.drop_index("ix_impressions_investor_profile_id", table_name="impressions")
    op.drop_index("ix_impressions_request_investor", table_name="impressions")
    op.drop_table("impressions")
    restored = op.create_table(
        "impressions", sa.Column("id", sa.String(36), primary_key=True), *_columns()
    )
    assert restored is not None
    carry = sa.table(
        "impressions_carry",
        *(sa.column(column.name, column.type) for column in _columns()),
    )
    connection = op.get_bind()
    # In batches on both drivers (psycopg would otherwise fetch the whole log at once).
    rows = connection.execute(
        sa.select(*carry.columns).execution_options(yield_per=COPY_BATCH)
    ).mappings()
    while batch := rows.fetchmany(COPY_BATCH):
        # The old key was an opaque UUID string: each row gets a new one.
        connection.execute(restored.insert(), [{"id": str(uuid.uuid4()), **row} for row in batch])
    op.drop_table("impressions_carry")
    op.create_index(
        "ix_impressions_pair", "impressions", ["investor_profile_id", "financing_request_id"]
    )
    op.create_index(
        "ix_impressions_request_position", "impressions", ["financing_request_id", "position"]
    )
    op.create_index("ix_impressions_model_version", "impressions", ["model_version"])
