"""Webhook endpoints over HTTP: register, list, read, change (a secret rotates with an
overlap), re-enable, delete, and read the delivery log. Thin: the rules live in
``service.webhooks.service``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from models import DeliveryStatus, WebhookEndpoint
from service.core.database import SessionDep
from service.http.auth import CurrentPrincipal
from service.http.idempotency import IdempotentRoute
from service.http.pagination import (
    CursorQuery,
    LimitQuery,
    Page,
    decode_offset_cursor,
    encode_offset_cursor,
)
from service.http.preconditions import IfMatchHeader, require_current, tag_response, with_etag
from service.http.problems import PRECONDITION_RESPONSES, PROBLEM_RESPONSES
from service.webhooks import service
from service.webhooks.schemas import (
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)

router = APIRouter(
    prefix="/v1/webhook-endpoints",
    tags=["webhooks"],
    responses=PROBLEM_RESPONSES,
    route_class=IdempotentRoute,
)


def _endpoint(
    session: SessionDep,
    principal: CurrentPrincipal,
    endpoint_id: Annotated[str, Path(max_length=36)],
) -> WebhookEndpoint:
    return service.get_own(session=session, principal=principal, endpoint_id=endpoint_id)


EndpointInPath = Annotated[WebhookEndpoint, Depends(_endpoint)]


def _editable_endpoint(
    session: SessionDep,
    principal: CurrentPrincipal,
    endpoint_id: Annotated[str, Path(max_length=36)],
    if_match: IfMatchHeader = None,
) -> WebhookEndpoint:
    """The endpoint, locked for this write, if If-Match names its current revision."""
    endpoint = service.get_own(
        session=session, principal=principal, endpoint_id=endpoint_id, for_update=True
    )
    require_current(if_match, endpoint.revision)
    return endpoint


EditableEndpoint = Annotated[WebhookEndpoint, Depends(_editable_endpoint)]


def _locked_endpoint(
    session: SessionDep,
    principal: CurrentPrincipal,
    endpoint_id: Annotated[str, Path(max_length=36)],
) -> WebhookEndpoint:
    """The endpoint, locked for a write that takes no If-Match (re-enabling)."""
    return service.get_own(
        session=session, principal=principal, endpoint_id=endpoint_id, for_update=True
    )


LockedEndpoint = Annotated[WebhookEndpoint, Depends(_locked_endpoint)]


def _next(offset: int, limit: int, total: int) -> str | None:
    return encode_offset_cursor(offset + limit) if offset + limit < total else None


@router.post(
    "",
    response_model=WebhookEndpointOut,
    status_code=status.HTTP_201_CREATED,
    responses=with_etag(201),
)
def register_webhook_endpoint(
    principal: CurrentPrincipal,
    body: WebhookEndpointCreate,
    session: SessionDep,
    response: Response,
) -> WebhookEndpointOut:
    """Register an endpoint of the caller's account. Its URL is checked now (HTTPS; the host
    resolved and every address public) and again before every delivery. Each event comes as
    a POST signed by Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
    ``webhook-signature``), the same ``webhook-id`` on every retry."""
    endpoint = service.register(session=session, principal=principal, data=body)
    tag_response(response, endpoint.revision)
    return WebhookEndpointOut.from_model(endpoint)


@router.get("", response_model=Page[WebhookEndpointOut])
def list_webhook_endpoints(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[WebhookEndpointOut]:
    """The caller's account's endpoints, newest first, disabled ones with why."""
    offset = decode_offset_cursor(cursor)
    endpoints, total = service.list_own(
        session=session, principal=principal, limit=limit, offset=offset
    )
    return Page(
        items=[WebhookEndpointOut.from_model(endpoint) for endpoint in endpoints],
        next_cursor=_next(offset, limit, total),
    )


@router.get("/{endpoint_id}", response_model=WebhookEndpointOut, responses=with_etag(200))
def read_webhook_endpoint(endpoint: EndpointInPath, response: Response) -> WebhookEndpointOut:
    """One of the account's endpoints."""
    tag_response(response, endpoint.revision)
    return WebhookEndpointOut.from_model(endpoint)


@router.patch(
    "/{endpoint_id}",
    response_model=WebhookEndpointOut,
    responses={**PRECONDITION_RESPONSES, **with_etag(200)},
)
def update_webhook_endpoint(
    principal: CurrentPrincipal,
    body: WebhookEndpointUpdate,
    endpoint: EditableEndpoint,
    session: SessionDep,
    response: Response,
) -> WebhookEndpointOut:
    """Change the URL (checked as at registration), description, events or threshold, or
    rotate the secret: for 24 hours after a new ``secret``, each delivery's
    ``webhook-signature`` carries a signature by the old secret beside the new one's, so the
    receiver can switch without rejecting anything (If-Match: the ETag you read). One rotation
    at a time: a new secret while the previous one still signs is a 409."""
    service.update(session=session, principal=principal, endpoint=endpoint, data=body)
    tag_response(response, endpoint.revision)
    return WebhookEndpointOut.from_model(endpoint)


@router.post("/{endpoint_id}/enable", response_model=WebhookEndpointOut, responses=with_etag(200))
def enable_webhook_endpoint(
    principal: CurrentPrincipal, endpoint: LockedEndpoint, session: SessionDep, response: Response
) -> WebhookEndpointOut:
    """Send to an endpoint disabled after repeated failures again (its URL checked again);
    deliveries still within their 24 hours resume."""
    service.enable(session=session, principal=principal, endpoint=endpoint)
    tag_response(response, endpoint.revision)
    return WebhookEndpointOut.from_model(endpoint)


@router.delete(
    "/{endpoint_id}", status_code=204, response_class=Response, responses=PRECONDITION_RESPONSES
)
def delete_webhook_endpoint(
    principal: CurrentPrincipal, endpoint: EditableEndpoint, session: SessionDep
) -> Response:
    """Delete the endpoint with its deliveries and their log (If-Match: the ETag you read)."""
    service.delete(session=session, principal=principal, endpoint=endpoint)
    return Response(status_code=204)


@router.get("/{endpoint_id}/deliveries", response_model=Page[WebhookDeliveryOut])
def list_webhook_deliveries(
    endpoint: EndpointInPath,
    session: SessionDep,
    delivery_status: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only deliveries in this state")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[WebhookDeliveryOut]:
    """The endpoint's delivery log, newest first: each event, the body sent, every attempt
    (time, status, error) and when the next one is due."""
    offset = decode_offset_cursor(cursor)
    items, total = service.deliveries_of(
        session=session, endpoint=endpoint, status=delivery_status, limit=limit, offset=offset
    )
    return Page(items=items, next_cursor=_next(offset, limit, total))
