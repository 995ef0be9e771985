import CSIMD

/// Waiting in a loop for another thread: a short spin (the other thread is most often
/// running on another processor and about to finish), then giving the processor away
/// at each turn, so that a waiting thread does not take the time of the one it waits for
/// when both share a processor (`--threads 2` under `taskset -c 0`, a busy machine).
struct SpinWait {
    private var turns = 0
    /// Turns spent spinning before yielding (about 10–40 µs of `pause`).
    static let spins = 256

    /// One turn of the wait.
    @inline(__always)
    mutating func pause() {
        if turns < Self.spins {
            turns &+= 1
            csimd_pause()
        } else {
            csimd_yield()
        }
    }
}
