"""A browser for the web pages, over the test client: it keeps its own cookies (session,
CSRF, language) and fills in the CSRF field of every form it sends, like a real one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi.testclient import TestClient
from httpx import Response

from service.web.csrf import CSRF_COOKIE, CSRF_FIELD
from tests.support.factories import Account, ApiClient
from tests.support.people import Person, new_person

_CSRF_IN_PAGE = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


@dataclass
class Browser:
    client: TestClient
    cookies: dict[str, str] = field(default_factory=dict)
    accept_language: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        return headers

    def _keep(self, response: Response) -> Response:
        for header in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response

    def get(self, path: str, **params: Any) -> Response:
        self.client.cookies.clear()
        response = self.client.get(
            path, params=params, headers=self._headers(), follow_redirects=False
        )
        return self._keep(response)

    def follow(self, redirected: Response) -> Response:
        """The page a form's answer redirects to (its query kept, its #anchor dropped)."""
        assert redirected.status_code == 303, redirected.text[:300]
        target = urlsplit(redirected.headers["location"])
        return self.get(target.path, **dict(parse_qsl(target.query)))

    def post(self, path: str, data: dict[str, Any], *, csrf: str | None = None) -> Response:
        """Send a form with this browser's CSRF token (or ``csrf``, to forge one)."""
        if CSRF_COOKIE not in self.cookies:
            self.get("/sign-in")
        self.client.cookies.clear()
        body = {CSRF_FIELD: self.cookies[CSRF_COOKIE] if csrf is None else csrf, **data}
        response = self.client.post(
            path, data=body, headers=self._headers(), follow_redirects=False
        )
        return self._keep(response)

    def sign_in(self, person: Person) -> Response:
        response = self.post(
            "/sign-in", {"username": person.username, "password": person.password, "next": ""}
        )
        assert response.status_code == 303, response.text
        return response


def page_token(html: str) -> str | None:
    found = _CSRF_IN_PAGE.search(html)
    return found.group(1) if found else None


def signed_in_browser(api: ApiClient, account: Account, *, admin: bool = False) -> Browser:
    """A browser signed in as a new person of ``account`` (its admin when ``admin``)."""
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, admin=admin, signed_in=False))
    return browser


def commission_browser(api: ApiClient) -> Browser:
    """A browser signed in as a new person of a new commission account."""
    return signed_in_browser(api, api.create_account("commission"))
