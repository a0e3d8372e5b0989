"""Settings from the environment (prefix ``MATCHMAKER_``), read once and cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REFERENCE_DATA_DIR = Path(__file__).parent.parent / "reference_data"
_PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "admin", "password", "test"}
MIN_ADMIN_KEY_LENGTH = 24


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHMAKER_", extra="ignore")

    # Production unless told otherwise: `matchmaker demo` says development, the tests test.
    environment: Literal["development", "test", "production"] = "production"
    database_url: str = "sqlite:///var/matchmaker.db"
    admin_key: SecretStr | None = None
    sectors_file: Path = REFERENCE_DATA_DIR / "sectors.json"
    stages_file: Path = REFERENCE_DATA_DIR / "stages.json"
    regions_file: Path = REFERENCE_DATA_DIR / "regions.json"
    exchange_rates_file: Path = REFERENCE_DATA_DIR / "exchange_rates.json"
    # The largest valid body fits: a form's text fields at their maximum length in Chinese,
    # percent-encoded (9 bytes a character: 10,000 characters of summary are 90 KB), or a
    # client's JSON with every character escaped (6 bytes).
    max_body_bytes: int = Field(default=256 * 1024, gt=0)
    # A spreadsheet uploaded on the imports page (a roster of thousands of rows).
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Connections per worker; unset: 10 on PostgreSQL, 40 on SQLite
    # (service.core.database explains).
    database_pool_size: int | None = Field(default=None, gt=0)
    # A request that cannot get a connection this fast answers 503 instead of queueing on.
    database_pool_timeout_seconds: float = Field(default=3.0, gt=0)
    # Requests per API key (or per client address without one) in each fixed window,
    # counted in the database so every worker process shares the count; 0 switches it off.
    rate_limit_requests: int = Field(default=1200, ge=0)
    rate_limit_window_seconds: int = Field(default=60, gt=0)
    # How long `matchmaker serve` lets in-flight requests finish after SIGTERM.
    shutdown_timeout_seconds: int = Field(default=10, gt=0)
    # Serve /docs, /redoc and /openapi.json (a deployment may switch them off).
    api_docs: bool = True
    # A signed-in session ends after this long without a request, and this long after
    # sign-in whatever happens.
    session_idle_minutes: int = Field(default=30, gt=0)
    session_absolute_hours: int = Field(default=12, gt=0)
    # Webhook events (what was sent, to whom, each try) are deleted this many days after
    # they were written, once every delivery is finished; the pairs match events told of
    # are kept, so none is told again.
    webhook_history_days: int = Field(default=30, gt=0)
    # Times people read (when a report was made) are printed in this zone, named as the
    # IANA database names it; stored times stay UTC.
    display_time_zone: str = "Asia/Shanghai"
    # Training produces a candidate the commission activates. Set this to let a candidate
    # serve at once, only within bounds: better on held-out accounts, no busy account
    # flagged, no weight changing sign, and every mandate's top 10 overlapping the serving
    # model's by at least ranking_auto_activate_min_overlap on average.
    ranking_auto_activate: bool = False
    # What each page of matches showed an investor is kept (for online metrics, exposure in
    # reports, and to tell answers to what was shown from unsolicited ones), written in
    # batches every impression_flush_seconds off the request path.
    record_impressions: bool = True
    impression_flush_seconds: float = Field(default=1.0, gt=0)
    ranking_auto_activate_min_overlap: float = Field(default=0.6, ge=0, le=1)
    # Where a server's workers share one match index base (memory-mapped files) instead of
    # each keeping its own; `matchmaker serve --workers N` (N > 1) sets it to a directory of
    # its own for the run and removes it afterwards. Unset: each process keeps its own.
    shared_index_dir: Path | None = None

    @field_validator("display_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"MATCHMAKER_DISPLAY_TIME_ZONE: {value!r} is not a time zone of the IANA "
                "database (for example Asia/Shanghai)"
            ) from error
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_admin_key(self) -> Settings:
        if self.environment == "development" or self.admin_key is None:
            return self
        key = self.admin_key.get_secret_value()
        if key.lower() in _PLACEHOLDER_SECRETS or len(key) < MIN_ADMIN_KEY_LENGTH:
            raise ValueError(
                "MATCHMAKER_ADMIN_KEY is a placeholder or shorter than "
                f"{MIN_ADMIN_KEY_LENGTH} characters; set a real secret outside development"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
