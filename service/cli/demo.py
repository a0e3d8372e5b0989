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
    keys_file.write_text("".join(f"export {line}\n" for line in lines), encoding="utf-8")
    os.chmod(keys_file, 0o600)
    state = "loaded" if keys.loaded_now else "already present; issued fresh keys"
    typer.echo(f"Demo data {state} ({settings.database_url}).")
    typer.echo(f"Service URL: {base_url}  (API docs: {base_url}/docs)")
    typer.echo(f"Commission key (Shanghai Commerce Commission): {keys.commission}")
    typer.echo(f"Investor key (Hillhouse Capital):              {keys.investor}")
    typer.echo(f"Startup key (Stepfun):                         {keys.startup}")
    typer.echo(f"Keys also written to {keys_file}: run 'source {keys_file}' in another shell.")
    if serve_after:
        run_server(host, port, 1)
