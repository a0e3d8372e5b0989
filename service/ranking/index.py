"""Each worker's in-memory match index, refreshed incrementally from the database.

The published catalogue lives in an id-sorted base segment plus a small delta segment of
requests changed since the base was built; superseded base rows are masked out. A refresh
reads the requests written since the last one (with an overlap, because a write's
``updated_at`` is set before its transaction commits), so a write committed on any worker
shows in the next ranking here.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from models.types import utc_now
from scoring import InvestorFeatures, InvestorRecord, MatchScorer, Segment
from scoring.catalogue import merge_segments
from scoring.learned import LearnedRanker
from scoring.mandate_stack import MandateStack
from scoring.records import RequestColumns
from service.core.memory import release_free_memory
from service.investors.cards import ProfileCard
from service.ranking.catalogue_loader import (
    Probe,
    changes_since,
    iter_published_chunks,
    load_published,
    probe_changes,
    probe_of,
)
from service.ranking.ranking_probe import RankingProbe
from service.ranking.shared_base import BuiltBase, SharedBase, SharedBases

# A write's updated_at may precede its commit by this much and still be picked up.
COMMIT_OVERLAP = dt.timedelta(seconds=5)
COMPACT_AT_DELTA_ROWS = 2000
# Changed requests are read by id, this many per query: a bulk import publishes more at
# once than PostgreSQL takes bind parameters in one statement (65,535).
UPSERT_LOAD_BATCH = 10_000


@dataclass(frozen=True)
class IndexState:
    """An immutable snapshot; readers keep one reference for a whole ranking."""

    scorer: MatchScorer
    base: Segment
    base_alive: npt.NDArray[np.bool_]
    base_revisions: npt.NDArray[np.int32]
    delta: Segment
    delta_columns: RequestColumns = field(default_factory=RequestColumns.empty)
    delta_revisions: dict[str, int] = field(default_factory=dict)
    watermark: dt.datetime | None = None
    probe: Probe = (0, None)
    generation: int = 0
    shared_number: int = 0
    """The number of the shared base this snapshot's base is (0: this worker's own)."""

    @property
    def since(self) -> dt.datetime | None:
        return None if self.watermark is None else self.watermark - COMMIT_OVERLAP

    @property
    def size(self) -> int:
        return int(self.base_alive.sum()) + len(self.delta)

    def applied_revision(self, request_id: str) -> int | None:
        if request_id in self.delta_revisions:
            return self.delta_revisions[request_id]
        rows = self.base.rows_of([request_id])
        if rows.size and self.base_alive[rows[0]]:
            return int(self.base_revisions[rows[0]])
        return None


FEATURE_CACHE_SIZE = 4096
# One-row segments of requests ranked in the commission's direction, by (generation, id,
# revision): a conference's few hundred requests are ranked again and again.
REQUEST_SEGMENT_CACHE_SIZE = 1024
# Rankings are CPU-bound and each allocates catalogue-sized temporaries: more at once
# than cores only adds memory, not throughput.
MAX_CONCURRENT_RANKINGS = 2


@dataclass(frozen=True, slots=True)
class CachedMandate:
    record: InvestorRecord
    features: InvestorFeatures


MandateKeys = tuple[tuple[str, int], ...]
"""Every mandate's (id, revision), in id order: which roster a ranking needs."""

MandateProbe = tuple[int, dt.datetime | None]
"""The mandates' change counter, which the database bumps on any insert, edit or delete of a
mandate (migration ``change_counters``), and their latest write: while both stand still, so
does the roster, and a ranking need not read every mandate's key."""


@dataclass(frozen=True, slots=True)
class MandateRoster:
    """Every mandate at some revisions, in id order, with its features also stacked: what
    ranking investors for a request reads, built again only when a mandate changes."""

    generation: int
    keys: MandateKeys
    records: list[InvestorRecord]
    features: list[InvestorFeatures]
    stack: MandateStack | None
    """None when there are no mandates."""
    probe: MandateProbe | None = None
    """The mandates' probe read before ``keys`` (None: not known to match any probe)."""
    cards: dict[str, ProfileCard] = field(default_factory=dict)
    """The profiles' own columns, by id, as pages of rankings have read them while this
    roster held (the probe's counter moves with any write to a profile, even one that keeps
    its revision, and a roster found again under a new probe starts with none)."""


class MatchIndex:
    def __init__(
        self, make_scorer: Callable[[], MatchScorer], shared: SharedBases | None = None
    ) -> None:
        """``shared``: where a server's workers share their bases (``shared_base``); None
        keeps the base in this process."""
        self._make_scorer = make_scorer
        self._shared = shared
        self._state: IndexState | None = None
        self._lock = threading.Lock()
        self._features: OrderedDict[tuple[int, str, int], CachedMandate] = OrderedDict()
        self._features_lock = threading.Lock()
        self._generation = 0
        self.ranking_slots = threading.BoundedSemaphore(MAX_CONCURRENT_RANKINGS)
        self._learned: tuple[str, LearnedRanker] | None = None
        self._request_segments: OrderedDict[tuple[int, str, int], Segment] = OrderedDict()
        self._roster: MandateRoster | None = None

    def cached_learned_ranker(self, model_id: str) -> LearnedRanker | None:
        """The learned ranker of this stored model, if this worker has built it."""
        cached = self._learned
        return cached[1] if cached is not None and cached[0] == model_id else None

    def learned_ranker(self, model_id: str, parameters: dict[str, Any]) -> LearnedRanker:
        """The learned ranker of a stored model, rebuilt from its parameters once."""
        cached = self._learned
        if cached is not None and cached[0] == model_id:
            return cached[1]
        ranker = LearnedRanker.from_dict(parameters)
        self._learned = (model_id, ranker)
        return ranker

    def cached_mandate(
        self, state: IndexState, investor_id: str, revision: int
    ) -> CachedMandate | None:
        """A mandate at a revision as this index's scorer saw it, if seen recently."""
        key = (state.generation, investor_id, revision)
        with self._features_lock:
            features = self._features.get(key)
            if features is not None:
                self._features.move_to_end(key)
            return features

    def remember_mandate(
        self, state: IndexState, investor_id: str, revision: int, mandate: CachedMandate
    ) -> None:
        with self._features_lock:
            self._features[(state.generation, investor_id, revision)] = mandate
            while len(self._features) > FEATURE_CACHE_SIZE:
                self._features.popitem(last=False)

    def cached_roster(self, state: IndexState, keys: MandateKeys) -> MandateRoster | None:
        """The roster of exactly these mandates at these revisions, if it was the last one
        built for this snapshot's scorer."""
        roster = self._roster
        if roster is not None and roster.generation == state.generation and roster.keys == keys:
            return roster
        return None

    def request_segment(
        self, state: IndexState, request_id: str, revision: int, build: Callable[[], Segment]
    ) -> Segment:
        """The one-row segment of a request at a revision, built once per scorer (encoding
        its text is most of a ranking's cost beside the arithmetic)."""
        key = (state.generation, request_id, revision)
        with self._features_lock:
            segment = self._request_segments.get(key)
            if segment is not None:
                self._request_segments.move_to_end(key)
                return segment
        segment = build()
        with self._features_lock:
            self._request_segments[key] = segment
            while len(self._request_segments) > REQUEST_SEGMENT_CACHE_SIZE:
                self._request_segments.popitem(last=False)
        return segment

    def roster_at_probe(self, state: IndexState, probe: MandateProbe) -> MandateRoster | None:
        """The last roster built, if the mandates' probe has not moved since it was read."""
        roster = self._roster
        if roster is not None and roster.generation == state.generation and roster.probe == probe:
            return roster
        return None

    def remember_roster(self, roster: MandateRoster) -> None:
        self._roster = roster

    @property
    def state(self) -> IndexState | None:
        return self._state

    @property
    def since(self) -> dt.datetime | None:
        """From when a ranking's probe counts the requests written (None: no snapshot yet,
        the first ranking builds one)."""
        state = self._state
        return None if state is None else state.since

    def current_as_read(self, probe: RankingProbe) -> IndexState | None:
        """The snapshot, if ``probe`` (read for its ``since``) shows nothing written since it
        was taken: ranking with it needs no refresh. None when ``current`` has catching up to do
        (a refresh, perhaps a rebuild: seconds at a million requests)."""
        state = self._state
        if state is None or state.since is None or probe.since != state.since:
            return None
        return state if probe.requests == state.probe else None

    def current(self, session: Session, probe: RankingProbe | None = None) -> IndexState:
        """The snapshot to rank with, refreshed first if anything was written since.
        ``probe``, read for this snapshot's ``since`` (``read_ranking_probe(session,
        index.since)``), saves asking the database again."""
        if probe is not None and (found := self.current_as_read(probe)) is not None:
            return found
        state = self._state
        if state is not None and state.since is not None:
            # Without a probe read for this snapshot's ``since``, ask the database.
            fresh = probe is not None and probe.since == state.since
            if not fresh and probe_changes(session, state.since) == state.probe:
                return state
        with self._lock:
            self._state = self._refresh(session, self._state)
            return self._state

    def rebuild(self, session: Session) -> IndexState:
        """Build from scratch (start-up)."""
        with self._lock:
            self._state = self._build(session)
        release_free_memory()
        return self._state

    def _build(self, session: Session) -> IndexState:
        if self._shared is None:
            return self._state_of(self._build_base(session))
        # Any base a sibling wrote will do: catching up from its watermark is the refresh
        # every ranking does anyway.
        shared = self._shared.obtain(newer_than=0, build=lambda: self._build_base(session))
        return self._state_of_shared(shared)

    def _state_of(self, built: BuiltBase, shared_number: int = 0) -> IndexState:
        self._generation += 1
        return IndexState(
            generation=self._generation,
            scorer=built.scorer,
            base=built.base,
            base_alive=np.ones(len(built.base), dtype=np.bool_),
            base_revisions=built.revisions,
            delta=built.scorer.segment(RequestColumns.empty()),
            watermark=built.watermark,
            shared_number=shared_number,
        )

    def _state_of_shared(self, shared: SharedBase) -> IndexState:
        built = BuiltBase(shared.scorer, shared.base, shared.revisions, shared.watermark)
        return self._state_of(built, shared_number=shared.number)

    def _build_base(self, session: Session) -> BuiltBase:
        started_at = utc_now()
        ids: list[npt.NDArray[np.bytes_]] = []
        revisions: list[npt.NDArray[np.int32]] = []

        def chunks() -> Iterator[RequestColumns]:
            for chunk in iter_published_chunks(session):
                ids.append(np.array([i.encode() for i in chunk.columns.ids], dtype="S36"))
                revisions.append(np.array(chunk.revisions, dtype=np.int32))
                yield chunk.columns

        scorer = self._make_scorer().fit_chunks(chunks())
        base = scorer.catalogue_
        all_ids = np.concatenate(ids) if ids else np.empty(0, dtype="S36")
        all_revisions = np.concatenate(revisions) if revisions else np.empty(0, dtype=np.int32)
        return BuiltBase(
            scorer=scorer,
            base=base,
            revisions=all_revisions[np.argsort(all_ids, kind="stable")],
            watermark=started_at,
        )

    def _refresh(self, session: Session, state: IndexState | None) -> IndexState:
        if state is None or state.watermark is None:
            return self._build(session)
        changes = changes_since(session, state.watermark - COMMIT_OVERLAP)
        if not changes:
            return replace(state, probe=(0, None))
        watermark = max(state.watermark, *(c.updated_at for c in changes))
        probe = probe_of(changes, watermark - COMMIT_OVERLAP)
        upserts = [
            c.id for c in changes if c.published and state.applied_revision(c.id) != c.revision
        ]
        removals = [
            c.id for c in changes if not c.published and state.applied_revision(c.id) is not None
        ]
        if not upserts and not removals:
            return replace(state, watermark=watermark, probe=probe)
        touched = set(upserts) | set(removals)
        alive = state.base_alive.copy()
        alive[state.base.rows_of(sorted(touched))] = False
        kept = [
            i for i, request_id in enumerate(state.delta_columns.ids) if request_id not in touched
        ]
        delta_columns = state.delta_columns.take(kept)
        delta_revisions = {k: v for k, v in state.delta_revisions.items() if k not in touched}
        for start in range(0, len(upserts), UPSERT_LOAD_BATCH):
            loaded = load_published(session, upserts[start : start + UPSERT_LOAD_BATCH])
            delta_columns = delta_columns + loaded.columns
            delta_revisions.update(zip(loaded.columns.ids, loaded.revisions, strict=True))
        delta = state.scorer.segment(delta_columns)
        if len(delta) >= COMPACT_AT_DELTA_ROWS:
            if self._shared is None:
                compacted = self._compact(state, alive, delta, delta_revisions, watermark)
                return replace(compacted, probe=probe)
            return self._compact_shared(session, state, alive, delta, delta_revisions, watermark)
        return replace(
            state,
            base_alive=alive,
            delta=delta,
            delta_columns=delta_columns,
            delta_revisions=delta_revisions,
            watermark=watermark,
            probe=probe,
        )

    def _compact_shared(
        self,
        session: Session,
        state: IndexState,
        alive: npt.NDArray[np.bool_],
        delta: Segment,
        delta_revisions: dict[str, int],
        watermark: dt.datetime,
    ) -> IndexState:
        """A newer base a sibling wrote, caught up from its watermark; or, if none, this
        worker's compacted base, written for the siblings."""

        def compact() -> BuiltBase:
            compacted = self._compact(state, alive, delta, delta_revisions, watermark)
            return BuiltBase(compacted.scorer, compacted.base, compacted.base_revisions, watermark)

        assert self._shared is not None
        shared = self._shared.obtain(newer_than=state.shared_number, build=compact)
        # Requests written since the new base's watermark (the sibling's, or this one's less
        # the overlap) are read again; a fresh scorer means a new generation for the caches.
        return self._refresh(session, self._state_of_shared(shared))

    def _compact(
        self,
        state: IndexState,
        alive: npt.NDArray[np.bool_],
        delta: Segment,
        delta_revisions: dict[str, int],
        watermark: dt.datetime,
    ) -> IndexState:
        base = merge_segments([(state.base, alive), (delta, None)])
        revisions = np.concatenate(
            [
                state.base_revisions[alive],
                np.array([delta_revisions[i.decode()] for i in delta.ids], dtype=np.int32),
            ]
        )
        ids = np.concatenate([state.base.ids[alive], delta.ids])
        revisions = revisions[np.argsort(ids, kind="stable")]
        return IndexState(
            generation=state.generation,
            scorer=state.scorer,
            base=base,
            base_alive=np.ones(len(base), dtype=np.bool_),
            base_revisions=revisions,
            delta=state.scorer.segment(RequestColumns.empty()),
            watermark=watermark,
        )
