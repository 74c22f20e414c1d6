/// The seed's `extract_answer`: the text after the last "<answer>" (all of it when there is
/// none), up to the first "</answer>" after that, with Python's `str.strip()` applied.
///
/// Both modes extract the same way; they differ in what they then accept as a number.
public enum AnswerExtraction {
    static let open = ByteLiteral("<answer>")
    static let close = ByteLiteral("</answer>")

    /// The byte range of the extracted answer in `text`.
    static func answerRange(in text: UTF8Bytes) -> Range<Int> {
        let start = text.lastIndex(of: open).map { $0 + open.count } ?? 0
        let end = text.firstIndex(of: close, from: start) ?? text.count
        return text.strippingPythonWhitespace(start..<end)
    }

    /// The extracted answer of `completion`, for logs and tools.
    public static func answer(in completion: String) -> String {
        completion.withUTF8Bytes { text in
            String(decoding: UnsafeBufferPointer(rebasing: text[answerRange(in: text)]), as: UTF8.self)
        }
    }
}
