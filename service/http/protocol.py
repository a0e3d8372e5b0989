"""The HTTP protocol the workers run: httptools, with Nagle's algorithm switched off.

With several workers uvicorn shares one listening socket whose ``proto`` is 0, so asyncio
does not set TCP_NODELAY on accepted connections; a response written in two parts then
waits for the client's delayed ACK (about 40 ms on Linux).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in {socket.AF_INET, socket.AF_INET6}:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
