import Foundation

/// The normalizer stage: rewrites text before pre-tokenization. Only Unicode NFC is supported
/// (upstream Qwen2.5's tokenizer.json uses it); "no normalizer" is `nil` at the call sites.
public enum TextNormalizer: Sendable, Equatable {
    case nfc

    /// The normalizer a tokenizer.json `normalizer` value describes: `null`, `{"type": "NFC"}`
    /// or a `Sequence` whose members are all NFC (applying NFC twice is applying it once).
    static func from(json value: Any?, source: String) throws -> TextNormalizer? {
        guard let value, !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any], let type = object["type"] as? String else {
            throw TokenizerError.invalidField(source: source, field: "normalizer",
                                              reason: "is neither null nor an object with a type")
        }
        switch type {
        case "NFC":
            return .nfc
        case "Sequence":
            let members = object["normalizers"] as? [Any] ?? []
            var result: TextNormalizer?
            for member in members {
                if let normalizer = try from(json: member, source: source) { result = normalizer }
            }
            return result
        default:
            throw TokenizerError.unsupportedNormalizer(source: source, type: type)
        }
    }

    /// Whether normalizing may change these UTF-8 bytes. Text made only of scalars below U+0300
    /// is already in NFC (no combining marks, no composable pairs, no singletons), which covers
    /// ASCII and Latin-1 without calling into the normalizer. U+0300 is the first scalar whose
    /// UTF-8 lead byte is 0xCC.
    func mayChange(_ utf8: ArraySlice<UInt8>) -> Bool {
        utf8.contains { $0 >= 0xCC }
    }

    func normalize(_ utf8: ArraySlice<UInt8>) -> [UInt8] {
        switch self {
        case .nfc:
            let text = String(decoding: utf8, as: UTF8.self)
            return Array(text.precomposedStringWithCanonicalMapping.utf8)
        }
    }

    public func normalize(_ text: String) -> String {
        let utf8 = Array(text.utf8)[...]
        guard mayChange(utf8) else { return text }
        return String(decoding: normalize(utf8), as: UTF8.self)
    }
}
