import LanguageModel

/// Prompts and their completions laid out as one batch of rows for a training forward.
///
/// Each prompt is run once, however many of its completions are in the batch: its rows
/// attend causally to themselves, and each completion's rows attend to the prompt's rows
/// (a shared prefix) and then to their own. A completion of L tokens adds L − 1 rows (its last
/// token is predicted but never fed back), and its first token is predicted by the prompt's
/// last row, which therefore carries one target per completion.
///
/// Targets are numbered "flat": completion after completion, token after token. The output
/// head visits them by row (`headRows`, with `headTargets` in CSR form) so it materialises each
/// vocabulary-sized logits row once.
public struct PackedSequences: Sendable {
    /// One slot per row; `cacheRow` is the row's own index.
    public private(set) var slots: [TokenSlot] = []
    /// Rows whose output predicts at least one target, ascending.
    public private(set) var headRows: [Int] = []
    /// headTargets[headStart[i] ..< headStart[i + 1]] are the flat indices predicted by headRows[i].
    public private(set) var headStart: [Int] = [0]
    public private(set) var headTargets: [Int] = []
    /// The token id of each flat target.
    public private(set) var targetTokens: [Int32] = []
    /// Each completion's targets in flat numbering.
    public private(set) var completionTargets: [Range<Int>] = []

    public var rowCount: Int { slots.count }
    public var targetCount: Int { targetTokens.count }

    /// `groups[i]` is a prompt (at least one token) and the completions of it in the batch.
    public init(groups: [(prompt: [Int32], completions: [[Int32]])]) {
        var predictor: [(row: Int, target: Int)] = []
        for (prompt, completions) in groups {
            precondition(!prompt.isEmpty, "a prompt needs at least one token")
            let promptRows = slots.count..<(slots.count + prompt.count)
            for (i, token) in prompt.enumerated() {
                slots.append(TokenSlot(token: token, position: i, cacheRow: promptRows.lowerBound + i,
                                       ownStart: promptRows.lowerBound))
            }
            for completion in completions {
                let first = targetTokens.count
                let ownStart = slots.count
                for (t, token) in completion.enumerated() {
                    // Token t is predicted by the previous token's row.
                    let row = t == 0 ? promptRows.upperBound - 1 : ownStart + t - 1
                    predictor.append((row, targetTokens.count))
                    targetTokens.append(token)
                    if t < completion.count - 1 {
                        slots.append(TokenSlot(token: token, position: prompt.count + t, cacheRow: slots.count,
                                               prefix: promptRows, ownStart: ownStart))
                    }
                }
                completionTargets.append(first..<targetTokens.count)
            }
        }
        // Stable by row, so a row's targets keep their flat order.
        predictor.sort { ($0.row, $0.target) < ($1.row, $1.target) }
        for (row, target) in predictor {
            if headRows.last != row {
                if !headRows.isEmpty { headStart.append(headTargets.count) }
                headRows.append(row)
            }
            headTargets.append(target)
        }
        if !headRows.isEmpty { headStart.append(headTargets.count) }
    }
}
