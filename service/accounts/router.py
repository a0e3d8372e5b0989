from __future__ import annotations

from fastapi import APIRouter

from models import Role
from service.accounts import service
from service.accounts.schemas import AccountCreate, AccountCreated, AccountOut, Me
from service.core.database import SessionDep
from service.http.auth import CommissionPrincipal, CurrentPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES, route_class=IdempotentRoute)


@router.post("/v1/accounts", status_code=201, response_model=AccountCreated)
def create_account(
    body: AccountCreate, session: SessionDep, principal: CommissionPrincipal
) -> AccountCreated:
    """Create an account (commission only); the API key is returned this once."""
    account, api_key = service.create(
        session=session, principal=principal, role=body.role, name=body.name
    )
    return AccountCreated(**AccountOut.from_model(account).model_dump(), api_key=api_key)


@router.get("/v1/accounts", response_model=Page[AccountOut])
def list_accounts(
    session: SessionDep,
    principal: CommissionPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    role: Role | None = None,
) -> Page[AccountOut]:
    """List accounts (commission only), newest first."""
    accounts, next_cursor = service.list_page(
        session=session, role=role, limit=limit, cursor=cursor
    )
    return Page(items=[AccountOut.from_model(a) for a in accounts], next_cursor=next_cursor)


@router.get("/v1/me", response_model=Me)
def who_am_i(principal: CurrentPrincipal) -> Me:
    """The account behind the API key."""
    return Me(account_id=principal.account_id, role=principal.role, name=principal.name)
