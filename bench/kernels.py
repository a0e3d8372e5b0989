"""The three ways to rank one investor's matches that the service is compared with.

* ``numpy_limit``: the same arithmetic as the service, written as a bare numpy kernel over
  the same arrays, with nothing around it: the speed of memory for this work.
* ``naive_rank``: what an ORM-first implementation does: load every published request
  through the ORM and score it in a Python loop.
* ``postgres_rank``: one SQL query in PostgreSQL computing the same score.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, selectinload

from models import FinancingRequest, RequestStatus
from scoring import InvestorFeatures, InvestorRecord, MatchScorer, Segment
from scoring.similarity import text_similarity32
from scoring.text_index import TextIndex, text_index

FloatArray = npt.NDArray[np.float64]


def id_ordered_text(segment: Segment) -> TextIndex:
    """The segment's text as an inverted index whose rows are the segment's own (by id), for
    ``numpy_limit``: the service lays its text out by group instead (``Segment.text``), and
    the kernel would pay a gather of every row to align it with the other arrays."""
    return text_index(segment.text_by_row(), np.arange(len(segment), dtype=np.int32))


def numpy_limit(
    scorer: MatchScorer,
    features: InvestorFeatures,
    segment: Segment,
    limit: int,
    texts: TextIndex,
) -> npt.NDArray[np.intp]:
    """Top ``limit`` rows by score, ties by id: the service's formula as bare numpy, its text
    similarity read from ``texts`` (``id_ordered_text``: every array in one order, the
    layout fastest for scoring every row)."""
    total = scorer.sector_weight + scorer.ticket_weight + scorer.stage_weight
    combo_fit = features.sector_fit[segment.sector_combos].max(axis=1)
    structure = (
        (scorer.sector_weight * (1 - scorer.text_share) / total) * combo_fit[:, None]
        + (scorer.stage_weight / total) * features.stage_fit[None, : segment.stage_slots]
    ).ravel()
    score = structure[segment.structure_key]
    log_ratio = np.fmax(
        segment.log_amount_cny - features.log_ticket_max,
        features.log_ticket_min - segment.log_amount_cny,
    )
    score += (scorer.ticket_weight / total) * np.where(
        log_ratio <= 0.0,
        1.0,
        scorer.ticket_outside_cap
        * np.clip(1.0 - log_ratio / math.log(scorer.ticket_zero_ratio), 0.0, 1.0),
    )
    # The fastest text similarity we have (the service's column kernel), not the slower
    # sparse product: the baseline is the strongest bare kernel, not the service's old path.
    similarity = text_similarity32(features.thesis, texts)
    score += (scorer.sector_weight * scorer.text_share / total) * np.minimum(
        similarity / scorer.text_saturation, 1.0
    )
    cut = -np.partition(-score, limit - 1)[limit - 1]
    candidates = np.flatnonzero(score >= cut)
    order: npt.NDArray[np.intp] = candidates[
        np.lexsort((segment.ids[candidates], -score[candidates]))
    ][:limit]
    return order


def naive_rank(
    session: Session, scorer: MatchScorer, investor: InvestorRecord, limit: int
) -> list[str]:
    """Load every published request through the ORM and score it in a Python loop."""
    sector_fit = scorer.taxonomy_.fit_vector(investor.sectors)
    stage_fit = scorer.ladder_.fit_vector(investor.stages)
    rates = scorer.cny_per_unit or {"CNY": Decimal(1)}
    low = float(investor.ticket_min * rates[investor.currency])
    high = float(investor.ticket_max * rates[investor.currency])
    thesis = scorer.investor_features(investor).thesis
    weights = dict(zip(thesis.indices.tolist(), thesis.data.tolist(), strict=True))
    text_columns = scorer.catalogue_.text_by_row().weighted()
    row_of = {request_id.decode(): row for row, request_id in enumerate(scorer.catalogue_.ids)}
    scored: list[tuple[float, str]] = []
    requests = session.scalars(
        select(FinancingRequest)
        .options(selectinload(FinancingRequest.sector_links))
        .where(FinancingRequest.status == RequestStatus.PUBLISHED)
    )
    for request in requests:
        sector = max(
            (sector_fit[scorer.taxonomy_.index[link.code]] for link in request.sector_links),
            default=0.0,
        )
        row = text_columns.getrow(row_of[request.id])
        similarity = sum(
            weights.get(int(c), 0.0) * float(v) for c, v in zip(row.indices, row.data, strict=True)
        )
        sector = (1 - scorer.text_share) * sector + scorer.text_share * min(
            similarity / scorer.text_saturation, 1.0
        )
        amount = float(request.amount * rates[request.currency])
        ratio = max(amount / high, low / amount)
        ticket = (
            1.0
            if ratio <= 1
            else scorer.ticket_outside_cap
            * min(max(1 - math.log(ratio) / math.log(scorer.ticket_zero_ratio), 0.0), 1.0)
        )
        stage = stage_fit[scorer.ladder_.index.get(request.stage, len(scorer.ladder_.stages))]
        total = scorer.sector_weight + scorer.ticket_weight + scorer.stage_weight
        score = (
            scorer.sector_weight * sector
            + scorer.ticket_weight * ticket
            + scorer.stage_weight * stage
        ) / total
        scored.append((-score, request.id))
    scored.sort()
    return [request_id for _, request_id in scored[:limit]]


def load_text_terms(engine: Engine, segment: Segment) -> None:
    """Copy the weighted text terms into PostgreSQL so SQL can compute the same similarity."""
    csr = segment.text_by_row().weighted()
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_text_terms"))
        connection.execute(
            text(
                "CREATE UNLOGGED TABLE bench_text_terms"
                " (request_id text, term integer, weight real)"
            )
        )
        raw = connection.connection.driver_connection
        assert raw is not None
        rows_of_entries = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
        with (
            raw.cursor() as cursor,
            cursor.copy("COPY bench_text_terms (request_id, term, weight) FROM STDIN") as copy,
        ):
            for start in range(0, csr.nnz, 200_000):
                end = min(start + 200_000, csr.nnz)
                lines = [
                    f"{segment.ids[row].decode()}\t{term}\t{weight!r}\n"
                    for row, term, weight in zip(
                        rows_of_entries[start:end].tolist(),
                        csr.indices[start:end].tolist(),
                        csr.data[start:end].tolist(),
                        strict=True,
                    )
                ]
                copy.write("".join(lines))
        connection.execute(text("CREATE INDEX ON bench_text_terms (term)"))
        connection.execute(text("ANALYZE"))


POSTGRES_RANKING = """
WITH sector_fit(code, fit) AS (SELECT * FROM unnest(CAST(:codes AS text[]),
                                                   CAST(:code_fits AS float8[]))),
     stage_fit(stage, fit) AS (SELECT * FROM unnest(CAST(:stages AS text[]),
                                                  CAST(:stage_fits AS float8[]))),
     thesis(term, weight) AS (SELECT * FROM unnest(CAST(:terms AS int[]),
                                                 CAST(:term_weights AS float8[]))),
     similarity AS (
        SELECT t.request_id, sum(t.weight * thesis.weight) AS value
        FROM bench_text_terms t JOIN thesis ON thesis.term = t.term
        GROUP BY t.request_id
     ),
     components AS (
        SELECT r.id,
               (1 - :text_share) * coalesce((
                    SELECT max(sf.fit) FROM financing_request_sectors s
                    JOIN sector_fit sf ON sf.code = s.code
                    WHERE s.financing_request_id = r.id), 0)
               + :text_share * least(coalesce(sim.value, 0) / :saturation, 1) AS sector,
               CASE WHEN greatest(ln(r.amount) - :log_max, :log_min - ln(r.amount)) <= 0 THEN 1
                    ELSE :cap * least(greatest(1 - greatest(ln(r.amount) - :log_max,
                                                            :log_min - ln(r.amount))
                                               / ln(:zero_ratio), 0), 1)
               END AS ticket,
               coalesce(st.fit, 0) AS stage
        FROM financing_requests r
        LEFT JOIN similarity sim ON sim.request_id = r.id
        LEFT JOIN stage_fit st ON st.stage = r.stage
        WHERE r.status = 'published'
     )
SELECT id FROM components
ORDER BY (:w_sector * sector + :w_ticket * ticket + :w_stage * stage) DESC, id
LIMIT :limit
"""


def postgres_rank(
    engine: Engine, scorer: MatchScorer, investor: InvestorRecord, limit: int
) -> list[str]:
    """The same ranking as one SQL query (CNY amounts only, as in the synthetic data)."""
    features = scorer.investor_features(investor)
    codes = list(scorer.taxonomy_.codes)
    total = scorer.sector_weight + scorer.ticket_weight + scorer.stage_weight
    parameters = {
        "codes": codes,
        "code_fits": features.sector_fit[: len(codes)].tolist(),
        "stages": list(scorer.ladder_.stages),
        "stage_fits": features.stage_fit[: len(scorer.ladder_.stages)].tolist(),
        "terms": features.thesis.indices.tolist(),
        "term_weights": features.thesis.data.tolist(),
        "text_share": scorer.text_share,
        "saturation": scorer.text_saturation,
        "log_min": features.log_ticket_min,
        "log_max": features.log_ticket_max,
        "cap": scorer.ticket_outside_cap,
        "zero_ratio": scorer.ticket_zero_ratio,
        "w_sector": scorer.sector_weight / total,
        "w_ticket": scorer.ticket_weight / total,
        "w_stage": scorer.stage_weight / total,
        "limit": limit,
    }
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(POSTGRES_RANKING), parameters)]
