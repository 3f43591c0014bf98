// swift-tools-version:6.2
import PackageDescription

// libFuzzer targets over the two parsers that read bytes from outside: the wire envelope decoder
// and the `.npy` header parser. A package of its own so the product build never needs the fuzzer
// runtime. Build and run with Scripts/fuzz.
let package = Package(
    name: "WinnowFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Winnow", path: "..")],
    targets: [
        .executableTarget(name: "FuzzEnvelope", dependencies: [.product(name: "WinnowWire", package: "Winnow")]),
        .executableTarget(name: "FuzzNpyHeader", dependencies: [.product(name: "WinnowIO", package: "Winnow")]),
    ]
)
