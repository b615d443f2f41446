/// Diffing an update against a state vector, and the state vector of an update, without a document
/// (Yjs `diffUpdate` and `encodeStateVectorFromUpdate`, yjs-format.md §4.3–4.4).
extension Update {
    /// What `other` is missing: per client, everything from `stateVector[client]` on (the first struct cut at that
    /// clock, Skips kept after it but never first). The delete set is kept whole, as Yjs does (yjs#663).
    public func diff(against stateVector: StateVector) -> Update {
        var out = BlockWriter()
        let all = Array(self.blocks)
        var i = 0
        while i < all.count {
            let curr = all[i]
            let client = curr.id.client
            let svClock = stateVector[client]
            if curr.isSkip {
                i += 1
                continue
            }
            if curr.endClock > svClock {
                let offset = svClock > curr.id.clock ? svClock - curr.id.clock : 0
                out.write(curr.dropFirst(offset))
                i += 1
                while i < all.count, all[i].id.client == client {
                    out.write(all[i])
                    i += 1
                }
            } else {
                while i < all.count, all[i].id.client == client, all[i].endClock <= svClock { i += 1 }
            }
        }
        return Update(sections: out.sections, deleteSet: self.deleteSet.regrouped())
    }

    /// Diffs encoded bytes (Yjs `diffUpdate` / `diffUpdateV2`).
    public static func diff(
        _ update: ArraySlice<UInt8>, against stateVector: StateVector, format: UpdateFormat,
        limits: UpdateDecodingLimits = .default
    ) throws(DecodingError) -> [UInt8] {
        try Update(bytes: update, format: format, limits: limits).diff(against: stateVector).encoded(format)
    }

    /// The state vector an update provides on its own (Yjs `encodeStateVectorFromUpdate`): for each client whose
    /// structs start at clock 0, the end of the contiguous run up to the first Skip; other clients are omitted.
    /// Entries are in update order.
    public var stateVector: StateVector {
        var sv = StateVector()
        var iterator = self.blocks.makeIterator()
        guard let first = iterator.next() else { return sv }
        var currClient = first.id.client
        var stopCounting = first.id.clock != 0
        var currClock: Clock = stopCounting ? 0 : first.endClock
        var next: Block? = first
        // Like Yjs, the loop visits the first struct again (a first Skip at clock 0 still counts).
        while let curr = next {
            if currClient != curr.id.client {
                if currClock != 0 { sv[currClient] = currClock }
                currClient = curr.id.client
                currClock = 0
                stopCounting = curr.id.clock != 0
            }
            if curr.isSkip { stopCounting = true }
            if !stopCounting { currClock = curr.endClock }
            next = iterator.next()
        }
        if currClock != 0 { sv[currClient] = currClock }
        return sv
    }

    /// The state vector of encoded update bytes.
    public static func stateVector(
        of update: ArraySlice<UInt8>, format: UpdateFormat, limits: UpdateDecodingLimits = .default
    ) throws(DecodingError) -> StateVector {
        try Update(bytes: update, format: format, limits: limits).stateVector
    }
}
