#if canImport(Glibc)
import Glibc
#endif
import CSIMD

/// How many processors this process may use: the default number of threads for
/// indexing and for `search --batch`.
///
/// Not the machine's count (`sysconf(_SC_NPROCESSORS_ONLN)`): a process started with
/// `taskset -c 0`, or in a container given one CPU (`docker --cpus 1`, a cgroup CPU
/// quota), has one, and a second thread there would only take turns with the first (and
/// a thread that spins while it waits would take the first one's time).
public enum Processors {
    /// The processors of the calling thread's affinity mask, fewer when a cgroup CPU
    /// quota (version 2 `cpu.max`, version 1 `cpu.cfs_quota_us`) allows less; at least 1.
    public static func available() -> Int {
        var count = Int(csimd_affinity_count())
        if count <= 0 { count = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
        if let quota = cgroupQuota { count = min(count, quota) }
        return max(1, count)
    }

    /// The CPU quota of this process's cgroup and its ancestors, in whole processors
    /// (rounded up); `nil` when there is none. Read once: it is the container's.
    static let cgroupQuota: Int? = {
        guard let membership = readFile("/proc/self/cgroup") else { return nil }
        var quotas: [Int] = []
        for line in membership.split(separator: "\n") {
            // "hierarchy-ID:controllers:path"; version 2 is "0::path".
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                for dir in ancestors(of: path, under: "/sys/fs/cgroup") {
                    if let text = readFile(dir + "/cpu.max"), let q = quota(cpuMax: text) { quotas.append(q) }
                }
            } else if controllers.contains("cpu") {
                for mount in ["/sys/fs/cgroup/" + fields[1], "/sys/fs/cgroup/cpu"] {
                    for dir in ancestors(of: path, under: mount) {
                        if let q = readFile(dir + "/cpu.cfs_quota_us"), let p = readFile(dir + "/cpu.cfs_period_us"),
                           let v = quota(cfsQuota: q, period: p) {
                            quotas.append(v)
                        }
                    }
                }
            }
        }
        return quotas.min()
    }()

    /// Whole processors (rounded up) of a version 2 `cpu.max` ("max 100000": none;
    /// "150000 100000": 2).
    static func quota(cpuMax text: String) -> Int? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 1, let quota = Int(fields[0]) else { return nil }
        let period = fields.count >= 2 ? Int(fields[1]) ?? 100_000 : 100_000
        return wholeProcessors(quota: quota, period: period)
    }

    /// Whole processors (rounded up) of version 1 `cpu.cfs_quota_us` and
    /// `cpu.cfs_period_us` ("-1": none).
    static func quota(cfsQuota: String, period: String) -> Int? {
        guard let q = Int(cfsQuota.filter { $0 != "\n" && $0 != " " }),
              let p = Int(period.filter { $0 != "\n" && $0 != " " }) else { return nil }
        return wholeProcessors(quota: q, period: p)
    }

    private static func wholeProcessors(quota: Int, period: Int) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    /// `root + path` and each of its parents down to `root`.
    private static func ancestors(of path: String, under root: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var dirs: [String] = []
        while true {
            dirs.append(root + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/")))
            if parts.isEmpty { return dirs }
            parts.removeLast()
        }
    }

    /// A small text file's contents (`nil` when it cannot be read).
    private static func readFile(_ path: String) -> String? {
        (try? SystemCall.readFile(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}
