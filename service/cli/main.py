"""The ``matchmaker`` command: one module per command group, assembled here."""

from __future__ import annotations

import typer

from service.cli import backups, demo, evaluation, ranking, reports, server
from service.cli.accounts import accounts_app
from service.cli.imports import import_app
from service.cli.keys import keys_app
from service.cli.users import users_app

app = typer.Typer(help="Investor-to-project matchmaking service.", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(import_app, name="import")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.command("evaluate")(evaluation.evaluate)
app.command("infer-profile")(evaluation.infer_profile)
app.command("serve")(server.serve)
app.command("migrate")(server.migrate)
app.command("train")(ranking.train)
app.command("backup")(backups.backup)
app.command("restore")(backups.restore)
app.command("report")(reports.report)
app.command("demo")(demo.demo)

if __name__ == "__main__":
    app()
