"""``matchmaker keys list|create|revoke``: API keys from the command line (as the commission)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from models import Account, ApiKey, User
from models.types import utc_now
from service.api_keys import service as api_keys
from service.cli.common import command_line_principal, migrated_session

keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=1)


@keys_app.command("list")
def list_keys(
    account: Annotated[str | None, typer.Option(help="Only this account's keys")] = None,
) -> None:
    """Every key (or one account's): id, prefix, name, owner, created, last used, revoked."""
    with migrated_session() as session:
        principal = command_line_principal()
        cursor: str | None = None
        typer.echo("id\tprefix\tname\taccount_id\tuser\tcreated_at\tlast_used_at\trevoked_at")
        while True:
            rows, cursor = api_keys.list_page(
                session=session, principal=principal, limit=100, cursor=cursor, account_id=account
            )
            for key, owner in rows:
                cells = [
                    key.id,
                    key.prefix or "-",
                    key.name,
                    key.account_id,
                    owner.username if owner is not None else "(account)",
                    key.created_at.isoformat(),
                    key.last_used_at.isoformat() if key.last_used_at else "-",
                    key.revoked_at.isoformat() if key.revoked_at else "-",
                ]
                typer.echo("\t".join(cells))
            if cursor is None:
                break


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="What the key is for")],
    account: Annotated[str | None, typer.Option(help="An account key of this account")] = None,
    user: Annotated[str | None, typer.Option(help="A key of this user (username or id)")] = None,
) -> None:
    """Make a key (for an account, or for one of its users) and print it (shown only once)."""
    if (account is None) == (user is None):
        raise _fail("Name either --account or --user.")
    with migrated_session() as session:
        owner: User | None = None
        if user is not None:
            owner = session.scalars(
                select(User).where((User.id == user) | (User.username == user.lower()))
            ).first()
            if owner is None:
                raise _fail(f"No user {user}.")
            account_id = owner.account_id
        else:
            assert account is not None
            if session.get(Account, account) is None:
                raise _fail(f"No account {account}.")
            account_id = account
        key, api_key = api_keys.issue(
            session=session,
            principal=command_line_principal(),
            account_id=account_id,
            user_id=owner.id if owner is not None else None,
            name=name,
        )
        key_id = key.id
    typer.echo(f"API key {key_id} created; the key (shown only this once):", err=True)
    typer.echo(api_key)


@keys_app.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id (keys list)")]) -> None:
    """Revoke a key: every worker refuses it from the next request on."""
    with migrated_session() as session:
        principal = command_line_principal()
        key = session.get(ApiKey, key_id)
        if key is None:
            raise _fail(f"No API key {key_id}.")
        api_keys.revoke(session=session, principal=principal, key=key, now=utc_now())
    typer.echo(f"API key {key_id} revoked.", err=True)
