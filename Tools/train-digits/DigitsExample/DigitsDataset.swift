import Autograd
import Foundation

/// The UCI handwritten digits: 8x8 images with pixels 0...16, and their labels 0...9.
///
/// Images are stored scaled to [0, 1] (pixels / 16), row-major, 64 floats per image.
public struct DigitsDataset: Sendable {
    /// The number of pixels per image.
    public static let featureCount = 64
    /// The number of classes.
    public static let classCount = 10

    /// All images, `count × 64` scaled pixels.
    public private(set) var pixels: [Float]
    /// The label of each image.
    public private(set) var labels: [Int]

    /// The number of images.
    public var count: Int { labels.count }

    /// Parses the CSV form: per line 64 pixel values 0...16 then the label 0...9, no header.
    public init(csv: String) throws {
        pixels = []
        labels = []
        for (number, line) in csv.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: ",")
            guard fields.count == Self.featureCount + 1 else {
                throw DigitsError("line \(number + 1): expected \(Self.featureCount + 1) comma-separated values, found \(fields.count)")
            }
            for field in fields.dropLast() {
                guard let value = Int(field.trimmingCharacters(in: .whitespaces)), (0...16).contains(value) else {
                    throw DigitsError("line \(number + 1): pixel '\(field)' is not an integer in 0...16")
                }
                pixels.append(Float(value) / 16)
            }
            guard let label = Int(fields.last!.trimmingCharacters(in: .whitespaces)), (0..<Self.classCount).contains(label) else {
                throw DigitsError("line \(number + 1): label '\(fields.last!)' is not a digit 0...9")
            }
            labels.append(label)
        }
    }

    /// Reads a gzip-compressed CSV file.
    public init(gzipContentsOf url: URL) throws {
        let compressed = try [UInt8](Data(contentsOf: url))
        let text = try gunzip(compressed)
        try self.init(csv: String(decoding: text, as: UTF8.self))
    }

    /// The 1,797 images shipped with the package (see `Resources/README.md` for their origin).
    public static func bundled() throws -> DigitsDataset {
        guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz") else {
            throw DigitsError("the digits data set is missing from the DigitsExample resources")
        }
        return try DigitsDataset(gzipContentsOf: url)
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: some Collection<Int>) -> DigitsDataset {
        var result = self
        result.pixels = []
        result.pixels.reserveCapacity(indices.count * Self.featureCount)
        result.labels = []
        for i in indices {
            result.pixels.append(contentsOf: pixels[(i * Self.featureCount)..<((i + 1) * Self.featureCount)])
            result.labels.append(labels[i])
        }
        return result
    }

    /// A seeded shuffle split into a training set of `trainCount` images and a test set of the rest.
    public func split(trainCount: Int, seed: UInt64) -> (train: DigitsDataset, test: DigitsDataset) {
        precondition((0...count).contains(trainCount), "trainCount \(trainCount) is outside 0...\(count)")
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        return (subset(order[..<trainCount]), subset(order[trainCount...]))
    }

    /// The images and labels at `indices` as tensors: inputs `[n, 64]` and int64 class indices `[n]`.
    public func batch(_ indices: some Collection<Int>) -> (inputs: Tensor, labels: Tensor) {
        let part = subset(indices)
        return (Tensor(shape: [part.count, Self.featureCount], scalars: part.pixels),
                Tensor(shape: [part.count], scalars: part.labels.map(Int64.init), dtype: .int64))
    }

    /// The whole set as tensors.
    public func tensors() -> (inputs: Tensor, labels: Tensor) {
        batch(0..<count)
    }
}

/// A problem with the digits data.
public struct DigitsError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
