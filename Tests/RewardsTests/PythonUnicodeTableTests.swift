@testable import Rewards
import XCTest

/// The seed mode's whitespace and digit tables against Python's `str.isspace()` and
/// `str.isdigit()`, every code point.
final class PythonUnicodeTableTests: XCTestCase {
    private func ranges(_ key: String) throws -> [ClosedRange<UInt32>] {
        let root = try RewardFixtures.json("python_unicode.json")
        return try XCTUnwrap(root[key] as? [[Int]]).map { UInt32($0[0])...UInt32($0[1]) }
    }

    private func assertTable(_ key: String, _ contains: (UInt32) -> Bool) throws {
        let expected = try ranges(key)
        XCTAssertFalse(expected.isEmpty)
        var next = expected.makeIterator()
        var current = next.next()
        var mismatches: [String] = []
        for scalar in UInt32(0)...0x10FFFF {
            while let range = current, range.upperBound < scalar { current = next.next() }
            let python = current?.contains(scalar) ?? false
            if contains(scalar) != python, mismatches.count < 10 {
                mismatches.append(String(scalar, radix: 16))
            }
        }
        XCTAssertEqual(mismatches, [], "\(key) differs from Python at these code points")
    }

    func testWhitespaceIsPythons() throws {
        try assertTable("isspace", PythonWhitespace.contains)
    }

    func testDigitsArePythons() throws {
        try assertTable("isdigit", PythonDigits.contains)
    }

    func testStripMatchesPython() {
        XCTAssertEqual(" \u{1C}\u{85}18\u{3000}\u{2029}".strippingPythonWhitespace, "18")
        XCTAssertEqual("\u{200B}18\u{FEFF}".strippingPythonWhitespace, "\u{200B}18\u{FEFF}")
        XCTAssertEqual(" \t\n".strippingPythonWhitespace, "")
    }
}
