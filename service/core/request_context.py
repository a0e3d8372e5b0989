"""The id of the request being served, visible to every log line and audit record.

The id is always the service's own; an ``X-Request-ID`` the client sent is kept beside it
(``client_request_id``), never in its place, so no client can make two requests share an id
or name a request after another one.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_client_request_id: ContextVar[str | None] = ContextVar("client_request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_request_id() -> str | None:
    return _client_request_id.get()


def set_request_id(
    request_id: str | None, client_request_id: str | None = None
) -> tuple[Token[str | None], Token[str | None]]:
    return _request_id.set(request_id), _client_request_id.set(client_request_id)


def reset_request_id(token: tuple[Token[str | None], Token[str | None]]) -> None:
    request_token, client_token = token
    _client_request_id.reset(client_token)
    _request_id.reset(request_token)
