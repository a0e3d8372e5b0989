"""``python -m service.cli``: the ``matchmaker`` command."""

from service.cli.main import app

app()
