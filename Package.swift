// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way, downwards; docs/ARCHITECTURE.md draws them (Scripts/check-architecture
// keeps the two in step).
// WinnowNative and WinnowTransport are the only targets that touch unsafe pointers (BLAS calls, mmap,
// SIMD kernels; ZeroMQ messages and pipes).
let package = Package(
    name: "Winnow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "winnow", targets: ["winnow"]),
        .library(name: "WinnowCore", targets: ["WinnowCore"]),
        .library(name: "WinnowIO", targets: ["WinnowIO"]),
        .library(name: "WinnowWire", targets: ["WinnowWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(name: "CTerminal"),
        .target(
            name: "WinnowNative",
            dependencies: ["CBLAS", "CTerminal"]
        ),
        .target(
            name: "WinnowCore",
            dependencies: [
                "WinnowNative",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "WinnowIO",
            dependencies: [
                "WinnowCore", "WinnowNative",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WinnowCoordination",
            dependencies: [
                "WinnowCore",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "WinnowWire",
            dependencies: [
                "WinnowCore", "WinnowCoordination", "WinnowNative",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "WinnowTransport",
            dependencies: ["CZeroMQ"]
        ),
        .target(
            name: "WinnowRuntime",
            dependencies: [
                "WinnowCore", "WinnowIO", "WinnowCoordination", "WinnowWire", "WinnowTransport", "WinnowNative",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "winnow",
            dependencies: [
                "WinnowRuntime", "WinnowIO", "WinnowCore", "WinnowCoordination", "WinnowTransport", "WinnowNative",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "CoordinatorSimulation",
            dependencies: [
                "WinnowRuntime", "WinnowCoordination", "WinnowCore", "WinnowIO", "WinnowWire", "WinnowNative",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "WinnowTestKit",
            dependencies: ["WinnowCore", "WinnowIO", "WinnowCoordination"]
        ),
        .testTarget(name: "WinnowCoreTests", dependencies: ["WinnowCore", "WinnowNative", "WinnowTestKit"]),
        .testTarget(name: "WinnowIOTests", dependencies: ["WinnowIO", "WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowCoordinationTests", dependencies: ["WinnowCoordination", "WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowWireTests", dependencies: [
            "WinnowWire", "WinnowCoordination", "WinnowCore", "WinnowTestKit",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "WinnowTransportTests", dependencies: ["WinnowTransport"]),
        .testTarget(name: "WinnowRuntimeTests", dependencies: [
            "WinnowRuntime", "WinnowCoordination", "WinnowCore", "WinnowIO", "WinnowTestKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WinnowCLITests", dependencies: [
            "winnow", "WinnowCoordination", "WinnowCore", "WinnowIO", "WinnowNative", "WinnowRuntime", "WinnowTestKit", "WinnowTransport",
            "WinnowWire",
        ]),
    ]
)
