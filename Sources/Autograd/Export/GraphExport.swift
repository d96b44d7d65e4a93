/// Draws the graph that `backward()` would walk, in Graphviz's DOT language.
///
/// Each recorded op is a box labelled with its `gradFn` name (`AddmmBackward0`),
/// the registry op that recorded it (`linear`), its attributes and its output
/// shape. Leaves that receive a gradient are blue boxes labelled with their
/// parameter name, when given, and shape; the outputs are green. Edges follow
/// the data, from inputs to the ops that consumed them; inputs that need no
/// gradient (a batch of data, a target) are not part of the graph and not drawn,
/// as in PyTorch's torchviz.
///
/// ```swift
/// let loss = criterion(model(x), y)
/// let dot = GraphExport.dot(for: loss, parameters: model.namedParameters())
/// try dot.write(toFile: "step.dot", atomically: true, encoding: .utf8)
/// // dot -Tsvg step.dot -o step.svg
/// ```
public enum GraphExport {
    /// The DOT source of the graph behind `output`.
    public static func dot(for output: Tensor, parameters: [(name: String, tensor: Tensor)] = []) -> String {
        dot(for: [output], parameters: parameters)
    }

    /// The DOT source of the graph behind `outputs`, which may share nodes.
    public static func dot(for outputs: [Tensor], parameters: [(name: String, tensor: Tensor)] = []) -> String {
        var names: [ObjectIdentifier: String] = [:]
        for (name, tensor) in parameters where names[ObjectIdentifier(tensor)] == nil {
            names[ObjectIdentifier(tensor)] = name
        }
        var graph = Drawing()
        var queue: [(node: Node, shape: [Int])] = []
        for (i, output) in outputs.enumerated() {
            let id = "output\(i)"
            let title = outputs.count == 1 ? "output" : "output \(i)"
            graph.lines.append(box(id, [title, Shape.describe(output.shape)], fill: "darkolivegreen1"))
            if let node = output.gradFn {
                let (nodeID, isNew) = graph.id(for: node)
                if isNew { queue.append((node, output.shape)) }
                graph.lines.append("  \(nodeID) -> \(id);")
            } else if output.requiresGrad {
                let leafID = graph.leaf(output, names: names)
                graph.lines.append("  \(leafID) -> \(id);")
            }
        }
        // Breadth first from the outputs, so the file lists ops in the order backward meets them.
        var head = 0
        while head < queue.count {
            let (node, shape) = queue[head]
            head += 1
            let nodeID = graph.id(for: node).id
            graph.lines.append(box(nodeID, opLabel(node, shape: shape), fill: "lightgrey"))
            for (i, edge) in node.nextFunctions.enumerated() {
                switch edge {
                case .node(let input, _):
                    let (inputID, isNew) = graph.id(for: input)
                    if isNew { queue.append((input, node.inputs[i].shape)) }
                    graph.lines.append("  \(inputID) -> \(nodeID);")
                case .accumulateGrad(let leaf):
                    graph.lines.append("  \(graph.leaf(leaf, names: names)) -> \(nodeID);")
                case .unused:
                    break
                }
            }
        }
        return """
            digraph autograd {
              graph [rankdir=BT];
              node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=11];
              edge [arrowsize=0.7];
            \(graph.lines.joined(separator: "\n"))
            }

            """
    }

    /// The lines of a node: gradFn name, registry op with attributes, output shape.
    private static func opLabel(_ node: Node, shape: [Int]) -> [String] {
        let attributes = node.attributes.values.keys.sorted().compactMap { key -> String? in
            let value = node.attributes.values[key]!
            return value == .absent ? nil : "\(key)=\(value)"
        }
        let op = node.op.definition.name + (attributes.isEmpty ? "" : " (\(attributes.joined(separator: ", ")))")
        return [node.name, op, Shape.describe(shape)]
    }

    private static func box(_ id: String, _ lines: [String], fill: String) -> String {
        "  \(id) [label=\"\(lines.map(escaped).joined(separator: "\\n"))\", fillcolor=\(fill)];"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Identifiers for nodes and leaves, given in the order they are met, and the lines so far.
    private struct Drawing {
        var lines: [String] = []
        private var nodeIDs: [ObjectIdentifier: String] = [:]
        private var leafIDs: [ObjectIdentifier: String] = [:]

        mutating func id(for node: Node) -> (id: String, isNew: Bool) {
            if let id = nodeIDs[ObjectIdentifier(node)] { return (id, false) }
            let id = "op\(nodeIDs.count)"
            nodeIDs[ObjectIdentifier(node)] = id
            return (id, true)
        }

        /// The leaf's identifier, declaring its box the first time it is met.
        mutating func leaf(_ tensor: Tensor, names: [ObjectIdentifier: String]) -> String {
            if let id = leafIDs[ObjectIdentifier(tensor)] { return id }
            let id = "leaf\(leafIDs.count)"
            leafIDs[ObjectIdentifier(tensor)] = id
            let title = names[ObjectIdentifier(tensor)] ?? "leaf"
            lines.append(GraphExport.box(id, [title, Shape.describe(tensor.shape)], fill: "lightblue"))
            return id
        }
    }
}
