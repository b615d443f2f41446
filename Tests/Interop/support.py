"""Helpers shared by the interop suites: start a tandem server on a free port, mint HS256 JWTs."""
from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

SECRET = "interop-secret"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(claims: dict, secret: str = SECRET, alg: str = "HS256") -> str:
    """An Open WebUI style token (HS256 over the JSON claims), written without PyJWT."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


@dataclass
class TandemServer:
    """A running `tandem serve`, stopped with SIGTERM (so it saves) or SIGKILL (a crash)."""

    binary: str
    data_dir: str
    extra_args: list = field(default_factory=list)
    process: subprocess.Popen | None = None
    port: int = 0
    log: collections.deque = field(default_factory=lambda: collections.deque(maxlen=500))

    def start(self, timeout: float = 20.0) -> "TandemServer":
        args = [self.binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data", self.data_dir,
                "--jwt-secret", SECRET, *self.extra_args]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"tandem exited with {self.process.wait()}")
            match = re.search(r"listening on .*:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                # Keep reading the log: a full pipe would block the server's next log line (and the server).
                threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()
                return self
        raise RuntimeError("tandem did not report its port in time")

    def _drain(self, stream) -> None:
        for line in stream:
            self.log.append(line)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)  # once: a second SIGTERM makes the server exit at once with status 1
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code


@contextlib.contextmanager
def running_server(binary: str, data_dir: str | None = None, extra_args: list | None = None):
    """A server for the duration of a `with` block, in a temporary data directory unless one is given."""
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="tandem-interop-"))
        server = TandemServer(binary, data_dir, extra_args or []).start()
        try:
            yield server
        finally:
            server.stop()


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisURL(str):
    """A running redis-server's `redis://` URL that can also kill it and start it again on the same port and
    directory (with AOF on, it comes back with what it had acknowledged)."""

    def __new__(cls, port: int, directory: str, appendonly: bool, fsync: str):
        url = super().__new__(cls, f"redis://127.0.0.1:{port}/0")
        url.port, url.directory, url.appendonly, url.fsync = port, directory, appendonly, fsync
        url.process = None
        return url

    def start(self, timeout: float = 10.0) -> None:
        import socket
        binary = os.environ.get("REDIS_SERVER", "/usr/bin/redis-server")
        assert os.path.exists(binary), "redis-server missing: apt-get install -y redis-server (.ci/setup does this)"
        persistence = ["--appendonly", "yes", "--appendfsync", self.fsync] if self.appendonly else ["--appendonly", "no"]
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         *persistence, "--dir", self.directory],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}")
                time.sleep(0.05)
        raise RuntimeError("redis-server did not accept connections in time")

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed beyond what the fsync policy already wrote."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextlib.contextmanager
def redis_server(prefix: str = "tandem-redis-", appendonly: bool = False, fsync: str = "always"):
    """Debian's redis-server on a free loopback port in a temporary directory; yields its URL (a ``RedisURL``).
    Without persistence by default; `appendonly=True` turns AOF on with `appendfsync` `fsync`."""
    url = RedisURL(free_port(), tempfile.mkdtemp(prefix=prefix), appendonly, fsync)
    try:
        url.start()
        yield url
    finally:
        url.kill()


def read_var_uint(data: bytes, offset: int) -> tuple[int, int]:
    """A lib0 varUint at `offset`: (value, offset after it)."""
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, offset


def state_vector(data) -> dict[int, int]:
    """A decoded Yjs state vector, client -> clock (the encoders order clients differently)."""
    data = bytes(data)
    count, offset = read_var_uint(data, 0)
    clocks = {}
    for _ in range(count):
        client, offset = read_var_uint(data, offset)
        clocks[client], offset = read_var_uint(data, offset)
    return clocks
