#!/usr/bin/env python3
"""Captures the Redis pub/sub messages python-socketio's AsyncRedisManager really publishes.

Writes messages.json next to this script: a list of {"name", "channel", "payload"} where payload is the exact text
published (json.dumps output, ASCII). Tests/WireTests/SocketIOBusFixtureTests.swift decodes and re-encodes each one.

What runs, all on loopback:
  * a private redis-server (--port <free> --save '' --appendonly no);
  * a recorder that PSUBSCRIBEs to "socketio*" and keeps every message in order;
  * host A: socketio.AsyncServer(client_manager=AsyncRedisManager(url)), no clients, so everything it addresses is
    remote and goes over the bus: emit to a room, with skip_sid, with binary bytes, with several arguments,
    emit with a callback (sio.call), enter_room, leave_room, close_room, disconnect;
  * host B: the same kind of server served by aiohttp, with a real socketio.AsyncClient connected to it; the client
    answers A's call, so B publishes the genuine "callback" message back to A's host_id;
  * optionally Open WebUI 0.12.4's AsyncRedisRoomChannelManager (WEBSOCKET_REDIS_ROOM_CHANNELS), loaded from its
    file, publishing an emit to a room on the per-room channel "socketio#/#<room>".

Usage (python-socketio pinned to what Open WebUI 0.12.4 requires):
  python3 -m venv /tmp/busvenv && /tmp/busvenv/bin/pip install python-socketio==5.16.2 redis==8.0.1 aiohttp
  pip download --no-deps open-webui==0.12.4 && unzip open_webui-0.12.4-py3-none-any.whl 'open_webui/socket/*'
  /tmp/busvenv/bin/python generate.py [--room-channels path/to/open_webui/socket/redis_room_channels.py]
"""

import argparse
import asyncio
import importlib.metadata
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import aiohttp.web
import redis.asyncio as aioredis
import socketio


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_redis():
    binary = shutil.which('redis-server') or '/usr/bin/redis-server'
    port = free_port()
    workdir = tempfile.mkdtemp(prefix='busredis')
    process = subprocess.Popen(
        [binary, '--port', str(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('redis-server did not start')


async def settle():
    await asyncio.sleep(0.3)


async def main(args):
    process, port = start_redis()
    url = f'redis://127.0.0.1:{port}/0'
    recorded = []
    try:
        recorder = aioredis.Redis.from_url(url)
        pubsub = recorder.pubsub()
        await pubsub.psubscribe('socketio*')
        label = {'name': None}

        async def record():
            async for message in pubsub.listen():
                if message['type'] == 'pmessage':
                    recorded.append({'name': label['name'], 'channel': message['channel'].decode(),
                                     'payload': message['data'].decode()})
        recorder_task = asyncio.create_task(record())
        await settle()

        # Host B: a real server with a real client, so a call from A is answered through the bus.
        manager_b = socketio.AsyncRedisManager(url)
        sio_b = socketio.AsyncServer(async_mode='aiohttp', client_manager=manager_b)
        app = aiohttp.web.Application()
        sio_b.attach(app)
        runner = aiohttp.web.AppRunner(app)
        await runner.setup()
        web_port = free_port()
        await aiohttp.web.TCPSite(runner, '127.0.0.1', web_port).start()
        client = socketio.AsyncClient()

        @client.on('ask')
        async def on_ask(question):
            return {'answer': 42, 'to': question}

        await client.connect(f'http://127.0.0.1:{web_port}', transports=['websocket'])
        sid = client.get_sid('/')
        await settle()

        # Host A: no clients of its own, so everything goes over the bus.
        manager_a = socketio.AsyncRedisManager(url)
        sio_a = socketio.AsyncServer(async_mode='asgi', client_manager=manager_a)
        manager_a.initialize()  # starts A's listener without serving HTTP
        await settle()

        async def step(name, coroutine):
            label['name'] = name
            await coroutine
            await settle()

        await step('emit-room', sio_a.emit('events', {'chat_id': 'c1', 'data': {'type': 'status', 'n': 1.5}},
                                           room='user:42'))
        await step('emit-broadcast', sio_a.emit('usage', {'models': ['m1', 'm2']}))
        await step('emit-skip-sid', sio_a.emit('ydoc:document:update', {'document_id': 'note:1', 'update': [1, 2, 3]},
                                               room='doc_note:1', skip_sid=sid))
        await step('emit-multiple-args', sio_a.emit('pair', ('first', 2, None, True), to='room/with#hash',
                                                    namespace='/chat'))
        await step('emit-binary', sio_a.emit('blob', {'name': 'x', 'bytes': b'\x00\x01\xfe\xff',
                                                      'more': [b'hello', 'text']}, room='user:42'))
        await step('emit-unicode', sio_a.emit('text', 'h\u00e9llo \u2603 \U0001F600 "quoted" \\ \n', room='user:42'))
        await step('call', sio_a.call('ask', {'q': 'life'}, to=sid, timeout=5))
        await step('enter-room', sio_a.enter_room(sid, 'doc_note:1'))
        await step('leave-room', sio_a.leave_room(sid, 'doc_note:1'))
        await step('close-room', sio_a.close_room('doc_note:1'))
        await step('disconnect', sio_a.disconnect(sid))

        if args.room_channels:
            spec = importlib.util.spec_from_file_location('redis_room_channels', args.room_channels)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            from engineio import json as engineio_json
            manager_c = module.AsyncRedisRoomChannelManager(url, json=engineio_json, write_only=True)
            await step('openwebui-room-channel', manager_c.emit(
                'events:note', {'note_id': 'n1', 'data': {'type': 'update'}}, namespace='/', room='note:n1'))
            await step('openwebui-room-channel-broadcast', manager_c.emit('usage', {'models': []}, namespace='/'))

        await client.disconnect()
        await runner.cleanup()
        recorder_task.cancel()
        await recorder.aclose()
    finally:
        process.terminate()
        process.wait()

    # Ordinal suffixes keep names unique when one step publishes several messages (call = emit then callback).
    seen = {}
    for entry in recorded:
        count = seen.get(entry['name'], 0)
        seen[entry['name']] = count + 1
        if count:
            entry['name'] = f"{entry['name']}-{count + 1}"
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'messages.json')
    with open(out, 'w') as f:
        json.dump({'generator': 'generate.py', 'python-socketio': importlib.metadata.version('python-socketio'),
                   'redis-py': importlib.metadata.version('redis'), 'messages': recorded}, f, indent=1, ensure_ascii=True)
        f.write('\n')
    print(f'wrote {len(recorded)} messages to {out}')


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--room-channels', help="path to Open WebUI 0.12.4's open_webui/socket/redis_room_channels.py")
    asyncio.run(main(parser.parse_args()))
