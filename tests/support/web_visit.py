"""A person's visit in the browser tests, shared by every browser test module: a browser
context of its own where every request off 127.0.0.1 is refused and noted, console and page
errors are kept, and each page is checked with axe and photographed; signing in with a
password; the bootstrap key's API calls that set a world up; a person invited to an account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, Route

from tests.support.browser import ARTIFACTS, ROOT
from tests.support.live_server import LiveServer

SHOTS = ARTIFACTS / "web"
DOCS = ROOT / "docs"


@dataclass
class Visit:
    """A person's browser: every request off 127.0.0.1 refused and noted, console errors
    and page errors kept, each page checked with axe and photographed as
    ``var/artifacts/web/<name>-<label>.png``."""

    page: Page
    name: str
    problems: list[str] = field(default_factory=list)
    pages_checked: list[str] = field(default_factory=list)
    # Forms sent back (422), by address, whose console line is not yet seen.
    refused_forms: list[str] = field(default_factory=list)

    def watch(self) -> None:
        self.page.route("**/*", self._only_local)
        self.page.on("response", self._response)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _only_local(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"outside request: {url}")
            route.abort()

    def _response(self, response: Response) -> None:
        request = response.request
        if (request.resource_type, request.method, response.status) == ("document", "POST", 422):
            self.refused_forms.append(response.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        address = message.location.get("url")
        if "status of 422" in message.text and address in self.refused_forms:
            # A form sent back with its problems is a page the person reads, not a fault;
            # the browser logs it like a failed load all the same.
            self.refused_forms.remove(address)
            return
        self.problems.append(f"console error: {message.text}")

    def check(self, label: str, *, docs: str | None = None) -> None:
        """axe on the page as it is now, and a screenshot (also into docs/ when named).

        Any violation fails, minor ones too: the pages have none, and an empty table header
        or a missing landmark is as real to a screen reader's user as a serious one."""
        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        violations = [
            f"{v['id']} ({v.get('impact')}): {v['help']} ({len(v['nodes'])}) "
            f"at {[node['target'] for node in v['nodes'][:3]]}"
            for v in results.response["violations"]
        ]
        assert violations == [], f"{label}: {violations}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.name}-{label}.png"), full_page=True)
        if docs is not None:
            self.page.screenshot(path=str(DOCS / docs), full_page=True)
        self.pages_checked.append(label)


def open_visit(
    browser: Browser,
    name: str,
    *,
    width: int = 1366,
    height: int = 768,
    locale: str = "zh-CN",
) -> Visit:
    """A fresh browser context in Chinese (or ``locale``) at the given size, watched."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    visit = Visit(context.new_page(), name)
    visit.watch()
    return visit


def sign_in(
    visit: Visit,
    server: LiveServer,
    username: str,
    target: str,
    *,
    password: str,
    check_page: bool = False,
) -> None:
    """Go to ``target``, be sent to sign in (the page checked too with ``check_page``), sign
    in, and arrive at ``target``."""
    page = visit.page
    page.goto(f"{server.url}{target}")
    assert urlsplit(page.url).path == "/sign-in"  # sent to sign in, then back
    if check_page:
        visit.check("sign-in")
    # By the fields' ids and the form's button: the page is in the visit's language.
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.locator("form:has(#username) button[type=submit]").click()
    assert urlsplit(page.url).path == target


def call_api(server: LiveServer, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The API with the bootstrap key (or the headers given), which must succeed."""
    headers = {"Authorization": f"Bearer {server.admin_key}", **kwargs.pop("headers", {})}
    response = httpx.request(method, f"{server.url}{path}", headers=headers, **kwargs)
    assert response.status_code < 300, response.text
    return response


def publish_request(
    server: LiveServer, fields: dict[str, Any], headers: dict[str, str] | None = None
) -> str:
    """A financing request filed with ``fields`` (by the bootstrap key, or ``headers``'s) and
    published by the commission; its id."""
    created = call_api(
        server, "POST", "/v1/financing-requests", headers=headers or {}, json=fields
    ).json()
    path = f"/v1/financing-requests/{created['id']}"
    etag = call_api(server, "GET", path).headers["etag"]
    review = {"decision": "publish"}
    call_api(server, "POST", f"{path}/review", headers={"If-Match": etag}, json=review)
    request_id: str = created["id"]
    return request_id


def invite_person(server: LiveServer, account_id: str, username: str, *, password: str) -> str:
    """A person of the account, invited and accepted with ``password``; their username."""
    code = call_api(server, "POST", "/v1/invitations", json={"account_id": account_id}).json()
    accepted = httpx.post(
        f"{server.url}/v1/invitations/accept",
        json={"code": code["invitation_code"], "username": username, "password": password},
    )
    assert accepted.status_code == 201, accepted.text
    return username
