import CommandLineSupport
import SpecRunnerKit

// `specrunner`: checks a deployment against the spec and its scenarios; everything it does lives in SpecRunnerKit.
// Invalid arguments exit with 2 (not ArgumentParser's 64), the code the tool documents for every invalid input.
await SpecRunnerCommand.mainExitingTwoOnUsageErrors()
