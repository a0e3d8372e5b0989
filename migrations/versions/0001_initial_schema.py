"""Initial schema: accounts, investor profiles, financing requests, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 04:50:11.378989+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Exact money: NUMERIC on PostgreSQL; integer hundredths on SQLite (see models.types).
MONEY = sa.Numeric(20, 2).with_variant(sa.BigInteger(), "sqlite")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column(
            "role",
            sa.Enum(
                "investor",
                "startup",
                "commission",
                name="account_role",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_accounts_key_hash")),
    )
    op.create_table(
        "audit_records",
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.String(length=36), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_records")),
    )
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_records_actor_account_id"), ["actor_account_id"], unique=False
        )
        batch_op.create_index("ix_audit_records_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(
            "ix_audit_records_occurred_at_id", ["occurred_at", "id"], unique=False
        )

    op.create_table(
        "financing_requests",
        sa.Column("owner_account_id", sa.String(length=36), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("event", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "published",
                "rejected",
                "closed",
                "withdrawn",
                name="request_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_financing_requests_amount_positive")),
        sa.ForeignKeyConstraint(
            ["owner_account_id"],
            ["accounts.id"],
            name=op.f("fk_financing_requests_owner_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_requests")),
    )
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_financing_requests_created_at_id", ["created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_financing_requests_event"), ["event"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_financing_requests_owner_account_id"), ["owner_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_financing_requests_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_financing_requests_status"), ["status"], unique=False)

    op.create_table(
        "investor_profiles",
        sa.Column("owner_account_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("thesis", sa.Text(), nullable=False),
        sa.Column("ticket_min", MONEY, nullable=False),
        sa.Column("ticket_max", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint(
            "ticket_min <= ticket_max", name=op.f("ck_investor_profiles_ticket_range")
        ),
        sa.CheckConstraint("ticket_min > 0", name=op.f("ck_investor_profiles_ticket_min_positive")),
        sa.ForeignKeyConstraint(
            ["owner_account_id"],
            ["accounts.id"],
            name=op.f("fk_investor_profiles_owner_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investor_profiles")),
    )
    with op.batch_alter_table("investor_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_investor_profiles_created_at_id", ["created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_investor_profiles_owner_account_id"), ["owner_account_id"], unique=False
        )

    op.create_table(
        "financing_request_sectors",
        sa.Column("financing_request_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["financing_request_id"],
            ["financing_requests.id"],
            name=op.f("fk_financing_request_sectors_financing_request_id_financing_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "financing_request_id", "code", name=op.f("pk_financing_request_sectors")
        ),
    )
    with op.batch_alter_table("financing_request_sectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_financing_request_sectors_code"), ["code"], unique=False
        )

    op.create_table(
        "investor_profile_regions",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_investor_profile_regions_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "investor_profile_id", "code", name=op.f("pk_investor_profile_regions")
        ),
    )
    with op.batch_alter_table("investor_profile_regions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investor_profile_regions_code"), ["code"], unique=False
        )

    op.create_table(
        "investor_profile_sectors",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_investor_profile_sectors_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "investor_profile_id", "code", name=op.f("pk_investor_profile_sectors")
        ),
    )
    with op.batch_alter_table("investor_profile_sectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investor_profile_sectors_code"), ["code"], unique=False
        )

    op.create_table(
        "investor_profile_stages",
        sa.Column("investor_profile_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["investor_profile_id"],
            ["investor_profiles.id"],
            name=op.f("fk_investor_profile_stages_investor_profile_id_investor_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "investor_profile_id", "code", name=op.f("pk_investor_profile_stages")
        ),
    )
    with op.batch_alter_table("investor_profile_stages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investor_profile_stages_code"), ["code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("investor_profile_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investor_profile_stages_code"))

    op.drop_table("investor_profile_stages")
    with op.batch_alter_table("investor_profile_sectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investor_profile_sectors_code"))

    op.drop_table("investor_profile_sectors")
    with op.batch_alter_table("investor_profile_regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investor_profile_regions_code"))

    op.drop_table("investor_profile_regions")
    with op.batch_alter_table("financing_request_sectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_request_sectors_code"))

    op.drop_table("financing_request_sectors")
    with op.batch_alter_table("investor_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investor_profiles_owner_account_id"))
        batch_op.drop_index("ix_investor_profiles_created_at_id")

    op.drop_table("investor_profiles")
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_requests_status"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_stage"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_owner_account_id"))
        batch_op.drop_index(batch_op.f("ix_financing_requests_event"))
        batch_op.drop_index("ix_financing_requests_created_at_id")

    op.drop_table("financing_requests")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_records_occurred_at_id")
        batch_op.drop_index("ix_audit_records_object")
        batch_op.drop_index(batch_op.f("ix_audit_records_actor_account_id"))

    op.drop_table("audit_records")
    op.drop_table("accounts")
