/// How the tensors of a call map to the inputs an op declares: one tensor per
/// input (nil for an omitted optional one), except a list input, which takes as
/// many consecutive tensors as the call gives beyond the other inputs.
///
/// `cat(xs, dim:)` called with three tensors has slots 0, 1 and 2, all of input 0;
/// an op declaring `(weight, xs, bias)` called with five tensors has `weight` at
/// slot 0, `xs` at slots 1..<4 and `bias` at slot 4.
public struct InputLayout: Sendable, Hashable {
    /// How many inputs the op declares.
    public let declaredCount: Int
    /// The declared index of the list input, if the op has one.
    public let listIndex: Int?

    /// The layout of `declaredCount` inputs, the one at `listIndex` (if any) a list.
    public init(declaredCount: Int, listIndex: Int?) {
        self.declaredCount = declaredCount
        self.listIndex = listIndex
    }

    /// The declared input behind slot `slot` of a call with `count` tensors.
    public func input(ofSlot slot: Int, count: Int) -> Int {
        guard let list = listIndex else { return slot }
        let length = count - (declaredCount - 1)
        if slot < list { return slot }
        if slot < list + length { return list }
        return slot - length + 1
    }

    /// The slots of a call with `count` tensors that declared input `index` takes.
    public func slots(ofInput index: Int, count: Int) -> Range<Int> {
        guard let list = listIndex, index >= list else { return index..<(index + 1) }
        let length = count - (declaredCount - 1)
        return index == list ? list..<(list + length) : (index + length - 1)..<(index + length)
    }

    /// The slots the list input takes in a call with `count` tensors; nil without a list input.
    public func listSlots(count: Int) -> Range<Int>? {
        listIndex.map { slots(ofInput: $0, count: count) }
    }
}

extension OpDefinition {
    /// How a call's tensors map to the declared inputs.
    public var inputLayout: InputLayout {
        InputLayout(declaredCount: inputs.count, listIndex: inputs.firstIndex(where: \.isList))
    }

    /// The name of each input slot: an input's name, `tensors[2]` for an element of a list.
    func slotNames(count: Int) -> [String] { (0..<count).map { slotName($0, count: count) } }

    /// How errors and reports name slot `slot` of a call with `count` tensors:
    /// the input's name, `tensors[1]` for the second tensor of a list input, or
    /// `#3` for a tensor past the declared inputs (a call given too many).
    public func slotName(_ slot: Int, count: Int) -> String {
        let index = inputLayout.input(ofSlot: slot, count: count)
        guard inputs.indices.contains(index) else { return "#\(slot)" }
        let input = inputs[index]
        return input.isList ? "\(input.name)[\(slot - index)]" : input.name
    }
}
