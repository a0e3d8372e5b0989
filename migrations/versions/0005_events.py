"""Events: conferences and campaigns; a financing request names its event by id.

The free-text ``financing_requests.event`` becomes a row of ``events`` (dated by the
earliest request that named it) and a foreign key; downgrade writes the names back.

Revision ID: events
Revises: 0004
Create Date: 2026-11-21 07:45:00+00:00
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_requests = sa.table(
    "financing_requests",
    sa.column("id", sa.String),
    sa.column("event", sa.String),
    sa.column("event_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_events = sa.table(
    "events",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("date", sa.Date),
    sa.column("place", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("revision", sa.Integer),
)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):  # SQLite aggregates return text
        return dt.datetime.fromisoformat(value).date()
    return dt.datetime.now(dt.UTC).date()


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("name", name=op.f("uq_events_name")),
    )
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_financing_requests_event_id"), ["event_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_financing_requests_event_id_events"),
            "events",
            ["event_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    named = connection.execute(
        sa.select(_requests.c.event, sa.func.min(_requests.c.created_at))
        .where(_requests.c.event.is_not(None))
        .group_by(_requests.c.event)
    ).all()
    for name, first_named_at in named:
        event_id = str(uuid.uuid4())
        connection.execute(
            _events.insert().values(
                id=event_id,
                name=name,
                date=_as_date(first_named_at),
                place=None,
                created_at=now,
                updated_at=now,
                revision=1,
            )
        )
        connection.execute(
            _requests.update().where(_requests.c.event == name).values(event_id=event_id)
        )

    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financing_requests_event"))
        batch_op.drop_column("event")


def downgrade() -> None:
    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_financing_requests_event"), ["event"], unique=False)

    connection = op.get_bind()
    connection.execute(
        _requests.update().values(
            event=sa.select(_events.c.name)
            .where(_events.c.id == _requests.c.event_id)
            .scalar_subquery()
        )
    )

    with op.batch_alter_table("financing_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_financing_requests_event_id_events"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_financing_requests_event_id"))
        batch_op.drop_column("event_id")

    op.drop_table("events")
