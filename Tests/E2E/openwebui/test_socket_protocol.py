"""The socket seat answers the 0.12.4 protocol details that the real client depends on (raw Engine.IO frames through
nginx, no browser): the open packet's maxPayload, the `initialize` seeding handshake with its ack, and a revoked
token getting no document."""
from __future__ import annotations

import json
import time

import pycrdt
from websockets.sync.client import connect


class RawSocket:
    """A minimal Socket.IO v5 client over Engine.IO v4 WebSocket (what the web client speaks)."""

    def __init__(self, site: str, token: str | None):
        self.ws = connect(site.replace("http", "ws", 1) + "/ws/socket.io/?EIO=4&transport=websocket",
                          max_size=None, open_timeout=10).__enter__()
        self.open = json.loads(self.ws.recv(timeout=10)[1:])
        self.ws.send("40" + json.dumps({"token": token} if token else {}))
        self.frames: list[str] = []
        self.connect = self.next(lambda f: f.startswith("40") or f.startswith("44"), 10)
        self.ack_id = 0

    def next(self, predicate, timeout: float) -> str | None:
        """The first frame (already received or arriving within timeout s) that predicate accepts."""
        for frame in self.frames:
            if predicate(frame):
                return frame
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                frame = self.ws.recv(timeout=left)
            except TimeoutError:
                return None
            if frame == "2":
                self.ws.send("3")
                continue
            self.frames.append(frame)
            if predicate(frame):
                return frame
        return None

    def emit(self, event: str, data, ack: bool = False) -> int | None:
        if ack:
            self.ack_id += 1
            self.ws.send(f"42{self.ack_id}" + json.dumps([event, data]))
            return self.ack_id
        self.ws.send("42" + json.dumps([event, data]))
        return None

    def event(self, name: str, timeout: float):
        frame = self.next(lambda f: f.startswith("42[") and json.loads(f[2:])[0] == name, timeout)
        return None if frame is None else json.loads(frame[2:])[1:]

    def ack(self, ack_id: int, timeout: float):
        prefix = f"43{ack_id}["
        frame = self.next(lambda f: f.startswith(prefix), timeout)
        return None if frame is None else json.loads(frame[len(prefix) - 1:])

    def close(self):
        self.ws.close()


def seed(text: str) -> list[int]:
    doc = pycrdt.Doc()
    doc.get("prosemirror", type=pycrdt.XmlFragment).children.append(
        pycrdt.XmlElement("paragraph", contents=[pycrdt.XmlText(text)]))
    return list(doc.get_update())


def text_of(update: list[int]) -> str:
    doc = pycrdt.Doc()
    doc.apply_update(bytes(update))
    return str(doc.get("prosemirror", type=pycrdt.XmlFragment))


def join(sock: RawSocket, document_id: str, user) -> list:
    sock.emit("ydoc:document:join", {"document_id": document_id, "user_id": user.id,
                                     "user_name": user.get("name", ""), "user_color": "#123456"})
    return sock.event("ydoc:document:state", 5)


def test_open_packet(site, users):
    sock = RawSocket(site, users["alice"].token)
    try:
        assert sock.open["maxPayload"] == 16 * 1024 * 1024, sock.open
        assert sock.open["upgrades"] == [], sock.open
        assert sock.connect.startswith("40{"), sock.connect
    finally:
        sock.close()


def test_seeding_handshake(site, openwebui, users):
    alice, bob = users["alice"], users["bob"]
    note = openwebui.create_note(alice.token, "Seeded over the socket", {"html": "<p>Seed me.</p>"})
    openwebui.share_note(alice.token, note["id"], [
        {"principal_type": "user", "principal_id": bob.id, "permission": p} for p in ("read", "write")])
    document_id = f"note:{note['id']}"
    first, second = RawSocket(site, alice.token), RawSocket(site, bob.token)
    try:
        state = join(first, document_id, alice)
        assert state, f"no ydoc:document:state for the owner; frames: {first.frames}"
        assert state[0]["state"] == [0, 0], state  # an empty document: the client seeds it
        assert (state[0].get("content") or {}).get("html") == "<p>Seed me.</p>", state

        # The first seed is stored, and acked with the seed itself.
        ack = first.ack(first.emit("ydoc:document:update",
                                   {"document_id": document_id, "update": seed("First seed."), "initialize": True},
                                   ack=True), 5)
        assert ack is not None and ack[0], f"no ack for the initialize update; frames: {first.frames}"
        assert "First seed." in text_of(ack[0])

        # A second seeder loses: its ack carries the stored state, which it applies instead of its own seed.
        assert join(second, document_id, bob), f"no state for bob; frames: {second.frames}"
        ack = second.ack(second.emit("ydoc:document:update",
                                     {"document_id": document_id, "update": seed("Second seed."), "initialize": True},
                                     ack=True), 5)
        assert ack is not None and ack[0], f"no ack for the second initialize; frames: {second.frames}"
        assert "First seed." in text_of(ack[0]) and "Second seed." not in text_of(ack[0])
    finally:
        first.close()
        second.close()


def test_revoked_token_gets_no_document(site, openwebui, users, notes):
    bob = users["bob"]
    document_id = f"note:{notes['shared']['id']}"
    valid = RawSocket(site, bob.token)  # control: the same user with a live token gets the document
    try:
        assert join(valid, document_id, bob), f"bob's live token got no state; frames: {valid.frames}"
    finally:
        valid.close()
    session = openwebui.signin("bob@example.com", bob["password"])
    openwebui.signout(session["token"])
    sock = RawSocket(site, session["token"])
    try:
        state = join(sock, document_id, bob) if sock.connect.startswith("40") else None
        assert state is None, f"a revoked token joined the note: {state}"
    finally:
        sock.close()
