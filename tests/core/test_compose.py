"""docker-compose.yml's layout, read as YAML (no Docker daemon): the API as several replicas
behind an nginx proxy, the migrations once before them, PostgreSQL, health checks, and no
secret written in the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type information

ROOT = Path(__file__).parents[2]
COMPOSE = ROOT / "docker-compose.yml"
# ${NAME:?message}: compose refuses to start unless NAME is set in the environment.
REQUIRED_VARIABLE = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|KEY|TOKEN", re.IGNORECASE)
SHUTDOWN_TIMEOUT_SECONDS = 10  # Settings.shutdown_timeout_seconds


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping (compose also takes a list of NAME=value)."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {str(name): str(value) for name, value in raw.items()}


def condition(service: dict[str, Any], on: str) -> str | None:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return "service_started" if on in depends else None
    entry = depends.get(on)
    return None if entry is None else str(entry.get("condition", "service_started"))


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m)", value)
    assert match, value
    return int(match[1]) * {"ms": 0.001, "s": 1, "m": 60}[match[2]]


def proxy_config(proxy: dict[str, Any]) -> str:
    """The nginx configuration the proxy mounts, read from the repository."""
    [mount] = [v for v in proxy.get("volumes", []) if str(v).startswith("./deploy/")]
    source, target, *_ = str(mount).split(":")
    assert target.startswith("/etc/nginx/conf.d/")
    return (ROOT / source).read_text(encoding="utf-8")


def test_every_image_is_official_and_pinned_to_a_version(
    services: dict[str, dict[str, Any]],
) -> None:
    images = {name: str(s["image"]) for name, s in services.items() if "image" in s}
    assert set(images) == {"db", "proxy"}
    for image in images.values():
        name, _, tag = image.partition(":")
        assert "/" not in name, f"{image}: not an official (library) image"
        assert re.match(r"\d+(\.\d+)*(-[a-z0-9]+)?$", tag), f"{image}: not pinned to a version"
    assert images["db"].startswith("postgres:")
    assert images["proxy"].startswith("nginx:")
    # The service's own image is built from the Dockerfile, on a pinned official base.
    assert all(services[name].get("build") == "." for name in ("migrate", "api"))
    [base] = re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert re.fullmatch(r"python:\d+\.\d+(\.\d+)?-slim", base), base


def test_the_api_runs_as_several_replicas_reached_only_through_the_proxy(
    services: dict[str, dict[str, Any]],
) -> None:
    api, proxy = services["api"], services["proxy"]
    assert int(api["deploy"]["replicas"]) >= 2
    assert "container_name" not in api  # a fixed name allows one container only
    publishing = sorted(name for name, service in services.items() if service.get("ports"))
    assert publishing == ["proxy"]
    [port] = proxy["ports"]
    assert str(port).startswith("127.0.0.1:")  # a TLS terminator or the host's firewall opens it
    assert condition(proxy, "api") == "service_healthy"
    # The proxy and the replicas share a network; the database is on another, internal one.
    shared = set(proxy["networks"]) & set(api["networks"])
    assert shared
    assert not set(services["db"]["networks"]) & set(proxy["networks"])
    assert environment(api)["FORWARDED_ALLOW_IPS"]  # the client's address, from the proxy


def test_the_proxy_balances_over_the_api_service_and_passes_the_client_address(
    services: dict[str, dict[str, Any]],
) -> None:
    config = proxy_config(services["proxy"])
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{([^}]*)\}", config))
    [target] = re.findall(r"proxy_pass\s+http://(\w+)\s*;", config)
    servers = re.findall(r"^\s*server\s+([^\s;]+)([^;]*);", upstreams[target], re.MULTILINE)
    # One name, every replica's address behind it (Docker's DNS), re-resolved while running.
    assert [(address, "resolve" in options) for address, options in servers] == [("api:8000", True)]
    assert "8000" in [str(p) for p in services["api"].get("expose", [])]
    assert re.search(r"^\s*resolver\s+127\.0\.0\.11\b", config, re.MULTILINE)
    [listen] = re.findall(r"^\s*listen\s+(\d+)\s*;", config, re.MULTILINE)
    assert str(services["proxy"]["ports"][0]).endswith(f":{listen}")
    # Set, not appended: the replicas trust the header, so a client must not write into it.
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr\s*;", config)
    assert "proxy_add_x_forwarded_for" not in config
    assert "non_idempotent" not in config  # a POST is never sent to a second replica


def test_the_migrations_run_once_before_any_replica_starts(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate, api = services["migrate"], services["api"]
    assert migrate["command"] == ["matchmaker", "migrate"]
    assert migrate["restart"] == "no"
    assert "deploy" not in migrate  # one migration job, not one per replica
    assert condition(migrate, "db") == "service_healthy"
    assert condition(api, "migrate") == "service_completed_successfully"
    assert condition(api, "db") == "service_healthy"
    # The replicas never migrate: the image's command serves with --no-migrate.
    command = api.get("command") or re.findall(
        r"^CMD \[(.*)\]", (ROOT / "Dockerfile").read_text(), re.MULTILINE
    )
    assert "--no-migrate" in str(command)


def test_the_api_and_the_migrations_use_the_postgres_service(
    services: dict[str, dict[str, Any]],
) -> None:
    db = environment(services["db"])
    for name in ("migrate", "api"):
        url = environment(services[name])["MATCHMAKER_DATABASE_URL"]
        match = re.fullmatch(r"postgresql\+psycopg://(\w+):(.+)@(\w+):5432/(\w+)", url)
        assert match, url
        user, password, host, database = match.groups()
        assert (user, host, database) == (db["POSTGRES_USER"], "db", db["POSTGRES_DB"])
        assert password == db["POSTGRES_PASSWORD"]
        assert environment(services[name])["MATCHMAKER_ENVIRONMENT"] == "production"


def test_every_long_running_service_has_a_health_check(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in ("db", "api", "proxy"):
        check = services[name]["healthcheck"]
        assert check["test"]
        assert seconds(check["timeout"]) < seconds(check["interval"])
        assert services[name]["restart"] == "unless-stopped"
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert "/readyz" in str(services["api"]["healthcheck"]["test"])
    assert "/readyz" in str(services["proxy"]["healthcheck"]["test"])
    # In-flight requests finish after SIGTERM before the container is killed.
    assert seconds(services["api"]["stop_grace_period"]) > SHUTDOWN_TIMEOUT_SECONDS


def test_no_secret_is_written_in_the_file(services: dict[str, dict[str, Any]]) -> None:
    """Passwords and keys come from the environment, and compose refuses to start without."""
    checked = 0
    for service in services.values():
        for name, value in environment(service).items():
            if SECRET_NAME.search(name):
                assert REQUIRED_VARIABLE.fullmatch(value), f"{name} is written in the file"
                checked += 1
            if "://" in value and "@" in value:  # a URL with credentials
                password = value.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
                assert REQUIRED_VARIABLE.fullmatch(password), f"{name}: a password in the URL"
                checked += 1
    assert checked >= 4
