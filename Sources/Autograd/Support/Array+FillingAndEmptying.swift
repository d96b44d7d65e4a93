extension Array {
    /// `count` copies of `value`, as `init(repeating:count:)` makes them, for the
    /// small arrays made on every op call and backward pass: that initialiser
    /// allocates through the standard library's unspecialised path, which looks
    /// up the array's runtime type each time (about 300 instructions more per
    /// array than reserving and appending, counted with callgrind).
    @inline(__always)
    init(filling value: Element, count: Int) {
        self.init()
        reserveCapacity(count)
        for _ in 0..<count { append(value) }
    }

    /// Removes every element and keeps the buffer: what `removeAll(keepingCapacity: true)`
    /// does, without its generic path, for the few elements the engine's per-node buffers hold.
    mutating func empty() {
        while !isEmpty { removeLast() }
    }
}
