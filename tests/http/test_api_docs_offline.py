"""``/docs`` and ``/redoc`` render with no internet: Debian's Chromium, every outside request
refused, against a real server.

Like the report's browser test, this never downloads a browser: it drives /usr/bin/chromium,
which `scripts/install-browser.sh` installs (called here when it is missing; outside CI the
test then skips, saying why, in CI it fails). The offline Swagger UI page is saved to
`var/artifacts/api-docs-offline.png`.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route

from service.core.database import create_db_engine
from service.core.settings import Settings
from service.http.api_docs import FAVICON, REDOC_JS, SWAGGER_CSS, SWAGGER_JS
from service.main import create_app
from tests.support.browser import ARTIFACTS, launched_chromium
from tests.support.live_server import LiveServer, running_server

LOCAL_HOSTS = {"127.0.0.1"}
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("api-docs")
    with running_server(f"sqlite:///{directory / 'docs.db'}", directory, workers=1) as live:
        yield live


class OfflinePage:
    """A page whose every request off 127.0.0.1 is aborted and noted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.loaded: list[str] = []
        page.route("**/*", self._only_local)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("requestfinished", lambda request: self.loaded.append(request.url))

    def _only_local(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[OfflinePage]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    yield OfflinePage(page)
    page.close()


def test_swagger_ui_renders_offline(server: LiveServer, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{server.url}/docs", wait_until="load")
    page.wait_for_selector(".opblock", timeout=30_000)

    assert page.locator(".opblock").count() > 20
    assert "Matchmaker" in page.inner_text(".information-container")
    assert offline_page.blocked == []
    assert offline_page.errors == []
    assert {f"{server.url}{SWAGGER_JS}", f"{server.url}{SWAGGER_CSS}"} <= set(offline_page.loaded)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # The description and the first groups of operations (docs/api-docs-offline.png).
    page.screenshot(
        path=str(ARTIFACTS / "api-docs-offline.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1280, "height": 2200},
    )


def test_redoc_renders_offline(server: LiveServer, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{server.url}/redoc", wait_until="load")
    page.wait_for_selector("h1", timeout=30_000)

    assert "Matchmaker" in page.inner_text("h1")
    # ReDoc lists the operations in its menu once it has read /openapi.json.
    assert page.locator("[role=menuitem], .menu-content li").count() > 20
    # ReDoc's menu tries Redocly's logo from its CDN and hides the image when it fails to load
    # (an onError in redoc.standalone.js); nothing else leaves the machine.
    assert set(offline_page.blocked) <= {REDOCLY_LOGO}
    assert offline_page.errors == []
    assert f"{server.url}{REDOC_JS}" in offline_page.loaded


@pytest.mark.parametrize("path", [SWAGGER_JS, SWAGGER_CSS, REDOC_JS, FAVICON])
def test_the_assets_are_served_and_switched_off_with_the_docs(path: str) -> None:
    engine = create_db_engine("sqlite://")
    try:
        with TestClient(create_app(Settings(), engine=engine)) as client:
            served = client.get(path)
        with TestClient(create_app(Settings(api_docs=False), engine=engine)) as client:
            switched_off = client.get(path).status_code
            pages = [client.get(page).status_code for page in ("/docs", "/redoc")]
    finally:
        engine.dispose()
    assert served.status_code == 200
    assert len(served.content) > 1000
    assert switched_off == 404
    assert pages == [404, 404]


def test_the_pages_name_no_outside_host() -> None:
    engine = create_db_engine("sqlite://")
    try:
        with TestClient(create_app(Settings(), engine=engine)) as client:
            pages = [client.get(page).text for page in ("/docs", "/redoc")]
    finally:
        engine.dispose()
    for html in pages:
        assert "cdn.jsdelivr.net" not in html
        assert "fonts.googleapis.com" not in html
        assert "fastapi.tiangolo.com" not in html
