import Foundation
import Tokenization
import XCTest

/// Native chat-template rendering against transformers' `apply_chat_template` run on the real
/// template strings (Qwen2.5, the Qwen2.5-Coder and SmolLM2 GGUFs' `tokenizer.chat_template`).
final class ChatTemplateTests: XCTestCase {
    private let expectedFamilies: [String: ChatTemplate.Family] = [
        "qwen2.5": .qwen2_5, "qwen2.5-coder": .qwen2_5, "qwen2.5-other-default": .qwen2_5, "smollm2": .smolLM2,
    ]

    private func fixture() throws -> (templates: [String: String], cases: [[String: Any]]) {
        let root = try TokenizerFixtures.json("chat_templates.json")
        let templates = try XCTUnwrap(root["templates"] as? [String: [String: String]]).compactMapValues { $0["template"] }
        return (templates, try XCTUnwrap(root["cases"] as? [[String: Any]]))
    }

    private func messages(_ testCase: [String: Any]) throws -> [ChatMessage] {
        try XCTUnwrap(testCase["messages"] as? [[String: String]]).map { message in
            ChatMessage(role: try XCTUnwrap(ChatMessage.Role(rawValue: message["role"] ?? "")),
                        content: try XCTUnwrap(message["content"]))
        }
    }

    func testTemplatesAreRecognised() throws {
        let (templates, _) = try fixture()
        XCTAssertEqual(Set(templates.keys), Set(expectedFamilies.keys))
        for (name, text) in templates {
            XCTAssertEqual(try ChatTemplate(template: text).family, expectedFamilies[name], name)
        }
    }

    func testRenderingMatchesTransformersByteForByte() throws {
        let (templates, cases) = try fixture()
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for (name, text) in templates {
            let template = try ChatTemplate(template: text)
            for testCase in cases {
                let rendered = try XCTUnwrap(testCase["rendered"] as? [String: Any])[name]
                let conversation = try messages(testCase)
                let addGenerationPrompt = try XCTUnwrap(testCase["add_generation_prompt"] as? Bool)
                let label = "\(name) / \(testCase["name"] ?? "?")"
                if let expected = rendered as? String {
                    XCTAssertSameBytes(try template.render(conversation, addGenerationPrompt: addGenerationPrompt),
                                       expected, label)
                } else {
                    XCTAssertThrowsError(try template.render(conversation, addGenerationPrompt: addGenerationPrompt),
                                         label)
                }
            }
        }
    }

    /// Without a template text, a model-type hint picks the family with its standard prompt.
    func testModelTypeHintRendersAsTheFamilyTemplate() throws {
        let (_, cases) = try fixture()
        for (hint, name) in [("qwen2", "qwen2.5"), ("Qwen2.5-Coder", "qwen2.5-coder"), ("smollm2", "smollm2")] {
            let template = try ChatTemplate(modelTypeHint: hint)
            for testCase in cases {
                guard let expected = try XCTUnwrap(testCase["rendered"] as? [String: Any])[name] as? String else { continue }
                let addGenerationPrompt = try XCTUnwrap(testCase["add_generation_prompt"] as? Bool)
                XCTAssertSameBytes(try template.render(try messages(testCase), addGenerationPrompt: addGenerationPrompt),
                                   expected, hint)
            }
        }
        XCTAssertThrowsError(try ChatTemplate(modelTypeHint: "mistral"))
    }

    func testUnsupportedTemplatesAreRefusedNamingTheFamilies() throws {
        let (templates, _) = try fixture()
        let qwen = try XCTUnwrap(templates["qwen2.5"])
        let llama3 = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
            + " + message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
        let altered = [
            llama3,
            // The role line without its newline renders differently: not the known template.
            qwen.replacingOccurrences(of: "'<|im_start|>' + message.role + '\\n'", with: "'<|im_start|>' + message.role"),
            // A Qwen template that also changes the tool-call branch is not guessed at either.
            qwen.replacingOccurrences(of: "<tool_call>", with: "<function_call>"),
        ]
        for text in altered {
            XCTAssertNotEqual(text, qwen)
            XCTAssertThrowsError(try ChatTemplate(template: text)) { error in
                XCTAssertTrue("\(error)".contains("Qwen2.5") && "\(error)".contains("SmolLM2"), "\(error)")
            }
        }
    }

    /// The shared tokenizer_config.json carries no template: applying one is a clear error.
    func testTokenizerWithoutTemplateRefusesToApplyOne() throws {
        let tokenizer = try TokenizerFixtures.qwen()
        XCTAssertNil(tokenizer.chatTemplateText)
        XCTAssertThrowsError(try tokenizer.applyChatTemplate([.user("Hi")]))
    }
}
