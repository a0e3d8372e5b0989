"""Ranking in both directions from the in-memory index: the one place that turns a mandate or
a request into scored, ordered pairs. Matches and reports show what it returns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FinancingRequest, InvestorProfile
from scoring import (
    Components,
    InvestorFeatures,
    InvestorRecord,
    MatchScorer,
    RankedRequest,
    RequestRecord,
    Segment,
)
from scoring.history import InvestorHistory
from scoring.learned import LearnedRanker
from scoring.mandate_stack import MandateStack
from scoring.reasons import Reason
from service.deals.service import investor_histories, investor_history
from service.investors.cards import ProfileCard, load_cards
from service.investors.service import load_codes
from service.ranking.compliance import (
    compliance_reason,
    foreign_mask,
    is_foreign,
    open_to_foreign,
    request_compliance,
)
from service.ranking.index import (
    CachedMandate,
    IndexState,
    MandateKeys,
    MandateRoster,
    MatchIndex,
)
from service.ranking.ranking_probe import RankingProbe, read_ranking_probe
from service.ranking.records import (
    investor_record,
    load_mandates,
    mandate_probe,
    request_record,
)
from service.ranking.selection import RequestSelection, selected_segments
from service.ranking.serving import SCORE_DECIMALS, ServingRanker, serving_ranker
from service.reference_data.code_links import codes_of

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RankingWindow:
    """Which part of a ranking to return: ``limit`` pairs after ``offset``, of those that
    score at least ``min_score`` and are matches (sector, ticket and stage each fit), or of
    every pair with ``include_near_misses``."""

    limit: int
    offset: int = 0
    min_score: float = 0.0
    include_near_misses: bool = False


@dataclass(frozen=True, slots=True)
class RankedRequests:
    """One page of requests for a mandate, and what explains it."""

    page: list[RankedRequest]
    total: int
    investor: InvestorRecord
    history: InvestorHistory | None
    scorer: MatchScorer
    serving: ServingRanker
    state: IndexState
    """The snapshot ranked: which scorer (its generation) and which revision of each request."""
    foreign: bool = False
    """Whether the mandate is foreign: requests its negative list closes were left out, and
    the restricted ones are explained."""

    def explain(self, match: RankedRequest, request: RequestRecord) -> list[Reason]:
        reasons = self.scorer.explain(self.investor, request, match.text, self.history)
        if self.foreign:
            restricted = compliance_reason(request_compliance(request))
            if restricted is not None:
                reasons.append(restricted)
        return reasons

    def applied_revisions(self) -> dict[str, int]:
        """The revision of each request on the page, as ranked: ``IndexState.applied_revision``
        for the whole page, with one search of the base for all its rows (one search each
        cost a page 0.1 ms)."""
        state = self.state
        ids = [match.id for match in self.page]
        revisions = {i: state.delta_revisions[i] for i in ids if i in state.delta_revisions}
        rows = state.base.rows_of([i for i in ids if i not in revisions])
        rows = rows[state.base_alive[rows]]
        ranked_ids = (i.decode() for i in state.base.ids[rows].tolist())
        revisions.update(zip(ranked_ids, state.base_revisions[rows].tolist(), strict=True))
        return revisions


def rank_requests(
    *,
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    selection: RequestSelection,
    window: RankingWindow,
    probe: RankingProbe | None = None,
    state: IndexState | None = None,
    holding_slot: bool = False,
) -> RankedRequests:
    """The published requests in ``selection`` for one mandate, best first, ties by id.

    ``probe`` and ``state``: the ranking probe already read for ``index.since`` and the
    snapshot it showed current (``MatchIndex.current_as_read``), so a ranking that must not
    refresh the index (one on the event loop) ranks with that snapshot. ``holding_slot``:
    the caller already holds one of ``index.ranking_slots`` (taken without waiting).
    """
    if probe is None:
        probe = read_ranking_probe(session, index.since)
    if state is None:
        state = index.current(session, probe)
    scorer = state.scorer
    mandate = index.cached_mandate(state, profile.id, profile.revision)
    if mandate is None:
        investor = investor_record(load_codes(session=session, profile=profile))
        mandate = CachedMandate(record=investor, features=scorer.investor_features(investor))
        index.remember_mandate(state, profile.id, profile.revision, mandate)
    serving = serving_ranker(session, index, scorer, probe)
    history = investor_history(session, profile.id) if serving.reads_history else None
    foreign = is_foreign(profile.origin)
    segments = selected_segments(state, selection)
    if foreign:
        # A foreign mandate never ranks the requests its negative list closes.
        segments = open_to_foreign(scorer, segments)
    with nullcontext() if holding_slot else index.ranking_slots:
        page, total = scorer.rank_segments(
            mandate.features,
            segments,
            limit=window.limit,
            offset=window.offset,
            min_score=window.min_score,
            learned=serving.learned,
            history=history,
            include_near_misses=window.include_near_misses,
        )
    return RankedRequests(page, total, mandate.record, history, scorer, serving, state, foreign)


@dataclass(frozen=True, slots=True)
class RankedInvestors:
    """One page of investor profiles for a request: ``page`` holds positions into
    ``investors`` (every mandate, in id order), ``profiles`` the page's own profiles by
    position, loaded whole (the rest are never read as ORM objects)."""

    page: list[int]
    total: int
    profiles: dict[int, ProfileCard]
    """The page's profiles' own columns, by position: ``investors[position]`` holds their
    sectors, stages and regions."""
    investors: list[InvestorRecord]
    histories: list[InvestorHistory | None]
    request: RequestRecord
    components: Components
    scores: FloatArray
    scorer: MatchScorer
    serving: ServingRanker
    matches: npt.NDArray[np.bool_]
    """Which investors the request is a match for (sector, ticket and stage each fit, and
    not closed to a foreign investor), near misses or not on the page."""
    foreign: npt.NDArray[np.bool_] | None = None
    """Which investors are foreign, read only when the request's negative list restricts or
    closes it (None: it does neither)."""

    def blocked(self, position: int) -> bool:
        """Whether the negative list of the request's region closes it to this investor (a
        foreign one): never a match, wherever the investor ranks."""
        return (
            self.foreign is not None
            and bool(self.foreign[position])
            and request_compliance(self.request).is_prohibited
        )

    def explain(self, position: int) -> list[Reason]:
        reasons = self.scorer.explain(
            self.investors[position],
            self.request,
            float(self.components.text[position]),
            self.histories[position],
        )
        if self.foreign is not None and self.foreign[position]:
            restricted = compliance_reason(request_compliance(self.request))
            if restricted is not None:
                reasons.append(restricted)
        return reasons


def mandate_roster(
    session: Session, index: MatchIndex, state: IndexState, probe: RankingProbe | None = None
) -> MandateRoster:
    """Every mandate's record and features, in id order, also stacked: the index's roster
    when no mandate changed since it was built (only ids and revisions are read), else built
    again from the feature cache (mandates at a revision encoded before, by either direction)
    and the rest loaded and encoded in one pass."""
    # One aggregate first: while it has not moved, the last roster still holds, and reading
    # every mandate's key (most of this function's cost at 10,000 mandates) is skipped. Read
    # before the keys, so a write between the two makes the next ranking look again.
    mandates = mandate_probe(session) if probe is None else probe.mandates
    unchanged = index.roster_at_probe(state, mandates)
    if unchanged is not None:
        return unchanged
    # Read through the connection as plain tuples: a third of the ORM's cost per row.
    keys: MandateKeys = tuple(
        session.connection()
        .execute(select(InvestorProfile.id, InvestorProfile.revision).order_by(InvestorProfile.id))
        .tuples()
    )
    roster = index.cached_roster(state, keys)
    if roster is not None:
        roster = replace(roster, probe=mandates, cards={})
        index.remember_roster(roster)
        return roster
    cached = [index.cached_mandate(state, key, revision) for key, revision in keys]
    missing = [i for i, mandate in enumerate(cached) if mandate is None]
    if missing:
        loaded = {p.id: p for p in load_mandates(session, ids=[keys[i][0] for i in missing])}
        found = [i for i in missing if keys[i][0] in loaded]
        records = [investor_record(loaded[keys[i][0]]) for i in found]
        for i, record, encoded in zip(
            found, records, state.scorer.investors_features(records), strict=True
        ):
            mandate = CachedMandate(record=record, features=encoded)
            index.remember_mandate(state, keys[i][0], loaded[keys[i][0]].revision, mandate)
            cached[i] = mandate
    known = [mandate for mandate in cached if mandate is not None]
    features = [m.features for m in known]
    roster = MandateRoster(
        generation=state.generation,
        keys=keys,
        records=[m.record for m in known],
        features=features,
        stack=MandateStack.of(features) if features else None,
        probe=mandates,
    )
    # A mandate deleted between the keys and the load is missing from this roster: it is
    # not remembered, so the next ranking reads the keys without it and builds again.
    if len(known) == len(keys):
        index.remember_roster(roster)
    return roster


def rank_investors(
    *,
    session: Session,
    index: MatchIndex,
    financing_request: FinancingRequest,
    window: RankingWindow,
) -> RankedInvestors:
    """The investor profiles that match one request (every profile with
    ``window.include_near_misses``), best first, ties by id."""
    probe = read_ranking_probe(session, index.since)
    state = index.current(session, probe)
    scorer = state.scorer
    serving = serving_ranker(session, index, scorer, probe)
    roster = mandate_roster(session, index, state, probe)
    investors = roster.records
    request = request_record(financing_request, codes_of(financing_request.sector_links))
    segment = index.request_segment(
        state,
        financing_request.id,
        financing_request.revision,
        lambda: scorer.segment([request], text_by_row=True),
    )
    components = scorer.investor_components(investors, request, roster.stack, segment)
    learned = serving.learned
    histories: list[InvestorHistory | None] = [None] * len(investors)
    if learned is None:
        raw_scores = components.score
    elif not learned.uses_history:
        raw_scores = learned.on_fit_scale(
            learned.predict_scores(components.matrix()) * components.region
        )
    elif investors:
        histories = list(investor_histories(session, [i.id for i in investors]))
        raw_scores = learned.on_fit_scale(
            _scores_with_history(scorer, learned, roster.features, histories, segment)
            * components.region
        )
    else:
        raw_scores = components.score
    scores = np.round(raw_scores, SCORE_DECIMALS)
    compliance = request_compliance(request)
    foreign = foreign_mask(session, investors) if compliance.affected and investors else None
    matches = components.fits
    wanted = scores >= window.min_score
    if foreign is not None and compliance.is_prohibited:
        # A request the negative list closes is no match for a foreign investor, nor shown
        # to one among the near misses.
        matches = matches & ~foreign
        wanted &= ~foreign
    if not window.include_near_misses:
        wanted &= matches
    qualifying = np.flatnonzero(wanted)
    page = _page_positions(scores, qualifying, window)
    # The page's rows only, their own columns kept by the roster (which the probe above
    # showed current) and their codes its records, so at most one statement reads them.
    cards = roster.cards
    cards.update(
        load_cards(session, [investors[i].id for i in page if investors[i].id not in cards])
    )
    # A mandate deleted since the roster was read has no card: it leaves the page.
    profiles = {i: cards[investors[i].id] for i in page if investors[i].id in cards}
    return RankedInvestors(
        page=[i for i in page if i in profiles],
        total=int(qualifying.size),
        profiles=profiles,
        investors=investors,
        histories=histories,
        request=request,
        components=components,
        scores=raw_scores,
        scorer=scorer,
        serving=serving,
        matches=matches,
        foreign=foreign,
    )


def _page_positions(
    scores: FloatArray, qualifying: npt.NDArray[np.intp], window: RankingWindow
) -> list[int]:
    """The window's positions of ``qualifying`` by score, best first, ties by position (the
    roster is in id order). Only the rows that can reach the window are sorted: those
    scoring at least the window's last score."""
    end = window.offset + window.limit
    if end <= 0:
        return []
    if qualifying.size > end:
        cut = -np.partition(-scores[qualifying], end - 1)[end - 1]
        qualifying = qualifying[scores[qualifying] >= cut]
    order = qualifying[np.argsort(-scores[qualifying], kind="stable")]
    return [int(i) for i in order[window.offset : end]]


def _scores_with_history(
    scorer: MatchScorer,
    learned: LearnedRanker,
    features: Sequence[InvestorFeatures],
    histories: Sequence[InvestorHistory | None],
    segment: Segment,
) -> FloatArray:
    """The learned ranker's score of each investor for one request (its one-row ``segment``,
    kept by the index), with its deal history."""
    return np.concatenate(
        [
            learned.predict_scores(
                scorer.pair_features(
                    mandate,
                    segment,
                    None,
                    names=learned.feature_names,
                    history=history,
                )[0]
            )
            for mandate, history in zip(features, histories, strict=True)
        ]
    )


def score_mandates(
    *,
    index: MatchIndex,
    scorer: MatchScorer,
    serving: ServingRanker,
    segment: Segment,
    features: Sequence[InvestorFeatures],
    histories: Sequence[InvestorHistory | None],
) -> Iterator[tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]]:
    """Each mandate's score, text similarity and match mask (sector, ticket and stage each
    fit) against every row of ``segment``, in the order given, as the serving ranker scores
    them (reports tally these). Holds one of the index's ranking slots while the caller
    consumes the batch."""
    with index.ranking_slots:
        for mandate, history in zip(features, histories, strict=True):
            yield scorer.score_rows(
                mandate, segment, None, learned=serving.learned, history=history
            )
