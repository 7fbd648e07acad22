import AIWorkerServer
import CommandLineSupport

// `server-bench`: the hot pieces of a chat request timed in ns per call, kept out of the production `server`.
await InternalsBenchCommand.mainExitingTwoOnUsageErrors()
