"""The suite's environment: its admin key, its database, and the settings every test runs
with. Imported by conftest before anything reads the settings; tests import the names here."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from service.core.database import normalise_database_url

ADMIN_KEY = "test-admin-" + secrets.token_urlsafe(24)
_SQLITE_DIR = Path(tempfile.mkdtemp(prefix="matchmaker-tests-"))
TEST_DATABASE_URL = normalise_database_url(
    os.environ.get("MATCHMAKER_TEST_DATABASE_URL") or f"sqlite:///{_SQLITE_DIR / 'test.db'}"
)

os.environ["MATCHMAKER_ENVIRONMENT"] = "test"
os.environ["MATCHMAKER_ADMIN_KEY"] = ADMIN_KEY
os.environ["MATCHMAKER_DATABASE_URL"] = TEST_DATABASE_URL
# The counters live outside the test's rolled-back transaction; tests/http/test_limits.py turns
# them on with low limits against a database of its own.
os.environ["MATCHMAKER_RATE_LIMIT_REQUESTS"] = "0"
