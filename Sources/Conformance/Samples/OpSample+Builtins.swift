import Autograd

extension OpSample {
    /// Samples for the built-in ops, by registry name.
    ///
    /// References are independent formulations over other built-in ops (`sub` as
    /// `a + -b`, `sigmoid` as `1 / (1 + exp(-x))`), so the forward check compares
    /// an op with other kernels rather than with itself. Ops with no such
    /// formulation (`log`, `sum`, `matmul`, ...) are compared with `--cases`.
    public static let builtins: [String: OpSample] = {
        var table: [String: OpSample] = [:]
        let elementwise: [(String, Int, ValueDomain, String?, Bool)] = [
            ("add", 2, .real, "a - -b", true),
            ("sub", 2, .real, "a + -b", true),
            ("mul", 2, .real, "a / (1 / b)", true),
            ("div", 2, .real, "a * b ** -1", true),
            ("maximum", 2, .real, "(a + b + abs(a - b)) / 2", false),
            ("gt", 2, .real, "relu(sign(a - b))", false),
            ("ge", 2, .real, "1 - relu(sign(b - a))", false),
            ("eq", 2, .real, "1 - abs(sign(a - b))", false),
            ("neg", 1, .real, "0 - x", true),
            ("exp", 1, .real, "2.718281828459045 ** x", true),
            ("log", 1, .positive, nil, true),
            ("sqrt", 1, .positive, "x ** 0.5", true),
            ("abs", 1, .real, "maximum(x, -x)", true),
            ("sin", 1, .real, "cos(x - 1.5707963267948966)", true),
            ("cos", 1, .real, "sin(x + 1.5707963267948966)", true),
            ("relu", 1, .real, "maximum(x, 0)", true),
            ("sigmoid", 1, .real, "1 / (1 + exp(-x))", true),
            ("tanh", 1, .real, "2 * sigmoid(2 * x) - 1", true),
            ("sign", 1, .real, "x / abs(x)", false),
        ]
        for (name, arity, domain, reference, covers) in elementwise {
            table[name] = .elementwise(arity: arity, domain: domain, reference: reference,
                                       referenceCoversSpecialValues: covers)
        }
        // Ops whose definitions carry their references, sampled inside their domains.
        for (name, domain) in [("log1p", ValueDomain.positive), ("log2", .positive), ("rsqrt", .positive),
                               ("asin", .unit), ("acos", .unit)] {
            table[name] = .elementwise(arity: 1, domain: domain)
        }
        table["clamp"] = .elementwise(arity: 1, attributes: ["min": -0.5, "max": 0.5],
                                      reference: "-maximum(-maximum(x, min), -max)")
        table["pow_scalar"] = .elementwise(arity: 1, domain: .positive, attributes: ["exponent": 2.5],
                                           reference: "exp(exponent * log(x))")
        var pow = OpSample.elementwise(arity: 2, reference: "exp(exponent * log(base))")
        pow.inputs[0].domain = .positive
        table["pow"] = pow

        for name in ["softmax", "log_softmax"] {
            table[name] = OpSample(
                inputs: [InputSpec([3, 4])], attributes: ["dim": 1],
                reference: name == "softmax"
                    ? "exp(x) / sum(exp(x), dims=[dim], keepdim=true)"
                    : "x - log(sum(exp(x), dims=[dim], keepdim=true))",
                referenceCoversSpecialValues: false,
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
            inputs: [InputSpec([3, 4])], reference: "x",
            zeroDim: ShapeVariant([[]]), emptyDim: ShapeVariant([[0, 4]]), large: LargeVariant([[-1]], split: [0]))
        table["matmul"] = OpSample(
            inputs: [InputSpec([2, 3]), InputSpec([3, 4])],
            emptyDim: ShapeVariant([[2, 0], [0, 4]]),
            large: LargeVariant([[-1, 3], [3, 4]], split: [0]), invalidShapes: [[2, 3], [4, 5]])
        table["linear"] = OpSample(
            inputs: [InputSpec([2, 3]), InputSpec([4, 3]), InputSpec([4])],
            reference: "matmul(x, transpose(weight, dim0=0, dim1=1)) + bias",
            emptyDim: ShapeVariant([[0, 3], [4, 3], [4]]),
            large: LargeVariant([[-1, 3], [4, 3], [4]], split: [0]), invalidShapes: [[2, 3], [4, 2], [4]])
        table["mse_loss"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3, 4])], reference: "mean((prediction - target) ** 2)",
            zeroDim: ShapeVariant([[], []]), emptyDim: ShapeVariant([[0, 4], [0, 4]]),
            large: LargeVariant([[-1], [-1]], split: [0, 1], combination: .mean), invalidShapes: [[3], [4]])
        table["cross_entropy"] = OpSample(
            inputs: [InputSpec([3, 4]), InputSpec([3], .classIndices(count: 4))],
            reference: "-mean(sum(log_softmax(logits, dim=1) * one_hot(target, num_classes=4), dims=[1]))",
            referenceCoversSpecialValues: false,
            emptyDim: ShapeVariant([[0, 4], [0]]),
            large: LargeVariant([[-1, 4], [-1]], split: [0, 1], combination: .mean), invalidShapes: [[3, 4], [2]])
        table["one_hot"] = OpSample(
            inputs: [InputSpec([5], .classIndices(count: 4))], attributes: ["num_classes": 4],
            zeroDim: ShapeVariant([[]]), emptyDim: ShapeVariant([[0]]), large: LargeVariant([[-1]], split: [0]))
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
        return table
    }()

    private static func addLayoutSamples(to table: inout [String: OpSample]) {
        let matrix = [InputSpec([3, 4])]
        table["flatten"] = OpSample(
            inputs: [InputSpec([3, 2, 4])], attributes: ["start_dim": 1, "end_dim": 2], reference: "reshape(x, shape=[-1, 8])",
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
        // Running sums as a product with an upper-triangular matrix of ones.
        table["cumsum"]?.reference = "matmul(x, triu(expand(sum(x * 0, dims=[0]) + 1, shape=[4, 4]), diagonal=0))"
        table["cumsum"]?.referenceCoversSpecialValues = false
        let overDims: [(String, [String: AttributeValue], String?)] = [
            ("amax", [:], "-amin(-x, dims=[1])"), ("amin", [:], "-amax(-x, dims=[1])"),
            ("var", ["correction": 1], "sum((x - mean(x, dims=[1], keepdim=true)) ** 2, dims=[1]) / 3"),
            ("std", ["correction": 0], "sqrt(mean((x - mean(x, dims=[1], keepdim=true)) ** 2, dims=[1]))"),
            ("logsumexp", [:], "log(sum(exp(x), dims=[1]))"),
            ("norm", ["p": 3], "sum(abs(x) ** 3, dims=[1]) ** (1 / 3)"),
        ]
        for (name, extra, reference) in overDims {
            let zeroDim: [String: AttributeValue] = name == "var" ? ["correction": 0] : [:]
            table[name] = OpSample(
                inputs: matrix, attributes: extra.merging(["dims": [1]]) { $1 }, reference: reference,
                referenceCoversSpecialValues: false,
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
        table["group_norm"] = OpSample(
            inputs: [InputSpec([2, 4, 3]), InputSpec([4]), InputSpec([4])], attributes: ["num_groups": 2],
            emptyDim: ShapeVariant([[0, 4, 3], [4], [4]]),
            large: LargeVariant([[-1, 4, 3], [4], [4]], split: [0]), invalidShapes: [[2, 3, 3], [4], [4]])
    }
}
