"""Webhook endpoints, for every kind of account: its endpoints (a disabled one says so and
why, with a button to send to it again), registering one (errors beside each field, in the
reader's language), and each endpoint's delivery log."""

from __future__ import annotations

import base64
import contextlib
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from models import Role, WebhookEndpoint, WebhookEventType
from models.types import utc_now
from service.core.database import SessionDep, start_writing
from service.core.settings import get_settings
from service.http.auth import Principal
from service.http.problems import Conflict, Invalid, NotFound
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.web.forms import FormState
from service.web.pages.common import PageRefusal, SubmittedForm, not_found, render
from service.web.responses import redirect, sign_in_location
from service.web.visitors import Visitor
from service.webhooks import service as webhooks
from service.webhooks.schemas import WebhookEndpointCreate, WebhookEndpointUpdate

router = APIRouter(include_in_schema=False)
SHOWN = 100
FIELDS = ("url", "description", "min_score", "secret")
EVENT_LABELS = {
    WebhookEventType.MATCH_CREATED: N_("A new match above the threshold for one of my mandates"),
    WebhookEventType.MEETING_REQUESTED: N_("A meeting requested"),
    WebhookEventType.MEETING_ACCEPTED: N_("A meeting accepted"),
    WebhookEventType.MEETING_SCHEDULED: N_("A meeting scheduled"),
    WebhookEventType.MEETING_CANCELLED: N_("A meeting cancelled"),
    WebhookEventType.FINANCING_REQUEST_REVIEWED: N_("A financing request reviewed"),
    WebhookEventType.OUTCOME_STEP: N_("A deal's step recorded"),
}
DELIVERY_LABELS = {
    "pending": N_("Waiting to be sent again"),
    "delivered": N_("Delivered"),
    "failed": N_("Given up"),
}
# What each problem with a field means, as a person reads it.
MESSAGES = {
    "invalid_url": N_("Write a full address such as https://hooks.example.com/matchmaker."),
    "https_required": N_("Webhooks go over HTTPS: write an address that starts with https://."),
    "address_refused": N_(
        "This address is private, link-local or otherwise not public: webhooks go only to "
        "public addresses."
    ),
    "unresolvable": N_("This host name does not resolve: check the address."),
    "no_account": N_("Only an account can have webhook endpoints."),
    "webhook_secret": N_("Write whsec_ followed by base64 of 24 to 64 random bytes."),
    "missing": N_("Fill this in."),
    "string_too_short": N_("Fill this in."),
    "string_too_long": N_("This is too long."),
    "too_short": N_("Choose at least one."),
    "float_parsing": N_("Write a number between 0 and 1, such as 0.6."),
    "greater_than_equal": N_("Write a number between 0 and 1, such as 0.6."),
    "less_than_equal": N_("Write a number between 0 and 1, such as 0.6."),
}
DEFAULT_MESSAGE = N_("This value is not valid.")
ROTATION_UNDER_WAY = N_(
    "The previous secret still signs until the time above: change the secret again after "
    "that, so your receiver never holds a secret nothing signs with."
)
ROTATED = N_(
    "The new secret signs every delivery now; for 24 hours the old one signs beside it, so "
    "switch your receiver to the new secret within that time."
)
NOTICES = {
    "rotated": ROTATED,
    "changed": N_("Saved: the next deliveries go to the endpoint as it is now."),
}
LAST_ERROR = "; the last: "


def disabled_reason(endpoint: WebhookEndpoint) -> str:
    """Why the endpoint was disabled, in the reader's language (the stored reason is the
    worker's English, with the last error as the receiver or the network gave it)."""
    stored = endpoint.disabled_reason or ""
    if LAST_ERROR not in stored:
        return stored
    return translate("Disabled after %(count)s failed attempts in a row; the last: %(error)s") % {
        "count": endpoint.consecutive_failures,
        "error": stored.partition(LAST_ERROR)[2],
    }


def signed_in(request: Request, visitor: Visitor) -> Principal:
    """Any signed-in person; a signed-out visitor is sent to sign in (and back)."""
    if visitor is None:
        raise PageRefusal(redirect(request, sign_in_location(request)))
    return visitor


AnyVisitor = Annotated[Principal, Depends(signed_in)]


def offered_events(visitor: Principal) -> dict[str, str]:
    """The events the visitor's account can be told of, by name: new matches only to an
    investor (they are a mandate's); meetings, reviews and deal steps to every role."""
    return {
        kind.value: translate(label)
        for kind, label in EVENT_LABELS.items()
        if kind is not WebhookEventType.MATCH_CREATED or visitor.role is Role.INVESTOR
    }


def _chosen_events(form: FormData, visitor: Principal) -> set[str]:
    """The events ticked, of those the page offers the visitor's role (a hand-made form
    asking for another account's kind of event gets only these)."""
    return {str(value) for value in form.getlist("event_types")} & set(offered_events(visitor))


def new_secret() -> str:
    """A fresh Standard Webhooks secret for the form to offer."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _context(session: Session, visitor: Principal, **extra: Any) -> dict[str, Any]:
    endpoints, _ = webhooks.list_own(session=session, principal=visitor, limit=SHOWN, offset=0)
    return {
        "endpoints": endpoints,
        "event_labels": {kind.value: translate(label) for kind, label in EVENT_LABELS.items()},
        "offered_events": offered_events(visitor),
        "form": extra.pop("form", FormState(values={"secret": new_secret(), "min_score": "0.6"})),
        "chosen": extra.pop("chosen", set()),
        "reasons": {endpoint.id: disabled_reason(endpoint) for endpoint in endpoints},
        **extra,
    }


@router.get("/webhooks")
def endpoints_page(request: Request, session: SessionDep, visitor: AnyVisitor) -> Response:
    return render(request, visitor, "webhooks/endpoints.html", _context(session, visitor))


def _problems(state: FormState, errors: list[tuple[str, str]]) -> None:
    for field, code in errors:
        state.errors.setdefault(field, translate(MESSAGES.get(code, DEFAULT_MESSAGE)))


def _field_problems(state: FormState, invalid: ValidationError) -> None:
    """The validation's problems beside their fields, as a person reads them."""
    _problems(state, [(str(e["loc"][0]), str(e["type"])) for e in invalid.errors() if e["loc"]])


def _locked_own(session: Session, visitor: Principal, endpoint_id: str) -> WebhookEndpoint | None:
    """The write lock first, then the visitor's endpoint as it stands (locked on PostgreSQL,
    so a change made meanwhile through the API is seen, never overwritten); None if it is
    not the visitor's."""
    start_writing(session)
    try:
        return webhooks.get_own(
            session=session, principal=visitor, endpoint_id=endpoint_id, for_update=True
        )
    except NotFound:
        return None


@router.post("/webhooks")
async def register_endpoint(
    request: Request, session: SessionDep, visitor: AnyVisitor, form: SubmittedForm
) -> Response:
    state = FormState(values={name: str(form.get(name, "")).strip() for name in FIELDS})
    chosen = _chosen_events(form, visitor)
    data: dict[str, Any] = {
        "url": state.values["url"],
        "description": state.values["description"] or None,
        "event_types": sorted(chosen),
        "min_score": state.values["min_score"] or "0",
        "secret": state.values["secret"],
    }
    try:
        checked = WebhookEndpointCreate.model_validate(data)
    except ValidationError as invalid:
        _field_problems(state, invalid)
    else:
        start_writing(session)
        try:
            endpoint = webhooks.register(session=session, principal=visitor, data=checked)
        except Invalid as refused:
            _problems(state, [(p.field or "url", p.code) for p in refused.errors or []])
        else:
            return redirect(request, f"/webhooks/{endpoint.id}")
    context = _context(session, visitor, form=state, chosen=chosen)
    return render(request, visitor, "webhooks/endpoints.html", context)


EDITED_FIELDS = ("url", "description", "min_score")


def _edit_form(endpoint: WebhookEndpoint) -> FormState:
    """The edit form filled with the endpoint as it is."""
    return FormState(
        values={
            "url": endpoint.url,
            "description": endpoint.description or "",
            "min_score": f"{endpoint.min_score:g}",
        }
    )


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    return translate(NOTICES[done]) if done in NOTICES else None


def _endpoint_page(
    request: Request,
    session: Session,
    visitor: Principal,
    endpoint: WebhookEndpoint,
    rotation: FormState | None = None,
    edit: FormState | None = None,
    chosen: set[str] | None = None,
) -> Response:
    deliveries, total = webhooks.deliveries_of(
        session=session, endpoint=endpoint, status=None, limit=SHOWN, offset=0
    )
    overlap_until = endpoint.previous_secret_until
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "reason": disabled_reason(endpoint),
        "total": total,
        "event_labels": {kind.value: translate(label) for kind, label in EVENT_LABELS.items()},
        "offered_events": offered_events(visitor),
        "delivery_labels": {key: translate(label) for key, label in DELIVERY_LABELS.items()},
        # The old secret still signs beside the new one until then (None: no overlap now).
        "overlap_until": overlap_until if overlap_until and overlap_until > utc_now() else None,
        "form": rotation or FormState(values={"secret": new_secret()}),
        "edit": edit or _edit_form(endpoint),
        "chosen": set(endpoint.event_types) if chosen is None else chosen,
        "notice": _notice(request),
        "history_days": get_settings().webhook_history_days,
    }
    return render(request, visitor, "webhooks/endpoint.html", context)


@router.get("/webhooks/{endpoint_id}")
def endpoint_page(
    endpoint_id: str, request: Request, session: SessionDep, visitor: AnyVisitor
) -> Response:
    try:
        endpoint = webhooks.get_own(session=session, principal=visitor, endpoint_id=endpoint_id)
    except NotFound:
        return not_found(request, visitor)
    return _endpoint_page(request, session, visitor, endpoint)


@router.post("/webhooks/{endpoint_id}/edit")
async def edit_endpoint(
    endpoint_id: str,
    request: Request,
    session: SessionDep,
    visitor: AnyVisitor,
    form: SubmittedForm,
) -> Response:
    """Change the address (checked as at registration), description, threshold and events;
    errors beside their fields, nothing written."""
    endpoint = _locked_own(session, visitor, endpoint_id)
    if endpoint is None:
        return not_found(request, visitor)
    state = FormState(values={name: str(form.get(name, "")).strip() for name in EDITED_FIELDS})
    chosen = _chosen_events(form, visitor)
    data: dict[str, Any] = {
        "description": state.values["description"] or None,
        "event_types": sorted(chosen),
        "min_score": state.values["min_score"] or "0",
    }
    if state.values["url"] != endpoint.url:
        # Only a new address is checked again: an unchanged one that no longer resolves must
        # not keep the owner from changing its events or threshold.
        data["url"] = state.values["url"]
    try:
        checked = WebhookEndpointUpdate.model_validate(data)
    except ValidationError as invalid:
        _field_problems(state, invalid)
        return _endpoint_page(request, session, visitor, endpoint, edit=state, chosen=chosen)
    try:
        webhooks.update(session=session, principal=visitor, endpoint=endpoint, data=checked)
    except Invalid as refused:
        # Nothing of the refused change may reach the commit of this answer.
        session.rollback()
        _problems(state, [(p.field or "url", p.code) for p in refused.errors or []])
        return _endpoint_page(request, session, visitor, endpoint, edit=state, chosen=chosen)
    return redirect(request, f"/webhooks/{endpoint.id}?done=changed")


@router.post("/webhooks/{endpoint_id}/secret")
async def rotate_secret(
    endpoint_id: str,
    request: Request,
    session: SessionDep,
    visitor: AnyVisitor,
    form: SubmittedForm,
) -> Response:
    """A new signing secret; the old one signs beside it for a day (see the API's PATCH)."""
    endpoint = _locked_own(session, visitor, endpoint_id)
    if endpoint is None:
        return not_found(request, visitor)
    state = FormState(values={"secret": str(form.get("secret", "")).strip()})
    try:
        checked = WebhookEndpointUpdate.model_validate({"secret": state.values["secret"]})
    except ValidationError as invalid:
        _field_problems(state, invalid)
        return _endpoint_page(request, session, visitor, endpoint, state)
    try:
        webhooks.update(session=session, principal=visitor, endpoint=endpoint, data=checked)
    except Conflict:
        state.errors["secret"] = translate(ROTATION_UNDER_WAY)
        return _endpoint_page(request, session, visitor, endpoint, state)
    return redirect(request, f"/webhooks/{endpoint.id}?done=rotated")


@router.post("/webhooks/{endpoint_id}/enable")
async def enable_endpoint(
    endpoint_id: str,
    request: Request,
    session: SessionDep,
    visitor: AnyVisitor,
    form: SubmittedForm,
) -> Response:
    endpoint = _locked_own(session, visitor, endpoint_id)
    if endpoint is None:
        return not_found(request, visitor)
    # An address refused now: it stays disabled, and the page says so.
    with contextlib.suppress(Invalid):
        webhooks.enable(session=session, principal=visitor, endpoint=endpoint)
    return redirect(request, f"/webhooks/{endpoint_id}")


@router.post("/webhooks/{endpoint_id}/delete")
async def delete_endpoint(
    endpoint_id: str,
    request: Request,
    session: SessionDep,
    visitor: AnyVisitor,
    form: SubmittedForm,
) -> Response:
    endpoint = _locked_own(session, visitor, endpoint_id)
    if endpoint is None:
        return not_found(request, visitor)
    webhooks.delete(session=session, principal=visitor, endpoint=endpoint)
    return redirect(request, "/webhooks")
