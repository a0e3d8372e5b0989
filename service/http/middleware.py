"""Pure ASGI middleware: request ids with an access log line, and a body size limit."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.logging_setup import redact
from service.core.request_context import reset_request_id, set_request_id
from service.http.problems import PayloadTooLarge, problem_response
from service.i18n.languages import LANGUAGE_COOKIE, chosen_language, negotiate, reading_in

access_logger = logging.getLogger("matchmaker.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class RequestIdMiddleware:
    """Names every request with an id of the service's own and logs its outcome.

    A sane ``X-Request-ID`` from the client is kept beside that id (``client_request_id`` in
    log lines and audit records), never in its place; the response's ``X-Request-ID`` is
    the service's id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        # A secret sent by mistake as a request id is not logged either.
        client_request_id = redact(supplied) if _CLIENT_REQUEST_ID.match(supplied) else None
        request_id = uuid.uuid4().hex
        token = set_request_id(request_id, client_request_id)
        started = time.perf_counter()
        status_code = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state = scope.get("state") or {}
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "account_id": state.get("account_id"),
                },
            )
            reset_request_id(token)


class BodySizeLimitMiddleware:
    """Answers 413 as soon as a body is declared or streamed beyond the limit; paths that
    ``upload_paths`` matches (a page taking a file) have ``max_upload_bytes`` instead."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int | None = None,
        upload_paths: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uploading = self.upload_paths is not None and self.upload_paths.match(scope["path"])
        limit = self.max_upload_bytes if uploading else self.max_body_bytes
        detail = f"The body exceeds {limit} bytes."
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response(
                status=PayloadTooLarge.status,
                slug=PayloadTooLarge.slug,
                title=PayloadTooLarge.title,
                request=Request(scope),
                detail=detail,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing untouched and
                    # reaches the problem handler (any other error would become a 400).
                    raise HTTPException(status_code=413, detail=detail)
            return message

        await self.app(scope, limited_receive, send)


class LanguageMiddleware:
    """Reads the reader's language once: the one they chose on a page (a cookie), else what
    ``Accept-Language`` prefers (Chinese unless English comes first). Everything the request
    renders is in that language, and the response says which (Content-Language)
    and that it varies with the header (Vary), so no cache serves one reader's language to
    another."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        chosen = cookie_parser(headers.get(b"cookie", b"").decode("latin-1")).get(LANGUAGE_COOKIE)
        language = chosen_language(chosen) or negotiate(
            headers.get(b"accept-language", b"").decode("latin-1")
        )

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-language", language.encode()),
                    (b"vary", b"Accept-Language"),
                ]
            await send(message)

        with reading_in(language):
            await self.app(scope, receive, send_with_language)
