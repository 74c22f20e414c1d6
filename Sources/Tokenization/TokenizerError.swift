import Foundation

/// Everything that can go wrong while loading a tokenizer or rendering a chat template.
/// `source` names the file (or "GGUF metadata") the problem was found in.
public enum TokenizerError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case fileNotFound(path: String)
    case unreadableFile(path: String, reason: String)
    case invalidJSON(source: String, reason: String)
    case missingField(source: String, field: String)
    case invalidField(source: String, field: String, reason: String)
    case unsupportedModel(source: String, type: String)
    case unsupportedNormalizer(source: String, type: String)
    case unsupportedPreTokenizer(source: String, reason: String)
    case unsupportedPattern(pattern: String, reason: String)
    case unknownGGUFPreTokenizer(name: String, supported: [String])
    case unsupportedDecoder(source: String, type: String)
    case invalidMerge(source: String, index: Int, merge: String, reason: String)
    case unsupportedChatTemplate(reason: String, supportedFamilies: [String])
    case emptyConversation

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            return "tokenizer file not found: \(path)"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .invalidJSON(let source, let reason):
            return "\(source) is not valid JSON: \(reason)"
        case .missingField(let source, let field):
            return "\(source) has no \(field)"
        case .invalidField(let source, let field, let reason):
            return "\(source): \(field) \(reason)"
        case .unsupportedModel(let source, let type):
            return "\(source): tokenizer model '\(type)' is not supported; only byte-level BPE "
                + "(tokenizer.json model type BPE, GGUF tokenizer.ggml.model gpt2) is"
        case .unsupportedNormalizer(let source, let type):
            return "\(source): normalizer '\(type)' is not supported; only NFC (alone or in a "
                + "Sequence) or none is"
        case .unsupportedPreTokenizer(let source, let reason):
            return "\(source): unsupported pre-tokenizer: \(reason)"
        case .unsupportedPattern(let pattern, let reason):
            return "unsupported pre-tokenizer pattern \(pattern): \(reason); supported are the "
                + "Qwen2, Llama-3 and GPT-2 pattern families"
        case .unknownGGUFPreTokenizer(let name, let supported):
            return "GGUF metadata: unknown tokenizer.ggml.pre '\(name)'; known: "
                + supported.joined(separator: ", ")
        case .unsupportedDecoder(let source, let type):
            return "\(source): decoder '\(type)' is not supported; only ByteLevel is"
        case .invalidMerge(let source, let index, let merge, let reason):
            return "\(source): merge #\(index) '\(merge)' \(reason)"
        case .unsupportedChatTemplate(let reason, let families):
            return "unsupported chat template (\(reason)); supported families: "
                + families.joined(separator: ", ")
        case .emptyConversation:
            return "a chat template needs at least one message"
        }
    }

    public var errorDescription: String? { description }
}
