"""What every page handler shares: the visitor's page context, role checks, CSRF checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from models import Role
from service.http.auth import Principal
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.web.csrf import CSRF_FIELD, form_token_is_valid
from service.web.forms import FormState
from service.web.responses import page, sign_in_location
from service.web.responses import redirect as redirect_to
from service.web.visitors import Visitor, navigation

WELCOME = "welcome"  # the address's parameter after an invitation is accepted


def render(
    request: Request,
    visitor: Principal | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    values = {"visitor": visitor, "nav": navigation(visitor), **(context or {})}
    if status_code == 200 and _refuses_a_form(request, values):
        # A form sent back with its problems wrote nothing: every page answers it alike, so
        # a script, a log or a test can tell a refused submission from an accepted one.
        status_code = 422
    if visitor is not None and request.query_params.get(WELCOME) and not values.get("notice"):
        # The first page after accepting an invitation says whom the person joined.
        values["notice"] = translate(
            "Welcome, %(person)s: you have joined %(account)s. Your pages are in the menu above."
        ) % {"person": visitor.user_name or visitor.name, "account": visitor.name}
    return page(request, template, values, status_code=status_code)


def _refuses_a_form(request: Request, values: Mapping[str, Any]) -> bool:
    if request.method != "POST":
        return False
    return any(isinstance(value, FormState) and value.errors for value in values.values())


def message_page(
    request: Request, visitor: Principal | None, heading: str, message: str, status_code: int
) -> Response:
    return render(
        request,
        visitor,
        "message.html",
        {"heading": heading, "message": message},
        status_code=status_code,
    )


def not_found(request: Request, visitor: Principal | None) -> Response:
    """Another account's object looks exactly like one that does not exist."""
    return message_page(
        request,
        visitor,
        translate("Not found"),
        translate("There is nothing here, or it is not yours to see."),
        404,
    )


def refused_role(request: Request, visitor: Principal | None, role: Role) -> Response | None:
    """None when the visitor may open a page of ``role``; else where to send them."""
    if visitor is None:
        return redirect_to(request, sign_in_location(request))
    if visitor.role is not role:
        return message_page(
            request,
            visitor,
            translate("Not available"),
            translate(
                "This page is for %(kind)s accounts; you are signed in for %(account)s. Your "
                "own pages are in the menu above."
            )
            % {"kind": translate(_ROLE_NAMES[role]), "account": visitor.name},
            403,
        )
    return None


# Who a page is for, as the refusal names them.
_ROLE_NAMES = {
    Role.COMMISSION: N_("the commission's"),
    Role.INVESTOR: N_("investors'"),
    Role.STARTUP: N_("companies'"),
}


async def checked_form(request: Request) -> FormData | None:
    """The submitted form, or None when it does not carry this browser's CSRF token."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not form_token_is_valid(request, token if isinstance(token, str) else None):
        await form.close()  # uploaded files, spooled to disk, go now
        return None
    return form


def forged(request: Request, visitor: Principal | None) -> Response:
    return message_page(
        request,
        visitor,
        translate("The form has expired"),
        translate("Open the page again and resend the form."),
        403,
    )


class PageRefusal(Exception):
    """A page that cannot be shown to this visitor: where to send them instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def answer_refusal(request: Request, refusal: Exception) -> Response:
    """The exception handler of ``PageRefusal``: its response, as it is."""
    assert isinstance(refusal, PageRefusal)
    return refusal.response


def visitor_of(role: Role) -> Callable[[Request, Principal | None], Principal]:
    """A dependency: the signed-in visitor when their account has ``role``; a signed-out
    visitor is sent to sign in (and back), another role gets a 403 page."""

    def signed_in_as(request: Request, visitor: Visitor) -> Principal:
        refused = refused_role(request, visitor, role)
        if refused is not None or visitor is None:
            raise PageRefusal(refused or redirect_to(request, sign_in_location(request)))
        return visitor

    return signed_in_as


async def submitted_form(request: Request, visitor: Visitor) -> FormData:
    """A dependency: the form, when it carries this browser's CSRF token."""
    form = await checked_form(request)
    if form is None:
        raise PageRefusal(forged(request, visitor))
    return form


CommissionVisitor = Annotated[Principal, Depends(visitor_of(Role.COMMISSION))]
StartupVisitor = Annotated[Principal, Depends(visitor_of(Role.STARTUP))]
InvestorVisitor = Annotated[Principal, Depends(visitor_of(Role.INVESTOR))]
SubmittedForm = Annotated[FormData, Depends(submitted_form)]
