"""`tandem check` on a data directory written by a real server, then damaged: the binary reports, repairs (keeping
copies) and the server loads the repaired document with everything that was intact."""
from __future__ import annotations

import asyncio
import pathlib
import signal
import subprocess

import websockets
from pycrdt import Doc, Provider, Text

from support import mint_jwt, running_server, TandemServer
from test_ywebsocket import WebSocketChannel, wait_for


async def write_document(server, name: str, content: str) -> None:
    doc = Doc()
    doc["text"] = text = Text()
    token = mint_jwt({"id": "u1", "name": "u1", "role": "user"})
    async with websockets.connect(f"{server.ws}/yjs/{name}?token={token}") as ws:
        async with Provider(doc, WebSocketChannel(ws, name)) as provider:
            await asyncio.wait_for(provider.synced.wait(), 5)
            for word in content.split(" "):
                text += word + " "
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)


async def read_document(server, name: str) -> str:
    doc = Doc()
    doc["text"] = text = Text()
    token = mint_jwt({"id": "u2", "name": "u2", "role": "user"})
    async with websockets.connect(f"{server.ws}/yjs/{name}?token={token}") as ws:
        async with Provider(doc, WebSocketChannel(ws, name)) as provider:
            await asyncio.wait_for(provider.synced.wait(), 5)
            await wait_for(lambda: len(str(text)) > 0, 2)
            return str(text)


async def test_check_reports_and_repairs_a_damaged_log(tandem_bin, tmp_path):
    data = tmp_path / "data"
    # Killed with SIGKILL: the words stay in the log only (no save at shutdown).
    server = TandemServer(tandem_bin, str(data), ["--save-delay", "1h", "--save-max-wait", "1h"]).start()
    try:
        await write_document(server, "damaged", "one two three")
    finally:
        server.stop(signal.SIGKILL)
    folder = next(p for p in (data / "documents").iterdir() if (p / "id").read_text() == "damaged")
    log = folder / "wal.ylog"
    log.write_bytes(log.read_bytes() + b"\xd5\x7a\x40torn")
    (folder / "state.bin.tmp-999").write_bytes(b"half a state")

    check = subprocess.run([tandem_bin, "check", str(data)], capture_output=True, text=True)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "torn or corrupt bytes" in check.stdout and "stray temporary file" in check.stdout
    assert "--repair would" in check.stdout
    assert (folder / "state.bin.tmp-999").exists(), "a plain check changes nothing"

    repair = subprocess.run([tandem_bin, "check", str(data), "--repair"], capture_output=True, text=True)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    backups = list(data.glob("repair-*"))
    assert len(backups) == 1 and (backups[0] / "documents" / folder.name / "wal.ylog").exists()
    assert not (folder / "state.bin.tmp-999").exists()
    again = subprocess.run([tandem_bin, "check", str(data)], capture_output=True, text=True)
    assert again.returncode == 0 and "no problems" in again.stdout, again.stdout

    with running_server(tandem_bin, data_dir=str(data)) as server:
        assert await read_document(server, "damaged") == "one two three "
