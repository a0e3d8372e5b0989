"""Several workers, each with a listening socket of its own, so the kernel spreads connections.

uvicorn's supervisor gives every worker the one socket it bound. The worker whose event loop
wakes first accepts every connection waiting on it, and a client's keep-alive connections
then stay with that worker for their whole life: in a load test, all 16 connections of wrk
landed on one of two workers (one worker 1.09 cores busy, the other idle) while the clients
waited in its queue. Here each worker slot gets its own socket, all bound to the same address
with ``SO_REUSEPORT``, and Linux hands each new connection to one of the listening sockets by
a hash of its addresses. A slot's socket stays open in the supervisor for the whole run: when
its worker dies, connections queue on it until the replacement accepts them.

The supervision itself (health checks, restarts, signals) is uvicorn's ``Multiprocess``; only
where a worker is started is overridden, so that a replacement gets its slot's socket.
"""

from __future__ import annotations

import logging
import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("matchmaker.server")


def reuse_port_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host:port`` with ``SO_REUSEPORT`` (port 0: the port the
    first one was given), not yet listening (each worker's server listens on its own)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class SocketPerWorker(Multiprocess):
    """uvicorn's supervisor, with worker ``i`` always started on ``sockets[i]``."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.worker_sockets = sockets
        self.processes_num = len(sockets)

    def start_worker(self, slot: int) -> Process:
        process = Process(self.config, [self.worker_sockets[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self.start_worker(slot) for slot in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for slot, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It failed before serving (the application cannot be imported, say): every
                # replacement would fail alike.
                logger.error("worker %s failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.warning("worker %s died; starting another on its socket", process.pid)
            self.processes[slot] = self.start_worker(slot)

    def restart_all(self) -> None:
        """SIGHUP: replace each worker, the new one serving before the old one stops."""
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self.start_worker(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("a new worker was not ready in time; keeping %s", old.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def run(self) -> None:
        try:
            super().run()
        finally:
            for sock in self.worker_sockets:
                sock.close()
