"""Scikit-learn scoring of investor/request pairs. Imports nothing from ``service``."""

from scoring.catalogue import Segment
from scoring.encoding import InvestorFeatures
from scoring.formula import Components
from scoring.matcher import MatchScorer
from scoring.ranking import RankedRequest, RequestFilter
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
