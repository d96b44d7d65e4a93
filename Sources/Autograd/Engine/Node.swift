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
    /// What a node keeps of one input: where its gradient goes, its shape, and
    /// the tensor itself when the backward rule reads it.
    struct Input {
        var edge: GradientEdge
        let shape: [Int]
        var saved: Tensor?
        var version: Int
    }

    /// The name PyTorch shows, such as `MulBackward0`.
    public var name: String { op.definition.gradFnName }
    /// Where each input's gradient goes, in input order.
    public var nextFunctions: [GradientEdge] { inputs.map(\.edge) }

    let op: Op
    let attributes: Attributes
    var inputs: [Input]
    var savedOutput: Tensor?
    var savedOutputVersion = 0
    /// Set once backward has freed the saved tensors.
    var isReleased = false
    weak var retainedOutput: Tensor?

    // Scratch space of one backward pass.
    var pendingGrad: Tensor?
    var dependencies = 0
    var visitMark = 0

    init(op: Op, attributes: Attributes, inputs tensors: [Tensor], output: Tensor) {
        self.op = op
        self.attributes = attributes
        let def = op.definition
        var gradients = 0
        for i in tensors.indices where def.isDifferentiable(input: i) && tensors[i].requiresGrad { gradients += 1 }
        let savesAll = def.saves.contains(.inputs), savesOthers = def.saves.contains(.otherInputs)
        inputs = tensors.indices.map { i in
            let tensor = tensors[i]
            let needsGrad = def.isDifferentiable(input: i) && tensor.requiresGrad
            let edge: GradientEdge = !needsGrad ? .none : tensor.gradFn.map { .node($0) } ?? .accumulateGrad(tensor)
            let saved = savesAll || (savesOthers && gradients > (needsGrad ? 1 : 0))
            return Input(edge: edge, shape: tensor.shape, saved: saved ? tensor : nil, version: tensor.storage.version)
        }
        if def.saves.contains(.output) {
            savedOutput = output.detach()
            savedOutputVersion = output.storage.version
        }
    }

    /// Frees what backward no longer needs; a later backward through a node that
    /// had saved tensors then throws.
    func release() {
        isReleased = savedOutput != nil || inputs.contains { $0.saved != nil }
        for i in inputs.indices { inputs[i].saved = nil }
        savedOutput = nil
    }

    /// Tears the graph behind this node down with a loop instead of recursion,
    /// so a chain of a million nodes cannot overflow the stack.
    deinit {
        var stack: [Node] = []
        Node.detachChildren(&inputs, into: &stack)
        while var node = stack.popLast() {
            if isKnownUniquelyReferenced(&node) {
                Node.detachChildren(&node.inputs, into: &stack)
            }
        }
    }

    private static func detachChildren(_ inputs: inout [Input], into stack: inout [Node]) {
        while var input = inputs.popLast() {
            if case .node(let n) = input.edge { stack.append(n) }
            input.edge = .none
            if var tensor = input.saved {
                input.saved = nil
                if isKnownUniquelyReferenced(&tensor), let n = tensor.gradFn {
                    tensor.gradFn = nil
                    stack.append(n)
                }
            }
        }
    }
}

extension Node: CustomStringConvertible {
    public var description: String { "<\(name)>" }
}
