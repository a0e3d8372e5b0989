"""The OpenAPI document as an integrator reads it: each operation's real errors, as problems.

Routers declare the problem answers of the HTTP kit (``PROBLEM_RESPONSES``, and the
precondition answers on conditional writes); FastAPI would list them all on every operation,
with the ``Problem`` schema under ``application/json``, the media type no error has. Here each
operation keeps only the errors it can give, under ``application/problem+json``:

- 401 where a caller must be authenticated (public routes do not declare it);
- 403 where a role is checked (``require_roles``) or the endpoint says so (``may_answer``);
- 404 where the path names an object (or the endpoint says so);
- 409 on writes; 413 where there is a body; 412 and 428 where a route declares them;
- 422, 429 and 503 everywhere they are declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.http.problems import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"

API_DESCRIPTION = """
Investor-to-project matchmaking for investment-promotion commissions: investors' mandates,
startups' financing requests, ranked matches with their reasons, feedback, deals and reports.

## Authentication

Every operation except `GET /v1/taxonomy`, the health probes, signing in and accepting an
invitation needs a caller, given one of two ways:

- **A bearer API key**: `Authorization: Bearer <key>`. The commission gets an account's first
  key when it creates the account (`POST /v1/accounts`, in `api_key`) or with
  `matchmaker keys create`; a signed-in person makes keys for themselves (or, as the account's
  admin, for the account) with `POST /v1/api-keys`. A key is shown once; only its hash is kept.
- **The session cookie** `matchmaker_session`, for people: accept an invitation
  (`POST /v1/invitations/accept`, with the one-time code someone invited you with), then sign
  in with `POST /v1/sessions` (username and password); the response sets the cookie (HttpOnly,
  30 minutes idle, 12 hours at most). `DELETE /v1/sessions/current` signs out.

The caller's account has a role: `commission`, `investor` or `startup`. A role that may not use
an operation gets 403; another account's object is a 404, exactly like one that does not exist.

## Errors

Every error is an RFC 9457 problem (`application/problem+json`, the `Problem` schema): `type`,
`title`, `status`, `detail`, `instance`, the `request_id` to quote, and for invalid input
`errors`, one entry per bad field (`pointer`, `field`, `location`, `code`, `message`, and
`allowed` values for codes). A 422 names every bad field of the request at once, the rules
between fields (such as `ticket_min` <= `ticket_max`) included. Each operation lists the errors
it can give. Edits name the revision they were made from: send `If-Match` with the `ETag` of
your last read (428 without it, 412 when the object changed since). 429 and 503 carry
`Retry-After`. A POST may carry an `Idempotency-Key`: a retry with the same key and body
replays the first answer (`Idempotent-Replayed: true`) instead of creating twice.

## Languages, codes and names

Every code (sector, stage, region, currency, investor kind, origin) has a Chinese and an English
name, listed by `GET /v1/taxonomy`. Wherever the API takes a code it takes either name too
(`人工智能`, `B轮`, `徐汇区`, `"Series B"`, `人民币`); responses always give the code. What a
person reads comes in the caller's language, chosen by `Accept-Language` (Chinese by default,
English when it comes first): each object's `display` (names, and amounts in 亿/万 or
million/billion beside the exact figure: `30亿元（3,000,000,000 CNY）`) and each match's
`reasons[].text`, written for the caller (the investor reads "your"; the commission and the
startup read the investor's name). `reasons[].kind`, `outcome` and `values` are the same in
every language, for programs. Responses say `Content-Language` and `Vary: Accept-Language`.

## Pagination

Lists answer `{"items": [...], "next_cursor": ...}`, newest first. `limit` sets the page size
(at most 100); pass `next_cursor` back as `cursor` for the next page; `null` means the last page.
Amounts are exact decimals, sent as JSON numbers or strings and returned as strings.
""".strip()
MAY_ANSWER_ATTRIBUTE = "__may_answer__"
READ_METHODS = frozenset({"GET", "HEAD"})
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def may_answer(*statuses: int) -> Callable[[Endpoint], Endpoint]:
    """Marks an endpoint that gives these problems where the rules above would not say so
    (a 403 decided by its service, a 404 of an object its path does not name)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, MAY_ANSWER_ATTRIBUTE, frozenset(statuses))
        return endpoint

    return mark


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _checks_a_role(route: APIRoute) -> bool:
    return any(
        getattr(call, "__qualname__", "").startswith("require_roles.")
        for call in _calls(route.dependant)
    )


def problem_statuses(route: APIRoute, method: str) -> frozenset[int]:
    """The problem statuses ``method`` on ``route`` can answer, of those its router declares."""
    marked: frozenset[int] = getattr(route.endpoint, MAY_ANSWER_ATTRIBUTE, frozenset())
    applies = {
        403: _checks_a_role(route),
        404: bool(route.dependant.path_params) or "{" in route.path,
        409: method not in READ_METHODS,
        413: route.body_field is not None,
    }
    return frozenset(
        int(status)
        for status in route.responses
        if str(status).isdigit() and (applies.get(int(status), True) or int(status) in marked)
    )


def _is_problem(response: dict[str, Any]) -> bool:
    return PROBLEM_MEDIA_TYPE in response.get("content", {})


def document_problems(routes: Iterable[APIRoute], document: dict[str, Any]) -> dict[str, Any]:
    """Narrow each operation's problems (see the module) and give them the Problem schema."""
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            kept = problem_statuses(route, method)
            responses: dict[str, Any] = operation["responses"]
            for status, response in list(responses.items()):
                if not (status.isdigit() and int(status) >= 400 and _is_problem(response)):
                    continue
                if int(status) not in kept:
                    del responses[status]
                    continue
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
    return document


def install_openapi_document(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """``app.openapi()`` (and so ``/openapi.json``) answers the narrowed document.

    ``routers`` are those the app includes, read as declared (with their prefixes and
    responses): the app's own route list holds them as included routers, not routes.
    """
    build = app.openapi
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(routes, build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
