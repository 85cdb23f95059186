"""The HTTP protocol uvicorn serves with: httptools, plus read deadlines.

uvicorn closes idle keep-alive connections, but a client that sends its
headers or body one byte at a time holds a connection (and, once the headers
are in, a task) for as long as it likes: 50 such connections were all still
open after 30 s. Here each request's headers must arrive within
``header_timeout`` of its first byte (or of the connection opening) and its
body within ``body_timeout`` after the headers; otherwise the connection is
closed.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class TimedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = 10.0
    body_timeout = 30.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(self.header_timeout)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the next request on a kept-alive connection
            self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def timed_protocol(header_timeout: float, body_timeout: float) -> type[TimedHttpToolsProtocol]:
    return type(
        "TimedHttpToolsProtocol",
        (TimedHttpToolsProtocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )


def busy_port(host: str, ports: dict[str, int]) -> str | None:
    """One line naming the option to change if one of ``ports`` ({option: port}) is
    taken on ``host``; None when all are free."""
    for option, number in ports.items():
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                probe.bind((host, number))
            except OSError:
                return f"{host}:{number} is in use; choose another port with {option}"
    return None
