"""Slow clients cannot hold connections: header and body deadlines, a concurrency cap.
Against `gateway serve` as its own process (the server it really runs)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx


def closed_within(sock: socket.socket, seconds: float, trickle: bytes) -> bool:
    """Send ``trickle`` one byte every 0.2 s; True once the server closes the connection."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.2)
    for byte in trickle * 1000:
        if time.monotonic() > deadline:
            return False
        try:
            sock.sendall(bytes([byte]))
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def slow(port: int, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head)
    return sock


async def test_slow_headers_and_slow_bodies_are_cut_off(start_replicas: Callable[..., Any]) -> None:
    [replica] = start_replicas(1, header_timeout_seconds=1, body_timeout_seconds=1)
    headers = slow(replica.port, b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    body = slow(
        replica.port,
        b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 5000\r\n\r\n",
    )
    try:
        assert await asyncio.to_thread(closed_within, headers, 8, b"X-Slow: a\r\n")
        assert await asyncio.to_thread(closed_within, body, 8, b" ")
    finally:
        headers.close()
        body.close()


async def test_connections_over_the_cap_get_503(
    start_replicas: Callable[..., Any], http: httpx.AsyncClient
) -> None:
    [replica] = start_replicas(1, max_connections=2, body_timeout_seconds=30)
    held = [
        slow(
            replica.port,
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: 100\r\n\r\n",
        )
        for _ in range(3)
    ]
    try:
        await asyncio.sleep(0.5)
        response = await http.get(f"{replica.url}/healthz")
        assert response.status_code == 503
    finally:
        for sock in held:
            sock.close()
    await asyncio.sleep(0.5)
    assert (await http.get(f"{replica.url}/healthz")).status_code == 200
