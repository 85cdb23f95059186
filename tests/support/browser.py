"""Debian's chromium for the browser tests, driven by Playwright (which never downloads a
browser of its own here), with every request that is not to loopback blocked."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from playwright.async_api import Route

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def loopback_only(outside: list[str]) -> Callable[[Route], Awaitable[None]]:
    """A route handler that lets loopback (and ``data:``) through and blocks the rest,
    noting each blocked URL in ``outside``."""

    async def handle(route: Route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    return handle
