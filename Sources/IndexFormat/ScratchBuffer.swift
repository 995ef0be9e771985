/// A growable buffer of trivial values for hot loops that append a few values at a
/// time: a class, so that appending through a struct that holds it (or through an
/// `inout` of one) checks no array uniqueness and copies nothing on write.
/// Not thread-safe: one owner.
public final class ScratchBuffer<Element: BitwiseCopyable> {
    public private(set) var base: UnsafeMutablePointer<Element>
    public private(set) var count = 0
    private var capacity: Int

    public init(capacity: Int = 64) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count)
        return base[i]
    }

    @inline(__always)
    public func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        base[count] = value
        count += 1
    }

    @inline(__always)
    public func append(contentsOf values: UnsafeBufferPointer<Element>) {
        if count + values.count > capacity { grow(to: count + values.count) }
        if let source = values.baseAddress {
            // A few values (a posting's positions, usually): a loop costs less than a call.
            if values.count <= 16 {
                for i in 0..<values.count { base[count + i] = source[i] }
            } else {
                (base + count).update(from: source, count: values.count)
            }
        }
        count += values.count
    }

    public func removeAll() { count = 0 }

    /// Keeps the first `n` values (n ≤ `count`).
    @inline(__always)
    public func truncate(to n: Int) {
        precondition(n >= 0 && n <= count)
        count = n
    }

    /// Makes room for `n` values and sets `count` to `n`; values past the old count are
    /// unspecified until written through `base`.
    @inline(__always)
    public func resize(to n: Int) {
        precondition(n >= 0)
        if n > capacity { grow(to: n) }
        count = n
    }

    public var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    private func grow(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: c)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = c
    }
}
