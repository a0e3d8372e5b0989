"""Report documents in the shape of the report contract, for the renderer's tests."""

from __future__ import annotations

import copy
from typing import Any

from service.reports.document import ReportDocument

HOSTILE_NAME = '<script>alert("x")</script> & Co'

_SAMPLE: dict[str, Any] = {
    "id": "7f3c1e2a-5b8d-4c61-9a0e-2d4b6f8a1c30",
    "created_at": "2026-11-21T08:00:00Z",
    "created_by_account_id": "0b1c2d3e-0000-4000-8000-000000000001",
    "created_by_user_id": "0b1c2d3e-0000-4000-8000-0000000000a1",
    "created_by_name": "Li Wei 李伟",
    "title": "Match report: 2026 Shanghai Investment Conference",
    "scope": {
        "event_id": "e0000000-0000-4000-8000-000000000005",
        "event_name": "2026 Shanghai Investment Conference 上海投资促进大会",
        "sectors": ["ai", "semiconductors"],
        "stages": [],
    },
    "top_k": 3,
    "min_score": 0.6,
    "model": {"version": "default", "weights": {"sector": 0.4, "ticket": 0.3, "stage": 0.3}},
    "counts": {"published_requests": 5, "investors": 3},
    "totals": {
        "requests": 5,
        "investors": 3,
        "capital_asked": "4912345678.91",
        "currency": "CNY",
    },
    "coverage": {
        "min_investors": 3,
        "covered": 1,
        "uncovered": 4,
        "buckets": [
            {"label": "0", "requests": 2},
            {"label": "1", "requests": 1},
            {"label": "2", "requests": 1},
            {"label": "3+", "requests": 1},
        ],
    },
    "unmatched": [
        {
            "financing_request_id": "r-0004",
            "company": "玻色量子",
            "title": "相干光量子计算机量产",
            "sectors": ["quantum"],
            "stage": "series_a",
            "amount": "300000000.00",
            "currency": "CNY",
            "investors_above_min_score": 0,
            "best_score": 0.41,
        },
        {
            "financing_request_id": "r-0005",
            "company": "Electronics Materials Park",
            "title": "Electronic materials park, phase one",
            "sectors": ["semiconductors.materials"],
            "stage": "growth",
            "amount": "12345678.91",
            "currency": "USD",
            "investors_above_min_score": 0,
            "best_score": 0.355,
        },
    ],
    "by_sector": [
        {
            "code": "ai",
            "name": "Artificial intelligence 人工智能",
            "requests": 2,
            "capital_asked": "3600000000.00",
            "fitting_investors": 2,
            "capital_available": "8000000000.00",
        },
        {
            "code": "semiconductors",
            "name": "Integrated circuits 集成电路",
            "requests": 2,
            "capital_asked": "1012345678.91",
            "fitting_investors": 1,
            "capital_available": "500000000.00",
        },
        {
            "code": "quantum",
            "name": "Quantum technology",
            "requests": 1,
            "capital_asked": "300000000.00",
            "fitting_investors": 0,
            "capital_available": "0.00",
        },
    ],
    "by_stage": [
        {
            "code": "series_a",
            "name": "Series A",
            "requests": 2,
            "capital_asked": "900000000.00",
            "fitting_investors": 1,
            "capital_available": "500000000.00",
        },
        {
            "code": "series_c",
            "name": "Series C",
            "requests": 2,
            "capital_asked": "3600000000.00",
            "fitting_investors": 2,
            "capital_available": "8000000000.00",
        },
        {
            "code": "growth",
            "name": "Growth",
            "requests": 1,
            "capital_asked": "412345678.91",
            "fitting_investors": 0,
            "capital_available": "0.00",
        },
    ],
    "requests": [
        {
            "financing_request_id": "r-0001",
            "company": "阶跃星辰",
            "title": "基础大模型训练融资",
            "sectors": ["ai.foundation_models"],
            "stage": "series_c",
            "amount": "3000000000.00",
            "currency": "CNY",
            "investors_above_min_score": 2,
            "seen_by_investors": 1,
            "top_investors": [
                {
                    "investor_profile_id": "i-0001",
                    "name": "高瓴资本 Hillhouse Capital",
                    "score": 0.95877,
                    "reasons": [
                        {
                            "kind": "sector",
                            "outcome": "within",
                            "values": {
                                "request_codes": ["ai.foundation_models"],
                                "mandate_codes": ["ai"],
                            },
                        },
                        {
                            "kind": "ticket",
                            "outcome": "within",
                            "values": {
                                "amount": "3000000000.00",
                                "low": "1500000000",
                                "high": "5000000000",
                                "currency": "CNY",
                            },
                        },
                    ],
                },
                {
                    "investor_profile_id": "i-0002",
                    "name": "Sequoia Capital",
                    "score": 0.8125,
                    "reasons": [
                        {
                            "kind": "ticket",
                            "outcome": "above",
                            "values": {
                                "amount": "3000000000.00",
                                "low": "100000000",
                                "high": "1000000000",
                                "currency": "CNY",
                                "ratio": "3.0",
                            },
                        }
                    ],
                },
            ],
        },
        {
            "financing_request_id": "r-0002",
            "company": "MiniMax",
            "title": "Multimodal models",
            "sectors": ["ai.foundation_models", "ai.applications"],
            "stage": "series_c",
            "amount": "600000000.00",
            "currency": "CNY",
            "investors_above_min_score": 0,
            "seen_by_investors": 1,
            "top_investors": [],
        },
    ],
    "investors": [
        {
            "investor_profile_id": "i-0001",
            "name": "高瓴资本 Hillhouse Capital",
            "top_requests": [
                {
                    "financing_request_id": "r-0001",
                    "company": "阶跃星辰",
                    "title": "基础大模型训练融资",
                    "score": 0.95877,
                    "reasons": [
                        {
                            "kind": "stage",
                            "outcome": "same",
                            "values": {
                                "request_codes": ["series_c"],
                                "mandate_codes": ["series_c"],
                            },
                        }
                    ],
                }
            ],
        },
        {
            "investor_profile_id": "i-0003",
            "name": "上海市天使投资引导基金",
            "top_requests": [],
        },
    ],
    "funnel": {
        "matched": 400,
        "interested": 30,
        "meeting": 12,
        "committed": 4,
        "committed_amount": "1200000000.50",
        "currency": "CNY",
    },
    "exposure": {
        "top": 20,
        "seen": 4,
        "unseen": 1,
        "unseen_requests": [
            {
                "financing_request_id": "r-0005",
                "company": "无人问津科技",
                "title": "量子传感",
                "sectors": ["quantum"],
                "stage": "series_a",
                "amount": "80000000.00",
                "currency": "CNY",
                "investors_above_min_score": 1,
                "best_score": 0.71,
            }
        ],
    },
}


def sample_report(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the sample report (stored JSON), top-level keys replaced by `overrides`."""
    report = copy.deepcopy(_SAMPLE)
    report.update(overrides)
    return report


def as_document(report: dict[str, Any]) -> ReportDocument:
    """A report's stored JSON read back as the service reads it: validated, unknown keys refused."""
    return ReportDocument.model_validate(report)
