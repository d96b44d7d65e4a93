@_spi(Conformance) @testable import Autograd
import Foundation
import Testing

/// The guard pages under kernel-check's guard-bytes row, exercised directly: an
/// access outside a buffer is recorded, named and placed, and the process runs on.
@Suite struct GuardPageTests {
    @Test func aReadPastTheEndIsRecordedAndReadsZero() {
        let (read, faults) = GuardedAllocation.checkingAccesses { () -> Double in
            let x = Tensor([1.0, 2.0, 3.0], dtype: .float64)
            GuardedAllocation.label(x, as: "input x")
            return withExtendedLifetime(x) { x.unsafeRawPointer.load(fromByteOffset: 24, as: Double.self) }
        }
        // The page past the buffer had never been written: it reads as zeros.
        #expect(read == 0)
        #expect(faults.count == 1)
        #if arch(x86_64)
        #expect(faults.first?.description == "read past input x (byte 24, in a buffer of 24 bytes)")
        #endif
    }

    @Test func aWritePastTheEndNamesTheOutputAndTheByte() {
        let (_, faults) = GuardedAllocation.checkingAccesses {
            let out = Tensor.zeros([4], dtype: .float32)
            withExtendedLifetime(out) { out.unsafeRawPointer.storeBytes(of: 7, toByteOffset: 20, as: Float.self) }
        }
        #expect(faults.count == 1)
        #if arch(x86_64)
        #expect(faults.first?.description == "wrote past the output (byte 20, in a buffer of 16 bytes)")
        #endif
    }

    @Test func aWriteBeforeTheStartIsFoundWhenTheBufferIsFreed() {
        let (_, faults) = GuardedAllocation.checkingAccesses {
            let out = Tensor.zeros([4], dtype: .float32)
            withExtendedLifetime(out) { out.unsafeRawPointer.storeBytes(of: 7, toByteOffset: -8, as: Float.self) }
        }
        #expect(faults.map(\.description) == ["wrote before the output (byte -8, in a buffer of 16 bytes)"])
    }

    @Test func aThreadJoinsTheScopeItsStarterWasIn() {
        let (_, faults) = GuardedAllocation.checkingAccesses {
            let scope = GuardedAllocation.enclosingScope
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                GuardedAllocation.within(scope) {
                    let x = Tensor([1.0, 2.0], dtype: .float64)
                    _ = withExtendedLifetime(x) { x.unsafeRawPointer.load(fromByteOffset: 16, as: Double.self) }
                }
                done.signal()
            }
            thread.start()
            done.wait()
        }
        #expect(faults.count == 1 && faults.first?.byteOffset == 16)
    }

    @Test func outsideAScopeBuffersAreNotGuarded() {
        let x = Tensor([1.0, 2.0], dtype: .float64)
        #expect(!x.storage.isPageGuarded && !GuardedAllocation.isActive)
        let (inside, _) = GuardedAllocation.checkingAccesses { Tensor([1.0, 2.0], dtype: .float64).storage.isPageGuarded }
        #expect(inside)
    }
}
