import AIWorkerServer

// `server`: the AI Worker API reference server; everything it does lives in the AIWorkerServer library.
await ServerCommand.runFromCommandLine()
