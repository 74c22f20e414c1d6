import Datasets
import Foundation
import GRPOCore
import LanguageModel
import Rewards
import Tokenization
import Training

/// A prompt ready to sample: its place in the data, its token ids and reference answer.
public struct PreparedPrompt: Sendable {
    public var index: Int
    public var ids: [Int32]
    public var question: String
    public var answer: String

    public init(index: Int, ids: [Int32], question: String, answer: String) {
        self.index = index
        self.ids = ids
        self.question = question
        self.answer = answer
    }
}

/// A group as produced, with the texts the rewards saw (for sample logs).
public struct ProducedGroup: Sendable {
    public var group: RolloutGroup
    public var prompt: PreparedPrompt
    public var texts: [String]
}

/// Turns prompts into scored rollout groups: G completions per prompt sampled together,
/// each decoded and scored by the configured rewards. `grpo train` and the rollout workers
/// produce groups through this one type.
public final class RolloutProducer {
    public let runtime: ModelRuntime
    public let scorer: RewardScorer
    public let generation: GenerationSection
    public let promptSettings: PromptSection
    private let builder: PromptBuilder

    public init(runtime: ModelRuntime, configuration: RunConfiguration) throws {
        self.runtime = runtime
        self.scorer = try RewardScorer(configuration: configuration.rewards)
        self.generation = configuration.generation
        self.promptSettings = configuration.prompt
        self.builder = PromptBuilder(systemPrompt: configuration.prompt.systemPrompt)
    }

    /// The chat prompt of a problem, cut to the configured length (keeping its end).
    public func prepare(_ problem: Problem, index: Int) throws -> PreparedPrompt {
        let prompt = builder.prompt(for: problem)
        var messages: [ChatMessage] = []
        if let system = prompt.system { messages.append(.system(system)) }
        messages.append(.user(promptSettings.userTemplate.replacingOccurrences(of: "{question}", with: prompt.user)))
        let ids = PromptBuilder.truncatedKeepingEnd(try runtime.promptIDs(messages), maxLength: promptSettings.maxPromptLength)
        return PreparedPrompt(index: index, ids: ids, question: problem.question, answer: prompt.answer)
    }

    /// Samples and scores one group per prompt. `seed` fixes every sequence's random stream.
    /// `onStep` runs between decode steps (a worker sends heartbeats there).
    public func produce(_ prompts: [PreparedPrompt], seed: UInt64, policyVersion: Int,
                        onStep: ((Int) -> Void)? = nil) -> [ProducedGroup] {
        let parameters = SamplingParameters(temperature: generation.temperature, topP: generation.topP, topK: generation.topK,
                                            maxTokens: generation.maxCompletionLength, seed: seed)
        let sampled = runtime.generate(prompts: prompts.map(\.ids), groupSize: generation.groupSize, parameters: parameters,
                                       onStep: onStep)
        return zip(prompts, sampled).map { prompt, completions in
            let texts = completions.map(\.text)
            let scores = scorer.score(completions: texts, answers: Array(repeating: prompt.answer, count: texts.count))
            let rollouts = zip(completions, scores).map { generated, score in
                RolloutCompletion(ids: generated.completion.ids, logprobs: generated.completion.logprobs, reward: score.total,
                                  rewards: Dictionary(uniqueKeysWithValues: zip(score.names, score.values)),
                                  finishReason: generated.completion.finishReason)
            }
            return ProducedGroup(group: RolloutGroup(promptIDs: prompt.ids, completions: rollouts, promptIndex: prompt.index,
                                                     policyVersion: policyVersion),
                                 prompt: prompt, texts: texts)
        }
    }
}
