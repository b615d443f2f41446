"""Tandem and python-socketio hosts on one Redis bus (issue 13 "Open WebUI's Redis bus", issue 14).

A private redis-server, `tandem serve --redis URL --socketio-test-events`, and in each test a python-socketio
`AsyncServer(client_manager=AsyncRedisManager(url))` served by aiohttp, with python-socketio clients on both. Every
check runs twice: with the plain `AsyncRedisManager` (Tandem with `--redis-room-channels=false`) and with Open WebUI
0.12.4's `AsyncRedisRoomChannelManager` (Tandem's default), loaded from its file when an Open WebUI install is found
(OPENWEBUI_ROOM_CHANNELS_PY, or the venv at ~/.cache/tandem/owui-venv).
"""
from __future__ import annotations

import asyncio
import glob
import importlib.util
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
import redis.asyncio as aioredis
import socketio
from aiohttp import web

from support import TandemServer, free_port, mint_jwt, redis_server

PATH = "/ws/socket.io"
ANN = {"id": "u1", "name": "Ann", "role": "user", "email": "ann@example.com"}
BO = {"id": "u2", "name": "Bo", "role": "user"}
PREFIX = "open-webui"
SERVICE_TOKEN = "bus-service-token"



def room_channel_manager():
    """Open WebUI's AsyncRedisRoomChannelManager class, or None when no Open WebUI 0.12.4 is installed."""
    paths = [os.environ.get("OPENWEBUI_ROOM_CHANNELS_PY", "")] + glob.glob(os.path.expanduser(
        "~/.cache/tandem/owui-venv/lib/python*/site-packages/open_webui/socket/redis_room_channels.py"))
    for path in paths:
        if path and os.path.exists(path):
            spec = importlib.util.spec_from_file_location("owui_redis_room_channels", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.AsyncRedisRoomChannelManager
    return None


@pytest.fixture(scope="module")
def redis_url():
    with redis_server("tandem-bus-redis-") as url:
        yield url


@pytest.fixture(scope="module", params=["plain", "room-channels"])
def mode(request):
    if request.param == "room-channels":
        manager = room_channel_manager()
        if manager is None:
            pytest.skip("Open WebUI 0.12.4 not installed (its AsyncRedisRoomChannelManager is loaded from its file)")
        return request.param, manager
    return request.param, socketio.AsyncRedisManager


@pytest.fixture(scope="module")
def tandem(tandem_bin, redis_url, mode):
    flags = ["--socketio-test-events", "--redis", redis_url, "--service-token", SERVICE_TOKEN]
    if mode[0] == "plain":
        flags.append("--redis-room-channels=false")
    server = TandemServer(tandem_bin, tempfile.mkdtemp(prefix="tandem-bus-"), flags).start()
    yield server
    server.stop()


class PythonNode:
    """One python-socketio host on the bus, as an Open WebUI worker runs it."""

    def __init__(self, url: str, manager_class):
        self.sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager_class(url))
        self.port = free_port()
        self.runner = None

        @self.sio.event
        async def connect(sid, environ, auth):
            await self.sio.enter_room(sid, "user:python")

        @self.sio.on("join")
        async def join(sid, room):
            await self.sio.enter_room(sid, room)
            return True

    async def start(self):
        app = web.Application()
        self.sio.attach(app, socketio_path=PATH)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        self.sio.manager_initialized = True
        self.sio.manager.initialize()  # python-socketio starts listening on the first connection otherwise

    async def stop(self):
        await self.sio.shutdown()
        await self.runner.cleanup()


@pytest.fixture
async def node(redis_url, mode, tandem):
    python_node = PythonNode(redis_url, mode[1])
    await python_node.start()
    redis = aioredis.from_url(redis_url)
    for _ in range(200):  # both hosts listen on the base channel
        if (await redis.pubsub_numsub("socketio"))[0][1] >= 2:
            break
        await asyncio.sleep(0.05)
    await redis.aclose()
    yield python_node
    await python_node.stop()


@pytest.fixture
async def redis(redis_url):
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def connect(url: str, claims: dict | None = ANN) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, socketio_path=PATH, auth={"token": mint_jwt(claims)} if claims else None,
                         transports=["websocket"], wait_timeout=10)
    return client


def recorder(client: socketio.AsyncClient, *events: str) -> asyncio.Queue:
    """Every listed event, as (event, data), in arrival order."""
    queue: asyncio.Queue = asyncio.Queue()
    for name in events:
        async def handler(*args, name=name):
            await queue.put((name, args[0] if len(args) == 1 else args))
        client.on(name, handler)
    return queue


async def next_event(queue: asyncio.Queue):
    return await asyncio.wait_for(queue.get(), 10)


async def until_received(queue: asyncio.Queue, send):
    """Repeats `send` until an event arrives: with room channels an emit right after a remote enter_room can pass
    before the owning host subscribed to the room's channel (Open WebUI's workers have the same window)."""
    for _ in range(50):
        await send()
        try:
            return await asyncio.wait_for(queue.get(), 0.2)
        except asyncio.TimeoutError:
            continue
    raise AssertionError("nothing arrived")


async def test_python_emits_reach_tandem_rooms_and_sids(node, tandem):
    ann = await connect(tandem.http)
    bo = await connect(tandem.http, BO)
    try:
        ann_events, bo_events = recorder(ann, "hello", "direct"), recorder(bo, "hello", "direct")
        for client in (ann, bo):
            assert await client.call("test:join", {"room": "r1"}, timeout=10) is True
        await node.sio.emit("hello", {"n": 1}, room="r1")
        assert await next_event(ann_events) == ("hello", {"n": 1})
        assert await next_event(bo_events) == ("hello", {"n": 1})
        await node.sio.emit("hello", {"n": 2}, room="r1", skip_sid=ann.get_sid())
        await node.sio.emit("direct", ["several", 2], to=ann.get_sid())
        await node.sio.emit("direct", "to the user room", room="user:u1")
        assert await next_event(bo_events) == ("hello", {"n": 2})
        assert await next_event(ann_events) == ("direct", ["several", 2])  # skipped n=2 never came
        assert await next_event(ann_events) == ("direct", "to the user room")
        await node.sio.emit("hello", "everyone")
        assert await next_event(ann_events) == ("hello", "everyone")
    finally:
        await ann.disconnect()
        await bo.disconnect()


async def test_tandem_emits_reach_python_clients(node, tandem):
    ann = await connect(tandem.http)
    peer = await connect(f"http://127.0.0.1:{node.port}", None)
    try:
        events = recorder(peer, "news")
        assert await peer.call("join", "r2", timeout=10) is True
        ack = await ann.call("test:relay", {"room": "r2", "event": "news", "data": {"text": "hi"}}, timeout=10)
        assert ack == 0  # no receiver on Tandem itself
        assert await next_event(events) == ("news", {"text": "hi"})
        await ann.call("test:relay", {"room": peer.get_sid(), "event": "news", "data": "to a python sid"}, timeout=10)
        assert await next_event(events) == ("news", "to a python sid")
    finally:
        await ann.disconnect()
        await peer.disconnect()


async def test_calls_both_ways(node, tandem):
    ann = await connect(tandem.http)
    peer = await connect(f"http://127.0.0.1:{node.port}", None)
    try:
        ann.on("question", lambda data: f"ann answers {data}")
        peer.on("question", lambda data: f"python client answers {data}")
        assert await node.sio.call("question", "q1", to=ann.get_sid(), timeout=10) == "ann answers q1"
        reply = await ann.call("test:call", {"event": "question", "data": "q2", "to": peer.get_sid()}, timeout=15)
        assert reply == "python client answers q2"
    finally:
        await ann.disconnect()
        await peer.disconnect()


async def test_remote_room_changes_and_close(node, tandem):
    ann = await connect(tandem.http)
    try:
        events = recorder(ann, "in-r3", "direct")
        await node.sio.enter_room(ann.get_sid(), "r3")  # published as enter_room: Tandem holds the sid
        name, data = await until_received(events, lambda: node.sio.emit("in-r3", "member", room="r3"))
        assert (name, data) == ("in-r3", "member")
        while not events.empty():
            events.get_nowait()
        await node.sio.leave_room(ann.get_sid(), "r3")
        await node.sio.emit("in-r3", "after leave", room="r3")
        await node.sio.emit("direct", "sentinel", to=ann.get_sid())
        assert await next_event(events) == ("direct", "sentinel")
        await node.sio.enter_room(ann.get_sid(), "r4")
        await until_received(events, lambda: node.sio.emit("in-r3", "r4 member", room="r4"))
        while not events.empty():
            events.get_nowait()
        await node.sio.close_room("r4")
        await node.sio.emit("in-r3", "after close", room="r4")
        await node.sio.emit("direct", "sentinel 2", to=ann.get_sid())
        assert await next_event(events) == ("direct", "sentinel 2")
    finally:
        await ann.disconnect()


async def test_binary_both_ways(node, tandem):
    ann = await connect(tandem.http)
    peer = await connect(f"http://127.0.0.1:{node.port}", None)
    try:
        ann_events, peer_events = recorder(ann, "blob"), recorder(peer, "blob")
        assert await peer.call("join", "r5", timeout=10) is True
        await node.sio.emit("blob", {"bytes": b"\x00\x01\xff", "n": 1}, to=ann.get_sid())
        assert await next_event(ann_events) == ("blob", {"bytes": b"\x00\x01\xff", "n": 1})
        await ann.call("test:relay", {"room": "r5", "event": "blob", "data": {"bytes": b"\xfe\x00"}}, timeout=10)
        assert await next_event(peer_events) == ("blob", {"bytes": b"\xfe\x00"})
    finally:
        await ann.disconnect()
        await peer.disconnect()


async def test_disconnect_from_python(node, tandem):
    ann = await connect(tandem.http)
    gone = asyncio.Event()
    ann.on("disconnect", lambda *args: gone.set())
    await node.sio.disconnect(ann.get_sid())
    await asyncio.wait_for(gone.wait(), 10)
    assert not ann.connected


async def test_session_and_usage_pools(node, tandem, redis):
    ann = await connect(tandem.http)
    sid = ann.get_sid()  # the Socket.IO sid (client.sid is the Engine.IO one)
    entry = None
    for _ in range(100):
        if (raw := await redis.hget(f"{PREFIX}:session_pool", sid)) is not None:
            entry = json.loads(raw)
            break
        await asyncio.sleep(0.05)
    assert entry is not None
    assert (entry["id"], entry["name"], entry["role"], entry["email"]) == ("u1", "Ann", "user", "ann@example.com")
    assert isinstance(entry["last_seen_at"], int) and abs(entry["last_seen_at"] - time.time()) < 60
    assert entry["chat_ids"] == []
    await ann.emit("usage", {"action": "chat", "model": "model-a", "chat_id": "c1"})
    usage = None
    for _ in range(100):
        if (raw := await redis.hget(f"{PREFIX}:usage_pool", "model-a")) is not None:
            usage = json.loads(raw)
            break
        await asyncio.sleep(0.05)
    assert usage is not None and isinstance(usage[sid]["updated_at"], int)
    await ann.disconnect()
    for _ in range(100):
        if not await redis.hexists(f"{PREFIX}:session_pool", sid) and not await redis.hexists(
                f"{PREFIX}:usage_pool", "model-a"):
            break
        await asyncio.sleep(0.05)
    assert not await redis.hexists(f"{PREFIX}:session_pool", sid)
    assert not await redis.hexists(f"{PREFIX}:usage_pool", "model-a")


async def events_api(tandem, method: str, path: str, body=None):
    request = urllib.request.Request(
        tandem.http + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"})

    def send():
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
    return await asyncio.to_thread(send)


async def test_events_api_reaches_sessions_on_other_hosts(node, tandem, redis):
    """Issue 15 across hosts: the events API lists a user's sessions on every host (from the shared session_pool
    that Open WebUI writes for its own sockets), calls one on the python host and emits to all of them."""
    ann = await connect(tandem.http)
    peer = await connect(f"http://127.0.0.1:{node.port}", None)
    try:
        peer_sid = peer.get_sid()
        # What Open WebUI's connect handler does for its sockets: the user in session_pool, the sid in user:<id>.
        await redis.hset(f"{PREFIX}:session_pool", peer_sid,
                         json.dumps({"id": ANN["id"], "name": ANN["name"], "last_seen_at": int(time.time())}))
        await node.sio.enter_room(peer_sid, f"user:{ANN['id']}")
        # Entries Tandem cannot read (not JSON, no id) are skipped, never listed.
        await redis.hset(f"{PREFIX}:session_pool", mapping={"garbage-sid": "not json", "no-id-sid": json.dumps({"name": "x"})})
        sessions = None
        for _ in range(100):  # Tandem writes its own socket's entry asynchronously
            status, sessions = await events_api(tandem, "GET", f"/api/v1/events/sessions?user={ANN['id']}")
            assert status == 200, sessions
            if len(sessions["sessions"]) == 2:
                break
            await asyncio.sleep(0.05)
        assert sessions["shared_pool"] == "ok"
        hosts = {entry["id"]: entry["host"] for entry in sessions["sessions"]}
        assert hosts == {ann.get_sid(): "local", peer_sid: "remote"}, sessions

        peer.on("confirm", lambda data: {"confirmed": data})
        status, answer = await events_api(tandem, "POST", "/api/v1/events/call",
                                          {"event": "confirm", "data": "go?", "sid": peer_sid, "timeout_ms": 10000})
        assert (status, answer["data"]) == (200, {"confirmed": "go?"}), answer

        ann_events, peer_events = recorder(ann, "toast"), recorder(peer, "toast")
        status, emitted = await events_api(tandem, "POST", "/api/v1/events/emit",
                                           {"event": "toast", "data": "hi", "to": {"user": ANN["id"]}})
        assert status == 200 and emitted["receivers"] == 1  # receivers counts this host's connections
        assert await next_event(ann_events) == ("toast", "hi")
        assert await next_event(peer_events) == ("toast", "hi")
    finally:
        await redis.hdel(f"{PREFIX}:session_pool", peer.get_sid(), "garbage-sid", "no-id-sid")
        await ann.disconnect()
        await peer.disconnect()


def test_readyz_reports_redis(tandem):
    with urllib.request.urlopen(tandem.http + "/readyz", timeout=5) as response:
        body = json.loads(response.read())
    assert body["checks"]["redis"] == "ok"
