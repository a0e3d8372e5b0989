"""``matchmaker worker``: sends the webhooks outbox.

Each pass turns requests published, and mandates created or changed, since the last pass into
``match.created`` events (the ranking decides: one event per pair that scores at least an
endpoint's threshold, to the endpoints of the account that owns the mandate; a pair is told of
once), then sends what is due (see
``service.webhooks.delivery``). It lives here, at the top, because it ranks: the outbox writer
sits below every package that writes events.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from types import FrameType
from typing import Annotated, Any

import httpx
import typer
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from models import (
    FinancingRequest,
    InvestorProfile,
    RequestStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from models.types import utc_now
from service.core import migrations
from service.core.database import create_db_engine, create_session_factory
from service.core.logging_setup import configure_logging
from service.core.settings import get_settings
from service.investors.cards import ProfileCard
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow, rank_investors, rank_requests
from service.ranking.selection import RequestSelection
from service.ranking.serving import make_default_scorer, rounded_score
from service.webhooks.delivery import DeliveryPolicy, deliver_due
from service.webhooks.outbox import MANDATE_CHANGE, add_match_event, notified_requests
from service.webhooks.retention import BATCH as RETENTION_BATCH
from service.webhooks.retention import delete_finished_events

logger = logging.getLogger("matchmaker.worker")
# Publications expanded per pass; the rest wait for the next.
EXPANSIONS_PER_PASS = 20
# At most this many mandates ranked per publication get a match event.
MATCHES_PER_REQUEST = 10_000
# At most this many requests ranked per mandate change get a match event.
MATCHES_PER_MANDATE = 1_000
# Old webhook history is looked for at start and then this often; a pass deletes at most
# this many batches of it (the next pass goes on while some is left).
CLEANUP_INTERVAL_SECONDS = 3600.0
CLEANUP_BATCHES_PER_PASS = 10


def expand_publications(session: Session, index: MatchIndex) -> int:
    """Each pending publication (or mandate change) becomes match.created events, in one
    transaction with marking it done (so a worker killed midway expands it again, never
    twice). Two workers never both expand one: each takes it by an update that only one can
    make (the other waits for the row, or SQLite's write lock, and then finds it taken). A
    pair already told of is not told again."""
    pending = session.execute(
        select(WebhookEvent.id, WebhookEvent.type, WebhookEvent.subject_id)
        .where(WebhookEvent.expand_pending.is_(True))
        .order_by(WebhookEvent.created_at, WebhookEvent.id)
        .limit(EXPANSIONS_PER_PASS)
    ).all()
    made = 0
    for pending_id, event_type, subject_id in pending:
        taken = session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == pending_id, WebhookEvent.expand_pending.is_(True))
            .values(expand_pending=False)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        wanting = [
            endpoint
            for endpoint in session.scalars(
                select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
            )
            if WebhookEventType.MATCH_CREATED.value in endpoint.event_types
        ]
        if not wanting or subject_id is None:
            continue
        if event_type == MANDATE_CHANGE:
            made += _expand_mandate(session, index, subject_id, wanting)
        else:
            made += _expand_publication(session, index, subject_id, wanting)
    return made


def _match_data(
    profile: InvestorProfile | ProfileCard, request: FinancingRequest, score: float
) -> dict[str, Any]:
    return {
        "investor_profile_id": profile.id,
        "investor_profile_name": profile.name,
        "financing_request_id": request.id,
        "title": request.title,
        # For an investor's system that shows English: null when the startup wrote none.
        "title_en": request.title_en,
        "event_id": request.event_id,
        "score": score,
    }


def _expand_publication(
    session: Session, index: MatchIndex, request_id: str, wanting: list[WebhookEndpoint]
) -> int:
    """match.created for every mandate the published request matches at least at one of its
    owner's endpoints' thresholds."""
    financing_request = session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.id == request_id)
    ).first()
    if financing_request is None or financing_request.status is not RequestStatus.PUBLISHED:
        return 0
    ranked = rank_investors(
        session=session,
        index=index,
        financing_request=financing_request,
        window=RankingWindow(
            limit=MATCHES_PER_REQUEST, min_score=min(e.min_score for e in wanting)
        ),
    )
    told = notified_requests(session, (p.id for p in ranked.profiles.values()))
    made = 0
    for position in ranked.page:
        profile = ranked.profiles[position]
        if (profile.id, financing_request.id) in told:
            continue
        score = rounded_score(float(ranked.scores[position]))
        endpoints = [
            endpoint
            for endpoint in wanting
            if endpoint.account_id == profile.owner_account_id and score >= endpoint.min_score
        ]
        if add_match_event(session, _match_data(profile, financing_request, score), endpoints):
            made += 1
    return made


def _expand_mandate(
    session: Session, index: MatchIndex, profile_id: str, wanting: list[WebhookEndpoint]
) -> int:
    """match.created for every published request the created or changed mandate now matches
    at least at one of its owner's endpoints' thresholds, except pairs already told of."""
    profile = session.get(InvestorProfile, profile_id)
    if profile is None:
        return 0
    endpoints = [e for e in wanting if e.account_id == profile.owner_account_id]
    if not endpoints:
        return 0
    ranked = rank_requests(
        session=session,
        index=index,
        profile=profile,
        selection=RequestSelection(),
        window=RankingWindow(
            limit=MATCHES_PER_MANDATE, min_score=min(e.min_score for e in endpoints)
        ),
    )
    told = notified_requests(session, [profile.id])
    fresh = [item for item in ranked.page if (profile.id, item.id) not in told]
    requests = {
        request.id: request
        for request in session.scalars(
            select(FinancingRequest).where(FinancingRequest.id.in_([item.id for item in fresh]))
        )
    }
    made = 0
    for item in fresh:
        financing_request = requests.get(item.id)
        if financing_request is None:
            continue
        score = rounded_score(float(item.score))
        chosen = [e for e in endpoints if score >= e.min_score]
        if add_match_event(session, _match_data(profile, financing_request, score), chosen):
            made += 1
    return made


class _Stop:
    """Set by SIGTERM or SIGINT: the worker finishes its pass and stops."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()


def delete_old_history(
    factory: sessionmaker[Session], keep: dt.timedelta, stop: threading.Event
) -> tuple[int, bool]:
    """Webhook events older than ``keep`` whose deliveries are finished, a short transaction
    per batch, at most ``CLEANUP_BATCHES_PER_PASS`` batches (a long backlog, on the first
    run, is worked off over several passes, the sending going on in between); how many were
    deleted, and whether none is left."""
    deleted = 0
    for _ in range(CLEANUP_BATCHES_PER_PASS):
        if stop.is_set():
            return deleted, False
        with factory.begin() as session:
            batch = delete_finished_events(session, written_before=utc_now() - keep)
        deleted += batch
        if batch < RETENTION_BATCH:
            return deleted, True
    return deleted, False


def _clean_up(
    factory: sessionmaker[Session], keep: dt.timedelta, stop: threading.Event, *, once: bool
) -> bool:
    """One pass's share of deleting old history; whether it is done for now. A failure is
    logged and tried again at the next interval: it never holds up sending (a single pass,
    ``--once``, fails with it instead)."""
    try:
        removed, done = delete_old_history(factory, keep, stop)
    except Exception:
        if once:
            raise
        logger.exception("webhook history not deleted")
        return True
    if removed:
        logger.info("webhook history deleted", extra={"events": removed})
    return done


def run_passes(
    factory: sessionmaker[Session],
    policy: DeliveryPolicy,
    *,
    once: bool,
    interval: float,
    stop: threading.Event,
) -> None:
    index = MatchIndex(make_default_scorer)
    with factory.begin() as session:
        index.rebuild(session)
    keep = dt.timedelta(days=get_settings().webhook_history_days)
    next_cleanup = time.monotonic()
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        while not stop.is_set():
            try:
                if time.monotonic() >= next_cleanup and _clean_up(factory, keep, stop, once=once):
                    next_cleanup = time.monotonic() + CLEANUP_INTERVAL_SECONDS
                with factory.begin() as session:
                    expanded = expand_publications(session, index)
                sent = deliver_due(factory, client, policy)
            except Exception:
                if once:
                    raise
                # The database away for a moment, say: the next pass tries again (what was
                # leased is sent again once its lease runs out).
                logger.exception("webhooks pass failed")
                stop.wait(max(interval, 5.0))
                continue
            if expanded or sent:
                logger.info("webhooks pass", extra={"matches": expanded, "attempts": sent})
            if once:
                return
            if not sent:
                stop.wait(interval)


def worker(
    once: Annotated[
        bool, typer.Option(help="One pass (publications expanded, due deliveries sent), then stop")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, help="Seconds between passes when nothing was due")
    ] = 1.0,
    lease_seconds: Annotated[
        float,
        typer.Option(min=0.1, help="How long a delivery being sent is held from other workers"),
    ] = 60.0,
    backoff_seconds: Annotated[
        float, typer.Option(min=0.01, help="The first retry's wait, doubled each time (max 4 h)")
    ] = 30.0,
    disable_after: Annotated[
        int, typer.Option(min=1, help="Failed attempts in a row that disable an endpoint")
    ] = 15,
    timeout_seconds: Annotated[float, typer.Option(min=0.1, help="HTTP timeout per try")] = 10.0,
) -> None:
    """Send webhooks: signed (Standard Webhooks), at least once, retried with exponential
    back-off for 24 hours; endpoints failing too often are disabled. Stops on SIGTERM."""
    settings = get_settings()
    configure_logging(settings.log_level)
    migrations.upgrade(settings.database_url)
    engine = create_db_engine(settings.database_url)
    policy = DeliveryPolicy(
        lease=dt.timedelta(seconds=lease_seconds),
        first_backoff=dt.timedelta(seconds=backoff_seconds),
        disable_after=disable_after,
        timeout_seconds=timeout_seconds,
    )
    stop = _Stop()
    previous: dict[int, Any] = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, stop),
        signal.SIGINT: signal.signal(signal.SIGINT, stop),
    }
    started = time.monotonic()
    logger.info("webhook worker started", extra={"environment": settings.environment})
    try:
        run_passes(
            create_session_factory(engine),
            policy,
            once=once,
            interval=interval,
            stop=stop.event,
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        engine.dispose()
        logger.info(
            "webhook worker stopped", extra={"seconds": round(time.monotonic() - started, 1)}
        )
