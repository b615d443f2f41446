"""Helpers of the Open WebUI end-to-end suite: free ports, processes, Open WebUI's REST API, the nginx config,
a fake OpenAI-compatible server that streams a fixed reply."""
from __future__ import annotations

import json
import pathlib
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessExited(RuntimeError):
    """A process a wait depends on has exited: wait_for gives up at once."""


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition", sleep=time.sleep):
    """Polls predicate until it returns a truthy value (returned) or timeout seconds pass (AssertionError).
    With Playwright's sync API, pass sleep=page.wait_for_timeout (in ms via Tab.sleep): events such as WebSocket
    frames are only dispatched while Playwright is called, never during time.sleep."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except ProcessExited:
            raise
        except Exception as error:  # noqa: BLE001 - reported when the wait fails
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                 + (f" (last error: {last_error!r})" if last_error else ""))
        sleep(interval)


def wait_port(port: int, timeout: float, process: subprocess.Popen | None = None, what: str = "port"):
    def ready():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on {port} within {timeout}s")


def stop(process: subprocess.Popen | None, timeout: float = 10.0):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class HTTPError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


def http(method: str, url: str, body=None, token: str | None = None, timeout: float = 30.0):
    """A JSON request; returns the decoded answer or raises HTTPError."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        raise HTTPError(error.code, error.read().decode(errors="replace")) from None
    return json.loads(text) if text else None


class OpenWebUI:
    """Open WebUI's REST API at base (direct, not through nginx)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def call(self, method: str, path: str, body=None, token: str | None = None):
        return http(method, self.base + path, body, token)

    def signup(self, name: str, email: str, password: str) -> dict:
        return self.call("POST", "/api/v1/auths/signup", {"name": name, "email": email, "password": password})

    def signin(self, email: str, password: str) -> dict:
        return self.call("POST", "/api/v1/auths/signin", {"email": email, "password": password})

    def add_user(self, admin_token: str, name: str, email: str, password: str, role: str = "user") -> dict:
        return self.call("POST", "/api/v1/auths/add",
                         {"name": name, "email": email, "password": password, "role": role}, admin_token)

    def signout(self, token: str):
        return self.call("POST", "/api/v1/auths/signout", None, token)

    def create_note(self, token: str, title: str, content: dict) -> dict:
        return self.call("POST", "/api/v1/notes/create", {"title": title, "data": {"content": content}}, token)

    def share_note(self, token: str, note_id: str, grants: list[dict]) -> dict:
        return self.call("POST", f"/api/v1/notes/{note_id}/access/update", {"access_grants": grants}, token)

    def note(self, token: str, note_id: str) -> dict:
        return self.call("GET", f"/api/v1/notes/{note_id}", None, token)

    def update_note(self, token: str, note_id: str, fields: dict) -> dict:
        return self.call("POST", f"/api/v1/notes/{note_id}/update", fields, token)


NGINX_TEMPLATE = """\
# Generated by Tests/E2E/openwebui (support.nginx_config). The same server block is the deployment example in
# Docs/openwebui.md: Socket.IO (/ws/socket.io) goes to the socket seat, everything else to Open WebUI.
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    upstream openwebui   {{ server {openwebui}; }}
    upstream socket_seat {{ server {seat}; }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 100m;

        # Socket.IO (Engine.IO over WebSocket): the socket seat, Open WebUI's own server or Tandem.
        location /ws/socket.io {{
            proxy_pass http://socket_seat;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}

        # y-websocket (any Yjs editor on Open WebUI's notes): Tandem only; with Open WebUI in the seat, a 404.
        location /yjs/ {{
            proxy_pass http://socket_seat;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }}

        # Everything else (the web client, REST, chat completions streamed over HTTP): Open WebUI.
        location / {{
            proxy_pass http://openwebui;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 5m;
        }}
    }}
}}
"""


def nginx_config(run_dir: pathlib.Path, port: int, openwebui: str, seat: str) -> str:
    """nginx.conf listening on 127.0.0.1:port; openwebui and seat are host:port upstreams."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        path = run_dir / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)  # nginx's workers run as nobody when started by root
    return NGINX_TEMPLATE.format(run=run_dir, port=port, openwebui=openwebui, seat=seat)


# --- a fake OpenAI-compatible server ---------------------------------------------------------------------------

FAKE_MODEL = "tandem-fake"
FAKE_REPLY_PIECES = ["Hello", " from", " the", " fake", " model", ":", " streaming", " works", "."]
FAKE_REPLY = "".join(FAKE_REPLY_PIECES)


class _FakeOpenAIHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    piece_delay = 0.15
    requests: list = []

    def log_message(self, *args):  # quiet
        pass

    def _json(self, status: int, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [
                {"id": FAKE_MODEL, "object": "model", "created": 0, "owned_by": "tandem-e2e"}]})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        type(self).requests.append({"path": self.path, "body": body})
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": "not found"})
            return
        created = int(time.time())
        if not body.get("stream"):
            self._json(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": created,
                             "model": FAKE_MODEL, "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": FAKE_REPLY}}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

        def chunk(delta, finish=None):
            payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                       "model": FAKE_MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

        chunk({"role": "assistant", "content": ""})
        for piece in FAKE_REPLY_PIECES:
            time.sleep(self.piece_delay)
            chunk({"content": piece})
        chunk({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class FakeOpenAI:
    """An OpenAI-compatible server on loopback (GET /v1/models, POST /v1/chat/completions streaming via SSE)."""

    def __init__(self):
        self.handler = type("Handler", (_FakeOpenAIHandler,), {"requests": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list:
        return self.handler.requests

    def start(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def tail(path: pathlib.Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""

