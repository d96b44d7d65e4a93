#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A look at an ELF file's headers before `dlopen` maps it: the loader maps each
/// segment as its program header says, and touching a page past the end of a
/// truncated file raises SIGBUS inside `dlopen`, which no error return can report.
enum SharedObjectHeader {
    /// Why the file at `path` cannot be a whole ELF shared object, or nil when its
    /// headers fit in the file (or it is not an ELF file, which `dlopen` reports itself).
    static func truncation(atPath path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        let size = UInt64(status.st_size)

        func read(_ count: Int, at offset: UInt64) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? bytes : nil
        }
        func integer(_ bytes: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        // Only 64-bit little-endian ELF, the platform this library runs on, is examined.
        guard let header = read(64, at: 0), header[0..<4] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1 else {
            return size > 0 && size < 64 ? "the file is \(size) bytes, shorter than an ELF header" : nil
        }
        let programOffset = integer(header, 32, 8), programSize = integer(header, 54, 2), programCount = integer(header, 56, 2)
        let sectionOffset = integer(header, 40, 8), sectionSize = integer(header, 58, 2), sectionCount = integer(header, 60, 2)
        // Both tables within the file; the section table usually ends it, so a cut file loses it first.
        for (what, offset, entry, count) in [("program", programOffset, programSize, programCount),
                                             ("section", sectionOffset, sectionSize, sectionCount)] {
            let (end, overflow) = offset.addingReportingOverflow(entry * count)
            if overflow || end > size {
                return "the file is \(size) bytes, but its ELF \(what) headers end at byte \(overflow ? UInt64.max : end): it is truncated"
            }
        }
        guard programSize >= 56 else { return nil }
        for k in 0..<programCount {
            guard let entry = read(56, at: programOffset + k * programSize) else { return "cannot read ELF program header \(k)" }
            let loadable = integer(entry, 0, 4) == 1
            let (end, overflow) = integer(entry, 8, 8).addingReportingOverflow(integer(entry, 32, 8))
            if loadable && (overflow || end > size) {
                return "the file is \(size) bytes, but its segment \(k) ends at byte \(overflow ? UInt64.max : end): it is truncated"
            }
        }
        return nil
    }
}
