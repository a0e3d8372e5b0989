"""People through the public API: invitations, accepting them, signing in with a cookie.

The suite runs with ``MATCHMAKER_ENVIRONMENT=test``, so the session cookie is ``Secure`` and
the test client (plain http://testserver) never sends it by itself: helpers hand the cookie
back as a header to send explicitly, which also keeps one test's session out of the next
request unless the test means it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, replace
from http.cookies import SimpleCookie

from fastapi import FastAPI
from httpx import Response

from service.core.clock import current_time
from service.http.auth import SESSION_COOKIE
from tests.support.factories import Account, ApiClient
from tests.support.secret_watch import remember_secret

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@dataclass
class Clock:
    """A clock the app reads (``current_time``) that tests move by hand."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)

    def seconds(self) -> float:
        """The same moment as seconds since the epoch (the failure throttle's clock)."""
        return self.now.timestamp()

    def install(self, app: FastAPI) -> Clock:
        app.dependency_overrides[current_time] = lambda: self.now
        return self


@dataclass(frozen=True)
class Person:
    """A user with their password and, once signed in, their session cookie."""

    id: str
    account_id: str
    username: str
    password: str
    cookie: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        assert self.cookie is not None, "sign in first"
        return {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}


def session_cookie(response: Response) -> str | None:
    """The session token a response sets, if it sets one."""
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if SESSION_COOKIE in cookie and cookie[SESSION_COOKIE].value:
            token = cookie[SESSION_COOKIE].value
            remember_secret(token)
            return token
    return None


def invite(
    api: ApiClient,
    account: Account | None = None,
    *,
    headers: dict[str, str] | None = None,
    admin: bool = False,
    name: str | None = None,
) -> str:
    """An invitation code to ``account`` (by the commission unless ``headers`` say who)."""
    body: dict[str, object] = {"admin": admin, "name": name}
    if account is not None:
        body["account_id"] = account.id
    response = api.client.post("/v1/invitations", json=body, headers=headers or api.admin)
    assert response.status_code == 201, response.text
    code: str = response.json()["invitation_code"]
    remember_secret(code)
    return code


def accept(
    api: ApiClient, code: str, *, username: str | None = None, password: str = PASSWORD
) -> Response:
    remember_secret(password)
    response: Response = api.client.post(
        "/v1/invitations/accept",
        json={
            "code": code,
            "username": username or f"person.{next(_numbers)}",
            "password": password,
        },
    )
    return response


def sign_in(api: ApiClient, username: str, password: str = PASSWORD, **headers: str) -> Response:
    remember_secret(password)
    response: Response = api.client.post(
        "/v1/sessions", json={"username": username, "password": password}, headers=headers
    )
    session_cookie(response)  # remembered for the secret watch
    return response


def new_person(
    api: ApiClient,
    account: Account,
    *,
    admin: bool = False,
    password: str = PASSWORD,
    signed_in: bool = True,
) -> Person:
    """A user of ``account`` (invited by the commission), signed in unless told otherwise."""
    accepted = accept(api, invite(api, account, admin=admin), password=password)
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    person = Person(
        id=body["id"], account_id=body["account_id"], username=body["username"], password=password
    )
    if not signed_in:
        return person
    response = sign_in(api, person.username, password)
    assert response.status_code == 201, response.text
    cookie = session_cookie(response)
    assert cookie is not None
    return replace(person, cookie=cookie)
