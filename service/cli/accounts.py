"""``matchmaker accounts create``."""

from __future__ import annotations

from typing import Annotated

import typer

from models import Role
from service.accounts import service as accounts
from service.cli.common import command_line_principal, migrated_session

accounts_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)


@accounts_app.command("create")
def create_account(
    role: Annotated[Role, typer.Option(help="investor, startup or commission")],
    name: Annotated[str, typer.Option(help="Display name")],
) -> None:
    """Create an account and print its API key (shown only this once)."""
    with migrated_session() as session:
        account, api_key = accounts.create(
            session=session, principal=command_line_principal(), role=role, name=name
        )
        account_id = account.id
    typer.echo(f"account {account_id} ({role.value}) created; API key:", err=True)
    typer.echo(api_key)
