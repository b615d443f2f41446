"""A chat message sent in the browser streams its reply over the socket seat (Open WebUI's `events` frames)."""
from __future__ import annotations

import time

from support import FAKE_REPLY, FAKE_REPLY_PIECES


def test_chat_reply_streams_over_the_socket(open_tab, users, fake_openai, artifacts):
    tab = open_tab(users["alice"], "alice")
    tab.goto("/")
    chat_input = tab.page.locator("#chat-input")
    chat_input.wait_for(timeout=30000)
    tab.shot("01-chat-open")
    chat_input.click()
    tab.page.keyboard.type("Say hello, please.", delay=10)
    sent = time.monotonic()
    tab.page.keyboard.press("Enter")
    tab.wait(lambda: FAKE_REPLY in tab.page.inner_text("body"), 30, "the reply in the page")
    tab.shot("02-chat-reply")
    assert any(r["body"].get("stream") for r in fake_openai.requests), fake_openai.requests

    def completions():
        found = []
        for (payload, *_rest) in tab.events("events"):
            data = (payload or {}).get("data") or {}
            if data.get("type") in ("response:completion", "chat:completion"):
                found.append(data)
        return found
    tab.wait(lambda: any((d.get("data") or {}).get("done") for d in completions()), 10,
             "a completion event with done: true")
    events = completions()
    partial = [d for d in events if d.get("type") == "response:completion"]
    (artifacts / "timings.txt").open("a").write(
        f"chat: {len(events)} completion events, {len(partial)} response:completion, "
        f"reply shown {time.monotonic() - sent:.2f} s after Enter\n")
    # Streaming, not one final reload: the pieces arrived as separate frames, spread over the time the fake took.
    assert len(partial) >= len(FAKE_REPLY_PIECES) // 2, events
    times = [f["t"] for f in tab.frames if f["dir"] == "recv" and '"response:completion"' in f["text"]]
    assert times[-1] - times[0] >= 0.5, times
