"""One small error hierarchy, rendered as RFC 9457 problem details."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.request_context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("matchmaker.errors")


class UnreadableBody:
    """Stands for a request body that is not UTF-8 JSON; validation refuses it."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"UnreadableBody({self.reason!r})"


class FieldProblem(BaseModel):
    """One bad field: where it is, what is wrong, and the allowed values where they help."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "pointer": "#/sectors/1",
                    "field": "sectors.1",
                    "location": "body",
                    "code": "unknown_sector",
                    "message": "Unknown sector code 'robots'; valid codes: ai, ...",
                    "allowed": ["ai", "ai.foundation_models", "robotics"],
                }
            ]
        },
    )

    pointer: str = Field(
        description="A JSON Pointer (RFC 6901) as a URI fragment: '#/ticket_min' for a body "
        "member, '#query/sector' for a query parameter",
        examples=["#/ticket_min"],
    )
    field: str = Field(
        description="The member's path with dots ('sectors.1'), or the parameter's name",
        examples=["ticket_min"],
    )
    location: str = Field(
        description="Where it was: body, query, path or header", examples=["body"]
    )
    code: str = Field(
        description="A stable machine-readable reason ('missing', 'unknown_sector', "
        "'ticket_range', 'greater_than', ...)",
        examples=["ticket_range"],
    )
    message: str = Field(description="For people", examples=["ticket_min 9 is above ticket_max 5"])
    allowed: list[str] | None = Field(
        default=None, description="The valid values, for a code field (taxonomy, stages, ...)"
    )


_PROBLEM_EXAMPLE: dict[str, Any] = {
    "type": "/problems/invalid-input",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "Invalid fields: sectors.1, stages.0, ticket_max, ticket_min",
    "instance": "/v1/investors",
    "request_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "errors": [
        {
            "pointer": "#/sectors/1",
            "field": "sectors.1",
            "location": "body",
            "code": "unknown_sector",
            "message": "Unknown sector code 'robots'; valid codes: ai, ...",
            "allowed": ["ai", "ai.foundation_models", "robotics"],
        },
        {
            "pointer": "#/stages/0",
            "field": "stages.0",
            "location": "body",
            "code": "unknown_stage",
            "message": "Unknown stage code 'late'; valid codes: seed, ...",
            "allowed": ["seed", "series_a", "growth"],
        },
        {
            "pointer": "#/ticket_min",
            "field": "ticket_min",
            "location": "body",
            "code": "ticket_range",
            "message": "ticket_min 9000000000 is above ticket_max 3000000000",
        },
        {
            "pointer": "#/ticket_max",
            "field": "ticket_max",
            "location": "body",
            "code": "ticket_range",
            "message": "ticket_min 9000000000 is above ticket_max 3000000000",
        },
    ],
}


class Problem(BaseModel):
    """An RFC 9457 problem details object: every error of the API, as application/problem+json.

    A 422 lists every bad field of the request in ``errors``, the rules between fields included.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _PROBLEM_EXAMPLE,
                {
                    "type": "/problems/precondition-failed",
                    "title": "The object changed since it was read",
                    "status": 412,
                    "detail": (
                        "The object is at revision 4 now; read it again and reapply your change."
                    ),
                    "instance": "/v1/investors/3e9b1d70-4c2a-4e8f-9b6d-0a5c7f2e1d43",
                    "request_id": "5a4b3c2d1e0f98877665544332211009",
                },
            ]
        }
    )

    type: str = Field(
        description="A URI reference naming the kind of problem", examples=["/problems/not-found"]
    )
    title: str = Field(description="The kind's short summary; the same for every occurrence")
    status: int = Field(description="The HTTP status code", examples=[404])
    detail: str | None = Field(default=None, description="What happened this time, for people")
    instance: str | None = Field(default=None, description="The path of the request")
    request_id: str | None = Field(
        default=None,
        description="The service's id of the request (also in X-Request-ID); quote it when "
        "reporting an error",
    )
    errors: list[FieldProblem] | None = Field(
        default=None, description="Each bad field or parameter (422 and some 409s)"
    )


class ServiceError(Exception):
    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldProblem] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})


class Unauthorized(ServiceError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ServiceError):
    status, slug, title = 403, "forbidden", "Your role may not do this"


class NotFound(ServiceError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(ServiceError):
    status, slug, title = 409, "conflict", "Conflicts with the current state"


class PreconditionFailed(ServiceError):
    status, slug, title = 412, "precondition-failed", "The object changed since it was read"


class PayloadTooLarge(ServiceError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class Invalid(ServiceError):
    status, slug, title = 422, "invalid-input", "The request has invalid fields"


class PreconditionRequired(ServiceError):
    status, slug, title = 428, "precondition-required", "Send If-Match with the object's ETag"


class TooManyRequests(ServiceError):
    status, slug, title = 429, "too-many-requests", "Rate limit exceeded"


class ServiceUnavailable(ServiceError):
    status, slug, title = 503, "unavailable", "Service unavailable"


# Seconds a client should wait before retrying when the database is busy or unreachable.
DATABASE_BUSY_RETRY_AFTER_SECONDS = 2


_ERROR_BY_STATUS: dict[int, type[ServiceError]] = {
    cls.status: cls
    for cls in (
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        Invalid,
        PreconditionRequired,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def field_problem(
    field: str,
    code: str,
    message: str,
    *,
    location: str = "body",
    allowed: Sequence[str] | None = None,
) -> FieldProblem:
    pointer = "#/" + field.replace(".", "/") if location == "body" else f"#{location}/{field}"
    return FieldProblem(
        pointer=pointer,
        field=field,
        location=location,
        code=code,
        message=message,
        allowed=list(allowed) if allowed is not None else None,
    )


def problem_response(
    *,
    status: int,
    slug: str,
    title: str,
    request: Request | None,
    detail: str | None = None,
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=f"/problems/{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        request_id=current_request_id(),
        errors=list(errors) if errors else None,
    )
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems = []
    for error in exc.errors():
        unreadable = error.get("input")
        if isinstance(unreadable, UnreadableBody):
            # One problem for the body, not one per branch that failed to read it.
            return [field_problem("body", "json_invalid", unreadable.reason)]
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else "body"
        # For unparsable JSON the location holds a character offset, not a member name.
        path = loc[1:] if loc and error.get("type") != "json_invalid" else []
        field = ".".join(path) if path else location
        ctx: dict[str, Any] = error.get("ctx") or {}
        allowed = ctx.get("allowed")
        problems.append(
            field_problem(
                field,
                str(error.get("type", "invalid")),
                str(error.get("msg", "invalid")),
                location=location,
                allowed=[str(a) for a in allowed] if isinstance(allowed, list) else None,
            )
        )
    return problems


# The methods a 405's Allow may name: the ones the service's routes are declared with.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request, exc: StarletteHTTPException) -> dict[str, str]:
    """A 405's headers with ``Allow`` naming every method the path takes (RFC 9110, 15.5.6).
    The router names only the first route matching the path: a path served by two routes
    (GET lists, POST creates) said ``Allow: POST`` to a DELETE. Each method is asked of the
    routes as a request would be (``matches``), so routers included in others count too."""
    routes = request.app.router.routes
    methods = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    headers = dict(exc.headers or {})
    if methods:
        headers["Allow"] = ", ".join(methods)
    return headers


async def http_error_problem(request: Request, exc: Exception) -> Response:
    """An HTTP error raised by routing or Starlette (no such path, method not allowed) as a
    problem document."""
    if not isinstance(exc, StarletteHTTPException):  # registered for that class only
        raise exc
    known = _ERROR_BY_STATUS.get(exc.status_code)
    phrase = HTTPStatus(exc.status_code).phrase
    title = known.title if known else phrase
    slug = known.slug if known else phrase.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    return problem_response(
        status=exc.status_code,
        slug=slug,
        title=title,
        request=request,
        detail=detail,
        headers=allowed_methods(request, exc) if exc.status_code == 405 else exc.headers,
    )


async def service_error_problem(request: Request, exc: Exception) -> Response:
    """The problem document of a service's refusal (``ServiceError``)."""
    assert isinstance(exc, ServiceError)
    return problem_response(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        request=request,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, service_error_problem)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _validation_problems(exc)
        fields = ", ".join(sorted({p.field for p in problems}))
        return problem_response(
            status=422,
            slug=Invalid.slug,
            title=Invalid.title,
            request=request,
            detail=f"Invalid fields: {fields}",
            errors=problems,
        )

    app.add_exception_handler(StarletteHTTPException, http_error_problem)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # The row's revision moved under this write: a failed precondition when the
        # client sent one, otherwise a conflict with a concurrent write.
        stale = PreconditionFailed if "if-match" in request.headers else Conflict
        return problem_response(
            status=stale.status,
            slug=stale.slug,
            title=stale.title,
            request=request,
            detail="The object was changed by another request; read it again and retry.",
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Validation catches bad input first; this is a race with another write.
        logger.warning("integrity error", extra={"error": type(exc.orig).__name__})
        return problem_response(
            status=409,
            slug=Conflict.slug,
            title=Conflict.title,
            request=request,
            detail="The write conflicts with the current data; read it again and retry.",
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(request: Request, exc: PoolTimeoutError) -> JSONResponse:
        # Every connection stayed busy for the whole pool timeout: shed this request.
        logger.warning("database pool exhausted")
        return problem_response(
            status=ServiceUnavailable.status,
            slug=ServiceUnavailable.slug,
            title=ServiceUnavailable.title,
            request=request,
            detail="Every database connection is busy; retry shortly.",
            headers={"Retry-After": str(DATABASE_BUSY_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(OperationalError)
    async def _database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
        # The database is busy (SQLite's lock held past the busy timeout) or went away
        # (a PostgreSQL restart): nothing was written, and a retry can succeed.
        logger.warning("database unavailable", extra={"error": type(exc.orig).__name__})
        return problem_response(
            status=ServiceUnavailable.status,
            slug=ServiceUnavailable.slug,
            title=ServiceUnavailable.title,
            request=request,
            detail=(
                "The database is busy or unavailable; retry shortly (a creation with the "
                "same Idempotency-Key)."
            ),
            headers={"Retry-After": str(DATABASE_BUSY_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only what escapes UnexpectedErrorMiddleware arrives here (outside the request id).
        logger.exception("unhandled error", exc_info=exc)
        return unexpected_error_response(request)


UNEXPECTED_ERROR_DETAIL = "An unexpected error occurred; quote the request_id when reporting it."


def unexpected_error_response(request: Request | None) -> JSONResponse:
    return problem_response(
        status=500,
        slug=ServiceError.slug,
        title=ServiceError.title,
        request=request,
        detail=UNEXPECTED_ERROR_DETAIL,
    )


# Renders the page a person reads after an unexpected error (the request's id given), or
# None when the request is not a person's page.
UnexpectedErrorPage = Callable[[Request, str | None], Response | None]


def _error_page(request: Request) -> Response | None:
    """A person's page after an unexpected error, in their language: the web application
    puts its maker on the app's state (this layer does not know pages). None for a program,
    or when making the page fails too: then the problem document is the answer."""
    app = request.scope.get("app")
    page_for: UnexpectedErrorPage | None = getattr(
        getattr(app, "state", None), "unexpected_error_page", None
    )
    if page_for is None:
        return None
    try:
        return page_for(request, current_request_id())
    except Exception:
        logger.exception("the error page failed too")
        return None


class UnexpectedErrorMiddleware:
    """Answers an unexpected error with a 500 problem that carries the request id.

    Starlette answers errors nothing handled in its outermost middleware, where the request
    id is gone already: the 500 asked the caller to quote an id it did not carry, and the
    error's log line had none either. Added just inside ``RequestIdMiddleware``, this logs the
    error with its traceback under the request's id and answers 500 with that id (in the body
    and, from ``RequestIdMiddleware``, in ``X-Request-ID``).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception as exc:
            if started:  # too late for another response; the server closes the connection
                raise
            logger.exception("unhandled error", exc_info=exc)
            request = Request(scope)
            await (_error_page(request) or unexpected_error_response(request))(scope, receive, send)


def _problem_responses(statuses: Sequence[tuple[int, str]]) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text}
        for status, text in statuses
    }


PROBLEM_RESPONSES = _problem_responses(
    [
        (401, "Missing or invalid API key"),
        (403, "The caller's role may not do this"),
        (404, "No such object visible to the caller"),
        (409, "Conflicts with the object's current state (writes only)"),
        (413, "Request body too large"),
        (422, "Invalid input; each bad field is listed"),
        (429, "Rate limit exceeded; Retry-After says when to retry"),
        (503, "Overloaded or database unavailable; Retry-After says when to retry"),
    ]
)
# PATCH and DELETE: the extra answers of a conditional write (see service.http.preconditions).
PRECONDITION_RESPONSES = _problem_responses(
    [
        (412, "If-Match names an older revision; the current ETag is in the ETag header"),
        (428, "If-Match is missing (or '*'); send the ETag you read"),
    ]
)
