"""The admin dashboard in a real browser: Debian's chromium driven by Playwright from pip.

Never `playwright install`: the browser is /usr/bin/chromium (TANDEM_CHROMIUM overrides). Without Playwright or
chromium the test is skipped, unless TANDEM_REQUIRE_BROWSER=1 (CI), where it fails instead.

A pycrdt client joins over y-websocket and types into the `prosemirror` fragment; the page must show the document
appear, its note rendered by the server change as the client types, the member (with its awareness colour), a
named version made through the REST API listed and opened, and then the member leave. Screenshots go to
Tests/Interop/artifacts/ (git-ignored); with TANDEM_DOCS_SCREENSHOT=1 the overview is also written to
Docs/images/dashboard.png.
"""
from __future__ import annotations

import asyncio
import os
import pathlib
import subprocess

import pytest
import websockets
from pycrdt import Awareness, Doc, Provider, XmlElement, XmlFragment, XmlText, create_awareness_message

from support import SECRET, mint_jwt, running_server
from test_ywebsocket import WebSocketChannel

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("TANDEM_REQUIRE_BROWSER") == "1"
TIMEOUT_MS = 10_000


def async_playwright_or_skip():
    """Playwright's async API, or a skip (a failure when the browser test is required)."""
    try:
        from playwright.async_api import async_playwright, expect
    except ImportError:
        (pytest.fail if REQUIRED else pytest.skip)("playwright is not installed (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        (pytest.fail if REQUIRED else pytest.skip)(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    expect.set_options(timeout=TIMEOUT_MS)
    return async_playwright, expect


async def test_dashboard_follows_a_document_live(tandem_bin):
    async_playwright, expect = async_playwright_or_skip()
    ARTIFACTS.mkdir(exist_ok=True)
    admin = subprocess.run(
        [tandem_bin, "token", "--user", "admin", "--role", "admin", "--secret", SECRET],
        check=True, capture_output=True, text=True).stdout.strip()
    with running_server(tandem_bin) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                await page.goto(f"{server.http}/?token={admin}")
                await page.wait_for_selector("#overview:not([hidden])", timeout=TIMEOUT_MS)
                await expect(page.locator("#status")).to_have_text("live")
                assert "token=" not in page.url, "the token must leave the address bar"
                assert await page.evaluate("sessionStorage.getItem('tandem.adminToken')") == admin

                doc = Doc()
                doc["prosemirror"] = fragment = XmlFragment()
                token = mint_jwt({"id": "alice", "name": "Alice", "role": "user"})
                async with websockets.connect(f"{server.ws}/yjs/dash-doc?token={token}") as ws:
                    async with Provider(doc, WebSocketChannel(ws, "dash-doc")) as provider:
                        await asyncio.wait_for(provider.synced.wait(), 5)
                        awareness = Awareness(doc)
                        awareness.set_local_state({"user": {"name": "Alice", "color": "#e11d48"}})
                        await ws.send(create_awareness_message(awareness.encode_awareness_update([doc.client_id])))

                        row = page.locator('#documents tbody tr[data-id="dash-doc"]')
                        await row.wait_for(timeout=TIMEOUT_MS)
                        await expect(row.locator("td.members")).to_have_text("1")

                        paragraph = fragment.children.append(XmlElement("paragraph"))
                        text = paragraph.children.append(XmlText())
                        docs = os.environ.get("TANDEM_DOCS_SCREENSHOT") == "1"
                        for index, character in enumerate("Hello"):
                            text.insert(index, character)
                            await asyncio.sleep(1.5 if docs else 0.05)
                        await page.wait_for_timeout(2500)  # a few polls, so the charts have points
                        await page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)
                        if docs:
                            (ROOT / "Docs" / "images").mkdir(parents=True, exist_ok=True)
                            await page.screenshot(path=str(ROOT / "Docs" / "images" / "dashboard.png"))

                        await row.locator("a").click()
                        await page.wait_for_selector("#document:not([hidden])", timeout=TIMEOUT_MS)
                        note = page.locator("#note")
                        await expect(note.locator("p")).to_have_text("Hello")
                        member = page.locator("#members li", has_text="Alice")
                        await member.wait_for(timeout=TIMEOUT_MS)
                        assert "y-websocket" in (await member.text_content())
                        swatch = await member.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor")
                        assert swatch == "rgb(225, 29, 72)"

                        for character in ", world":
                            text.insert(len(str(text)), character)
                            await asyncio.sleep(0.05)
                        await expect(note).to_have_text("Hello, world")
                        assert await page.locator("#updates tbody tr").count() >= 12
                        assert "alice" in (await page.locator("#updates tbody").text_content()).lower()
                        await page.screenshot(path=str(ARTIFACTS / "dashboard-document.png"), full_page=True)
                        assert (await note.inner_html()) == "<p>Hello, world</p>"

                        # A named version made through the REST API is listed; opened, the server renders it.
                        created = await page.request.post(
                            f"{server.http}/api/v1/documents/dash-doc/versions", data={"name": "first draft"},
                            headers={"Authorization": f"Bearer {admin}"})
                        assert created.status == 201, await created.text()
                        version = await created.json()
                        version_row = page.locator(f'#versions tbody tr[data-id="{version["id"]}"]')
                        await expect(version_row.locator("td.name")).to_have_text("first draft")
                        await expect(version_row.locator("td.kind")).to_have_text("named")
                        assert "admin" in (await version_row.text_content())
                        await version_row.locator("button.open").click()
                        await expect(page.locator("#version-note p")).to_have_text("Hello, world")
                        await expect(page.locator("#version-title")).to_contain_text("first draft")
                        await page.screenshot(path=str(ARTIFACTS / "dashboard-versions.png"), full_page=True)

                # The client left: the member goes, then (the room saved and closed) the document leaves the list.
                await expect(page.locator("#members li", has_text="Alice")).to_have_count(0)
                await page.screenshot(path=str(ARTIFACTS / "dashboard-member-left.png"), full_page=True)
                await page.locator("a", has_text="all documents").click()
                await page.wait_for_selector("#overview:not([hidden])", timeout=TIMEOUT_MS)
                await expect(page.locator('#documents tbody tr[data-id="dash-doc"]')).to_have_count(0)
                assert errors == [], errors
            finally:
                await browser.close()


async def test_dashboard_refuses_a_user_token(tandem_bin):
    async_playwright, expect = async_playwright_or_skip()
    with running_server(tandem_bin) as server:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = await browser.new_page()
                user = mint_jwt({"id": "bob", "name": "Bob", "role": "user"})
                await page.goto(f"{server.http}/?token={user}")
                await page.wait_for_selector("#login:not([hidden])", timeout=TIMEOUT_MS)
                await expect(page.locator("#status")).to_have_text("token refused")
                assert await page.evaluate("sessionStorage.getItem('tandem.adminToken')") is None
            finally:
                await browser.close()
