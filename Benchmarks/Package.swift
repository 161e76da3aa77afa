// swift-tools-version: 6.1
// The benchmarks are their own package, so `swift test` never builds them.
import Foundation
import PackageDescription

/// The Flowdesk package is the parent folder; SwiftPM names a path dependency after its folder.
let flowdesk = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
  name: "FlowdeskBenchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(path: ".."),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
  ],
  targets: [
    .target(
      name: "BenchmarkSupport",
      dependencies: [
        .product(name: "FlowEngine", package: flowdesk),
        .product(name: "FlowStore", package: flowdesk),
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      path: "Sources/BenchmarkSupport"
    ),
    .executableTarget(
      name: "FlowdeskBenchmarks",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "FlowEngine", package: flowdesk),
        .product(name: "FlowStore", package: flowdesk),
        .product(name: "HelpContent", package: flowdesk),
        .product(name: "HelpSearch", package: flowdesk),
        .product(name: "Localization", package: flowdesk),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Ink", package: "Ink"),
      ],
      path: "Benchmarks/FlowdeskBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    .executableTarget(
      name: "flowdesk-scale",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "FlowEngine", package: flowdesk),
        .product(name: "FlowStore", package: flowdesk),
        .product(name: "GRDB", package: "GRDB.swift"),
      ],
      path: "Sources/flowdesk-scale"
    ),
    .executableTarget(
      name: "flowdesk-postgres",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "FlowEngine", package: flowdesk),
        .product(name: "FlowStore", package: flowdesk),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Sources/flowdesk-postgres"
    ),
  ]
)
