"""Several workers, each with a listening socket of its own, so the kernel spreads connections.

uvicorn's supervisor gives every worker the one socket it bound. The worker whose event loop
wakes first accepts every connection waiting on it, and a client's keep-alive connections
then stay with that worker for their whole life: in a load test, all 16 connections of wrk
landed on one of two workers (one worker 1.09 cores busy, the other idle) while the clients
waited in its queue. Here each worker slot gets its own socket, all bound to the same address
with ``SO_REUSEPORT``, and Linux hands each new connection to one of the listening sockets by
a hash of its addresses. A slot's socket stays open in the supervisor for the whole run: when
its worker dies, connections queue on it until the replacement accepts them: a dead or hung
worker delays its share of new connections (a hung one until the supervisor's health check
gives up on it, then the replacement's start-up) where, with one shared socket, the others
would have taken them. The number of workers is fixed for the run (SIGTTIN and SIGTTOU, which
uvicorn's supervisor takes to add or remove a worker, are ignored: a worker added would have
no socket, a socket left by one removed no worker).

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
    """``count`` sockets bound to ``host:port`` with ``SO_REUSEPORT`` (port 0: a free port),
    not yet listening (each worker's server listens on its own).

    First the address is bound once without ``SO_REUSEPORT``: a port another server listens
    on fails here with ``EADDRINUSE``, as with one socket, instead of the two servers
    silently sharing its connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
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

    def terminate_all(self) -> None:
        super().terminate_all()
        # Each worker stops listening when its shutdown begins; without the supervisor's
        # copies open, new connections are then refused rather than queued until they are
        # reset at exit.
        self.close_sockets()

    def close_sockets(self) -> None:
        for sock in self.worker_sockets:
            sock.close()

    def handle_ttin(self) -> None:
        logger.warning("SIGTTIN ignored: the number of workers is fixed for this run")

    def handle_ttou(self) -> None:
        logger.warning("SIGTTOU ignored: the number of workers is fixed for this run")

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.close_sockets()
