import Foundation

extension DataCheck {
    /// Records a problem; with `repair` set and an `action`, performs it at once (after which it is marked repaired,
    /// or reported as failed with the reason).
    mutating func problem(
        _ path: String, _ message: String, repair description: String? = nil,
        action: ((inout DataCheck) throws(StorageError) -> Void)? = nil
    ) {
        var finding = DataCheckReport.Finding(path: path, message: message, repair: description)
        if repair, let action, description != nil {
            do {
                try action(&self)
                finding.repaired = true
            } catch {
                finding.repair = "\(description ?? "repair"): \(error)"
            }
        }
        report.findings.append(finding)
    }

    /// Records a remark (not a problem).
    mutating func remark(_ path: String, _ message: String) {
        report.findings.append(.init(path: path, message: message, isRemark: true))
    }

    /// A stray `*.tmp-<pid>` file: a crash interrupted an atomic write before its rename, so the real file still
    /// holds the previous contents and the server never reads this one.
    mutating func strayTemporary(_ path: String) {
        let size = fileSize(path)
        problem(
            path, "stray temporary file (\(DataCheckReport.size(size))) left by an interrupted write; the server never reads it",
            repair: "move it out"
        ) { check throws(StorageError) in try check.moveOut(path) }
    }

    /// The file at `path` (relative), or nil when it does not exist or cannot be read (then reported).
    mutating func readFile(_ path: String) -> [UInt8]? {
        do {
            return try FileIO.read(dataDirectory + "/" + path, limit: maxFileBytes)
        } catch {
            problem(path, "cannot be read: \(error)")
            return nil
        }
    }

    func fileSize(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: dataDirectory + "/" + path)
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: dataDirectory + "/" + path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// Copies `path` (relative) into the backup folder under the same relative path.
    mutating func keepCopy(_ path: String) throws(StorageError) {
        guard let bytes = try FileIO.read(dataDirectory + "/" + path, limit: maxFileBytes) else { return }
        let folder = try backupFolder()
        let target = folder + "/" + path
        try FileIO.makeDirectories(FileIO.parent(of: target))
        try FileIO.writeAtomically(bytes, to: target)
    }

    /// Copies `path` into the backup folder, then removes it.
    mutating func moveOut(_ path: String) throws(StorageError) {
        try keepCopy(path)
        try FileIO.remove(dataDirectory + "/" + path)
        try FileIO.syncDirectory(of: dataDirectory + "/" + path)
    }

    /// `<data>/repair-<UTC time>`, created on first use (a new name if it exists).
    mutating func backupFolder() throws(StorageError) -> String {
        if let backup { return dataDirectory + "/" + backup }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var name = "repair-" + formatter.string(from: now)
        var n = 1
        while FileIO.exists(dataDirectory + "/" + name) {
            n += 1
            name = "repair-" + formatter.string(from: now) + "-\(n)"
        }
        try FileIO.makeDirectories(dataDirectory + "/" + name)
        backup = name
        return dataDirectory + "/" + name
    }
}
