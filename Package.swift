// swift-tools-version:5.9
import PackageDescription

// Modules by role:
//   CBLAS, CZMQ      system libraries (Debian's libopenblas-dev, libzmq3-dev)
//   Tensors          float buffers, half/bfloat conversion, BLAS matmul, vectorised kernels
//   ModelFiles       safetensors and GGUF readers, block dequantisation
//   Tokenization     byte-level BPE from tokenizer.json or GGUF metadata, chat templates
//   LanguageModel    the Qwen2/Llama decoder, KV cache, scoring, batched group sampling
//   Rewards          the rule-based reward functions (seed-compatible and fixed)
//   Datasets         GSM8K-style data files, the built-in arithmetic set, prompt building
//   GRPOCLI          the `grpo` toolbox commands; `grpo` is its thin executable
let package = Package(
    name: "grpo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "grpo", targets: ["grpo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .target(name: "Tensors", dependencies: ["CBLAS"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "ModelFiles", dependencies: ["Tensors"]),
        .target(name: "Tokenization", dependencies: ["ModelFiles"]),
        .target(name: "LanguageModel", dependencies: ["Tensors", "ModelFiles", "Tokenization"]),
        .target(name: "Rewards"),
        .target(name: "Datasets"),
        .target(name: "GRPOCLI", dependencies: [
            "LanguageModel", "Tokenization", "ModelFiles", "Tensors", "Rewards", "Datasets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "grpo", dependencies: ["GRPOCLI"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "ModelFiles"]),
        .testTarget(name: "LanguageModelTests", dependencies: ["LanguageModel", "Tokenization"]),
        .testTarget(name: "GRPOCLITests", dependencies: ["grpo"]),
        .testTarget(name: "RewardsTests", dependencies: ["Rewards"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    ]
)
