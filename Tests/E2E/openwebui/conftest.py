"""Fixtures of the end-to-end suite: the real Open WebUI 0.12.4 (its own web client in Debian's Chromium) with
Redis, nginx in front, and a socket seat that is either Open WebUI's own Socket.IO server (control) or Tandem.

Environment:
  TANDEM_E2E_SEAT          openwebui (default) | tandem: who answers /ws/socket.io behind nginx
  TANDEM_BIN               tandem binary for the tandem seat (default <repo>/.build/debug/tandem)
  TANDEM_E2E_TANDEM_ARGS   extra `tandem serve` arguments, placeholders {openwebui} {redis} {secret}
                           (default "--openwebui {openwebui} --redis {redis}")
  TANDEM_E2E_ARTIFACTS     where screenshots, frames and logs go (default Tests/E2E/openwebui/artifacts/<seat>)
  TANDEM_E2E_HEADED=1      show the browsers (needs a display)
One Redis, one Open WebUI, one nginx (and one Tandem) per session; every test opens its own browser contexts.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

import support
from support import FakeOpenAI, OpenWebUI, free_port, stop, wait_for, wait_port

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SECRET = "tandem-e2e-secret-0123456789abcdef"
PASSWORD = "tandem-e2e-password"
SEAT = os.environ.get("TANDEM_E2E_SEAT", "openwebui")
CHROMIUM = os.environ.get("TANDEM_E2E_CHROMIUM", "/usr/bin/chromium")


def pytest_report_header(config):
    return [f"socket seat: {SEAT}"]


@pytest.fixture(scope="session")
def artifacts() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("TANDEM_E2E_ARTIFACTS", HERE / "artifacts" / SEAT))
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def workdir():
    with tempfile.TemporaryDirectory(prefix="tandem-e2e-") as path:
        yield pathlib.Path(path)


@pytest.fixture(scope="session")
def redis_url(workdir, artifacts):
    port = free_port()
    log = open(artifacts / "redis.log", "w")
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, 15, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="session")
def fake_openai():
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def openwebui(workdir, artifacts, redis_url, fake_openai):
    """Open WebUI 0.12.4 in Redis mode on a free loopback port, offline, with its own DATA_DIR."""
    port = free_port()
    data = workdir / "owui-data"
    data.mkdir()
    env = dict(os.environ)
    env.update({
        "DATA_DIR": str(data), "WEBUI_SECRET_KEY": SECRET, "PORT": str(port),
        "USE_SLIM_DOCKER": "true", "OFFLINE_MODE": "true", "HF_HUB_OFFLINE": "1",
        "ENABLE_OLLAMA_API": "false", "RAG_EMBEDDING_ENGINE": "openai", "BYPASS_EMBEDDING_AND_RETRIEVAL": "true",
        "ENABLE_VERSION_UPDATE_CHECK": "false", "ANONYMIZED_TELEMETRY": "false", "DO_NOT_TRACK": "true",
        "WEBSOCKET_MANAGER": "redis", "WEBSOCKET_REDIS_URL": redis_url, "REDIS_URL": redis_url,
        "ENABLE_OPENAI_API": "true", "OPENAI_API_BASE_URL": fake_openai.url, "OPENAI_API_KEY": "sk-fake",
        "DEFAULT_MODELS": support.FAKE_MODEL, "ENABLE_TITLE_GENERATION": "false",
        "ENABLE_TAGS_GENERATION": "false", "ENABLE_FOLLOW_UP_GENERATION": "false",
        "ENABLE_AUTOCOMPLETE_GENERATION": "false", "GLOBAL_LOG_LEVEL": "INFO",
    })
    log_path = artifacts / "openwebui.log"
    log = open(log_path, "w")
    executable = pathlib.Path(sys.executable).parent / "open-webui"
    started = time.monotonic()
    process = subprocess.Popen([str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    api = OpenWebUI(f"http://127.0.0.1:{port}")
    try:
        def healthy():
            if process.poll() is not None:
                raise support.ProcessExited(f"open-webui exited with {process.returncode}:\n{support.tail(log_path)}")
            return support.http("GET", api.base + "/health", timeout=2).get("status")
        wait_for(healthy, 180, 0.5, "Open WebUI's /health")
        (artifacts / "timings.txt").open("a").write(f"openwebui start: {time.monotonic() - started:.1f} s\n")
        api.port = port
        yield api
    finally:
        stop(process, 20)
        log.close()


@pytest.fixture(scope="session")
def seat(openwebui, redis_url, workdir, artifacts):
    """host:port of the socket seat."""
    if SEAT == "openwebui":
        yield f"127.0.0.1:{openwebui.port}"
        return
    assert SEAT == "tandem", f"TANDEM_E2E_SEAT must be openwebui or tandem, not {SEAT!r}"
    binary = os.environ.get("TANDEM_BIN", str(ROOT / ".build" / "debug" / "tandem"))
    assert os.path.exists(binary), f"tandem binary not found at {binary}; run swift build --product tandem"
    template = os.environ.get("TANDEM_E2E_TANDEM_ARGS", "--openwebui {openwebui} --redis {redis}")
    extra = [arg.format(openwebui=openwebui.base, redis=redis_url, secret=SECRET) for arg in shlex.split(template)]
    data = workdir / "tandem-data"
    data.mkdir()
    env = dict(os.environ, WEBUI_SECRET_KEY=SECRET)
    log_path = artifacts / "tandem.log"
    log = open(log_path, "w")
    args = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--data", str(data), *extra]
    (artifacts / "tandem.cmd").write_text(shlex.join(args) + "\n")
    process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def port():
            if process.poll() is not None:
                raise support.ProcessExited(f"tandem exited with {process.returncode}:\n{support.tail(log_path)}")
            match = re.search(r"listening on .*:(\d+)", log_path.read_text(errors="replace"))
            return match and int(match.group(1))
        yield f"127.0.0.1:{wait_for(port, 30, 0.1, 'tandem to listen')}"
    finally:
        stop(process, 20)
        log.close()


@pytest.fixture(scope="session")
def site(openwebui, seat, workdir, artifacts):
    """Base URL of nginx: /ws/socket.io to the seat, everything else to Open WebUI."""
    port = free_port()
    run = workdir / "nginx"
    run.mkdir()
    config = support.nginx_config(run, port, f"127.0.0.1:{openwebui.port}", seat)
    (run / "nginx.conf").write_text(config)
    (artifacts / "nginx.conf").write_text(config)
    process = subprocess.Popen(["nginx", "-p", str(run), "-e", str(run / "error.log"), "-c", str(run / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port, 15, process, "nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        for name in ("error.log", "access.log"):
            if (run / name).exists():
                shutil.copy(run / name, artifacts / f"nginx-{name}")


class User(dict):
    """id, name, email, token (and password) of an Open WebUI user."""

    @property
    def token(self) -> str:
        return self["token"]

    @property
    def id(self) -> str:
        return self["id"]


@pytest.fixture(scope="session")
def users(openwebui) -> dict[str, User]:
    """alice (admin, first signup), bob and carol (users added by alice)."""
    alice = openwebui.signup("Alice Admin", "alice@example.com", PASSWORD)
    assert alice["role"] == "admin", alice
    result = {"alice": User(alice, password=PASSWORD)}
    for name, full in (("bob", "Bob Builder"), ("carol", "Carol Nogrant")):
        openwebui.add_user(alice["token"], full, f"{name}@example.com", PASSWORD, "user")
        result[name] = User(openwebui.signin(f"{name}@example.com", PASSWORD), password=PASSWORD)
    # No "What's New" dialog over the editor (shown to admins whose settings hold an older version).
    openwebui.call("POST", "/api/v1/users/user/settings/update",
                   {"ui": {"version": "0.12.4", "showChangelog": False}}, alice["token"])
    return result


@pytest.fixture(scope="session")
def notes(openwebui, users) -> dict[str, dict]:
    """shared: alice's note with a write grant for bob; html: alice's note stored as HTML only (bob may write)."""
    alice, bob = users["alice"], users["bob"]
    # Write needs its own grant next to read (has_access checks the one permission asked), as the share dialog sends.
    grant = [{"principal_type": "user", "principal_id": bob.id, "permission": permission}
             for permission in ("read", "write")]
    shared = openwebui.create_note(alice.token, "Shared plan", {
        "json": None, "html": "<p>Shared start.</p>", "md": "Shared start."})
    openwebui.share_note(alice.token, shared["id"], grant)
    html = openwebui.create_note(alice.token, "HTML only", {"html": "<h2>Seeded heading</h2><p>Stored as HTML only.</p>"})
    openwebui.share_note(alice.token, html["id"], grant)
    assert openwebui.note(bob.token, shared["id"])["write_access"] is True
    return {"shared": shared, "html": html}


# --- browsers ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=os.environ.get("TANDEM_E2E_HEADED") != "1",
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


class Tab:
    """A browser context logged in as one user, with every WebSocket frame recorded."""

    def __init__(self, browser, site: str, user: User, label: str, artifacts: pathlib.Path):
        self.site, self.user, self.label, self.artifacts = site, user, label, artifacts
        self.context = browser.new_context(viewport={"width": 1280, "height": 860})
        self.context.add_init_script(
            "try { localStorage.setItem('token', %s); localStorage.setItem('version', '0.12.4'); } catch (e) {}"
            % json.dumps(user.token))
        self.page = self.context.new_page()
        self.frames: list[dict] = []
        self.sockets: list = []
        self.console: list[str] = []
        self.started = time.monotonic()
        self.page.on("websocket", self._on_websocket)
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))

    def _record(self, socket, direction, payload):
        text = payload if isinstance(payload, str) else f"<binary {len(payload)} bytes>"
        self.frames.append({"t": round(time.monotonic() - self.started, 3), "ctx": self.label, "dir": direction,
                            "url": socket.url, "socket": id(socket), "text": text})

    def _on_websocket(self, socket):
        self.sockets.append(socket)
        self._record(socket, "open", "")
        socket.on("framesent", lambda payload: self._record(socket, "sent", payload))
        socket.on("framereceived", lambda payload: self._record(socket, "recv", payload))
        socket.on("close", lambda _: self._record(socket, "close", ""))

    def sleep(self, seconds: float):
        """Sleeps while Playwright dispatches events (frames, console)."""
        self.page.wait_for_timeout(seconds * 1000)

    def wait(self, predicate, timeout: float, what: str, interval: float = 0.05):
        return wait_for(predicate, timeout, interval, what, sleep=self.sleep)

    def goto(self, path: str):
        self.page.goto(self.site + path, wait_until="domcontentloaded")

    def shot(self, name: str):
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"))

    def events(self, name: str, direction: str = "recv") -> list:
        """Decoded Socket.IO EVENT packets (42[...]) named name."""
        found = []
        for frame in list(self.frames):
            if frame["dir"] == direction and frame["text"].startswith("42"):
                try:
                    packet = json.loads(frame["text"][2:])
                except ValueError:
                    continue
                if packet and packet[0] == name:
                    found.append(packet[1:])
        return found

    def save(self):
        with open(self.artifacts / f"frames-{self.label}.jsonl", "w") as out:
            for frame in self.frames:
                out.write(json.dumps(frame) + "\n")
        (self.artifacts / f"console-{self.label}.txt").write_text("\n".join(self.console) + "\n")

    def close(self):
        self.save()
        self.context.close()


@pytest.fixture
def open_tab(browser, site, artifacts, request):
    tabs = []

    def make(user: User, label: str) -> Tab:
        tab = Tab(browser, site, user, f"{request.node.name}-{label}", artifacts)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        try:
            tab.shot(f"{tab.label}-final")
        except Exception:  # noqa: BLE001 - the page may be gone
            pass
        tab.close()
