"""People and keys: users, invitations, sign-in sessions and API keys of their own.

Each account's key moves from ``accounts.key_hash`` into ``api_keys`` (one account key,
"account key", per account); audit records and reports name the user who acted and the
client's request id. Downgrade puts one key back on each account: its newest live account
key (else its newest live key, else an unusable hash), and drops the rest.

Revision ID: people_and_keys
Revises: reports
Create Date: 2026-12-01 23:00:00+00:00
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "people_and_keys"
down_revision: str | None = "reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNT_KEY_NAME = "account key"

_accounts = sa.table(
    "accounts",
    sa.column("id", sa.String(36)),
    sa.column("key_hash", sa.String(64)),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_api_keys = sa.table(
    "api_keys",
    sa.column("id", sa.String(36)),
    sa.column("account_id", sa.String(36)),
    sa.column("user_id", sa.String(36)),
    sa.column("name", sa.String(200)),
    sa.column("prefix", sa.String(16)),
    sa.column("key_hash", sa.String(64)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("last_used_at", sa.DateTime(timezone=True)),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_users_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_users_created_at_id", ["created_at", "id"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_api_keys_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_api_keys_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_user_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_invitations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_account_id"), ["account_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    # Every account's key becomes its account key, then leaves the accounts table.
    bind = op.get_bind()
    accounts = bind.execute(
        sa.select(_accounts.c.id, _accounts.c.key_hash, _accounts.c.created_at)
    ).all()
    if accounts:
        op.bulk_insert(
            _api_keys,
            [
                {
                    "id": str(uuid.uuid4()),
                    "account_id": account_id,
                    "user_id": None,
                    "name": ACCOUNT_KEY_NAME,
                    "prefix": None,  # only the hash was ever kept
                    "key_hash": key_hash,
                    "created_at": created_at,
                    "last_used_at": None,
                    "revoked_at": None,
                }
                for account_id, key_hash, created_at in accounts
            ],
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_accounts_key_hash"), type_="unique")
        batch_op.drop_column("key_hash")

    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_user_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("actor_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("client_request_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_records_actor_user_id"), ["actor_user_id"], unique=False
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_user_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("created_by_name", sa.String(length=200), nullable=True))


def _kept_key_hashes() -> dict[str, str]:
    """Each account's key to keep: the newest live account key, else the newest live key."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_api_keys.c.account_id, _api_keys.c.key_hash)
        .where(_api_keys.c.revoked_at.is_(None))
        .order_by(
            _api_keys.c.account_id,
            # account keys (no user) first, then the newest
            sa.case((_api_keys.c.user_id.is_(None), 0), else_=1),
            _api_keys.c.created_at.desc(),
            _api_keys.c.id.desc(),
        )
    ).all()
    kept: dict[str, str] = {}
    for account_id, key_hash in rows:
        kept.setdefault(account_id, key_hash)
    return kept


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("created_by_name")
        batch_op.drop_column("created_by_user_id")

    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_records_actor_user_id"))
        batch_op.drop_column("client_request_id")
        batch_op.drop_column("actor_name")
        batch_op.drop_column("actor_user_id")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    kept = _kept_key_hashes()
    for (account_id,) in bind.execute(sa.select(_accounts.c.id)).all():
        # An account whose keys were all revoked gets a hash no key has.
        key_hash = kept.get(account_id) or hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        bind.execute(
            sa.update(_accounts).where(_accounts.c.id == account_id).values(key_hash=key_hash)
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.alter_column("key_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_accounts_key_hash"), ["key_hash"])

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")

    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_account_id"))
    op.drop_table("invitations")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))
        batch_op.drop_index("ix_api_keys_created_at_id")
        batch_op.drop_index(batch_op.f("ix_api_keys_account_id"))
    op.drop_table("api_keys")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_created_at_id")
        batch_op.drop_index(batch_op.f("ix_users_account_id"))
    op.drop_table("users")
