import Foundation

/// The pre-tokenizer stage: cuts normalized text into the pieces ("words") BPE runs on
/// separately. A sequence of steps, each cutting the pieces the previous one produced; the
/// byte-level mapping that follows in Hugging Face's pipeline happens in `BPEModel`.
public struct PreTokenizer: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        /// Hugging Face `Split` with behavior Isolated, or ByteLevel with `use_regex`.
        case split(SplitPattern)
        /// Hugging Face `Digits`: every number scalar alone, or runs of them together.
        case isolateDigits(individually: Bool)
    }

    let steps: [Step]

    init(steps: [Step]) {
        self.steps = steps
    }

    /// Qwen2 / Qwen2.5.
    public static let qwen2 = PreTokenizer(steps: [.split(.qwen2)])
    /// Llama-3.
    public static let llama3 = PreTokenizer(steps: [.split(.llama3)])
    /// GPT-2.
    public static let gpt2 = PreTokenizer(steps: [.split(.gpt2)])
    /// SmolLM / StarCoder: every digit alone, then GPT-2's pattern.
    public static let digitsThenGPT2 = PreTokenizer(steps: [.isolateDigits(individually: true), .split(.gpt2)])

    public init(pattern: SplitPattern) {
        steps = [.split(pattern)]
    }

    /// The pieces of `text`, as strings (for inspection and tests; encoding works on positions).
    public func pieces(of text: String) -> [String] {
        let utf8 = Array(text.utf8)[...]
        let buffer = ScalarBuffer(utf8: utf8)
        return pieceRanges(in: buffer).map { range in
            String(decoding: utf8[buffer.byteRange(range)], as: UTF8.self)
        }
    }

    /// The pieces of the whole buffer, in scalar positions.
    func pieceRanges(in buffer: ScalarBuffer) -> [Range<Int>] {
        guard buffer.count > 0 else { return [] }
        var pieces = [0..<buffer.count]
        var next: [Range<Int>] = []
        for step in steps {
            next.removeAll(keepingCapacity: true)
            for piece in pieces {
                switch step {
                case .split(let pattern):
                    pattern.split(piece, of: buffer, into: &next)
                case .isolateDigits(let individually):
                    Self.isolateDigits(piece, of: buffer, individually: individually, into: &next)
                }
            }
            swap(&pieces, &next)
        }
        return pieces
    }

    private static func isolateDigits(_ range: Range<Int>, of buffer: ScalarBuffer, individually: Bool,
                                      into pieces: inout [Range<Int>]) {
        var start = range.lowerBound
        var position = range.lowerBound
        while position < range.upperBound {
            let isNumber = buffer.classes[position].contains(.number)
            var end = position + 1
            if isNumber {
                if !individually {
                    while end < range.upperBound, buffer.classes[end].contains(.number) { end += 1 }
                }
                if start < position { pieces.append(start..<position) }
                pieces.append(position..<end)
                start = end
            }
            position = end
        }
        if start < range.upperBound { pieces.append(start..<range.upperBound) }
    }
}

extension PreTokenizer {
    /// The pre-tokenizer a tokenizer.json `pre_tokenizer` value describes. Supported: Split
    /// (a regex, behavior Isolated, not inverted), Digits, ByteLevel (add_prefix_space false;
    /// with use_regex it splits with GPT-2's pattern), and a Sequence of these. A ByteLevel step
    /// must be present: this module implements byte-level BPE only.
    static func from(json value: Any?, source: String) throws -> PreTokenizer {
        var steps: [Step] = []
        var sawByteLevel = false
        try collectSteps(value, source: source, steps: &steps, sawByteLevel: &sawByteLevel)
        guard sawByteLevel else {
            throw TokenizerError.unsupportedPreTokenizer(
                source: source, reason: "no ByteLevel step; only byte-level BPE is supported")
        }
        return PreTokenizer(steps: steps)
    }

    private static func collectSteps(_ value: Any?, source: String, steps: inout [Step],
                                     sawByteLevel: inout Bool) throws {
        func fail(_ reason: String) -> TokenizerError {
            .unsupportedPreTokenizer(source: source, reason: reason)
        }
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw fail("pre_tokenizer is missing or has no type")
        }
        switch type {
        case "Sequence":
            for member in object["pretokenizers"] as? [Any] ?? [] {
                try collectSteps(member, source: source, steps: &steps, sawByteLevel: &sawByteLevel)
            }
        case "Split":
            guard let pattern = object["pattern"] as? [String: Any], let regex = pattern["Regex"] as? String else {
                throw fail("Split needs a {\"Regex\": …} pattern")
            }
            let behavior = object["behavior"] as? String ?? "Isolated"
            guard behavior == "Isolated" else { throw fail("Split behavior \(behavior) (only Isolated)") }
            guard (object["invert"] as? Bool ?? false) == false else { throw fail("inverted Split") }
            steps.append(.split(try SplitPattern(regex: regex)))
        case "Digits":
            steps.append(.isolateDigits(individually: object["individual_digits"] as? Bool ?? false))
        case "ByteLevel":
            if object["add_prefix_space"] as? Bool == true {
                throw fail("ByteLevel with add_prefix_space true")
            }
            if object["use_regex"] as? Bool ?? true { steps.append(.split(.gpt2)) }
            sawByteLevel = true
        default:
            throw fail("pre-tokenizer type \(type)")
        }
    }
}
