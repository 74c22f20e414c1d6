import Foundation

/// Loading from Hugging Face files: `tokenizer.json`, and a model directory that adds
/// `tokenizer_config.json` (special token names, chat template) and `chat_template.jinja`.
extension BPETokenizer {
    /// A tokenizer from a `tokenizer.json` alone; BOS/EOS/PAD ids are unknown (nil) without
    /// `tokenizer_config.json`, see `init(modelDirectory:)`.
    public convenience init(tokenizerJSON url: URL) throws {
        try self.init(tokenizerJSONData: try readFile(url), source: url.path)
    }

    /// A tokenizer from the contents of a `tokenizer.json`; `source` names it in errors.
    public convenience init(tokenizerJSONData data: Data, source: String = "tokenizer.json",
                            specialTokenNames: SpecialTokenNames = SpecialTokenNames(),
                            chatTemplate: String? = nil) throws {
        let root = try jsonObject(data, source: source)
        var configuration = try Self.configuration(fromTokenizerJSON: root, source: source)
        configuration.chatTemplate = chatTemplate
        let (added, vocabulary) = (configuration.addedTokens, configuration.vocabulary)
        func lookup(_ name: String?) -> TokenID? {
            guard let name else { return nil }
            return added.first { $0.content == name }?.id ?? vocabulary[name]
        }
        configuration.bosTokenID = lookup(specialTokenNames.bos)
        configuration.eosTokenID = lookup(specialTokenNames.eos)
        configuration.padTokenID = lookup(specialTokenNames.pad)
        try self.init(configuration)
    }

    /// A tokenizer from a Hugging Face model directory: `tokenizer.json` (required), and when
    /// present `tokenizer_config.json` for bos/eos/pad names and `chat_template`, and
    /// `chat_template.jinja` (where newer transformers versions save the template).
    public convenience init(modelDirectory: URL) throws {
        let tokenizerURL = modelDirectory.appendingPathComponent("tokenizer.json")
        let configURL = modelDirectory.appendingPathComponent("tokenizer_config.json")
        let jinjaURL = modelDirectory.appendingPathComponent("chat_template.jinja")
        var names = SpecialTokenNames()
        var template: String?
        if FileManager.default.fileExists(atPath: configURL.path) {
            let config = try jsonObject(try readFile(configURL), source: configURL.path)
            names = SpecialTokenNames(bos: Self.tokenName(config["bos_token"]),
                                      eos: Self.tokenName(config["eos_token"]),
                                      pad: Self.tokenName(config["pad_token"]))
            template = Self.chatTemplate(config["chat_template"])
        }
        if template == nil, FileManager.default.fileExists(atPath: jinjaURL.path) {
            template = String(decoding: try readFile(jinjaURL), as: UTF8.self)
        }
        try self.init(tokenizerJSONData: try readFile(tokenizerURL), source: tokenizerURL.path,
                      specialTokenNames: names, chatTemplate: template)
    }

    /// Names (contents) of the BOS, EOS and padding tokens, as tokenizer_config.json gives them.
    public struct SpecialTokenNames: Sendable {
        public var bos: String?
        public var eos: String?
        public var pad: String?
        public init(bos: String? = nil, eos: String? = nil, pad: String? = nil) {
            self.bos = bos
            self.eos = eos
            self.pad = pad
        }
    }

    /// tokenizer_config.json writes special tokens as a string or as `{"content": …}`.
    private static func tokenName(_ value: Any?) -> String? {
        if let name = value as? String { return name }
        return (value as? [String: Any])?["content"] as? String
    }

    /// A string, or a list of named templates of which "default" is the one for chat.
    private static func chatTemplate(_ value: Any?) -> String? {
        if let template = value as? String { return template }
        guard let named = value as? [[String: Any]] else { return nil }
        let chosen = named.first { $0["name"] as? String == "default" } ?? named.first
        return chosen?["template"] as? String
    }

    static func configuration(fromTokenizerJSON root: [String: Any], source: String) throws -> Configuration {
        guard let model = root["model"] as? [String: Any] else {
            throw TokenizerError.missingField(source: source, field: "model")
        }
        let type = model["type"] as? String ?? (model["merges"] != nil ? "BPE" : "unknown")
        guard type == "BPE" else { throw TokenizerError.unsupportedModel(source: source, type: type) }
        for field in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let affix = model[field] as? String, !affix.isEmpty {
                throw TokenizerError.invalidField(source: source, field: "model.\(field)",
                                                  reason: "'\(affix)' is not supported (byte-level BPE has none)")
            }
        }
        if let dropout = model["dropout"] as? Double, dropout > 0 {
            throw TokenizerError.invalidField(source: source, field: "model.dropout",
                                              reason: "is \(dropout); BPE dropout is not supported")
        }
        guard let vocabularyObject = model["vocab"] as? [String: Any] else {
            throw TokenizerError.missingField(source: source, field: "model.vocab")
        }
        var vocabulary = [String: TokenID](minimumCapacity: vocabularyObject.count)
        for (token, id) in vocabularyObject {
            guard let number = id as? NSNumber else {
                throw TokenizerError.invalidField(source: source, field: "model.vocab[\(token)]", reason: "is not a number")
            }
            vocabulary[token] = number.int32Value
        }
        guard let mergeList = model["merges"] as? [Any] else {
            throw TokenizerError.missingField(source: source, field: "model.merges")
        }

        try checkDecoder(root["decoder"], source: source)
        return Configuration(
            source: source, vocabulary: vocabulary,
            merges: try mergePairs(mergeList, source: source),
            ignoreMerges: model["ignore_merges"] as? Bool ?? false,
            addedTokens: try addedTokens(root["added_tokens"], vocabulary: vocabulary, source: source),
            normalizer: try TextNormalizer.from(json: root["normalizer"], source: source),
            preTokenizer: try PreTokenizer.from(json: root["pre_tokenizer"], source: source))
    }

    /// Merges written either as `"a b"` or as `["a", "b"]`.
    static func mergePairs(_ list: [Any], source: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(list.count)
        for (index, entry) in list.enumerated() {
            if let pair = entry as? [String], pair.count == 2 {
                pairs.append((pair[0], pair[1]))
            } else if let text = entry as? String, let space = text.firstIndex(of: " ") {
                pairs.append((String(text[..<space]), String(text[text.index(after: space)...])))
            } else {
                throw TokenizerError.invalidMerge(source: source, index: index, merge: "\(entry)",
                                                  reason: "is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        return pairs
    }

    /// The added tokens, with the ids Hugging Face gives them on load rather than the ids the
    /// file lists (it only warns when they differ): a token whose content is already known
    /// keeps that id, a new one gets the next id after the vocabulary and the tokens added so far.
    private static func addedTokens(_ value: Any?, vocabulary: [String: TokenID],
                                    source: String) throws -> [AddedToken] {
        guard let list = value as? [[String: Any]] else { return [] }
        var tokens: [AddedToken] = []
        var indexByContent: [String: Int] = [:]
        for entry in list {
            guard let content = entry["content"] as? String else {
                throw TokenizerError.invalidField(source: source, field: "added_tokens",
                                                  reason: "has an entry without content")
            }
            guard !content.isEmpty else { continue }
            let special = entry["special"] as? Bool ?? false
            let existing = indexByContent[content]
            let id: TokenID
            if let existing {
                id = tokens[existing].id
            } else if let known = vocabulary[content] {
                id = known
            } else if let largest = tokens.map(\.id).max(), Int(largest) >= vocabulary.count {
                id = largest + 1
            } else {
                id = TokenID(vocabulary.count)
            }
            let token = AddedToken(id: id, content: content, isSpecial: special,
                                   singleWord: entry["single_word"] as? Bool ?? false,
                                   lstrip: entry["lstrip"] as? Bool ?? false,
                                   rstrip: entry["rstrip"] as? Bool ?? false,
                                   normalized: entry["normalized"] as? Bool ?? !special)
            if let existing {
                tokens[existing] = token
            } else {
                indexByContent[content] = tokens.count
                tokens.append(token)
            }
        }
        return tokens
    }

    /// Decoding maps bytes back with the ByteLevel rule; any other decoder would mean text
    /// this module cannot reproduce.
    private static func checkDecoder(_ value: Any?, source: String) throws {
        guard let decoder = value as? [String: Any] else {
            throw TokenizerError.unsupportedDecoder(source: source, type: "none")
        }
        let type = decoder["type"] as? String ?? "unknown"
        guard type == "ByteLevel" else { throw TokenizerError.unsupportedDecoder(source: source, type: type) }
    }
}

func readFile(_ url: URL) throws -> Data {
    guard FileManager.default.fileExists(atPath: url.path) else {
        throw TokenizerError.fileNotFound(path: url.path)
    }
    do {
        return try Data(contentsOf: url)
    } catch {
        throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
    }
}

func jsonObject(_ data: Data, source: String) throws -> [String: Any] {
    let value: Any
    do {
        value = try JSONSerialization.jsonObject(with: escapingByteOrderMarks(data))
    } catch {
        throw TokenizerError.invalidJSON(source: source, reason: error.localizedDescription)
    }
    guard let object = value as? [String: Any] else {
        throw TokenizerError.invalidJSON(source: source, reason: "the top level is not an object")
    }
    return object
}

/// Foundation's JSONSerialization drops a U+FEFF that begins a string value, taking it for a
/// byte-order mark. Inside JSON such a character can only be part of a string, so it is
/// rewritten as the equivalent escape `\ufeff`, which survives; a real leading BOM is removed.
func escapingByteOrderMarks(_ data: Data) -> Data {
    let mark = Data([0xEF, 0xBB, 0xBF])
    guard data.range(of: mark) != nil else { return data }
    var bytes = [UInt8](data)
    if bytes.starts(with: mark) { bytes.removeFirst(3) }
    var escaped: [UInt8] = []
    escaped.reserveCapacity(bytes.count + 64)
    var index = 0
    while index < bytes.count {
        if bytes[index] == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
            escaped += Array("\\ufeff".utf8)
            index += 3
        } else {
            escaped.append(bytes[index])
            index += 1
        }
    }
    return Data(escaped)
}
