"""A y-websocket peer (pycrdt's Provider, i.e. yrs) in a background thread, usable from sync Playwright tests."""
from __future__ import annotations

import asyncio
import threading

import pycrdt
import websockets


class _Channel:
    """The adapter pycrdt's Provider needs over a `websockets` client connection."""

    def __init__(self, websocket, path: str):
        self._websocket, self._path = websocket, path

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


class YjsPeer:
    """Connects to url (a y-websocket endpoint), keeps a pycrdt Doc in sync; the ProseMirror fragment is
    `prosemirror`, as in Open WebUI's editor. Every Doc access runs on the peer's own event loop."""

    def __init__(self, url: str, path: str, expect_content: bool = True):
        self.url, self.path, self.expect_content = url, path, expect_content
        self.doc = self.fragment = None  # made and dropped on the peer's thread (pycrdt objects are unsendable)
        self.loop = asyncio.new_event_loop()
        self.synced = threading.Event()
        self.error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as error:  # noqa: BLE001 - reported to the test
            self.error = error
            self.synced.set()
        finally:
            self.doc = self.fragment = None
            import gc
            gc.collect()

    async def _main(self):
        self._stop = asyncio.Event()
        self.doc = pycrdt.Doc()
        self.fragment = self.doc.get("prosemirror", type=pycrdt.XmlFragment)
        async with websockets.connect(self.url, max_size=None) as websocket:
            async with pycrdt.Provider(self.doc, _Channel(websocket, self.path)) as provider:
                await asyncio.wait_for(provider.started.wait(), 10)
                # pycrdt 0.14's Provider has no "synced": wait for the server's state (a note has content).
                deadline = self.loop.time() + (10 if self.expect_content else 0.5)
                while self.loop.time() < deadline and not (self.expect_content and str(self.fragment)):
                    await asyncio.sleep(0.02)
                self.synced.set()
                await self._stop.wait()

    def start(self, timeout: float = 15) -> "YjsPeer":
        self.thread.start()
        if not self.synced.wait(timeout):
            raise AssertionError(f"the y-websocket peer did not sync within {timeout}s")
        if self.error:
            raise AssertionError(f"the y-websocket peer failed: {self.error!r}")
        return self

    def _call(self, function):
        return asyncio.run_coroutine_threadsafe(self._wrap(function), self.loop).result(10)

    @staticmethod
    async def _wrap(function):
        return function()

    def text(self) -> str:
        return self._call(lambda: str(self.fragment))

    def append_paragraph(self, text: str):
        self._call(lambda: self.fragment.children.append(
            pycrdt.XmlElement("paragraph", contents=[pycrdt.XmlText(text)])))

    def stop(self):
        if self._stop is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)
