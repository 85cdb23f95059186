"""GraphiQL in a real browser with no network but loopback: Debian's chromium, driven by
Playwright (which never downloads a browser of its own here)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from tests.conftest import GatewayServer, PoolFactory
from tests.support.browser import CHROMIUM, FLAGS, loopback_only


@contextlib.asynccontextmanager
async def graphiql(server: GatewayServer, outside: list[str]) -> AsyncIterator[Page]:
    """GraphiQL open in headless chromium, its editor ready; every request that is not
    to loopback is blocked and noted in ``outside``."""

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = await browser.new_page()
            await page.route("**/*", loopback_only(outside))
            await page.goto(f"{server.url}/graphql")
            await page.locator(".graphiql-query-editor .CodeMirror").first.wait_for(timeout=30_000)
            yield page
        finally:
            await browser.close()


@pytest.mark.timeout(120)
async def test_graphiql_runs_a_query_typed_into_its_editor_offline(
    start_gateway: Callable[..., GatewayServer], new_full_pool: PoolFactory, tmp_path: Path
) -> None:
    server = start_gateway(graphiql=True, introspection=True)
    pool_id = await new_full_pool()
    outside: list[str] = []
    async with graphiql(server, outside) as page:
        await page.locator(".graphiql-query-editor .CodeMirror").first.click()
        await page.keyboard.press("Control+A")
        await page.keyboard.press("Delete")
        await page.keyboard.type(f'{{ userPool(id: "{pool_id}") {{ name deletionProtection }} }}')
        await page.locator(".graphiql-execute-button").click()
        response = page.locator(".graphiql-response")
        await response.get_by_text('"acme-customers"').wait_for(timeout=30_000)
        text = await response.inner_text()
        await page.screenshot(path=str(tmp_path / "graphiql.png"))
    assert '"deletionProtection": "ACTIVE"' in text
    assert outside == [], f"the page tried to reach the internet: {outside}"


def readme_snippet() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return readme.split("```html\n", 1)[1].split("```", 1)[0]


@pytest.mark.timeout(120)
async def test_the_readme_snippet_shows_live_password_rules_in_a_browser(
    start_gateway: Callable[..., GatewayServer], new_full_pool: PoolFactory
) -> None:
    """The README's ten lines, served from another loopback origin, against the gateway."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pool_id = await new_full_pool()
    page_server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    origin = f"http://127.0.0.1:{page_server.server_address[1]}"
    gateway = start_gateway(public_pools=[pool_id], cors_origins=[origin])
    html = (
        readme_snippet()
        .replace("eu-west-1_...", pool_id)
        .replace("http://127.0.0.1:8000", gateway.url)
        .encode()
    )

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"<!doctype html><meta charset=utf-8>" + html)

        def log_message(self, *args: object) -> None:
            return None

    page_server.RequestHandlerClass = Page
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                page = await browser.new_page()
                await page.goto(origin)
                rules = page.locator("#rules")
                await rules.get_by_text("at least 12 characters").wait_for(timeout=20_000)
                assert "✗ at least 12 characters" in await rules.inner_text()
                await page.locator("#password").type("Abcdefgh1234")
                assert "✓ at least 12 characters" in await rules.inner_text()
                assert "✓ an upper-case letter" in await rules.inner_text()
            finally:
                await browser.close()
    finally:
        page_server.shutdown()


@pytest.mark.timeout(120)
async def test_graphiql_s_docs_pane_shows_the_schema(
    start_gateway: Callable[..., GatewayServer], tmp_path: Path
) -> None:
    """GraphiQL fetches the schema with its own IntrospectionQuery; the depth limit once
    refused it and the Docs pane said "Error fetching schema"."""
    server = start_gateway(graphiql=True, introspection=True)  # as `gateway demo` serves it
    outside: list[str] = []
    async with graphiql(server, outside) as page:
        await page.get_by_label("Show Documentation Explorer").click()
        docs = page.locator(".graphiql-doc-explorer")
        await docs.get_by_text("Root Types").wait_for(timeout=30_000)
        text = await docs.inner_text()
        await page.screenshot(path=str(tmp_path / "graphiql-docs.png"))
    assert outside == [], f"the page tried to reach the internet: {outside}"
    assert "Error fetching schema" not in text
    assert all(name in text for name in ("Query", "Mutation", "UserPool", "UserPoolPatch"))
