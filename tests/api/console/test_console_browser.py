"""The console against ``gateway demo``, in Debian's chromium with no network but
loopback: pools, a pool's timeline with the seeded GATEWAY and EXTERNAL versions, a diff
of two versions with the HIGH change marked, a HIGH patch previewed, refused without
confirmation and applied with it. axe-core finds no serious or critical violation;
screenshots are kept in ``test-artifacts/console``."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from tests.support.browser import CHROMIUM, FLAGS, loopback_only
from tests.support.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "console"
AXE = ROOT / "tests" / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}


@contextlib.contextmanager
def demo(tmp_path: Path) -> Iterator[str]:
    """``gateway demo`` on free loopback ports; its URL."""
    port, grpc_port = free_port(), free_port()
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "demo", "--port", str(port),
         "--grpc-port", str(grpc_port)],
        cwd=ROOT, env=CLEAN_ENV, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)
        log.close()


@contextlib.asynccontextmanager
async def console(url: str, outside: list[str]) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            # The test injects axe-core, which the console's own policy would refuse.
            page = await browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
            await page.route("**/*", loopback_only(outside))
            await page.goto(f"{url}/console")
            yield page
        finally:
            await browser.close()


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def deletion_protection(url: str, pool_id: str) -> str:
    query = f'{{ userPool(id: "{pool_id}") {{ deletionProtection }} }}'
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{url}/graphql", json={"query": query})
    return str(answer.json()["data"]["userPool"]["deletionProtection"])


@pytest.mark.timeout(180)
async def test_the_console_shows_history_diffs_and_gates_a_high_risk_patch(
    tmp_path: Path,
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with demo(tmp_path) as url:
        async with console(url, outside) as page:
            async with httpx.AsyncClient() as http:
                served = await http.get(f"{url}/console")
            assert "script-src 'self'" in served.headers["content-security-policy"]
            assert 'integrity="sha384-' in served.text
            pools = page.locator("#pools button")
            await pools.first.wait_for(timeout=30_000)
            assert await pools.count() == 3  # the seeded pools
            await page.get_by_label("Search pools").fill("acme-customers")
            assert await pools.count() == 1
            pool_id = (await pools.first.inner_text()).split("(")[1].rstrip(")")
            await pools.first.click()

            timeline = page.locator("#timeline > li")
            await timeline.first.wait_for(timeout=30_000)
            sources = {await item.get_attribute("data-source") for item in await timeline.all()}
            assert sources == {"GATEWAY", "EXTERNAL"}
            groups = page.locator("#settings .group h4")  # read beside the history
            await groups.nth(4).wait_for(timeout=30_000)
            assert await groups.all_inner_texts() == [
                "Sign-in", "Security", "Messaging", "Triggers", "Tags"
            ]  # fmt: skip
            await page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)
            assert await serious_violations(page) == []

            await page.get_by_label("HIGH changes only").check()
            shown = await timeline.all()
            assert shown and all([await i.locator("td.high").count() for i in shown])
            await page.get_by_label("HIGH changes only").uncheck()
            await page.get_by_label("EXTERNAL versions only").check()
            assert {await i.get_attribute("data-source") for i in await timeline.all()} == {
                "EXTERNAL"
            }
            await page.get_by_label("EXTERNAL versions only").uncheck()

            newest, before = (await timeline.all())[:2]
            await newest.locator("input[type=checkbox]").check()
            await before.locator("input[type=checkbox]").check()
            await page.get_by_role("button", name="Compare the two selected versions").click()
            marked = page.locator("#diff tr.high")
            await marked.first.wait_for(timeout=30_000)
            assert "policies.passwordPolicy.minimumLength" in await marked.first.inner_text()
            await page.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)

            await page.get_by_label("Patch (a UserPoolPatch as JSON)").fill(
                json.dumps({"deletionProtection": "INACTIVE"})
            )
            await page.get_by_role("button", name="Preview the plan").click()
            apply = page.locator("#apply")
            await apply.wait_for(timeout=30_000)
            assert await page.locator("#plan tr.high").count() == 1
            await page.screenshot(path=str(ARTIFACTS / "plan.png"), full_page=True)
            assert await serious_violations(page) == []
            await apply.click()
            status = page.locator("#status")
            await status.get_by_text("Not applied: confirm").wait_for(timeout=10_000)
            assert await deletion_protection(url, pool_id) == "ACTIVE"
            await page.get_by_label("I confirm the HIGH-risk changes").check()
            await apply.click()
            await status.get_by_text(re.compile(r"^Applied: version")).wait_for(timeout=30_000)
            assert await deletion_protection(url, pool_id) == "INACTIVE", await status.inner_text()
            await page.screenshot(path=str(ARTIFACTS / "applied.png"), full_page=True)
    assert outside == [], f"the console tried to reach the internet: {outside}"
