/// A closed set of setting values spelt as strings (`loss_type: dapo`). Decoding a value that
/// is not one of them names the choices, so a typo is an error that says what would do.
public protocol SettingChoice: RawRepresentable, CaseIterable, Codable where RawValue == String {}

extension SettingChoice {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "\"\(text)\" is not one of \(Self.choices)"))
        }
        self = value
    }

    /// The values, as a user would write them: `grpo, bnpo, dr_grpo, dapo`.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
