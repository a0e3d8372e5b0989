"""A page of the commission's ranking shows each profile's own columns from cards the roster
keeps (``service.investors.cards``): read once while the roster holds, never stale after a
write, whatever wrote it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest, InvestorProfile
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankedInvestors, RankingWindow, rank_investors
from service.ranking.serving import make_default_scorer
from tests.support.factories import ApiClient


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The SQL the session's connection runs inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _published_request(api: ApiClient) -> str:
    startup = api.create_account("startup")
    request: dict[str, Any] = api.create_request(startup)
    api.publish(request["id"])
    return str(request["id"])


def _built_index(session: Session) -> MatchIndex:
    index = MatchIndex(make_default_scorer)
    index.rebuild(session)
    return index


def _rank(session: Session, index: MatchIndex, request_id: str) -> RankedInvestors:
    financing_request = session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.id == request_id)
    ).one()
    return rank_investors(
        session=session,
        index=index,
        financing_request=financing_request,
        window=RankingWindow(limit=20),
    )


def _names(ranked: RankedInvestors) -> list[str]:
    return [ranked.profiles[i].name for i in ranked.page]


def test_a_page_reads_its_profiles_once_while_no_mandate_changes(
    api: ApiClient, db_session: Session
) -> None:
    request_id = _published_request(api)
    owner = api.create_account("investor")
    api.create_investor(owner, name="First fund")
    api.create_investor(owner, name="Second fund")
    index = _built_index(db_session)

    with _statements(db_session) as first:
        ranked = _rank(db_session, index, request_id)
    assert sorted(_names(ranked)) == ["First fund", "Second fund"]
    assert any("investor_profiles.thesis" in sql for sql in first)
    with _statements(db_session) as second:
        again = _rank(db_session, index, request_id)
    assert _names(again) == _names(ranked)
    # The probe and the request's own reads, but not the profiles' columns.
    assert second
    assert not any("investor_profiles.thesis" in sql for sql in second)


def test_a_page_shows_every_write_to_a_profile_in_the_next_ranking(
    api: ApiClient, db_session: Session
) -> None:
    request_id = _published_request(api)
    owner = api.create_account("investor")
    fund = api.create_investor(owner, name="First fund")
    index = _built_index(db_session)
    assert _names(_rank(db_session, index, request_id)) == ["First fund"]

    renamed = api.patch(
        f"/v1/investors/{fund['id']}", json={"name": "Renamed fund"}, headers=owner.headers
    )
    assert renamed.status_code == 200, renamed.text
    db_session.expire_all()
    assert _names(_rank(db_session, index, request_id)) == ["Renamed fund"]

    # A write past the service that keeps the revision (as the database's own ON DELETE SET
    # NULL of an owner does): the roster's keys are unchanged, its cards are not kept.
    db_session.execute(
        update(InvestorProfile)
        .where(InvestorProfile.id == fund["id"])
        .values(name="Quietly renamed fund", owner_account_id=None)
    )
    db_session.flush()
    ranked = _rank(db_session, index, request_id)
    assert _names(ranked) == ["Quietly renamed fund"]
    assert ranked.profiles[ranked.page[0]].owner_account_id is None
