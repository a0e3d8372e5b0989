from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from service.api_keys import service
from service.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from service.core.clock import Now
from service.core.database import SessionDep
from service.http.auth import CurrentPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.openapi_document import may_answer
from service.http.pagination import CursorQuery, LimitQuery, Page
from service.http.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/api-keys",
    tags=["api keys"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)
ApiKeyId = Annotated[str, Path(max_length=36)]


@router.get("", response_model=Page[ApiKeyOut])
def list_api_keys(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ApiKeyOut]:
    """The account's keys (the commission sees all), newest first, revoked ones too:
    names, prefixes, owners, creation and last use; never a key or its hash."""
    rows, next_cursor = service.list_page(
        session=session, principal=principal, limit=limit, cursor=cursor
    )
    return Page(
        items=[ApiKeyOut.from_model(key, owner) for key, owner in rows], next_cursor=next_cursor
    )


@router.post("", status_code=201, response_model=ApiKeyCreated)
@may_answer(403)  # an account key made by a user who is not the account's admin
def create_api_key(
    body: ApiKeyCreate, session: SessionDep, principal: CurrentPrincipal
) -> ApiKeyCreated:
    """Make a key for the caller's own user or, with ``account_key``, for the account;
    the key is returned this once."""
    key, owner, api_key = service.create(
        session=session,
        principal=principal,
        name=body.name,
        account_key=body.account_key,
        account_id=body.account_id,
    )
    return ApiKeyCreated(**ApiKeyOut.from_model(key, owner).model_dump(), api_key=api_key)


@router.delete("/{api_key_id}", status_code=204, response_class=Response)
@may_answer(403)  # another user's key, revoked by someone who is not the account's admin
def revoke_api_key(
    api_key_id: ApiKeyId, session: SessionDep, principal: CurrentPrincipal, now: Now
) -> Response:
    """Revoke a key: it answers 401 from then on, on every worker. The key's user, the
    account's admin or the commission may; another account's key is a 404. No If-Match:
    revoking is one-way, and revoking twice changes nothing."""
    key = service.get_visible(session=session, principal=principal, key_id=api_key_id)
    service.revoke(session=session, principal=principal, key=key, now=now)
    return Response(status_code=204)
