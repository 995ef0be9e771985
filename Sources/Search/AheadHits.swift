import CSIMD
import IndexFormat
import Synchronization

/// Hits decorated ahead: while a query's matching goes on, a helper thread makes the path,
/// title and snippet of the best candidates the top hits hold so far, so that those still
/// among the hits shown when matching ends are ready. The matching thread offers each
/// candidate as it enters the top hits (`TopHits.ahead`); a thread claims a candidate
/// before it makes it, so that none is made twice; once matching is over, both threads
/// claim the hits shown not yet made.
final class AheadHits: Sendable {
    /// Beyond this many hits asked for, nothing is made ahead.
    static let limit = 100
    /// Candidates kept at most (later ones are only made if shown).
    static let capacity = 4096

    struct Made: Sendable {
        var path: String
        var title: String
        var snippet: Snippet?
    }

    enum Guess {
        /// Entry `index`, now claimed.
        case candidate(index: Int, Candidate)
        /// Nothing to make yet.
        case none
        /// Matching is over.
        case over
    }

    private struct Entry: Sendable {
        var candidate: Candidate
        var taken = false
        var made: Result<Made, IndexError>?
    }

    private struct State: Sendable {
        var entries: [Entry] = []
        /// Entries not taken, as a binary heap by score (the best at the root).
        var free: [Int] = []
        /// A candidate scoring below it has left the top hits (it only rises).
        var floor = -Double.infinity
        /// Once matching is over: the entries of the hits shown in rank order, the same in
        /// (segment, document) order, and the next of those to claim.
        var ranked: [Int]?
        var shown: [Int]?
        var next = 0
        /// The query has its hits: nothing more is claimed.
        var closed = false

        /// Whether a thread is making an entry.
        var busy: Bool { entries.contains { $0.taken && $0.made == nil } }
    }

    private let state = Mutex(State())
    /// Counts offers, and is -1 once matching is over: the helper waits for a change
    /// without taking the lock.
    private let news = Atomic<Int>(0)

    /// A candidate that has entered the top hits; `floor` is their lowest score once full.
    func offer(_ c: Candidate, floor: Double?) {
        state.withLock { s in
            s.floor = floor ?? -.infinity
            guard s.entries.count < Self.capacity else { return }
            s.entries.append(Entry(candidate: c))
            s.free.append(s.entries.count - 1)
            // Sift up.
            var i = s.free.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard s.entries[s.free[i]].candidate.score > s.entries[s.free[parent]].candidate.score else { break }
                s.free.swapAt(i, parent)
                i = parent
            }
        }
        news.wrappingAdd(1, ordering: .releasing)
    }

    /// The best candidate not yet taken that is still among the top hits, claimed.
    /// Waits (spinning) while there is none and matching goes on, unless `waiting` is false.
    func guess(waiting: Bool = true) -> Guess {
        var seen = news.load(ordering: .acquiring)
        while true {
            if seen < 0 { return .over }
            let g: Guess = state.withLock { s in
                if s.shown != nil || s.closed { return .over }
                while let top = s.free.first {
                    let pop = s.entries[top].candidate.score < s.floor
                    // Remove the root: the last leaf takes its place and sifts down.
                    let last = s.free.removeLast()
                    if !s.free.isEmpty {
                        s.free[0] = last
                        var i = 0
                        while true {
                            let l = 2 * i + 1, r = l + 1
                            var best = i
                            if l < s.free.count && s.entries[s.free[l]].candidate.score > s.entries[s.free[best]].candidate.score { best = l }
                            if r < s.free.count && s.entries[s.free[r]].candidate.score > s.entries[s.free[best]].candidate.score { best = r }
                            if best == i { break }
                            s.free.swapAt(i, best)
                            i = best
                        }
                    }
                    // Below the floor: it has left the top hits, as has every other.
                    if pop { s.free.removeAll(keepingCapacity: true); return .none }
                    s.entries[top].taken = true
                    return .candidate(index: top, s.entries[top].candidate)
                }
                return .none
            }
            if case .none = g, waiting {
                var wait = SpinWait()
                while news.load(ordering: .acquiring) == seen { wait.pause() }
                seen = news.load(ordering: .acquiring)
                continue
            }
            return g
        }
    }

    /// Waits (spinning) until no candidate among the top hits is left to make and none is
    /// being made: for tests, so that every hit shown that was offered is made ahead.
    func settle() {
        var wait = SpinWait()
        while state.withLock({ s in
            s.busy || s.free.first.map { s.entries[$0].candidate.score >= s.floor } ?? false
        }) { wait.pause() }
    }

    /// Matching is over and these are the hits shown: from now on only they are claimed.
    /// Returns how many of them are made already.
    @discardableResult
    func matched(_ shown: [Candidate]) -> Int {
        state.withLock { s in
            var index: [Int64: Int] = [:]
            for (j, c) in shown.enumerated() { index[c.key] = j }
            var entryOf = [Int](repeating: -1, count: shown.count)
            for (i, e) in s.entries.enumerated() {
                if let j = index[e.candidate.key], entryOf[j] < 0 { entryOf[j] = i }
            }
            for j in shown.indices where entryOf[j] < 0 {
                s.entries.append(Entry(candidate: shown[j]))
                entryOf[j] = s.entries.count - 1
            }
            s.ranked = entryOf
            s.shown = Candidate.documentOrder(shown).map { entryOf[$0] }
            s.free.removeAll()
            news.store(-1, ordering: .releasing)
            return entryOf.filter { s.entries[$0].made != nil }.count
        }
    }

    /// The next hit shown that no thread has taken, claimed; `nil` when there is none.
    func claimNext() -> (index: Int, Candidate)? {
        state.withLock { s in
            guard let shown = s.shown, !s.closed else { return nil }
            while s.next < shown.count {
                let i = shown[s.next]
                s.next += 1
                if !s.entries[i].taken {
                    s.entries[i].taken = true
                    return (i, s.entries[i].candidate)
                }
            }
            return nil
        }
    }

    /// Ends it (when a query stops early, on an error): nothing more is claimed, and once
    /// no thread is making anything, this returns.
    func close() {
        state.withLock { s in s.closed = true }
        news.store(-1, ordering: .releasing)
        var wait = SpinWait()
        while state.withLock({ s in s.busy }) { wait.pause() }
    }

    /// What was made of entry `index`.
    func made(_ index: Int, _ result: Result<Made, IndexError>) {
        state.withLock { s in s.entries[index].made = result }
    }

    /// The hits shown, in their order, once every one is made and no thread is making
    /// anything (so that no thread uses its tools after the query); after it nothing is
    /// claimed. Waits (spinning) until then. - Throws: the first failure among them.
    func collect() throws(IndexError) -> [Made] {
        var wait = SpinWait()
        while true {
            let done: [Result<Made, IndexError>]? = state.withLock { s in
                guard let ranked = s.ranked, !s.busy, ranked.allSatisfy({ s.entries[$0].made != nil }) else { return nil }
                s.closed = true
                return ranked.map { s.entries[$0].made! }
            }
            if let done { return try done.map { (r) throws(IndexError) in try r.get() } }
            wait.pause()
        }
    }
}
