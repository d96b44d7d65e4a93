// The autograd tutorial, in Swift: each step prints what PyTorch prints.
import Autograd

func show(_ title: String, _ value: Any) {
    print("\(title): \(value)")
}

print("== Gradients of y = x²")
let x = Tensor([3.0], requiresGrad: true)
let y = x ** 2
show("y", y)
try y.backward()
show("x.grad", x.grad!)

print("\n== Gradients of a sum")
let v = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
let s = (v ** 2).sum()
show("s", s)
try s.backward()
show("v.grad", v.grad!)

print("\n== A longer chain: z = (a * b + a²)")
let a = Tensor([2.0], requiresGrad: true)
let b = Tensor([5.0], requiresGrad: true)
let z = a * b + a ** 2
show("z", z)
try z.backward()
show("a.grad (b + 2a)", a.grad!)
show("b.grad (a)", b.grad!)

print("\n== Gradients accumulate")
let w0 = Tensor([2.0], requiresGrad: true)
try (w0 ** 2).backward()
show("after one backward", w0.grad!)
try (3 * w0 ** 2).backward()
show("after a second", w0.grad!)
w0.grad!.zero()
show("after zero()", w0.grad!)

print("\n== Leaves and non-leaves")
let leaf = Tensor([1.0, 2.0], requiresGrad: true)
let middle = leaf * 2
middle.retainGrad()
let out = middle.sum()
try out.backward()
show("leaf.isLeaf", leaf.isLeaf)
show("middle.isLeaf", middle.isLeaf)
show("middle.gradFn", middle.gradFn!)
show("out", out)
show("middle.grad (retained)", middle.grad!)

print("\n== detach() and withNoGrad")
let detached = middle.detach()
show("detached", detached)
show("detached.requiresGrad", detached.requiresGrad)
let inside = withNoGrad { leaf * 2 }
show("computed in withNoGrad", inside)

print("\n== The training loop: fit y = 2x")
let xs = Tensor([[1.0], [2.0], [3.0], [4.0]])
let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
let w = Tensor([[1.5]], requiresGrad: true)
let bias = Tensor([[0.5]], requiresGrad: true)
show("w", w)
let loss = ((matmul(xs, w) + bias - yTrue) ** 2).mean()
show("loss", loss)
try loss.backward()
show("w.grad", w.grad!)
show("b.grad", bias.grad!)
withNoGrad {
    w -= 0.01 * w.grad!
    bias -= 0.01 * bias.grad!
    w.grad!.zero()
    bias.grad!.zero()
}
show("w after one step", w)
show("b after one step", bias)
for _ in 0..<500 {
    let loss = ((matmul(xs, w) + bias - yTrue) ** 2).mean()
    try loss.backward()
    withNoGrad {
        w -= 0.05 * w.grad!
        bias -= 0.05 * bias.grad!
        w.grad!.zero()
        bias.grad!.zero()
    }
}
show("w after 500 more steps", w)
show("b after 500 more steps", bias)

print("\n== grad(of:wrt:) leaves .grad alone")
let y2 = x ** 2
let g = try grad(of: [y2], wrt: [x])
show("grad(of: [x ** 2], wrt: [x])", g.map { $0! })
show("x.grad (unchanged)", x.grad!)

print("\n== Second derivatives")
let cube = x ** 3
let first = try grad(of: [cube], wrt: [x], createGraph: true)[0]!
show("d(x³)/dx at 3", first)
let second = try grad(of: [first], wrt: [x])[0]!
show("d²(x³)/dx² at 3", second)
