"""API keys: issued once, stored as SHA-256, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from models import Account, Role
from service.core.database import SessionDep
from service.core.settings import get_settings
from service.http.problems import Forbidden, Unauthorized
from service.http.routing import check_input_after_authentication

API_KEY_PREFIX = "mk_"
_bearer = HTTPBearer(auto_error=False, description="An API key issued by the commission")


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling. ``account_id`` is None for the bootstrap admin key."""

    account_id: str | None
    role: Role
    name: str

    @property
    def is_commission(self) -> bool:
        return self.role is Role.COMMISSION

    def owns(self, owner_account_id: str | None) -> bool:
        return self.account_id is not None and self.account_id == owner_account_id


BOOTSTRAP_ADMIN_NAME = "bootstrap admin key"


def authenticate(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("Send 'Authorization: Bearer <api key>'.")
    presented = credentials.credentials
    admin_key = get_settings().admin_key
    if admin_key is not None and hmac.compare_digest(
        presented.encode("utf-8"), admin_key.get_secret_value().encode("utf-8")
    ):
        return Principal(account_id=None, role=Role.COMMISSION, name=BOOTSTRAP_ADMIN_NAME)
    presented_hash = hash_api_key(presented)
    account = session.scalars(select(Account).where(Account.key_hash == presented_hash)).first()
    if account is None or not hmac.compare_digest(account.key_hash, presented_hash):
        raise Unauthorized("The API key is not valid.")
    request.state.account_id = account.id
    return Principal(account_id=account.id, role=account.role, name=account.name)


def authenticated_caller(
    request: Request, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    # Input is judged only once the caller is known: a caller without a key learns nothing.
    check_input_after_authentication(request)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticated_caller)]


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    allowed = ", ".join(r.value for r in roles)

    # async: a pure check, so FastAPI need not hop to a worker thread for it.
    async def check_role(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"This needs one of the roles: {allowed}.")
        return principal

    return check_role


CommissionPrincipal = Annotated[Principal, Depends(require_roles(Role.COMMISSION))]
InvestorSidePrincipal = Annotated[Principal, Depends(require_roles(Role.INVESTOR, Role.COMMISSION))]
StartupSidePrincipal = Annotated[Principal, Depends(require_roles(Role.STARTUP, Role.COMMISSION))]
