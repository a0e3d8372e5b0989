"""Authorization matrix: every route x every actor x own / other's / missing object.

Each ``RouteSpec`` declares a grid of expected statuses: a header row naming the actors, then
one row per object (``-`` for routes without one). To cover a new route, append a spec to
``ROUTES``; ``test_every_route_has_a_matrix_entry`` fails until you do. Run with ``pytest -s``
to see the summary table.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from httpx import Response
from sqlalchemy import Connection

from tests.support.database import undone_afterwards
from tests.support.factories import COMING_DAY, ApiClient, bearer, investor_payload, request_payload
from tests.support.people import new_person

ACTORS = ("anon", "badkey", "inv_a", "inv_b", "su_x", "su_y", "admin", "comm")
NO_OBJECT = "-"
MISSING = "missing"
INVESTORS = frozenset({"PA", "PB"})
REQUESTS = frozenset({"RX_pub", "RX_sub", "RX_draft", "RX_rej", "RY_pub", "RY_sub"})
PUBLISHED = frozenset({"RX_pub", "RY_pub"})
EVENTS = frozenset({"EV"})
MEETINGS = frozenset({"MA", "MB"})  # A asked X's published request (X accepted); B asked Y's
SCHEDULES = frozenset({"SC"})  # the commission's schedule of EV
OUTCOMES = frozenset({"OA", "OB"})  # A's deal with X's published request; B's with Y's
REPORTS = frozenset({"RP"})
USERS = frozenset({"UA", "UB"})  # a user of investor A's account, one of B's
KEYS = frozenset({"KA", "KB"})  # a second key of investor A's account, one of B's
INVITATIONS = frozenset({"IA", "IB"})  # an open invitation to investor A's account, one to B's
WEBHOOKS = frozenset({"WA", "WB"})  # a webhook endpoint of investor A's account, one of B's
PROBLEM_JSON = "application/problem+json"
CONDITIONAL_METHODS = frozenset({"PATCH", "DELETE"})  # sent with the current If-Match
REVIEW_SUFFIX = "/review"  # a review too, with its request's
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class RouteSpec:
    """One route (with one body) and the status each actor must get for each object."""

    route: str  # "METHOD /path" as in the OpenAPI document; ``{...}`` takes the object's id
    grid: str
    body: Mapping[str, Any] | None = None
    note: str = ""
    watch: str | None = None  # read as commission before/after a denied write: unchanged
    # Objects only their owner can read (a webhook endpoint): object -> the actor who reads
    # ``watch`` for it, so the "unchanged" check compares the object, not two 404s.
    watch_as: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, Set[str]] = field(default_factory=dict)  # actor -> labels shown
    fixed: Mapping[str, str] = field(default_factory=dict)  # path parameter -> object label

    @property
    def method(self) -> str:
        """The HTTP method."""
        return self.route.split()[0]

    @property
    def path(self) -> str:
        """The path template."""
        return self.route.split()[1]

    @property
    def name(self) -> str:
        """Method and short path, plus the note telling apart two specs of one route."""
        short = _PATH_PARAMETER.sub("{id}", self.route)
        return short + (f" [{self.note}]" if self.note else "")

    def expected(self) -> dict[tuple[str, str], int]:
        """The grid parsed into {(object, actor): status}."""
        header, *rows = (line.split() for line in self.grid.strip().splitlines())
        if tuple(header) != ("object", *ACTORS):
            raise ValueError(f"{self.name}: grid header must be 'object {' '.join(ACTORS)}'")
        cells: dict[tuple[str, str], int] = {}
        for label, *statuses in rows:
            for actor, status in zip(ACTORS, statuses, strict=True):
                cells[(label, actor)] = int(status)
        return cells


def with_id(template: str, object_id: str | None) -> str:
    """Fill the path parameter of ``template`` with ``object_id``."""
    return template if object_id is None else _PATH_PARAMETER.sub(object_id, template)


INVESTOR_URL = "/v1/investors/{investor_id}"
REQUEST_URL = "/v1/financing-requests/{financing_request_id}"
EVENT_URL = "/v1/events/{event_id}"
MEETING_URL = "/v1/meetings/{meeting_id}"
OUTCOME_URL = "/v1/outcomes/{outcome_id}"
WEBHOOK_URL = "/v1/webhook-endpoints/{endpoint_id}"
WEBHOOK_OWNERS = {"WA": "inv_a", "WB": "inv_b"}  # only an endpoint's account reads it
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

ROUTES: list[RouteSpec] = [
    *(
        RouteSpec(
            f"GET {public}",
            """
            object anon badkey inv_a inv_b su_x su_y admin comm
            -       200    200   200   200  200  200   200  200
            """,
        )
        for public in ("/healthz", "/readyz", "/v1/taxonomy")
    ),
    RouteSpec(
        "GET /v1/me",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
    ),
    RouteSpec(
        "POST /v1/accounts",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   201  201
        """,
        body={"role": "startup", "name": "matrix startup"},
        watch="/v1/accounts?limit=100",
    ),
    RouteSpec(
        "GET /v1/accounts",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "POST /v1/investors",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   201   201  403  403   201  201
        """,
        body=investor_payload(name="matrix fund"),
        watch="/v1/investors?limit=100",
    ),
    RouteSpec(
        "GET /v1/investors",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  403  403   200  200
        """,
        lists={"inv_a": {"PA"}, "inv_b": {"PB"}, "admin": INVESTORS, "comm": INVESTORS},
    ),
    RouteSpec(
        f"GET {INVESTOR_URL}",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   200  200
        PB       401    401   404   200  403  403   200  200
        missing  401    401   404   404  403  403   404  404
        """,
    ),
    RouteSpec(
        f"PATCH {INVESTOR_URL}",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   200  200
        PB       401    401   404   200  403  403   200  200
        missing  401    401   404   404  403  403   404  404
        """,
        body={"name": "x"},
        watch=INVESTOR_URL,
    ),
    RouteSpec(
        f"DELETE {INVESTOR_URL}",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   204   404  403  403   204  204
        PB       401    401   404   204  403  403   204  204
        missing  401    401   404   404  403  403   404  404
        """,
        watch=INVESTOR_URL,
    ),
    RouteSpec(
        "POST /v1/financing-requests",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  201  201   201  201
        """,
        body=request_payload(title="matrix round"),
        watch="/v1/financing-requests?limit=100",
    ),
    RouteSpec(
        "GET /v1/financing-requests",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": PUBLISHED,
            "inv_b": PUBLISHED,
            "su_x": {"RX_pub", "RX_sub", "RX_draft", "RX_rej"},
            "su_y": {"RY_pub", "RY_sub"},
            "admin": REQUESTS,
            "comm": REQUESTS,
        },
    ),
    RouteSpec(
        f"GET {REQUEST_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_pub    401    401   200   200  200  404   200  200
        RX_sub    401    401   404   404  200  404   200  200
        RX_draft  401    401   404   404  200  404   200  200
        RX_rej    401    401   404   404  200  404   200  200
        RY_pub    401    401   200   200  404  200   200  200
        RY_sub    401    401   404   404  404  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
    ),
    RouteSpec(
        f"PATCH {REQUEST_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_sub    401    401   403   403  200  404   200  200
        RX_draft  401    401   403   403  200  404   200  200
        RX_rej    401    401   403   403  200  404   200  200
        RY_sub    401    401   403   403  404  200   200  200
        missing   401    401   403   403  404  404   404  404
        """,
        body={"title": "x"},
        note="edit",
        watch=REQUEST_URL,
    ),
    RouteSpec(
        f"PATCH {REQUEST_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_pub    401    401   403   403  200  404   200  200
        RY_pub    401    401   403   403  404  200   200  200
        missing   401    401   403   403  404  404   404  404
        """,
        body={"status": "withdrawn"},
        note="withdraw published",
        watch=REQUEST_URL,
    ),
    RouteSpec(
        f"DELETE {REQUEST_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_sub    401    401   403   403  204  404   204  204
        RX_draft  401    401   403   403  204  404   204  204
        RX_rej    401    401   403   403  204  404   204  204
        RY_sub    401    401   403   403  404  204   204  204
        missing   401    401   403   403  404  404   404  404
        """,
        watch=REQUEST_URL,
    ),
    RouteSpec(
        f"POST {REQUEST_URL}/review",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_sub    401    401   403   403  403  403   200  200
        RY_sub    401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
        body={"decision": "publish"},
        watch=REQUEST_URL,
    ),
    RouteSpec(
        f"PUT {INVESTOR_URL}/feedback/{{financing_request_id}}",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   403  403
        PB       401    401   404   200  403  403   403  403
        missing  401    401   404   404  403  403   403  403
        """,
        body={"action": "interested"},
        fixed={"financing_request_id": "RX_pub"},
        watch=f"{INVESTOR_URL}/feedback",
    ),
    RouteSpec(
        f"GET {INVESTOR_URL}/feedback",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   200  200
        PB       401    401   404   200  403  403   200  200
        missing  401    401   404   404  403  403   404  404
        """,
    ),
    RouteSpec(
        f"POST {INVESTOR_URL}/deals",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   201   404  403  403   201  201
        PB       401    401   404   201  403  403   201  201
        missing  401    401   404   404  403  403   404  404
        """,
        body={
            "company": "Matrix Robotics",
            "sector": "ai",
            "stage": "series_a",
            "closed_on": "2025-06-30",
        },
        watch=f"{INVESTOR_URL}/deals",
    ),
    RouteSpec(
        f"GET {INVESTOR_URL}/deals",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   200  200
        PB       401    401   404   200  403  403   200  200
        missing  401    401   404   404  403  403   404  404
        """,
    ),
    RouteSpec(
        f"DELETE {INVESTOR_URL}/deals/{{deal_id}}",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   404   404  403  403   404  404
        missing  401    401   404   404  403  403   404  404
        """,
        note="no such deal: another investor's deal is a 404 too (tests/deals/test_deals.py)",
        fixed={"deal_id": MISSING},
    ),
    RouteSpec(
        f"GET {REQUEST_URL}/interest",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_pub    401    401   403   403  200  404   200  200
        RX_sub    401    401   403   403  200  404   200  200
        RX_draft  401    401   403   403  200  404   200  200
        RX_rej    401    401   403   403  200  404   200  200
        RY_pub    401    401   403   403  404  200   200  200
        RY_sub    401    401   403   403  404  200   200  200
        missing   401    401   403   403  404  404   404  404
        """,
    ),
    RouteSpec(
        "GET /v1/ranking-models",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "POST /v1/ranking-models/train",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   409  409
        """,
        note="no feedback yet",
    ),
    RouteSpec(
        "POST /v1/ranking-models/default/activate",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "POST /v1/ranking-models/{model_id}/activate",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "GET /v1/ranking-models/{model_id}/comparison",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "GET /v1/ranking-models/{model_id}/online-metrics",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "POST /v1/ranking-models/{model_id}/comparison",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        f"GET {INVESTOR_URL}/matches",
        """
        object  anon badkey inv_a inv_b su_x su_y admin comm
        PA       401    401   200   404  403  403   200  200
        PB       401    401   404   200  403  403   200  200
        missing  401    401   404   404  403  403   404  404
        """,
    ),
    RouteSpec(
        f"GET {REQUEST_URL}/matches",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_pub    401    401   403   403  403  403   200  200
        RX_sub    401    401   403   403  403  403   200  200
        RX_draft  401    401   403   403  403  403   200  200
        RX_rej    401    401   403   403  403  403   200  200
        RY_pub    401    401   403   403  403  403   200  200
        RY_sub    401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "POST /v1/events",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   201  201
        """,
        body={"name": "matrix fair", "date": "2037-11-05", "place": "Shanghai"},
        watch="/v1/events?limit=100",
    ),
    RouteSpec(
        "GET /v1/events",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "POST /v1/reports",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   201  201
        """,
        body={"top_k": 1, "min_score": 0.5},
        watch="/v1/reports?limit=100",
    ),
    RouteSpec(
        "GET /v1/reports",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "GET /v1/reports/{report_id}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RP        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "GET /v1/audit",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "GET /v1/events/{event_id}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        "PATCH /v1/events/{event_id}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
        body={"place": "matrix hall"},
        watch=EVENT_URL,
    ),
    RouteSpec(
        f"PUT {EVENT_URL}/programme",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   409  409
        missing   401    401   403   403  403  403   404  404
        """,
        body={"days": ["2037-11-06"], "slots": [{"start": "10:00", "minutes": 30}], "tables": 1},
        note="EV has a schedule: its slots are fixed (409)",
        watch=f"{EVENT_URL}/programme",
    ),
    RouteSpec(
        f"PUT {EVENT_URL}/roster/{{financing_request_id}}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
        note="RX_pub is on EV's roster already: a no-op (tests/conference/test_conference_api.py)",
        fixed={"financing_request_id": "RX_pub"},
        watch=EVENT_URL,
    ),
    RouteSpec(
        f"GET {EVENT_URL}/programme",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   200   200  200  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
    ),
    RouteSpec(
        f"POST {EVENT_URL}/meetings",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   404   404  404  404   404  404
        missing   401    401   404   404  404  404   404  404
        """,
        body={"financing_request_id": "nobody's", "investor_profile_id": "nobody's"},
        note="who may ask whom: tests/conference/test_conference_api.py",
        watch=f"{EVENT_URL}/meetings",
    ),
    RouteSpec(
        f"GET {EVENT_URL}/meetings",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   200   200  200  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
        lists={
            "inv_a": {"MA"},
            "inv_b": {"MB"},
            "su_x": {"MA"},
            "su_y": {"MB"},
            "admin": MEETINGS,
            "comm": MEETINGS,
        },
    ),
    RouteSpec(
        f"GET {MEETING_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        MA        401    401   200   404  200  404   200  200
        MB        401    401   404   200  404  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
    ),
    RouteSpec(
        f"POST {MEETING_URL}/answer",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        MA        401    401   409   404  409  404   403  403
        MB        401    401   404   200  404  200   403  403
        missing   401    401   404   404  404  404   403  403
        """,
        body={"answer": "accepted"},
        note="MA is accepted already (409); the commission proposes, never answers",
        watch=MEETING_URL,
    ),
    RouteSpec(
        f"POST {MEETING_URL}/cancel",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        MA        401    401   200   404  200  404   200  200
        MB        401    401   404   200  404  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
        body={"reason": "matrix"},
        watch=MEETING_URL,
    ),
    RouteSpec(
        f"GET {EVENT_URL}/availability",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   200   200  200  200   403  403
        missing   401    401   404   404  404  404   403  403
        """,
    ),
    RouteSpec(
        f"PUT {EVENT_URL}/availability",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   200   200  200  200   403  403
        missing   401    401   404   404  404  404   403  403
        """,
        body={"slot_ids": []},
    ),
    RouteSpec(
        f"POST {EVENT_URL}/schedules",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   201  201
        missing   401    401   403   403  403  403   404  404
        """,
        body={"time_limit_seconds": 5},
        watch=f"{EVENT_URL}/schedules/current",
    ),
    RouteSpec(
        f"GET {EVENT_URL}/schedules/current",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        f"PUT {EVENT_URL}/schedules/current/seats/{{meeting_id}}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        MA        401    401   403   403  403  403   422  422
        MB        401    401   403   403  403  403   404  404
        missing   401    401   403   403  403  403   404  404
        """,
        body={"slot_id": "not-a-slot-of-EV", "table": 1},
        fixed={"event_id": "EV"},
        note="MA is confirmed and seated (the slot is refused: 422); MB is not confirmed",
    ),
    RouteSpec(
        f"GET {EVENT_URL}/schedules/{{schedule_id}}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        SC        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
        fixed={"event_id": "EV"},
    ),
    RouteSpec(
        f"POST {EVENT_URL}/proposals",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
        body={},
        watch=f"{EVENT_URL}/meetings",
    ),
    RouteSpec(
        f"GET {EVENT_URL}/agenda",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   200   200  200  200   422  422
        missing   401    401   404   404  404  404   404  404
        """,
        note="one's own; the commission names the account (422 without it)",
    ),
    RouteSpec(
        f"GET {EVENT_URL}/table-plan",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        EV        401    401   403   403  403  403   200  200
        missing   401    401   403   403  403  403   404  404
        """,
    ),
    RouteSpec(
        f"GET {REQUEST_URL}/syndicates",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        RX_pub    401    401   403   403  403  404   200  200
        RX_sub    401    401   403   403  403  404   200  200
        RX_draft  401    401   403   403  403  404   200  200
        RX_rej    401    401   403   403  403  404   200  200
        RY_pub    401    401   403   403  404  403   200  200
        RY_sub    401    401   403   403  404  403   200  200
        missing   401    401   403   403  404  404   404  404
        """,
        note="the owner startup only once an investor showed interest",
    ),
    RouteSpec(
        "POST /v1/outcomes",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   422   422  422  422   422  422
        """,
        body={"investor_profile_id": "nobody's", "financing_request_id": "nobody's"},
        note="who may open which pair: tests/outcomes/test_outcomes_api.py",
        watch="/v1/outcomes?limit=100",
    ),
    RouteSpec(
        "GET /v1/outcomes",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": {"OA"},
            "inv_b": {"OB"},
            "su_x": {"OA"},
            "su_y": {"OB"},
            "admin": OUTCOMES,
            "comm": OUTCOMES,
        },
    ),
    RouteSpec(
        "GET /v1/compliance/lists",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
    ),
    RouteSpec(
        "GET /v1/compliance/blocked-pairs",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        "GET /v1/outcomes/figures",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   403   403  403  403   200  200
        """,
    ),
    RouteSpec(
        f"GET {OUTCOME_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        OA        401    401   200   404  200  404   200  200
        OB        401    401   404   200  404  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
    ),
    RouteSpec(
        f"POST {OUTCOME_URL}/steps",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        OA        401    401   200   404  200  404   200  200
        OB        401    401   404   200  404  200   200  200
        missing   401    401   404   404  404  404   404  404
        """,
        body={"kind": "sign", "happened_on": "2026-11-06", "amount": "1000000"},
        watch=OUTCOME_URL,
    ),
    RouteSpec(
        "POST /v1/sessions",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   401   401  401  401   401  401
        """,
        body={"username": "matrix.nobody", "password": "not anyone's password"},
        note="anyone may try; a wrong password is a 401 to everyone",
    ),
    RouteSpec(
        "GET /v1/sessions/current",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
    ),
    RouteSpec(
        "DELETE /v1/sessions/current",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   404   404  404  404   404  404
        """,
        note="keys have no session to end (tests/sessions signs out with one)",
    ),
    RouteSpec(
        "POST /v1/invitations",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   201   201  201  201   422  201
        """,
        body={"name": "matrix person"},
        note="to the caller's own account; the bootstrap key has none",
    ),
    RouteSpec(
        "POST /v1/invitations/accept",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       422    422   422   422  422  422   422  422
        """,
        body={
            "code": "unknown invitation code",
            "username": "matrix.person",
            "password": "a long enough matrix password",
        },
        note="anyone may try; the code is the credential",
        watch="/v1/users?limit=100",
    ),
    RouteSpec(
        "GET /v1/invitations",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": {"IA"},
            "inv_b": {"IB"},
            "su_x": set(),
            "su_y": set(),
            "admin": INVITATIONS,
            "comm": INVITATIONS,
        },
    ),
    RouteSpec(
        "POST /v1/invitations/{invitation_id}/withdraw",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        IA        401    401   200   404  404  404   200  200
        IB        401    401   404   200  404  404   200  200
        missing   401    401   404   404  404  404   404  404
        """,
        watch="/v1/invitations?limit=100",
    ),
    RouteSpec(
        "GET /v1/users",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": {"UA"},
            "inv_b": {"UB"},
            "su_x": set(),
            "su_y": set(),
            "admin": USERS,
            "comm": USERS,
        },
    ),
    RouteSpec(
        "GET /v1/users/{user_id}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        UA        401    401   200   404  404  404   200  200
        UB        401    401   404   200  404  404   200  200
        missing   401    401   404   404  404  404   404  404
        """,
    ),
    RouteSpec(
        "GET /v1/api-keys",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": {"KA"},
            "inv_b": {"KB"},
            "su_x": set(),
            "su_y": set(),
            "admin": KEYS,
            "comm": KEYS,
        },
    ),
    RouteSpec(
        "POST /v1/api-keys",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   201   201  201  201   422  201
        """,
        body={"name": "matrix key"},
        note="the caller's account key; the bootstrap key has no account",
        watch="/v1/api-keys?limit=100",
    ),
    RouteSpec(
        "DELETE /v1/api-keys/{api_key_id}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        KA        401    401   204   404  404  404   204  204
        KB        401    401   404   204  404  404   204  204
        missing   401    401   404   404  404  404   404  404
        """,
        watch="/v1/api-keys?limit=100",
    ),
    RouteSpec(
        "POST /v1/webhook-endpoints",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   201   201  201  201   422  201
        """,
        body={
            "url": "https://127.0.0.1:9443/in",
            "event_types": ["outcome.step"],
            "secret": WEBHOOK_SECRET,
        },
        note="to the caller's own account; the bootstrap key has none",
        watch="/v1/webhook-endpoints?limit=100",
    ),
    RouteSpec(
        "GET /v1/webhook-endpoints",
        """
        object anon badkey inv_a inv_b su_x su_y admin comm
        -       401    401   200   200  200  200   200  200
        """,
        lists={
            "inv_a": {"WA"},
            "inv_b": {"WB"},
            "su_x": set(),
            "su_y": set(),
            "admin": set(),
            "comm": set(),
        },
        note="each account its own; the commission too (an endpoint holds its secret)",
    ),
    *(
        RouteSpec(
            route,
            f"""
            object   anon badkey inv_a inv_b su_x su_y admin comm
            WA        401    401   {own}   404  404  404   404  404
            WB        401    401   404   {own}  404  404   404  404
            missing   401    401   404   404  404  404   404  404
            """,
            watch=WEBHOOK_URL if route.split()[0] != "GET" else None,
            watch_as=WEBHOOK_OWNERS,
        )
        for route, own in (
            (f"GET {WEBHOOK_URL}", 200),
            (f"GET {WEBHOOK_URL}/deliveries", 200),
            (f"POST {WEBHOOK_URL}/enable", 200),
            (f"DELETE {WEBHOOK_URL}", 204),
        )
    ),
    RouteSpec(
        f"PATCH {WEBHOOK_URL}",
        """
        object   anon badkey inv_a inv_b su_x su_y admin comm
        WA        401    401   200   404  404  404   404  404
        WB        401    401   404   200  404  404   404  404
        missing   401    401   404   404  404  404   404  404
        """,
        body={"description": "CRM v2"},
        watch=WEBHOOK_URL,
        watch_as=WEBHOOK_OWNERS,
    ),
]


@dataclass(frozen=True)
class World:
    """The actors' headers and the ids of the objects they own."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, str]


@dataclass(frozen=True)
class Cell:
    """The outcome of one (route, object, actor) call."""

    route: str
    obj: str
    actor: str
    expected: int
    got: int
    problems: tuple[str, ...]

    @property
    def unexpected_success(self) -> bool:
        """A 2xx where a 4xx was declared."""
        return self.expected >= 400 and 200 <= self.got < 300


def _conference_day(api: ApiClient, ids: dict[str, str], inv_a: Any, inv_b: Any, su_x: Any) -> None:
    """EV's programme; MA (A asks X's published request, X accepts), MB (B asks Y's,
    pending); SC, the schedule the commission solved for them."""
    programme = {"days": ["2037-11-05"], "slots": [{"start": "09:00", "minutes": 30}], "tables": 2}
    set_up = api.client.put(f"/v1/events/{ids['EV']}/programme", json=programme, headers=api.admin)
    assert set_up.status_code == 200, set_up.text
    for label, investor, profile, request in (
        ("MA", inv_a, "PA", "RX_pub"),
        ("MB", inv_b, "PB", "RY_pub"),
    ):
        asked = api.client.post(
            f"/v1/events/{ids['EV']}/meetings",
            json={"financing_request_id": ids[request], "investor_profile_id": ids[profile]},
            headers=investor.headers,
        )
        assert asked.status_code == 201, asked.text
        ids[label] = asked.json()["id"]
    accepted = api.client.post(
        f"/v1/meetings/{ids['MA']}/answer", json={"answer": "accepted"}, headers=su_x.headers
    )
    assert accepted.status_code == 200, accepted.text
    solved = api.client.post(f"/v1/events/{ids['EV']}/schedules", json={}, headers=api.admin)
    assert solved.status_code == 201, solved.text
    ids["SC"] = solved.json()["id"]


def _outcomes(api: ApiClient, ids: dict[str, str], inv_a: Any) -> None:
    """OA: A's deal with X's published request (A opened it); OB: B's deal with Y's (the
    commission opened it)."""
    for label, headers, profile, request in (
        ("OA", inv_a.headers, "PA", "RX_pub"),
        ("OB", api.admin, "PB", "RY_pub"),
    ):
        opened = api.client.post(
            "/v1/outcomes",
            json={"investor_profile_id": ids[profile], "financing_request_id": ids[request]},
            headers=headers,
        )
        assert opened.status_code == 201, opened.text
        ids[label] = opened.json()["id"]


def build_world(api: ApiClient) -> World:
    """Investors A and B own PA and PB; startups X and Y own requests in several states."""
    inv_a, inv_b = api.create_account("investor", "A"), api.create_account("investor", "B")
    su_x, su_y = api.create_account("startup", "X"), api.create_account("startup", "Y")
    comm = api.create_account("commission", "commission account")
    ids = {
        "PA": api.create_investor(inv_a, name="PA")["id"],
        "PB": api.create_investor(inv_b, name="PB")["id"],
        "RX_draft": api.create_request(su_x, title="RX_draft", status="draft")["id"],
        "EV": api.create_event("matrix conference", date=COMING_DAY),
        MISSING: str(uuid.uuid4()),
    }
    for owner, label in [
        (su_x, "RX_pub"),
        (su_x, "RX_sub"),
        (su_x, "RX_rej"),
        (su_y, "RY_pub"),
        (su_y, "RY_sub"),
    ]:
        # The published requests are presented at EV, where conference day meets them.
        at_event = {"event_id": ids["EV"]} if label in PUBLISHED else {}
        ids[label] = api.create_request(owner, title=label, **at_event)["id"]
    for label in PUBLISHED:
        api.publish(ids[label])
    _conference_day(api, ids, inv_a, inv_b, su_x)
    _outcomes(api, ids, inv_a)
    assert api.review(ids["RX_rej"], "reject", "not yet").status_code == 200
    report = api.client.post("/v1/reports", json={"top_k": 1}, headers=api.admin)
    assert report.status_code == 201, report.text
    ids["RP"] = report.json()["id"]
    for owner, user, key, invitation in [(inv_a, "UA", "KA", "IA"), (inv_b, "UB", "KB", "IB")]:
        ids[user] = new_person(api, owner, signed_in=False).id
        invited = api.client.post("/v1/invitations", json={"name": user}, headers=owner.headers)
        assert invited.status_code == 201, invited.text
        ids[invitation] = invited.json()["id"]
        created = api.client.post("/v1/api-keys", json={"name": key}, headers=owner.headers)
        assert created.status_code == 201, created.text
        ids[key] = created.json()["id"]
    for owner, label in [(inv_a, "WA"), (inv_b, "WB")]:
        registered = api.client.post(
            "/v1/webhook-endpoints",
            json={
                "url": "https://127.0.0.1:9443/in",
                "event_types": ["meeting.requested", "outcome.step"],
                "secret": WEBHOOK_SECRET,
            },
            headers=owner.headers,
        )
        assert registered.status_code == 201, registered.text
        ids[label] = registered.json()["id"]
    headers = {
        "anon": {},
        "badkey": bearer("mk_" + secrets.token_urlsafe(32)),
        "inv_a": inv_a.headers,
        "inv_b": inv_b.headers,
        "su_x": su_x.headers,
        "su_y": su_y.headers,
        "admin": api.admin,
        "comm": comm.headers,
    }
    return World(headers=headers, ids=ids)


def snapshot(api: ApiClient, path: str, reader: dict[str, str] | None = None) -> tuple[int, Any]:
    """Status and body of ``path`` read as ``reader`` (the commission by default), minus the
    per-call request id and keys' last use (the caller's own key records its use, whatever
    the request did)."""
    response = api.client.get(path, headers=reader or api.admin)
    body = response.json()
    if isinstance(body, dict):
        body.pop("request_id", None)
        for item in body.get("items") or []:
            if isinstance(item, dict):
                item.pop("last_used_at", None)
    return response.status_code, body


def response_problems(spec: RouteSpec, actor: str, world: World, response: Response) -> list[str]:
    """Everything wrong with a response apart from its status code."""
    problems: list[str] = []
    status = response.status_code
    if status >= 400:
        if not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
            problems.append(f"content-type {response.headers.get('content-type')!r}")
        elif response.json().get("status") != status:
            problems.append(f"problem body status {response.json().get('status')!r}")
    if status == 401 and response.headers.get("www-authenticate") != "Bearer":
        problems.append(f"WWW-Authenticate {response.headers.get('www-authenticate')!r}")
    if status == 200 and actor in spec.lists:
        returned = {item["id"] for item in response.json()["items"]}
        shown = {label for label, object_id in world.ids.items() if object_id in returned}
        if shown != spec.lists[actor]:
            problems.append(f"list shows {sorted(shown)}, expected {sorted(spec.lists[actor])}")
    return problems


def run_cell(
    api: ApiClient,
    connection: Connection,
    world: World,
    spec: RouteSpec,
    cell: tuple[str, str],
    expected: int,
) -> Cell:
    """Call one route as one actor on one object inside a savepoint rolled back after."""
    obj, actor = cell
    object_id = None if obj == NO_OBJECT else world.ids[obj]
    with undone_afterwards(connection):
        watched = with_id(spec.watch, object_id) if spec.watch else None
        owner = spec.watch_as.get(obj)
        reader = world.headers[owner] if owner else None
        before = snapshot(api, watched, reader) if watched else None
        # The owner must read it, or a denied write has nothing to be compared with: a
        # problem of this cell, shown in the table with the others.
        unreadable = before is not None and owner is not None and before[0] != 200
        path = spec.path
        for parameter, label in spec.fixed.items():
            path = path.replace("{" + parameter + "}", world.ids[label])
        headers = world.headers[actor]
        if spec.method in CONDITIONAL_METHODS or path.endswith(REVIEW_SUFFIX):
            object_path = with_id(path.removesuffix(REVIEW_SUFFIX), object_id)
            headers = {**headers, **api.if_match(object_path, headers)}
        response = api.client.request(
            spec.method, with_id(path, object_id), json=spec.body, headers=headers
        )
        problems = response_problems(spec, actor, world, response)
        if unreadable:
            problems.append(f"{owner} cannot read {watched} to check it")
        elif watched and before is not None and not 200 <= response.status_code < 300:
            after = snapshot(api, watched, reader)
            if after != before:
                problems.append(f"denied write changed {watched}")
    return Cell(spec.name, obj, actor, expected, response.status_code, tuple(problems))


def render(cells: list[Cell]) -> str:
    """A table of the statuses got, one row per (route, object); '!' marks a wrong cell."""
    rows: dict[tuple[str, str], dict[str, Cell]] = {}
    for cell in cells:
        rows.setdefault((cell.route, cell.obj), {})[cell.actor] = cell
    width = max(len(route) for route, _ in rows)
    lines = [f"{'route':<{width}}  {'object':<8} " + " ".join(f"{a:>6}" for a in ACTORS)]
    for (route, obj), by_actor in rows.items():
        marks = [
            f"{c.got}{'!' if c.got != c.expected or c.problems else ' '}"
            for c in (by_actor[a] for a in ACTORS)
        ]
        lines.append(f"{route:<{width}}  {obj:<8} " + " ".join(f"{m:>6}" for m in marks))
    for cell in cells:
        if cell.got != cell.expected or cell.problems:
            lines.append(
                f"! {cell.route} object={cell.obj} actor={cell.actor}: expected {cell.expected},"
                f" got {cell.got} {'; '.join(cell.problems)}".rstrip()
            )
    return "\n".join(lines)


def test_every_route_has_a_matrix_entry(app: FastAPI) -> None:
    """Every route the app serves has a spec, and every grid names known objects."""
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    declared = {(spec.method, spec.path) for spec in ROUTES}
    assert served - declared == set(), "add these routes to ROUTES"
    assert declared - served == set(), "these ROUTES are not served"
    labels = (
        INVESTORS
        | REQUESTS
        | EVENTS
        | MEETINGS
        | SCHEDULES
        | OUTCOMES
        | REPORTS
        | USERS
        | KEYS
        | INVITATIONS
        | WEBHOOKS
        | {NO_OBJECT, MISSING}
    )
    for spec in ROUTES:
        objects = {obj for obj, _ in spec.expected()}
        assert objects <= labels, spec.name
        assert (NO_OBJECT in objects) == ("{" not in spec.path), spec.name
        assert "{" not in spec.path or MISSING in objects, f"{spec.name} needs a missing row"


def test_authorization_matrix(api: ApiClient, connection: Connection) -> None:
    """Each (route, actor, object) cell gets exactly its declared status and nothing leaks."""
    world = build_world(api)
    started = time.perf_counter()
    cells = [
        run_cell(api, connection, world, spec, cell, expected)
        for spec in ROUTES
        for cell, expected in spec.expected().items()
    ]
    elapsed = time.perf_counter() - started
    unexpected = [cell for cell in cells if cell.unexpected_success]
    wrong = [cell for cell in cells if cell.got != cell.expected or cell.problems]
    print(f"\n{render(cells)}")
    print(
        f"authorization matrix: {len(cells)} cells over {len(ROUTES)} route specs in"
        f" {elapsed:.2f}s; unexpected successes: {len(unexpected)}; wrong cells: {len(wrong)}"
    )
    assert len(unexpected) == 0, [f"{c.route} {c.obj} {c.actor}: {c.got}" for c in unexpected]
    assert [f"{c.route} {c.obj} {c.actor}: {c.got} {c.problems}" for c in wrong] == []
