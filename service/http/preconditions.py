"""No lost updates: ETags from each row's revision; PATCH, DELETE and a review send If-Match.

An object's ETag is its ``revision`` (the SQLAlchemy version counter every write bumps) as
a strong validator, ``"7"``: a strong tag is what If-Match compares (RFC 9110 13.1.1; a weak
one never matches there), and the representation a caller gets is fixed by the revision
and the caller's role. PATCH, DELETE and a review (``POST .../review``: the commission
publishes exactly the revision it read) load the object locked for update (PostgreSQL; on
SQLite the write lock is taken at BEGIN, see ``service.core.database``), then compare: no
If-Match is a 428, a tag other than the current revision's a 412 with the current ETag. Of two
concurrent edits sent with the same If-Match, the second waits for the first, sees the new
revision and gets the 412.

``If-Match: *`` is refused (428): it matches any revision and so would let a client
overwrite changes it never read, which is what this check is for.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Header, Response

from service.http.problems import Invalid, PreconditionFailed, PreconditionRequired, field_problem

IF_MATCH_HEADER = "If-Match"
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')


IfMatchHeader = Annotated[
    str | None,
    Header(
        alias=IF_MATCH_HEADER,
        description=(
            "Required: the ETag of the revision you read (GET, or the response of your last "
            "write). 428 without it; 412 if the object changed since."
        ),
    ),
]


def with_etag(status: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the ``status`` response of a route that carries one object has an ETag."""
    header = {"description": "The object's revision, for If-Match", "schema": {"type": "string"}}
    return {status: {"headers": {"ETag": header}}}


def etag(revision: int) -> str:
    return f'"{revision}"'


def tag_response(response: Response, revision: int) -> None:
    """Give a response that carries one object the ETag of the object's revision."""
    response.headers["ETag"] = etag(revision)


def _strong_tags(if_match: str) -> list[str]:
    tags = []
    for member in if_match.split(","):
        parsed = _ENTITY_TAG.fullmatch(member)
        if parsed is None:
            message = 'If-Match is a list of quoted ETags, for example "3"'
            raise Invalid(
                message,
                errors=[
                    field_problem(IF_MATCH_HEADER, "invalid_entity_tag", message, location="header")
                ],
            )
        if parsed.group(1) is None:  # weak tags never match under strong comparison
            tags.append(f'"{parsed.group(2)}"')
    return tags


def require_current(if_match: str | None, revision: int) -> None:
    """Raise unless ``if_match`` names the current ``revision``."""
    if if_match is None or if_match.strip() == "*":
        message = (
            "Send If-Match with the ETag of the revision you read; "
            "If-Match: * is not accepted because it would overwrite unseen changes"
        )
        raise PreconditionRequired(
            message,
            errors=[field_problem(IF_MATCH_HEADER, "missing", message, location="header")],
        )
    current = etag(revision)
    if current not in _strong_tags(if_match):
        raise PreconditionFailed(
            f"The object is at revision {revision} now; read it again and reapply your change.",
            headers={"ETag": current},
        )
