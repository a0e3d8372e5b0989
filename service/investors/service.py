"""Investor profiles (mandates): create, read, change, delete, list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from models import (
    InvestorProfile,
    InvestorProfileRegion,
    InvestorProfileSector,
    InvestorProfileStage,
    Role,
)
from models.types import utc_now
from service.accounts.service import resolve_owner
from service.audit_log.writer import audit_value, record_audit
from service.http.auth import Principal
from service.http.pagination import fetch_page
from service.http.problems import Invalid, NotFound, field_problem
from service.investors.schemas import InvestorCreate, InvestorUpdate, ticket_range_problem
from service.reference_data.code_links import codes_of, overlapping_sector, sync_code_rows
from service.webhooks.outbox import emit_mandate_changed

OBJECT_TYPE = "investor_profile"


def _with_codes(statement: Select[tuple[InvestorProfile]]) -> Select[tuple[InvestorProfile]]:
    return statement.options(
        selectinload(InvestorProfile.sector_links),
        selectinload(InvestorProfile.stage_links),
        selectinload(InvestorProfile.region_links),
    )


def _visible_to(principal: Principal, *, with_codes: bool = True) -> Select[tuple[InvestorProfile]]:
    statement = select(InvestorProfile)
    if with_codes:
        statement = _with_codes(statement)
    if principal.is_commission:
        return statement
    return statement.where(InvestorProfile.owner_account_id == principal.account_id)


def get_visible(
    *,
    session: Session,
    principal: Principal,
    investor_id: str,
    with_codes: bool = True,
    for_update: bool = False,
) -> InvestorProfile:
    """The profile if the caller may see it; otherwise NotFound, whether it exists or not.

    ``with_codes=False`` skips loading sectors, stages and regions (three more queries)
    for callers that may not need them. ``for_update=True`` locks the row until the
    commit (PostgreSQL), so a concurrent write waits and then sees this one's revision.
    """
    statement = _visible_to(principal, with_codes=with_codes).where(
        InvestorProfile.id == investor_id
    )
    if for_update:
        statement = statement.with_for_update(of=InvestorProfile)
    profile = session.scalars(statement).first()
    if profile is None:
        raise NotFound(f"No investor profile {investor_id}.")
    return profile


def check_ticket_range(ticket_min: Decimal, ticket_max: Decimal) -> None:
    """The merged range of an edit (one ticket given, the other stored) stays ordered.

    A body that gives both is checked with its fields (``InvestorCreate``, ``InvestorUpdate``).
    """
    problem = ticket_range_problem(ticket_min, ticket_max)
    if problem:
        raise Invalid(
            problem.message,
            errors=[field_problem(name, problem.code, problem.message) for name in problem.fields],
        )


def create(*, session: Session, principal: Principal, data: InvestorCreate) -> InvestorProfile:
    """Create a profile owned by the caller (or, for the commission, by a named investor)."""
    check_ticket_range(data.ticket_min, data.ticket_max)
    owner_id = resolve_owner(
        session=session,
        principal=principal,
        owner_account_id=data.owner_account_id,
        role=Role.INVESTOR,
    )
    profile = InvestorProfile(
        owner_account_id=owner_id,
        name=data.name,
        kind=data.kind.value,
        origin=data.origin.value,
        thesis=data.thesis,
        ticket_min=data.ticket_min,
        ticket_max=data.ticket_max,
        currency=data.currency,
        sector_links=[InvestorProfileSector(code=c) for c in data.sectors],
        stage_links=[InvestorProfileStage(code=c) for c in data.stages],
        region_links=[InvestorProfileRegion(code=c) for c in data.regions],
    )
    session.add(profile)
    session.flush()
    emit_mandate_changed(session, profile)
    record_audit(
        session=session,
        principal=principal,
        action="investor_profile.create",
        object_type=OBJECT_TYPE,
        object_id=profile.id,
        changes={k: audit_value(v) for k, v in data.model_dump(exclude_none=True).items()},
    )
    return profile


def update(
    *, session: Session, principal: Principal, profile: InvestorProfile, data: InvestorUpdate
) -> InvestorProfile:
    """Apply the fields present in ``data``; the merged ticket range must stay ordered."""
    changes = data.model_dump(exclude_unset=True)
    check_ticket_range(
        changes.get("ticket_min", profile.ticket_min), changes.get("ticket_max", profile.ticket_max)
    )
    code_rows: dict[str, tuple[list[Any], Callable[[str], Any]]] = {
        "sectors": (profile.sector_links, lambda c: InvestorProfileSector(code=c)),
        "stages": (profile.stage_links, lambda c: InvestorProfileStage(code=c)),
        "regions": (profile.region_links, lambda c: InvestorProfileRegion(code=c)),
    }
    audit: dict[str, Any] = {}
    for field, value in changes.items():
        if field in code_rows:
            rows, make_row = code_rows[field]
            old_codes = codes_of(rows)
            sync_code_rows(rows, value, make_row)
            if old_codes != value:
                audit[field] = {"from": old_codes, "to": value}
            continue
        stored = value.value if hasattr(value, "value") else value
        old = getattr(profile, field)
        if old != stored:
            audit[field] = {"from": audit_value(old), "to": audit_value(stored)}
        setattr(profile, field, stored)
    if audit:
        # Touching the row bumps its revision even when only its code rows changed.
        profile.updated_at = utc_now()
        session.flush()
        emit_mandate_changed(session, profile)
        record_audit(
            session=session,
            principal=principal,
            action="investor_profile.update",
            object_type=OBJECT_TYPE,
            object_id=profile.id,
            changes=audit,
        )
    return profile


def delete(*, session: Session, principal: Principal, profile: InvestorProfile) -> None:
    record_audit(
        session=session,
        principal=principal,
        action="investor_profile.delete",
        object_type=OBJECT_TYPE,
        object_id=profile.id,
        changes={"name": profile.name},
    )
    session.delete(profile)
    session.flush()


def list_page(
    *,
    session: Session,
    principal: Principal,
    sector: str | None,
    stage: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[InvestorProfile], str | None]:
    """Visible profiles, newest first; ``sector`` matches the code, its parents or children."""
    statement = _visible_to(principal)
    if sector is not None:
        statement = statement.where(
            overlapping_sector(
                InvestorProfile.id,
                InvestorProfileSector.investor_profile_id,
                InvestorProfileSector.code,
                sector,
            )
        )
    if stage is not None:
        statement = statement.where(
            InvestorProfile.id.in_(
                select(InvestorProfileStage.investor_profile_id).where(
                    InvestorProfileStage.code == stage
                )
            )
        )
    return fetch_page(
        session=session,
        statement=statement,
        created_at_column=InvestorProfile.created_at,
        id_column=InvestorProfile.id,
        limit=limit,
        cursor=cursor,
    )


def load_codes(*, session: Session, profile: InvestorProfile) -> InvestorProfile:
    """Load the code rows of a profile fetched with ``with_codes=False``."""
    return session.scalars(
        _with_codes(select(InvestorProfile))
        .where(InvestorProfile.id == profile.id)
        .execution_options(populate_existing=True)
    ).one()
