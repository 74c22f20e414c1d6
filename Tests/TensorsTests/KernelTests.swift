import Foundation
import XCTest
@testable import Tensors

/// The vectorised kernels against direct double-precision evaluations of their definitions.
final class KernelTests: XCTestCase {
    func testExpMatchesLibmAcrossTheFloatRange() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let got = Double(FastMath.exp(x))
            let expected = Foundation.exp(Double(x))
            worst = max(worst, abs(got - expected) / expected)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FastMath.exp(0), 1)
        XCTAssertTrue(FastMath.exp(1000).isFinite, "large inputs saturate instead of overflowing")
        XCTAssertLessThan(FastMath.exp(-1000), 1e-37)
    }

    func testSoftmaxAndLogSumExp() {
        let row: [Float] = (0..<1000).map { Float(sin(Double($0) * 0.37)) * 12 }
        let m = Double(row.max()!)
        let z = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        var probs = row
        probs.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
        for (p, x) in zip(probs, row) {
            XCTAssertEqual(Double(p), Foundation.exp(Double(x) - m) / z, accuracy: 1e-7)
        }
        let lse = row.withUnsafeBufferPointer { FastMath.logSumExp($0.baseAddress!, $0.count) }
        XCTAssertEqual(Double(lse), m + Foundation.log(z), accuracy: 1e-5)
    }

    func testRMSNorm() {
        let rows = 3, dim = 37, eps: Float = 1e-6
        let x: [Float] = (0..<(rows * dim)).map { Float(cos(Double($0) * 1.3)) * 2 }
        let w: [Float] = (0..<dim).map { 1 + Float($0) / 50 }
        var out = [Float](repeating: 0, count: rows * dim)
        var rstd = [Float](repeating: 0, count: rows)
        Kernels.rmsNorm(x, weight: w, out: &out, rows: rows, dim: dim, eps: eps, rstd: &rstd)
        for r in 0..<rows {
            let slice = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
            let inv = 1 / (slice.map { $0 * $0 }.reduce(0, +) / Double(dim) + Double(eps)).squareRoot()
            XCTAssertEqual(Double(rstd[r]), inv, accuracy: 1e-5 * inv)
            for i in 0..<dim {
                XCTAssertEqual(Double(out[r * dim + i]), slice[i] * inv * Double(w[i]), accuracy: 1e-5)
            }
        }
    }

    func testSiluMul() {
        let g: [Float] = (0..<50).map { Float($0 - 25) * 0.7 }
        let u: [Float] = (0..<50).map { Float($0) * 0.1 - 1 }
        var out = [Float](repeating: 0, count: 50)
        Kernels.siluMul(gate: g, up: u, out: &out, count: 50)
        for i in 0..<50 {
            let gi = Double(g[i])
            XCTAssertEqual(Double(out[i]), gi / (1 + Foundation.exp(-gi)) * Double(u[i]), accuracy: 1e-5)
        }
    }

    func testLinearMatchesNaiveProduct() {
        let m = 5, n = 7, k = 33
        let x: [Float] = (0..<(m * k)).map { Float(($0 * 7) % 11) - 5 }
        let w: [Float] = (0..<(n * k)).map { Float(($0 * 5) % 13) - 6 }
        var y = [Float](repeating: 1, count: m * n)
        BLAS.linear(x, w, &y, m: m, n: n, k: k, accumulate: true)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 1
                for t in 0..<k { s += x[i * k + t] * w[j * k + t] }
                XCTAssertEqual(y[i * n + j], s)
            }
        }
    }

    /// The decode-step kernel on every tail shape (rows and columns not multiples of 4, k not
    /// a multiple of 16), with row strides and accumulation, against a naive product.
    func testSmallBatchLinearMatchesNaiveProduct() {
        for (m, n, k) in [(1, 1, 16), (3, 5, 33), (4, 4, 64), (7, 11, 48), (9, 300, 40), (16, 1030, 96)] {
            let lda = k + 3, ldy = n + 2
            let x: [Float] = (0..<(m * lda)).map { Float(($0 * 7) % 13) * 0.1 - 0.6 }
            let w: [Float] = (0..<(n * k)).map { Float(($0 * 5) % 17) * 0.1 - 0.8 }
            for accumulate in [false, true] {
                var y = [Float](repeating: 0.5, count: m * ldy)
                SmallBatchLinear.apply(x, lda: lda, w, &y, ldy: ldy, m: m, n: n, k: k, accumulate: accumulate, threads: 2)
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Double = accumulate ? 0.5 : 0
                        for t in 0..<k { s += Double(x[i * lda + t]) * Double(w[j * k + t]) }
                        XCTAssertEqual(Double(y[i * ldy + j]), s, accuracy: 1e-4, "m=\(m) n=\(n) k=\(k) [\(i), \(j)]")
                    }
                    for j in n..<ldy { XCTAssertEqual(y[i * ldy + j], 0.5, "padding between rows untouched") }
                }
            }
        }
    }

    /// HF's rotate_half form, evaluated in double precision, and the inverse rotation.
    func testRotaryEmbedding() {
        let headDim = 8, heads = 2, position = 37
        let theta = 1_000_000.0
        let rope = RotaryEmbedding(headDim: headDim, theta: theta, positions: 64)
        let original: [Float] = (0..<(heads * headDim)).map { Float($0) * 0.25 - 1 }
        var x = original
        x.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: heads, position: position) }
        let half = headDim / 2
        for h in 0..<heads {
            for j in 0..<half {
                let angle = Double(position) / pow(theta, Double(2 * j) / Double(headDim))
                let a = Double(original[h * headDim + j]), b = Double(original[h * headDim + j + half])
                XCTAssertEqual(Double(x[h * headDim + j]), a * cos(angle) - b * sin(angle), accuracy: 1e-5)
                XCTAssertEqual(Double(x[h * headDim + j + half]), b * cos(angle) + a * sin(angle), accuracy: 1e-5)
            }
        }
        x.withUnsafeMutableBufferPointer { rope.apply($0.baseAddress!, heads: heads, position: position, inverse: true) }
        for (a, b) in zip(x, original) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
