"""Learned ranker versions: train a candidate on feedback and deals (no account outweighing the
others), compare it on held-out accounts and every mandate's ranking, activate, restore."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Account, Deal, Feedback, InvestorProfile, ModelStatus, RankingModel
from models.types import utc_now
from scoring.account_balance import (
    bounded_weights,
    heavy_accounts,
    held_out_accounts,
    mask_of,
    weight_shares,
)
from scoring.learned import RANKING_FEATURES, REGULARIZATION, LearnedRanker
from scoring.training_pairs import OUTCOME_TARGETS, UNSOLICITED_WEIGHT
from service.audit_log.writer import record_audit
from service.core.settings import Settings
from service.http.auth import Principal
from service.http.problems import Conflict, NotFound
from service.ranking.index import MatchIndex
from service.ranking.serving import DEFAULT_MODEL_VERSION, serving_ranker
from service.ranking.training_pairs import labelled_pairs
from service.ranking_models.comparison import compare_models, scale_samples

MIN_TRAINING_PAIRS = 30
SIGN_TOLERANCE = 0.05
"""A weight changes sign only when it is at least this far from 0 on both sides of 0."""
DEFAULT_SIGNS = {"sector": 1.0, "ticket": 1.0, "stage": 1.0}
"""The default weights' signs: each match component counts for a pair."""


class TooLittleToLearn(Conflict):
    """Training refused: too few labelled pairs or accounts (the counts it had)."""

    def __init__(self, pairs: int, accounts: int, min_pairs: int) -> None:
        super().__init__(
            f"Too little feedback and deal history to learn from: {pairs} labelled pairs "
            f"from {accounts} accounts; at least {min_pairs} pairs are needed, from at least "
            "two accounts, with both outcomes among the accounts trained on and those held "
            "out; the serving model stays."
        )
        self.pairs, self.accounts = pairs, accounts


@dataclass(frozen=True, slots=True)
class LearningMaterial:
    """What training would learn from now, as an officer counts it: investors' answers, the
    accounts that gave them, and recorded deals (training adds the matches shown and sampled
    non-deals, so its count of labelled pairs is larger)."""

    answers: int
    answering_accounts: int
    deals: int


def learning_material(session: Session) -> LearningMaterial:
    answers = session.scalar(select(func.count()).select_from(Feedback)) or 0
    accounts = (
        session.scalar(
            select(func.count(func.distinct(InvestorProfile.owner_account_id))).where(
                InvestorProfile.id.in_(select(Feedback.investor_profile_id))
            )
        )
        or 0
    )
    deals = session.scalar(select(func.count()).select_from(Deal)) or 0
    return LearningMaterial(answers=answers, answering_accounts=accounts, deals=deals)


def version_label(model: RankingModel | None) -> str:
    return DEFAULT_MODEL_VERSION if model is None else f"learned-v{model.version}"


def active_model(session: Session) -> RankingModel | None:
    # Ordered as the ranking's probe picks it (service.ranking.ranking_probe), so that what is
    # shown as serving is what ranks, even if two rows were ever left active.
    return session.scalars(
        select(RankingModel)
        .where(RankingModel.status == ModelStatus.ACTIVE)
        .order_by(RankingModel.id)
        .limit(1)
    ).first()


def _serving_scores(
    serving: LearnedRanker, features: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """A stored model's scores; it may read fewer features (an older version)."""
    columns = [RANKING_FEATURES.index(name) for name in serving.feature_names]
    return serving.predict_scores(features[:, columns])


def _auc(outcomes: npt.NDArray[np.int64], scores: npt.NDArray[np.float64]) -> float | None:
    """ROC AUC, or None when the pairs hold one outcome only (it is undefined then)."""
    if len(set(outcomes.tolist())) < 2:
        return None
    return float(roc_auc_score(outcomes, scores))


@dataclass(frozen=True, slots=True)
class _Owner:
    account_id: str
    name: str


def _owners(session: Session, investor_ids: Sequence[str]) -> dict[str, _Owner]:
    """The account answering for each mandate (deleted mandates keep their id as owner)."""
    rows = session.execute(
        select(InvestorProfile.id, Account.id, Account.name)
        .join(Account, Account.id == InvestorProfile.owner_account_id)
        .where(InvestorProfile.id.in_(sorted(set(investor_ids))))
    ).tuples()
    return {profile: _Owner(account, name) for profile, account, name in rows}


def _linear_weights(model: LearnedRanker) -> dict[str, float]:
    return dict(
        zip(model.feature_names, model.coefficients_[: len(model.feature_names)], strict=True)
    )


def sign_changes(candidate: LearnedRanker, serving: LearnedRanker | None) -> list[str]:
    """Features whose own (linear) weight has the opposite sign under the candidate: against
    the default weights, a match component the candidate counts against a pair."""
    before = DEFAULT_SIGNS if serving is None else _linear_weights(serving)
    after = _linear_weights(candidate)
    return [
        name
        for name, weight in after.items()
        if name in before
        and abs(weight) >= SIGN_TOLERANCE
        and (serving is None or abs(before[name]) >= SIGN_TOLERANCE)
        and np.sign(weight) != np.sign(before[name])
    ]


def _per_account(
    accounts: Sequence[str],
    names: dict[str, str],
    outcomes: npt.NDArray[np.int64],
    held: set[str],
    shares: dict[str, float],
    candidate_scores: dict[str, npt.NDArray[np.float64]],
    serving_scores: dict[str, npt.NDArray[np.float64]],
) -> list[dict[str, object]]:
    entries = []
    for account in sorted(set(accounts), key=lambda a: (names.get(a, a), a)):
        mask = mask_of(accounts, {account})
        entry: dict[str, object] = {
            "account_id": account,
            "name": names.get(account, account),
            "pairs": int(mask.sum()),
            "positives": int(outcomes[mask].sum()),
            "held_out": account in held,
            "training_weight_share": round(shares.get(account, 0.0), 4),
        }
        if account in held:
            entry["held_out_auc"] = _auc(outcomes[mask], candidate_scores[account])
            entry["serving_held_out_auc"] = _auc(outcomes[mask], serving_scores[account])
        entries.append(entry)
    return entries


def pairs_by_outcome(targets: npt.NDArray[np.float64]) -> dict[str, int]:
    """How far the pairs went: the number at each grade of ``OUTCOME_TARGETS`` (a partly
    funded deal counts as signed)."""
    grades = list(OUTCOME_TARGETS)
    levels = np.array(list(OUTCOME_TARGETS.values()), dtype=np.float64)
    at = np.searchsorted(levels, targets + 1e-9, side="right") - 1
    counts = np.bincount(at.clip(0), minlength=len(grades))
    return {grade: int(count) for grade, count in zip(grades, counts.tolist(), strict=True)}


def train(
    *,
    session: Session,
    principal: Principal,
    index: MatchIndex,
    settings: Settings,
    min_pairs: int = MIN_TRAINING_PAIRS,
) -> tuple[RankingModel, bool]:
    """Fit a candidate on the pairs (feedback and recorded deals) of most accounts, each
    account's weight bounded; compare it with the serving model on the accounts held out
    whole, and with every mandate's ranking. It serves only when the commission activates
    it, or, where ``settings.ranking_auto_activate`` asks, when it is within bounds."""
    scorer = index.current(session).scorer
    pairs = labelled_pairs(session, scorer)
    owners = _owners(session, pairs.investors)
    accounts = [owners[i].account_id if i in owners else i for i in pairs.investors]
    account_names = {owner.account_id: owner.name for owner in owners.values()}
    # Accounts are held out for what they answered or dealt on: pairs only shown to an
    # account say too little of what it wants to judge a model by, so an account with nothing
    # else is always trained on (its shown pairs still count where its account is held out).
    answered = ~np.isclose(pairs.graded_targets, OUTCOME_TARGETS["shown"])
    answering = [a for a, keep in zip(accounts, answered.tolist(), strict=True) if keep]
    held = held_out_accounts(answering, pairs.outcomes[answered].tolist())
    test = mask_of(accounts, held)
    train_y, test_y = pairs.outcomes[~test], pairs.outcomes[test]
    if (
        len(pairs.outcomes) < min_pairs
        or not held
        or len(set(train_y.tolist())) < 2
        or len(set(test_y.tolist())) < 2
    ):
        raise TooLittleToLearn(len(pairs.outcomes), len(set(accounts)), min_pairs)
    train_accounts = [a for a, t in zip(accounts, test.tolist(), strict=True) if not t]
    # Busy in answers and deals, what feedback volume is: reading many pages of matches
    # (pairs only shown) is no sign of an attack and costs no weight.
    busy_accounts = heavy_accounts(answering)
    # Unsolicited answers count half; then no account outweighs the others' median, and one
    # flagged as far busier than the others weighs that much less again.
    weights = bounded_weights(
        train_accounts,
        pairs.base_weights[~test],
        busier={h.account: h.pairs / h.median_pairs for h in busy_accounts if h.median_pairs > 0},
    )
    candidate = LearnedRanker(feature_names=RANKING_FEATURES, regularization=REGULARIZATION).fit(
        pairs.features[~test],
        train_y,
        sample_weight=weights,
        targets=pairs.graded_targets[~test],
    )
    # Its scores on the scale of the formula's fits, which thresholds and people read.
    candidate.fit_scale(*scale_samples(session=session, index=index, candidate=candidate))
    serving_model = active_model(session)
    serving_learned = (
        None if serving_model is None else LearnedRanker.from_dict(serving_model.parameters)
    )
    candidate_all = candidate.predict_scores(pairs.features)
    serving_all = (
        pairs.default_scores
        if serving_learned is None
        else _serving_scores(serving_learned, pairs.features)
    )
    by_account = {a: mask_of(accounts, {a}) for a in held}
    auc_candidate = _auc(test_y, candidate_all[test])
    auc_serving = _auc(test_y, serving_all[test])
    flagged = [
        {
            "account_id": heavy.account,
            "name": account_names.get(heavy.account, heavy.account),
            "pairs": heavy.pairs,
            "median_pairs_of_others": heavy.median_pairs,
        }
        for heavy in busy_accounts
    ]
    changed_signs = sign_changes(candidate, serving_learned)
    comparison = compare_models(
        session=session,
        index=index,
        serving=serving_ranker(session, index, scorer),
        candidate=candidate,
    )
    version = (session.scalar(select(func.max(RankingModel.version))) or 0) + 1
    better = (auc_candidate or 0.0) > (auc_serving or 0.0)
    model = RankingModel(
        version=version,
        status=ModelStatus.CANDIDATE,
        parameters=candidate.to_dict(),
        metrics={
            "training_pairs": int((~test).sum()),
            "unsolicited_pairs": int(np.isclose(pairs.base_weights, UNSOLICITED_WEIGHT).sum()),
            "pairs_by_outcome": pairs_by_outcome(pairs.graded_targets),
            "held_out_pairs": int(test.sum()),
            "training_accounts": len(set(train_accounts)),
            "held_out_accounts": len(held),
            "held_out_auc": auc_candidate,
            "serving_version": version_label(serving_model),
            "serving_held_out_auc": auc_serving,
            "better_on_held_out": better,
            "accounts": _per_account(
                accounts,
                account_names,
                pairs.outcomes,
                held,
                weight_shares(train_accounts, weights),
                {a: candidate_all[m] for a, m in by_account.items()},
                {a: serving_all[m] for a, m in by_account.items()},
            ),
            "flagged_accounts": flagged,
            "sign_changes": changed_signs,
            "comparison": comparison,
        },
        trained_by=principal.name,
    )
    session.add(model)
    session.flush()
    # Bounds for serving at once; with no mandate ranked, the overlap proves nothing.
    within_bounds = (
        better
        and not flagged
        and not changed_signs
        and comparison["mandates"] > 0
        and comparison["mean_top10_overlap"] >= settings.ranking_auto_activate_min_overlap
    )
    activated = settings.ranking_auto_activate and within_bounds
    if activated:
        activate(session=session, principal=principal, model=model)
    record_audit(
        session=session,
        principal=principal,
        action="ranking_model.train",
        object_type="ranking_model",
        object_id=model.id,
        changes={
            "version": version,
            "activated": activated,
            "held_out_auc": auc_candidate,
            "serving_held_out_auc": auc_serving,
            "flagged_accounts": len(flagged),
            "sign_changes": changed_signs,
        },
    )
    return model, activated


class ServingAlready(Conflict):
    """A comparison asked of the version serving now: it would be compared with itself."""

    def __init__(self) -> None:
        super().__init__(
            "This version is the one serving now: compared with itself it would change "
            "nothing, so its comparison stays as it was when it was last compared."
        )


def compare_again(*, session: Session, index: MatchIndex, model: RankingModel) -> RankingModel:
    """The stored comparison, computed again against the model serving now (never the
    version serving: a walk's "compare again" on it overwrote its comparison with one of
    itself, which then said it changed nothing)."""
    if model.status is ModelStatus.ACTIVE:
        raise ServingAlready()
    scorer = index.current(session).scorer
    comparison = compare_models(
        session=session,
        index=index,
        serving=serving_ranker(session, index, scorer),
        candidate=LearnedRanker.from_dict(model.parameters),
    )
    model.metrics = {**model.metrics, "comparison": comparison}
    session.flush()
    return model


def activate(*, session: Session, principal: Principal, model: RankingModel | None) -> None:
    """Serve ``model`` (None: the default weights); the one it replaces is retired."""
    serving = active_model(session)
    if serving is not None and (model is None or serving.id != model.id):
        serving.status = ModelStatus.RETIRED
    if model is not None:
        model.status = ModelStatus.ACTIVE
        model.activated_at = utc_now()
    session.flush()
    record_audit(
        session=session,
        principal=principal,
        action="ranking_model.activate",
        object_type="ranking_model",
        object_id=model.id if model else DEFAULT_MODEL_VERSION,
        changes={"version": version_label(model)},
    )


def get(*, session: Session, model_id: str) -> RankingModel:
    model = session.get(RankingModel, model_id)
    if model is None:
        raise NotFound(f"No ranking model {model_id}.")
    return model


def list_all(*, session: Session) -> Sequence[RankingModel]:
    return session.scalars(select(RankingModel).order_by(RankingModel.version.desc())).all()
