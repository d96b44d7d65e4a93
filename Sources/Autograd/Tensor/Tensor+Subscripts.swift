extension Tensor {
    /// The elements at `indices`, as PyTorch's `x[...]` reads them.
    ///
    /// ```swift
    /// x[0]                           // x[0]: a view without dim 0
    /// x[-1, 1...]                    // x[-1, 1:]
    /// x[.ellipsis, 0]                // x[..., 0]
    /// x[.all, .strided(from: 1, by: 2)]  // x[:, 1::2]
    /// x[.newAxis]                    // x[None]
    /// x[x .> 0]                      // x[x > 0]: a bool mask, a 1-D copy
    /// x[Tensor([2, 0])]              // an int64 tensor of positions along dim 0: a copy
    /// x[0..<2] = y                   // x[0:2] = y
    /// ```
    ///
    /// Positions, ranges, `.ellipsis` and `.newAxis` give views sharing this
    /// tensor's storage (`select`, `slice`, `unsqueeze`); ranges clamp to the dim as
    /// Python's do. One int64 tensor (positions, `index_select`) or bool tensor
    /// (a mask over as many dims as it has, `masked_select`) may be among them, and
    /// gives a copy, its dims where that entry stands.
    ///
    /// Assigning copies the value (broadcast, converted to this dtype) into the
    /// view the entries pick (`view.copy(from:)`), an in-place update of this tensor
    /// recorded as any other: gradients flow to the value and, outside the written
    /// region, to this tensor's history. Through a mask, the value broadcasts to the
    /// shape the read would give (`x[mask] = Tensor(0.0)`). Assigning through an
    /// int64 tensor is not supported.
    ///
    /// A position outside its dim traps, naming the dim, the position and the size,
    /// as `Array` does (the ops behind, called through `OpRegistry`, throw the same
    /// message); so do a second ellipsis, more entries than dims, a mask whose shape
    /// differs from the dims it covers, a step that is not positive, and the
    /// in-place errors of `copy(from:)`.
    public subscript(_ indices: any TensorIndexConvertible...) -> Tensor {
        get { trapOnError { try indexed(indices.map(\.tensorIndex)) } }
        set { trapOnError { try assign(newValue, at: indices.map(\.tensorIndex)) } }
    }

    /// The subscript's read, throwing instead of trapping.
    func indexed(_ entries: [TensorIndex]) throws -> Tensor {
        let plan = try IndexPlan(entries, shape: shape)
        let view = try plan.view(of: self)
        guard let advanced = plan.advanced else { return view }
        return try advanced.read(from: view)
    }

    /// The subscript's write, throwing instead of trapping.
    func assign(_ value: Tensor, at entries: [TensorIndex]) throws {
        let plan = try IndexPlan(entries, shape: shape)
        let view = try plan.view(of: self)
        guard let advanced = plan.advanced else { return try view.copy(from: value) }
        try advanced.write(value, into: view)
    }
}

/// A subscript's entries resolved against a shape: the view ops to apply in
/// order, and the one tensor entry to apply to the view, if any.
struct IndexPlan {
    enum Step {
        case select(dim: Int, index: Int)
        case slice(dim: Int, start: Int?, end: Int?, step: Int)
        case unsqueeze(dim: Int)
    }

    var steps: [Step] = []
    var advanced: TensorEntry?

    init(_ entries: [TensorIndex], shape: [Int]) throws {
        let consumed = entries.reduce(0) { $0 + $1.consumedDims }
        let ellipses = entries.count { if case .ellipsis = $0.kind { true } else { false } }
        guard ellipses <= 1 else {
            throw AutogradError(.shape, "an index can have only one ellipsis; got \(ellipses)")
        }
        guard consumed <= shape.count else {
            throw AutogradError(.shape, shape.isEmpty
                ? "a 0-d tensor cannot be indexed; read its value with item()"
                : "too many indices for a tensor of shape \(Shape.describe(shape)): \(consumed) dims indexed, it has \(shape.count)")
        }
        var original = 0, dim = 0  // the dim read in the indexed tensor, and in the view being built
        for entry in entries {
            switch entry.kind {
            case .position(let index):
                // Checked against the indexed tensor, so the message names the dim the caller meant.
                _ = try SelectPosition(Attributes(["dim": .int(original), "index": .int(index)]), shape: shape, op: "select")
                steps.append(.select(dim: dim, index: index))
                original += 1
            case .slice(let start, let end, let step):
                guard step > 0 else {
                    throw AutogradError(.attribute, "slice: step must be positive, got \(step) (for dim \(original))")
                }
                if start != nil || end != nil || step != 1 { steps.append(.slice(dim: dim, start: start, end: end, step: step)) }
                original += 1
                dim += 1
            case .ellipsis:
                original += shape.count - consumed
                dim += shape.count - consumed
            case .newAxis:
                steps.append(.unsqueeze(dim: dim))
                dim += 1
            case .tensor(let t):
                guard advanced == nil else {
                    throw AutogradError(.shape, "an index can have only one tensor entry (int64 positions or a bool mask)")
                }
                let entry = try TensorEntry(t, dim: dim, original: original, shape: shape)
                advanced = entry
                original += entry.covered
                dim += entry.covered
            }
        }
    }

    /// The view the basic entries pick: positions, ranges and new axes, in order.
    func view(of x: Tensor) throws -> Tensor {
        var view = x
        for step in steps {
            switch step {
            case .select(let dim, let index):
                view = try OpHandle.select.op().call([view], attributes: ["dim": .int(dim), "index": .int(index)])
            case .slice(let dim, let start, let end, let step):
                view = try OpHandle.slice.op().call([view], attributes: [
                    "dim": .int(dim), "start": start.map(AttributeValue.int) ?? nil,
                    "end": end.map(AttributeValue.int) ?? nil, "step": .int(step),
                ])
            case .unsqueeze(let dim):
                view = try OpHandle.unsqueeze.op().call([view], attributes: ["dim": .int(dim)])
            }
        }
        return view
    }
}

/// An int64 or bool tensor in a subscript, standing at `dim` of the view.
struct TensorEntry {
    let tensor: Tensor
    let dim: Int
    /// The dims of the view it covers: 1 for positions, the mask's rank for a mask.
    let covered: Int

    init(_ t: Tensor, dim: Int, original: Int, shape: [Int]) throws {
        switch t.dtype {
        case .int64:
            // Checked against the indexed tensor's dim, as a position is.
            _ = try BuiltinOps.checkedIndices(t, size: shape[original], op: "index_select", dim: original)
            covered = 1
        case .bool:
            let dims = Array(shape[original..<Swift.min(original + t.rank, shape.count)])
            guard t.rank > 0, dims == t.shape else {
                throw AutogradError(.shape, """
                    the mask of shape \(Shape.describe(t.shape)) does not match the dims \(original)..<\(original + t.rank) \
                    of the indexed tensor of shape \(Shape.describe(shape)) (a mask covers as many dims as it has, \
                    with their sizes)
                    """)
            }
            covered = t.rank
        default:
            throw AutogradError(.dtype, """
                a tensor in a subscript must be int64 (positions) or bool (a mask), got a \(t.dtype) tensor \
                of shape \(Shape.describe(t.shape))
                """)
        }
        tensor = t
        self.dim = dim
    }

    /// The view's dims before and after the ones this entry covers.
    private func around(_ view: Tensor) -> (before: [Int], after: [Int]) {
        (Array(view.shape[..<dim]), Array(view.shape[(dim + covered)...]))
    }

    /// The mask's true count.
    private var selectedCount: Int { MaskWalk.count(tensor, shape: tensor.shape) }

    /// `view[..., tensor, ...]`: the covered dims replaced by the positions' shape
    /// (int64) or by the number of true mask elements (bool).
    func read(from view: Tensor) throws -> Tensor {
        let (before, after) = around(view)
        if tensor.dtype == .int64 {
            let flat = try tensor.rank == 1 ? tensor : OpHandle.reshape.op().call([tensor], attributes: ["shape": [-1]])
            let picked = try OpHandle.indexSelect.op().call([view, flat], attributes: ["dim": .int(dim)])
            let shape = before + tensor.shape + after
            return picked.shape == shape ? picked : try OpHandle.reshape.op().call([picked], attributes: ["shape": .ints(shape)])
        }
        // The mask's dims first, so that the elements masked_select reads come out
        // grouped per true position: [count, after...] after a reshape.
        var moved = view
        if dim > 0 {
            let order = Array(dim..<(dim + covered)) + Array(0..<dim) + Array((dim + covered)..<view.rank)
            moved = try OpHandle.permute.op().call([view], attributes: ["dims": .ints(order)])
        }
        let mask = try reshapedMask(ones: 0, before.count + after.count)
        let selected = try OpHandle.maskedSelect.op().call([moved, mask])
        let rest = Shape.count(before + after)
        let count = rest == 0 ? selectedCount : selected.scalarCount / rest
        var result = try OpHandle.reshape.op().call([selected], attributes: ["shape": .ints([count] + before + after)])
        if dim > 0 {
            var order = Array(1..<result.rank)
            order.insert(0, at: dim)
            result = try OpHandle.permute.op().call([result], attributes: ["dims": .ints(order)])
        }
        return result
    }

    /// `view[..., mask, ...] = value`: masked_scatter in place, the value broadcast to what the read gives.
    func write(_ value: Tensor, into view: Tensor) throws {
        guard tensor.dtype == .bool else {
            throw AutogradError(.inPlace, """
                assigning through an int64 tensor index is not supported; build the result out of place \
                (scatterAdd, indexAdd) or assign through a bool mask
                """)
        }
        let (before, after) = around(view)
        let target = before + [selectedCount] + after
        guard Shape.broadcast(value.shape, target) == target else {
            throw AutogradError(.shape, """
                cannot assign a tensor of shape \(Shape.describe(value.shape)) to the masked elements, of shape \
                \(Shape.describe(target)) (the value must broadcast to it)
                """)
        }
        // masked_scatter fills the true positions in row-major order, which is the
        // order of the read's elements, so the value goes in laid out as the read.
        let source = value.shape == target ? value
            : try OpHandle.expand.op().call([value], attributes: ["shape": .ints(target)])
        let mask = try reshapedMask(ones: before.count, after.count)
        try view.update(OpHandle.maskedScatter.op(), [mask, source])
    }

    /// The mask with `leading` and `trailing` size-1 dims, to broadcast against the view.
    private func reshapedMask(ones leading: Int, _ trailing: Int) throws -> Tensor {
        guard leading + trailing > 0 else { return tensor }
        let shape = Array(repeating: 1, count: leading) + tensor.shape + Array(repeating: 1, count: trailing)
        return try OpHandle.reshape.op().call([tensor], attributes: ["shape": .ints(shape)])
    }
}
