#!/usr/bin/env python3
"""Capture the real answers of Open WebUI 0.12.4 to the routes Tandem's OpenWebUIHost calls.

Run with a venv holding open-webui==0.12.4 (slim requirements, see ../../../../shared/docs/openwebui-0.12.md):

    $HOME/.cache/tandem/owui-venv/bin/python Tests/Fixtures/openwebui-api/generate.py

It starts `open-webui serve` offline on a free loopback port with a throwaway DATA_DIR, signs up an admin (the
first user), adds a user and a third user without grants, creates a note, shares it read-only with the user,
creates a channel shared with the user, and writes each answer as <name>.json next to this script. Tokens are
replaced by "<token>" (they are throwaway anyway); ids and timestamps are kept as Open WebUI produced them.
Standard library only (urllib), so the venv needs nothing beyond Open WebUI itself.

With --serve it writes nothing: after the same setup it prints the environment for the live Swift test
(`TANDEM_OWUI_LIVE_URL`, tokens, note id) to stdout, then keeps Open WebUI running until interrupted:

    eval "$(python generate.py --serve | head -6)"   # in one shell, or read the lines it prints
    swift test --filter OpenWebUILiveTests
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, token=None, body=None):
    """Returns (status, parsed JSON or raw text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def scrub(value):
    """Replaces token values by a placeholder, recursively."""
    if isinstance(value, dict):
        return {k: ("<token>" if k == "token" and isinstance(v, str) else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def save(name, status, body, expect):
    if status != expect:
        raise SystemExit(f"{name}: expected {expect}, got {status}: {body}")
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(scrub(body), f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{name}: {status}")


def main():
    data_dir = tempfile.mkdtemp(prefix="owui-fixtures-")
    port = free_port()
    env = dict(os.environ, USE_SLIM_DOCKER="true", OFFLINE_MODE="true", HF_HUB_OFFLINE="1",
               ENABLE_OLLAMA_API="false", ENABLE_OPENAI_API="false", RAG_EMBEDDING_ENGINE="openai",
               BYPASS_EMBEDDING_AND_RETRIEVAL="true", ENABLE_VERSION_UPDATE_CHECK="false",
               WEBUI_SECRET_KEY="fixture-secret", DATA_DIR=data_dir, ENABLE_CHANNELS="true")
    log = open(os.path.join(data_dir, "server.log"), "w")
    server = subprocess.Popen([os.path.join(VENV_BIN, "open-webui"), "serve", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if call(base, "GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise SystemExit(f"open-webui exited; see {data_dir}/server.log")
            time.sleep(0.5)
        else:
            raise SystemExit("open-webui did not start")

        status, admin = call(base, "POST", "/api/v1/auths/signup",
                             body={"name": "Admin", "email": "admin@example.com", "password": "Adm1n-pass!"})
        assert status == 200, admin
        admin_token = admin["token"]
        status, bea = call(base, "POST", "/api/v1/auths/add", admin_token,
                           {"name": "Bea", "email": "bea@example.com", "password": "Bea-pass-1!", "role": "user"})
        assert status == 200, bea
        status, bea_signin = call(base, "POST", "/api/v1/auths/signin",
                                  body={"email": "bea@example.com", "password": "Bea-pass-1!"})
        assert status == 200, bea_signin
        user_token = bea_signin["token"]
        status, cal = call(base, "POST", "/api/v1/auths/add", admin_token,
                           {"name": "Cal", "email": "cal@example.com", "password": "Cal-pass-1!", "role": "user"})
        assert status == 200, cal
        status, cal_signin = call(base, "POST", "/api/v1/auths/signin",
                                  body={"email": "cal@example.com", "password": "Cal-pass-1!"})
        assert status == 200, cal_signin
        outsider_token = cal_signin["token"]

        content = {"json": {"type": "doc", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "Hello from Open WebUI"}]}]},
            "html": "<p>Hello from Open WebUI</p>", "md": "Hello from Open WebUI"}
        status, note = call(base, "POST", "/api/v1/notes/create", admin_token,
                            {"title": "Shared note", "data": {"content": content}})
        assert status == 200, note
        note_id = note["id"]
        status, shared = call(base, "POST", f"/api/v1/notes/{note_id}/access/update", admin_token,
                              {"access_grants": [{"principal_type": "user", "principal_id": bea["id"],
                                                  "permission": "read"}]})
        assert status == 200, shared

        status, channel = call(base, "POST", "/api/v1/channels/create", admin_token,
                               {"name": "general", "access_grants": [
                                   {"principal_type": "user", "principal_id": bea["id"], "permission": "read"}]})
        assert status == 200, channel
        if "--serve" in sys.argv:
            print(f"export TANDEM_OWUI_LIVE_URL={base}")
            print(f"export TANDEM_OWUI_ADMIN_TOKEN={admin_token}")
            print(f"export TANDEM_OWUI_USER_TOKEN={user_token}")
            print(f"export TANDEM_OWUI_OUTSIDER_TOKEN={outsider_token}")
            print(f"export TANDEM_OWUI_NOTE_ID={note_id}")
            print(f"export TANDEM_OWUI_USER_ID={bea['id']}", flush=True)
            server.wait()
            return
        save("auths-admin.json", *call(base, "GET", "/api/v1/auths/", admin_token), 200)
        save("auths-user.json", *call(base, "GET", "/api/v1/auths/", user_token), 200)
        save("auths-401.json", *call(base, "GET", "/api/v1/auths/", "not-a-token"), 401)
        save("note-owner.json", *call(base, "GET", f"/api/v1/notes/{note_id}", admin_token), 200)
        save("note-reader.json", *call(base, "GET", f"/api/v1/notes/{note_id}", user_token), 200)
        save("note-403.json", *call(base, "GET", f"/api/v1/notes/{note_id}", outsider_token), 403)
        save("note-404.json", *call(base, "GET", "/api/v1/notes/no-such-note", admin_token), 404)
        save("note-update-403.json", *call(base, "POST", f"/api/v1/notes/{note_id}/update", user_token,
                                           {"data": {"content": {"json": None, "html": "<p>x</p>", "md": "x"}}}), 403)
        save("note-update.json", *call(base, "POST", f"/api/v1/notes/{note_id}/update", admin_token,
                                       {"data": {"content": {"json": None, "html": "<p>saved</p>", "md": "saved"}}}),
             200)
        save("note-after-update.json", *call(base, "GET", f"/api/v1/notes/{note_id}", user_token), 200)

        save("channels.json", *call(base, "GET", "/api/v1/channels/", user_token), 200)
        save("channels-admin.json", *call(base, "GET", "/api/v1/channels/", admin_token), 200)
        save("channels-outsider.json", *call(base, "GET", "/api/v1/channels/", outsider_token), 200)
        with open(os.path.join(HERE, "CAPTURED"), "w") as f:
            version = call(base, "GET", "/api/version")[1]
            f.write(f"captured from a real Open WebUI {version.get('version') if isinstance(version, dict) else version}"
                    f" by generate.py on {time.strftime('%Y-%m-%d')}\n")
        source = os.path.join(HERE, "SOURCE")
        if os.path.exists(source):
            os.remove(source)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
