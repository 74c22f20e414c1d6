import Tensors

/// AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected moments),
/// over one flat parameter vector.
///
///   p ← p · (1 − lr · wd)
///   m ← β1 · m + (1 − β1) · g            v ← β2 · v + (1 − β2) · g²
///   p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
public final class AdamW {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// First and second moments, laid out as the parameters.
    public let firstMoment: FloatBuffer
    public let secondMoment: FloatBuffer
    /// Steps taken (t above).
    public var stepCount = 0

    /// The seed's settings: β = (0.9, 0.99), weight decay 0.1, ε = 1e-8.
    public init(parameterCount: Int, beta1: Float = 0.9, beta2: Float = 0.99, epsilon: Float = 1e-8, weightDecay: Float = 0.1) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoment = FloatBuffer(count: parameterCount)
        secondMoment = FloatBuffer(count: parameterCount)
    }

    public func step(parameters: FloatBuffer, gradients: FloatBuffer, learningRate lr: Float) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count,
                     "optimizer state does not match the parameters")
        stepCount += 1
        let t = Float(stepCount)
        let stepSize = lr / (1 - powf(beta1, t))
        let correction2 = (1 - powf(beta2, t)).squareRoot()
        let decay = 1 - lr * weightDecay
        let p = parameters.pointer, g = gradients.pointer
        let m = firstMoment.pointer, v = secondMoment.pointer
        for i in 0..<parameters.count {
            p[i] *= decay
            m[i] += (g[i] - m[i]) * (1 - beta1)          // torch: exp_avg.lerp_(grad, 1 − β1)
            v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i]
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + epsilon)
        }
    }
}

/// Global L2-norm gradient clipping, as torch.nn.utils.clip_grad_norm_.
public enum GradientClipping {
    /// Scales `gradients` by min(1, maxNorm / (norm + 1e-6)) and returns the norm before
    /// clipping. A `maxNorm` of 0 or less only measures.
    @discardableResult
    public static func clip(_ gradients: FloatBuffer, maxNorm: Float) -> Float {
        var sum: Double = 0
        let g = gradients.pointer
        for i in 0..<gradients.count { sum += Double(g[i]) * Double(g[i]) }
        let norm = Float(sum.squareRoot())
        if maxNorm > 0 {
            let coefficient = min(1, maxNorm / (norm + 1e-6))
            if coefficient < 1 { Kernels.scale(g, count: gradients.count, by: coefficient) }
        }
        return norm
    }
}

#if canImport(Glibc)
import Glibc
#endif
