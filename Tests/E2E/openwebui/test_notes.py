"""Two real Open WebUI web clients (Chromium) editing notes through whatever sits in the socket seat."""
from __future__ import annotations

import json
import os
import time

import pytest

from support import HTTPError, wait_for

EDITOR = '.ProseMirror[contenteditable="true"]'
ANY_EDITOR = ".ProseMirror"
TITLE = 'input[placeholder="Title"]'
SEAT = os.environ.get("TANDEM_E2E_SEAT", "openwebui")


def open_note(tab, note_id: str, timeout: float = 30.0):
    tab.goto(f"/notes/{note_id}")
    tab.page.wait_for_selector(EDITOR, timeout=timeout * 1000)


def editor_text(tab) -> str:
    return tab.page.locator(ANY_EDITOR).first.inner_text()


def type_at_end(tab, text: str):
    editor = tab.page.locator(EDITOR).first
    editor.click()
    tab.page.keyboard.press("Control+End")
    tab.page.keyboard.type(text, delay=15)


def wait_text(tab, text: str, timeout: float = 5.0) -> float:
    """Seconds until text shows in the tab's editor."""
    started = time.monotonic()
    tab.wait(lambda: text in editor_text(tab), timeout, f"{text!r} in {tab.label}'s editor")
    return time.monotonic() - started


def stored_md(openwebui, user, note_id: str) -> str:
    content = (openwebui.note(user.token, note_id).get("data") or {}).get("content") or {}
    return (content.get("md") or "") + "\n" + (content.get("html") or "")


def test_two_users_edit_a_shared_note(open_tab, openwebui, users, notes, artifacts):
    note_id = notes["shared"]["id"]
    alice = open_tab(users["alice"], "alice")
    bob = open_tab(users["bob"], "bob")
    open_note(alice, note_id)
    open_note(bob, note_id)
    wait_text(alice, "Shared start.", 10)
    wait_text(bob, "Shared start.", 10)
    alice.shot("01-both-open-alice")
    bob.shot("01-both-open-bob")

    type_at_end(alice, " Alice types here.")
    seen_by_bob = wait_text(bob, "Alice types here.", 5)
    bob.shot("02-bob-sees-alice")
    type_at_end(bob, " Bob answers.")
    last_keystroke = time.monotonic()
    seen_by_alice = wait_text(alice, "Bob answers.", 5)
    alice.shot("03-alice-sees-bob")
    (artifacts / "timings.txt").open("a").write(
        f"typing seen by the other tab: bob {seen_by_bob:.2f} s, alice {seen_by_alice:.2f} s\n")

    # Open WebUI's database holds both edits within 2 s of the last keystroke.
    wait_for(lambda: all(s in stored_md(openwebui, users["alice"], note_id) for s in ("Alice types here.", "Bob answers.")),
             2.0 + (time.monotonic() - last_keystroke), 0.1, "both edits in Open WebUI's database")
    (artifacts / "timings.txt").open("a").write(
        f"both edits stored {time.monotonic() - last_keystroke:.2f} s after the last keystroke\n")

    # A reload shows both edits.
    bob.page.reload(wait_until="domcontentloaded")
    bob.page.wait_for_selector(EDITOR, timeout=30000)
    wait_text(bob, "Alice types here.", 10)
    wait_text(bob, "Bob answers.", 10)
    bob.shot("04-bob-after-reload")
    # ... and editing goes on after it.
    type_at_end(bob, " After reload.")
    wait_text(alice, "After reload.", 5)

    # A title change through Open WebUI's REST reaches both tabs.
    openwebui.update_note(users["alice"].token, note_id, {"title": "Renamed through REST"})
    for tab in (alice, bob):
        wait_for(lambda: tab.page.locator(TITLE).first.input_value() == "Renamed through REST", 5, 0.1,
                 f"the new title in {tab.label}")
    alice.shot("05-title-alice")
    bob.shot("05-title-bob")
    assert alice.events("events:note"), "no events:note frame reached alice"


def test_html_only_note_opens_and_is_editable_at_once(open_tab, openwebui, users, notes):
    note_id = notes["html"]["id"]
    assert not (notes["html"]["data"]["content"].get("json") or notes["html"]["data"]["content"].get("md"))
    bob = open_tab(users["bob"], "bob")
    open_note(bob, note_id)
    wait_text(bob, "Seeded heading", 10)
    wait_text(bob, "Stored as HTML only.", 5)
    bob.shot("01-html-note-open")
    type_at_end(bob, " Edited at once.")
    wait_text(bob, "Edited at once.", 3)
    bob.shot("02-html-note-edited")
    wait_for(lambda: "Edited at once." in stored_md(openwebui, users["alice"], note_id), 5, 0.1,
             "the edit in Open WebUI's database")
    stored = stored_md(openwebui, users["alice"], note_id)
    # once in md and once in html: the seed was applied once, not doubled by two seeders
    assert stored.count("Seeded heading") == 2, stored


RAW_JOIN = """async ([token, documentId, userId]) => {
  const url = location.origin.replace('http', 'ws') + '/ws/socket.io/?EIO=4&transport=websocket';
  const frames = [];
  const ws = new WebSocket(url);
  ws.onmessage = (e) => {
    frames.push(e.data);
    if (e.data.startsWith('0')) ws.send('40' + JSON.stringify({token}));
    else if (e.data.startsWith('40')) {
      ws.send('42' + JSON.stringify(['ydoc:document:join', {document_id: documentId, user_id: userId,
                                     user_name: 'intruder', user_color: '#000000'}]));
    } else if (e.data === '2') ws.send('3');
  };
  await new Promise((resolve) => setTimeout(resolve, 3000));
  ws.close();
  return frames;
}"""


def test_user_without_grant_is_refused(open_tab, openwebui, users, notes):
    note_id = notes["shared"]["id"]
    carol = users["carol"]
    with pytest.raises(HTTPError) as refused:
        openwebui.note(carol.token, note_id)
    assert refused.value.status in (401, 403, 404)

    tab = open_tab(carol, "carol")
    tab.goto(f"/notes/{note_id}")
    tab.sleep(4)
    tab.shot("01-carol-refused")
    assert tab.page.locator(f"#note-{note_id}").count() == 0, "carol got the note's editor"
    assert "Shared start." not in tab.page.inner_text("body")

    # Straight to the socket seat: joining the document is refused (no state, no content).
    frames = tab.page.evaluate(RAW_JOIN, [carol.token, f"note:{note_id}", carol.id])
    (tab.artifacts / "frames-carol-raw-join.json").write_text(json.dumps(frames, indent=1))
    assert any(f.startswith("40") for f in frames), frames
    # control: bob, who has a grant, gets the state with the same raw join
    granted = tab.page.evaluate(RAW_JOIN, [users["bob"].token, f"note:{note_id}", users["bob"].id])
    assert any("ydoc:document:state" in f for f in granted), granted
    leaked = [f for f in frames if "ydoc:document:state" in f or "Shared start" in f or "ydoc:document:update" in f]
    assert not leaked, leaked


def test_revoked_token_is_disconnected(open_tab, openwebui, users, notes):
    note_id = notes["shared"]["id"]
    bob = users["bob"]
    session = type(bob)(openwebui.signin("bob@example.com", bob["password"]), password=bob["password"])
    assert session.token != bob.token
    alice = open_tab(users["alice"], "alice")
    revoked = open_tab(session, "bob-revoked")
    open_note(alice, note_id)
    open_note(revoked, note_id)
    type_at_end(revoked, " Before signout.")
    wait_text(alice, "Before signout.", 5)

    socket_count = len(revoked.sockets)
    closed_before = sum(1 for f in revoked.frames if f["dir"] == "close")
    signed_out = time.monotonic()
    openwebui.signout(session.token)

    def disconnected():
        frames = revoked.frames
        return (sum(1 for f in frames if f["dir"] == "close") > closed_before
                or any(f["dir"] == "recv" and f["text"].startswith("41") for f in frames))
    # Open WebUI disconnects at once; a server that only re-verifies periodically has 30 s (+ slack).
    revoked.wait(disconnected, 45, "the revoked session's socket to be disconnected")
    took = time.monotonic() - signed_out
    (revoked.artifacts / "timings.txt").open("a").write(f"revoked socket disconnected after {took:.2f} s\n")
    revoked.shot("01-after-signout")

    # Whatever the client does next (it reconnects with the same token), its edits no longer reach anyone.
    revoked.sleep(2)
    if revoked.page.locator(EDITOR).count():
        type_at_end(revoked, " After signout.")
    alice.sleep(3)
    alice.shot("02-alice-after-revoked-edit")
    assert "After signout." not in editor_text(alice)
    assert "After signout." not in stored_md(openwebui, users["alice"], note_id)
    assert len(revoked.sockets) >= socket_count


@pytest.mark.skipif(SEAT != "tandem", reason="y-websocket is Tandem's (Open WebUI has no such endpoint)")
def test_ywebsocket_peer_edits_with_the_browsers(open_tab, openwebui, users, site, artifacts):
    """A y-websocket client (pycrdt's Provider, an Open WebUI token) edits the note the two browsers edit; all three
    converge and the result is saved in Open WebUI's database."""
    from yjs_peer import YjsPeer
    alice_user, bob_user = users["alice"], users["bob"]
    note = openwebui.create_note(alice_user.token, "Three editors", {"html": "<p>Three editors.</p>"})
    openwebui.share_note(alice_user.token, note["id"], [
        {"principal_type": "user", "principal_id": bob_user.id, "permission": p} for p in ("read", "write")])
    alice, bob = open_tab(alice_user, "alice"), open_tab(bob_user, "bob")
    open_note(alice, note["id"])
    open_note(bob, note["id"])
    wait_text(bob, "Three editors.", 10)
    type_at_end(alice, " Alice here.")
    wait_text(bob, "Alice here.", 5)

    document_id = f"note:{note['id']}"
    peer = YjsPeer(site.replace("http", "ws", 1) + f"/yjs/{document_id}?token={alice_user.token}", document_id)
    try:
        peer.start()
        wait_for(lambda: "Alice here." in peer.text(), 5, 0.05, "the browsers' text in the y-websocket peer")
        peer.append_paragraph("Written by a Yjs peer.")
        wait_text(alice, "Written by a Yjs peer.", 5)
        wait_text(bob, "Written by a Yjs peer.", 5)
        type_at_end(bob, " Bob after the peer.")
        wait_for(lambda: "Bob after the peer." in peer.text(), 5, 0.05, "bob's typing in the y-websocket peer")
        wait_text(alice, "Bob after the peer.", 5)
        alice.shot("01-three-editors-alice")
        bob.shot("01-three-editors-bob")
        wait_for(lambda: all(s in stored_md(openwebui, alice_user, note["id"])
                             for s in ("Alice here.", "Written by a Yjs peer.", "Bob after the peer.")),
                 5, 0.1, "all three editors' text in Open WebUI's database")
    finally:
        peer.stop()
