"""Issue 17 interop: server-side writes, versions, restore, save receipts and the size budget, seen by pycrdt
(yrs) y-websocket clients that stay connected throughout (Docs/history.md)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
import urllib.parse

import aiohttp
import websockets
from pycrdt import Doc, Provider, Text, XmlElement, XmlFragment, XmlText

from support import mint_jwt, read_var_uint, running_server, state_vector
from test_ywebsocket import WebSocketChannel

NOTICE = 100  # Tandem's y-websocket notice type (save receipts, refusals)
SAVE_DELAY = 0.2


def token(user: str) -> str:
    return mint_jwt({"id": user, "name": user, "role": "user"})


class Channel(WebSocketChannel):
    """pycrdt's Provider channel over a `websockets` connection that records Tandem's type-100 notices and can
    hold its outgoing messages (to make a local edit concurrent with a server-side write)."""

    def __init__(self, websocket, path: str):
        super().__init__(websocket, path)
        self.notices: list[tuple[float, dict]] = []
        self.held: list[bytes] | None = None

    async def send(self, message: bytes) -> None:
        if self.held is not None:
            self.held.append(message)
        else:
            await self._websocket.send(message)

    async def release(self) -> None:
        held, self.held = self.held or [], None
        for message in held:
            await self._websocket.send(message)

    async def recv(self) -> bytes:
        message = await super().recv()
        if message and message[0] == NOTICE:
            length, start = read_var_uint(message, 1)
            self.notices.append((time.monotonic(), json.loads(message[start:start + length])))
        return message


class Client:
    """A connected pycrdt document with the note fragment `prosemirror` and a `text` root."""

    def __init__(self, server, document: str, user: str):
        self.server, self.document, self.user = server, document, user
        self.doc = Doc()
        self.doc["prosemirror"] = self.fragment = XmlFragment()
        self.doc["text"] = self.text = Text()

    async def __aenter__(self) -> "Client":
        self._stack = contextlib.AsyncExitStack()
        quoted = urllib.parse.quote(self.document, safe="")
        ws = await self._stack.enter_async_context(
            websockets.connect(f"{self.server.ws}/yjs/{quoted}?token={token(self.user)}"))
        self.channel = Channel(ws, self.document)
        self.provider = await self._stack.enter_async_context(Provider(self.doc, self.channel))
        await asyncio.wait_for(self.provider.synced.wait(), 5)
        return self

    async def __aexit__(self, *exc):
        await self._stack.aclose()

    def blocks(self) -> list[str]:
        """Each top-level block as `name:text`."""
        return [f"{child.tag}:{''.join(str(c) for c in child.children)}" for child in self.fragment.children]

    def add_paragraph(self, text: str) -> None:
        self.fragment.children.append(XmlElement("paragraph", {}, [XmlText(text)]))

    def paragraph_text(self, index: int) -> XmlText:
        return list(self.fragment.children)[index].children[0]


async def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


async def api(server, method: str, path: str, body=None, user: str = "writer") -> tuple[int, object]:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{server.http}/api/v1/documents/{path}", json=body,
                                   headers={"Authorization": f"Bearer {token(user)}"}) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text else None)


async def converge(clients, expected: list[str]) -> None:
    assert await wait_for(lambda: all(client.blocks() == expected for client in clients)), (
        expected, [client.blocks() for client in clients])


async def test_server_write_restore_and_stale_versions_with_two_connected_clients(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path), extra_args=["--save-delay", "200ms"]) as server:
        async with Client(server, "history-doc", "alice") as a, Client(server, "history-doc", "bob") as b:
            for text in ["alpha", "beta", "gamma"]:
                a.add_paragraph(text)
            await converge([a, b], ["paragraph:alpha", "paragraph:beta", "paragraph:gamma"])

            # (a) A types in "gamma" while the server writes Markdown changing "beta": A's update is held until the
            # server's write is done and has reached A, so the two are truly concurrent.
            a.channel.held = []
            a.paragraph_text(2).insert(5, " typed by A")
            status, written = await api(server, "PUT", "history-doc/content",
                                        {"format": "markdown", "content": "alpha\n\nBETA *rewritten*\n\ngamma\n"})
            assert status == 200, written
            assert written["update_bytes"] > 0
            assert await wait_for(lambda: "BETA" in "".join(a.blocks()))
            await a.channel.release()
            expected = ["paragraph:alpha", "paragraph:BETA <italic>rewritten</italic>", "paragraph:gamma typed by A"]
            await converge([a, b], expected)

            # (b) a write against a state vector from before A's edit reached the server is refused with 409
            stale = written["expected_version"]
            status, conflict = await api(server, "PUT", "history-doc/content",
                                         {"format": "text", "content": "clobbered", "expected_version": stale})
            assert status == 409, conflict
            assert conflict["expected_version"] != stale
            await converge([a, b], expected)  # nothing was written
            status, retried = await api(server, "PATCH", "history-doc/content",
                                        {"format": "markdown", "content": "alpha\n\nBETA *rewritten*\n\ngamma typed by A\n\ndelta\n",
                                         "expected_version": conflict["expected_version"]})
            assert status == 200, retried
            with_delta = expected + ["paragraph:delta"]
            await converge([a, b], with_delta)

            # (c) a named version, more changes from a client and the server, then a restore reaching both clients
            status, version = await api(server, "POST", "history-doc/versions", {"name": "before the rewrite"})
            assert status == 201, version
            b.paragraph_text(0).insert(0, "B: ")
            status, _ = await api(server, "PUT", "history-doc/content",
                                  {"format": "markdown", "content": "# Title\n\nB: alpha\n\n- one\n- two\n"})
            assert status == 200
            await converge([a, b], ["heading:Title", "paragraph:B: alpha", "bulletList:<listItem><paragraph>one</paragraph></listItem><listItem><paragraph>two</paragraph></listItem>"])
            status, restored = await api(server, "POST", f"history-doc/versions/{version['id']}/restore")
            assert status == 200, restored
            await converge([a, b], with_delta)
            status, rendered = await api(server, "GET", f"history-doc/versions/{version['id']}?format=prosemirror")
            assert status == 200
            assert [node["type"] for node in rendered["content"]] == ["paragraph"] * 4
            status, versions = await api(server, "GET", "history-doc/versions")
            assert {"named", "before_write", "before_restore"} <= {entry["kind"] for entry in versions}

            # (d) a save receipt covering A's latest edit reaches A within the save delay plus a margin
            a.channel.notices.clear()
            edited = time.monotonic()
            a.paragraph_text(3).insert(5, "!")
            await converge([a, b], expected + ["paragraph:delta!"])
            state = state_vector(a.doc.get_state())

            def receipt():
                return next((at for at, notice in a.channel.notices if notice.get("type") == "ydoc:document:saved"
                             and state_vector(notice["state_vector"]) == state), None)
            assert await wait_for(lambda: receipt() is not None, SAVE_DELAY + 3), a.channel.notices
            assert receipt() - edited < SAVE_DELAY + 3
            # the same receipt goes to every member; B's provider reads it on its own schedule
            assert await wait_for(lambda: any(notice.get("type") == "ydoc:document:saved"
                                              and state_vector(notice["state_vector"]) == state
                                              for _, notice in b.channel.notices), 3), b.channel.notices
            assert all(notice["document_id"] == "history-doc" for _, notice in a.channel.notices)

    # `tandem replay --version V` prints a stored version of the document folder
    replay = subprocess.run([tandem_bin, "replay", str(tmp_path), "--document", "history-doc", "--version", version["id"],
                             "--root", "prosemirror"], capture_output=True, text=True, timeout=30)
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout.count("<paragraph>") == 4 and "delta" in replay.stdout and "Title" not in replay.stdout
    missing = subprocess.run([tandem_bin, "replay", str(tmp_path), "--document", "history-doc", "--version", "999"],
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode == 1 and "no version 999" in missing.stderr


async def test_growth_past_the_document_budget_is_refused_and_deletes_pass(tandem_bin):
    with running_server(tandem_bin, extra_args=["--max-document-size", "4K", "--save-delay", "100ms"]) as server:
        async with Client(server, "budget-doc", "alice") as a, Client(server, "budget-doc", "bob") as b:
            a.text += "x" * 2000
            assert await wait_for(lambda: len(str(b.text)) == 2000)
            assert await wait_for(lambda: any(n.get("type") == "ydoc:document:saved" for _, n in a.channel.notices))

            a.text += "y" * 5000  # past 4 KiB: refused with a typed notice, the socket stays open
            assert await wait_for(lambda: any(n.get("type") == "ydoc:document:refused" for _, n in a.channel.notices))
            refusal = next(n for _, n in a.channel.notices if n.get("type") == "ydoc:document:refused")
            assert refusal["code"] == "document_too_large" and refusal["limit"] == 4096, refusal
            await asyncio.sleep(0.3)
            assert len(str(b.text)) == 2000  # never relayed

            del b.text[0:1500]  # only a delete set: accepted even though the document is near its budget
            async with Client(server, "budget-doc", "carol") as c:
                assert await wait_for(lambda: str(c.text) == "x" * 500), len(str(c.text))
            status, info = await api(server, "GET", "budget-doc")
            assert status == 200 and info["members"] == 2, info
