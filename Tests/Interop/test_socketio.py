"""python-socketio's AsyncClient against Tandem's Socket.IO endpoint (issue 5).

Every test talks to a real `tandem serve --socketio-test-events` on a free port, over the WebSocket transport
(Open WebUI's default), long-polling with upgrade (socket.io-client's default), or polling only. The `test:*`
events (Sources/Tandem/SocketIO/SocketIOTestEvents.swift) relay and echo, since Open WebUI's own events never relay
client data.
"""
from __future__ import annotations

import asyncio
import json
import tempfile

import pytest
import socketio

from support import SECRET, TandemServer, mint_jwt

PATH = "/ws/socket.io"
ANN = {"id": "u1", "name": "Ann", "role": "user"}
BO = {"id": "u2", "name": "Bo", "role": "admin"}


def start(tandem_bin: str, *extra: str) -> TandemServer:
    data = tempfile.mkdtemp(prefix="tandem-sio-")
    return TandemServer(tandem_bin, data, ["--socketio-test-events", *extra]).start()


@pytest.fixture(scope="module")
def server(tandem_bin):
    srv = start(tandem_bin)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def strict_server(tandem_bin):
    srv = start(tandem_bin, "--strict-auth")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small_server(tandem_bin):
    srv = start(tandem_bin, "--max-payload", "1M")
    yield srv
    srv.stop()


async def connect(srv: TandemServer, claims: dict | None = ANN, token: str | None = None,
                  transports=("websocket",), **kwargs) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, websocket_extra_options={"max_msg_size": 0}, **kwargs)
    auth = {"token": token if token is not None else mint_jwt(claims)} if (claims or token) else None
    await client.connect(srv.http, socketio_path=PATH, auth=auth,
                         transports=list(transports) if transports else None, wait_timeout=10)
    return client


def recorder(client: socketio.AsyncClient, event: str) -> asyncio.Queue:
    queue: asyncio.Queue = asyncio.Queue()

    async def handler(*args):
        await queue.put(args[0] if len(args) == 1 else args)

    client.on(event, handler)
    return queue


@pytest.mark.parametrize("transports", [("websocket",), None, ("polling",)], ids=["websocket", "upgrade", "polling"])
async def test_connect_and_user_join_ack(server, transports):
    client = await connect(server, transports=transports)
    try:
        ack = await client.call("user-join", {"auth": {"token": mint_jwt(ANN)}}, timeout=10)
        assert ack == {"id": "u1", "name": "Ann"}
        assert await client.call("test:echo", {"x": [1, 2, 3]}, timeout=10) == {"x": [1, 2, 3]}
        if transports is None:
            for _ in range(100):
                if client.transport() == "websocket":
                    break
                await asyncio.sleep(0.05)
            assert client.transport() == "websocket"
    finally:
        await client.disconnect()


async def test_rooms_emit_and_skip_sender(server):
    # A user of its own: a socket of an earlier test (same server) may still be disconnecting from user:u1.
    ann = {"id": "u-rooms", "name": "Ann", "role": "user"}
    alice = await connect(server, ann)
    bob = await connect(server, BO, transports=None)
    carol = await connect(server, ann)
    try:
        alice_q, bob_q, carol_q = (recorder(c, "news") for c in (alice, bob, carol))
        assert await alice.call("test:join", {"room": "channel:c1"}, timeout=10) is True
        assert await bob.call("test:join", {"room": "channel:c1"}, timeout=10) is True
        sent = await alice.call("test:relay", {"room": "channel:c1", "event": "news", "data": {"n": 1},
                                               "skip_sender": True}, timeout=10)
        assert sent == 1
        assert await asyncio.wait_for(bob_q.get(), 10) == {"n": 1}
        sent = await alice.call("test:relay", {"room": "channel:c1", "event": "news", "data": {"n": 2}}, timeout=10)
        assert sent == 2
        # Alice's first event is the second relay: the first one skipped her.
        assert await asyncio.wait_for(alice_q.get(), 10) == {"n": 2}
        assert await asyncio.wait_for(bob_q.get(), 10) == {"n": 2}
        # Every socket is in user:<id>; Carol is in no channel room.
        sent = await bob.call("test:relay", {"room": "user:u-rooms", "event": "news", "data": "hi"}, timeout=10)
        assert sent == 2
        assert await asyncio.wait_for(carol_q.get(), 10) == "hi"
        assert await asyncio.wait_for(alice_q.get(), 10) == "hi"
    finally:
        for client in (alice, bob, carol):
            await client.disconnect()


async def test_server_to_client_ack(server):
    client = await connect(server)

    @client.on("ask")
    async def ask(data):
        return {"answer": data * 2}

    try:
        assert await client.call("test:call", {"event": "ask", "data": 21}, timeout=10) == {"answer": 42}
    finally:
        await client.disconnect()


@pytest.mark.parametrize("transports", [("websocket",), ("polling",)], ids=["websocket", "polling"])
async def test_binary_attachments_round_trip(server, transports):
    sender = await connect(server, transports=transports)
    receiver = await connect(server, BO)
    try:
        blob = bytes(range(256)) * 4
        echoed = await sender.call("test:echo", {"blob": blob, "more": [b"\x00", b"\xff\xfe"]}, timeout=10)
        assert echoed == {"blob": blob, "more": [b"\x00", b"\xff\xfe"]}
        queue = recorder(receiver, "bin")
        await receiver.call("test:join", {"room": "doc_note:1"}, timeout=10)
        sent = await sender.call("test:relay", {"room": "doc_note:1", "event": "bin", "data": {"update": blob}},
                                 timeout=10)
        assert sent == 1
        assert await asyncio.wait_for(queue.get(), 10) == {"update": blob}
    finally:
        await sender.disconnect()
        await receiver.disconnect()


@pytest.mark.parametrize("token", [
    mint_jwt(ANN, secret="not-the-secret"),
    mint_jwt({**ANN, "exp": 1_000_000_000}),
    mint_jwt({**ANN, "role": "pending"}),
    mint_jwt(ANN, alg="none"),
    "garbage",
], ids=["forged", "expired", "pending", "alg-none", "garbage"])
async def test_bad_token_default_mode_connects_but_is_ignored(server, token):
    client = await connect(server, token=token)
    try:
        assert client.connected
        errors = recorder(client, "error")
        # Events of an unauthenticated socket are ignored (acked with nothing), as Open WebUI does.
        assert await client.call("test:echo", {"x": 1}, timeout=10) is None
        assert await client.call("user-join", {"auth": {"token": token}}, timeout=10) is None
        # A wrongly typed payload is answered with an `error` event; the connection survives.
        await client.emit("usage", [1, 2])
        assert "message" in await asyncio.wait_for(errors.get(), 10)
        # A valid token in user-join authenticates the socket afterwards.
        assert await client.call("user-join", {"auth": {"token": mint_jwt(ANN)}}, timeout=10) == \
            {"id": "u1", "name": "Ann"}
        assert await client.call("test:echo", {"x": 1}, timeout=10) == {"x": 1}
    finally:
        await client.disconnect()


@pytest.mark.parametrize("token,message", [
    (mint_jwt(ANN, secret="not-the-secret"), "Invalid token"),
    (mint_jwt({**ANN, "exp": 1_000_000_000}), "Token expired"),
    (mint_jwt(ANN, alg="none"), "Unsupported token algorithm"),
], ids=["forged", "expired", "alg-none"])
async def test_bad_token_strict_mode_gets_connect_error(strict_server, token, message):
    client = socketio.AsyncClient(reconnection=False)
    errors = recorder(client, "connect_error")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(strict_server.http, socketio_path=PATH, auth={"token": token},
                             transports=["websocket"], wait_timeout=10)
    error = await asyncio.wait_for(errors.get(), 10)
    # The message as before, plus the code of Docs/events.md (4001 log in again, 4401 expired).
    assert error["message"] == message and error["code"] == (4401 if message == "Token expired" else 4001)
    await client.disconnect()
    good = await connect(strict_server)
    try:
        assert await good.call("test:echo", 1, timeout=10) == 1
    finally:
        await good.disconnect()


async def test_unknown_namespace_gets_connect_error(server):
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(server.http, socketio_path=PATH, namespaces=["/nope"], auth={"token": mint_jwt(ANN)},
                             transports=["websocket"], wait_timeout=10)
    await client.disconnect()


@pytest.mark.parametrize("transports", [("websocket",), ("polling",)], ids=["websocket", "polling"])
async def test_five_megabyte_event_is_accepted(server, transports):
    client = await connect(server, transports=transports)
    try:
        update = list(range(256)) * 5_000  # ~1.28M ints, about 4.9 MB of JSON
        echoed = await client.call("test:echo", {"document_id": "note:big", "update": update}, timeout=60)
        assert echoed["update"] == update
    finally:
        await client.disconnect()


async def test_event_over_max_payload_is_refused_cleanly(small_server):
    client = await connect(small_server)
    closed = asyncio.Event()
    client.on("disconnect", lambda *args: closed.set())
    await client.emit("test:echo", {"blob": "x" * 2_000_000})
    await asyncio.wait_for(closed.wait(), 15)
    assert not client.connected
    # The server is unharmed and other clients carry on.
    other = await connect(small_server)
    try:
        assert await other.call("test:echo", {"ok": True}, timeout=10) == {"ok": True}
    finally:
        await other.disconnect()


@pytest.fixture(scope="module")
def fast_ping_server(tandem_bin):
    srv = start(tandem_bin, "--socketio-ping-interval", "300ms", "--socketio-ping-timeout", "300ms")
    yield srv
    srv.stop()


async def test_heartbeat_keeps_a_ponging_client_and_drops_a_silent_one(fast_ping_server):
    import websockets

    client = await connect(fast_ping_server)
    try:
        url = f"{fast_ping_server.ws}{PATH}/?EIO=4&transport=websocket"
        async with websockets.connect(url) as raw:
            opened = json.loads((await raw.recv())[1:])
            assert opened["pingInterval"] == 300 and opened["pingTimeout"] == 300 and opened["upgrades"] == []
            assert await asyncio.wait_for(raw.recv(), 5) == "2"  # the server pings; this client never answers
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(raw.recv(), 5)
        # Meanwhile python-socketio answered every ping and is still connected.
        assert await client.call("test:echo", "alive", timeout=10) == "alive"
    finally:
        await client.disconnect()


async def test_oversized_polling_body_gets_413_and_closes_the_session(small_server):
    import aiohttp

    base = f"{small_server.http}{PATH}/?EIO=4&transport=polling"
    async with aiohttp.ClientSession() as http:
        async with http.get(base) as response:
            assert response.status == 200
            opened = json.loads((await response.text())[1:])
            assert opened["maxPayload"] == 1024 * 1024 and opened["upgrades"] == ["websocket"]
        session = f"{base}&sid={opened['sid']}"
        async with http.post(session, data=b"4" + b"x" * (1024 * 1024 + 10)) as response:
            assert response.status == 413
            assert "Payload too large" in await response.text()
        async with http.get(session) as response:
            assert response.status == 400
            assert json.loads(await response.text()) == {"code": 1, "message": "Session ID unknown"}
