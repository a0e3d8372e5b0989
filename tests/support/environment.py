"""The suite's environment: its admin key, its database, and the settings every test runs
with. Imported by conftest before anything reads the settings; tests import the names here."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from service.core.database import normalise_database_url

ADMIN_KEY = "test-admin-" + secrets.token_urlsafe(24)
_SQLITE_DIR = Path(tempfile.mkdtemp(prefix="matchmaker-tests-"))
# Under pytest-xdist (`make test` runs two processes) each worker process has a name; on
# PostgreSQL each works in a schema of its own, so their migrations and rows never meet (on
# SQLite each process has its own file already).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_SUITE_URL = normalise_database_url(
    os.environ.get("MATCHMAKER_TEST_DATABASE_URL") or f"sqlite:///{_SQLITE_DIR / 'test.db'}"
)
TEST_SCHEMA = f"suite_{_WORKER}" if _WORKER else "public"
TEST_DATABASE_URL = (
    make_url(_SUITE_URL)
    .update_query_dict({"options": f"-csearch_path={TEST_SCHEMA}"})
    .render_as_string(hide_password=False)
    if _WORKER and make_url(_SUITE_URL).get_backend_name() == "postgresql"
    else _SUITE_URL
)

os.environ["MATCHMAKER_ENVIRONMENT"] = "test"
os.environ["MATCHMAKER_ADMIN_KEY"] = ADMIN_KEY
os.environ["MATCHMAKER_DATABASE_URL"] = TEST_DATABASE_URL
# The counters live outside the test's rolled-back transaction; tests/http/test_limits.py turns
# them on with low limits against a database of its own.
os.environ["MATCHMAKER_RATE_LIMIT_REQUESTS"] = "0"
