// swift-tools-version:5.9
import Foundation
import PackageDescription

// The compute kernels are written with SIMD16<Float>; compiled for baseline x86-64 each op
// becomes four SSE instructions. By default the package compiles for the building machine's
// CPU (AVX-512 or AVX2 + FMA where present), 2-3× faster in softmax, exp and attention.
// GRPO_TARGET_CPU names another LLVM CPU (e.g. `haswell`, `x86-64`) for binaries that must
// run on other machines.
let targetCPU = ProcessInfo.processInfo.environment["GRPO_TARGET_CPU"] ?? "native"
let computeSettings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]

// Modules by role:
//   CBLAS, CZMQ      system libraries (Debian's libopenblas-dev, libzmq3-dev)
//   GRPOCore         dependency-free shared records: rollout groups and their validation,
//                    finish reasons, CRC32C, half/bfloat16 conversion, decoding-error wording,
//                    setting errors and closed setting choices
//   SeededRandom     platform-independent seeded generators (SplitMix64, xoshiro256**)
//   Tensors          float buffers, BLAS matmul, vectorised kernels, the compute thread count
//   ModelFiles       safetensors and GGUF readers, block dequantisation
//   Tokenization     byte-level BPE from tokenizer.json or GGUF metadata, chat templates
//   LanguageModel    the Qwen2/Llama decoder, KV cache, scoring, batched group sampling
//   Rewards          the rule-based reward functions (seed-compatible and fixed)
//   Training         LoRA, the decoder's backward pass, the GRPO objective, AdamW, PEFT adapters
//   GRPORun          a run's YAML configuration, rollout production, data order, the training loop
//   Transport        ZeroMQ sockets (ROUTER/DEALER, PUB/SUB), CurveZMQ keys and the ZAP allow-list
//   RolloutLog       the segmented, checksummed, append-only log of accepted rollout groups
//   GRPOProtocol     the learner–worker messages (PROTOCOL.md) and the adapter weights codec
//   Learner          the learner: assignment, liveness, the rollout log, training thread, checkpoints, replay
//   RolloutWorker    a rollout worker: credits, sampling and scoring, acknowledgements, weight updates
//   Metrics          metrics.jsonl and native TensorBoard event files (TFRecord + hand-encoded protobuf)
//   Datasets         GSM8K-style data files, the built-in arithmetic set, prompt building
//   GRPOCLI          the `grpo` toolbox commands; `grpo` is its thin executable
let package = Package(
    name: "grpo",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "grpo", targets: ["grpo"]),
        .executable(name: "learner", targets: ["learner"]),
        .executable(name: "rollout-worker", targets: ["rollout-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"])]),
        .target(name: "GRPOCore"),
        .target(name: "SeededRandom"),
        .target(name: "Tensors", dependencies: ["CBLAS", "GRPOCore"],
                swiftSettings: computeSettings + [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "ModelFiles", dependencies: ["GRPOCore", "Tensors"], swiftSettings: computeSettings),
        .target(name: "Tokenization", dependencies: ["ModelFiles"], swiftSettings: computeSettings),
        .target(name: "LanguageModel", dependencies: ["GRPOCore", "Tensors", "ModelFiles", "Tokenization", "SeededRandom"],
                swiftSettings: computeSettings),
        .target(name: "Training", dependencies: ["GRPOCore", "LanguageModel", "Tensors", "ModelFiles", "SeededRandom"],
                swiftSettings: computeSettings),
        .target(name: "Rewards", dependencies: ["SeededRandom"], swiftSettings: computeSettings),
        .target(name: "Datasets", dependencies: ["SeededRandom"]),
        .target(name: "Transport", dependencies: ["CZMQ"]),
        .target(name: "RolloutLog", dependencies: ["GRPOCore"]),
        .target(name: "Metrics", dependencies: ["GRPOCore"]),
        .target(name: "GRPOProtocol", dependencies: ["GRPOCore", "RolloutLog"], exclude: ["PROTOCOL.md"]),
        .target(name: "Learner", dependencies: ["GRPOCore", "GRPORun", "GRPOProtocol", "Transport", "RolloutLog", "Training", "LanguageModel", "Datasets", "Metrics"]),
        .target(name: "RolloutWorker", dependencies: ["GRPORun", "GRPOProtocol", "Transport", "Training", "LanguageModel"]),
        .executableTarget(name: "learner", dependencies: ["Learner", "GRPORun", "Tensors",
                                                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "rollout-worker", dependencies: ["RolloutWorker", "GRPORun", "Tensors",
                                                                  .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "GRPORun", dependencies: [
            "GRPOCore", "GRPOProtocol", "RolloutLog", "Training", "LanguageModel", "Tokenization", "ModelFiles", "Tensors", "Rewards", "Datasets", "SeededRandom", "Metrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "GRPOCLI", dependencies: [
            "GRPOCore", "LanguageModel", "Tokenization", "ModelFiles", "Tensors", "Rewards", "Datasets", "Training", "GRPORun", "Transport", "RolloutLog", "GRPOProtocol", "SeededRandom",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "grpo", dependencies: ["GRPOCLI"]),
        .testTarget(name: "GRPOCoreTests", dependencies: ["GRPOCore", "TestSupport"]),
        .testTarget(name: "GRPOProtocolTests", dependencies: ["GRPOProtocol", "GRPOCore", "RolloutLog"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles", "SeededRandom"]),
        .testTarget(name: "TokenizationTests", dependencies: ["Tokenization", "ModelFiles"]),
        .target(name: "TestSupport", dependencies: ["SeededRandom"], path: "Tests/TestSupport"),
        .testTarget(name: "LanguageModelTests", dependencies: ["LanguageModel", "Tokenization", "SeededRandom", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["GRPOCore", "Training", "LanguageModel", "ModelFiles", "Tensors", "SeededRandom", "TestSupport"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport"]),
        .testTarget(name: "RolloutLogTests", dependencies: ["RolloutLog", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "DistributedTests", dependencies: [
            "learner", "rollout-worker", "grpo", "Transport", "RolloutLog", "GRPOProtocol", "Training", "LanguageModel", "TestSupport",
        ]),
        .testTarget(name: "LearnerTests", dependencies: ["Learner", "GRPOProtocol", "GRPORun"]),
        .testTarget(name: "GRPORunTests", dependencies: ["GRPOCore", "GRPORun", "Training", "LanguageModel", "ModelFiles", "Tokenization", "TestSupport"]),
        .testTarget(name: "GRPOCLITests", dependencies: ["grpo", "ModelFiles", "TestSupport"]),
        .testTarget(name: "RewardsTests", dependencies: ["Rewards"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    ]
)
