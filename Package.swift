// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Flowdesk",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "FlowEngine", targets: ["FlowEngine"]),
    .library(name: "Localization", targets: ["Localization"]),
    .library(name: "HelpContent", targets: ["HelpContent"]),
    .library(name: "FlowStore", targets: ["FlowStore"]),
    .library(name: "HelpSearch", targets: ["HelpSearch"]),
    .library(name: "FlowdeskServer", targets: ["FlowdeskServer"]),
    .executable(name: "flowdesk", targets: ["flowdesk"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
  ],
  targets: [
    .target(
      name: "FlowEngine",
      dependencies: [
        .product(name: "HeapModule", package: "swift-collections"),
        // Message templates: parsed when a flow is saved, rendered when a step sends.
        .product(name: "Mustache", package: "swift-mustache"),
      ]
    ),
    .systemLibrary(
      name: "CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]
    ),
    .target(
      name: "Localization",
      dependencies: ["FlowEngine", "CLibXML2"]
    ),
    .target(
      name: "HelpContent",
      dependencies: [
        "FlowEngine", "Localization",
        .product(name: "Yams", package: "Yams"),
        .product(name: "Ink", package: "Ink"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "FlowStore",
      dependencies: [
        "FlowEngine",
        .product(name: "GRDB", package: "GRDB.swift"),
        // GRDB's own SQLite module: the hottest inserts bind their values straight on
        // GRDB's prepared statements (see `RawRow`).
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
        // The shared store for several nodes: PostgreSQL's wire protocol over SwiftNIO.
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]
    ),
    .target(
      name: "HelpSearch",
      dependencies: ["HelpContent", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .target(
      name: "FlowdeskServer",
      dependencies: [
        "FlowEngine", "Localization", "HelpContent", "HelpSearch", "FlowStore",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      resources: [.copy("Resources/openapi.json"), .copy("HelpCenter/Templates")]
    ),
    .executableTarget(
      name: "flowdesk",
      dependencies: [
        "FlowEngine", "Localization", "HelpContent", "HelpSearch", "FlowStore", "FlowdeskServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]
    ),
    .testTarget(
      name: "FlowEngineTests",
      dependencies: ["FlowEngine"],
      resources: [.copy("Resources/published-codes.txt")]
    ),
    .testTarget(name: "LocalizationTests", dependencies: ["Localization"]),
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "HelpContentTests", dependencies: ["HelpContent", "TestSupport"]),
    .testTarget(name: "HelpSearchTests", dependencies: ["HelpSearch", "TestSupport"]),
    .testTarget(
      name: "DocsRegressionTests",
      dependencies: ["HelpContent", "Localization", "TestSupport"],
      // The DocFX corpus is read where it is in the repository (Paths.docfxCorpus).
      exclude: ["Resources"]
    ),
    .testTarget(name: "EnginePropertyTests", dependencies: ["FlowEngine", "HelpContent", "TestSupport"]),
    .executableTarget(
      name: "flowdesk-crash-worker",
      dependencies: ["FlowStore"],
      path: "Tests/CrashWorker"
    ),
    .testTarget(
      name: "FlowStoreTests",
      dependencies: [
        "FlowStore", "TestSupport", "flowdesk-crash-worker", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
      ]
    ),
    .testTarget(
      name: "FlowdeskServerTests",
      dependencies: [
        "FlowdeskServer", "TestSupport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]
    ),
    .testTarget(
      name: "CLITests",
      dependencies: [
        "flowdesk", "TestSupport",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]
    ),
  ]
)
