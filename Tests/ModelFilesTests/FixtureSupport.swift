import Foundation
import SeededRandom
import XCTest
import ModelFiles

/// Locations of the committed fixtures (written by Scripts/make-gguf-fixtures.py) and helpers
/// shared by the ModelFiles tests.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("Tests/Fixtures/gguf")
    static let script = repository.appendingPathComponent("Scripts/make-gguf-fixtures.py")

    static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ModelFilesTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(relativePath)))
    }
}

/// Asserts that two float arrays are bit-for-bit identical (so NaNs compare by payload),
/// reporting the first differing element.
func assertBitIdentical(_ actual: [Float], _ expected: [Float], _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(label): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    for i in actual.indices where actual[i].bitPattern != expected[i].bitPattern {
        XCTFail("\(label): element \(i) is \(actual[i]) (0x\(String(actual[i].bitPattern, radix: 16))), "
                + "expected \(expected[i]) (0x\(String(expected[i].bitPattern, radix: 16)))", file: file, line: line)
        return
    }
}

/// Runs `body`, expecting a `ModelFileError` for which `matches` is true.
func assertModelFileError<T>(_ body: @autoclosure () throws -> T, _ label: String = "",
                             file: StaticString = #filePath, line: UInt = #line,
                             matches: (ModelFileError) -> Bool) {
    do {
        _ = try body()
        XCTFail("\(label): expected an error, got success", file: file, line: line)
    } catch let error as ModelFileError {
        XCTAssertTrue(matches(error), "\(label): unexpected error: \(error)", file: file, line: line)
    } catch {
        XCTFail("\(label): expected a ModelFileError, got \(error)", file: file, line: line)
    }
}

