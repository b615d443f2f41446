"""y-websocket interop: pycrdt (yrs) providers sync through Tandem's /yjs/<id> endpoint."""
from __future__ import annotations

import asyncio

import pytest
import websockets
from pycrdt import Doc, Provider, Text

from support import mint_jwt, running_server


class WebSocketChannel:
    """The small adapter pycrdt's Provider needs over a `websockets` client connection."""

    def __init__(self, websocket, path: str):
        self._websocket = websocket
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self):
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except websockets.ConnectionClosed:
            raise StopAsyncIteration

    async def send(self, message: bytes) -> None:
        await self._websocket.send(message)

    async def recv(self) -> bytes:
        message = await self._websocket.recv()
        return message if isinstance(message, bytes) else message.encode()


async def wait_for(predicate, timeout: float = 5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.02)
    return predicate()


def url(server, document: str, user: str = "u1", role: str = "user") -> str:
    return f"{server.ws}/yjs/{document}?token={mint_jwt({'id': user, 'name': user, 'role': role})}"


async def test_two_providers_converge_including_edits_made_before_connecting(tandem_bin):
    with running_server(tandem_bin) as server:
        first = Doc()
        first["text"] = text1 = Text()
        text1 += "written before connecting. "
        async with websockets.connect(url(server, "shared-doc")) as ws1:
            async with Provider(first, WebSocketChannel(ws1, "shared-doc")) as provider1:
                await asyncio.wait_for(provider1.synced.wait(), 5)
                second = Doc()
                second["text"] = text2 = Text()
                async with websockets.connect(url(server, "shared-doc", "u2")) as ws2:
                    async with Provider(second, WebSocketChannel(ws2, "shared-doc")) as provider2:
                        await asyncio.wait_for(provider2.synced.wait(), 5)
                        assert await wait_for(lambda: str(text2) == "written before connecting. ")
                        text2 += "from two. "
                        text1.insert(0, "[one] ")
                        expected = "[one] written before connecting. from two. "
                        assert await wait_for(lambda: str(text1) == expected and str(text2) == expected), (
                            str(text1), str(text2))


async def test_state_survives_restart(tandem_bin, tmp_path):
    data = str(tmp_path)
    with running_server(tandem_bin, data_dir=data) as server:
        doc = Doc()
        doc["text"] = text = Text()
        async with websockets.connect(url(server, "persisted")) as ws:
            async with Provider(doc, WebSocketChannel(ws, "persisted")) as provider:
                await asyncio.wait_for(provider.synced.wait(), 5)
                text += "kept across restarts"
                await asyncio.sleep(0.3)
    with running_server(tandem_bin, data_dir=data) as server:
        doc = Doc()
        doc["text"] = text = Text()
        async with websockets.connect(url(server, "persisted", "u9")) as ws:
            async with Provider(doc, WebSocketChannel(ws, "persisted")) as provider:
                await asyncio.wait_for(provider.synced.wait(), 5)
                assert await wait_for(lambda: str(text) == "kept across restarts")


async def test_bad_tokens_and_paths_are_refused(tandem_bin):
    with running_server(tandem_bin) as server:
        for bad in ["", "?token=garbage", "?token=" + mint_jwt({"id": "u"}, secret="wrong"),
                    "?token=" + mint_jwt({"id": "u", "role": "pending"})]:
            with pytest.raises(websockets.InvalidStatus) as info:
                async with websockets.connect(f"{server.ws}/yjs/doc{bad}"):
                    pass
            assert info.value.response.status_code == 401
        with pytest.raises(websockets.InvalidStatus) as info:
            async with websockets.connect(f"{server.ws}/yjs/?token=" + mint_jwt({"id": "u"})):
                pass
        assert info.value.response.status_code == 404


async def test_malformed_messages_close_the_connection_and_the_server_survives(tandem_bin):
    with running_server(tandem_bin) as server:
        async with websockets.connect(url(server, "robust")) as ws:
            await ws.recv()  # the server's sync step 1
            await ws.send(bytes([0, 2, 5, 1, 2]))  # an update whose length runs past the end
            with pytest.raises(websockets.ConnectionClosed) as info:
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1003
        async with websockets.connect(url(server, "robust")) as ws:
            await ws.send(bytes([0, 2, 3, 1, 2, 3]))  # decodable framing, invalid Yjs update
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
        doc = Doc()
        doc["text"] = text = Text()
        async with websockets.connect(url(server, "robust")) as ws:
            async with Provider(doc, WebSocketChannel(ws, "robust")) as provider:
                await asyncio.wait_for(provider.synced.wait(), 5)
                assert str(text) == ""
