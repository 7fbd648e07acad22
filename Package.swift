// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "ai-worker-api",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "server", targets: ["Server"]),
        .executable(name: "specrunner", targets: ["SpecRunner"]),
        .executable(name: "server-bench", targets: ["ServerBench"]),
        .executable(name: "bench-floor", targets: ["BenchFloor"]),
        .library(name: "SpecRunnerKit", targets: ["SpecRunnerKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(name: "ServerSentEvents"),
        .target(name: "JSONValues"),
        .target(name: "ProjectFiles", plugins: ["EmbedProjectFiles"]),
        .executableTarget(name: "EmbedProjectFilesTool"),
        .plugin(name: "EmbedProjectFiles", capability: .buildTool(), dependencies: ["EmbedProjectFilesTool"]),
        .target(
            name: "CommandLineSupport",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "AIWorkerServer",
            dependencies: [
                "ServerSentEvents",
                "ProjectFiles",
                "JSONValues",
                "CommandLineSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "SpecRunnerKit",
            dependencies: [
                "ServerSentEvents",
                "ProjectFiles",
                "JSONValues",
                "CommandLineSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(name: "Server", dependencies: ["AIWorkerServer"]),
        .executableTarget(name: "SpecRunner", dependencies: ["SpecRunnerKit", "CommandLineSupport"]),
        .executableTarget(name: "ServerBench", dependencies: ["AIWorkerServer", "CommandLineSupport"]),
        .executableTarget(name: "BenchFloor", dependencies: [.product(name: "Hummingbird", package: "hummingbird")]),
        .target(name: "SharedTestSupport", path: "Tests/SharedTestSupport"),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "AIWorkerServer",
                "SharedTestSupport",
                "ProjectFiles",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "SpecRunnerTests",
            dependencies: [
                "SpecRunnerKit",
                "ServerSentEvents",
                "JSONValues",
                "CommandLineSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SpecRunnerLibraryTests",
            dependencies: [
                "AIWorkerServer",
                "SpecRunnerKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
            ]
        ),
        .testTarget(
            name: "ConformanceTests",
            dependencies: [
                "AIWorkerServer",
                "SharedTestSupport",
                "SpecRunnerKit",
                "JSONValues",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
