import ModelFiles
import Tensors

/// The frozen weights of one decoder layer, Linear weights as [out, in].
public struct LayerWeights {
    public var inputNorm: FloatBuffer          // [d]
    public var q: Matrix, k: Matrix, v: Matrix // [qDim, d], [kvDim, d], [kvDim, d]
    public var qBias: FloatBuffer?, kBias: FloatBuffer?, vBias: FloatBuffer?
    public var o: Matrix                       // [d, qDim]
    public var postAttentionNorm: FloatBuffer  // [d]
    public var gate: Matrix, up: Matrix        // [ff, d]
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
        func load(_ name: String, _ shape: [Int], into buffer: FloatBuffer) throws {
            guard source.contains(name) else { throw ModelLoadError.missingTensor(name: name, file: source.path) }
            let found = try source.info(name).shape
            // A [n] vector may be stored as [1, n] by some converters; compare element layout.
            guard found == shape || found.filter({ $0 != 1 }) == shape.filter({ $0 != 1 }) else {
                throw ModelLoadError.shapeMismatch(name: name, file: source.path, expected: shape, found: found)
            }
            try source.read(name, into: buffer.buffer)
        }
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix {
            let m = Matrix(rows: rows, cols: cols)
            try load(name, [rows, cols], into: m.storage)
            return m
        }
        func vector(_ name: String, _ n: Int) throws -> FloatBuffer {
            let v = FloatBuffer(count: n)
            try load(name, [n], into: v)
            return v
        }

        embedTokens = try matrix("model.embed_tokens.weight", config.vocabSize, d)
        layers = try (0..<config.numHiddenLayers).map { i in
            let p = "model.layers.\(i)."
            let bias = config.attentionBias
            return LayerWeights(
                inputNorm: try vector(p + "input_layernorm.weight", d),
                q: try matrix(p + "self_attn.q_proj.weight", config.qDim, d),
                k: try matrix(p + "self_attn.k_proj.weight", config.kvDim, d),
                v: try matrix(p + "self_attn.v_proj.weight", config.kvDim, d),
                qBias: bias ? try vector(p + "self_attn.q_proj.bias", config.qDim) : nil,
                kBias: bias ? try vector(p + "self_attn.k_proj.bias", config.kvDim) : nil,
                vBias: bias ? try vector(p + "self_attn.v_proj.bias", config.kvDim) : nil,
                o: try matrix(p + "self_attn.o_proj.weight", d, config.qDim),
                postAttentionNorm: try vector(p + "post_attention_layernorm.weight", d),
                gate: try matrix(p + "mlp.gate_proj.weight", ff, d),
                up: try matrix(p + "mlp.up_proj.weight", ff, d),
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
