/// The row order llama.cpp's converter (convert_hf_to_gguf.py, `LlamaModel.permute`) gives
/// the Llama Q and K projections, and its inverse.
///
/// Hugging Face's Llama rotates each head's first half of dimensions against its second half
/// (rotate_half); llama.cpp's `llama` graph rotates adjacent pairs. The converter therefore
/// reorders the rows of each head: it views the [rows, cols] weight as
/// [heads, 2, headDim/2, cols], swaps the middle two axes, and flattens again. Within a head,
/// Hugging Face row `t * headDim/2 + i` (t in {0, 1}) thus lands at GGUF row `2i + t`.
/// K is permuted with the key-value head count, Q with the query head count; biases (1-D)
/// are permuted the same way with one column.
struct LlamaRowPermutation {
    let heads: Int
    let headDim: Int
    /// Elements per row (the product of the non-row dimensions).
    let rowLength: Int

    init(shape: [Int], heads: Int, tensor: String, path: String) throws {
        guard let rows = shape.first, heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else {
            throw ModelFileError.shapeMismatch(
                path: path, tensor: tensor,
                detail: "shape \(shape) cannot be split into \(heads) heads of even size to undo "
                    + "llama.cpp's Q/K row permutation")
        }
        self.heads = heads
        headDim = rows / heads
        rowLength = shape.dropFirst().reduce(1, *)
    }

    /// Writes the rows of `stored` (GGUF order) into `destination` in Hugging Face order.
    func restoreHuggingFaceOrder(from stored: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Float>) {
        let half = headDim / 2
        guard let source = stored.baseAddress, let target = destination.baseAddress else { return }
        for head in 0..<heads {
            let base = head * headDim
            for t in 0..<2 {
                for i in 0..<half {
                    let huggingFaceRow = base + t * half + i
                    let ggufRow = base + 2 * i + t
                    (target + huggingFaceRow * rowLength)
                        .update(from: source + ggufRow * rowLength, count: rowLength)
                }
            }
        }
    }
}
