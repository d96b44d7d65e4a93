import Autograd

extension OpSample {
    /// Samples for built-in ops whose declaration alone gives a poor one: attribute
    /// values worth checking (clamp's bounds, a generic exponent), domains probing
    /// cannot guess (int64 class indices of a chosen count), and the 0-d, empty and
    /// large variants of shape ops. Every other op is sampled from `--cases` or
    /// synthesised from its declaration. References live in the definitions.
    public static let builtins: [String: OpSample] = {
        var table: [String: OpSample] = [:]
        table["clamp"] = .elementwise(arity: 1, attributes: ["min": -0.5, "max": 0.5])
        // 2.5 takes pow's general path; 0.5, 1, 2, 3 and -1 have fast paths of their own.
        // IEEE pow's special cases (pow(-inf, 2.5) = inf) are no formula's.
        table["pow_scalar"] = .elementwise(arity: 1, domain: .positive, attributes: ["exponent": 2.5],
                                           referenceCoversSpecialValues: false)
        // IEEE pow's special cases (pow(1, NaN) = 1, pow(0, 0) = 1) are no formula's.
        var pow = OpSample.elementwise(arity: 2, referenceCoversSpecialValues: false)
        pow.inputs[0]?.domain = .positive
        table["pow"] = pow

        for name in ["softmax", "log_softmax"] {
            table[name] = OpSample(
                inputs: [InputSpec([3, 4])], attributes: ["dim": 1],
                zeroDim: ShapeVariant([[]], attributes: ["dim": 0]), emptyDim: ShapeVariant([[0, 4]]),
                large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[4]])
        }
        table["sum"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["dims": [1]],
            zeroDim: ShapeVariant([[]], attributes: [:]), emptyDim: ShapeVariant([[0, 4]], attributes: ["dims": [0]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        table["mean"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["dims": [0], "keepdim": true],
            zeroDim: ShapeVariant([[]], attributes: [:]), emptyDim: ShapeVariant([[0, 4]], attributes: ["dims": [1]]),
            large: LargeVariant([[-1, 4]], split: [0], attributes: ["dims": [1]]))
        table["max_reduce"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["dim": 1],
            zeroDim: ShapeVariant([[]], attributes: ["dim": 0]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        table["transpose"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["dim0": 0, "dim1": 1],
            zeroDim: ShapeVariant([[]], attributes: ["dim0": 0, "dim1": 0]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0], combination: .concatenate(dim: 1)), invalidShapes: [[3]])
        table["reshape"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["shape": [4, 3]],
            zeroDim: ShapeVariant([[]], attributes: ["shape": []]), emptyDim: ShapeVariant([[0, 4]], attributes: ["shape": [-1]]),
            large: LargeVariant([[-1, 4]], split: [0], attributes: ["shape": [-1]]), invalidShapes: [[5]])
        table["expand"] = OpSample(
            inputs: [InputSpec([3, 1])], attributes: ["shape": [2, 3, 4]],
            zeroDim: ShapeVariant([[]], attributes: ["shape": [2, 3]]), emptyDim: ShapeVariant([[0, 1]], attributes: ["shape": [0, 4]]),
            large: LargeVariant([[-1, 1]], split: [0], attributes: ["shape": [-1, 4]]), invalidShapes: [[3, 2]])
        table["contiguous"] = OpSample(
            inputs: [InputSpec([3, 4])],
            zeroDim: ShapeVariant([[]]), emptyDim: ShapeVariant([[0, 4]]), large: LargeVariant([[-1]], split: [0]))
        table["matmul"] = OpSample(
            inputs: [InputSpec([2, 3]), InputSpec([3, 4])],
            emptyDim: ShapeVariant([[2, 0], [0, 4]]),
            large: LargeVariant([[-1, 3], [3, 4]], split: [0]), invalidShapes: [[2, 3], [4, 5]])
        table["linear"] = OpSample(
            inputs: [InputSpec([2, 3]), InputSpec([4, 3]), InputSpec([4])],
            emptyDim: ShapeVariant([[0, 3], [4, 3], [4]]),
            large: LargeVariant([[-1, 3], [4, 3], [4]], split: [0]), invalidShapes: [[2, 3], [4, 2], [4]])
        table["mse_loss"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3, 4])],
            zeroDim: ShapeVariant([[], []]), emptyDim: ShapeVariant([[0, 4], [0, 4]]),
            large: LargeVariant([[-1], [-1]], split: [0, 1], combination: .mean), invalidShapes: [[3], [4]])
        // A weighted mean is no mean of pieces' means: the large call leaves the weight out.
        table["cross_entropy"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3], .classIndices(count: 4), dtype: .int64), InputSpec([4], .positive)],
            emptyDim: ShapeVariant([[0, 4], [0], [4]]),
            large: LargeVariant([[-1, 4], [-1], nil], split: [0, 1], combination: .mean), invalidShapes: [[3, 4], [2], [4]])
        table["nll_loss"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3], .classIndices(count: 4)), InputSpec([4], .positive)],
            emptyDim: ShapeVariant([[0, 4], [0], [4]]),
            large: LargeVariant([[-1, 4], [-1], nil], split: [0, 1], combination: .mean), invalidShapes: [[3, 4], [2], [4]])
        table["one_hot"] = OpSample(
            inputs: [InputSpec([5], .classIndices(count: 4))], attributes: ["num_classes": 4],
            zeroDim: ShapeVariant([[]]), emptyDim: ShapeVariant([[0]]), large: LargeVariant([[-1]], split: [0]))
        // Converting to float64 keeps every check meaningful in both rows; the
        // variants convert to the other dtypes.
        table["to"] = OpSample(inputs: [InputSpec([3, 4])], attributes: ["dtype": "float64"],
                               zeroDim: ShapeVariant([[]]), emptyDim: ShapeVariant([[0, 4]]),
                               large: LargeVariant([[-1, 4]], split: [0]))
        // A 2x2 window at offset 1 of a [3, 4] base laid out row-major.
        let window: [String: AttributeValue] = [
            "size": [2, 2], "stride": [4, 1], "storage_offset": 1, "base_stride": [4, 1], "base_offset": 0,
        ]
        table["as_strided"] = OpSample(inputs: [InputSpec([3, 4])], attributes: window)
        table["as_strided_scatter"] = OpSample(inputs: [InputSpec([3, 4]), InputSpec([2, 2])], attributes: window)
        table["slice"] = OpSample(
            inputs: [InputSpec([3, 5])], attributes: ["dim": 1, "start": 1, "end": nil, "step": 2],
            emptyDim: ShapeVariant([[0, 5]]), large: LargeVariant([[-1, 5]], split: [0]), invalidShapes: [[3]])
        table["select"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["dim": 1, "index": -1],
            emptyDim: ShapeVariant([[0, 4]]), large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        table["slice_backward"] = OpSample(
            inputs: [InputSpec([3, 2])], attributes: ["input_sizes": [3, 5], "dim": 1, "start": 1, "end": nil, "step": 2],
            emptyDim: ShapeVariant([[0, 2]], attributes: ["input_sizes": [0, 5], "dim": 1, "start": 1, "end": nil, "step": 2]),
            invalidShapes: [[3, 3]])
        addLayoutSamples(to: &table)
        addReductionSamples(to: &table)
        addNNSamples(to: &table)
        addLossAndAttentionSamples(to: &table)
        return table
    }()

    private static func addLayoutSamples(to table: inout [String: OpSample]) {
        let matrix = [InputSpec([3, 4])]
        table["flatten"] = OpSample(
            inputs: [InputSpec([3, 2, 4])], attributes: ["start_dim": 1, "end_dim": 2],
            zeroDim: ShapeVariant([[]], attributes: [:]), emptyDim: ShapeVariant([[0, 2, 4]]),
            large: LargeVariant([[-1, 2, 4]], split: [0]), invalidShapes: [[3, 4]])
        table["flip"] = OpSample(
            inputs: matrix, attributes: ["dims": [1]],
            zeroDim: ShapeVariant([[]], attributes: ["dims": [0]]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        table["roll"] = OpSample(
            inputs: matrix, attributes: ["shifts": [1], "dims": [1]],
            zeroDim: ShapeVariant([[]], attributes: ["shifts": [1], "dims": [0]]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        table["pad"] = OpSample(
            inputs: matrix, attributes: ["pad": [1, 2], "value": 0.5],
            zeroDim: ShapeVariant([[]], attributes: ["pad": .ints([])]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[]])
        table["repeat"] = OpSample(
            inputs: matrix, attributes: ["repeats": [1, 2]],
            zeroDim: ShapeVariant([[]], attributes: ["repeats": [2]]), emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[2, 3, 4]])
        for name in ["tril", "triu"] {
            table[name] = OpSample(
                inputs: matrix, attributes: ["diagonal": 1], emptyDim: ShapeVariant([[0, 4]]),
                large: LargeVariant([[-1, 3, 4]], split: [0]), invalidShapes: [[3]])
        }
        table["diagonal"] = OpSample(
            inputs: matrix, attributes: ["offset": 1],
            emptyDim: ShapeVariant([[0, 4]]),
            large: LargeVariant([[-1, 3, 4]], split: [0], attributes: ["dim1": 1, "dim2": 2]), invalidShapes: [[3]])
    }

    private static func addReductionSamples(to table: inout [String: OpSample]) {
        let matrix = [InputSpec([3, 4])]
        for name in ["min_reduce", "argmax", "argmin", "prod", "cumsum", "cumprod"] {
            table[name] = OpSample(
                inputs: matrix, attributes: ["dim": 1],
                zeroDim: ShapeVariant([[]], attributes: ["dim": 0]), emptyDim: ShapeVariant([[0, 4]]),
                large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        }
        // Their references (in the definitions) hold for finite values only.
        for (name, extra) in [("amax", [:]), ("amin", [:]), ("var", ["correction": 1]), ("std", ["correction": 0]),
                              ("logsumexp", [:]), ("norm", ["p": 3])] as [(String, [String: AttributeValue])] {
            let zeroDim: [String: AttributeValue] = name == "var" ? ["correction": 0] : [:]
            table[name] = OpSample(
                inputs: matrix, attributes: extra.merging(["dims": [1]]) { $1 }, referenceCoversSpecialValues: false,
                zeroDim: ShapeVariant([[]], attributes: extra.merging(zeroDim) { $1 }), emptyDim: ShapeVariant([[0, 4]]),
                large: LargeVariant([[-1, 4]], split: [0]), invalidShapes: [[3]])
        }
    }

    /// Convolutions, pooling and normalisation over small batches; the large variant
    /// cuts the batch. Their outputs are compared with `--cases`.
    private static func addNNSamples(to table: inout [String: OpSample]) {
        table["conv1d"] = OpSample(
            inputs: [InputSpec([2, 3, 7]), InputSpec([4, 3, 3]), InputSpec([4])], attributes: ["padding": [1], "stride": [2]],
            emptyDim: ShapeVariant([[0, 3, 7], [4, 3, 3], [4]]),
            large: LargeVariant([[-1, 3, 7], [4, 3, 3], [4]], split: [0]), invalidShapes: [[2, 3, 7], [4, 2, 3], [4]])
        table["conv2d"] = OpSample(
            inputs: [InputSpec([2, 3, 5, 5]), InputSpec([4, 3, 3, 3]), InputSpec([4])], attributes: ["padding": [1]],
            emptyDim: ShapeVariant([[0, 3, 5, 5], [4, 3, 3, 3], [4]]),
            large: LargeVariant([[-1, 3, 5, 5], [4, 3, 3, 3], [4]], split: [0]),
            invalidShapes: [[2, 3, 5, 5], [4, 2, 3, 3], [4]])
        table["conv_transpose2d"] = OpSample(
            inputs: [InputSpec([2, 3, 4, 4]), InputSpec([3, 2, 3, 3]), InputSpec([2])], attributes: ["stride": [2]],
            emptyDim: ShapeVariant([[0, 3, 4, 4], [3, 2, 3, 3], [2]]),
            large: LargeVariant([[-1, 3, 4, 4], [3, 2, 3, 3], [2]], split: [0]),
            invalidShapes: [[2, 3, 4, 4], [2, 2, 3, 3], [2]])
        let images = [InputSpec([2, 3, 6, 6])]
        let pooling: [(String, [String: AttributeValue])] = [
            ("max_pool2d", ["kernel_size": [2]]),
            ("avg_pool2d", ["kernel_size": [3], "stride": [2], "padding": [1]]),
            ("adaptive_avg_pool2d", ["output_size": [4, 3]]),
        ]
        for (name, attributes) in pooling {
            table[name] = OpSample(
                inputs: images, attributes: attributes, emptyDim: ShapeVariant([[0, 3, 6, 6]]),
                large: LargeVariant([[-1, 3, 6, 6]], split: [0]), invalidShapes: [[6]])
        }
        table["layer_norm"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([4]), InputSpec([4])], attributes: ["normalized_shape": [4]],
            emptyDim: ShapeVariant([[0, 4], [4], [4]]),
            large: LargeVariant([[-1, 4], [4], [4]], split: [0]), invalidShapes: [[3, 5], [4], [4]])
        // Evaluation mode: in training, batch_norm updates its running statistics in
        // place by design, which inputs-unmodified would report (the PyTorch cases check it).
        table["batch_norm"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([4]), InputSpec([4], .positive), InputSpec([4]), InputSpec([4])],
            attributes: ["training": false],
            emptyDim: ShapeVariant([[0, 4], [4], [4], [4], [4]]),
            large: LargeVariant([[-1, 4], [4], [4], [4], [4]], split: [0]), invalidShapes: [[3, 5], [4], [4], [4], [4]])
        // A fixed seed draws the same mask on every call, so the checks can compare calls.
        table["dropout"] = OpSample(
            inputs: [InputSpec([3, 4])], attributes: ["p": 0.5, "seed": 7],
            emptyDim: ShapeVariant([[0, 4]]), invalidShapes: nil)
        table["group_norm"] = OpSample(
            inputs: [InputSpec([2, 4, 3]), InputSpec([4]), InputSpec([4])], attributes: ["num_groups": 2],
            emptyDim: ShapeVariant([[0, 4, 3], [4], [4]]),
            large: LargeVariant([[-1, 4, 3], [4], [4]], split: [0]), invalidShapes: [[2, 3, 3], [4], [4]])
    }

    /// The pointwise losses (against the references their definitions carry) and attention.
    private static func addLossAndAttentionSamples(to table: inout [String: OpSample]) {
        let pair = [InputSpec([3, 4]), InputSpec([3, 4])]
        let losses: [(String, [String: AttributeValue], ValueDomain)] = [
            ("l1_loss", [:], .real), ("smooth_l1_loss", ["beta": 0.5], .real), ("huber_loss", ["delta": 0.7], .real),
            ("kl_div", [:], .positive),
        ]
        for (name, attributes, targets) in losses {
            table[name] = OpSample(
                inputs: [pair[0], InputSpec([3, 4], targets)], attributes: attributes, referenceCoversSpecialValues: false,
                zeroDim: ShapeVariant([[], []]), emptyDim: ShapeVariant([[0, 4], [0, 4]]),
                large: LargeVariant([[-1], [-1]], split: [0, 1], combination: .mean), invalidShapes: [[3], [4]])
        }
        // PyTorch clamps each log at -100, so an input of exactly 0 or 1 gives a finite
        // loss where the reference's plain log is infinite.
        table["binary_cross_entropy"] = OpSample(
            inputs: [InputSpec([3, 4], .probability), InputSpec([3, 4], .probability), InputSpec([3, 4], .positive)],
            referenceCoversSpecialValues: false,
            emptyDim: ShapeVariant([[0, 4], [0, 4], [0, 4]]),
            large: LargeVariant([[-1, 4], [-1, 4], [-1, 4]], split: [0, 1, 2], combination: .mean),
            invalidShapes: [[3, 4], [4, 3], [3, 4]])
        table["binary_cross_entropy_with_logits"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3, 4], .unit), InputSpec([3, 4], .positive), InputSpec([4], .positive)],
            referenceCoversSpecialValues: false,
            emptyDim: ShapeVariant([[0, 4], [0, 4], [0, 4], [4]]),
            large: LargeVariant([[-1, 4], [-1, 4], [-1, 4], [4]], split: [0, 1, 2], combination: .mean),
            invalidShapes: [[3, 4], [4, 3], [3, 4], [4]])
        table["scaled_dot_product_attention"] = OpSample(
            inputs: [InputSpec([2, 3, 4]), InputSpec([2, 5, 4]), InputSpec([2, 5, 6]), InputSpec([3, 5])],
            referenceCoversSpecialValues: false,
            emptyDim: ShapeVariant([[0, 3, 4], [0, 5, 4], [0, 5, 6], [3, 5]]),
            large: LargeVariant([[-1, 3, 4], [-1, 5, 4], [-1, 5, 6], [3, 5]], split: [0, 1, 2]),
            invalidShapes: [[2, 3, 4], [2, 5, 3], [2, 5, 6], [3, 5]])
    }
}
