"""Ranking models: learned ranker versions with their parameters and held-out metrics.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 06:09:02.608146+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_models",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active", "candidate", "retired", name="model_status", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("trained_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_models")),
        sa.UniqueConstraint("version", name=op.f("uq_ranking_models_version")),
    )
    with op.batch_alter_table("ranking_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ranking_models_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ranking_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_models_status"))

    op.drop_table("ranking_models")
