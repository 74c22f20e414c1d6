/// What one rollout prompt is made of before a chat template renders it: the system turn, the
/// user turn and the reference answer the rewards will need.
public struct Prompt: Sendable, Equatable {
    /// nil: no system turn (the chat template then inserts its own default).
    public var system: String?
    public var user: String
    public var answer: String

    public init(system: String?, user: String, answer: String) {
        self.system = system
        self.user = user
        self.answer = answer
    }
}

/// Pairs each problem's question with the system prompt, as the seed does: a system turn with
/// `SYSTEM_PROMPT` and a user turn with the question, the reference answer carried along.
/// Rendering to text and tokens belongs to the tokenizer's chat template.
public struct PromptBuilder: Sendable {
    /// The seed's `SYSTEM_PROMPT`, byte for byte, leading and trailing newlines included.
    public static let seedSystemPrompt = "\n按照如下格式回答问题：\n<think>\n你的思考过程\n</think>\n<answer>\n你的回答\n</answer>\n"

    public var systemPrompt: String?

    public init(systemPrompt: String? = PromptBuilder.seedSystemPrompt) {
        self.systemPrompt = systemPrompt
    }

    public func prompt(for problem: Problem) -> Prompt {
        Prompt(system: systemPrompt, user: problem.question, answer: problem.answer)
    }

    public func prompts(for problems: [Problem]) -> [Prompt] {
        problems.map(prompt(for:))
    }

    /// The last `maxLength` tokens of a rendered prompt, as TRL's GRPOTrainer truncates
    /// (`prompt_ids[:, -max_prompt_length:]`): the end holds the question and the generation
    /// prompt, which the model must see; the start (system turn) is what gets cut. nil keeps
    /// everything.
    public static func truncatedKeepingEnd<Token>(_ tokens: [Token], maxLength: Int?) -> [Token] {
        guard let maxLength, tokens.count > maxLength else { return tokens }
        return Array(tokens.suffix(max(maxLength, 0)))
    }
}
