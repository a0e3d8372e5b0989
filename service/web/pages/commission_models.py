"""The commission's ranking models: train a candidate, read its comparison with the serving
model, activate it (or the default weights again)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from models import FinancingRequest, RankingModel
from service.core.database import SessionDep, start_writing
from service.core.settings import get_settings
from service.http.problems import NotFound
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.i18n.request_text import request_title
from service.impressions import service as impressions
from service.ranking.dependencies import MatchIndexDep
from service.ranking.serving import DEFAULT_MODEL_VERSION
from service.ranking_models import service as models
from service.ranking_models.presenting import comparison_out
from service.ranking_models.schemas import InvestorOverlapOut, ModelComparisonOut
from service.reports.outcome_wording import rate_text
from service.web.forms import FormState
from service.web.pages.common import (
    CommissionVisitor,
    PageRefusal,
    SubmittedForm,
    not_found,
    render,
)
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
INVESTORS_SHOWN = 20
FEW_SHOWN = 100
"""Fewer pairs shown than this, and a version's share of interest says little yet."""


def changing_most(investors: Sequence[InvestorOverlapOut]) -> list[InvestorOverlapOut]:
    """The mandates whose top 10 would hold other requests, least overlap first, at most
    ``INVESTORS_SHOWN``: a reordering alone is shown among the pairs that moved."""
    changing = [investor for investor in investors if investor.top10_overlap < 1]
    return sorted(changing, key=lambda i: (i.top10_overlap, i.name))[:INVESTORS_SHOWN]


NOTICES = {
    "activated": N_("The version now ranks every match."),
    "default": N_("The default weights now rank every match."),
    "compared": N_("Compared again with the model serving now."),
}


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done")
    return translate(NOTICES[done]) if done in NOTICES else None


def model_in_path(
    model_id: str, request: Request, session: SessionDep, visitor: CommissionVisitor
) -> RankingModel:
    """A dependency: the ranking model ``model_id``, else the not-found page."""
    try:
        return models.get(session=session, model_id=model_id)
    except NotFound:
        raise PageRefusal(not_found(request, visitor)) from None


ModelInPath = Annotated[RankingModel, Depends(model_in_path)]


@router.get("/commission/ranking-models")
def model_list(request: Request, session: SessionDep, visitor: CommissionVisitor) -> Response:
    versions = models.list_all(session=session)
    # How each ranking did with investors, side by side: the default weights and every
    # version that has shown anything.
    online = [
        summary
        for summary in (
            impressions.online_summary(session=session, model_version=version)
            for version in [DEFAULT_MODEL_VERSION, *(models.version_label(v) for v in versions)]
        )
        if summary.shown
    ]
    context = {
        "versions": versions,
        "online_side_by_side": online,
        "few_shown": FEW_SHOWN,
        "rate": rate_text,
        "serving": models.version_label(models.active_model(session)),
        "error": request.query_params.get("problem") == "too_little",
        # Counted now, not carried in the address: a reload after answers came in shows them.
        "material": models.learning_material(session),
        "min_pairs": models.MIN_TRAINING_PAIRS,
        "notice": _notice(request),
    }
    return render(request, visitor, "commission/ranking_models.html", context)


@router.post("/commission/ranking-models/train")
async def train_candidate(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    index: MatchIndexDep,
    form: SubmittedForm,
) -> Response:
    start_writing(session)
    try:
        # Ranking every mandate twice is CPU work: off the event loop.
        model, _ = await run_in_threadpool(
            models.train, session=session, principal=visitor, index=index, settings=get_settings()
        )
    except models.TooLittleToLearn:
        return redirect(request, "/commission/ranking-models?problem=too_little")
    return redirect(request, f"/commission/ranking-models/{model.id}")


@router.post("/commission/ranking-models/default")
async def serve_default_weights(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm
) -> Response:
    start_writing(session)
    models.activate(session=session, principal=visitor, model=None)
    return redirect(request, "/commission/ranking-models?done=default")


# Declared before the version's page, whose path would otherwise take "default" as an id (as
# the API does: GET /v1/ranking-models/default/online-metrics).
@router.get("/commission/ranking-models/default")
def default_weights_detail(
    request: Request, session: SessionDep, visitor: CommissionVisitor
) -> Response:
    context = {
        "online": impressions.online_summary(session=session, model_version=DEFAULT_MODEL_VERSION),
        "serving": models.version_label(models.active_model(session)),
        "rate": rate_text,
    }
    return render(request, visitor, "commission/ranking_model_default.html", context)


CONFIRM_FIELD = "confirm"


def too_few_held_out(comparison: ModelComparisonOut) -> int | None:
    """The held-out pairs the version was judged on when they are too few to tell two
    versions apart (fewer than training needs), else None."""
    pairs = comparison.model.metrics.get("held_out_pairs")
    return pairs if isinstance(pairs, int) and pairs < models.MIN_TRAINING_PAIRS else None


def warnings_of(comparison: ModelComparisonOut) -> list[str]:
    """Why activating this version deserves a second look: each is shown beside the button,
    which then asks to confirm that the comparison was read."""
    warnings = []
    held_out_pairs = too_few_held_out(comparison)
    if held_out_pairs is not None:
        # Said first: "better on held-out accounts: yes" on so few pairs may be chance.
        warnings.append(
            translate(
                N_(
                    "Only %(pairs)s pairs were held out: too few to tell whether this version "
                    "ranks better or worse than the one it was compared with."
                )
            )
            % {"pairs": held_out_pairs}
        )
    if not comparison.better_on_held_out:
        warnings.append(
            translate(
                N_("It is not better than the model it was compared with on the held-out accounts.")
            )
        )
    if comparison.flagged_accounts:
        warnings.append(
            translate(N_("Some accounts answered far more often than the others (flagged below)."))
        )
    if comparison.sign_changes:
        warnings.append(translate(N_("Some weights changed sign (listed below).")))
    serving, candidate = comparison.clearing_serving, comparison.clearing_candidate
    if serving is not None and candidate is not None and candidate < serving:
        warnings.append(
            translate(
                N_(
                    "Fewer requests would have an investor scoring at least %(score)s, the "
                    "reports' default: %(candidate)s instead of %(serving)s. Its scores are on "
                    "its own scale, so reports and investors' score filters would list fewer "
                    "matches."
                )
            )
            % {
                "score": f"{comparison.clearing_score:g}",
                "candidate": candidate,
                "serving": serving,
            }
        )
    return warnings


def _detail_page(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    model: RankingModel,
    form: FormState,
    *,
    comparison: ModelComparisonOut | None = None,
    status_code: int = 200,
) -> Response:
    """The version's page; ``comparison``: the one already read, if any."""
    if comparison is None:
        comparison = comparison_out(model, models.version_label(models.active_model(session)))
    context = {
        "comparison": comparison,
        "warnings": warnings_of(comparison),
        "form": form,
        "least_overlap": changing_most(comparison.investors),
        # Fewer held-out pairs than training needs tell two versions apart by chance.
        "few_held_out": too_few_held_out(comparison),
        "online": impressions.online_summary(
            session=session, model_version=models.version_label(model)
        ),
        "rate": rate_text,
        "notice": _notice(request),
        # A company may file more than one request: each moved pair names which one.
        "titles": {
            found.id: request_title(found)
            for found in session.scalars(
                select(FinancingRequest).where(
                    FinancingRequest.id.in_({m.financing_request_id for m in comparison.moved})
                )
            )
        },
    }
    return render(
        request, visitor, "commission/ranking_model.html", context, status_code=status_code
    )


@router.get("/commission/ranking-models/{model_id}")
def model_detail(
    request: Request, session: SessionDep, visitor: CommissionVisitor, model: ModelInPath
) -> Response:
    return _detail_page(request, session, visitor, model, FormState(values={}))


@router.post("/commission/ranking-models/{model_id}/activate")
async def activate_version(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    model: ModelInPath,
    form: SubmittedForm,
) -> Response:
    comparison = comparison_out(model, models.version_label(models.active_model(session)))
    if warnings_of(comparison) and form.get(CONFIRM_FIELD) != "yes":
        state = FormState(values={})
        state.errors[CONFIRM_FIELD] = translate(
            N_("Read the warnings above, then tick this box to activate the version anyway.")
        )
        return _detail_page(
            request, session, visitor, model, state, comparison=comparison, status_code=422
        )
    start_writing(session)
    models.activate(session=session, principal=visitor, model=model)
    return redirect(request, f"/commission/ranking-models/{model.id}?done=activated")


@router.post("/commission/ranking-models/{model_id}/compare")
async def compare_version_again(
    request: Request,
    session: SessionDep,
    visitor: CommissionVisitor,
    model: ModelInPath,
    index: MatchIndexDep,
    form: SubmittedForm,
) -> Response:
    start_writing(session)
    try:
        await run_in_threadpool(models.compare_again, session=session, index=index, model=model)
    except models.ServingAlready:
        # Activated meanwhile (another officer, another tab): its page says it is serving.
        return redirect(request, f"/commission/ranking-models/{model.id}")
    return redirect(request, f"/commission/ranking-models/{model.id}?done=compared")
