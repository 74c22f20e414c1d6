import Foundation
import ModelFiles

/// Writes a GGUF file's tokenizer as Hugging Face files (`tokenizer.json` and
/// `tokenizer_config.json`), so a model exported from GGUF loads with `AutoTokenizer`.
///
/// The pipeline is the one `BPETokenizer(ggufMetadata:)` builds: the split pattern(s) of the
/// `tokenizer.ggml.pre` name then byte-level mapping, byte-level BPE over the GGUF vocabulary
/// and merges, control tokens as special added tokens and user-defined ones as plain added
/// tokens, and a byte-level decoder.
public enum TokenizerJSONExport {
    public static func files(ggufMetadata metadata: [String: GGUFValue], maxLength: Int?) throws -> (tokenizer: Data, config: Data) {
        // Loading first validates everything the files will say.
        _ = try BPETokenizer(ggufMetadata: metadata)
        let tokens = metadata["tokenizer.ggml.tokens"]!.strings!
        let merges = metadata["tokenizer.ggml.merges"]!.strings!
        let types = metadata["tokenizer.ggml.token_type"]?.ints ?? []
        let preName = metadata["tokenizer.ggml.pre"]!.string!
        let pre = BPETokenizer.ggufPreTokenizers[preName]!

        var vocabulary: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { vocabulary[token] = id }
        var added: [[String: Any]] = []
        for (id, type) in types.enumerated() where type == 3 || type == 4 {   // control, user-defined
            added.append(["id": id, "content": tokens[id], "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": type == 3])
        }
        var preSteps: [[String: Any]] = pre.preTokenizer.steps.map { step in
            switch step {
            case .split(let pattern):
                return ["type": "Split", "pattern": ["Regex": pattern.source], "behavior": "Isolated", "invert": false]
            case .isolateDigits(let individually):
                return ["type": "Digits", "individual_digits": individually]
            }
        }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false]
        preSteps.append(byteLevel)
        let tokenizer: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added, "normalizer": NSNull(),
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": preSteps],
            "post_processor": NSNull(), "decoder": byteLevel,
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false,
                      "ignore_merges": pre.ignoreMerges, "vocab": vocabulary, "merges": merges] as [String: Any],
        ]
        func token(_ key: String) -> Any {
            guard let id = metadata[key]?.int, id >= 0, id < tokens.count else { return NSNull() }
            return tokens[id]
        }
        var config: [String: Any] = [
            "tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": false,
            "bos_token": token("tokenizer.ggml.bos_token_id"), "eos_token": token("tokenizer.ggml.eos_token_id"),
            "pad_token": token("tokenizer.ggml.padding_token_id"),
            "add_bos_token": (metadata["tokenizer.ggml.add_bos_token"]?.int ?? 0) != 0,
        ]
        if let template = metadata["tokenizer.chat_template"]?.string { config["chat_template"] = template }
        if let maxLength { config["model_max_length"] = maxLength }
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        return (try JSONSerialization.data(withJSONObject: tokenizer, options: options),
                try JSONSerialization.data(withJSONObject: config, options: options.union(.prettyPrinted)))
    }
}
