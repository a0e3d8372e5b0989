"""Failed sign-ins are throttled per client address and per existing user, with back-off;
a correct password works again once the block is over; an unknown username is throttled like
a real one, counted in a bounded set of name slots, never by name.

The throttle counts in ``rate_limits`` through connections of its own, outside a test's
rolled-back transaction, so these tests use a scratch database of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from models import RateLimitWindow
from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.http.throttle import FailureThrottle
from service.main import create_app
from service.sessions.service import UNKNOWN_NAME_SLOTS, unknown_name_slot
from tests.support.environment import ADMIN_KEY
from tests.support.factories import ApiClient
from tests.support.people import PASSWORD, Clock, Person, new_person
from tests.support.secret_watch import remember_secret
from tests.support.web import Browser

WRONG = "a wrong password, surely"


@dataclass
class Throttled:
    engine: Engine
    clock: Clock
    api: ApiClient
    person: Person

    def sign_in(
        self, username: str, password: str, *, address: str = "testclient"
    ) -> tuple[int, str | None]:
        remember_secret(password)
        with TestClient(self.api.client.app, client=(address, 50000)) as client:
            response = client.post(
                "/v1/sessions", json={"username": username, "password": password}
            )
        return response.status_code, response.headers.get("retry-after")

    def buckets(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.scalars(select(RateLimitWindow.bucket)))


@pytest.fixture
def throttled(scratch_database_url: str) -> Iterator[Throttled]:
    upgrade(scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    clock = Clock()
    app = create_app(get_settings(), engine=engine)
    app.state.failure_throttle = FailureThrottle(engine, clock=clock.seconds)
    clock.install(app)
    with TestClient(app) as client:
        api = ApiClient(client=client, admin_key=ADMIN_KEY)
        person = new_person(api, api.create_account("investor"), signed_in=False)
        yield Throttled(engine=engine, clock=clock, api=api, person=person)
    engine.dispose()


def test_a_hundred_wrong_passwords_are_throttled_and_the_right_one_works_after_the_window(
    throttled: Throttled,
) -> None:
    username = throttled.person.username
    answers = [throttled.sign_in(username, WRONG) for _ in range(100)]
    during_block = throttled.sign_in(username, PASSWORD)
    throttled.clock.advance(seconds=61)
    after_block = throttled.sign_in(username, PASSWORD)

    statuses = [status for status, _ in answers]
    assert statuses == [401] * 10 + [429] * 90
    # A 60 s block, in whole seconds (rounded up).
    assert all(1 <= int(wait or 0) <= 61 for status, wait in answers if status == 429)
    assert during_block[0] == 429
    assert after_block == (201, None)


def test_blocks_grow_exponentially(throttled: Throttled) -> None:
    username = throttled.person.username
    for _ in range(10):
        throttled.sign_in(username, WRONG)
    throttled.clock.advance(seconds=61)
    second_round = [throttled.sign_in(username, WRONG) for _ in range(11)]

    assert [status for status, _ in second_round] == [401] * 10 + [429]
    assert 61 < int(second_round[-1][1] or 0) <= 121


def test_a_user_is_protected_across_addresses(throttled: Throttled) -> None:
    username = throttled.person.username
    spread = [throttled.sign_in(username, WRONG, address=f"192.0.2.{n}")[0] for n in range(1, 12)]
    from_elsewhere = throttled.sign_in(username, PASSWORD, address="198.51.100.7")

    assert spread == [401] * 10 + [429]  # ten addresses, one failure each: the user blocks
    assert from_elsewhere[0] == 429


def test_unknown_usernames_are_counted_in_name_slots_never_by_name(
    throttled: Throttled,
) -> None:
    statuses = [throttled.sign_in(f"nobody.{n}", WRONG)[0] for n in range(40)]
    other_address = throttled.sign_in(throttled.person.username, PASSWORD, address="192.0.2.9")

    assert statuses == [401] * 10 + [429] * 30
    buckets = throttled.buckets()
    assert not any("signin-user" in bucket for bucket in buckets), buckets
    assert not any("nobody" in bucket for bucket in buckets), buckets
    name_slots = [b for b in buckets if b.startswith("signin-name:")]
    # Blocked attempts are not counted: only the ten that reached the password check.
    assert len(name_slots) <= 10, buckets
    assert all(0 <= int(b.rsplit(":", 1)[1]) < UNKNOWN_NAME_SLOTS for b in name_slots)
    assert other_address[0] == 201


def test_invented_names_add_at_most_a_constant_number_of_rows() -> None:
    slots = {unknown_name_slot(f"invented.{n}") for n in range(200_000)}
    assert len(slots) <= UNKNOWN_NAME_SLOTS
    assert unknown_name_slot("Nobody.X") == unknown_name_slot("nobody.x")


def test_a_429_does_not_tell_an_unknown_username_from_a_real_one(throttled: Throttled) -> None:
    addresses = [f"198.51.100.{n}" for n in range(12)]
    real = [throttled.sign_in(throttled.person.username, WRONG, address=a)[0] for a in addresses]
    unknown = [throttled.sign_in("nobody.at.all", WRONG, address=a)[0] for a in addresses]

    assert real == [401] * 10 + [429] * 2
    assert unknown == real


def test_success_forgets_the_users_failures_but_not_the_addresss(throttled: Throttled) -> None:
    username = throttled.person.username
    first = [throttled.sign_in(username, WRONG)[0] for _ in range(9)]
    signed_in = throttled.sign_in(username, PASSWORD)[0]
    tenth = throttled.sign_in(username, WRONG)[0]
    eleventh = throttled.sign_in(username, WRONG, address="192.0.2.1")[0]

    assert first == [401] * 9
    assert signed_in == 201
    assert tenth == 401  # the address's tenth failure blocks the address ...
    assert eleventh == 401  # ... while the user's count started again at the sign-in
    assert throttled.sign_in(username, PASSWORD)[0] == 429  # this address is blocked


def test_empty_boxes_on_the_sign_in_page_count_no_failed_attempt(throttled: Throttled) -> None:
    """A box left empty is asked for beside it; it is not a wrong password, so twenty of
    them (twice what blocks wrong passwords) leave no trace in the throttle and the right
    password still works at once."""
    browser = Browser(throttled.api.client)
    browser.get("/sign-in")
    username = throttled.person.username

    for _ in range(20):
        empty = browser.post("/sign-in", {"username": username, "password": ""})
        assert empty.status_code == 422  # refused beside the box, as any form
        assert "此项为必填。" in empty.text

    assert throttled.buckets() == []
    remember_secret(PASSWORD)
    signed_in = browser.post("/sign-in", {"username": username, "password": PASSWORD})
    assert signed_in.status_code == 303
