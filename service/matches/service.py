"""Ranked, explained matches in both directions: what the ranking returns, as responses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from pydantic import TypeAdapter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from models import FinancingRequest, InvestorProfile
from scoring.reasons import Reason
from service.feedback.service import passed_request_ids
from service.financing_requests.schemas import sees_private_fields
from service.http.auth import Principal
from service.http.pagination import encode_offset_cursor
from service.i18n.languages import current_language
from service.i18n.reasons import Reader, reader_for, render_reason
from service.impressions.log import ImpressionLog, Shown
from service.investors.schemas import InvestorOut
from service.matches.page_cache import ExplainedPair, MatchPageCache, ShownMatch, ShownMatchKey
from service.matches.schemas import (
    ComponentsOut,
    InvestorMatchOut,
    MatchPage,
    RankingModelOut,
    ReasonOut,
    RequestMatchOut,
)
from service.ranking.index import IndexState, MatchIndex
from service.ranking.ranker import RankingWindow, rank_investors, rank_requests
from service.ranking.ranking_probe import RankingProbe, read_ranking_probe
from service.ranking.selection import RequestSelection
from service.ranking.serving import ServingRanker, rounded_score


@dataclass(frozen=True, slots=True)
class MatchFilters:
    sector: str | None = None
    stage: str | None = None
    region: str | None = None
    event_id: str | None = None
    excluded_ids: frozenset[str] = frozenset()

    def selection(self) -> RequestSelection:
        return RequestSelection(
            sectors=(self.sector,) if self.sector is not None else (),
            stages=(self.stage,) if self.stage is not None else (),
            region=self.region,
            event_id=self.event_id,
            excluded_ids=self.excluded_ids,
        )


ItemT = TypeVar("ItemT", RequestMatchOut, InvestorMatchOut)
# The pages' concrete classes, held here: pydantic keeps a parametrised generic only while
# something refers to it, so a page built as ``MatchPage[ItemT](...)`` made a new class for
# every response (0.8 ms measured) and, being another class than the route's response
# model, was validated again field by field before it was serialised.
RequestMatchPage = MatchPage[RequestMatchOut]
InvestorMatchPage = MatchPage[InvestorMatchOut]


def reasons_out(reasons: Sequence[Reason], reader: Reader) -> list[ReasonOut]:
    """Each reason with its sentence for ``reader`` in the caller's language."""
    return [
        ReasonOut(
            kind=reason.kind,
            outcome=reason.outcome,
            text=render_reason(reason, reader),
            values=reason.values(),
        )
        for reason in reasons
    ]


def _page(
    page_type: type[MatchPage[ItemT]],
    items: list[ItemT],
    total: int,
    serving: ServingRanker,
    window: RankingWindow,
    *,
    show_weights: bool,
) -> MatchPage[ItemT]:
    """The page, naming the model; its weights only when ``show_weights`` (the commission)."""
    end = window.offset + window.limit
    return page_type(
        items=items,
        next_cursor=encode_offset_cursor(end) if items and end < total else None,
        total=total,
        model=RankingModelOut(
            version=serving.version, weights=serving.weights if show_weights else None
        ),
    )


@dataclass(frozen=True, slots=True)
class ServedPage:
    """A page of matches with its items' JSON, as the page's serialiser writes each."""

    page: MatchPage[RequestMatchOut]
    items_json: list[bytes]

    def json(self) -> bytes:
        """The page's JSON, byte for byte what serialising it whole gives, written around
        its items' kept JSON: the envelope is serialised without items, which come first."""
        envelope = _PAGE_JSON.dump_json(self.page.model_copy(update={"items": []}), by_alias=True)
        assert envelope.startswith(_NO_ITEMS)
        return b"".join(
            (b'{"items":[', b",".join(self.items_json), b"]", envelope[len(_NO_ITEMS) :])
        )


_NO_ITEMS = b'{"items":[]'
# Serialisers of a page and of its items, as FastAPI's for the route's response model.
_PAGE_JSON = TypeAdapter(RequestMatchPage)
_ITEM_JSON = TypeAdapter(RequestMatchOut)


def rank_requests_for_investor(
    *,
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    viewer: Principal,
    filters: MatchFilters,
    window: RankingWindow,
    cache: MatchPageCache | None = None,
) -> MatchPage[RequestMatchOut]:
    """Published requests for one mandate, best first, each with its reasons; the page's
    rows and explanations taken from ``cache`` where it has them (none kept without one)."""
    return serve_requests_for_investor(
        session=session,
        index=index,
        profile=profile,
        viewer=viewer,
        filters=filters,
        window=window,
        cache=cache if cache is not None else MatchPageCache(),
    ).page


async def serve_requests_for_investor_promptly(
    *,
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    viewer: Principal,
    filters: MatchFilters,
    include_passed: bool,
    window: RankingWindow,
    cache: MatchPageCache,
) -> ServedPage:
    """``serve_requests_for_investor`` (without the requests the investor passed on, unless
    ``include_passed``) on the event loop when it is quick, else on a worker thread.

    A page ranked by the default weights (pruned) from a current index is a millisecond or
    two at 100,000 requests, a few at a million, holding the GIL for most of it: handed to a
    thread and back, the hops and the threads' contention for the GIL cost more than the
    ranking (measured at 100,000 requests, 2 workers: a fifth to a third more pages a second
    at 16 connections when served here). Everything else goes to a worker thread, where the
    loop waits for none of it: catching the index up (a refresh; at a million requests a
    compaction can take seconds), a learned model (it scores every row, and may read the
    market's deal history), and a ranking whose slot other rankings hold (a report holds one
    per batch of mandates). The caller's session must already hold its connection
    (``investor_side_caller_and_mandate`` leaves it so): waiting for one here would block
    the loop that returns them; its statements here are a few indexed reads.
    """
    probe = read_ranking_probe(session, index.since)
    serve = partial(
        serve_requests_for_investor,
        session=session,
        index=index,
        profile=profile,
        viewer=viewer,
        filters=filters,
        window=window,
        cache=cache,
        probe=probe,
        exclude_passed=not include_passed,
    )
    state = index.current_as_read(probe)
    if (
        state is None
        or probe.active_model is not None
        or not index.ranking_slots.acquire(blocking=False)
    ):
        return await run_in_threadpool(serve)
    try:
        return serve(state=state, holding_slot=True)
    finally:
        index.ranking_slots.release()


def serve_requests_for_investor(
    *,
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    viewer: Principal,
    filters: MatchFilters,
    window: RankingWindow,
    cache: MatchPageCache,
    probe: RankingProbe | None = None,
    state: IndexState | None = None,
    holding_slot: bool = False,
    exclude_passed: bool = False,
) -> ServedPage:
    """``rank_requests_for_investor`` with each item's JSON, kept in ``cache`` with the item.
    ``probe``, ``state`` and ``holding_slot``: as ``rank_requests`` takes them;
    ``exclude_passed``: leave out the requests the investor passed on too (read here, on
    whichever thread serves the page)."""
    if exclude_passed:
        passed = passed_request_ids(session=session, profile_id=profile.id)
        filters = replace(filters, excluded_ids=filters.excluded_ids | passed)
    ranked = rank_requests(
        session=session,
        index=index,
        profile=profile,
        selection=filters.selection(),
        window=window,
        probe=probe,
        state=state,
        holding_slot=holding_slot,
    )
    by_id = cache.published_requests(
        session, [match.id for match in ranked.page], ranked.applied_revisions()
    )
    # The investor reads "your mandate"; the commission reads the investor's name.
    reader = reader_for(profile.name, is_the_investor=viewer.owns(profile.owner_account_id))
    language = current_language()
    shown_matches = []
    for match in ranked.page:
        page_request = by_id.get(match.id)
        if page_request is None:  # unpublished since the snapshot was taken
            continue
        # A pair's reasons follow from the scorer, the mandate and the request at their
        # revisions and the text similarity; not from a deal history, which has no revision.
        pair = None
        key = None
        if ranked.history is None:
            pair = ExplainedPair(
                ranked.state.generation,
                profile.id,
                profile.revision,
                page_request.row.id,
                page_request.row.revision,
                match.text,
                reader,
                language,
            )
            # The item follows from its reasons, its reader's view of the request and the
            # scores: all in the key, whichever ranker gave the scores.
            key = ShownMatchKey(
                pair,
                sees_private_fields(viewer, page_request.row.owner_account_id),
                match.score,
                match.sector,
                match.ticket,
                match.stage,
                tuple(match.misses),
            )
        shown = cache.shown_match(key)
        if shown is None:
            reasons = cache.explained(pair)
            if reasons is None:
                reasons = reasons_out(ranked.explain(match, page_request.record), reader)
                cache.remember_explained(pair, reasons)
            item = RequestMatchOut(
                financing_request=cache.request_shown(page_request, viewer),
                score=rounded_score(match.score),
                components=ComponentsOut(
                    sector=rounded_score(match.sector),
                    ticket=rounded_score(match.ticket),
                    stage=rounded_score(match.stage),
                ),
                reasons=reasons,
                near_miss=bool(match.misses),
                misses=match.misses,
            )
            shown = ShownMatch(item, _ITEM_JSON.dump_json(item, by_alias=True))
            cache.remember_shown_match(key, shown)
        shown_matches.append(shown)
    # An investor sees its own pair's components, not the (learned) model's weights.
    page = _page(
        RequestMatchPage,
        [shown.item for shown in shown_matches],
        ranked.total,
        ranked.serving,
        window,
        show_weights=viewer.is_commission,
    )
    return ServedPage(page, [shown.json for shown in shown_matches])


def note_shown(
    *,
    log: ImpressionLog,
    profile: InvestorProfile,
    viewer: Principal,
    page: MatchPage[RequestMatchOut],
    window: RankingWindow,
) -> None:
    """Remember what the investor itself was shown (the commission looking at its matches
    shows the investor nothing); positions count from the ranking's first match."""
    if not viewer.owns(profile.owner_account_id):
        return
    log.record(
        profile.id,
        page.model.version,
        [
            Shown(item.financing_request.id, window.offset + number, item.score)
            for number, item in enumerate(page.items, start=1)
        ],
    )


def rank_investors_for_request(
    *,
    session: Session,
    index: MatchIndex,
    financing_request: FinancingRequest,
    window: RankingWindow,
) -> MatchPage[InvestorMatchOut]:
    """The investor profiles matching one request (with near misses when the window asks),
    best first, ties by id."""
    ranked = rank_investors(
        session=session, index=index, financing_request=financing_request, window=window
    )
    components = ranked.components
    items = [
        InvestorMatchOut(
            investor=InvestorOut.from_model(ranked.profiles[i], ranked.investors[i]),
            score=rounded_score(float(ranked.scores[i])),
            components=ComponentsOut(
                sector=rounded_score(float(components.sector[i])),
                ticket=rounded_score(float(components.ticket[i])),
                stage=rounded_score(float(components.stage[i])),
            ),
            reasons=reasons_out(ranked.explain(i), Reader(ranked.profiles[i].name)),
            near_miss=bool(components.misses(i)),
            misses=components.misses(i),
        )
        for i in ranked.page
    ]
    return _page(
        InvestorMatchPage, items, ranked.total, ranked.serving, window, show_weights=True
    )  # commission
