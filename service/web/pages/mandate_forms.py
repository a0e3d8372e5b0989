"""An investor's mandate forms: a new mandate, and editing one (with what someone else
changed meanwhile)."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from models import InvestorProfile
from service.core.database import SessionDep, start_writing
from service.http.problems import NotFound
from service.i18n.amounts import amount_for_typing
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.investors import service as investors
from service.investors.schemas import InvestorCreate, InvestorUpdate
from service.reference_data.catalog import get_reference_data
from service.reference_data.code_links import codes_of
from service.web.forms import FormState, amount_field, validated
from service.web.pages.common import InvestorVisitor, SubmittedForm, not_found, render
from service.web.pages.mandates import OwnMandate
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
ModelT = TypeVar("ModelT", bound=BaseModel)

# The fields of the form, and how each is shown and compared.
MANDATE_TEXT = ("name", "kind", "origin", "thesis", "ticket_min", "ticket_max", "currency")
MANDATE_CODES = ("sectors", "stages", "regions")
TEMPLATE = "investor/mandate_form.html"
# What a new mandate's form starts from: the commonest kind and the local market.
NEW_MANDATE_DEFAULTS: dict[str, Any] = {
    "kind": "vc",
    "origin": "domestic",
    "currency": "CNY",
    "sectors": [],
    "stages": [],
    "regions": [],
}

FIELD_LABELS = {
    "name": N_("Name"),
    "kind": N_("Kind of investor"),
    "origin": N_("Domestic or foreign"),
    "thesis": N_("Thesis"),
    "ticket_min": N_("Smallest ticket"),
    "ticket_max": N_("Largest ticket"),
    "currency": N_("Currency"),
    "sectors": N_("Sectors"),
    "stages": N_("Stages"),
    "regions": N_("Regions"),
}


def _mandate_values(mandate: InvestorProfile) -> dict[str, Any]:
    return {
        "name": mandate.name,
        "kind": mandate.kind,
        "origin": mandate.origin,
        "thesis": mandate.thesis,
        "ticket_min": amount_for_typing(mandate.ticket_min),
        "ticket_max": amount_for_typing(mandate.ticket_max),
        "currency": mandate.currency,
        "sectors": codes_of(mandate.sector_links),
        "stages": codes_of(mandate.stage_links),
        "regions": codes_of(mandate.region_links),
    }


def _typed(form: SubmittedForm) -> dict[str, Any]:
    """The form's fields as typed: text stripped, each list of codes as ticked."""
    typed: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in MANDATE_TEXT}
    for name in MANDATE_CODES:
        typed[name] = [str(code) for code in form.getlist(name)]
    return typed


def _checked(schema: type[ModelT], typed: dict[str, Any], state: FormState) -> ModelT | None:
    """The typed fields through the API's schema, amounts read as a person writes them
    (30亿, 5000万); None with every problem noted beside its field."""
    data: dict[str, Any] = {
        name: typed[name] for name in ("name", "kind", "origin", "thesis", "currency")
    }
    data.update({name: typed[name] for name in MANDATE_CODES})
    for name in ("ticket_min", "ticket_max"):
        amount = amount_field(state, name, typed.get("currency") or None)
        if amount is not None:
            data[name] = amount
    return validated(schema, data, state)


def _form_context(
    state: FormState, mandate: InvestorProfile | None, **extra: Any
) -> dict[str, Any]:
    reference = get_reference_data()
    return {
        "form": state,
        "mandate": mandate,
        "kinds": reference.entries("investor_kind"),
        "origins": reference.entries("origin"),
        "sectors": reference.sectors,
        "stages": reference.stages,
        "regions": reference.regions,
        "currencies": reference.entries("currency"),
        "labels": {name: translate(label) for name, label in FIELD_LABELS.items()},
        **extra,
    }


@router.get("/investor/mandates/new")
def new_mandate_form(request: Request, session: SessionDep, visitor: InvestorVisitor) -> Response:
    values = dict(NEW_MANDATE_DEFAULTS)
    # A firm's new fund is of the firm's kind and origin (a walk saw a foreign firm's second
    # fund start as domestic, which the negative lists read); its currency may well differ.
    latest = session.execute(
        select(InvestorProfile.kind, InvestorProfile.origin)
        .where(InvestorProfile.owner_account_id == visitor.account_id)
        .order_by(InvestorProfile.created_at.desc(), InvestorProfile.id.desc())
        .limit(1)
    ).first()
    if latest is not None:
        values.update(kind=latest.kind, origin=latest.origin)
    state = FormState(values=values)
    return render(request, visitor, TEMPLATE, _form_context(state, None))


@router.post("/investor/mandates/new")
async def create_mandate(
    request: Request, session: SessionDep, visitor: InvestorVisitor, form: SubmittedForm
) -> Response:
    typed = _typed(form)
    state = FormState(values=typed)
    checked = _checked(InvestorCreate, typed, state)
    if checked is None:
        return render(request, visitor, TEMPLATE, _form_context(state, None))
    start_writing(session)
    mandate = investors.create(session=session, principal=visitor, data=checked)
    # Straight to what the mandate is for: its ranked matches.
    return redirect(request, f"/investor/mandates/{mandate.id}/matches?done=created")


@router.get("/investor/mandates/{mandate_id}/edit")
def edit_mandate_form(request: Request, visitor: InvestorVisitor, mandate: OwnMandate) -> Response:
    values = _mandate_values(mandate)
    state = FormState(values={**values, "revision": str(mandate.revision)})
    context = _form_context(state, mandate, original=values)
    return render(request, visitor, TEMPLATE, context)


def _changed_meanwhile(
    original: dict[str, Any], current: dict[str, Any]
) -> list[tuple[str, Any, Any]]:
    """The fields someone else changed since the form was opened: (field, then, now)."""
    return [
        (name, original.get(name), current[name])
        for name in (*MANDATE_TEXT, *MANDATE_CODES)
        if original.get(name) != current[name]
    ]


# Amounts are read in the currency beside them: the three are merged as one.
TICKET_FIELDS = ("currency", "ticket_min", "ticket_max")


def _same(name: str, one: Any, other: Any) -> bool:
    """Two values of a field alike: lists of codes whatever their order, text as typed
    (ends stripped: the form strips what it sends, a stored text may not be)."""
    if name in MANDATE_CODES:
        return sorted(one or []) == sorted(other or [])
    return str(one or "").strip() == str(other or "").strip()


def _changed_by_visitor(typed: dict[str, Any], original: dict[str, Any]) -> set[str]:
    """The fields the visitor changed; the ticket's three together when any of them was."""
    changed = {
        name
        for name in (*MANDATE_TEXT, *MANDATE_CODES)
        if not _same(name, typed[name], original.get(name))
    }
    if changed & set(TICKET_FIELDS):
        changed |= set(TICKET_FIELDS)
    return changed


def _merged(typed: dict[str, Any], current: dict[str, Any], theirs: set[str]) -> dict[str, Any]:
    """The visitor's form on top of the current mandate: each field the visitor changed
    (``theirs``) as typed, each it left as opened at its current value. The ticket's currency
    and amounts go together: "1亿" typed in yuan never lands beside a currency someone else
    chose."""
    return {
        name: typed[name] if name in theirs else current[name]
        for name in (*MANDATE_TEXT, *MANDATE_CODES)
    }


@router.post("/investor/mandates/{mandate_id}/edit")
async def update_mandate(
    mandate_id: str,
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    form: SubmittedForm,
) -> Response:
    start_writing(session)
    try:
        mandate = investors.get_visible(
            session=session, principal=visitor, investor_id=mandate_id, for_update=True
        )
    except NotFound:
        return not_found(request, visitor)
    typed = _typed(form)
    state = FormState(values={**typed, "revision": str(form.get("revision", ""))})
    original: dict[str, Any] = {
        name: str(form.get(f"original_{name}", "")) for name in MANDATE_TEXT
    }
    for name in MANDATE_CODES:
        original[name] = [str(code) for code in form.getlist(f"original_{name}")]
    current = _mandate_values(mandate)
    if state.values["revision"] != str(mandate.revision):
        # Someone changed the mandate since this form was opened: say what, keep what the
        # visitor changed, take the current value of every field the visitor left alone (else
        # sending it again would quietly undo the other person's change), and let them send
        # it again on top of the current revision.
        changed = _changed_meanwhile(original, current)
        theirs = _changed_by_visitor(typed, original)
        merged = _merged(typed, current, theirs)
        state = FormState(values={**merged, "revision": str(mandate.revision)})
        both = [translate(FIELD_LABELS[name]) for name, _, _ in changed if name in theirs]
        context = _form_context(state, mandate, original=current, changed=changed, both=both)
        return render(request, visitor, TEMPLATE, context)
    checked = _checked(InvestorUpdate, typed, state)
    if checked is None:
        return render(request, visitor, TEMPLATE, _form_context(state, mandate, original=original))
    investors.update(session=session, principal=visitor, profile=mandate, data=checked)
    return redirect(request, "/investor?done=1")
