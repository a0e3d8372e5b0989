"""The report tests' world: a small fixture whose every figure is computed by hand below.

With an empty thesis there is no text evidence, so a pair's score is
0.4 * 0.85 * sector + 0.3 * ticket + 0.3 * stage. A full fit scores 0.94; a pair that misses
the sector scores at most 0.6; a ticket 5/3 above the maximum scores
0.34 + 0.3 * 0.6 * (1 - ln(5/3) / ln 10) + 0.3 = 0.780. With min_score 0.8 only full fits
count. Exchange rate: 7.10 CNY per USD.

Investors (all series_a unless said):
  I1 ai, 100M-1000M CNY              I2 semiconductors, series_a/b, 100M-1000M CNY
  I3 ai + semiconductors, 10M-100M USD (71M-710M CNY)
  I4 life_science, growth, 100M-1000M CNY    I5 ai, series_a/b, 100M-300M CNY
Requests at the event (published, series_a):
  R1 阶跃星辰 ai.foundation_models 500M CNY   -> I1, I3 full fits (I5: 0.780)     2
  R2 Cixtech semiconductors.design 50M USD (355M CNY) -> I2, I3                   2
  R3 QBoson quantum 300M CNY                 -> nobody; best 0.6 (ticket + stage) 0
  R4 Infinigence ai.infrastructure 200M CNY  -> I1, I3, I5                        3
Elsewhere: R5 published at another event; R6 submitted at the event (not matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.factories import Account, ApiClient


@dataclass(frozen=True)
class Fixture:
    event_id: str
    investors: dict[str, str]  # label -> profile id
    accounts: dict[str, Account]
    requests: dict[str, str]  # label -> request id


def _investor(api: ApiClient, label: str, **fields: Any) -> tuple[Account, str]:
    owner = api.create_account("investor", label)
    payload = {"name": label, "thesis": "", "regions": [], "currency": "CNY", **fields}
    return owner, api.create_investor(owner, **payload)["id"]


def build_fixture(api: ApiClient, **request_overrides: dict[str, Any]) -> Fixture:
    event_id = api.create_event("2026 上海投资促进大会")
    elsewhere = api.create_event("Elsewhere fair")
    cny = {"ticket_min": "100000000", "ticket_max": "1000000000"}
    accounts, investors = {}, {}
    for label, fields in {
        "I1": {"sectors": ["ai"], "stages": ["series_a"], **cny},
        "I2": {"sectors": ["semiconductors"], "stages": ["series_a", "series_b"], **cny},
        "I3": {
            "sectors": ["ai", "semiconductors"],
            "stages": ["series_a"],
            "ticket_min": "10000000",
            "ticket_max": "100000000",
            "currency": "USD",
        },
        "I4": {"sectors": ["life_science"], "stages": ["growth"], **cny},
        "I5": {
            "sectors": ["ai"],
            "stages": ["series_a", "series_b"],
            "ticket_min": "100000000",
            "ticket_max": "300000000",
        },
    }.items():
        accounts[label], investors[label] = _investor(api, label, **fields)
    startup = api.create_account("startup")
    specs: dict[str, dict[str, Any]] = {
        "R1": {"company": "阶跃星辰", "sectors": ["ai.foundation_models"], "amount": "500000000"},
        "R2": {
            "company": "Cixtech",
            "sectors": ["semiconductors.design"],
            "amount": "50000000",
            "currency": "USD",
        },
        "R3": {"company": "QBoson", "sectors": ["quantum"], "amount": "300000000"},
        "R4": {"company": "Infinigence", "sectors": ["ai.infrastructure"], "amount": "200000000"},
        "R5": {"company": "Vaccine plant", "sectors": ["ai"], "event_id": elsewhere},
        "R6": {"company": "Not yet", "sectors": ["ai"]},
    }
    requests = {}
    for label, spec in specs.items():
        fields = {
            "title": f"{label} round",
            "stage": "series_a",
            "currency": "CNY",
            "event_id": event_id,
            "amount": "500000000",
            **spec,
            **request_overrides.get(label, {}),
        }
        # The commission's record of the conference (held by now: 2026-11-05).
        requests[label] = api.record_request(startup, **fields)["id"]
        if label != "R6":
            api.publish(requests[label])
    return Fixture(event_id, investors, accounts, requests)
