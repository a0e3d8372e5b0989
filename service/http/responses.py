"""Responses a route serialised itself."""

from __future__ import annotations

from fastapi import Response


def json_response(body: bytes) -> Response:
    """``body``, the JSON of a route's response model, with the headers FastAPI sends for one.

    For a synchronous route FastAPI validates the returned model again, in one more hop to
    the thread pool, before serialising it; a response it is handed is sent as it is. A route
    that builds its response model itself (validated on construction) and serialises it with
    the model's own serialiser sends the same bytes without that hop. The route keeps
    ``response_model`` for its documentation.
    """
    return Response(content=body, media_type="application/json")
