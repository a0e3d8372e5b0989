"""Feedback histories that teach a learned ranker something the default weights do not know."""

from __future__ import annotations

from tests.support.factories import Account, ApiClient

PAIRS = 40


def contrarian_world(api: ApiClient, *, likes_the_mandate: bool) -> tuple[Account, str]:
    """An AI mandate with feedback on 40 requests, half fitting it and half not.

    A contrarian investor (``likes_the_mandate=False``) shows interest in the misfits and
    passes on the fits: the default ranker gets the held-out pairs backwards.
    """
    investor = api.create_account("investor")
    profile = api.create_investor(
        investor,
        sectors=["ai"],
        stages=["series_c"],
        ticket_min="500000000",
        ticket_max="5000000000",
        thesis="",
    )
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
        response = api.client.put(
            f"/v1/investors/{profile['id']}/feedback/{request['id']}",
            json=body,
            headers=investor.headers,
        )
        assert response.status_code == 200, response.text
    return investor, profile["id"]
