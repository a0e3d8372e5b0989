"""``matchmaker demo``: the seed articles' investors and projects, with a key per role."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import HostOption, PortOption, migrated_session
from service.cli.server import run_server
from service.core.settings import get_settings
from service.demo.loader import load_demo


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only from the first byte on.

    A new file is created with mode 0600 (a umask only ever narrows a mode) under a temporary
    name, written, then renamed over ``path``: no moment exists at which another user may
    open it, and whoever had the old file open never sees the new keys.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Run the service after loading")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    keys_file: Annotated[Path, typer.Option(help="Where to write the demo keys (mode 600)")] = Path(
        ".demo-keys.env"
    ),
) -> None:
    """Load demo data from the seed articles and print keys for each role."""
    # The demo is a development service (any admin key goes) unless the environment says
    # otherwise; everywhere else the default is production.
    os.environ.setdefault("MATCHMAKER_ENVIRONMENT", "development")
    get_settings.cache_clear()
    settings = get_settings()
    with migrated_session() as session:
        keys = load_demo(session)
    base_url = f"http://{host}:{port}"
    lines = [
        f"MATCHMAKER_URL={base_url}",
        f"COMMISSION_KEY={keys.commission}",
        f"INVESTOR_KEY={keys.investor}",
        f"STARTUP_KEY={keys.startup}",
        f"INVESTOR_PROFILE_ID={keys.investor_profile_id}",
    ]
    write_private_file(keys_file, "".join(f"export {line}\n" for line in lines))
    state = "loaded" if keys.loaded_now else "already present; issued fresh keys"
    typer.echo(f"Demo data {state} ({settings.database_url}).")
    typer.echo(f"Service URL: {base_url}  (API docs: {base_url}/docs)")
    typer.echo(f"Commission key (Shanghai Commerce Commission): {keys.commission}")
    typer.echo(f"Investor key (Hillhouse Capital):              {keys.investor}")
    typer.echo(f"Startup key (Stepfun):                         {keys.startup}")
    if keys.password is not None:
        typer.echo(
            f"Sign-in (POST /v1/sessions), password {keys.password!r} for each of:"
            f" {keys.commission_username} (commission), {keys.investor_username} (investor),"
            f" {keys.startup_username} (startup)"
        )
    typer.echo(f"Keys also written to {keys_file}: run 'source {keys_file}' in another shell.")
    if serve_after:
        run_server(host, port, 1)
