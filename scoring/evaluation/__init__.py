"""Offline ranking quality on real investor deals (Crunchbase 2013), and mandate inference.

Nothing here imports from ``service``; the data file is read from its path, never shipped.
"""

from scoring.evaluation.deals import Deal, DealTable, read_deals
from scoring.evaluation.evaluate import EvaluationSettings, evaluate, train_learned_ranker
from scoring.evaluation.metrics import RankingQuality, ranking_quality
from scoring.evaluation.profiles import InferenceSettings, ProposedMandate, infer_mandate
from scoring.evaluation.report import Direction, EvaluationReport

__all__ = [
    "Deal",
    "DealTable",
    "Direction",
    "EvaluationReport",
    "EvaluationSettings",
    "InferenceSettings",
    "ProposedMandate",
    "RankingQuality",
    "evaluate",
    "infer_mandate",
    "ranking_quality",
    "read_deals",
    "train_learned_ranker",
]
