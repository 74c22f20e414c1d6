import Dispatch
import Foundation
import GRPOCore

/// Converts ggml-stored tensor data (plain or block-quantized) to float32.
public enum GGMLDequantizer {
    /// Tensors with at least this many elements are split across cores.
    static let parallelThreshold = 1 << 20

    /// Dequantizes `source`, which must hold exactly `destination.count` elements of `type`
    /// (a whole number of blocks), into `destination`. `tensor` and `path` only label errors.
    public static func dequantize(
        _ type: GGMLType, from source: UnsafeRawBufferPointer,
        into destination: UnsafeMutableBufferPointer<Float>,
        tensor: String = "", path: String = ""
    ) throws {
        guard type.isDequantizable else {
            throw ModelFileError.unsupportedDType(path: path, tensor: tensor, dtype: type.name)
        }
        let count = destination.count
        guard count % type.blockSize == 0 else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: tensor,
                detail: "\(count) elements is not a whole number of \(type.name) blocks of \(type.blockSize)")
        }
        let blocks = count / type.blockSize
        guard source.count == blocks * type.bytesPerBlock else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: tensor,
                detail: "\(count) \(type.name) elements need \(blocks * type.bytesPerBlock) bytes, "
                    + "the data has \(source.count)")
        }
        guard blocks > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }

        let kernel = self.kernel(for: type)
        let workers = count >= parallelThreshold ? min(ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        if workers <= 1 {
            kernel(src, blocks, dst)
            return
        }
        // Contiguous runs of whole blocks, one per worker; the runs write disjoint ranges.
        // Addresses cross into the workers as integers: the buffers outlive the call.
        let blocksPerWorker = (blocks + workers - 1) / workers
        let srcAddress = UInt(bitPattern: src), dstAddress = UInt(bitPattern: dst)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let first = worker * blocksPerWorker
            let n = min(blocksPerWorker, blocks - first)
            guard n > 0, let input = UnsafeRawPointer(bitPattern: srcAddress),
                  let output = UnsafeMutablePointer<Float>(bitPattern: dstAddress) else { return }
            kernel(input + first * type.bytesPerBlock, n, output + first * type.blockSize)
        }
    }

    typealias Kernel = @Sendable (UnsafeRawPointer, Int, UnsafeMutablePointer<Float>) -> Void

    /// The routine converting `blocks` blocks of `type`; only called for dequantizable types.
    private static func kernel(for type: GGMLType) -> Kernel {
        switch type {
        case .f32: return { HalfPrecision.copyFloat32($0, count: $1, into: $2) }
        case .f16: return { HalfPrecision.widenFloat16($0, count: $1, into: $2) }
        case .bf16: return { HalfPrecision.widenBFloat16($0, count: $1, into: $2) }
        case .q4_0: return { GGMLLegacyQuants.q4_0($0, blocks: $1, into: $2) }
        case .q4_1: return { GGMLLegacyQuants.q4_1($0, blocks: $1, into: $2) }
        case .q5_0: return { GGMLLegacyQuants.q5_0($0, blocks: $1, into: $2) }
        case .q5_1: return { GGMLLegacyQuants.q5_1($0, blocks: $1, into: $2) }
        case .q8_0: return { GGMLLegacyQuants.q8_0($0, blocks: $1, into: $2) }
        case .q4_K: return { GGMLKQuants.q4_K($0, blocks: $1, into: $2) }
        case .q5_K: return { GGMLKQuants.q5_K($0, blocks: $1, into: $2) }
        case .q6_K: return { GGMLKQuants.q6_K($0, blocks: $1, into: $2) }
        default: preconditionFailure("no dequantization kernel for \(type.name)")
        }
    }
}
