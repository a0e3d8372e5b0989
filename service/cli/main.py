"""The ``matchmaker`` command: one module per command group, assembled here.

``matchmaker --help`` lists the commands in panels by who runs them: whoever runs the service
(service), whoever loads data in bulk (data), the commission (commission), and whoever studies
the ranking (research).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from service.cli import backups, demo, evaluation, ranking, reports, server, worker
from service.cli.accounts import accounts_app
from service.cli.compliance import compliance_app
from service.cli.events import events_app
from service.cli.imports import import_app
from service.cli.keys import keys_app
from service.cli.users import users_app

SERVICE_PANEL = "Service: run, migrate, back up, demo"
DATA_PANEL = "Data: bulk loading"
COMMISSION_PANEL = "Commission: accounts, people, keys, events, reports"
RESEARCH_PANEL = "Research: ranking quality and training"
# Each panel's commands, in the order help lists them.
PANELS: dict[str, tuple[str, ...]] = {
    SERVICE_PANEL: ("serve", "worker", "migrate", "backup", "restore", "demo"),
    DATA_PANEL: ("import",),
    COMMISSION_PANEL: ("accounts", "users", "keys", "events", "report", "compliance"),
    RESEARCH_PANEL: ("evaluate", "train", "infer-profile"),
}
_HELP_ORDER = [name for names in PANELS.values() for name in names]


class _PanelOrderGroup(TyperGroup):
    """Holds its commands in ``PANELS`` order, which help follows: Typer would put every
    command before every group, and so the data panel (one group) last."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        unplaced = len(_HELP_ORDER)
        self.commands = dict(
            sorted(
                self.commands.items(),
                key=lambda item: _HELP_ORDER.index(item[0]) if item[0] in _HELP_ORDER else unplaced,
            )
        )


app = typer.Typer(
    help="Investor-to-project matchmaking service.", no_args_is_help=True, cls=_PanelOrderGroup
)
app.command("serve", rich_help_panel=SERVICE_PANEL)(server.serve)
app.command("worker", rich_help_panel=SERVICE_PANEL)(worker.worker)
app.command("migrate", rich_help_panel=SERVICE_PANEL)(server.migrate)
app.command("backup", rich_help_panel=SERVICE_PANEL)(backups.backup)
app.command("restore", rich_help_panel=SERVICE_PANEL)(backups.restore)
app.command("demo", rich_help_panel=SERVICE_PANEL)(demo.demo)
app.add_typer(import_app, name="import", rich_help_panel=DATA_PANEL)
app.add_typer(accounts_app, name="accounts", rich_help_panel=COMMISSION_PANEL)
app.add_typer(users_app, name="users", rich_help_panel=COMMISSION_PANEL)
app.add_typer(keys_app, name="keys", rich_help_panel=COMMISSION_PANEL)
app.add_typer(events_app, name="events", rich_help_panel=COMMISSION_PANEL)
app.command("report", rich_help_panel=COMMISSION_PANEL)(reports.report)
app.add_typer(compliance_app, name="compliance", rich_help_panel=COMMISSION_PANEL)
app.command("evaluate", rich_help_panel=RESEARCH_PANEL)(evaluation.evaluate)
app.command("train", rich_help_panel=RESEARCH_PANEL)(ranking.train)
app.command("infer-profile", rich_help_panel=RESEARCH_PANEL)(evaluation.infer_profile)

if __name__ == "__main__":
    app()
