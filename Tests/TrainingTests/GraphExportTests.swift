import Autograd
import Testing

@Suite("Graph export")
struct GraphExportTests {
    @Test("the DOT graph of a training step names ops, shapes and parameters")
    func trainingStepGraph() {
        var generator = RandomGenerator(seed: 0)
        let model = Sequential(Linear(4, 3, generator: &generator), ReLU(), Linear(3, 2, generator: &generator))
        let loss = CrossEntropyLoss()(model(Tensor.ones([5, 4])), Tensor([0, 1, 1, 0, 1]))
        let dot = GraphExport.dot(for: loss, parameters: model.namedParameters())

        #expect(dot.hasPrefix("digraph autograd {"))
        #expect(dot.hasSuffix("}\n"))
        for expected in [
            #"label="NllLossBackward0\nnll_loss (ignore_index=-100, reduction=\"mean\")\n[]""#,
            #"label="LogSoftmaxBackward0\nlog_softmax (dim=1)\n[5, 2]""#,
            #"label="AddmmBackward0\nlinear\n[5, 2]""#,
            #"label="ReluBackward0\nrelu\n[5, 3]""#,
            #"label="AddmmBackward0\nlinear\n[5, 3]""#,
            #"label="0.weight\n[3, 4]""#,
            #"label="0.bias\n[3]""#,
            #"label="2.weight\n[2, 3]""#,
            #"label="2.bias\n[2]""#,
        ] {
            #expect(dot.contains(expected), "missing \(expected) in\n\(dot)")
        }
        let edges = dot.split(separator: "\n").filter { $0.contains("->") }
        #expect(edges.count == 9, "4 parameters, 4 op-to-op edges (cross_entropy is log_softmax then nll_loss) and one into the output")
    }

    @Test("op attributes, unnamed leaves and shared nodes")
    func attributesAndSharing() {
        let x = Tensor([[1.0, 2.0], [3.0, 4.0]], requiresGrad: true)
        let s = softmax(x, dim: 1)
        let y = (s * s).sum(dims: [0])
        let dot = GraphExport.dot(for: y)
        #expect(dot.contains(#"SumBackward0\nsum (dims=[0], keepdim=false)\n[2]"#))
        #expect(dot.contains(#"SoftmaxBackward0\nsoftmax (dim=1)\n[2, 2]"#))
        #expect(dot.contains(#"label="leaf\n[2, 2]""#))
        #expect(dot.components(separatedBy: "SoftmaxBackward0").count == 2, "a node used twice is drawn once")
    }
}
