"""Issue 15 with real peers: the events API reaching a user's tabs over python-socketio and a plain `websockets`
client, calls answered or timed out, durable events across offline periods and a restart, the per-user limit, the
auth outcome codes, and chat between a plain WebSocket client and a Socket.IO client (Docs/events.md)."""
from __future__ import annotations

import asyncio
import json
import tempfile
import time

import aiohttp
import pytest
import socketio
import websockets

from support import mint_jwt, running_server

SERVICE = "interop-service-token"
PATH = "/ws/socket.io"


def token(user: str, role: str = "user", **extra) -> str:
    return mint_jwt({"id": user, "name": user.title(), "role": role, **extra})


async def api(server, method: str, path: str, body=None, auth: str = SERVICE):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, server.http + path, json=body,
                                headers={"Authorization": f"Bearer {auth}"}) as response:
            return response.status, await response.json(content_type=None)


async def sio_client(server, user: str, auth_extra: dict | None = None):
    client = socketio.AsyncClient(reconnection=False)
    received: asyncio.Queue = asyncio.Queue()
    client.on("*", lambda event, data: received.put_nowait((event, data)))
    await client.connect(server.http, socketio_path=PATH, transports=["websocket"],
                         auth={"token": token(user), **(auth_extra or {})}, wait_timeout=10)
    return client, received


async def next_event(queue: asyncio.Queue, name: str, timeout: float = 10):
    while True:
        event, data = await asyncio.wait_for(queue.get(), timeout)
        if event == name:
            return data


async def next_json(ws, kind: str, timeout: float = 10):
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") == kind:
            return message


@pytest.fixture
def server(tandem_bin):
    with running_server(tandem_bin, extra_args=["--service-token", SERVICE]) as server:
        yield server


async def test_emit_reaches_every_tab_across_protocols(server):
    tab1, q1 = await sio_client(server, "alice")
    tab2, q2 = await sio_client(server, "alice")
    async with websockets.connect(f"{server.ws}/ws/notify?token={token('alice')}") as plain:
        status, body = await api(server, "GET", "/api/v1/events/sessions?user=alice")
        assert status == 200 and sorted(s["protocol"] for s in body["sessions"]) == ["notify", "socketio", "socketio"]
        status, body = await api(server, "POST", "/api/v1/events/emit",
                                 {"event": "toast", "data": {"text": "hi"}, "to": {"user": "alice"}})
        assert status == 200 and body["receivers"] == 3
        assert await next_event(q1, "toast") == {"text": "hi"}
        assert await next_event(q2, "toast") == {"text": "hi"}
        message = await next_json(plain, "event")
        assert message["event"] == "toast" and message["data"] == {"text": "hi"} and "id" not in message
        # One session only.
        status, _ = await api(server, "POST", "/api/v1/events/emit",
                              {"event": "only", "data": 1, "to": {"session": tab2.get_sid()}})
        assert status == 200 and await next_event(q2, "only") == 1
        assert q1.empty()
        # Without credentials, or with a user's token: refused.
        assert (await api(server, "POST", "/api/v1/events/emit", {"event": "x", "to": {"user": "a"}}, auth="nope"))[0] == 401
        assert (await api(server, "POST", "/api/v1/events/emit", {"event": "x", "to": {"user": "a"}},
                          auth=token("bob")))[0] == 403
    await tab1.disconnect()
    await tab2.disconnect()


async def test_call_returns_the_answer_or_times_out(server):
    client = socketio.AsyncClient(reconnection=False)
    client.on("confirm", lambda data: {"answer": data["q"] * 2})
    client.on("ignore", lambda data: None)
    await client.connect(server.http, socketio_path=PATH, transports=["websocket"], auth={"token": token("alice")})
    try:
        status, body = await api(server, "POST", "/api/v1/events/call",
                                 {"event": "confirm", "data": {"q": 21}, "sid": client.get_sid(), "timeout_ms": 5000})
        assert status == 200 and body["data"] == {"answer": 42}
        slow = socketio.AsyncClient(reconnection=False)

        async def never(data):
            await asyncio.sleep(30)
        slow.on("confirm", never)
        await slow.connect(server.http, socketio_path=PATH, transports=["websocket"], auth={"token": token("bob")})
        status, body = await api(server, "POST", "/api/v1/events/call",
                                 {"event": "confirm", "data": {"q": 1}, "sid": slow.get_sid(), "timeout_ms": 300})
        assert status == 504 and "no answer" in body["detail"]
        await slow.disconnect()
        status, _ = await api(server, "POST", "/api/v1/events/call", {"event": "confirm", "sid": "gone"})
        assert status == 404
    finally:
        await client.disconnect()


async def test_call_to_a_plain_notify_connection(server):
    """A `websockets` client on /ws/notify answers a call of the events API; a malformed answer gets an error; a
    call nobody answers times out with 504; a connection closing while a call waits answers it 502."""
    async with websockets.connect(f"{server.ws}/ws/notify?token={token('carol')}") as plain:
        _, listed = await api(server, "GET", "/api/v1/events/sessions?user=carol")
        [sid] = [s["id"] for s in listed["sessions"] if s["protocol"] == "notify"]
        call = asyncio.create_task(api(server, "POST", "/api/v1/events/call",
                                       {"event": "confirm", "data": {"q": 21}, "sid": sid, "timeout_ms": 10000}))
        message = await next_json(plain, "call")
        assert message["event"] == "confirm" and message["data"] == {"q": 21}
        await plain.send(json.dumps({"type": "answer", "id": "not-a-number", "data": 0}))
        assert "integer id" in (await next_json(plain, "error"))["message"]
        await plain.send(json.dumps({"type": "answer", "id": message["id"], "data": {"answer": 42}}))
        status, body = await call
        assert status == 200 and body["data"] == {"answer": 42}

        status, body = await api(server, "POST", "/api/v1/events/call",
                                 {"event": "confirm", "sid": sid, "timeout_ms": 200})
        assert status == 504 and "no answer" in body["detail"]
        late = await next_json(plain, "call")
        await plain.send(json.dumps({"type": "answer", "id": late["id"], "data": 1}))
        assert "no call waiting" in (await next_json(plain, "error"))["message"]

        waiting = asyncio.create_task(api(server, "POST", "/api/v1/events/call",
                                          {"event": "confirm", "sid": sid, "timeout_ms": 60000}))
        await next_json(plain, "call")
    status, body = await asyncio.wait_for(waiting, 30)  # closed while the call waited: answered at once, not at 60 s
    assert status == 502 and "disconnected" in body["detail"]
    status, _ = await api(server, "POST", "/api/v1/events/call", {"event": "confirm", "sid": sid})
    assert status == 404


async def test_durable_events_arrive_once_in_order_across_a_restart(tandem_bin):
    with tempfile.TemporaryDirectory(prefix="tandem-events-") as data:
        args = ["--service-token", SERVICE]
        with running_server(tandem_bin, data_dir=data, extra_args=args) as server:
            for n in range(1, 4):  # alice is offline
                status, body = await api(server, "POST", "/api/v1/events/emit",
                                         {"event": "notice", "data": {"n": n}, "to": {"user": "alice"}, "durable": True})
                assert status == 200 and body["id"] == n and body["receivers"] == 0
            async with websockets.connect(f"{server.ws}/ws/notify?token={token('alice')}") as plain:
                got = [await next_json(plain, "event") for _ in range(3)]
                assert [m["id"] for m in got] == [1, 2, 3] and [m["data"]["n"] for m in got] == [1, 2, 3]
                await plain.send(json.dumps({"type": "ack", "id": 2}))
                for _ in range(50):
                    _, outbox = await api(server, "GET", "/api/v1/events/outbox?user=alice")
                    if [e["status"] for e in outbox["events"]] == ["delivered", "delivered", "pending"]:
                        break
                    await asyncio.sleep(0.05)
                assert [e["status"] for e in outbox["events"]] == ["delivered", "delivered", "pending"]
            status, body = await api(server, "POST", "/api/v1/events/emit",
                                     {"event": "notice", "data": {"n": 4}, "to": {"user": "alice"}, "durable": True})
            assert body["id"] == 4
        # Restarted on the same data directory: 3 and 4 pending; a Socket.IO tab resumes after 2, once each.
        with running_server(tandem_bin, data_dir=data, extra_args=args) as server:
            client, queue = await sio_client(server, "alice", {"outbox_after": 2})
            first = await next_event(queue, "events:outbox")
            second = await next_event(queue, "events:outbox")
            assert [first["id"], second["id"]] == [3, 4] and second["event"] == "notice"
            assert await client.call("events:ack", {"id": 4}, timeout=5) == {"ok": True, "acknowledged": 2}
            await client.disconnect()
            async with websockets.connect(f"{server.ws}/ws/notify?token={token('alice')}&after=4") as plain:
                await plain.send(json.dumps({"type": "ping"}))
                assert (await next_json(plain, "pong"))["type"] == "pong"  # nothing was replayed before the pong
            _, outbox = await api(server, "GET", "/api/v1/events/outbox?user=alice&status=pending")
            assert outbox["pending"] == 0


async def test_per_user_connection_limit(tandem_bin):
    with running_server(tandem_bin, extra_args=["--max-connections-per-user", "2"]) as server:
        first, _ = await sio_client(server, "alice")
        plain = await websockets.connect(f"{server.ws}/ws/notify?token={token('alice')}")
        third = socketio.AsyncClient(reconnection=False)
        errors: asyncio.Queue = asyncio.Queue()
        third.on("connect_error", lambda data: errors.put_nowait(data))
        with pytest.raises(socketio.exceptions.ConnectionError):
            await third.connect(server.http, socketio_path=PATH, transports=["websocket"],
                                auth={"token": token("alice")}, wait_timeout=10)
        error = await asyncio.wait_for(errors.get(), 10)
        assert error["code"] == 4029 and "Too many connections" in error["message"]
        async with websockets.connect(f"{server.ws}/ws/notify?token={token('alice')}") as fourth:
            refusal = await next_json(fourth, "error")
            assert refusal["code"] == 4029
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(fourth.recv(), 10)
            assert closed.value.rcvd.code == 4029
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"{server.ws}/yjs/doc?token={token('alice')}")
        assert refused.value.response.status_code == 429
        await plain.close()
        await asyncio.sleep(0.2)
        again, _ = await sio_client(server, "alice")  # a slot is free again
        await again.disconnect()
        await first.disconnect()


@pytest.mark.parametrize("query,code", [
    ("", 4001), ("?token=garbage", 4001), (f"?token={mint_jwt({'id': 'a', 'exp': 1_000_000_000})}", 4401),
], ids=["missing", "bad", "expired"])
async def test_auth_outcome_codes_on_plain_endpoints(server, query, code):
    for path in ("/ws/notify", "/ws/chat/some-channel"):
        async with websockets.connect(f"{server.ws}{path}{query}") as ws:
            error = await next_json(ws, "error")
            assert error["code"] == code
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd.code == code


async def test_token_expiring_while_open_closes_plain_endpoints_with_4401(server):
    status, channel = await api(server, "POST", "/api/v1/channels/create", {"name": "c"}, auth=token("owner"))
    assert status == 200
    soon = mint_jwt({"id": "owner", "name": "owner", "exp": int(time.time()) + 2})
    for path in ("/ws/notify", f"/ws/chat/{channel['id']}"):
        async with websockets.connect(f"{server.ws}{path}?token={soon}") as ws:
            error = await next_json(ws, "error", timeout=15)
            assert error["code"] == 4401, error
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd.code == 4401


async def test_auth_outcome_codes_forbidden_and_not_found(server):
    status, channel = await api(server, "POST", "/api/v1/channels/create", {"name": "c"}, auth=token("owner"))
    assert status == 200
    for path, code in ((f"/ws/chat/{channel['id']}?token={token('stranger')}", 4003),
                       (f"/ws/chat/missing?token={token('owner')}", 4004)):
        async with websockets.connect(server.ws + path) as ws:
            assert (await next_json(ws, "error"))["code"] == code
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 10)
            assert closed.value.rcvd.code == code


async def test_chat_between_plain_websocket_and_socketio(server):
    status, channel = await api(server, "POST", "/api/v1/channels/create",
                                {"name": "general", "user_ids": ["bob"]}, auth=token("alice"))
    cid = channel["id"]
    await api(server, "POST", f"/api/v1/channels/{cid}/messages/post", {"content": "earlier"}, auth=token("alice"))
    alice, queue = await sio_client(server, "alice")
    await alice.call("user-join", {"auth": {"token": token("alice")}}, timeout=5)
    async with websockets.connect(f"{server.ws}/ws/chat/{cid}?token={token('bob')}") as bob:
        state = await next_json(bob, "session_state")
        assert [m["content"] for m in state["messages"]] == ["earlier"]
        assert sorted(u["id"] for u in state["online"]) == ["alice", "bob"]
        presence = await next_event(queue, "channel:presence")  # alice's own arrival comes first
        while presence["user"]["id"] != "bob":
            presence = await next_event(queue, "channel:presence")
        assert presence["type"] == "joined"
        assert await alice.call("channel:presence", {"channel_id": cid}, timeout=5) == {
            "channel_id": cid, "online": state["online"]}

        await bob.send(json.dumps({"type": "message", "content": "hi from plain"}))
        event = await next_event(queue, "events:channel")
        assert event["data"]["type"] == "message" and event["data"]["data"]["content"] == "hi from plain"
        await alice.emit("message", {"channel_id": cid, "content": "hi from socketio"})
        seen = [(await next_json(bob, "user_message"))["message"]["content"] for _ in range(2)]
        assert seen == ["hi from plain", "hi from socketio"]
        await api(server, "POST", f"/api/v1/channels/{cid}/messages/post", {"content": "from rest"}, auth=token("alice"))
        assert (await next_json(bob, "user_message"))["message"]["content"] == "from rest"
        await bob.send(json.dumps({"type": "typing"}))
        typing = await next_event(queue, "events:channel")
        while typing["data"]["type"] != "typing":
            typing = await next_event(queue, "events:channel")
        assert typing["user"]["id"] == "bob"
        await bob.send(json.dumps({"type": "leave"}))
        left = await next_event(queue, "channel:presence")
        assert left["type"] == "left" and left["user"]["id"] == "bob"
    await alice.disconnect()
