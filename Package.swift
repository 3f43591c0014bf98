// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way, downwards (design §5):
//   winnow (CLI) → WinnowRuntime → WinnowIO → WinnowCore → WinnowNative → CBLAS
// WinnowNative is the only target that touches unsafe pointers (BLAS calls, mmap, SIMD kernels).
let package = Package(
    name: "Winnow",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "winnow", targets: ["winnow"]),
        .library(name: "WinnowCore", targets: ["WinnowCore"]),
        .library(name: "WinnowIO", targets: ["WinnowIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
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
            name: "WinnowRuntime",
            dependencies: [
                "WinnowCore", "WinnowIO",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "winnow",
            dependencies: [
                "WinnowRuntime", "WinnowIO", "WinnowCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "WinnowTestKit",
            dependencies: ["WinnowCore", "WinnowIO"]
        ),
        .testTarget(name: "WinnowCoreTests", dependencies: ["WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowIOTests", dependencies: ["WinnowIO", "WinnowCore", "WinnowTestKit"]),
        .testTarget(name: "WinnowCLITests", dependencies: ["winnow", "WinnowIO", "WinnowTestKit"]),
    ]
)
