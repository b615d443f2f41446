"""Channels with python-socketio clients as Open WebUI's web client connects: typing and chat messages between two
members (socket and REST paths), a non-member who sees nothing and cannot post, refused messages, last-read markers,
chat events, and history after a restart on the same data directory."""
from __future__ import annotations

import asyncio

import aiohttp
import socketio

from support import mint_jwt, running_server
from test_ywebsocket import wait_for


def token(user: str, role: str = "user") -> str:
    return mint_jwt({"id": user, "name": user.title(), "role": role})


class ChannelClient:
    """One browser tab: a socket authenticated in CONNECT, then `user-join` as the web client sends on connect."""

    def __init__(self, server, user: str):
        self.server = server
        self.user = user
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list = []
        self.legacy: list = []
        self.chat: list = []
        self.errors: list = []
        self.sio.on("events:channel", lambda data: self.events.append(data))
        self.sio.on("channel-events", lambda data: self.legacy.append(data))
        self.sio.on("events", lambda data: self.chat.append(data))
        self.sio.on("error", lambda data: self.errors.append(data))

    async def connect(self):
        await self.sio.connect(self.server.http, transports=["websocket"], socketio_path="/ws/socket.io",
                               auth={"token": token(self.user)})
        ack = await self.sio.call("user-join", {"auth": {"token": token(self.user)}}, timeout=5)
        assert ack == {"id": self.user, "name": self.user.title()}
        return self

    def of_type(self, kind: str) -> list:
        return [event for event in self.events if event["data"]["type"] == kind]

    async def close(self):
        await self.sio.disconnect()


async def rest(server, method: str, path: str, user: str, body=None):
    async with aiohttp.ClientSession() as http:
        async with http.request(method, f"{server.http}/api/v1/channels{path}", json=body,
                                headers={"Authorization": f"Bearer {token(user)}"}) as response:
            return response.status, await response.json()


async def create_channel(server, owner: str, members) -> str:
    status, channel = await rest(server, "POST", "/create", owner, {"name": "general", "user_ids": list(members)})
    assert status == 200, channel
    return channel["id"]


async def history(server, channel_id: str, user: str = "alice", **query) -> list:
    params = "&".join(f"{key}={value}" for key, value in query.items())
    status, messages = await rest(server, "GET", f"/{channel_id}/messages?{params}", user)
    assert status == 200, messages
    return messages


async def test_two_members_typing_messages_edits_deletes_in_order(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        channel_id = await create_channel(server, "alice", ["bob"])
        alice, bob, eve = [await ChannelClient(server, user).connect() for user in ("alice", "bob", "eve")]

        # Typing is re-emitted to the room, the sender included, with the sender's user object.
        await alice.sio.emit("events:channel", {"channel_id": channel_id, "message_id": None,
                                                "data": {"type": "typing", "data": {"typing": True}}})
        await bob.sio.emit("channel-events", {"channel_id": channel_id, "message_id": None,
                                              "data": {"type": "typing", "data": {"typing": True}}})
        for client in (alice, bob):
            assert await wait_for(lambda: len(client.of_type("typing")) == 2)
            assert {event["user"]["id"] for event in client.of_type("typing")} == {"alice", "bob"}
            assert [e for e in client.of_type("typing") if e["user"]["id"] == "alice"][0] == {
                "channel_id": channel_id, "message_id": None, "data": {"type": "typing", "data": {"typing": True}},
                "user": {"id": "alice", "name": "Alice", "role": "user"}}

        # Messages over the socket: server ids and times, acked with the stored message.
        first = await alice.sio.call("message", {"channel_id": channel_id, "content": "hello bob"}, timeout=5)
        assert first["user_id"] == "alice" and first["content"] == "hello bob" and first["id"]
        assert first["created_at"] > 0
        second = await bob.sio.call("message", {"channel_id": channel_id, "content": "hi alice"}, timeout=5)
        # REST posts emit the same events.
        status, third = await rest(server, "POST", f"/{channel_id}/messages/post", "alice", {"content": "via rest"})
        assert status == 200
        edited = await bob.sio.call("edit_message", {"channel_id": channel_id, "message_id": second["id"],
                                                     "content": "hi alice (edited)"}, timeout=5)
        assert edited["content"] == "hi alice (edited)" and edited["updated_at"] >= edited["created_at"]
        # Bob cannot edit or delete Alice's message.
        refused = await bob.sio.call("delete_message", {"channel_id": channel_id, "message_id": first["id"]}, timeout=5)
        assert "error" in refused
        assert await wait_for(lambda: bob.errors)
        await alice.sio.call("delete_message", {"channel_id": channel_id, "message_id": first["id"]}, timeout=5)
        status, _ = await rest(server, "DELETE", f"/{channel_id}/messages/{third['id']}/delete", "alice")
        assert status == 200

        expected = [("message", first["id"]), ("message", second["id"]), ("message", third["id"]),
                    ("message:update", second["id"]), ("message:delete", first["id"]),
                    ("message:delete", third["id"])]
        for client in (alice, bob):
            assert await wait_for(lambda: len([e for e in client.events if e["data"]["type"] != "typing"]) == 6)
            seen = [(e["data"]["type"], e["message_id"]) for e in client.events if e["data"]["type"] != "typing"]
            assert seen == expected
            update = client.of_type("message:update")[0]
            assert update["data"]["data"]["content"] == "hi alice (edited)"
            assert update["user"]["id"] == "bob" and update["channel"]["id"] == channel_id

        # The outsider saw nothing and cannot post, edit or read.
        await eve.sio.emit("events:channel", {"channel_id": channel_id, "message_id": None,
                                              "data": {"type": "typing", "data": {"typing": True}}})
        await eve.sio.emit("message", {"channel_id": channel_id, "content": "let me in"})
        await eve.sio.emit("edit_message", {"channel_id": channel_id, "message_id": second["id"], "content": "x"})
        assert await wait_for(lambda: len(eve.errors) == 2)
        assert all(error["channel_id"] == channel_id for error in eve.errors)
        await asyncio.sleep(0.3)
        assert eve.events == [] and eve.legacy == []
        assert len(alice.of_type("typing")) == 2
        assert (await rest(server, "GET", f"/{channel_id}/messages", "eve"))[0] == 403
        assert (await rest(server, "POST", f"/{channel_id}/messages/post", "eve", {"content": "x"}))[0] == 403

        assert [m["content"] for m in await history(server, channel_id)] == ["hi alice (edited)"]
        for client in (alice, bob, eve):
            await client.close()


async def test_refused_messages_get_an_error_and_are_not_stored(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        channel_id = await create_channel(server, "alice", ["bob"])
        alice, bob = [await ChannelClient(server, user).connect() for user in ("alice", "bob")]
        bad = [
            {"channel_id": channel_id, "content": "x" * (32 * 1024 + 1)},  # over the 32 KiB default
            {"channel_id": channel_id, "content": "   "},                   # empty
            {"channel_id": channel_id, "content": 42},                      # not a string
            {"channel_id": channel_id},                                     # no content
            {"content": "no channel"},
            "not an object",
            {"channel_id": "no-such-channel", "content": "hello"},
            {"channel_id": channel_id, "content": "reply", "parent_id": "missing"},
        ]
        for payload in bad:
            await alice.sio.emit("message", payload)
        assert await wait_for(lambda: len(alice.errors) == len(bad))
        assert "larger than" in alice.errors[0]["message"]
        assert all(error["event"] == "message" for error in alice.errors)
        await alice.sio.emit("events:channel", "garbage")
        assert await wait_for(lambda: len(alice.errors) == len(bad) + 1)
        await asyncio.sleep(0.2)
        assert alice.events == [] and bob.events == [] and bob.errors == []
        assert await history(server, channel_id) == []
        # A good message after the bad ones still goes through.
        await alice.sio.emit("message", {"channel_id": channel_id, "content": "fine"})
        assert await wait_for(lambda: bob.of_type("message"))
        assert [m["content"] for m in await history(server, channel_id)] == ["fine"]
        for client in (alice, bob):
            await client.close()


async def test_history_survives_a_restart(tandem_bin, tmp_path):
    data = str(tmp_path)
    with running_server(tandem_bin, data_dir=data) as server:
        channel_id = await create_channel(server, "alice", ["bob"])
        alice = await ChannelClient(server, "alice").connect()
        ids = []
        for index in range(30):
            message = await alice.sio.call("message", {"channel_id": channel_id, "content": f"m{index}"}, timeout=5)
            ids.append(message["id"])
        await alice.sio.call("edit_message", {"channel_id": channel_id, "message_id": ids[3], "content": "m3 edited"},
                             timeout=5)
        await alice.sio.call("delete_message", {"channel_id": channel_id, "message_id": ids[4]}, timeout=5)
        await alice.sio.emit("events:channel", {"channel_id": channel_id, "data": {"type": "last_read_at"}})
        await asyncio.sleep(0.2)
        before = await history(server, channel_id, limit=100)
        await alice.close()
    # running_server stopped it with SIGTERM; start again on the same data directory.
    with running_server(tandem_bin, data_dir=data) as server:
        after = await history(server, channel_id, limit=100)
        assert after == before
        assert [m["content"] for m in after][:2] == ["m29", "m28"]
        contents = [m["content"] for m in reversed(after)]
        assert contents == ["m0", "m1", "m2", "m3 edited"] + [f"m{i}" for i in range(5, 30)]
        page = await history(server, channel_id, skip=10, limit=5)
        assert [m["content"] for m in page] == ["m19", "m18", "m17", "m16", "m15"]
        # Membership survived too: bob's socket joins the room and sees new messages.
        status, channels = await rest(server, "GET", "/", "bob")
        assert status == 200 and [c["id"] for c in channels] == [channel_id]
        bob = await ChannelClient(server, "bob").connect()
        await bob.sio.call("message", {"channel_id": channel_id, "content": "after restart"}, timeout=5)
        assert await wait_for(lambda: bob.of_type("message"))
        await bob.close()


async def test_members_join_rooms_live_and_chat_last_read(tandem_bin, tmp_path):
    with running_server(tandem_bin, data_dir=str(tmp_path)) as server:
        alice, bob, carol = [await ChannelClient(server, user).connect() for user in ("alice", "bob", "carol")]
        # A channel created after connecting: the members' sockets join its room at once.
        channel_id = await create_channel(server, "alice", ["bob"])
        assert await wait_for(lambda: bob.of_type("channel:created"))
        assert carol.events == []
        await alice.sio.call("message", {"channel_id": channel_id, "content": "one"}, timeout=5)
        assert await wait_for(lambda: bob.of_type("message"))
        # Adding carol joins her socket; removing bob takes his out.
        assert (await rest(server, "POST", f"/{channel_id}/members/add", "bob", {"user_ids": ["carol"]}))[0] == 403
        status, channel = await rest(server, "POST", f"/{channel_id}/members/add", "alice", {"user_ids": ["carol"]})
        assert status == 200 and channel["member_ids"] == ["alice", "bob", "carol"]
        status, _ = await rest(server, "POST", f"/{channel_id}/members/remove", "alice", {"user_ids": ["bob"]})
        assert status == 200
        await alice.sio.call("message", {"channel_id": channel_id, "content": "two"}, timeout=5)
        assert await wait_for(lambda: carol.of_type("message"))
        await asyncio.sleep(0.2)
        assert [e["data"]["data"]["content"] for e in bob.of_type("message")] == ["one"]
        assert [e["data"]["data"]["content"] for e in carol.of_type("message")] == ["two"]

        # events:chat last_read_at answers chat:list on every tab of the user.
        second_tab = await ChannelClient(server, "alice").connect()
        await alice.sio.emit("events:chat", {"chat_id": "chat-1", "data": {"type": "last_read_at"}})
        for client in (alice, second_tab):
            assert await wait_for(lambda: client.chat)
            event = client.chat[0]
            assert event["chat_id"] == "chat-1" and event["data"]["type"] == "chat:list"
            assert event["data"]["data"]["chat_id"] == "chat-1" and event["data"]["data"]["last_read_at"] > 0
        assert bob.chat == []
        for client in (alice, bob, carol, second_tab):
            await client.close()


async def test_serve_flags_message_limit_and_legacy_event_name(tandem_bin, tmp_path):
    args = ["--channel-max-message", "100", "--channel-legacy-events", "--channel-page-size", "2"]
    with running_server(tandem_bin, data_dir=str(tmp_path), extra_args=args) as server:
        channel_id = await create_channel(server, "alice", ["bob"])
        alice, bob = [await ChannelClient(server, user).connect() for user in ("alice", "bob")]
        refused = await alice.sio.call("message", {"channel_id": channel_id, "content": "x" * 101}, timeout=5)
        assert "larger than 100 bytes" in refused["error"]
        for index in range(3):
            await alice.sio.call("message", {"channel_id": channel_id, "content": f"{index}" * 100}, timeout=5)
        assert await wait_for(lambda: len(bob.of_type("message")) == 3 and len(bob.legacy) == 3)
        assert bob.legacy == bob.events  # the same events under both names
        assert len(await history(server, channel_id, limit=50)) == 2
        status, _ = await rest(server, "POST", f"/{channel_id}/messages/post", "bob", {"content": "z" * 101})
        assert status == 400
        for client in (alice, bob):
            await client.close()


async def test_acknowledged_messages_survive_a_crash(tandem_bin, tmp_path):
    import signal
    from support import TandemServer

    data = str(tmp_path)
    server = TandemServer(tandem_bin, data).start()
    try:
        channel_id = await create_channel(server, "alice", ["bob"])
        for index in range(20):
            status, _ = await rest(server, "POST", f"/{channel_id}/messages/post", "alice", {"content": f"m{index}"})
            assert status == 200
        status, message = await rest(server, "POST", f"/{channel_id}/messages/post", "bob", {"content": "bye"})
        await rest(server, "DELETE", f"/{channel_id}/messages/{message['id']}/delete", "bob")
        await asyncio.sleep(0.3)  # past the 50 ms fsync batch
    finally:
        server.stop(signal.SIGKILL)
    with running_server(tandem_bin, data_dir=data) as server:
        contents = [m["content"] for m in await history(server, channel_id, limit=100)]
        assert contents == [f"m{index}" for index in reversed(range(20))]
