"""Cluster mode: a private redis-server and three `tandem serve --redis URL --cluster` nodes serving one document.

Socket.IO (python-socketio) and y-websocket (pycrdt) clients spread over the nodes edit one document and converge
(every client's pycrdt document holds the same text and every edit); then a node is killed with SIGKILL in the
middle of an edit stream, its clients reconnect to another node, and every update any client had received is in
the document the surviving nodes serve. A redis-server with AOF (`appendfsync always`) is killed and restarted on the
same port and directory while clients on two nodes edit: /readyz follows Redis, the nodes resume, nothing a reader
had received is lost and no edit appears twice. A python-socketio node (AsyncRedisManager) on the same Redis
exchanges room emits with clients of two Tandem nodes. A durable event stored through one node's events API is
replayed to the user's notify connection on another, and its acknowledgement there shows on the first (the outbox
lives in Redis). See Docs/cluster.md and Docs/events.md.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import aiohttp
import pytest
import redis.asyncio as aioredis
import socketio
import websockets
from pycrdt import Doc, Provider, Text

from support import TandemServer, free_port, mint_jwt, redis_server, state_vector
from test_ywebsocket import WebSocketChannel, wait_for

DOCUMENT = "cluster-note"



@pytest.fixture(scope="module")
def redis_url():
    with redis_server("tandem-cluster-redis-") as url:
        yield url


@contextlib.contextmanager
def cluster_nodes(tandem_bin, redis_url, tmp_path, count: int, prefix: str, extra: list[str] | None = None):
    """`count` `tandem serve --redis … --cluster` nodes sharing one key prefix, each with its own data folder
    (`extra`: more flags for every node)."""
    prefix = prefix + uuid.uuid4().hex[:8]
    started = []
    try:
        for index in range(count):
            data = tmp_path / f"node{index}"
            data.mkdir()
            node = TandemServer(tandem_bin, str(data), ["--redis", redis_url, "--cluster", "--redis-key-prefix", prefix,
                                                        "--cluster-node-ttl", "2s", "--cluster-heartbeat", "500ms"]
                                + (extra or []))
            node.key_prefix = prefix
            started.append(node.start())
        yield started
    finally:
        for node in started:
            node.stop(signal.SIGKILL)


@pytest.fixture
def nodes(tandem_bin, redis_url, tmp_path):
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 3, "cluster-") as started:
        yield started


class SocketIOClient:
    """Open WebUI's editor protocol over python-socketio, with a pycrdt document of its own."""

    def __init__(self, user: str):
        self.user = user
        self.doc = Doc()
        self.doc["text"] = self.text = Text()
        self.states = 0
        self.server_state = b"\x00\x00"
        self.errors: list = []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("ydoc:document:state", self._on_state)
        self.client.on("ydoc:document:update", self._on_update)
        self.client.on("error", lambda data: self.errors.append(data))

    async def _on_state(self, data):
        self.server_state = bytes(data["state"])
        if self.server_state != b"\x00\x00":
            self.doc.apply_update(self.server_state)
        self.states += 1

    async def _on_update(self, data):
        self.doc.apply_update(bytes(data["update"]))

    async def connect(self, node: TandemServer):
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("ydoc:document:state", self._on_state)
        self.client.on("ydoc:document:update", self._on_update)
        self.client.on("error", lambda data: self.errors.append(data))
        await self.client.connect(node.http, transports=["websocket"], socketio_path="/ws/socket.io",
                                  auth={"token": mint_jwt({"id": self.user, "name": self.user})})
        states = self.states
        await self.client.emit("ydoc:document:join", {"document_id": DOCUMENT})
        assert await wait_for(lambda: self.states > states), "no state on join"
        # Like a y-websocket client (sync step 2), send what the node's state lacks: an update this client sent to a
        # node killed before it was stored was never acknowledged, and later edits depend on it.
        served = Doc()
        served["text"] = Text()
        if self.server_state != b"\x00\x00":
            served.apply_update(self.server_state)
        missing = self.doc.get_update(served.get_state())
        if missing != b"\x00\x00":
            await self.client.emit("ydoc:document:update", {"document_id": DOCUMENT, "update": list(missing)})

    async def edit(self, words: str):
        vector = self.doc.get_state()
        self.text.insert(len(self.text), words)
        update = self.doc.get_update(vector)
        await self.client.emit("ydoc:document:update", {"document_id": DOCUMENT, "update": list(update)})

    async def close(self):
        try:
            await self.client.disconnect()
        except Exception:
            pass


def ws_url(node: TandemServer, user: str) -> str:
    return f"{node.ws}/yjs/{DOCUMENT}?token={mint_jwt({'id': user, 'name': user})}"


def contains(final: bytes, doc: Doc) -> bool:
    """Whether everything in `doc` is already in the state `final` (applying it changes nothing)."""
    check = Doc()
    check["text"] = text = Text()
    check.apply_update(final)
    before = str(text)
    check.apply_update(doc.get_update())
    return str(text) == before


async def test_clients_on_three_nodes_converge(nodes):
    for node in nodes:
        with urllib.request.urlopen(node.http + "/readyz", timeout=5) as response:
            assert response.status == 200
            assert b"cluster" in response.read()
    sio = [SocketIOClient(f"sio{index}") for index in range(3)]
    for client, node in zip(sio, nodes):
        await client.connect(node)
    ydocs = []
    async with websockets.connect(ws_url(nodes[1], "y1")) as ws1, websockets.connect(ws_url(nodes[2], "y2")) as ws2:
        docs = [Doc(), Doc()]
        texts = []
        for doc in docs:
            doc["text"] = text = Text()
            texts.append(text)
        async with Provider(docs[0], WebSocketChannel(ws1, DOCUMENT)) as p1, \
                Provider(docs[1], WebSocketChannel(ws2, DOCUMENT)) as p2:
            await asyncio.wait_for(p1.synced.wait(), 5)
            await asyncio.wait_for(p2.synced.wait(), 5)
            words = []
            for round_number in range(10):
                for index, client in enumerate(sio):
                    word = f"s{index}r{round_number} "
                    words.append(word)
                    await client.edit(word)
                for index, text in enumerate(texts):
                    word = f"y{index}r{round_number} "
                    words.append(word)
                    text += word
                await asyncio.sleep(0.01)
            everyone = [client.text for client in sio] + texts

            def converged():
                first = str(everyone[0])
                return all(str(text) == first for text in everyone) and all(word in first for word in words)

            assert await wait_for(converged, timeout=10), [
                (len(str(text)), [word for word in words if word not in str(text)]) for text in everyone]
            ydocs = docs
    # A fresh client on each node is served the same document.
    final = [str(client.text) for client in sio]
    for node in nodes:
        fresh = SocketIOClient("fresh")
        await fresh.connect(node)
        assert str(fresh.text) == final[0]
        await fresh.close()
    assert all(not client.errors for client in sio)
    for client in sio:
        await client.close()
    del ydocs


async def pool_until(redis_url: str, prefix: str, sids: list[str], present: bool, timeout: float) -> bool:
    """Waits until every sid is (or none is) in Open WebUI's `{prefix}:session_pool`."""
    client = aioredis.from_url(redis_url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            held = [await client.hexists(f"{prefix}:session_pool", sid) for sid in sids]
            if (all(held) if present else not any(held)):
                return True
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()


async def test_kill_9_of_a_node_loses_no_received_update(nodes, redis_url):
    rng = random.Random(int(os.environ.get("TANDEM_FAULT_SEED", "1234")))
    doomed, survivor, other = nodes
    writer = SocketIOClient("writer")
    await writer.connect(doomed)
    local = SocketIOClient("local")  # a reader on the node that dies
    await local.connect(doomed)
    doomed_sids = [writer.client.get_sid(), local.client.get_sid()]
    assert await pool_until(redis_url, doomed.key_prefix, doomed_sids, present=True, timeout=5)
    remote = SocketIOClient("remote")
    await remote.connect(other)
    async with websockets.connect(ws_url(survivor, "yreader")) as ws:
        reader = Doc()
        reader["text"] = Text()
        async with Provider(reader, WebSocketChannel(ws, DOCUMENT)) as provider:
            await asyncio.wait_for(provider.synced.wait(), 5)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + rng.uniform(0.3, 0.8)
            sent = 0
            while loop.time() < deadline:
                await writer.edit(f"u{sent} ")
                sent += 1
                await asyncio.sleep(rng.uniform(0, 0.01))
            doomed.stop(signal.SIGKILL)
            await asyncio.sleep(0.5)  # what was relayed before the kill reaches the other nodes' members
            received = [local.doc, remote.doc, reader]
            snapshots = [Doc() for _ in received]
            for snapshot, doc in zip(snapshots, received):
                snapshot["text"] = Text()
                snapshot.apply_update(doc.get_update())
            # The dead node's clients reconnect to another node and carry on.
            for client in (writer, local):
                await client.close()
                await client.connect(survivor)
            await writer.edit("after-the-kill ")
            assert await wait_for(lambda: "after-the-kill" in str(remote.text) and "after-the-kill" in str(reader["text"]))
    # The survivors remove the dead node's sessions from the shared pool (node TTL 2 s, heartbeat 0.5 s).
    assert await pool_until(redis_url, doomed.key_prefix, doomed_sids, present=False, timeout=10)
    fresh = SocketIOClient("fresh")
    await fresh.connect(other)
    final = fresh.doc.get_update()
    assert sent > 0
    for index, snapshot in enumerate(snapshots):
        assert contains(final, snapshot), (index, str(snapshot["text"]), str(fresh.text))
    assert "after-the-kill" in str(fresh.text)
    for client in (writer, local, remote, fresh):
        await client.close()


def ready(node: TandemServer) -> bool:
    try:
        with urllib.request.urlopen(node.http + "/readyz", timeout=3) as response:
            return response.status == 200
    except OSError:  # HTTPError (503) is an OSError too
        return False


async def wait_ready(node: TandemServer, wanted: bool, timeout: float = 20.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await asyncio.to_thread(ready, node) == wanted:
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.fixture
def aof_redis():
    with redis_server("tandem-cluster-aof-", appendonly=True, fsync="always") as url:
        yield url


@pytest.fixture
def two_nodes(tandem_bin, aof_redis, tmp_path):
    with cluster_nodes(tandem_bin, aof_redis, tmp_path, 2, "restart-") as started:
        yield started


def doc_from(update: bytes) -> Doc:
    doc = Doc()
    doc["text"] = Text()
    doc.apply_update(update)
    return doc


def repeated_words(text: str) -> list:
    """The words of `text` that occur more than once (every word the writers send is unique)."""
    words = text.split()
    return sorted({word for word in words if words.count(word) > 1})


async def keep_reading(doc: Doc, node: TandemServer, user: str, synced: asyncio.Event, stop: asyncio.Event):
    """A y-websocket reader that reconnects like y-websocket's provider: a node closes a y-websocket client with 1013
    when an update from it (here the provider's own sync answers) cannot be stored while Redis is down."""
    while not stop.is_set():
        try:
            async with websockets.connect(ws_url(node, user)) as ws:
                async with Provider(doc, WebSocketChannel(ws, DOCUMENT)) as provider:
                    await asyncio.wait_for(provider.synced.wait(), 5)
                    synced.set()
                    closed = asyncio.ensure_future(ws.wait_closed())
                    await asyncio.wait([closed, asyncio.ensure_future(stop.wait())],
                                       return_when=asyncio.FIRST_COMPLETED)
                    closed.cancel()
        except Exception:  # refused, closed or not synced in time: retry
            pass
        if not stop.is_set():
            await asyncio.sleep(0.2)


async def test_redis_restart_with_aof_loses_and_duplicates_nothing(two_nodes, aof_redis):
    node_a, node_b = two_nodes
    writers = [SocketIOClient("wa"), SocketIOClient("wb")]
    await writers[0].connect(node_a)
    await writers[1].connect(node_b)
    reader_a = SocketIOClient("ra")  # Socket.IO reader on A, y-websocket reader on B: they only receive
    await reader_a.connect(node_a)
    reader_b = Doc()
    reader_b["text"] = Text()
    synced, done = asyncio.Event(), asyncio.Event()
    reading = asyncio.create_task(keep_reading(reader_b, node_b, "rb", synced, done))
    await asyncio.wait_for(synced.wait(), 10)
    stop = asyncio.Event()

    async def stream(writer: SocketIOClient, tag: str):
        n = 0
        while not stop.is_set():
            await writer.edit(f"{tag}{n} ")
            n += 1
            await asyncio.sleep(0.01)

    tasks = [asyncio.create_task(stream(writer, tag)) for writer, tag in zip(writers, ("a", "b"))]
    await asyncio.sleep(0.5)
    aof_redis.kill()
    await asyncio.sleep(0.5)  # edits keep coming while Redis is down: refused, never relayed
    for node in two_nodes:
        assert await wait_ready(node, False), "/readyz stayed ready while Redis was down"
    stop.set()
    await asyncio.gather(*tasks)
    before_restart = [str(reader_a.text), str(reader_b["text"])]
    assert all(text.split() for text in before_restart), "nothing was relayed before the kill"
    aof_redis.start()
    for node in two_nodes:
        assert await wait_ready(node, True), "/readyz did not come back after Redis restarted"
    # Received before the restart: still there (AOF), and the nodes relay again afterwards.
    for writer in writers:
        await writer.close()
    fresh_writers = [SocketIOClient("wa2"), SocketIOClient("wb2")]
    await fresh_writers[0].connect(node_a)
    await fresh_writers[1].connect(node_b)
    await fresh_writers[0].edit("after-a ")
    await fresh_writers[1].edit("after-b ")

    def resumed():
        return all("after-a" in text and "after-b" in text for text in (str(reader_a.text), str(reader_b["text"])))

    assert await wait_for(resumed, timeout=20), (
        str(reader_a.text)[-40:], str(reader_b["text"])[-40:], [w.errors for w in fresh_writers],
        [list(node.log)[-15:] for node in two_nodes])
    done.set()
    await reading
    # What each reader shows: a writer whose update was refused during the outage goes on editing from its own
    # state, so its later updates (accepted once Redis is back) wait in every document — the server's and the
    # readers' — for the refused one (Yjs pending structs; the server keeps them in its state). The readers never
    # show them, and neither may the final document; pycrdt renders pending structs after a gap inconsistently
    # when a whole update is applied to a fresh document, so compare what the readers show.
    shown = [str(reader_a.text), str(reader_b["text"])]
    finals = []
    for node in two_nodes:
        fresh = SocketIOClient("fresh")
        await fresh.connect(node)
        finals.append((fresh.doc.get_update(), str(fresh.text)))
        await fresh.close()
    assert finals[0][1] == finals[1][1]
    final_update, final_text = finals[0]
    final_vector = state_vector(doc_from(final_update).get_state())
    assert repeated_words(final_text) == [], "an update was applied twice"
    # And structurally: every struct a reader integrated is integrated in the final document (state vectors).
    for index, doc in enumerate((reader_a.doc, reader_b)):
        vector = state_vector(doc.get_state())
        assert all(final_vector.get(client, 0) >= clock for client, clock in vector.items()), (index, vector, final_vector)
    for index, (text, before) in enumerate(zip(shown, before_restart)):
        assert all(word in final_text.split() for word in text.split()), (index, text, final_text)
        assert all(word in final_text.split() for word in before.split()), index
        assert repeated_words(text) == [], index
    for client in [reader_a, *fresh_writers]:
        await client.close()


@pytest.fixture
def bus_nodes(tandem_bin, redis_url, tmp_path):
    """Two cluster nodes with the Socket.IO test events, on the plain python-socketio channel (no room channels)."""
    prefix = "bus-" + uuid.uuid4().hex[:8]
    started = []
    for index in range(2):
        data = tmp_path / f"bus{index}"
        data.mkdir()
        started.append(TandemServer(tandem_bin, str(data), [
            "--redis", redis_url, "--cluster", "--redis-key-prefix", prefix, "--socketio-test-events",
            "--redis-room-channels=false"]).start())
    yield started
    for node in started:
        node.stop(signal.SIGKILL)


@pytest.fixture
async def python_node(redis_url, bus_nodes):
    """A python-socketio host (`AsyncServer(client_manager=AsyncRedisManager(url))`) in the same cluster."""
    import redis.asyncio as aioredis
    from test_redis_bus import PythonNode
    node = PythonNode(redis_url, socketio.AsyncRedisManager)
    await node.start()
    redis = aioredis.from_url(redis_url)
    for _ in range(200):  # the python host and both Tandem nodes listen on the base channel
        if (await redis.pubsub_numsub("socketio"))[0][1] >= 3:
            break
        await asyncio.sleep(0.05)
    await redis.aclose()
    yield node
    await node.stop()


async def test_python_socketio_node_joins_the_cluster(bus_nodes, python_node):
    from test_redis_bus import BO, connect, next_event, recorder
    ann = await connect(bus_nodes[0].http)
    bo = await connect(bus_nodes[1].http, BO)
    peer = await connect(f"http://127.0.0.1:{python_node.port}", None)
    try:
        ann_events, bo_events, peer_events = recorder(ann, "hello"), recorder(bo, "hello"), recorder(peer, "news")
        for client in (ann, bo):
            assert await client.call("test:join", {"room": "cluster-room"}, timeout=10) is True
        # An emit from the python node reaches members on two different Tandem nodes.
        await python_node.sio.emit("hello", {"from": "python"}, room="cluster-room")
        assert await next_event(ann_events) == ("hello", {"from": "python"})
        assert await next_event(bo_events) == ("hello", {"from": "python"})
        # A Tandem client's relay reaches a client of the python node (and one on the other Tandem node).
        assert await peer.call("join", "cluster-room-2", timeout=10) is True
        bo_news = recorder(bo, "news")
        assert await bo.call("test:join", {"room": "cluster-room-2"}, timeout=10) is True
        await ann.call("test:relay", {"room": "cluster-room-2", "event": "news", "data": {"n": 1}}, timeout=10)
        assert await next_event(peer_events) == ("news", {"n": 1})
        assert await next_event(bo_news) == ("news", {"n": 1})
    finally:
        for client in (ann, bo, peer):
            await client.disconnect()


async def test_members_cross_nodes(tandem_bin, redis_url, tmp_path):
    """`ydoc:user:joined` / `ydoc:user:left` reach members on another node, with the name the server took from the
    token; the node that loads the document second learns the member already there."""
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "members-") as (first, second):
        events: dict[str, list] = {"a": [], "b": []}
        clients = {}
        for key, user, node in (("a", "ann", first), ("b", "bo", second)):
            client = socketio.AsyncClient(reconnection=False)
            for name in ("ydoc:user:joined", "ydoc:user:left"):
                client.on(name, lambda data, key=key, name=name: events[key].append((name, data)))
            await client.connect(node.http, transports=["websocket"], socketio_path="/ws/socket.io",
                                 auth={"token": mint_jwt({"id": user, "name": user.title()})})
            await client.emit("ydoc:document:join", {"document_id": "members-doc", "user_name": "spoofed",
                                                     "user_color": "#abcdef"})
            clients[key] = client
        try:
            assert await wait_for(lambda: any(d["user_id"] == "ann" for n, d in events["b"] if n == "ydoc:user:joined"))
            joined = next(d for n, d in events["b"] if n == "ydoc:user:joined")
            assert joined["user_name"] == "Ann" and joined["user_color"] == "#abcdef"
            assert await wait_for(lambda: any(d["user_id"] == "bo" for n, d in events["a"] if n == "ydoc:user:joined"))
            await clients["b"].disconnect()
            assert await wait_for(lambda: any(d["user_id"] == "bo" for n, d in events["a"] if n == "ydoc:user:left"))
        finally:
            for client in clients.values():
                with contextlib.suppress(Exception):
                    await client.disconnect()


async def test_versions_are_shared_by_the_nodes(tandem_bin, redis_url, tmp_path):
    """A named version taken through node A's REST API is listed by node B and restored through it; the restore
    reaches the client on node A (history in Redis, Docs/history.md "Storage")."""
    from test_history import Client, api, converge

    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "history-") as (a, b):
        async with Client(a, "cluster-history", "alice") as on_a, Client(b, "cluster-history", "bob") as on_b:
            for text in ["alpha", "beta"]:
                on_a.add_paragraph(text)
            await converge([on_a, on_b], ["paragraph:alpha", "paragraph:beta"])
            status, version = await api(a, "POST", "cluster-history/versions", {"name": "draft"})
            assert status == 201, version
            on_b.add_paragraph("gamma")
            await converge([on_a, on_b], ["paragraph:alpha", "paragraph:beta", "paragraph:gamma"])
            status, listed = await api(b, "GET", "cluster-history/versions")
            assert status == 200, listed
            assert version["id"] in [entry["id"] for entry in listed]
            status, restored = await api(b, "POST", f"cluster-history/versions/{version['id']}/restore")
            assert status == 200, restored
            await converge([on_a, on_b], ["paragraph:alpha", "paragraph:beta"])
            status, listed = await api(a, "GET", "cluster-history/versions")
            assert {"named", "before_restore"} <= {entry["kind"] for entry in listed}


SERVICE = "interop-cluster-service-token"


async def events_api(node: TandemServer, method: str, path: str, body=None):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, node.http + path, json=body,
                                headers={"Authorization": f"Bearer {SERVICE}"}) as response:
            return response.status, await response.json(content_type=None)


async def test_durable_event_stored_on_one_node_is_replayed_on_another(tandem_bin, redis_url, tmp_path):
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "outbox-", ["--service-token", SERVICE]) as (a, b):
        user = "dana-" + uuid.uuid4().hex[:6]  # offline: no connection anywhere
        ids = []
        for n in (1, 2):
            status, body = await events_api(a, "POST", "/api/v1/events/emit", {
                "event": "notice", "data": {"n": n}, "to": {"user": user}, "durable": True})
            assert status == 200 and body["receivers"] == 0, body
            ids.append(body["id"])
        assert ids[1] == ids[0] + 1
        token = mint_jwt({"id": user, "name": "Dana", "role": "user"})
        async with websockets.connect(f"{b.ws}/ws/notify?token={token}&after=0") as plain:
            got = []
            while len(got) < 2:
                message = json.loads(await asyncio.wait_for(plain.recv(), 10))
                if message.get("type") == "event":
                    got.append(message)
            assert [m["id"] for m in got] == ids and [m["data"]["n"] for m in got] == [1, 2]
            await plain.send(json.dumps({"type": "ack", "id": ids[0]}))

            async def statuses():
                _, outbox = await events_api(a, "GET", f"/api/v1/events/outbox?user={user}")
                return [e["status"] for e in outbox["events"]]

            deadline = time.monotonic() + 10
            while await statuses() != ["delivered", "pending"] and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert await statuses() == ["delivered", "pending"]

            # Node a's events API lists the user's /ws/notify connection on node b (cluster connection table).
            async def remote_sessions():
                _, sessions = await events_api(a, "GET", f"/api/v1/events/sessions?user={user}")
                return [(e["protocol"], e["host"]) for e in sessions["sessions"]]

            deadline = time.monotonic() + 10
            while await remote_sessions() != [("notify", "remote")] and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert await remote_sessions() == [("notify", "remote")]


async def rest_call(node: TandemServer, method: str, path: str, user: str, body=None):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, node.http + path, json=body, headers={
                "Authorization": f"Bearer {mint_jwt({'id': user, 'name': user.title(), 'role': 'user'})}"}) as response:
            return response.status, await response.json(content_type=None)


async def test_notes_and_channels_live_in_redis(tandem_bin, redis_url, tmp_path):
    """Notes and channels are shared by the nodes (Docs/cluster.md, "Notes and channels in Redis"): a note saved
    through node A is read, listed, changed and deleted through node B's REST API; a channel created on A reaches a
    member's socket on B (its room joined across nodes), who is online lists both nodes' users, a message posted on A reaches that socket and a plain chat
    connection on B, and a client joining on B gets it in the history."""
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "stores-") as (a, b):
        status, note = await rest_call(a, "POST", "/api/v1/notes/create", "alice",
                                       {"title": "shared", "data": {"content": {"md": "hello"}}})
        assert status == 200, note
        status, read = await rest_call(b, "GET", f"/api/v1/notes/{note['id']}", "alice")
        assert status == 200 and read["title"] == "shared" and read["data"]["content"]["md"] == "hello", read
        assert (await rest_call(b, "GET", f"/api/v1/notes/{note['id']}", "mallory"))[0] == 403
        status, changed = await rest_call(b, "POST", f"/api/v1/notes/{note['id']}/update", "alice", {"title": "renamed"})
        assert status == 200 and changed["title"] == "renamed", changed
        status, listed = await rest_call(a, "GET", "/api/v1/notes/", "alice")
        assert status == 200 and [n["title"] for n in listed] == ["renamed"], listed
        assert (await rest_call(a, "DELETE", f"/api/v1/notes/{note['id']}/delete", "alice"))[0] == 200
        assert (await rest_call(b, "GET", f"/api/v1/notes/{note['id']}", "alice"))[0] == 404

        bob_events: list = []
        bob = socketio.AsyncClient(reconnection=False)
        bob.on("events:channel", lambda data: bob_events.append(data))
        bob_token = mint_jwt({"id": "bob", "name": "Bob", "role": "user"})
        await bob.connect(b.http, transports=["websocket"], socketio_path="/ws/socket.io", auth={"token": bob_token})
        await bob.call("user-join", {"auth": {"token": bob_token}}, timeout=5)
        try:
            # Bob's socket is in the shared session pool before the channel is made, so node A can join it.
            pool = aioredis.from_url(redis_url)
            try:
                deadline = time.monotonic() + 10
                while bob.get_sid("/") is None or not await pool.hexists(f"{b.key_prefix}:session_pool", bob.get_sid("/")):
                    assert time.monotonic() < deadline, "bob's sid never reached the session pool"
                    await asyncio.sleep(0.05)
            finally:
                await pool.aclose()
            status, channel = await rest_call(a, "POST", "/api/v1/channels/create", "alice",
                                              {"name": "general", "user_ids": ["bob"]})
            assert status == 200, channel
            cid = channel["id"]
            assert await wait_for(lambda: any(e["data"]["type"] == "channel:created" for e in bob_events)), bob_events
            status, channels = await rest_call(b, "GET", "/api/v1/channels/", "bob")
            assert status == 200 and [c["id"] for c in channels] == [cid], channels

            alice = socketio.AsyncClient(reconnection=False)
            alice_token = mint_jwt({"id": "alice", "name": "Alice", "role": "user"})
            await alice.connect(a.http, transports=["websocket"], socketio_path="/ws/socket.io",
                                auth={"token": alice_token})
            await alice.call("user-join", {"auth": {"token": alice_token}}, timeout=5)
            # Who is online counts both nodes: alice's socket on A, bob's on B (ClusterChannelPresence).
            deadline = time.monotonic() + 10
            while True:
                answer = await bob.call("channel:presence", {"channel_id": cid}, timeout=5)
                ids = sorted(user["id"] for user in answer["online"])
                if ids == ["alice", "bob"]:
                    break
                assert time.monotonic() < deadline, answer
                await asyncio.sleep(0.05)
            async with websockets.connect(f"{b.ws}/ws/chat/{cid}?token={bob_token}") as plain:
                while (state := json.loads(await asyncio.wait_for(plain.recv(), 10)))["type"] != "session_state":
                    pass
                assert state["messages"] == []
                await alice.call("message", {"channel_id": cid, "content": "posted on A"}, timeout=5)
                assert await wait_for(lambda: any(e["data"]["type"] == "message" for e in bob_events)), bob_events
                while (live := json.loads(await asyncio.wait_for(plain.recv(), 10)))["type"] != "user_message":
                    pass
                assert live["message"]["content"] == "posted on A"
            await alice.disconnect()

            # A client joining on node B gets the message in its history (plain chat and REST).
            async with websockets.connect(f"{b.ws}/ws/chat/{cid}?token={bob_token}") as late:
                while (state := json.loads(await asyncio.wait_for(late.recv(), 10)))["type"] != "session_state":
                    pass
                assert [m["content"] for m in state["messages"]] == ["posted on A"]
            status, messages = await rest_call(b, "GET", f"/api/v1/channels/{cid}/messages", "bob")
            assert status == 200 and [m["content"] for m in messages] == ["posted on A"], messages
        finally:
            await bob.disconnect()
async def test_per_user_limit_holds_across_nodes(tandem_bin, redis_url, tmp_path):
    """`--max-connections-per-user 2` on two nodes: a python-socketio tab on node a and a plain /ws/notify client on
    node b fill the user's slots; a third connection is refused with code 4029 on either node and in either
    protocol; a slot freed on one node is free on the other."""
    extra = ["--service-token", SERVICE, "--max-connections-per-user", "2"]
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "limit-", extra) as (a, b):
        user = "erin-" + uuid.uuid4().hex[:6]
        token = mint_jwt({"id": user, "name": "Erin", "role": "user"})
        table = f"{a.key_prefix}:user:{user}:connections"
        redis = aioredis.from_url(redis_url)

        async def mirrored(count: int):
            deadline = time.monotonic() + 10
            while await redis.hlen(table) != count and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert await redis.hlen(table) == count

        async def refused_socketio(node: TandemServer):
            client = socketio.AsyncClient(reconnection=False)
            errors: asyncio.Queue = asyncio.Queue()
            client.on("connect_error", lambda data: errors.put_nowait(data))
            with pytest.raises(socketio.exceptions.ConnectionError):
                await client.connect(node.http, socketio_path="/ws/socket.io", transports=["websocket"],
                                     auth={"token": token}, wait_timeout=10)
            error = await asyncio.wait_for(errors.get(), 10)
            assert error["code"] == 4029 and error["reason"] == "too_many_connections", error

        async def refused_notify(node: TandemServer):
            async with websockets.connect(f"{node.ws}/ws/notify?token={token}") as plain:
                refusal = json.loads(await asyncio.wait_for(plain.recv(), 10))
                assert refusal["type"] == "error" and refusal["code"] == 4029, refusal
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(plain.recv(), 10)
                assert closed.value.rcvd.code == 4029

        tab = socketio.AsyncClient(reconnection=False)
        await tab.connect(a.http, socketio_path="/ws/socket.io", transports=["websocket"], auth={"token": token},
                          wait_timeout=10)
        plain = await websockets.connect(f"{b.ws}/ws/notify?token={token}")
        try:
            await mirrored(2)
            await refused_socketio(b)   # a's tab counted on b
            await refused_notify(a)     # b's notify connection counted on a
            await refused_socketio(a)
            await refused_notify(b)
            await mirrored(2)           # the refused connections left nothing behind
            await plain.close()
            await mirrored(1)
            async with websockets.connect(f"{a.ws}/ws/notify?token={token}") as again:  # b's slot is free on a
                await again.send(json.dumps({"type": "ping"}))
                assert json.loads(await asyncio.wait_for(again.recv(), 10))["type"] == "pong"
        finally:
            await tab.disconnect()
            await plain.close()
            await redis.aclose()


async def test_durable_emit_answers_503_while_redis_is_down(tandem_bin, aof_redis, tmp_path):
    """The Redis outbox (cluster mode) over HTTP: with redis-server killed, a durable emit and an outbox read answer
    503 with a JSON `detail` naming the outbox; after Redis is back (AOF, same port) both work again and the event
    stored before the outage is still there, below the new one."""
    with cluster_nodes(tandem_bin, aof_redis, tmp_path, 2, "outbox503-", ["--service-token", SERVICE]) as (a, b):
        user = "fred-" + uuid.uuid4().hex[:6]
        emit = {"event": "notice", "data": {"n": 1}, "to": {"user": user}, "durable": True}
        status, first = await events_api(a, "POST", "/api/v1/events/emit", emit)
        assert status == 200 and first["status"] == "pending", first

        aof_redis.kill()
        status, body = await events_api(a, "POST", "/api/v1/events/emit", {**emit, "data": {"n": 2}})
        assert status == 503, body
        assert body["detail"].startswith("outbox unavailable: redis"), body
        status, body = await events_api(b, "GET", f"/api/v1/events/outbox?user={user}")
        assert status == 503 and body["detail"].startswith("outbox unavailable"), body
        status, body = await events_api(b, "GET", f"/api/v1/events/sessions?user={user}")
        assert status == 200 and body["cluster_connections"] == "unavailable", body

        aof_redis.start()
        assert await wait_ready(a, True) and await wait_ready(b, True)
        deadline = time.monotonic() + 20
        while True:  # the node's connection comes back with backoff
            status, second = await events_api(b, "POST", "/api/v1/events/emit", {**emit, "data": {"n": 3}})
            if status == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert status == 200 and second["id"] > first["id"], second
        status, outbox = await events_api(a, "GET", f"/api/v1/events/outbox?user={user}")
        assert status == 200 and [e["data"]["n"] for e in outbox["events"]] == [1, 3], outbox


async def test_call_to_a_notify_connection_on_another_node(tandem_bin, redis_url, tmp_path):
    """A `websockets` client on node b's /ws/notify answers a call made through node a's events API (its id, listed
    by the sessions route, names node b); no answer: 504; an unknown id on b, or an unknown node: 404; the
    connection closing while a call waits: 502. An emit to that session through node a reaches it and not node a's
    own notify connection (ids carry the node, so equal connection numbers on two nodes never mix)."""
    with cluster_nodes(tandem_bin, redis_url, tmp_path, 2, "calls-", ["--service-token", SERVICE]) as (a, b):
        user = "gina-" + uuid.uuid4().hex[:6]
        token = mint_jwt({"id": user, "name": "Gina", "role": "user"})

        async def next_message(ws, kind: str) -> dict:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message.get("type") == kind:
                    return message

        async with websockets.connect(f"{b.ws}/ws/notify?token={token}") as plain:
            deadline = time.monotonic() + 10
            remote = []
            while not remote and time.monotonic() < deadline:
                _, listed = await events_api(a, "GET", f"/api/v1/events/sessions?user={user}")
                remote = [s for s in listed["sessions"] if s["protocol"] == "notify" and s["host"] == "remote"]
                await asyncio.sleep(0.05)
            [session] = remote
            assert session["id"] == f"notify-{session['node']}-" + session["id"].rsplit("-", 1)[1]
            target = {"sid": session["id"]}

            other_token = mint_jwt({"id": user + "-other", "name": "Other", "role": "user"})
            async with websockets.connect(f"{a.ws}/ws/notify?token={other_token}") as bystander:
                status, body = await events_api(a, "POST", "/api/v1/events/emit", {
                    "event": "hello", "data": 1, "to": {"session": session["id"]}})
                assert status == 200, body
                assert (await next_message(plain, "event"))["event"] == "hello"
                await bystander.send(json.dumps({"type": "ping"}))
                assert json.loads(await asyncio.wait_for(bystander.recv(), 10))["type"] == "pong"  # no event first

            call = asyncio.create_task(events_api(a, "POST", "/api/v1/events/call", {
                "event": "confirm", "data": {"q": 2}, "timeout_ms": 10000, **target}))
            message = await next_message(plain, "call")
            assert message["event"] == "confirm" and message["data"] == {"q": 2}
            await plain.send(json.dumps({"type": "answer", "id": message["id"], "data": {"answer": 4}}))
            status, body = await call
            assert status == 200 and body["data"] == {"answer": 4}, body

            status, body = await events_api(a, "POST", "/api/v1/events/call",
                                            {"event": "confirm", "timeout_ms": 200, **target})
            assert status == 504 and "no answer" in body["detail"], body
            late = await next_message(plain, "call")  # the call that timed out
            assert late["id"] > message["id"]
            status, body = await events_api(a, "POST", "/api/v1/events/call",
                                            {"event": "confirm", "sid": f"notify-{session['node']}-999999"})
            assert status == 404 and "no such notify connection on node" in body["detail"], body
            status, body = await events_api(a, "POST", "/api/v1/events/call",
                                            {"event": "confirm", "sid": "notify-nosuchnode-1"})
            assert status == 404 and "did not receive" in body["detail"], body

            waiting = asyncio.create_task(events_api(a, "POST", "/api/v1/events/call", {
                "event": "confirm", "timeout_ms": 60000, **target}))
            assert (await next_message(plain, "call"))["id"] > late["id"]  # the call waits on node b
        status, body = await asyncio.wait_for(waiting, 30)  # answered at the close, not after 60 s
        assert status == 502 and "disconnected" in body["detail"], body
