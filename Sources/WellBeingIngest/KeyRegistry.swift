import Foundation

/// Remembers every respondent id of a file and the line it stood on, to find repeats: an open-addressing
/// hash table over the ids' bytes (FNV-1a), far cheaper than a dictionary of strings for a million ids.
/// While ids arrive in increasing order (as most exports number them), none can repeat, and the table is
/// only built once an id breaks the order.
struct KeyRegistry {
    private struct Slot {
        var hash: UInt64
        /// The entry's position + 1 (0 = empty slot).
        var entry: Int32
    }

    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lines: [Int] = []
    private var slots: [Slot] = []
    private var count = 0
    /// Whether every id so far was greater (byte-wise) than the one before.
    private var ascending = true

    /// Records `key` at `line`; returns the line of an earlier identical key instead.
    mutating func insert(_ key: UnsafeBufferPointer<UInt8>, line: Int) -> Int? {
        if ascending {
            if count > 0 {
                let order = compareWithLast(key)
                if order == 0 { return lines[count - 1] }
                if order < 0 {
                    ascending = false
                    buildTable()
                    return insertHashed(key, line: line)
                }
            }
            offsets.append(arena.count)
            arena.append(contentsOf: key)
            lines.append(line)
            count += 1
            return nil
        }
        return insertHashed(key, line: line)
    }

    /// <0, 0 or >0 as `key` sorts before, equal to or after the last id.
    private func compareWithLast(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let start = offsets[count - 1]
        let length = arena.count - start
        let common = min(length, key.count)
        let result = common == 0 ? 0 : arena.withUnsafeBufferPointer { memcmp(key.baseAddress!, $0.baseAddress! + start, common) }
        if result != 0 { return Int(result) }
        return key.count - length
    }

    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Hashes every id recorded so far into a new table.
    private mutating func buildTable() {
        var capacity = 1 << 12
        while capacity < count * 2 + 2 { capacity *= 2 }
        slots = [Slot](repeating: Slot(hash: 0, entry: 0), count: capacity)
        let mask = capacity - 1
        for entry in 0..<count {
            let start = offsets[entry]
            let end = entry + 1 < count ? offsets[entry + 1] : arena.count
            let hash = arena.withUnsafeBufferPointer { Self.hash(UnsafeBufferPointer(rebasing: $0[start..<end])) }
            var position = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[position].entry != 0 { position = (position + 1) & mask }
            slots[position] = Slot(hash: hash, entry: Int32(entry + 1))
        }
    }

    private mutating func insertHashed(_ key: UnsafeBufferPointer<UInt8>, line: Int) -> Int? {
        let hash = Self.hash(key)
        let mask = slots.count - 1
        var position = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let slot = slots[position]
            if slot.entry == 0 { break }
            if slot.hash == hash && matches(Int(slot.entry) - 1, key) { return lines[Int(slot.entry) - 1] }
            position = (position + 1) & mask
        }
        offsets.append(arena.count)
        arena.append(contentsOf: key)
        lines.append(line)
        count += 1
        slots[position] = Slot(hash: hash, entry: Int32(count))
        if count * 2 > slots.count { grow() }
        return nil
    }

    private func matches(_ entry: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[entry]
        let end = entry + 1 < offsets.count ? offsets[entry + 1] : arena.count
        guard end - start == key.count else { return false }
        if key.isEmpty { return true }
        return arena.withUnsafeBufferPointer { memcmp($0.baseAddress! + start, key.baseAddress!, key.count) == 0 }
    }

    private mutating func grow() {
        var bigger = [Slot](repeating: Slot(hash: 0, entry: 0), count: slots.count * 2)
        let mask = bigger.count - 1
        for slot in slots where slot.entry != 0 {
            var position = Int(truncatingIfNeeded: slot.hash ^ (slot.hash >> 29)) & mask
            while bigger[position].entry != 0 { position = (position + 1) & mask }
            bigger[position] = slot
        }
        slots = bigger
    }
}
