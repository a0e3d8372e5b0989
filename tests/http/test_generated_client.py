"""A client generated from ``/openapi.json`` by a maintained generator drives an investor's
journey against a real server: list matches, read the reasons, give feedback, read it back.

The generator, openapi-python-client (pinned below), cannot share the project's virtualenv
(it requires typer<0.28; the project pins typer 0.29.2), and the client it generates needs
``attrs``, which the project does not install. So the generator gets a virtualenv of its own,
built once under ``var/`` (git-ignored) and reused by later runs; the generated package runs
there too, in a subprocess (``tests/support/generated_client_journey.py``), against
``matchmaker serve`` on 127.0.0.1. The test skips, saying so, only when the package index
cannot be reached to build that virtualenv; any other failure to install is a failure.

The generator runs with its default settings (an ``Enum`` class per enum) and
``--fail-on-warning``: an endpoint or schema it had to leave out fails the test. (It once
refused the document: "Duplicate key SEED in enum deal_write_stage.DealWriteStage", when the
code fields listed each code's names beside it as enum values; they list codes only now.)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.core.database import create_db_engine
from service.core.migrations import upgrade
from service.core.settings import get_settings
from service.main import create_app
from tests.support import generated_client_journey
from tests.support.environment import ADMIN_KEY
from tests.support.factories import Account, ApiClient
from tests.support.live_server import live_server

GENERATOR_VERSION = "0.29.1"
# The generator, and the two packages the generated client declares (httpx>=0.23.1,<0.29.0
# and attrs>=22.2.0), pinned so every run generates and runs the same code.
PINNED = (f"openapi-python-client=={GENERATOR_VERSION}", "httpx==0.28.1", "attrs==26.1.0")
REPOSITORY = Path(__file__).resolve().parents[2]
VENV = REPOSITORY / "var" / f"openapi-python-client-{GENERATOR_VERSION}"
READY_MARKER = "pinned.txt"  # written last: a virtualenv without it is rebuilt
DEFAULT_INDEX = "https://pypi.org/simple"
INSTALL_TIMEOUT_SECONDS = 300
GENERATE_TIMEOUT_SECONDS = 120
JOURNEY_TIMEOUT_SECONDS = 120
DEFAULT_CONFIG = "literal_enums: false\n"


@dataclass(frozen=True)
class World:
    """What the journey needs: a published request that fits the investor's mandate, one
    that fits less (outside its regions, below its ticket, one stage early), and one that
    is no match at all (a sector the mandate does not name)."""

    database_url: str
    investor: Account
    investor_id: str
    startup: Account
    fitting: dict[str, Any]
    outside_regions: dict[str, Any]
    sector_miss: dict[str, Any]


def package_index() -> str:
    return os.environ.get("PIP_INDEX_URL", DEFAULT_INDEX).rstrip("/")


def skip_unless_index_reachable() -> None:
    """Skip (with the reason in the summary) when the package index does not answer at all;
    an answer of any status goes on to pip, whose failure then fails the test."""
    url = f"{package_index()}/openapi-python-client/"
    try:
        httpx.get(url, timeout=20, follow_redirects=True)
    except httpx.TransportError as error:
        pytest.skip(
            f"package index unreachable ({url}: {error!r}): openapi-python-client "
            f"{GENERATOR_VERSION} cannot be installed, so no client can be generated"
        )


def run(command: list[str], *, timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One builder at a time (two pytest runs may start together)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def generator_venv() -> Path:
    """The generator's virtualenv under ``var/``, built once with the pinned packages."""
    marker = VENV / READY_MARKER
    pins = "\n".join(PINNED) + "\n"
    with locked(VENV.with_name(VENV.name + ".lock")):
        if marker.is_file() and marker.read_text(encoding="utf-8") == pins:
            return VENV
        skip_unless_index_reachable()
        shutil.rmtree(VENV, ignore_errors=True)  # a build that did not finish
        # From the project's interpreter; a virtualenv made from a virtualenv has the base
        # interpreter and none of the project's packages.
        created = run([sys.executable, "-m", "venv", str(VENV)], timeout=120)
        assert created.returncode == 0, created.stderr
        installed = run(
            [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *PINNED],
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
        assert installed.returncode == 0, f"pip install {' '.join(PINNED)}:\n{installed.stderr}"
        marker.write_text(pins, encoding="utf-8")
    return VENV


def generate(
    venv: Path, document: Path, config: str, out: Path
) -> subprocess.CompletedProcess[str]:
    """Run the generator's CLI on ``document``; the package goes to ``out/matchmaker_client``."""
    config_file = out / "generator-config.yml"
    out.mkdir(parents=True, exist_ok=True)
    config_file.write_text(config, encoding="utf-8")
    # The generator formats its output with ruff, which it installed beside itself.
    path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "COLUMNS": "200"}  # its errors on whole lines
    return run(
        [
            str(venv / "bin" / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--output-path",
            str(out / generated_client_journey.PACKAGE),
            "--config",
            str(config_file),
            "--fail-on-warning",
        ],
        timeout=GENERATE_TIMEOUT_SECONDS,
        env=env,
    )


def served_document(url: str, path: Path) -> Path:
    """``GET /openapi.json`` as served, byte for byte."""
    response = httpx.get(f"{url}/openapi.json", timeout=30)
    assert response.status_code == 200, response.text
    path.write_bytes(response.content)
    return path


@pytest.fixture
def world(scratch_settings: str) -> World:
    """Accounts, a mandate and three published requests on a scratch database, arranged
    through the API in-process; the live server is started on that database afterwards."""
    upgrade(scratch_settings)
    engine = create_db_engine(scratch_settings)
    try:
        with TestClient(create_app(get_settings(), engine=engine)) as client:
            api = ApiClient(client=client, admin_key=ADMIN_KEY)
            investor = api.create_account("investor", "Hillhouse (generated client)")
            # The default mandate: ai and semiconductors.design, series B to growth,
            # 300 M to 3 B CNY, regions Pudong and Xuhui.
            profile = api.create_investor(investor)
            startup = api.create_account("startup", "Startups (generated client)")
            fitting = api.create_request(startup)  # Stepfun: ai.foundation_models, C, Xuhui
            outside = api.create_request(
                startup,
                company="Biren",
                title="GPU design round",
                summary="通用GPU芯片设计",
                sectors=["semiconductors.design"],
                amount="200000000",
                stage="series_a",
                region="minhang",
            )
            miss = api.create_request(
                startup,
                company="Hengrui Bio",
                title="Oncology pipeline round",
                summary="创新药临床管线",
                sectors=["life_science.drugs"],
                amount="1000000000",
                stage="series_c",
                region="xuhui",
            )
            for request in (fitting, outside, miss):
                api.publish(request["id"])
    finally:
        engine.dispose()
    return World(
        database_url=scratch_settings,
        investor=investor,
        investor_id=profile["id"],
        startup=startup,
        fitting=fitting,
        outside_regions=outside,
        sector_miss=miss,
    )


def run_journey(venv: Path, package_parent: Path, url: str, world: World) -> dict[str, Any]:
    script = Path(generated_client_journey.__file__)
    env = {
        **os.environ,
        generated_client_journey.API_KEY_VARIABLE: world.investor.api_key,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTHONPATH", None)  # only the generated package and the generator's venv
    result = run(
        [str(venv / "bin" / "python"), str(script), str(package_parent), url, world.investor_id],
        timeout=JOURNEY_TIMEOUT_SECONDS,
        env=env,
        cwd=package_parent,
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, Any] = json.loads(result.stdout)
    return seen


def test_an_investor_journey_through_a_generated_client(
    generator_venv: Path, world: World, tmp_path: Path
) -> None:
    started = time.perf_counter()
    with live_server(world.database_url, tmp_path / "server.log", workers=1) as server:
        document = served_document(server.url, tmp_path / "openapi.json")
        generated = generate(generator_venv, document, DEFAULT_CONFIG, tmp_path / "client")
        assert generated.returncode == 0, generated.stdout + generated.stderr
        package = tmp_path / "client" / generated_client_journey.PACKAGE
        assert (package / "client.py").is_file(), generated.stdout
        seen = run_journey(generator_venv, tmp_path / "client", server.url, world)
        interest = httpx.get(
            f"{server.url}/v1/financing-requests/{world.fitting['id']}/interest",
            headers=world.startup.headers,
            timeout=30,
        )
    print(f"\ngenerated client journey: {time.perf_counter() - started:.1f} s")

    assert seen["client"] == "AuthenticatedClient"
    matches = seen["matches"]
    assert (matches["status"], matches["type"]) == (200, "MatchPageRequestMatchOut")
    assert matches["model_version"] == "default-v1"
    # Only real fits: the life-science request is no match and is not listed.
    ranked = [item["financing_request_id"] for item in matches["items"]]
    assert ranked == [world.fitting["id"], world.outside_regions["id"]]
    assert matches["total"] == 2
    first, second = matches["items"]
    assert first["type"] == "RequestMatchOut"
    assert first["company"] == "Stepfun"
    assert first["score"] > second["score"] > 0
    assert (first["near_miss"], first["misses"]) == (False, [])
    assert first["components"]["sector"] > 0
    assert (first["components"]["ticket"], first["components"]["stage"]) == (1.0, 1.0)
    # Reasons, as the generated ReasonOut models read them: one per component and the region.
    assert first["reason_types"] == ["ReasonOut"]
    assert all(reason["text"].strip() for reason in first["reasons"]), first["reasons"]
    outcomes = {reason["kind"]: reason["outcome"] for reason in first["reasons"]}
    assert {kind: outcomes.get(kind) for kind in ("sector", "ticket", "stage", "region")} == {
        "sector": "within",  # ai.foundation_models under the mandate's ai
        "ticket": "within",
        "stage": "same",
        "region": "inside",
    }
    region = next(reason for reason in second["reasons"] if reason["kind"] == "region")
    assert (region["outcome"], region["values"]) == (
        "outside",
        {"request_codes": ["minhang"], "mandate_codes": ["pudong", "xuhui"]},
    )

    near = seen["with_near_misses"]
    assert near["total"] == 3
    labelled = {
        item["financing_request_id"]: (item["near_miss"], item["misses"]) for item in near["items"]
    }
    assert labelled == {
        world.fitting["id"]: (False, []),
        world.outside_regions["id"]: (False, []),
        world.sector_miss["id"]: (True, ["sector"]),
    }

    given = seen["feedback_given"]
    assert (given["status"], given["type"]) == (200, "FeedbackOut")
    assert (given["investor_id"], given["financing_request_id"]) == (
        world.investor_id,
        world.fitting["id"],
    )
    assert (given["action"], given["history"]) == ("interested", ["interested"])
    assert given["etag"]
    read_back = seen["feedback_read_back"]
    assert (read_back["status"], read_back["type"]) == (200, "PageFeedbackOut")
    assert [(i["financing_request_id"], i["action"]) for i in read_back["items"]] == [
        (world.fitting["id"], "interested")
    ]
    # Stored: the startup, through the plain API, sees the investor's interest.
    assert interest.status_code == 200, interest.text
    assert [(i["investor_id"], i["action"]) for i in interest.json()["items"]] == [
        (world.investor_id, "interested")
    ]
