@testable import AutogradDistributed
import Testing

struct LaunchEnvironmentTests {
    @Test func aProcessStartedByHandIsNotLaunched() {
        let environment = LaunchEnvironment(["PATH": "/usr/bin", "HOME": "/root"])
        #expect(!environment.isLaunched)
        #expect(!environment.checksConsistency)
    }

    @Test(arguments: ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"])
    func eachLauncherVariableMarksALaunchedProcess(variable: String) {
        let environment = LaunchEnvironment([variable: "2"])
        #expect(environment.isLaunched)
        #expect(environment.launcherVariable == variable)
    }

    @Test func debugChecksAreOnForAnyValueButZeroOrEmpty() {
        #expect(LaunchEnvironment(["AUTOGRAD_DISTRIBUTED_DEBUG": "1"]).checksConsistency)
        #expect(LaunchEnvironment(["AUTOGRAD_DISTRIBUTED_DEBUG": "yes"]).checksConsistency)
        #expect(!LaunchEnvironment(["AUTOGRAD_DISTRIBUTED_DEBUG": "0"]).checksConsistency)
        #expect(!LaunchEnvironment(["AUTOGRAD_DISTRIBUTED_DEBUG": ""]).checksConsistency)
    }
}
