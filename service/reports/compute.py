"""Computing a match report: load the scope, tally every pair in it, build the typed document.

Reading is `loading`'s job, scoring and counting `tally`'s; this module puts them in order and
builds the `ReportDocument` (see `document`) that is stored and served. Money stays exact:
amounts are read as whole hundredths or Decimals and converted to CNY with the reference
exchange rates; only the listed requests are read in full.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import TypedDict

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from models.types import HUNDREDTHS
from scoring.catalogue import Segment, merge_segments
from scoring.history import InvestorHistory
from service.deals.service import investor_histories
from service.feedback.service import passed_by_profile
from service.impressions.service import EXPOSURE_TOP, investors_who_saw
from service.ranking.compliance import (
    closed_rows,
    compliance_reason,
    foreign_profile_ids,
    request_compliance,
)
from service.ranking.index import IndexState, MatchIndex
from service.ranking.selection import RequestSelection, selected_segment
from service.ranking.serving import rounded_score, serving_ranker
from service.reference_data.catalog import get_reference_data
from service.reports.document import (
    Counts,
    Exposure,
    Funnel,
    InvestorMatches,
    Listed,
    RankedInvestor,
    RankedRequest,
    RankingModel,
    ReportDocument,
    RequestMatches,
    Scope,
    StoredReason,
    Totals,
    UnmatchedRequest,
    cents,
)
from service.reports.loading import (
    CNY,
    ReportScope,
    RequestDetails,
    ScopedInvestor,
    load_amounts,
    load_details,
    load_feedback,
    load_investors,
)
from service.reports.outcome_figures import outcome_figures
from service.reports.tally import capital_rows, row_sectors, row_stages, tally_pairs

MAX_LISTED = 1000  # entries per list in the document (requests, unmatched, investors)


class _RequestColumns(TypedDict):
    """What the unmatched list and the requests list both show of a request."""

    financing_request_id: str
    company: str
    title: str
    title_en: str | None
    sectors: list[str]
    stage: str
    amount: Decimal
    currency: str
    investors_above_min_score: int


def _request_columns(shown: RequestDetails, investors_above_min_score: int) -> _RequestColumns:
    return _RequestColumns(
        financing_request_id=shown.id,
        company=shown.company,
        title=shown.title,
        title_en=shown.title_en or None,
        sectors=list(shown.sectors),
        stage=shown.stage,
        amount=cents(shown.amount),
        currency=shown.currency,
        investors_above_min_score=investors_above_min_score,
    )


def default_title(scope: ReportScope | Scope) -> str:
    """The title a report gets when nobody gives one (readers rewrite it in their language:
    see ``wording.Wording.title``)."""
    parts = []
    if scope.event_name is not None:
        parts.append(scope.event_name)
    if scope.sectors:
        parts.append("sectors " + ", ".join(scope.sectors))
    if scope.stages:
        parts.append("stages " + ", ".join(scope.stages))
    return "Match report: " + ("; ".join(parts) if parts else "all published requests")


def _scope_segment(state: IndexState, scope: ReportScope) -> Segment:
    """The published requests in scope, as one id-sorted segment of the index."""
    return selected_segment(
        state,
        RequestSelection(
            sectors=tuple(scope.sectors), stages=tuple(scope.stages), event_id=scope.event_id
        ),
    )


def _passed_rows(
    session: Session, investors: Sequence[ScopedInvestor], ids: Sequence[str]
) -> dict[int, npt.NDArray[np.bool_]]:
    """By investor position, the rows of the requests it passed on (investors that passed on
    none in scope are left out)."""
    passed = passed_by_profile(session=session)
    row_of = {request_id: row for row, request_id in enumerate(ids)}
    rows: dict[int, npt.NDArray[np.bool_]] = {}
    for position, investor in enumerate(investors):
        declined = [row_of[r] for r in passed.get(investor.profile_id, ()) if r in row_of]
        if declined:
            mask = np.zeros(len(ids), dtype=np.bool_)
            mask[declined] = True
            rows[position] = mask
    return rows


def compute_report(
    *,
    session: Session,
    index: MatchIndex,
    scope: ReportScope,
    top_k: int,
    min_score: float,
    title: str | None = None,
    report_id: str,
    created_at: dt.datetime,
    created_by_account_id: str | None,
    created_by_user_id: str | None = None,
    created_by_name: str | None = None,
) -> ReportDocument:
    """The report document of the contract (see the README's "Commission" part)."""
    reference = get_reference_data()
    state = index.current(session)
    scorer = state.scorer
    serving = serving_ranker(session, index, scorer)
    segment = _scope_segment(state, scope)
    ids = [i.decode() for i in segment.ids]
    money = load_amounts(session, scope, set(ids))
    if len(money) < len(ids):
        # Unpublished between the index's snapshot and this read: leave them out.
        segment = merge_segments([(segment, np.array([i in money for i in ids], dtype=np.bool_))])
        ids = [i for i in ids if i in money]
    rates = {code: rate / HUNDREDTHS for code, rate in reference.cny_per_unit.items()}
    amount_cny = [money[i][0] * rates[money[i][1]] for i in ids]
    investors, all_profiles = load_investors(session, scope, reference)
    # Deal history is read only when the serving ranker uses it, as the matches do.
    histories: Sequence[InvestorHistory | None] = (
        investor_histories(session, [investor.profile_id for investor in investors])
        if serving.reads_history
        else [None] * len(investors)
    )
    sectors = [entry for entry in reference.sectors if entry.parent is None]
    stages = list(reference.stages)
    foreign_ids = foreign_profile_ids(session)
    foreign = [investor.profile_id in foreign_ids for investor in investors]
    firm_numbers: dict[str, int] = {}
    firms = [firm_numbers.setdefault(investor.firm, len(firm_numbers)) for investor in investors]
    # A mandate is named with its firm where the firm keeps several in scope: the lists show
    # mandates, the counts firms, and "Sequoia USD fund" beside "Sequoia RMB fund" should
    # read as one investor.
    mandates_of = Counter(firms)
    firm_names = [
        investor.firm_name if mandates_of[firm] > 1 else None
        for investor, firm in zip(investors, firms, strict=True)
    ]
    sector_membership = row_sectors(scorer, segment, sectors)
    stage_membership = row_stages(segment, stages)
    # Every list runs from the largest ask (in CNY) down, ties by id (the row order).
    ordered = np.lexsort((np.arange(len(segment)), -segment.log_amount_cny))
    listed_rows = ordered[:MAX_LISTED]
    tally = tally_pairs(
        index=index,
        scorer=scorer,
        serving=serving,
        segment=segment,
        features=scorer.investors_features([investor.record for investor in investors]),
        histories=histories,
        sector_membership=sector_membership,
        stage_membership=stage_membership,
        listed_rows=listed_rows,
        top_k=top_k,
        min_score=min_score,
        closed=closed_rows(scorer, segment),
        foreign=foreign,
        passed=_passed_rows(session, investors, ids),
        firms=firms,
    )
    unmatched_rows = ordered[tally.firms_above[ordered] == 0][:MAX_LISTED]
    seen = investors_who_saw(session=session, request_ids=ids)
    seen_count = np.array([seen.get(i, 0) for i in ids], dtype=np.int64)
    unseen_rows = ordered[seen_count[ordered] == 0][:MAX_LISTED]
    request_pairs = tally.request_pairs(listed_rows)
    investor_pairs = tally.investor_pairs(min(len(investors), MAX_LISTED))
    shown_rows = {int(r) for r in listed_rows} | {int(r) for r in unmatched_rows}
    shown_rows |= {int(r) for r in unseen_rows}
    shown_rows |= {pair.row for pairs in investor_pairs for pair in pairs}
    details = load_details(session, [ids[r] for r in shown_rows])
    every_pair = [pair for pairs in request_pairs + investor_pairs for pair in pairs]
    explained = scorer.explain_pairs(
        (
            investors[p.investor].record,
            details[ids[p.row]].record(),
            p.text,
            histories[p.investor],
        )
        for p in every_pair
    )
    for p, found in zip(every_pair, explained, strict=True):
        if investors[p.investor].profile_id in foreign_ids:
            restricted = compliance_reason(request_compliance(details[ids[p.row]].record()))
            if restricted is not None:
                found.append(restricted)
    # Kept as structure: the report is written in whichever language it is read in.
    reasons = {
        (p.investor, p.row): [
            StoredReason(kind=reason.kind, outcome=reason.outcome, values=reason.values())
            for reason in r
        ]
        for p, r in zip(every_pair, explained, strict=True)
    }
    ticket_max_cny = [investor.ticket_max_cny for investor in investors]
    feedback = load_feedback(session, set(ids), investors, reference)

    return ReportDocument(
        id=report_id,
        created_at=created_at.astimezone(dt.UTC),
        created_by_account_id=created_by_account_id,
        created_by_user_id=created_by_user_id,
        created_by_name=created_by_name,
        title=title or default_title(scope),
        scope=Scope(
            event_id=scope.event_id,
            event_name=scope.event_name,
            sectors=list(scope.sectors),
            stages=list(scope.stages),
            event_date=scope.event_date,
            event_place=scope.event_place,
            event_name_en=scope.event_name_en or None,
            event_place_en=scope.event_place_en or None,
        ),
        top_k=top_k,
        min_score=min_score,
        model=RankingModel(version=serving.version, weights=serving.weights),
        counts=Counts(published_requests=state.size, investors=all_profiles),
        totals=Totals(
            requests=len(ids),
            investors=len(investors),
            capital_asked=cents(sum(amount_cny, Decimal(0))),
            currency=CNY,
            blocked_pairs=tally.blocked if any(foreign) else None,
        ),
        coverage=tally.coverage(),
        unmatched=[
            UnmatchedRequest(
                **_request_columns(details[ids[row]], int(tally.firms_above[row])),
                best_score=rounded_score(tally.best[row]) if np.isfinite(tally.best[row]) else None,
            )
            for row in unmatched_rows.tolist()
        ],
        by_sector=capital_rows(
            sectors, sector_membership, amount_cny, tally.fits_sector, ticket_max_cny, firms
        ),
        by_stage=capital_rows(
            stages, stage_membership, amount_cny, tally.fits_stage, ticket_max_cny, firms
        ),
        requests=[
            RequestMatches(
                **_request_columns(details[ids[row]], int(tally.firms_above[row])),
                seen_by_investors=int(seen_count[row]),
                top_investors=[
                    RankedInvestor(
                        investor_profile_id=investors[p.investor].profile_id,
                        name=investors[p.investor].name,
                        firm=firm_names[p.investor],
                        score=rounded_score(p.score),
                        reasons=reasons[(p.investor, p.row)],
                    )
                    for p in pairs
                ],
            )
            for row, pairs in zip(listed_rows.tolist(), request_pairs, strict=True)
        ],
        investors=[
            InvestorMatches(
                investor_profile_id=investors[n].profile_id,
                name=investors[n].name,
                firm=firm_names[n],
                top_requests=[
                    RankedRequest(
                        financing_request_id=ids[p.row],
                        company=details[ids[p.row]].company,
                        title=details[ids[p.row]].title,
                        title_en=details[ids[p.row]].title_en or None,
                        score=rounded_score(p.score),
                        reasons=reasons[(p.investor, p.row)],
                    )
                    for p in pairs
                ],
            )
            for n, pairs in enumerate(investor_pairs)
        ],
        funnel=None
        if feedback is None
        else Funnel(
            matched=int(tally.above.sum()),
            interested=feedback.interested,
            meeting=feedback.meeting,
            committed=feedback.committed,
            committed_amount=cents(feedback.committed_cny),
            currency=CNY,
        ),
        exposure=Exposure(
            top=EXPOSURE_TOP,
            seen=int((seen_count > 0).sum()),
            unseen=int((seen_count == 0).sum()),
            unseen_requests=[
                UnmatchedRequest(
                    **_request_columns(details[ids[row]], int(tally.firms_above[row])),
                    best_score=rounded_score(tally.best[row])
                    if np.isfinite(tally.best[row])
                    else None,
                )
                for row in unseen_rows.tolist()
            ],
        ),
        listed=Listed(
            limit=MAX_LISTED,
            requests=int(listed_rows.size),
            unmatched=int(unmatched_rows.size),
            investors=len(investor_pairs),
        ),
        outcomes=outcome_figures(session, scope.event_id),
    )
