"""Proposals for coverage: for the event's requests that meet fewer than k investors, the
commission proposes the ranking's best remaining investors above a minimum score, within the
investors' caps, the requests furthest below k served first (``allocation``); the requests
that stay below k are the outreach targets.

An investor is a firm (its account): a startup meeting three of one firm's funds has met one
investor, so a request's investors are counted by firm, and a firm is proposed once per
request (its best-scoring mandate) and not at all where one of its mandates was asked
already, whatever that meeting's answer."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (
    Event,
    FinancingRequest,
    InvestorProfile,
    Meeting,
    MeetingAnswer,
    MeetingSide,
    MeetingStatus,
    RequestStatus,
    WebhookEventType,
)
from service.audit_log.writer import record_audit
from service.conference.allocation import Candidate, allocate
from service.conference.meetings import LIVE, OBJECT_TYPE
from service.conference.programme import refuse_when_over
from service.conference.scheduling import investor_party
from service.conference.schemas import ProposalsCreate
from service.http.auth import Principal
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow, rank_investors
from service.ranking.serving import rounded_score
from service.webhooks import outbox

# Candidates read per request beyond the k wanted: some are skipped (already asked, capped).
CANDIDATE_SLACK = 20


@dataclass(frozen=True, slots=True)
class OutreachTarget:
    financing_request: FinancingRequest
    meetings: int


@dataclass(frozen=True, slots=True)
class Proposals:
    proposed: list[Meeting]
    outreach_targets: list[OutreachTarget]


def propose(
    *,
    session: Session,
    principal: Principal,
    index: MatchIndex,
    event: Event,
    data: ProposalsCreate,
    now: dt.datetime,
) -> Proposals:
    refuse_when_over(session, event, now, "proposing meetings")
    requests = list(
        session.scalars(
            select(FinancingRequest)
            .options(selectinload(FinancingRequest.sector_links))
            .where(
                FinancingRequest.event_id == event.id,
                FinancingRequest.status == RequestStatus.PUBLISHED,
            )
            .order_by(FinancingRequest.id)
        )
    )
    meetings = session.execute(
        select(Meeting, InvestorProfile.owner_account_id)
        .join(InvestorProfile, InvestorProfile.id == Meeting.investor_profile_id)
        .where(Meeting.event_id == event.id)
    ).tuples()
    asked: set[tuple[str, str]] = set()  # (request, party)
    meeting_parties: defaultdict[str, set[str]] = defaultdict(set)  # live, by request
    live_per_investor: Counter[str] = Counter()
    for meeting, owner in meetings:
        party = investor_party(owner, meeting.investor_profile_id)
        # A declined or cancelled pair is not proposed again, nor another of the firm's funds.
        asked.add((meeting.financing_request_id, party))
        if meeting.status in LIVE:
            meeting_parties[meeting.financing_request_id].add(party)
            live_per_investor[party] += 1
    live_per_request = Counter({r: len(parties) for r, parties in meeting_parties.items()})
    cap = event.investor_meeting_cap
    candidates: list[Candidate] = []
    for financing_request in requests:
        wanted = data.coverage_k - live_per_request[financing_request.id]
        if wanted <= 0:
            continue
        ranked = rank_investors(
            session=session,
            index=index,
            financing_request=financing_request,
            window=RankingWindow(limit=wanted + CANDIDATE_SLACK, min_score=data.min_score),
        )
        offered: set[str] = set()  # parties offered for this request: its best mandate only
        for position in ranked.page:
            profile = ranked.profiles[position]
            party = investor_party(profile.owner_account_id, profile.id)
            if (financing_request.id, party) in asked or party in offered:
                continue
            offered.add(party)
            candidates.append(
                Candidate(
                    request_id=financing_request.id,
                    profile_id=profile.id,
                    party=party,
                    score=rounded_score(float(ranked.scores[position])),
                )
            )
    parties = {c.party for c in candidates}
    free: dict[str, int | None] = {
        party: None if cap is None else cap - live_per_investor[party] for party in parties
    }
    chosen = allocate(
        candidates=candidates, held=live_per_request, coverage_k=data.coverage_k, free=free
    )
    proposed: list[Meeting] = []
    for candidate in chosen:
        meeting = Meeting(
            event_id=event.id,
            financing_request_id=candidate.request_id,
            investor_profile_id=candidate.profile_id,
            requested_by=MeetingSide.COMMISSION,
            investor_answer=MeetingAnswer.PENDING,
            startup_answer=MeetingAnswer.PENDING,
            status=MeetingStatus.PENDING,
            score=candidate.score,
            within_mandate=True,  # the ranking offered it as a match
        )
        session.add(meeting)
        proposed.append(meeting)
        live_per_request[candidate.request_id] += 1
    targets = [
        OutreachTarget(r, live_per_request[r.id])
        for r in requests
        if live_per_request[r.id] < data.coverage_k
    ]
    session.flush()
    for meeting in proposed:
        record_audit(
            session=session,
            principal=principal,
            action="meeting.propose",
            object_type=OBJECT_TYPE,
            object_id=meeting.id,
            changes={
                "event_id": event.id,
                "financing_request_id": meeting.financing_request_id,
                "investor_profile_id": meeting.investor_profile_id,
                "score": meeting.score,
            },
        )
        # Both sides are asked: each is told, as of any other meeting request.
        outbox.emit_meeting(session, WebhookEventType.MEETING_REQUESTED, meeting)
    return Proposals(proposed=proposed, outreach_targets=targets)
