"""Open WebUI's editor flow, emulated with python-socketio clients holding pycrdt documents, plus y-websocket
clients on the same note: join, concurrent edits, awareness, read-only refusal, leave, rejoin, resync, saving."""
from __future__ import annotations

import asyncio
import json
import os

import aiohttp
import socketio
import websockets
from pycrdt import Doc, Provider, XmlElement, XmlFragment, XmlText

from support import mint_jwt, running_server
from test_ywebsocket import WebSocketChannel, wait_for


def token(user: str, role: str = "user") -> str:
    return mint_jwt({"id": user, "name": user.title(), "role": role})


class EditorClient:
    """What Open WebUI's Collaboration.ts does: one Y.Doc with an XmlFragment 'prosemirror' bound to a socket."""

    def __init__(self, server, user: str, document_id: str):
        self.server = server
        self.user = user
        self.document_id = document_id
        self.doc = Doc()
        self.doc["prosemirror"] = self.fragment = XmlFragment()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.errors: list = []
        self.awareness: list = []
        self.joined: list = []
        self.left: list = []
        self.states = 0
        self.sio.on("ydoc:document:state", self._on_state)
        self.sio.on("ydoc:document:update", self._on_update)
        self.sio.on("ydoc:awareness:update", lambda data: self.awareness.append(data))
        self.sio.on("ydoc:user:joined", lambda data: self.joined.append(data))
        self.sio.on("ydoc:user:left", lambda data: self.left.append(data))
        self.sio.on("error", lambda data: self.errors.append(data))

    async def _on_state(self, data):
        if data["document_id"] != self.document_id:
            return
        state = bytes(data["state"])
        if state != b"\x00\x00":
            self.doc.apply_update(state)
        self.states += 1

    async def _on_update(self, data):
        if data["document_id"] == self.document_id and data["socket_id"] != self.sio.get_sid():
            self.doc.apply_update(bytes(data["update"]))

    async def connect(self):
        await self.sio.connect(self.server.http, transports=["websocket"], socketio_path="/ws/socket.io",
                               auth={"token": token(self.user)})

    async def join(self):
        before = self.states
        await self.sio.emit("ydoc:document:join", {"document_id": self.document_id, "user_id": self.user,
                                                   "user_name": self.user, "user_color": "#ff0000"})
        assert await wait_for(lambda: self.states > before), f"{self.user} got no state"

    async def edit(self, make_change, content: bool = True):
        """Runs a local change and sends its update as the web client does (with the rendered content)."""
        vector = self.doc.get_state()
        make_change()
        update = self.doc.get_update(vector)
        payload = {"document_id": self.document_id, "user_id": self.user, "socket_id": self.sio.get_sid(),
                   "update": list(update)}
        if content:
            payload["data"] = {"content": {"md": str(self.fragment), "html": "", "json": None}}
        await self.sio.emit("ydoc:document:update", payload)

    def paragraph(self, text: str):
        return lambda: self.fragment.children.append(XmlElement("paragraph", {}, [XmlText(text)]))

    def text(self) -> str:
        return str(self.fragment)


async def create_note(server, owner: str, readers=(), writers=()) -> str:
    async with aiohttp.ClientSession() as http:
        body = {"title": "Shared", "data": {"files": ["keep-me"]},
                "access_control": {"read": {"user_ids": list(readers)}, "write": {"user_ids": list(writers)}}}
        async with http.post(f"{server.http}/api/v1/notes/create", json=body,
                             headers={"Authorization": f"Bearer {token(owner)}"}) as response:
            assert response.status == 200, await response.text()
            return (await response.json())["id"]


async def get_note(server, note_id: str, user: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.http}/api/v1/notes/{note_id}",
                            headers={"Authorization": f"Bearer {token(user)}"}) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def test_three_editors_converge_and_the_note_is_saved(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        note_id = await create_note(server, "alice", readers=["carol"], writers=["bob"])
        document_id = f"note:{note_id}"
        alice, bob, carol = (EditorClient(server, user, document_id) for user in ("alice", "bob", "carol"))
        for client in (alice, bob, carol):
            await client.connect()
            await client.join()
        assert await wait_for(lambda: len(alice.joined) == 2)

        # Concurrent edits from both writers.
        await asyncio.gather(*(alice.edit(alice.paragraph(f"alice {i}")) for i in range(5)),
                             *(bob.edit(bob.paragraph(f"bob {i}")) for i in range(5)))
        assert await wait_for(lambda: alice.text() == bob.text() == carol.text() and alice.text().count("<paragraph>") == 10)

        # The read-only member's update is refused with an error, and nobody sees it.
        await carol.edit(carol.paragraph("carol was here"), content=False)
        assert await wait_for(lambda: carol.errors), "read-only update got no error"
        await asyncio.sleep(0.2)
        assert "carol" not in alice.text() and "carol" not in bob.text()

        # Awareness is relayed untouched to the others.
        awareness = json.dumps({"12345": {"user": {"name": "Alice", "color": "#f00"}, "cursor": None}}).encode()
        await alice.sio.emit("ydoc:awareness:update", {"document_id": document_id, "update": list(awareness)})
        assert await wait_for(lambda: bob.awareness and carol.awareness)
        assert bytes(bob.awareness[-1]["update"]) == awareness

        # Leave, rejoin, resync.
        await bob.sio.emit("ydoc:document:leave", {"document_id": document_id, "user_id": "bob"})
        assert await wait_for(lambda: alice.left and alice.left[-1]["user_id"] == "bob")
        await alice.edit(alice.paragraph("while bob was away"))
        rejoined = EditorClient(server, "bob", document_id)
        rejoined.sio = bob.sio  # same socket, a fresh document, as after a page reload
        bob.doc = rejoined.doc
        bob.fragment = rejoined.fragment
        await bob.join()
        assert await wait_for(lambda: bob.text() == alice.text())
        before = alice.states
        await alice.sio.emit("ydoc:document:state", {"document_id": document_id})
        assert await wait_for(lambda: alice.states > before)

        # Within a second of the last edit the note holds the merged state and the rendered content.
        await asyncio.sleep(1.0)
        note = await get_note(server, note_id, "alice")
        assert note["data"]["files"] == ["keep-me"]
        markdown = note["data"]["content"]["md"]
        for i in range(5):
            assert f"alice {i}" in markdown and f"bob {i}" in markdown
        assert "while bob was away" in markdown and "carol" not in markdown
        assert note["data"]["content"]["json"]["type"] == "doc"
        state_files = [os.path.join(root, name) for root, _, names in os.walk(tmp_path) for name in names
                       if name == "state.bin"]
        assert state_files
        saved = Doc()
        saved["prosemirror"] = saved_fragment = XmlFragment()
        with open(state_files[0], "rb") as handle:
            saved.apply_update(handle.read())
        assert str(saved_fragment) == alice.text()
        for client in (alice, bob, carol):
            await client.sio.disconnect()


async def test_socketio_and_ywebsocket_edit_one_note(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        note_id = await create_note(server, "alice", readers=["carol"], writers=["bob"])
        document_id = f"note:{note_id}"
        editor = EditorClient(server, "alice", document_id)
        await editor.connect()
        await editor.join()
        await editor.edit(editor.paragraph("from socket.io"))

        doc = Doc()
        doc["prosemirror"] = fragment = XmlFragment()
        url = f"{server.ws}/yjs/{document_id}?token={token('bob')}"
        async with websockets.connect(url) as ws:
            async with Provider(doc, WebSocketChannel(ws, document_id)) as provider:
                await asyncio.wait_for(provider.synced.wait(), 5)
                assert await wait_for(lambda: "from socket.io" in str(fragment))
                fragment.children.append(XmlElement("paragraph", {}, [XmlText("from y-websocket")]))
                assert await wait_for(lambda: "from y-websocket" in editor.text())
                await editor.edit(editor.paragraph("socket.io again"))
                assert await wait_for(lambda: str(fragment) == editor.text())

                # A read-only y-websocket client cannot change the note.
                readonly = Doc()
                readonly["prosemirror"] = readonly_fragment = XmlFragment()
                url = f"{server.ws}/yjs/{document_id}?token={token('carol')}"
                async with websockets.connect(url) as ws2:
                    async with Provider(readonly, WebSocketChannel(ws2, document_id)) as provider2:
                        await asyncio.wait_for(provider2.synced.wait(), 5)
                        assert await wait_for(lambda: str(readonly_fragment) == editor.text())
                        readonly_fragment.children.append(XmlElement("paragraph", {}, [XmlText("vandalism")]))
                        await asyncio.sleep(0.5)
                        assert "vandalism" not in editor.text() and "vandalism" not in str(fragment)

                # Strangers cannot connect at all.
                stranger = f"{server.ws}/yjs/{document_id}?token={token('mallory')}"
                try:
                    async with websockets.connect(stranger):
                        raise AssertionError("a stranger connected")
                except websockets.InvalidStatus as error:
                    assert error.response.status_code == 403
        await editor.sio.disconnect()


async def test_invalid_updates_are_refused_and_never_stored(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        editor = EditorClient(server, "alice", "scratch")
        await editor.connect()
        await editor.join()
        for garbage in ([1, 2, 3], [0, 0, 9], "not bytes", [300, 1]):
            await editor.sio.emit("ydoc:document:update", {"document_id": "scratch", "update": garbage})
        assert await wait_for(lambda: len(editor.errors) == 4), editor.errors
        await editor.edit(editor.paragraph("valid"))
        other = EditorClient(server, "bob", "scratch")
        await other.connect()
        await other.join()
        assert other.text() == editor.text()
        for client in (editor, other):
            await client.sio.disconnect()
