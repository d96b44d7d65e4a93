import Foundation

/// The first key that an object of a JSON document repeats. JSONDecoder and
/// JSONSerialization keep one of the values silently, so a manifest that
/// declares, say, two `float64` kernels would lose one without a word.
struct JSONDuplicateKey {
    /// Where the repeated key sits, as manifest field paths write it: `ops[0].forward.float64`.
    let path: [Component]

    enum Component {
        case key(String)
        case index(Int)
    }

    /// The field path, such as `ops[0].forward.float64`.
    var field: String {
        path.reduce(into: "") { text, component in
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let i): text += "[\(i)]"
            }
        }
    }

    /// Finds the first repeated key of a document that is already known to be valid
    /// UTF-8 JSON. Given anything else it stops at the end of the bytes: no trap.
    static func first(in bytes: [UInt8]) -> JSONDuplicateKey? {
        var scanner = Scanner(bytes: bytes)
        return scanner.value(at: [])
    }

    /// A walk over valid JSON that reads only the keys: values are skipped.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        /// The byte at `position`; nil past the end, where every loop stops.
        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func value(at path: [Component]) -> JSONDuplicateKey? {
            skipSpaces()
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var seen: Set<String> = []
                while true {
                    skipSpaces()
                    if current == UInt8(ascii: "}") || current == nil { break }
                    let key = string()
                    let childPath = path + [.key(key)]
                    if !seen.insert(key).inserted { return JSONDuplicateKey(path: childPath) }
                    skipSpaces()
                    position += 1  // the colon
                    if let duplicate = value(at: childPath) { return duplicate }
                    skipSpaces()
                    if current == UInt8(ascii: ",") { position += 1 }
                }
                position += 1
            case UInt8(ascii: "["):
                position += 1
                var index = 0
                while true {
                    skipSpaces()
                    if current == UInt8(ascii: "]") || current == nil { break }
                    if let duplicate = value(at: path + [.index(index)]) { return duplicate }
                    index += 1
                    skipSpaces()
                    if current == UInt8(ascii: ",") { position += 1 }
                }
                position += 1
            case UInt8(ascii: "\""):
                _ = string()
            default:
                // A number, true, false or null: up to the next delimiter. At least one
                // byte, so that every loop above moves on whatever the bytes are.
                repeat { position += 1 } while position < bytes.count && !",]} \t\r\n".utf8.contains(bytes[position])
            }
            return nil
        }

        /// A string's value; escapes are decoded so `"a"` and `"\u0061"` are the same key.
        private mutating func string() -> String {
            let start = position
            position += 1
            var escaped = false
            while let byte = current, byte != UInt8(ascii: "\"") {
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    position += 1
                }
                position += 1
            }
            position = Swift.min(position + 1, bytes.count)
            let raw = bytes[start..<position]
            guard escaped else { return String(decoding: raw.dropFirst().dropLast(), as: UTF8.self) }
            return (try? JSONDecoder().decode(String.self, from: Data(raw))) ?? String(decoding: raw, as: UTF8.self)
        }

        private mutating func skipSpaces() {
            while position < bytes.count, " \t\r\n".utf8.contains(bytes[position]) { position += 1 }
        }
    }
}
