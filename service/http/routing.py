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
import types
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

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
            yield field_problem(_shown(".".join(path)) or "body", "invalid_text", reason)
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = _unstorable(key)
            if reason:
                yield field_problem(
                    _shown(".".join(path)) or "body", "invalid_text", f"A key: {reason}"
                )
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
        # Nothing may escape from here: FastAPI answers any error while reading the body with
        # a 400, before authentication runs.
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body)
                self.unstorable_text = tuple(_unstorable_text_in(self._json))
            except UnicodeDecodeError as exc:
                self.unreadable = UnreadableBody(f"The body is not UTF-8 (byte {exc.start})")
            except json.JSONDecodeError as exc:
                self.unreadable = UnreadableBody(f"The body is not JSON: {exc.msg} at {exc.pos}")
            except RecursionError:
                self.unreadable = UnreadableBody("The body's JSON is nested too deeply")
            except ValueError:  # an integer of more digits than Python converts (4300)
                self.unreadable = UnreadableBody("The body holds a number with too many digits")
            if self.unreadable is not None:
                # Any model refuses it, should a route without authentication ever read it.
                self._json = self.unreadable
                self.unstorable_text = ()
        return self._json


def _takes_several(annotation: Any) -> bool:
    """Whether a parameter's type is a list of values (``list[str] | None`` and the like)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_several(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_takes_several(argument) for argument in get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def _query_parameters(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    """Each query parameter's name, and whether it takes several values (a list)."""
    for parameter in dependant.query_params:
        yield parameter.alias, _takes_several(parameter.field_info.annotation)
    for dependency in dependant.dependencies:
        yield from _query_parameters(dependency)


class AuthFirstRoute(APIRoute):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parameters = list(_query_parameters(self.dependant))
        self.query_parameter_names = frozenset(name for name, _ in parameters)
        # A repeated single-valued parameter would silently keep its last value.
        self.single_query_parameter_names = frozenset(
            name for name, several in parameters if not several
        )

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def authenticate_before_body_errors(request: Request) -> Response:
            return await handler(LenientJsonRequest(request.scope, request.receive))

        return authenticate_before_body_errors


# Set in the request's state once authentication accepted the caller: what the rate limiter
# reads to tell a key that was accepted from one that was refused or never looked at.
AUTHENTICATED_STATE = "caller_authenticated"


def mark_authenticated(request: Request) -> None:
    setattr(request.state, AUTHENTICATED_STATE, True)


def is_authenticated(state: Mapping[str, Any]) -> bool:
    """Whether the request whose ``scope["state"]`` this is had its caller authenticated.

    ``account_id`` is what authentication records for the access log, for every caller.
    """
    return bool(state.get(AUTHENTICATED_STATE)) or "account_id" in state


def check_input_after_authentication(request: Request) -> None:
    """Refuse an unreadable body, text no database stores, unknown query parameters (422).

    Called once the caller is known, so it also marks the request authenticated.
    """
    mark_authenticated(request)
    if isinstance(request, LenientJsonRequest) and request.unreadable is not None:
        raise Invalid(
            "The body is not JSON.",
            errors=[field_problem("body", "json_invalid", request.unreadable.reason)],
        )
    unstorable = [
        field_problem(_shown(name), "invalid_text", reason, location=location)
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
        raise Invalid(
            "Some text cannot be stored." + _more(len(unstorable)),
            errors=unstorable[:MAX_NAMED_PROBLEMS],
        )
    route = request.scope.get("route")
    if not isinstance(route, AuthFirstRoute):
        return
    repeated = sorted(
        name
        for name, count in Counter(name for name, _ in request.query_params.multi_items()).items()
        if count > 1 and name in route.single_query_parameter_names
    )
    if repeated:
        raise Invalid(
            f"Query parameters given more than once: {', '.join(repeated)}",
            errors=[
                field_problem(
                    name,
                    "repeated_parameter",
                    "This query parameter takes one value; give it once",
                    location="query",
                )
                for name in repeated[:MAX_NAMED_PROBLEMS]
            ],
        )
    unknown = sorted(set(request.query_params) - route.query_parameter_names)
    if unknown:
        allowed = sorted(route.query_parameter_names)
        named = [_shown(name) for name in unknown[:MAX_NAMED_PROBLEMS]]
        raise Invalid(
            f"Unknown query parameters: {', '.join(named)}{_more(len(unknown))}",
            errors=[
                field_problem(
                    name,
                    "unknown_parameter",
                    "This operation takes no such query parameter",
                    location="query",
                    allowed=allowed,
                )
                for name in named
            ],
        )


# A problem names at most this many query parameters, each cut to this many characters, so
# its size does not grow with the query's (a 422 stays within a few KB whatever was sent).
MAX_NAMED_PROBLEMS = 5
MAX_SHOWN_NAME_CHARACTERS = 64


def _shown(name: str) -> str:
    if len(name) <= MAX_SHOWN_NAME_CHARACTERS:
        return name
    return name[: MAX_SHOWN_NAME_CHARACTERS - 1] + "…"


def _more(count: int) -> str:
    hidden = count - MAX_NAMED_PROBLEMS
    return f" (and {hidden} more)" if hidden > 0 else ""
