import Autograd

/// The tensors of a call as the registry takes them: one slot per tensor, a list
/// input contributing one slot per tensor, an omitted optional input a nil slot.
/// These map slots back to the inputs the op declares.
extension OpDefinition {
    /// The declared input behind slot `slot` of a call with `count` slots; the
    /// last one for a slot past them (a call given too many tensors).
    func declaredInput(ofSlot slot: Int, count: Int) -> OpInput {
        inputs[Swift.min(inputLayout.input(ofSlot: slot, count: count), inputs.count - 1)]
    }

    /// The dtype slot `slot` has in a check running in `dtype`: the spec's, else
    /// the one the input takes exactly, else a discrete domain's, else `dtype`.
    func slotDType(_ slot: Int, count: Int, spec: InputSpec?, running dtype: DType) -> DType {
        if let fixed = spec?.dtype { return fixed }
        if case .exactly(let declared) = declaredInput(ofSlot: slot, count: count).dtypes { return declared }
        return spec?.domain.naturalDType ?? dtype
    }
}
