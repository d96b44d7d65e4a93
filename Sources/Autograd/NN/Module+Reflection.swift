/// How modules find their parameters and sub-modules: by reflecting over stored properties.
extension Module {
    /// The parameters of this module and its sub-modules, recursively, each named by
    /// its path, such as `encoder.0.weight`.
    ///
    /// The order is PyTorch's: a module's own parameters in declaration order, then
    /// each sub-module's, depth first. A parameter is a leaf tensor that requires
    /// grad; one shared by several modules appears once, under the first name found.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        for (path, module) in namedModules() {
            for case .parameter(let name, let tensor) in ModuleReflection.entries(of: module)
            where seen.insert(ObjectIdentifier(tensor)).inserted {
                result.append((ModuleReflection.join(path, name), tensor))
            }
        }
        return result
    }

    /// The parameters of this module and its sub-modules, in the order of
    /// `namedParameters()`: what an optimizer updates.
    public func parameters() -> [Tensor] {
        namedParameters().map(\.tensor)
    }

    /// The direct sub-modules with their names (`"layers.0"` for an element of an array
    /// property, `"0"` for a child of a `Sequential`).
    public func namedChildren() -> [(name: String, module: any Module)] {
        ModuleReflection.entries(of: self).compactMap {
            if case .module(let name, let module) = $0 { (name, module) } else { nil }
        }
    }

    /// This module (named `""`) and all its sub-modules, depth first in declaration
    /// order. A module object reachable along several paths appears once.
    public func namedModules() -> [(name: String, module: any Module)] {
        var result: [(name: String, module: any Module)] = []
        var seen = Set<ObjectIdentifier>()
        var stack: [(name: String, module: any Module)] = [("", self)]
        while let (name, module) = stack.popLast() {
            if type(of: module) is AnyClass {
                guard seen.insert(ObjectIdentifier(module as AnyObject)).inserted else { continue }
            }
            result.append((name, module))
            let children = module.namedChildren().map { (ModuleReflection.join(name, $0.name), $0.module) }
            stack.append(contentsOf: children.reversed())
        }
        return result
    }
}

/// The reflection behind `Module`'s parameter and sub-module discovery.
enum ModuleReflection {
    /// Something a module holds directly: a parameter or a sub-module.
    enum Entry {
        case parameter(String, Tensor)
        case module(String, any Module)
    }

    /// The parameters and sub-modules `module` holds in its stored properties, directly
    /// or inside optionals, arrays and string-keyed dictionaries, in declaration order.
    static func entries(of module: any Module) -> [Entry] {
        // Sequential's children are named by position alone, as PyTorch's: `0.weight`.
        if let sequential = module as? Sequential {
            return sequential.layers.enumerated().map { .module("\($0.offset)", $0.element) }
        }
        var result: [Entry] = []
        for (label, value) in properties(of: module) {
            visit(value, name: label, into: &result)
        }
        return result
    }

    private static func visit(_ value: Any, name: String, into result: inout [Entry]) {
        if let tensor = value as? Tensor {
            if tensor.isLeaf && tensor.requiresGrad { result.append(.parameter(name, tensor)) }
            return
        }
        if let module = value as? any Module {
            result.append(.module(name, module))
            return
        }
        for (label, element) in containerElements(value) {
            visit(element, name: join(name, label), into: &result)
        }
    }

    /// Stored properties of `subject`, superclass properties first, in declaration order,
    /// with property-wrapper and lazy-storage prefixes removed from their names.
    static func properties(of subject: Any) -> [(String, Any)] {
        var mirrors: [Mirror] = []
        var next: Mirror? = Mirror(reflecting: subject)
        while let mirror = next {
            mirrors.append(mirror)
            next = mirror.superclassMirror
        }
        var result: [(String, Any)] = []
        for mirror in mirrors.reversed() {
            for (index, child) in mirror.children.enumerated() {
                result.append((cleaned(child.label ?? "\(index)"), child.value))
            }
        }
        return result
    }

    /// `prefix.name`, or whichever is non-empty.
    static func join(_ prefix: String, _ name: String) -> String {
        if prefix.isEmpty { return name }
        if name.isEmpty { return prefix }
        return prefix + "." + name
    }

    /// `_weight` (a property wrapper's storage) and `$__lazy_storage_$_weight` read as `weight`.
    private static func cleaned(_ label: String) -> String {
        let lazyPrefix = "$__lazy_storage_$_"
        if label.hasPrefix(lazyPrefix) { return String(label.dropFirst(lazyPrefix.count)) }
        if label.hasPrefix("_") && label.count > 1 { return String(label.dropFirst()) }
        return label
    }

    /// The elements of an optional (its payload, unnamed: `head.weight` for `let head: Linear?`),
    /// an array (named by index) or a dictionary with string keys (named by key, sorted).
    ///
    /// A collection is walked only when its first element could hold parameters, so a
    /// large `[Float]` property costs one look at its first element, not a walk over all.
    private static func containerElements(_ value: Any) -> [(String, Any)] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.map { ("", $0.value) }
        case .collection:
            guard let first = mirror.children.first, canHoldParameters(first.value) else { return [] }
            return mirror.children.enumerated().map { ("\($0.offset)", $0.element.value) }
        case .dictionary:
            let pairs: [(String, Any)] = mirror.children.compactMap { child in
                let parts = Array(Mirror(reflecting: child.value).children)
                guard parts.count == 2, let key = parts[0].value as? String else { return nil }
                return (key, parts[1].value)
            }
            guard let first = pairs.first, canHoldParameters(first.1) else { return [] }
            return pairs.sorted { $0.0 < $1.0 }
        default:
            return []
        }
    }

    private static func canHoldParameters(_ value: Any) -> Bool {
        if value is Tensor || value is any Module { return true }
        switch Mirror(reflecting: value).displayStyle {
        case .optional, .collection, .dictionary: return true
        default: return false
        }
    }
}
