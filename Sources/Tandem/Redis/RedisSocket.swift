import CTandemSystem
import Glibc

/// Opens the TCP or Unix socket of a Redis connection, non-blocking, with a connect timeout.
enum RedisSocket {
    /// A connected, non-blocking, close-on-exec descriptor (TCP_NODELAY for TCP), or why not.
    static func connect(_ address: RedisEndpoint.Address, timeout: Duration) -> Result<Int32, RedisError> {
        switch address {
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
                return .failure(.connectFailed("cannot resolve \(host)"))
            }
            defer { freeaddrinfo(first) }
            var lastError = RedisError.connectFailed("no address for \(host)")
            var info: UnsafeMutablePointer<addrinfo>? = first
            while let current = info {
                switch self.connect(family: current.pointee.ai_family, address: current.pointee.ai_addr,
                    length: current.pointee.ai_addrlen, timeout: timeout, label: "\(host):\(port)")
                {
                case .success(let fd):
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return .success(fd)
                case .failure(let error):
                    lastError = error
                }
                info = current.pointee.ai_next
            }
            return .failure(lastError)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard bytes.count < capacity else { return .failure(.connectFailed("socket path too long")) }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    self.connect(family: AF_UNIX, address: $0, length: socklen_t(MemoryLayout<sockaddr_un>.size),
                        timeout: timeout, label: path)
                }
            }
        }
    }

    private static func connect(
        family: Int32, address: UnsafePointer<sockaddr>?, length: socklen_t, timeout: Duration, label: String
    ) -> Result<Int32, RedisError> {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.connectFailed("socket: errno \(errno)")) }
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS || errno == EAGAIN else {
                let code = errno
                Glibc.close(fd)
                return .failure(.connectFailed("\(label): \(String(cString: strerror(code)))"))
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let deadline = ContinuousClock.now + timeout
            var ready: Int32 = 0
            repeat {
                ready = poll(&descriptor, 1, Int32(clamping: max(0, (deadline - .now).milliseconds)))
            } while ready < 0 && errno == EINTR
            guard ready > 0 else {
                Glibc.close(fd)
                return .failure(.connectFailed("\(label): connect timed out"))
            }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else {
                Glibc.close(fd)
                return .failure(.connectFailed("\(label): \(String(cString: strerror(error)))"))
            }
        }
        return .success(fd)
    }
}
