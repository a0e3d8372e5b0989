"""The FastAPI application: ``service.main:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service.accounts.router import router as accounts_router
from service.api_keys.router import router as api_keys_router
from service.audit_log.router import router as audit_router
from service.compliance.router import router as compliance_router
from service.conference.router import router as conference_router
from service.core.database import create_db_engine, create_session_factory
from service.core.logging_setup import configure_logging
from service.core.settings import Settings, get_settings
from service.deals.router import router as deals_router
from service.events.router import router as events_router
from service.feedback.router import router as feedback_router
from service.financing_requests.router import router as financing_requests_router
from service.http.api_docs import install_api_docs
from service.http.health import router as health_router
from service.http.idempotency import IdempotentRoute
from service.http.middleware import (
    BodySizeLimitMiddleware,
    LanguageMiddleware,
    RequestIdMiddleware,
)
from service.http.openapi_document import API_DESCRIPTION, install_openapi_document
from service.http.problems import UnexpectedErrorMiddleware, install_error_handlers
from service.http.rate_limit import RateLimiter, RateLimitMiddleware, relax_commit_durability
from service.http.throttle import FailureThrottle
from service.impressions.log import ImpressionLog, engine_writer
from service.investors.router import router as investors_router
from service.matches.router import router as matches_router
from service.outcomes.router import router as outcomes_router
from service.ranking.index import MatchIndex
from service.ranking.serving import make_default_scorer
from service.ranking.shared_base import SharedBases
from service.ranking_models.router import router as ranking_models_router
from service.reference_data.catalog import get_reference_data
from service.reference_data.router import router as taxonomy_router
from service.reports.router import router as reports_router
from service.sessions.router import public_router as sign_in_router
from service.sessions.router import router as sessions_router
from service.syndicates.router import router as syndicates_router
from service.users.router import public_router as invitation_acceptance_router
from service.users.router import router as users_router
from service.web.app import UPLOAD_PATHS, mount_web_application
from service.webhooks.router import router as webhooks_router

logger = logging.getLogger("matchmaker.startup")


# Counting is one short statement per request; a few connections per worker suffice.
RATE_LIMIT_POOL_SIZE = 4
OPENAPI_URL = "/openapi.json"


def create_rate_limiter(settings: Settings, engine: Engine) -> RateLimiter:
    """A limiter on the service's database, through an engine of its own."""
    counter_engine = create_db_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=RATE_LIMIT_POOL_SIZE,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    relax_commit_durability(counter_engine)
    return RateLimiter(
        counter_engine,
        limit=settings.rate_limit_requests,
        window_seconds=settings.rate_limit_window_seconds,
    )


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    get_reference_data()  # fail at start-up, not on the first request, if a data file is bad

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        # Build the match index before accepting traffic (CPU work, off the event loop).
        def build() -> None:
            try:
                with application.state.session_factory() as session:
                    application.state.match_index.rebuild(session)
            except SQLAlchemyError:
                # Serve anyway (readyz reports the database); the first ranking builds it.
                logger.exception("match index not built at start-up")

        await run_in_threadpool(build)
        application.state.impression_log.start()
        yield
        await run_in_threadpool(application.state.impression_log.stop)
        if application.state.rate_limiter is not None:
            application.state.rate_limiter.engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Matchmaker",
        version="0.1.0",
        description=API_DESCRIPTION,
        # MATCHMAKER_API_DOCS=false: no /docs, /redoc, their assets or /openapi.json (404).
        # The pages are served by service.http.api_docs with local assets, never a CDN's.
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL if settings.api_docs else None,
    )
    if settings.api_docs:
        install_api_docs(app, openapi_url=OPENAPI_URL)
    app.state.engine = engine or create_db_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
    )
    app.state.session_factory = create_session_factory(app.state.engine)
    app.state.match_index = MatchIndex(
        make_default_scorer,
        shared=None
        if settings.shared_index_dir is None
        else SharedBases(settings.shared_index_dir),
    )
    app.state.impression_log = ImpressionLog(
        engine_writer(app.state.engine),
        interval=settings.impression_flush_seconds,
        enabled=settings.record_impressions,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=UPLOAD_PATHS,
    )
    app.state.rate_limiter = None
    # Failures (unknown API keys, failed sign-ins) counted per bucket on the limiter's engine.
    app.state.failure_throttle = None
    if settings.rate_limit_requests:
        app.state.rate_limiter = create_rate_limiter(settings, app.state.engine)
        app.state.failure_throttle = FailureThrottle(app.state.rate_limiter.engine)
        app.add_middleware(
            RateLimitMiddleware,
            limiter=app.state.rate_limiter,
            throttle=app.state.failure_throttle,
        )
    # Just inside the request id: a 500 carries the id it asks the caller to quote.
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(RequestIdMiddleware)
    routers = (
        health_router,
        taxonomy_router,
        accounts_router,
        investors_router,
        financing_requests_router,
        matches_router,
        syndicates_router,
        feedback_router,
        deals_router,
        ranking_models_router,
        events_router,
        conference_router,
        outcomes_router,
        audit_router,
        reports_router,
        compliance_router,
        sign_in_router,
        sessions_router,
        invitation_acceptance_router,
        users_router,
        api_keys_router,
        webhooks_router,
    )
    for router in routers:
        _require_idempotent_posts(router)
        app.include_router(router)
    install_openapi_document(app, routers)
    mount_web_application(app)
    return app


def _require_idempotent_posts(router: APIRouter) -> None:
    """Refuse to start if a POST route was declared on a router without IdempotentRoute."""
    plain = [
        route.path
        for route in router.routes
        if isinstance(route, APIRoute)
        and "POST" in (route.methods or ())
        and not isinstance(route, IdempotentRoute)
    ]
    if plain:
        raise RuntimeError(f"POST routes must use route_class=IdempotentRoute: {plain}")


def __getattr__(name: str) -> FastAPI:
    # ``service.main:app`` is built on first access, so importing this module does no work.
    if name == "app":
        application = create_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)
