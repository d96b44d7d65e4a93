/// Where a node sends the gradient for one of its op's inputs.
public enum GradientEdge {
    /// Into the node that produced the input.
    case node(Node)
    /// Into the `grad` of a leaf that requires grad (PyTorch's `AccumulateGrad`).
    case accumulateGrad(Tensor)
    /// Nowhere: the input does not require grad.
    case none
}

/// A recorded op call: what `gradFn` returns, and what backward walks.
///
/// A node holds its op, the tensors its backward rule reads, and an edge per
/// input. It never holds its own output strongly: the output is saved as a
/// history-free alias, so graphs free themselves when their last tensor goes.
public final class Node {
    /// The name PyTorch shows, such as `MulBackward0`.
    public var name: String { op.definition.gradFnName }
    /// Where each input's gradient goes, in input order.
    public internal(set) var nextFunctions: [GradientEdge]

    let op: Op
    let attributes: Attributes
    let inputShapes: [[Int]]
    var savedInputs: [Tensor] = []
    var savedInputVersions: [Int] = []
    var savedOutput: Tensor?
    var savedOutputVersion = 0
    /// Set once backward has freed the saved tensors.
    var isReleased = false
    weak var retainedOutput: Tensor?

    // Scratch space of one backward pass.
    var pendingGrad: Tensor?
    var dependencies = 0
    var visitMark = 0

    init(op: Op, attributes: Attributes, inputs: [Tensor], output: Tensor) {
        self.op = op
        self.attributes = attributes
        let def = op.definition
        inputShapes = inputs.map(\.shape)
        nextFunctions = inputs.indices.map { i in
            let input = inputs[i]
            guard def.isDifferentiable(input: i), input.requiresGrad else { return .none }
            if let node = input.gradFn { return .node(node) }
            return .accumulateGrad(input)
        }
        if def.saves.contains(.inputs) {
            savedInputs = inputs
            savedInputVersions = inputs.map(\.storage.version)
        }
        if def.saves.contains(.output) {
            savedOutput = output.detach()
            savedOutputVersion = output.storage.version
        }
    }

    /// Frees what backward no longer needs.
    func release() {
        isReleased = true
        savedInputs = []
        savedOutput = nil
    }

    /// Tears the graph behind this node down with a loop instead of recursion,
    /// so a chain of a million nodes cannot overflow the stack.
    deinit {
        var stack: [Node] = []
        Node.detachChildren(&nextFunctions, &savedInputs, into: &stack)
        while var node = stack.popLast() {
            if isKnownUniquelyReferenced(&node) {
                Node.detachChildren(&node.nextFunctions, &node.savedInputs, into: &stack)
            }
        }
    }

    private static func detachChildren(_ edges: inout [GradientEdge], _ saved: inout [Tensor], into stack: inout [Node]) {
        while let edge = edges.popLast() {
            if case .node(let n) = edge { stack.append(n) }
        }
        while var tensor = saved.popLast() {
            if isKnownUniquelyReferenced(&tensor), let n = tensor.gradFn {
                tensor.gradFn = nil
                stack.append(n)
            }
        }
    }
}

extension Node: CustomStringConvertible {
    public var description: String { "<\(name)>" }
}
