// swift-tools-version: 6.0
// libFuzzer targets for Flowdesk's outside inputs. A package of its own, so that `swift test` of
// the main package never builds them; see FUZZING.md for the build command and the flags.
import PackageDescription

let package = Package(
  name: "FlowdeskFuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "Flowdesk", path: "..")],
  targets: [
    // The service's strict JSON parser and merge patch, compiled from the service's own file
    // (Sources/StrictJSON/StrictJSON.swift is a link to it) so that the fuzzing build does not
    // have to build Hummingbird and SwiftNIO with the sanitizers.
    .target(name: "StrictJSON", path: "Sources/StrictJSON"),
    .target(name: "CLibFuzzer"),
    .target(
      name: "FuzzSupport",
      dependencies: ["CLibFuzzer", .product(name: "Localization", package: "Flowdesk")]
    ),
    .executableTarget(
      name: "fuzz-article",
      dependencies: ["FuzzSupport", .product(name: "HelpContent", package: "Flowdesk")]
    ),
    .executableTarget(
      name: "fuzz-xliff",
      dependencies: ["FuzzSupport", .product(name: "Localization", package: "Flowdesk")]
    ),
    .executableTarget(
      name: "fuzz-language",
      dependencies: ["FuzzSupport", .product(name: "Localization", package: "Flowdesk")]
    ),
    .executableTarget(
      name: "fuzz-definition",
      dependencies: ["FuzzSupport", "StrictJSON", .product(name: "FlowEngine", package: "Flowdesk")]
    ),
    .executableTarget(name: "fuzz-json", dependencies: ["FuzzSupport", "StrictJSON"]),
    .executableTarget(name: "fuzz-merge-patch", dependencies: ["FuzzSupport", "StrictJSON"]),
    .executableTarget(
      name: "fuzz-tbx",
      dependencies: ["FuzzSupport", .product(name: "Localization", package: "Flowdesk")]
    ),
    .executableTarget(
      name: "fuzz-sanitizer",
      dependencies: ["FuzzSupport", .product(name: "HelpContent", package: "Flowdesk")]
    ),
  ]
)
