import Foundation
import Tandem
import YCRDT
import Wire

// `tandem-bench` runs benchmark suites; suites are added by their own files.
let benchArguments = Array(CommandLine.arguments.dropFirst())
switch benchArguments.first {
case "doc":
    try DocSuite.run(Array(benchArguments.dropFirst()))
case "codec":
    do {
        print(CodecSuite.report(try CodecSuite.run(Array(benchArguments.dropFirst()))))
    } catch {
        FileHandle.standardError.write(Data("tandem-bench codec: \(error)\n".utf8))
        exit(1)
    }
case "rooms":
    print(RoomsSuite.report("tandem-bench rooms", try await RoomsSuite.runRooms(Array(benchArguments.dropFirst()))))
case "ysync":
    print(RoomsSuite.report("tandem-bench ysync", try await RoomsSuite.runYSync(Array(benchArguments.dropFirst()))))
case "json":
    JSONSuite.run(Array(benchArguments.dropFirst()))
case "socketio":
    do {
        try SocketIOSuite.run(Array(benchArguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("tandem-bench socketio: \(error)\n".utf8))
        exit(1)
    }
case "ws":
    do {
        try WebSocketSuite.run(Array(benchArguments.dropFirst()))
    } catch {
        FileHandle.standardError.write(Data("tandem-bench ws: \(error)\n".utf8))
        exit(1)
    }
default:
    print("tandem-bench \(Tandem.version): suites: doc, codec [LOG.ylog] [--write-merged OUT], rooms, ysync, socketio, json, ws [--idle N] [--connections 1,10,100]")
}
