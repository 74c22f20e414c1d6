/// One turn of a conversation. Tool calls and tool results are outside this module's scope.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: .system, content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: .user, content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: .assistant, content: content) }
}

/// A ChatML chat template rendered natively, byte for byte as transformers'
/// `apply_chat_template(messages, tokenize=False, add_generation_prompt=…)` renders the
/// template it stands for. There is no Jinja engine: a template text is recognised as one of
/// the `Family` cases (see `KnownChatTemplates`) or refused.
public struct ChatTemplate: Sendable, Equatable {
    public enum Family: String, CaseIterable, Sendable, CustomStringConvertible {
        /// Qwen2.5-Instruct and Qwen2.5-Coder-Instruct (one template text).
        case qwen2_5
        /// SmolLM2-Instruct.
        case smolLM2

        public var description: String {
            switch self {
            case .qwen2_5: return "Qwen2.5 / Qwen2.5-Coder (ChatML)"
            case .smolLM2: return "SmolLM2 (ChatML)"
            }
        }

        /// The system prompt the family's own template inserts when a conversation has none.
        public var standardSystemPrompt: String {
            switch self {
            case .qwen2_5: return "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
            case .smolLM2: return "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
            }
        }

        var canonicalTemplate: String {
            switch self {
            case .qwen2_5: return KnownChatTemplates.qwen2_5
            case .smolLM2: return KnownChatTemplates.smolLM2
            }
        }
    }

    public let family: Family
    /// Inserted as the first turn when the conversation does not start with a system message.
    public let defaultSystemPrompt: String

    public init(family: Family, defaultSystemPrompt: String? = nil) {
        self.family = family
        self.defaultSystemPrompt = defaultSystemPrompt ?? family.standardSystemPrompt
    }

    /// Recognises a template text. Variants of a family that differ only in the default system
    /// prompt (Qwen2.5 base models: "You are a helpful assistant.") are recognised with theirs.
    public init(template: String) throws {
        let tokens = JinjaTokenStream.tokens(of: template)
        for family in Family.allCases {
            if let prompt = Self.match(tokens, family: family) {
                self.init(family: family, defaultSystemPrompt: prompt)
                return
            }
        }
        throw TokenizerError.unsupportedChatTemplate(
            reason: "the template text is not one of the known ones", supportedFamilies: Family.allCases.map(\.description))
    }

    /// A family from a model name or type ("qwen2", "qwen2.5-coder", "smollm2"), for model
    /// files that carry no template.
    public init(modelTypeHint: String) throws {
        let hint = modelTypeHint.lowercased()
        if hint.hasPrefix("qwen2") {
            self.init(family: .qwen2_5)
        } else if hint.hasPrefix("smollm") {
            self.init(family: .smolLM2)
        } else {
            throw TokenizerError.unsupportedChatTemplate(
                reason: "no template is known for model type '\(modelTypeHint)'",
                supportedFamilies: Family.allCases.map(\.description))
        }
    }

    /// The prompt text. Both families render every turn as `<|im_start|>role\ncontent<|im_end|>\n`
    /// after a default system turn when the first message is not a system message; the
    /// generation prompt is `<|im_start|>assistant\n`. Like transformers, an empty conversation
    /// is an error.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> String {
        guard let first = messages.first else { throw TokenizerError.emptyConversation }
        var text = ""
        if first.role != .system {
            text += "<|im_start|>system\n" + defaultSystemPrompt + "<|im_end|>\n"
        }
        for message in messages {
            text += "<|im_start|>" + message.role.rawValue + "\n" + message.content + "<|im_end|>\n"
        }
        if addGenerationPrompt { text += "<|im_start|>assistant\n" }
        return text
    }

    /// The template's default system prompt if `tokens` equal the family's canonical template
    /// up to that prompt: every string literal holding the standard prompt may hold another
    /// text there instead, the same text in each of them.
    private static func match(_ tokens: [JinjaToken], family: Family) -> String? {
        let canonical = JinjaTokenStream.tokens(of: family.canonicalTemplate)
        guard canonical.count == tokens.count else { return nil }
        let placeholder = Array(family.standardSystemPrompt.utf8)
        var prompt: ArraySlice<UInt8>?
        for (expected, actual) in zip(canonical, tokens) where expected != actual {
            guard case .string(let expectedValue) = expected, case .string(let actualValue) = actual,
                  let at = firstIndex(of: placeholder, in: expectedValue) else { return nil }
            let prefix = expectedValue[..<at]
            let suffix = expectedValue[(at + placeholder.count)...]
            guard actualValue.count >= prefix.count + suffix.count,
                  actualValue.starts(with: prefix), actualValue.reversed().starts(with: suffix.reversed())
            else { return nil }
            let candidate = actualValue[prefix.count..<(actualValue.count - suffix.count)]
            if let prompt, prompt != candidate { return nil }
            prompt = candidate
        }
        return String(decoding: prompt ?? placeholder[...], as: UTF8.self)
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { start in
            haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }
}
