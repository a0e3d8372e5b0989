"""An investor's journey driven by a client generated from the service's ``/openapi.json``.

Run by ``tests/http/test_generated_client.py`` as a script, with the Python of the
generator's own virtualenv (the generated package needs ``attrs``, which the project does not
install): ``python generated_client_journey.py PACKAGE_PARENT BASE_URL INVESTOR_ID``, the
investor's API key in ``MATCHMAKER_JOURNEY_API_KEY``. It imports only the standard library,
httpx and the generated package (found under ``PACKAGE_PARENT``), calls the service through the
generated functions only, and prints on stdout what it saw, as JSON, for the test to check.
Nothing is asserted here: the test does that.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import httpx  # the generated package's own dependency, installed beside it

PACKAGE = "matchmaker_client"
API_KEY_VARIABLE = "MATCHMAKER_JOURNEY_API_KEY"
MATCHES = "api.matches.investor_matches_v1_investors_investor_id_matches_get"
GIVE_FEEDBACK = (
    "api.feedback.give_feedback_v1_investors_investor_id_feedback_financing_request_id_put"
)
LIST_FEEDBACK = "api.feedback.list_feedback_v1_investors_investor_id_feedback_get"
TIMEOUT_SECONDS = 30.0


def generated(module: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{module}")


def unset_as(value: Any, default: Any) -> Any:
    """The generated models mark a field absent from the body with ``Unset``."""
    return default if type(value).__name__ == "Unset" else value


def match_seen(item: Any) -> dict[str, Any]:
    request = item.financing_request
    return {
        "type": type(item).__name__,
        "financing_request_id": request.id,
        "company": request.company,
        "score": item.score,
        "components": {
            "sector": item.components.sector,
            "ticket": item.components.ticket,
            "stage": item.components.stage,
        },
        # Each reason as the generated model serialises it (kind, outcome, text, values).
        "reasons": [reason.to_dict() for reason in item.reasons],
        "reason_types": sorted({type(reason).__name__ for reason in item.reasons}),
        "near_miss": unset_as(item.near_miss, False),
        "misses": [str(miss) for miss in unset_as(item.misses, [])],
    }


def page_seen(response: Any) -> dict[str, Any]:
    page = response.parsed
    return {
        "status": int(response.status_code),
        "type": type(page).__name__,
        "total": page.total,
        "model_version": page.model.version,
        "items": [match_seen(item) for item in page.items],
    }


def feedback_seen(feedback: Any) -> dict[str, Any]:
    return {
        "type": type(feedback).__name__,
        "investor_id": feedback.investor_id,
        "financing_request_id": feedback.financing_request_id,
        "action": str(feedback.action),
        "history": [str(event.action) for event in feedback.history],
    }


def journey(base_url: str, api_key: str, investor_id: str) -> dict[str, Any]:
    client_module = importlib.import_module(f"{PACKAGE}.client")
    feedback_write = generated("models.feedback_write").FeedbackWrite
    feedback_action = generated("models.feedback_action").FeedbackAction
    matches, give, listed = generated(MATCHES), generated(GIVE_FEEDBACK), generated(LIST_FEEDBACK)
    client = client_module.AuthenticatedClient(
        base_url=base_url,
        token=api_key,
        timeout=httpx.Timeout(TIMEOUT_SECONDS),
        raise_on_unexpected_status=True,
    )
    with client:
        first_page = matches.sync_detailed(investor_id, client=client)
        with_near_misses = matches.sync_detailed(
            investor_id, client=client, include_near_misses=True
        )
        first = first_page.parsed.items[0]
        given = give.sync_detailed(
            investor_id,
            first.financing_request.id,
            client=client,
            body=feedback_write(action=feedback_action("interested")),
        )
        read_back = listed.sync_detailed(investor_id, client=client)
    return {
        "client": type(client).__name__,
        "matches": page_seen(first_page),
        "with_near_misses": page_seen(with_near_misses),
        "feedback_given": {
            "status": int(given.status_code),
            "etag": given.headers.get("etag"),
            **feedback_seen(given.parsed),
        },
        "feedback_read_back": {
            "status": int(read_back.status_code),
            "type": type(read_back.parsed).__name__,
            "items": [feedback_seen(item) for item in read_back.parsed.items],
        },
    }


def main(argv: list[str]) -> int:
    package_parent, base_url, investor_id = argv[1:]
    sys.path.insert(0, package_parent)
    seen = journey(base_url, os.environ[API_KEY_VARIABLE], investor_id)
    print(json.dumps(seen, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
