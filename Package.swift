// swift-tools-version:6.2
import PackageDescription

// Dependencies point one way, downwards (design §5):
//   winnow (CLI) → WinnowRuntime → WinnowTransport → CZeroMQ
//                               → WinnowWire → WinnowCluster → WinnowCore → WinnowNative → CBLAS
//                               → WinnowIO → WinnowCore
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
        .target(
            name: "WinnowNative",
            dependencies: ["CBLAS"]
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
            name: "WinnowCluster",
            dependencies: [
                "WinnowCore",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "WinnowWire",
            dependencies: [
                "WinnowCore", "WinnowCluster", "WinnowNative",
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
                "WinnowCore", "WinnowIO", "WinnowCluster", "WinnowWire", "WinnowTransport", "WinnowNative",
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
                "WinnowRuntime", "WinnowIO", "WinnowCore", "WinnowCluster", "WinnowTransport", "WinnowNative",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "WinnowTestKit",
            dependencies: ["WinnowCore", "WinnowIO", "WinnowCluster"]
        ),
        .testTarget(name: "WinnowCoreTests", dependencies: ["WinnowCore", "WinnowNative", "WinnowTestKit"]),
        .testTarget(name: "WinnowIOTests", dependencies: ["WinnowIO", "WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowClusterTests", dependencies: ["WinnowCluster", "WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowWireTests", dependencies: [
            "WinnowWire", "WinnowCluster", "WinnowCore", "WinnowTransport", "WinnowTestKit",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "WinnowCLITests", dependencies: ["winnow", "WinnowCluster", "WinnowCore", "WinnowIO", "WinnowRuntime", "WinnowTestKit", "WinnowTransport", "WinnowWire"]),
    ]
)
