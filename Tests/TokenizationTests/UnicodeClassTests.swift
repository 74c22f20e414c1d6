import Foundation
import Tokenization
import XCTest

/// `\p{L}`, `\p{N}` and `\s` against the code points Hugging Face's regex engine matches, for
/// every Unicode scalar.
final class UnicodeClassTests: XCTestCase {
    func testClassesAgreeWithReferenceEngineOnEveryScalar() throws {
        let reference = try TokenizerFixtures.json("unicode_classes.json")
        for characterClass in PatternCharacterClass.allCases {
            let ranges = try XCTUnwrap(reference[characterClass.rawValue] as? [[Int]])
            var member = [Bool](repeating: false, count: 0x110000)
            for range in ranges { for value in range[0]...range[1] { member[value] = true } }
            var disagreements: [String] = []
            for value in 0..<0x110000 {
                guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
                if characterClass.contains(scalar) != member[value] {
                    disagreements.append(String(value, radix: 16, uppercase: true))
                }
            }
            XCTAssertEqual(disagreements.count, 0,
                           "\(characterClass): U+\(disagreements.prefix(20).joined(separator: ", U+"))")
        }
    }
}
