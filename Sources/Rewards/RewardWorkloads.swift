import SeededRandom

/// Inputs for timing the rewards: completions like a rollout produces, and texts built to make a
/// backtracking or naive matcher take quadratic time. `grpo rewards --benchmark` and the tests
/// time the rewards on these.
public enum RewardWorkloads {
    /// `count` completions of about `bytes` UTF-8 bytes each (200 Qwen tokens are about 800
    /// bytes in English or Chinese), half Chinese and half English, mostly in the requested
    /// format with the usual defects mixed in. Deterministic in `seed`.
    public static func typicalCompletions(count: Int, bytes: Int = 800, seed: UInt64 = 0)
        -> [(completion: String, answer: String)] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let chinese = random.next() % 2 == 0
            let answer = String(random.next() % 1000)
            var think = ""
            while think.utf8.count < bytes - 60 {
                let a = random.next() % 100, b = random.next() % 100
                think += chinese ? "接下来计算 \(a) + \(b) = \(a + b)，再乘以 3 得到 \(3 * (a + b))。\n"
                                 : "Next, \(a) + \(b) = \(a + b), and three times that is \(3 * (a + b)).\n"
            }
            let completion: String
            switch random.next() % 20 {
            case 0..<12: completion = "<think>\n\(think)</think>\n<answer>\n\(answer)\n</answer>\n"
            case 12..<15: completion = "<think>\n\(think)</think>\n<answer>\n\(answer)\n</answer>"
            case 15..<17: completion = "<think>\(think.filter { $0 != "\n" })</think><answer>\(answer)</answer>"
            case 17..<19: completion = think + "The answer is \(answer)."
            default: completion = "<think>\n\(think)<answer>\n\(answer).0 元\n<answer>\n"
            }
            return (completion, answer)
        }
    }

    /// Texts of about `bytes` bytes that hit each matcher's worst case: many candidate tags
    /// that each almost lead to a match, long runs the scanners must cross, long numbers.
    public static func adversarialCompletions(bytes: Int = 1 << 20) -> [(name: String, completion: String)] {
        func flood(_ prefix: String, _ unit: String, _ suffix: String) -> String {
            prefix + String(repeating: unit, count: max(1, (bytes - prefix.utf8.count - suffix.utf8.count) / unit.utf8.count)) + suffix
        }
        return [
            ("think_close_answer_pairs", flood("<think>", "</think><answer>", "\n</answer>")),
            ("think_closes", flood("<think>", "</think>", "")),
            ("think_close_whitespace", flood("<think>", "</think> \u{3000}\n", "<answer>")),
            ("seed_hard_n_lines", flood("<think>\n", "n</think>\n", "<answer>\n18\n</answer>\n")),
            ("fixed_hard_middles", flood("<think>\n", "\n</think>\n<answer>\n", "18")),
            ("answer_opens", flood("", "<answer>", "18")),
            ("answer_closes", flood("<answer>\n18\n", "</answer>", "")),
            ("angle_brackets", flood("", "<", "")),
            ("tag_flood", flood("", "<think>\n</think>\n<answer>\n</answer>\n", "")),
            ("whitespace", flood("<think>x</think>", " \u{3000}\n\u{A0}", "<answ")),
            ("digits", flood("<answer>", "9", "</answer>")),
            ("fullwidth_digits", flood("<answer>", "９", "")),
            ("thousands_groups", flood("<answer>1", ",000", "</answer>")),
            ("leading_zeros", flood("<answer>", "0", "1")),
            ("chinese_text", flood("<think>\n", "计算一下结果。", "\n</think>\n<answer>\n18\n</answer>\n")),
        ]
    }
}
