// The PyTorch autograd tutorial, section by section, in Swift. Each section shows
// its Swift code (indented) and then prints exactly what PyTorch prints for the
// tutorial's code, with Swift's spelling of None, True and False.
import Autograd

/// What the tour writes: headings, code, notes and printed values, in order.
struct TourOutput {
    private(set) var lines: [String] = []

    /// A section heading, as PyTorch's run names it.
    mutating func heading(_ title: String) {
        if !lines.isEmpty { lines.append("") }
        lines.append("== \(title)")
    }

    /// The Swift code of a block; indented, so it never reads as a printed value.
    mutating func code(_ text: String) {
        lines += text.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }
    }

    /// What a `print` in the tutorial prints.
    mutating func show(_ value: Any) {
        lines.append("\(value)")
    }

    /// A value that may be absent (`x.grad` of a non-leaf): `nil` as Swift prints it.
    mutating func show(_ value: Tensor?) {
        lines.append(value.map { "\($0)" } ?? "nil")
    }
}

/// The tutorial's sections, in its order.
enum Tour {
    static func run(into out: inout TourOutput) throws {
        out.heading("requires_grad: tracking computations")
        out.code("""
            let untracked = Tensor([2.0, 3.0])
            let tracked = Tensor([2.0, 3.0], requiresGrad: true)
            let later = Tensor([2.0, 3.0])
            later.requiresGrad = true  // or enable it later, on a leaf
            """)
        let later = Tensor([2.0, 3.0])
        later.requiresGrad = true

        try simpleGradients(into: &out)
        try theGraph(into: &out)
        try accumulationAndLeaves(into: &out)
        try detaching(into: &out)
        try linearModel(into: &out)
        try commonPatterns(into: &out)
        try debugging(into: &out)
    }

    static func simpleGradients(into out: inout TourOutput) throws {
        out.heading("Task 1: simple gradients")
        out.code("""
            let x = Tensor([3.0], requiresGrad: true)
            let y = x ** 2
            try y.backward()
            print(x.grad!)
            """)
        do {
            let x = Tensor([3.0], requiresGrad: true)
            let y = x ** 2
            try y.backward()
            out.show(x.grad!)
        }

        out.heading("Task 2: z = 2x^2 + 3x + 1 at x = 4")
        out.code("""
            let x = Tensor([4.0], requiresGrad: true)
            let z = 2 * x ** 2 + 3 * x + 1
            try z.backward()
            print(x.grad!)  // dz/dx = 4x + 3
            """)
        do {
            let x = Tensor([4.0], requiresGrad: true)
            let z = 2 * x ** 2 + 3 * x + 1
            try z.backward()
            out.show(x.grad!)
        }

        out.heading("Task 3: vector gradients")
        out.code("""
            let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
            let y = (x ** 2).sum()
            try y.backward()
            print(x.grad!)
            """)
        do {
            let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
            let y = (x ** 2).sum()
            try y.backward()
            out.show(x.grad!)
        }
    }

    static func theGraph(into out: inout TourOutput) throws {
        out.heading("The chain rule: w = (3x + 5)^2 at x = 2")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            let y = x * 3
            let z = y + 5
            let w = z ** 2
            try w.backward()  // the graph x → y → z → w, walked back from w
            print(x.grad!)    // 6(3x + 5)
            """)
        let x = Tensor([2.0], requiresGrad: true)
        let y = x * 3
        let z = y + 5
        let w = z ** 2
        try w.backward()
        out.show(x.grad!)
    }

    static func accumulationAndLeaves(into out: inout TourOutput) throws {
        out.heading("Gradient accumulation")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            try (x ** 2).backward()
            print(x.grad!)
            try (x ** 3).backward()
            print(x.grad!)  // accumulated: 4 + 12
            x.grad!.zero()
            print(x.grad!)
            """)
        do {
            let x = Tensor([2.0], requiresGrad: true)
            try (x ** 2).backward()
            out.show(x.grad!)
            try (x ** 3).backward()
            out.show(x.grad!)
            x.grad!.zero()
            out.show(x.grad!)
        }

        out.heading("The grad attribute")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            let y = x ** 2
            try y.backward()
            print(x.grad!)
            print(y.grad)  // nil: only leaves keep their gradient (unless y.retainGrad())
            print(x.isLeaf)
            print(y.isLeaf)
            """)
        do {
            let x = Tensor([2.0], requiresGrad: true)
            let y = x ** 2
            try y.backward()
            out.show(x.grad!)
            out.show(y.grad)
            out.show(x.isLeaf)
            out.show(y.isLeaf)
        }
    }

    static func detaching(into out: inout TourOutput) throws {
        out.heading("Detaching from the graph")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            let y = x ** 2
            let yDetached = y.detach()
            print(yDetached)
            print(yDetached.requiresGrad)
            let z = yDetached + 10
            print(z)
            """)
        do {
            let x = Tensor([2.0], requiresGrad: true)
            let y = x ** 2
            let yDetached = y.detach()
            out.show(yDetached)
            out.show(yDetached.requiresGrad)
            let z = yDetached + 10
            out.show(z)
        }

        out.heading("torch.no_grad()")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            let (y, z) = withNoGrad {
                let y = x ** 2
                return (y, y + 5)
            }
            print(y)
            print(z)
            print(z.requiresGrad)
            """)
        do {
            let x = Tensor([2.0], requiresGrad: true)
            let (y, z) = withNoGrad {
                let y = x ** 2
                return (y, y + 5)
            }
            out.show(y)
            out.show(z)
            out.show(z.requiresGrad)
        }
    }

    static func linearModel(into out: inout TourOutput) throws {
        out.heading("A simple linear model")
        out.code("""
            let x = Tensor([[1.0], [2.0], [3.0], [4.0]])
            let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
            let w = Tensor([[1.5]], requiresGrad: true)
            let b = Tensor([[0.5]], requiresGrad: true)
            let yPred = matmul(x, w) + b
            let loss = ((yPred - yTrue) ** 2).mean()
            print(loss)
            try loss.backward()
            print(w.grad!)
            print(b.grad!)
            withNoGrad {
                w -= 0.01 * w.grad!
                b -= 0.01 * b.grad!
                w.grad!.zero()
                b.grad!.zero()
            }
            print(w)
            print(b)
            """)
        let x = Tensor([[1.0], [2.0], [3.0], [4.0]])
        let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
        let w = Tensor([[1.5]], requiresGrad: true)
        let b = Tensor([[0.5]], requiresGrad: true)
        let yPred = matmul(x, w) + b
        let loss = ((yPred - yTrue) ** 2).mean()
        out.show(loss)
        try loss.backward()
        out.show(w.grad!)
        out.show(b.grad!)
        withNoGrad {
            w -= 0.01 * w.grad!
            b -= 0.01 * b.grad!
            w.grad!.zero()
            b.grad!.zero()
        }
        out.show(w)
        out.show(b)
    }

    /// PyTorch's run prints nothing here; the tour runs both patterns on a small
    /// model and reports what they did as notes beside the code.
    static func commonPatterns(into out: inout TourOutput) throws {
        out.heading("Common patterns: the training step and validation")
        out.code("""
            let model = Sequential(Linear(1, 8), Tanh(), Linear(8, 1))
            let lossFunction = MSELoss()
            let optimizer = Adam(model.parameters(), learningRate: 0.05)
            for _ in 0..<200 {
                optimizer.zeroGrad()
                let output = model(input)
                let loss = lossFunction(output, target)
                try loss.backward()
                optimizer.step()
            }
            model.eval()
            let validationLoss = withNoGrad { lossFunction(model(validationInput), validationTarget) }
            """)
        let model = Sequential(Linear(1, 8), Tanh(), Linear(8, 1))
        let lossFunction = MSELoss()
        let optimizer = Adam(model.parameters(), learningRate: 0.05)
        // y = sin(x) on [-2, 2]: the training points, and validation points between them.
        let input = Tensor.linspace(-2, 2, count: 16).reshaped([16, 1])
        let target = sin(input)
        let validationInput = Tensor.linspace(-1.9, 1.9, count: 8).reshaped([8, 1])
        let validationTarget = sin(validationInput)
        let before = withNoGrad { lossFunction(model(validationInput), validationTarget).item() }
        for _ in 0..<200 {
            optimizer.zeroGrad()
            let output = model(input)
            let loss = lossFunction(output, target)
            try loss.backward()
            optimizer.step()
        }
        model.eval()
        let after = withNoGrad { lossFunction(model(validationInput), validationTarget).item() }
        out.code("// validation loss: \(format(before)) before training, \(format(after)) after 200 steps")
    }

    static func debugging(into out: inout TourOutput) throws {
        out.heading("Debugging gradients")
        out.code("""
            let x = Tensor([2.0], requiresGrad: true)
            let y = x ** 2
            print(x.requiresGrad)
            print(x.grad == nil)  // no backward has run yet
            print(y.gradFn!.name)  // the op that made y
            print(try grad(of: [y], wrt: [x]).map { $0! })
            """)
        let x = Tensor([2.0], requiresGrad: true)
        let y = x ** 2
        out.show(x.requiresGrad)
        out.show(x.grad == nil)
        out.show(y.gradFn!.name)
        out.show(try grad(of: [y], wrt: [x]).map { $0! })
    }

    private static func format(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 10_000
        return "\(scaled)"
    }
}
