"""Baseline for `tandem-bench socketio`: python-socketio's own AsyncServer with the same test events as
`tandem serve --socketio-test-events` (Sources/Tandem/SocketIO/SocketIOTestEvents.swift).

Run by tandem-bench with the venv python (TANDEM_VENV, else .venv, else python3):
    python Benchmarks/socketio_baseline.py --port 0
It prints `listening on 127.0.0.1:<port>` once it accepts connections, and serves until killed.
Auth tokens are accepted without checking (the scenario measures relaying, not JWT verification).
"""
import argparse
import asyncio

import socketio
from aiohttp import web


def build() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*", max_http_buffer_size=10_000_000)
    app = web.Application()
    sio.attach(app, socketio_path="/ws/socket.io")

    @sio.on("test:join")
    async def join(sid, data):
        await sio.enter_room(sid, data["room"])
        return True

    @sio.on("test:relay")
    async def relay(sid, data):
        room = data["room"]
        skip = sid if data.get("skip_sender") else None
        count = sum(1 for peer, _ in sio.manager.get_participants("/", room) if peer != skip)
        await sio.emit(data["event"], data.get("data"), room=room, skip_sid=skip)
        return count

    @sio.on("test:echo")
    async def echo(sid, *args):
        return args[0] if len(args) == 1 else args

    return app


async def main(host: str, port: int) -> None:
    runner = web.AppRunner(build())
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]
    print(f"listening on {host}:{bound}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
