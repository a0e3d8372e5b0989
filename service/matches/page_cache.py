"""What pages of matches show of each request and each pair, kept per worker by the revisions
that identify it: a request already shown costs no query, and a pair already explained no
reasoning and no rendering.

A financing request's stored fields are the same at a given revision: every write through
the service bumps it (the ORM's version counter; a change of its sectors alone touches the
row), and the index ranks each request at the revision it last applied. Rows are kept under
that revision and looked up by the revision the ranking read, so an edit or an unpublication
is never served from here: the next ranking applies the new revision (or drops the request)
and misses. The same holds for mandates, which the index also keeps by revision. A write
that bypassed the ORM without bumping the revision would go unseen here, as it already goes
unseen by the index.

Explained pairs are kept only when the ranker reads no deal history (the default weights, or
a learned model without it): a deal history changes without any revision.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FinancingRequest, FinancingRequestSector, RequestStatus
from scoring import RequestRecord
from service.financing_requests.schemas import (
    FinancingRequestOut,
    StoredRequestFields,
    sees_private_fields,
)
from service.http.auth import Principal
from service.i18n.languages import current_language
from service.i18n.reasons import Reader
from service.matches.schemas import ReasonOut, RequestMatchOut
from service.ranking.records import request_record
from service.reference_data.catalog import Language

# A worker's page rows: a few thousand requests (~2 KB each with their summaries) cover the
# pages of many investors; the explained pairs (~1.5 KB each, as much again for a page's item
# with its JSON) cover hundreds of investors' first pages in both languages.
REQUEST_ROWS_KEPT = 4096
REQUESTS_SHOWN_KEPT = 4096
EXPLAINED_PAIRS_KEPT = 8192

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Recent(Generic[K, V]):
    """The ``capacity`` entries used most recently; safe to share between threads."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A published request as a page shows it: its stored fields (``row.revision`` is the
    revision they are at), its sector codes, and its record for explaining a pair."""

    row: StoredRequestFields
    sectors: list[str]
    record: RequestRecord


RequestKey = tuple[str, int]
"""A request's id and revision."""


class ExplainedPair(NamedTuple):
    """What a pair's reasons, as one reader reads them, follow from: the scorer (taxonomy,
    stages, exchange rates; its generation), the mandate and the request at their revisions,
    the text similarity the ranking found, the reader and the language. (Keys are tuples:
    hashed and compared in C, where a frozen dataclass's are Python calls.)"""

    generation: int
    investor_id: str
    investor_revision: int
    request_id: str
    request_revision: int
    text_similarity: float
    reader: Reader
    language: Language


class ShownMatchKey(NamedTuple):
    """What one item of a page follows from: its pair's reasons (``ExplainedPair``), whether
    its reader sees the request's private fields, and the scores the ranking gave it."""

    pair: ExplainedPair
    private: bool
    score: float
    sector: float
    ticket: float
    stage: float
    misses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ShownMatch:
    """One item of a page, and its JSON as the page's serialiser writes it."""

    item: RequestMatchOut
    json: bytes


class MatchPageCache:
    """One worker's rows, responses and explanations for pages of matches (see the module)."""

    def __init__(self) -> None:
        self._rows: _Recent[RequestKey, PageRequest] = _Recent(REQUEST_ROWS_KEPT)
        self._shown: _Recent[tuple[str, int, str, bool], FinancingRequestOut] = _Recent(
            REQUESTS_SHOWN_KEPT
        )
        self._explained: _Recent[ExplainedPair, list[ReasonOut]] = _Recent(EXPLAINED_PAIRS_KEPT)
        self._matches: _Recent[ShownMatchKey, ShownMatch] = _Recent(EXPLAINED_PAIRS_KEPT)

    def published_requests(
        self, session: Session, ids: Sequence[str], revisions: Mapping[str, int]
    ) -> dict[str, PageRequest]:
        """The page's requests by id, each at the revision the ranking applied (``revisions``);
        those not kept are read (two queries) as the database has them now, and left out if
        no longer published."""
        found: dict[str, PageRequest] = {}
        missing = []
        for request_id in ids:
            revision = revisions.get(request_id)
            kept = None if revision is None else self._rows.get((request_id, revision))
            if kept is None:
                missing.append(request_id)
            else:
                found[request_id] = kept
        for page_request in _load_published(session, missing):
            self._rows.put((page_request.row.id, page_request.row.revision), page_request)
            found[page_request.row.id] = page_request
        return found

    def request_shown(self, page_request: PageRequest, viewer: Principal) -> FinancingRequestOut:
        """The request as ``viewer`` reads it, in the current reader's language."""
        row = page_request.row
        key = (
            row.id,
            row.revision,
            current_language(),
            sees_private_fields(viewer, row.owner_account_id),
        )
        shown = self._shown.get(key)
        if shown is None:
            shown = FinancingRequestOut.from_fields(
                row, sectors=page_request.sectors, viewer=viewer
            )
            self._shown.put(key, shown)
        return shown

    def explained(self, pair: ExplainedPair | None) -> list[ReasonOut] | None:
        """A pair's reasons, if kept."""
        return None if pair is None else self._explained.get(pair)

    def remember_explained(self, pair: ExplainedPair | None, reasons: list[ReasonOut]) -> None:
        if pair is not None:
            self._explained.put(pair, reasons)

    def shown_match(self, key: ShownMatchKey | None) -> ShownMatch | None:
        """A page's item, if kept."""
        return None if key is None else self._matches.get(key)

    def remember_shown_match(self, key: ShownMatchKey | None, shown: ShownMatch) -> None:
        if key is not None:
            self._matches.put(key, shown)


def _load_published(session: Session, ids: Sequence[str]) -> list[PageRequest]:
    """Requests with their sectors, in two Core queries (no ORM objects), published only."""
    if not ids:
        return []
    columns = [c for c in FinancingRequest.__table__.c if c.name != "text_features"]
    # Status is checked here, not in SQL: given "status = ..." SQLite may scan the status
    # index instead of looking the ids up by primary key.
    rows = session.execute(select(*columns).where(FinancingRequest.id.in_(ids))).all()
    sectors: dict[str, list[str]] = {}
    for request_id, code in session.execute(
        select(FinancingRequestSector.financing_request_id, FinancingRequestSector.code)
        .where(FinancingRequestSector.financing_request_id.in_(ids))
        .order_by(FinancingRequestSector.code)
    ):
        sectors.setdefault(request_id, []).append(code)
    return [
        PageRequest(
            row=row,
            sectors=sectors.get(row.id, []),
            record=request_record(row, sectors.get(row.id, [])),
        )
        for row in rows
        if row.status == RequestStatus.PUBLISHED
    ]
