import Autograd

/// The tensors of a call as the registry takes them: one slot per tensor, a list
/// input contributing one slot per tensor, an omitted optional input a nil slot.
/// These map slots back to the inputs the op declares.
extension OpDefinition {
    /// The declared input behind slot `slot` of a call with `count` slots.
    func declaredInput(ofSlot slot: Int, count: Int) -> OpInput {
        inputs[declaredIndex(ofSlot: slot, count: count)]
    }

    /// The index of the declared input behind slot `slot`.
    func declaredIndex(ofSlot slot: Int, count: Int) -> Int {
        guard let list = inputs.firstIndex(where: \.isList) else { return Swift.min(slot, inputs.count - 1) }
        let length = count - (inputs.count - 1)
        if slot < list { return slot }
        if slot < list + length { return list }
        return slot - length + 1
    }

    /// `x`, or `tensors[1]` for the second tensor of a list input.
    func slotName(_ slot: Int, count: Int) -> String {
        let index = declaredIndex(ofSlot: slot, count: count)
        guard inputs[index].isList else { return inputs[index].name }
        let first = (0..<count).first { declaredIndex(ofSlot: $0, count: count) == index } ?? slot
        return "\(inputs[index].name)[\(slot - first)]"
    }

    /// The slots of `count` that belong to the list input, if there is one.
    func listSlots(count: Int) -> Range<Int>? {
        guard let list = inputs.firstIndex(where: \.isList) else { return nil }
        return list..<(list + count - (inputs.count - 1))
    }

    /// The dtype slot `slot` has in a check running in `dtype`: the spec's, else
    /// the one the input takes exactly, else a discrete domain's, else `dtype`.
    func slotDType(_ slot: Int, count: Int, spec: InputSpec?, running dtype: DType) -> DType {
        if let fixed = spec?.dtype { return fixed }
        if case .exactly(let declared) = declaredInput(ofSlot: slot, count: count).dtypes { return declared }
        return spec?.domain.naturalDType ?? dtype
    }
}
