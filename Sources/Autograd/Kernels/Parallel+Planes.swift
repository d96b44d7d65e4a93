extension Parallel {
    /// Calls `body(plane)` for each of `planes` independent planes (the N·C planes of a
    /// pooling op), split into runs of planes across `Parallel.cores` threads when `work`
    /// (elements touched) is large, else inline. `threads` forces a split (tests). Each
    /// plane is computed whole by one thread, so the split does not change results.
    static func forEachPlane(_ planes: Int, work: Int, threads: Int?, _ body: (Int) -> Void) {
        let parts = Swift.max(1, Swift.min(planes, threads ?? chunks(for: work)))
        forEach(parts) { part in
            for p in (part * planes / parts)..<((part + 1) * planes / parts) { body(p) }
        }
    }
}
