"""A migrated scratch database for the import command, and the service running on it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.core.migrations import upgrade
from tests.imports.support import CIIE_2026, create_event


@pytest.fixture
def scratch_url(scratch_settings: str) -> str:
    """A migrated scratch database with the event the test files name."""
    upgrade(scratch_settings)
    create_event(scratch_settings, CIIE_2026)
    return scratch_settings


@pytest.fixture
def server(scratch_url: str, scratch_client: TestClient) -> TestClient:
    """The service on the migrated scratch database (``scratch_url`` first: the index is
    built at start)."""
    return scratch_client
