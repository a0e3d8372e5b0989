"""``matchmaker users invite|list``: people from the command line (as the commission).

A fresh deployment makes its first commission user this way: ``matchmaker accounts create
--role commission --name ...``, then ``matchmaker users invite --account ID --admin``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from models.types import utc_now
from service.cli.common import command_line_principal, migrated_session
from service.http.problems import ServiceError
from service.users import service as users

users_app = typer.Typer(help="Manage the people who act for accounts.", no_args_is_help=True)


@users_app.command("invite")
def invite(
    account: Annotated[str, typer.Option(help="The account the person will act for")],
    admin: Annotated[
        bool, typer.Option(help="May invite colleagues and manage the account's keys")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Whom the invitation is for")] = None,
) -> None:
    """Print a one-time invitation code (valid 72 hours); the person accepts it with
    POST /v1/invitations/accept, choosing a username and a password."""
    try:
        with migrated_session() as session:
            invitation, code = users.invite(
                session=session,
                principal=command_line_principal(),
                account_id=account,
                name=name,
                admin=admin,
                now=utc_now(),
            )
            expires_at = invitation.expires_at
    except ServiceError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from error
    typer.echo(
        f"Invitation for account {account} (valid until {expires_at.isoformat()}); the code "
        "(shown only this once):",
        err=True,
    )
    typer.echo(code)


@users_app.command("list")
def list_users() -> None:
    """Every user: id, account, username, name, admin."""
    with migrated_session() as session:
        cursor: str | None = None
        typer.echo("id\taccount_id\tusername\tname\tadmin")
        while True:
            page, cursor = users.list_page(
                session=session, principal=command_line_principal(), limit=100, cursor=cursor
            )
            for user in page:
                cells = [user.id, user.account_id, user.username, user.name, str(user.is_admin)]
                typer.echo("\t".join(cells))
            if cursor is None:
                break
