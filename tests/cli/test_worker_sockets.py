"""``matchmaker serve --workers N`` gives each worker a listening socket of its own
(``service.cli.worker_sockets``): connections spread over the workers, and a worker that dies
is replaced on its socket, so no connection waits on a socket nobody accepts from."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.cli.worker_sockets import reuse_port_sockets
from tests.support.live_server import LiveServer, running_server

CONNECTIONS = 16


@pytest.fixture
def live(scratch_database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(scratch_database_url, tmp_path, workers=2) as server:
        yield server


def _children(server: LiveServer) -> list[int]:
    """The supervisor's children: its workers, and multiprocessing's resource tracker (which
    holds no connection, so it counts 0 below)."""
    pid = server.process.pid
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _listening_sockets(port: int) -> int:
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1
        for fields in (line.split() for line in lines)
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "0A"  # 0A: LISTEN
    )


def _wait_until_every_worker_listens(port: int, workers: int) -> None:
    # The server answers once one worker is up; the other's socket listens only once that
    # worker has started too.
    deadline = time.monotonic() + 60
    while _listening_sockets(port) < workers:
        assert time.monotonic() < deadline, "the workers did not all start listening"
        time.sleep(0.1)


def _established_on(port: int) -> dict[int, int]:
    """Socket inode -> peer port of each established TCP connection to ``port``."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            found[int(fields[9])] = int(fields[2].split(":")[1], 16)
    return found


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _connections_per_worker(server: LiveServer, port: int) -> dict[int, int]:
    established = _established_on(port)
    return {pid: len(_socket_inodes(pid) & established.keys()) for pid in _children(server)}


def test_sockets_share_one_port_each_with_reuse_port() -> None:
    sockets = reuse_port_sockets("127.0.0.1", 0, 3)
    try:
        ports = {sock.getsockname()[1] for sock in sockets}
        assert len(ports) == 1
        for sock in sockets:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert sock.get_inheritable()
    finally:
        for sock in sockets:
            sock.close()


def test_a_port_another_server_listens_on_is_refused() -> None:
    with socket.socket() as plain:  # a server with one socket, as uvicorn binds it
        plain.bind(("127.0.0.1", 0))
        plain.listen()
        with pytest.raises(OSError, match="in use"):
            reuse_port_sockets("127.0.0.1", plain.getsockname()[1], 2)
    first = reuse_port_sockets("127.0.0.1", 0, 2)  # another server of ours
    try:
        first[0].listen()
        with pytest.raises(OSError, match="in use"):
            reuse_port_sockets("127.0.0.1", first[0].getsockname()[1], 2)
    finally:
        for sock in first:
            sock.close()


def test_keep_alive_connections_spread_over_the_workers_and_a_dead_worker_is_replaced(
    live: LiveServer,
) -> None:
    port = httpx.URL(live.url).port
    assert port is not None
    _wait_until_every_worker_listens(port, 2)
    # All at once, as a load test's or a proxy's pool of connections arrives: with one shared
    # socket, the worker that woke first accepted the whole burst.
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
    try:
        for connection in connections:  # each stays open (HTTP/1.1 keep-alive)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for connection in connections:
            assert connection.recv(65536).startswith(b"HTTP/1.1 200")
        per_worker = _connections_per_worker(live, port)
        serving = [pid for pid, count in per_worker.items() if count]
        # With a socket each, the kernel hashes each connection to one of them: all 16 on
        # one of two workers has a chance of 2 in 65,536.
        assert len(serving) == 2, per_worker
        assert sum(per_worker.values()) == CONNECTIONS
    finally:
        for connection in connections:
            connection.close()

    victim = serving[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while victim in _children(live) and time.monotonic() < deadline:
        time.sleep(0.1)
    # New connections, some hashed to the dead worker's socket: each is answered (by its
    # replacement once it has started), none left waiting.
    for _ in range(CONNECTIONS):
        with httpx.Client(base_url=live.url, timeout=90) as client:
            assert client.get("/healthz").status_code == 200
    assert victim not in _children(live)
