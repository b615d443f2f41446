"""Issue 19: per-user document and awareness caps and server-decided member names, against the real binary with
real peers (a pycrdt provider and raw y-websocket connections, python-socketio clients)."""
from __future__ import annotations

import asyncio
import json

import socketio
import websockets
from pycrdt import Doc, Provider, Text

from support import mint_jwt, read_var_uint, running_server
from test_ywebsocket import WebSocketChannel, wait_for

LIMITS = ["--max-documents-per-user", "2", "--max-awareness-entries-per-peer", "2"]


def token(user: str, name: str | None = None) -> str:
    return mint_jwt({"id": user, "name": name or user.capitalize(), "role": "user"})


def varuint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def awareness_message(clients: list[int], clock: int = 1) -> bytes:
    """A y-protocols awareness message (type 1) with a state for each client id."""
    update = varuint(len(clients))
    for client in clients:
        state = json.dumps({"user": {"name": f"c{client}"}}).encode()
        update += varuint(client) + varuint(clock) + varuint(len(state)) + state
    return varuint(1) + varuint(len(update)) + update


def awareness_clients(message: bytes) -> list[int] | None:
    """The client ids of an awareness message, or None for other messages."""
    kind, offset = read_var_uint(message, 0)
    if kind != 1:
        return None
    _, offset = read_var_uint(message, offset)
    count, offset = read_var_uint(message, offset)
    clients = []
    for _ in range(count):
        client, offset = read_var_uint(message, offset)
        _, offset = read_var_uint(message, offset)
        length, offset = read_var_uint(message, offset)
        offset += length
        clients.append(client)
    return clients


def notice(message: bytes) -> dict | None:
    """Tandem's type-100 notice (a varString of JSON), or None."""
    kind, offset = read_var_uint(message, 0)
    if kind != 100:
        return None
    length, offset = read_var_uint(message, offset)
    return json.loads(message[offset:offset + length])


async def collect(ws, into: list) -> None:
    try:
        async for message in ws:
            if isinstance(message, bytes):
                into.append(message)
    except websockets.ConnectionClosed:
        pass


async def test_ywebsocket_document_and_awareness_caps(tandem_bin):
    with running_server(tandem_bin, extra_args=LIMITS) as server:
        base = f"{server.ws}/yjs"
        # Bob follows d1 with a real pycrdt provider, and a raw connection records what is relayed.
        bob_doc = Doc()
        bob_doc["text"] = Text()
        async with websockets.connect(f"{base}/d1?token={token('bob')}") as bob_ws, \
                Provider(bob_doc, WebSocketChannel(bob_ws, "d1")) as provider, \
                websockets.connect(f"{base}/d1?token={token('carol')}") as watcher:
            await asyncio.wait_for(provider.synced.wait(), 5)
            seen: list[bytes] = []
            watching = asyncio.create_task(collect(watcher, seen))
            async with websockets.connect(f"{base}/d1?token={token('alice')}") as d1, \
                    websockets.connect(f"{base}/d2?token={token('alice')}"):
                # A third document for alice: a `limit` notice, then close 4029.
                async with websockets.connect(f"{base}/d3?token={token('alice')}") as d3:
                    first = await asyncio.wait_for(d3.recv(), 5)
                    refused = notice(first)
                    assert refused and refused["code"] == "limit" and refused["limit"] == 2, first
                    try:
                        await asyncio.wait_for(d3.recv(), 5)
                    except websockets.ConnectionClosed:
                        pass
                    assert d3.close_code == 4029

                # Four awareness ids from one connection: two are relayed, the sender is told.
                sent: list[bytes] = []
                reading = asyncio.create_task(collect(d1, sent))
                await d1.send(awareness_message([101, 102, 103, 104]))
                assert await wait_for(lambda: any((notice(m) or {}).get("code") == "limit" for m in sent))
                assert await wait_for(lambda: any(101 in (awareness_clients(m) or []) for m in seen))
                relayed = sorted(c for m in seen for c in (awareness_clients(m) or []) if 100 <= c < 200)
                # Query the whole table through the watcher: only the admitted ids are stored.
                seen.clear()
                await watcher.send(varuint(3))  # query-awareness
                assert await wait_for(lambda: any(101 in (awareness_clients(m) or []) for m in seen))
                table = sorted(c for m in seen for c in (awareness_clients(m) or []) if 100 <= c < 200)
                reading.cancel()
            assert relayed == [101, 102], relayed
            assert 103 not in table and 104 not in table and {101, 102} <= set(table), table
            watching.cancel()
        # Alice's connections closed: she may open a document again (greeted with sync step 1, not refused). The
        # server frees the slots once it has processed the closes, so retry until then.
        deadline = asyncio.get_running_loop().time() + 5
        while True:
            async with websockets.connect(f"{base}/d3?token={token('alice')}") as d3:
                greeting = await asyncio.wait_for(d3.recv(), 5)
            if notice(greeting) is None or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        assert read_var_uint(greeting, 0)[0] == 0, greeting


async def test_socketio_names_from_the_token_and_the_user_document_cap(tandem_bin):
    with running_server(tandem_bin, extra_args=LIMITS) as server:
        async def client(user: str, name: str | None = None) -> socketio.AsyncClient:
            sio = socketio.AsyncClient(reconnection=False)
            await sio.connect(server.http, socketio_path="/ws/socket.io", auth={"token": token(user, name)},
                              transports=["websocket"], wait_timeout=10)
            return sio

        bob = await client("bob")
        alice = await client("alice", "Alice Admin")
        joined: list = []
        states: list = []
        errors: list = []
        bob_states: list = []
        bob.on("ydoc:user:joined", joined.append)
        bob.on("ydoc:document:state", bob_states.append)
        alice.on("ydoc:document:state", states.append)
        alice.on("error", errors.append)
        try:
            await bob.emit("ydoc:document:join", {"document_id": "doc"})
            assert await wait_for(lambda: bob_states)  # bob is a member before alice joins
            # What Open WebUI 0.12.4 sends, with a forged name and colour.
            await alice.emit("ydoc:document:join", {"document_id": "doc", "user_id": "bob", "user_name": "Bob (admin)",
                                                    "user_color": "</style><script>"})
            assert await wait_for(lambda: joined)
            assert joined[0]["user_id"] == "alice" and joined[0]["user_name"] == "Alice Admin", joined
            assert joined[0]["user_color"].startswith("#") and len(joined[0]["user_color"]) == 7, joined
            # Alice holds doc; a y-websocket connection takes her second document; a third join is refused.
            # (The upgrade is answered after the join, so the document is held once the connection is open.)
            async with websockets.connect(f"{server.ws}/yjs/other?token={token('alice')}"):
                await alice.emit("ydoc:document:join", {"document_id": "third"})
                assert await wait_for(lambda: errors)
                assert "at most 2 documents" in errors[0]["message"] and errors[0]["document_id"] == "third"
            # Closing it frees the slot once the server has processed the close: retry the join until then.
            for _ in range(50):
                await alice.emit("ydoc:document:join", {"document_id": "third"})
                if await wait_for(lambda: any(s["document_id"] == "third" for s in states), timeout=0.2):
                    break
            assert any(s["document_id"] == "third" for s in states)
        finally:
            await alice.disconnect()
            await bob.disconnect()
