"""The WebSocket transport against Python's `websockets` client (a strict RFC 6455 implementation)."""
from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import urllib.request

import pytest
import websockets


class EchoServer:
    """`tandem serve --echo` on a free port."""

    def __init__(self, binary: str, *args: str):
        self.process = subprocess.Popen([binary, "serve", "--port", "0", "--echo", "--memory", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"listening on .*:(\d+)", line)
        assert match, f"unexpected first line: {line!r}"
        self.port = int(match.group(1))

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=20)


@pytest.fixture
def echo_server(tandem_bin):
    server = EchoServer(tandem_bin)
    yield server
    server.stop()


async def test_echo_text_binary_fragmented_and_ping(echo_server):
    async with websockets.connect(f"ws://127.0.0.1:{echo_server.port}/echo", max_size=None) as ws:
        await ws.send("héllo")
        assert await ws.recv() == "héllo"
        payload = bytes(range(256)) * 4096                  # 1 MiB
        await ws.send(payload)
        assert await ws.recv() == payload
        await ws.send(["frag", "ment"])                     # a fragmented text message
        assert await ws.recv() == "fragment"
        pong = await ws.ping(b"abc")
        await asyncio.wait_for(pong, 5)
    assert ws.close_code == 1000


async def test_oversized_message_is_closed_with_1009(tandem_bin):
    # --max-payload (Engine.IO) only sets the Socket.IO path's limits; /echo keeps --max-message-size.
    server = EchoServer(tandem_bin, "--max-message-size", "64K")
    try:
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/echo", max_size=None) as ws:
            await ws.send(b"x" * (65 * 1024))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1009
    finally:
        server.stop()


async def test_sigterm_closes_websockets_with_1001(echo_server):
    async with websockets.connect(f"ws://127.0.0.1:{echo_server.port}/echo") as ws:
        await ws.send("before")
        assert await ws.recv() == "before"
        echo_server.process.send_signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 1001
    # One SIGTERM only: the server is finishing its shutdown hooks, and a second signal means "exit now" (status 1).
    assert echo_server.process.wait(timeout=20) == 0


def test_healthz_and_metrics(echo_server):
    base = f"http://127.0.0.1:{echo_server.port}"
    with urllib.request.urlopen(base + "/healthz") as response:
        assert response.status == 200
        assert b'"status":"ok"' in response.read()
    with urllib.request.urlopen(base + "/metrics") as response:
        text = response.read().decode()
        assert "# TYPE tandem_connections_open gauge" in text
        assert 'tandem_errors_total{kind="websocket_protocol"}' in text
