"""Feedback histories that teach a learned ranker something the default weights do not know."""

from __future__ import annotations

from tests.support.factories import Account, ApiClient

PAIRS = 40
ACCOUNTS = 4
"""Investor accounts answering alike: training holds whole accounts out, so one is not enough."""


def contrarian_world(
    api: ApiClient, *, likes_the_mandate: bool, accounts: int = ACCOUNTS
) -> tuple[Account, str]:
    """AI mandates of ``accounts`` investor accounts, each with feedback on the same 40
    requests, half fitting the mandate and half not. Returns the first account and mandate.

    Contrarian investors (``likes_the_mandate=False``) show interest in the misfits and pass
    on the fits: the default ranker gets the held-out pairs backwards.
    """
    investors = [api.create_account("investor") for _ in range(accounts)]
    profiles = [
        api.create_investor(
            investor,
            name=f"Contrarian fund {number}",
            sectors=["ai"],
            stages=["series_c"],
            ticket_min="500000000",
            ticket_max="5000000000",
            thesis="",
        )
        for number, investor in enumerate(investors)
    ]
    startup = api.create_account("startup")
    for n in range(PAIRS):
        fits = n % 2 == 0
        request = api.create_request(
            startup,
            company=f"Company {n}",
            summary="",
            sectors=["ai.foundation_models"] if fits else ["life_science.drugs"],
            stage="series_c" if fits else "seed",
            amount="1000000000" if fits else "2000000",
        )
        api.publish(request["id"])
        interested = fits == likes_the_mandate
        body = {"action": "interested"} if interested else {"action": "pass", "reason": "other"}
        for investor, profile in zip(investors, profiles, strict=True):
            response = api.client.put(
                f"/v1/investors/{profile['id']}/feedback/{request['id']}",
                json=body,
                headers=investor.headers,
            )
            assert response.status_code == 200, response.text
    return investors[0], profiles[0]["id"]
