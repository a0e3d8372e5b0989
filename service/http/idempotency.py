"""Idempotent POSTs: a retry with the same ``Idempotency-Key`` gets the first response.

One mechanism for every POST route, installed by ``IdempotentRoute``:

1. ``read_idempotency_key`` checks the key's format and fingerprints the request (method,
   path with query, SHA-256 of the body bytes).
2. ``claim_idempotency_key``, inside the request's transaction, looks the key up for the
   calling account. The same fingerprint replays the stored response (the handler does not
   run); another fingerprint is a 422; no key (or an expired one) inserts a row, which
   reserves the key. A concurrent request with the same key waits for that row: on the
   unique index (PostgreSQL) or on the write lock taken at BEGIN (SQLite, see
   ``service.core.database``); once the first commits it replays the first response.
3. After the handler has built its response, still inside the transaction, the row is
   completed with the status, the relevant headers and the body; the session then commits
   the objects and the key together. A request that raises rolls back, key included, so its
   retry runs again; there is never an object without its key or a key without its object.

Keys live ``KEY_LIFETIME`` (24 hours); expired keys of an account are deleted when that
account next claims a key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.params import Depends as DependsParam
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from models import IdempotencyKey
from models.types import utc_now
from service.core.database import SessionDep
from service.http.auth import CurrentPrincipal
from service.http.problems import Conflict, Invalid, field_problem
from service.http.routing import AuthFirstRoute

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:~\-]{8,128}")
KEY_LIFETIME = dt.timedelta(hours=24)
# The bootstrap admin key has no account row; its keys share this scope.
BOOTSTRAP_ACCOUNT = "bootstrap-admin"
# Headers a replay repeats; the rest (request id, date, length) belong to each response.
STORED_HEADERS = ("content-type", "etag", "location")
# Secrets are never written to the key table: a replay shows these fields as null.
NEVER_STORED_FIELDS = frozenset({"api_key", "invitation_code"})
_CLAIM_STATE = "idempotency_claim"


class IdempotencyKeyReused(Invalid):
    slug, title = "idempotency-key-reused", "The Idempotency-Key was used for another request"


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A request that carries a well-formed key: who sent it and what it asked."""

    account_id: str
    key: str
    method: str
    path: str
    body_sha256: str

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return (self.method, self.path, self.body_sha256)


class IdempotentReplay(Exception):
    """Raised by the claim when the key already has a response: that response is sent."""

    def __init__(self, stored: IdempotencyKey) -> None:
        super().__init__(stored.key)
        self.status = stored.response_status or 200
        self.headers = dict(stored.response_headers or {})
        self.body = (stored.response_body or "").encode("utf-8")

    def response(self) -> Response:
        return Response(
            content=self.body,
            status_code=self.status,
            headers={**self.headers, REPLAYED_HEADER: "true"},
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """A reserved key, completed with the handler's response before the commit."""

    session: Session
    row: IdempotencyKey

    def complete(self, response: Response) -> None:
        self.row.response_status = response.status_code
        self.row.response_headers = {
            name: value for name in STORED_HEADERS if (value := response.headers.get(name))
        }
        self.row.response_body = _without_secrets(bytes(response.body).decode("utf-8"))
        self.session.flush()


def _without_secrets(body: str) -> str:
    if not any(f'"{name}"' in body for name in NEVER_STORED_FIELDS):
        return body  # stored byte for byte
    document = json.loads(body)
    if isinstance(document, dict):
        for name in NEVER_STORED_FIELDS & document.keys():
            document[name] = None
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _invalid_key(message: str) -> Invalid:
    return Invalid(
        message,
        errors=[
            field_problem(IDEMPOTENCY_HEADER, "invalid_idempotency_key", message, location="header")
        ],
    )


async def read_idempotency_key(
    request: Request,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            description=(
                "Optional. A retry with the same key and the same request gets the first "
                "response and creates nothing; the same key with another request is a 422. "
                "8 to 128 characters from A-Z a-z 0-9 _ . : ~ -; kept 24 hours."
            ),
        ),
    ] = None,
) -> IdempotentRequest | None:
    if idempotency_key is None:
        return None
    if not KEY_PATTERN.fullmatch(idempotency_key):
        raise _invalid_key("An Idempotency-Key is 8 to 128 characters from A-Z a-z 0-9 _ . : ~ -")
    body = await request.body()
    query = request.url.query
    return IdempotentRequest(
        account_id=principal.account_id or BOOTSTRAP_ACCOUNT,
        key=idempotency_key,
        method=request.method,
        path=request.url.path + (f"?{query}" if query else ""),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def _stored(session: Session, request: IdempotentRequest) -> IdempotencyKey | None:
    return session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.account_id == request.account_id,
            IdempotencyKey.key == request.key,
        )
    ).first()


def _replay_or_refuse(stored: IdempotencyKey, request: IdempotentRequest) -> None:
    first = (stored.request_method, stored.request_path, stored.request_body_sha256)
    if first != request.fingerprint:
        message = (
            f"This Idempotency-Key was first used for {stored.request_method} "
            f"{stored.request_path} with another body; use a new key for a new request"
        )
        raise IdempotencyKeyReused(
            message,
            errors=[
                field_problem(
                    IDEMPOTENCY_HEADER, "idempotency_key_reused", message, location="header"
                )
            ],
        )
    raise IdempotentReplay(stored)


def claim(session: Session, request: IdempotentRequest) -> Claim:
    """Reserve ``request.key`` for this request, or raise what the caller must answer."""
    for _attempt in range(2):
        now = utc_now()
        stored = _stored(session, request)
        if stored is not None and stored.created_at > now - KEY_LIFETIME:
            _replay_or_refuse(stored, request)
        try:
            with session.begin_nested():
                session.execute(
                    delete(IdempotencyKey).where(
                        IdempotencyKey.account_id == request.account_id,
                        IdempotencyKey.created_at <= now - KEY_LIFETIME,
                    )
                )
                row = IdempotencyKey(
                    account_id=request.account_id,
                    key=request.key,
                    request_method=request.method,
                    request_path=request.path,
                    request_body_sha256=request.body_sha256,
                    created_at=now,
                )
                session.add(row)
            return Claim(session=session, row=row)
        except IntegrityError:
            # A concurrent request with this key committed first; the next look finds it.
            continue
    raise Conflict(
        "A concurrent request with this Idempotency-Key did not settle; retry.",
        headers={"Retry-After": "1"},
    )


def claim_idempotency_key(
    request: Request,
    session: SessionDep,
    idempotent: Annotated[IdempotentRequest | None, Depends(read_idempotency_key)],
) -> None:
    if idempotent is not None:
        setattr(request.state, _CLAIM_STATE, claim(session, idempotent))


def _is_claim(dependency: DependsParam) -> bool:
    return dependency.dependency is claim_idempotency_key


class IdempotentRoute(AuthFirstRoute):
    """A route whose POST honours ``Idempotency-Key``; every router uses it.

    It judges input only after the caller is known, as every route does (``AuthFirstRoute``).
    """

    claims_keys = True

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        dependencies: Sequence[DependsParam] = kwargs.get("dependencies") or ()
        if "POST" in methods and self.claims_keys and not any(_is_claim(d) for d in dependencies):
            kwargs["dependencies"] = [Depends(claim_idempotency_key), *dependencies]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if "POST" not in (self.methods or ()):
            return handler

        async def idempotent_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except IdempotentReplay as replay:
                return replay.response()
            reserved: Claim | None = getattr(request.state, _CLAIM_STATE, None)
            if reserved is not None:
                # Still inside the request's unit of work: the commit follows this.
                await run_in_threadpool(reserved.complete, response)
            return response

        return idempotent_handler


class PublicPostRoute(IdempotentRoute):
    """A POST that anyone may send: signing in, accepting an invitation.

    It takes no Idempotency-Key: keys are kept per calling account and such a caller has
    none, and its response carries a secret (a session's cookie) that is never stored. Both
    are safe to retry as they are: a second sign-in makes a second session; an accepted
    invitation is used up, so a retry creates nobody. Routes of this class judge their input
    at once, since there is no caller to know first (``check_public_input``).
    """

    claims_keys = False
