"""Routes that know who is calling before they judge the input.

FastAPI decodes a JSON body before it solves dependencies, so a body that is not JSON (or not
UTF-8) would answer 422 or 400 before authentication runs, telling an anonymous caller about
the endpoint. Every router uses ``AuthFirstRoute``: an unreadable body is only noted while
reading, and ``check_input_after_authentication`` (run by the authentication dependency, so
after the caller's key was checked and before the endpoint runs) refuses it. The route also
knows its query parameters, so a misspelt one (``?min_scor=0.9``) is refused there instead of
silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service.http.problems import FieldProblem, Invalid, UnreadableBody, field_problem


def _unstorable(text: str) -> str | None:
    """Why a database cannot store ``text`` (PostgreSQL refuses NUL; UTF-8 lone surrogates)."""
    if "\x00" in text:
        return "Text may not contain the NUL character (U+0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (it holds a lone surrogate)"
    return None


def _unstorable_text_in(value: Any, path: tuple[str, ...] = ()) -> Iterator[FieldProblem]:
    if isinstance(value, str):
        reason = _unstorable(value)
        if reason:
            yield field_problem(".".join(path) or "body", "invalid_text", reason)
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = _unstorable(key)
            if reason:
                yield field_problem(".".join(path) or "body", "invalid_text", f"A key: {reason}")
            else:
                yield from _unstorable_text_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_text_in(item, (*path, str(index)))


class LenientJsonRequest(Request):
    """Notes a body that is not JSON instead of raising while FastAPI reads it."""

    unreadable: UnreadableBody | None = None
    unstorable_text: tuple[FieldProblem, ...] = ()

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body)
            except UnicodeDecodeError as exc:
                self.unreadable = UnreadableBody(f"The body is not UTF-8 (byte {exc.start})")
            except json.JSONDecodeError as exc:
                self.unreadable = UnreadableBody(f"The body is not JSON: {exc.msg} at {exc.pos}")
            if self.unreadable is not None:
                # Any model refuses it, should a route without authentication ever read it.
                self._json = self.unreadable
            else:
                self.unstorable_text = tuple(_unstorable_text_in(self._json))
        return self._json


def _query_parameter_names(dependant: Dependant) -> Iterator[str]:
    for parameter in dependant.query_params:
        yield parameter.alias
    for dependency in dependant.dependencies:
        yield from _query_parameter_names(dependency)


class AuthFirstRoute(APIRoute):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query_parameter_names = frozenset(_query_parameter_names(self.dependant))

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authenticate_before_body_errors(request: Request) -> Response:
            return await handler(LenientJsonRequest(request.scope, request.receive))

        return authenticate_before_body_errors


def check_input_after_authentication(request: Request) -> None:
    """Refuse an unreadable body, text no database stores, unknown query parameters (422)."""
    if isinstance(request, LenientJsonRequest) and request.unreadable is not None:
        raise Invalid(
            "The body is not JSON.",
            errors=[field_problem("body", "json_invalid", request.unreadable.reason)],
        )
    unstorable = [
        field_problem(name, "invalid_text", reason, location=location)
        for location, items in (
            ("path", request.path_params.items()),
            ("query", request.query_params.multi_items()),
        )
        for name, value in items
        for reason in {_unstorable(name), _unstorable(str(value))} - {None}
        if reason
    ]
    if isinstance(request, LenientJsonRequest):
        unstorable.extend(request.unstorable_text)
    if unstorable:
        raise Invalid("Some text cannot be stored.", errors=unstorable)
    route = request.scope.get("route")
    if not isinstance(route, AuthFirstRoute):
        return
    unknown = sorted(set(request.query_params) - route.query_parameter_names)
    if unknown:
        allowed = sorted(route.query_parameter_names)
        raise Invalid(
            f"Unknown query parameters: {', '.join(unknown)}",
            errors=[
                field_problem(
                    name,
                    "unknown_parameter",
                    "This operation takes no such query parameter",
                    location="query",
                    allowed=allowed,
                )
                for name in unknown
            ],
        )
