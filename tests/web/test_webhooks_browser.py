"""Webhook endpoints in Debian's Chromium against a real server and a real delivery worker:
a startup registers an endpoint on the page (a private address is named beside the field, in
Chinese, and nothing is written), keeps the secret the page offers, and a receiver on
127.0.0.1 verifies what ``matchmaker worker`` sends with the Standard Webhooks library; the
delivery log shows it. A second endpoint that only fails is disabled by the worker, the
pages say so and why, and one click sends to it again. On every page: no console errors, no
request off 127.0.0.1, axe-core finds no serious or critical violation, and the page fits a
390 px phone; every page is photographed into ``var/artifacts/web/``.

The fixtures follow ``test_journey_browser.py``'s (a server of its own, people who sign in
with a password)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page
from standardwebhooks import Webhook

from tests.support.browser import launched_chromium
from tests.support.live_server import LiveServer, running_server
from tests.support.web_visit import call_api, invite_person, open_visit, publish_request, sign_in
from tests.webhooks.receiver import Receiver, receiving

PASSWORD = "a long webhooks password 2026"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_chromium(needs_cjk_font=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("web-webhooks")
    with running_server(f"sqlite:///{directory / 'web.db'}", directory, workers=1) as live:
        yield live


@dataclass
class World:
    startup_id: str
    startup_user: str


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    startup = call_api(
        server, "POST", "/v1/accounts", json={"role": "startup", "name": "阶跃星辰"}
    ).json()
    user = invite_person(server, startup["id"], "stepfun.hooks", password=PASSWORD)
    return World(startup_id=startup["id"], startup_user=user)


def _publish_a_request(server: LiveServer, world: World, title: str) -> str:
    return publish_request(
        server,
        {
            "owner_account_id": world.startup_id,
            "company": "阶跃星辰",
            "title": title,
            "summary": title,
            "sectors": ["ai.foundation_models"],
            "amount": "3000000000",
            "currency": "CNY",
            "stage": "series_c",
            "region": "xuhui",
        },
    )


def _worker_pass(server: LiveServer, log: Path, *options: str) -> None:
    """``matchmaker worker --once`` against the server's database."""
    env = {
        **os.environ,
        "MATCHMAKER_DATABASE_URL": server.database_url,
        "MATCHMAKER_ENVIRONMENT": "test",
    }
    with log.open("ab") as out:
        finished = subprocess.run(
            [sys.executable, "-m", "service.cli", "worker", "--once", *options],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=180,
            check=False,
        )
    assert finished.returncode == 0, log.read_text()


def _register(page: Page, url: str) -> str:
    """Fill the form with ``url`` and the reviewed event, keep the offered secret; submit."""
    page.get_by_label("地址（HTTPS 网址）").fill(url)
    page.get_by_label("融资需求已审核").check()
    secret = page.get_by_label("签名密钥").input_value()
    assert secret.startswith("whsec_")
    with page.expect_navigation():
        page.get_by_role("button", name="登记接收地址").click()
    return secret


def _fits_a_phone(browser: Browser, server: LiveServer, world: World, path: str) -> None:
    phone = open_visit(browser, "webhooks-phone", width=390, height=844)
    sign_in(phone, server, world.startup_user, path, password=PASSWORD)
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} scrolls sideways on a phone: {width} px"
    phone.check("phone" + path.replace("/", "-"))
    assert phone.problems == []


def test_a_startup_registers_an_endpoint_and_reads_its_delivery_log(
    browser: Browser, server: LiveServer, world: World, tmp_path: Path
) -> None:
    visit = open_visit(browser, "webhooks")
    sign_in(visit, server, world.startup_user, "/webhooks", password=PASSWORD)
    page = visit.page
    menu_link = page.get_by_role("link", name="系统对接（Webhook）")
    assert menu_link.get_attribute("aria-current") == "page"
    visit.check("empty")

    # A private address: named beside the field, in Chinese; nothing registered.
    _register(page, "https://192.168.1.10/hooks")
    assert page.locator("#url-error").inner_text() == (
        "该地址为内网、链路本地或其他非公网地址：Webhook 只发送到公网地址。"
    )
    assert page.get_by_label("地址（HTTPS 网址）").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("融资需求已审核").is_checked()  # the choice is kept
    assert "尚未登记 Webhook 接收地址。" in page.locator("table").inner_text()
    visit.check("private-address")

    log = tmp_path / "webhook-worker.log"
    with receiving() as good, receiving(status=500) as failing:
        secret = _register(page, good.url)
        endpoint_path = urlsplit(page.url).path
        assert page.locator(".status").first.inner_text() == "启用中"
        visit.check("endpoint-new")
        page.goto(f"{server.url}/webhooks")
        _register(page, failing.url)
        failing_path = urlsplit(page.url).path

        request_id = _publish_a_request(server, world, "基础大模型C轮融资")
        _worker_pass(server, log, "--disable-after", "1")
        _check_received(good, secret, request_id)
        assert len(failing.received) == 1

    page.goto(f"{server.url}{endpoint_path}")
    row = page.locator("tbody tr").first
    assert "融资需求已审核" in row.inner_text()
    assert "已送达" in row.inner_text()
    assert good.received[0].headers["webhook-id"] in row.inner_text()
    visit.check("delivery-log")

    # The failing endpoint was disabled after one failure (--disable-after 1): said so.
    page.goto(f"{server.url}/webhooks")
    listed = page.locator("tbody tr", has_text=failing.url)
    assert "已停用" in listed.inner_text()
    assert "连续 1 次尝试失败后停用；最后一次：HTTP 500" in listed.inner_text()
    visit.check("list-with-disabled")
    page.goto(f"{server.url}{failing_path}")
    assert "已停用" in page.get_by_role("alert").inner_text()
    assert "HTTP 500" in page.get_by_role("alert").inner_text()
    assert "等待重新发送" in page.locator("tbody tr").first.inner_text()
    visit.check("disabled")
    with page.expect_navigation():
        page.get_by_role("button", name="重新启用").click()
    assert page.locator(".status").first.inner_text() == "启用中"
    assert page.get_by_role("alert").count() == 0
    visit.check("enabled-again")
    assert visit.problems == [], visit.problems

    _fits_a_phone(browser, server, world, "/webhooks")
    _fits_a_phone(browser, server, world, endpoint_path)


def _check_received(receiver: Receiver, secret: str, request_id: str) -> None:
    [got] = receiver.received
    payload = Webhook(secret).verify(got.body, got.headers)
    assert payload["type"] == "financing_request.reviewed"
    assert payload["data"]["financing_request_id"] == request_id
    assert payload["data"]["status"] == "published"
