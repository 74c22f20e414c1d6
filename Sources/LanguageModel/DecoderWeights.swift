import ModelFiles
import Tensors

/// The frozen weights of one decoder layer, Linear weights as [out, in].
///
/// Projections that read the same input are stacked along their output dimension, so the
/// decoder issues one GEMM for Q, K and V and one for gate and up: fewer, wider products,
/// which matters when a decode step has only a handful of rows.
public struct LayerWeights {
    public var inputNorm: FloatBuffer          // [d]
    public var qkv: Matrix                     // [qDim + 2·kvDim, d]: rows of q_proj, k_proj, v_proj
    public var qkvBias: FloatBuffer?           // [qDim + 2·kvDim]
    public var o: Matrix                       // [d, qDim]
    public var postAttentionNorm: FloatBuffer  // [d]
    public var gateUp: Matrix                  // [2·ff, d]: rows of gate_proj, then up_proj
    public var down: Matrix                    // [d, ff]
}

/// All weights of the decoder. With tied embeddings `lmHead` is the embedding matrix itself.
public struct DecoderWeights {
    public var embedTokens: Matrix             // [vocab, d]
    public var layers: [LayerWeights]
    public var finalNorm: FloatBuffer          // [d]
    public var lmHead: Matrix                  // [vocab, d]

    /// Reads every tensor by its Hugging Face name from `source`, straight into the
    /// model's storage, checking each shape against the configuration.
    public init(config: ModelConfig, source: any WeightSource) throws {
        let d = config.hiddenSize, ff = config.intermediateSize
        func load(_ name: String, _ shape: [Int], into buffer: FloatBufferSlice) throws {
            guard source.contains(name) else { throw ModelLoadError.missingTensor(name: name, file: source.path) }
            let file = source.file(containing: name)
            let found = try source.info(name).shape
            // A [n] vector may be stored as [1, n] by some converters; compare element layout.
            guard found == shape || found.filter({ $0 != 1 }) == shape.filter({ $0 != 1 }) else {
                throw ModelLoadError.shapeMismatch(name: name, file: file, expected: shape, found: found)
            }
            try source.read(name, into: buffer.buffer)
        }
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix {
            let m = Matrix(rows: rows, cols: cols)
            try load(name, [rows, cols], into: FloatBufferSlice(m.storage))
            return m
        }
        /// Several [rows_i, cols] tensors stacked into one [Σ rows_i, cols] matrix.
        func stacked(_ parts: [(String, Int)], cols: Int) throws -> Matrix {
            let m = Matrix(rows: parts.reduce(0) { $0 + $1.1 }, cols: cols)
            var row = 0
            for (name, rows) in parts {
                let slice = FloatBufferSlice(base: m.storage, offset: row * cols, count: rows * cols)
                try load(name, [rows, cols], into: slice)
                row += rows
            }
            return m
        }
        func vector(_ name: String, _ n: Int) throws -> FloatBuffer {
            let v = FloatBuffer(count: n)
            try load(name, [n], into: FloatBufferSlice(v))
            return v
        }

        embedTokens = try matrix("model.embed_tokens.weight", config.vocabSize, d)
        layers = try (0..<config.numHiddenLayers).map { i in
            let p = "model.layers.\(i)."
            let qkvParts = [("q_proj", config.qDim), ("k_proj", config.kvDim), ("v_proj", config.kvDim)]
            var qkvBias: FloatBuffer? = nil
            if config.attentionBias {
                let bias = FloatBuffer(count: config.qDim + 2 * config.kvDim)
                var offset = 0
                for (name, n) in qkvParts {
                    try load(p + "self_attn.\(name).bias", [n], into: FloatBufferSlice(base: bias, offset: offset, count: n))
                    offset += n
                }
                qkvBias = bias
            }
            return LayerWeights(
                inputNorm: try vector(p + "input_layernorm.weight", d),
                qkv: try stacked(qkvParts.map { (p + "self_attn.\($0.0).weight", $0.1) }, cols: d),
                qkvBias: qkvBias,
                o: try matrix(p + "self_attn.o_proj.weight", d, config.qDim),
                postAttentionNorm: try vector(p + "post_attention_layernorm.weight", d),
                gateUp: try stacked([(p + "mlp.gate_proj.weight", ff), (p + "mlp.up_proj.weight", ff)], cols: d),
                down: try matrix(p + "mlp.down_proj.weight", d, ff))
        }
        finalNorm = try vector("model.norm.weight", d)
        if config.tieWordEmbeddings {
            lmHead = embedTokens
        } else {
            lmHead = try matrix("lm_head.weight", config.vocabSize, d)
        }
    }
}
