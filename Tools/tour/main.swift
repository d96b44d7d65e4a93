// `swift run tour`: the autograd tutorial in Swift, printing what PyTorch prints.
var output = TourOutput()
try Tour.run(into: &output)
for line in output.lines { print(line) }
