"""Scikit-learn scoring of investor/request pairs. Imports nothing from ``service``."""

from scoring.catalogue import Segment
from scoring.matcher import (
    Components,
    InvestorFeatures,
    MatchScorer,
    RankedRequest,
    RequestFilter,
)
from scoring.records import InvestorRecord, RequestRecord

__all__ = [
    "Components",
    "InvestorFeatures",
    "InvestorRecord",
    "MatchScorer",
    "RankedRequest",
    "RequestFilter",
    "RequestRecord",
    "Segment",
]
