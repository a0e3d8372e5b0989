"""``matchmaker demo``: the seed articles' investors and projects, with a key per role.

The keys file is where the demo's keys are kept between runs (the database holds only their
hashes): each run reads it, the loader keeps the keys that still work, and the file is
written again (see ``service.demo.loader``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import HostOption, PortOption, migrated_session
from service.cli.server import run_server
from service.core.settings import get_settings
from service.demo.loader import DemoKeys, RememberedKeys, load_demo


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


def read_remembered_keys(path: Path) -> tuple[RememberedKeys, str | None]:
    """The keys an earlier run wrote to ``path``, and why none are offered, if none are.

    Only a regular file of this user that nobody else may read is trusted: the keys of a
    file others could read may have leaked, so the loader is offered none and replaces them.
    """
    try:
        status = path.lstat()
    except FileNotFoundError:
        return RememberedKeys(), None
    if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
        return RememberedKeys(), f"{path} is not a file of yours"
    if status.st_mode & 0o077:
        return RememberedKeys(), f"{path} was readable by others"
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, equals, value = line.strip().removeprefix("export ").partition("=")
        if equals:
            values[name.strip()] = value.strip()
    remembered = RememberedKeys(
        commission=values.get("COMMISSION_KEY"),
        investor=values.get("INVESTOR_KEY"),
        startup=values.get("STARTUP_KEY"),
    )
    return remembered, None


def _what_happened(keys: DemoKeys, keys_file: Path, distrusted: str | None) -> str:
    if keys.removed is not None:
        removed = ", ".join(f"{count} {kind}" for kind, count in keys.removed.items() if count)
        return f"Demo data reset (removed {removed or 'nothing'}) and loaded again; new keys"
    if keys.loaded_now:
        return "Demo data loaded"
    if not keys.fresh_keys:
        return f"Demo data already present; the keys of {keys_file} still work"
    why = distrusted or f"not in {keys_file} or no longer valid"
    return (
        f"Demo data already present; new {', '.join(keys.fresh_keys)} key(s) ({why}),"
        " the old ones are revoked"
    )


def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Run the service after loading")
    ] = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    keys_file: Annotated[
        Path, typer.Option(help="Where the demo keys are kept between runs (mode 600)")
    ] = Path(".demo-keys.env"),
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="First remove the demo's own accounts (the demo commission and the"
            " '... (demo)' accounts of the demo data) with their users, keys, profiles,"
            " requests (and the feedback and deals on them) and the demo commission's"
            " reports, and the demo events nothing else names; then load the demo again"
            " with new keys. Other accounts and their data stay. Restart a server already"
            " running on this database afterwards: its match index keeps removed requests.",
        ),
    ] = False,
) -> None:
    """Load demo data from the seed articles (once) and print keys for each role.

    Run it again and again: nothing is loaded twice, and the keys in the keys file stay the
    same while they work. --reset loads the demo afresh.
    """
    # The demo is a development service (any admin key goes) unless the environment says
    # otherwise; everywhere else the default is production.
    os.environ.setdefault("MATCHMAKER_ENVIRONMENT", "development")
    get_settings.cache_clear()
    settings = get_settings()
    remembered, distrusted = read_remembered_keys(keys_file)
    with migrated_session() as session:
        keys = load_demo(session, remembered=remembered, reset=reset)
    base_url = f"http://{host}:{port}"
    lines = [
        f"MATCHMAKER_URL={base_url}",
        f"COMMISSION_KEY={keys.commission}",
        f"INVESTOR_KEY={keys.investor}",
        f"STARTUP_KEY={keys.startup}",
        f"INVESTOR_PROFILE_ID={keys.investor_profile_id}",
    ]
    write_private_file(keys_file, "".join(f"export {line}\n" for line in lines))
    typer.echo(f"{_what_happened(keys, keys_file, distrusted)} ({settings.database_url}).")
    typer.echo(f"Web application: {base_url}/  (API: {base_url}/v1, docs: {base_url}/docs)")
    typer.echo(f"Commission key (Shanghai Commerce Commission): {keys.commission}")
    typer.echo(f"Investor key (Hillhouse Capital):              {keys.investor}")
    typer.echo(f"Startup key (Stepfun):                         {keys.startup}")
    if keys.password is not None:
        typer.echo(f"Sign in at {base_url}/sign-in with password {keys.password!r} as:")
        typer.echo(f"  {keys.commission_username:<20} the commission (review queue, dashboard)")
        typer.echo(f"  {keys.investor_username:<20} an investor (mandates, ranked matches)")
        typer.echo(f"  {keys.startup_username:<20} a startup (its requests, the request form)")
    typer.echo(f"Keys also written to {keys_file}: run 'source {keys_file}' in another shell.")
    if serve_after:
        run_server(host, port, 1)
