import Wire

/// Generic events for interop tests and benchmarks, off unless `tandem serve --socketio-test-events`.
///
/// Open WebUI's own events never relay client data between clients (that is done by the document rooms and channels
/// built on ``SocketIOServer``), so the interop suite and `tandem-bench socketio` need a small, explicit relay. The
/// same events are implemented by Benchmarks/socketio_baseline.py on python-socketio, so both servers run the same
/// scenario. All require an authenticated socket, so they also show that a bad token's events are ignored.
///
/// | event | payload | effect | ack |
/// |---|---|---|---|
/// | `test:join` | `{room}` | join the room | `true` |
/// | `test:relay` | `{room, event, data, skip_sender?}` | emit `event` with `data` to the room | receivers |
/// | `test:echo` | anything, binary too | — | the arguments as received |
/// | `test:call` | `{event, data, to?}` | call `event` on the sender (or sid `to`, on any host of the bus) and wait | the client's ack |
public enum SocketIOTestEvents {
    /// Registers the test events on `server`.
    public static func install(on server: SocketIOServer) async {
        await server.on("test:join") { event in
            guard let room = event.data?["room"]?.stringValue else {
                await event.ack?([false])
                return
            }
            await server.join(event.session.sid, room: SocketIORoom(room))
            await server.roomsSettled()
            await event.ack?([true])
        }
        await server.on("test:relay") { event in
            guard let room = event.data?["room"]?.stringValue, let name = event.data?["event"]?.stringValue else {
                await event.ack?([0])
                return
            }
            let skip = event.data?["skip_sender"]?.boolValue == true ? event.session.sid : nil
            let data = event.rawArguments.first?["data"] ?? .null
            let count = await server.emit(name, [data], to: SocketIORoom(room), skipping: skip, attachments: event.attachments)
            await event.ack?([.int(Int64(count))])
        }
        await server.on("test:echo") { event in
            await event.ack?(event.rawArguments, attachments: event.attachments)
        }
        await server.on("test:call") { event in
            guard let name = event.data?["event"]?.stringValue else {
                await event.ack?([])
                return
            }
            do {
                let reply = try await server.call(
                    name, [event.data?["data"] ?? .null], to: event.data?["to"]?.stringValue ?? event.session.sid,
                    timeout: .seconds(10))
                await event.ack?(reply)
            } catch {
                await event.ack?([["error": .string("\(error)")]])
            }
        }
    }
}
