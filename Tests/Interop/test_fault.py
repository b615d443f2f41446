"""Crash safety: a stream of updates, `kill -9` at random moments, restart, rejoin. Every update the server relayed
before it died must be in the document it serves after the restart, and its files must load."""
from __future__ import annotations

import asyncio
import os
import random
import signal

import socketio
from pycrdt import Doc, Text

from support import TandemServer, mint_jwt
from test_ywebsocket import wait_for

ROUNDS = int(os.environ.get("TANDEM_FAULT_ROUNDS", "5"))
DOCUMENT = "fault-doc"


async def connect(server, user: str):
    client = socketio.AsyncClient(reconnection=False)
    state: dict = {"doc": Doc(), "states": 0, "updates": 0, "errors": []}
    state["doc"]["text"] = Text()

    @client.on("ydoc:document:state")
    async def on_state(data):
        if bytes(data["state"]) != b"\x00\x00":
            state["doc"].apply_update(bytes(data["state"]))
        state["states"] += 1

    @client.on("ydoc:document:update")
    async def on_update(data):
        state["doc"].apply_update(bytes(data["update"]))
        state["updates"] += 1

    client.on("error", lambda data: state["errors"].append(data))
    await client.connect(server.http, transports=["websocket"], socketio_path="/ws/socket.io",
                         auth={"token": mint_jwt({"id": user, "name": user})})
    await client.emit("ydoc:document:join", {"document_id": DOCUMENT})
    assert await wait_for(lambda: state["states"] > 0)
    return client, state


async def test_kill_9_loses_no_relayed_update(tandem_bin, tmp_path):
    rng = random.Random(int(os.environ.get("TANDEM_FAULT_SEED", "1234")))
    observed = Doc()
    observed["text"] = observed_text = Text()
    for round_number in range(ROUNDS):
        server = TandemServer(tandem_bin, str(tmp_path)).start()
        try:
            writer, writer_state = await connect(server, "writer")
            observer, observer_state = await connect(server, "observer")
            # The restarted server must serve everything relayed in earlier rounds.
            served = observer_state["doc"]["text"]
            assert str(served) == str(observed_text) or _contains(observer_state["doc"], observed), round_number
            text = writer_state["doc"]["text"]
            kill_after = rng.uniform(0.05, 0.6)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + kill_after
            sent = 0
            while loop.time() < deadline:
                vector = writer_state["doc"].get_state()
                text.insert(rng.randint(0, len(text)), f"r{round_number}u{sent} ")
                update = writer_state["doc"].get_update(vector)
                await writer.emit("ydoc:document:update", {"document_id": DOCUMENT, "update": list(update)})
                sent += 1
                await asyncio.sleep(rng.uniform(0, 0.01))
            server.stop(signal.SIGKILL)
            # What the observer received before the kill is what clients have seen.
            observed.apply_update(observer_state["doc"].get_update())
            assert not writer_state["errors"] and not observer_state["errors"]
            for client in (writer, observer):
                try:
                    await client.disconnect()
                except Exception:
                    pass
        finally:
            server.stop(signal.SIGKILL)
    # A final restart: the files load, and everything observed is there.
    server = TandemServer(tandem_bin, str(tmp_path)).start()
    try:
        _, final_state = await connect(server, "final")
        assert _contains(final_state["doc"], observed)
        assert len(str(final_state["doc"]["text"])) >= len(str(observed_text)) > 0
        corrupt = [name for _, _, names in os.walk(tmp_path) for name in names if ".corrupt-" in name]
        assert not corrupt, f"log records had to be set aside: {corrupt}"
    finally:
        server.stop()


def _contains(served: Doc, observed: Doc) -> bool:
    """Whether `served` already holds everything in `observed` (merging changes nothing)."""
    before = str(served["text"])
    probe = Doc()
    probe["text"] = probe_text = Text()
    probe.apply_update(served.get_update())
    probe.apply_update(observed.get_update())
    return str(probe_text) == before
