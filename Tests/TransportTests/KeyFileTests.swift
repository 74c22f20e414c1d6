import Foundation
import XCTest
@testable import Transport

final class KeyFileTests: XCTestCase {
    func testGeneratedKeysAreZ85AndBelongTogether() throws {
        let pair = try CurveKeyPair.generate()
        XCTAssertEqual(pair.publicKey.count, 40)
        XCTAssertEqual(pair.secretKey.count, 40)
        XCTAssertNil(Z85.problem(with: pair.publicKey))
        XCTAssertNil(Z85.problem(with: pair.secretKey))
        XCTAssertEqual(try CurveKeyPair.publicKey(forSecret: pair.secretKey), pair.publicKey)
        XCTAssertEqual(try CurveKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey), pair)
        XCTAssertNotEqual(try CurveKeyPair.generate().secretKey, pair.secretKey)
        let bytes = try XCTUnwrap(Z85.decode(pair.publicKey))
        XCTAssertEqual(Z85.encode(key: bytes), pair.publicKey)
    }

    func testZ85ProblemsAreNamed() {
        XCTAssertEqual(Z85.problem(with: "abc"), "has 3 characters; a Z85 key has 40")
        XCTAssertEqual(Z85.problem(with: String(repeating: "a", count: 39) + "\""),
                       "character 40 ('\"') is not in the Z85 alphabet")
        // "#####" is 84·(85⁴+85³+85²+85+1) > 2³²: valid characters, not a valid group.
        XCTAssertNotNil(Z85.problem(with: String(repeating: "#", count: 40)))
    }

    func testWriteAndLoadRoundTrip() throws {
        let directory = try temporaryDirectory(self).appendingPathComponent("keys")
        let pair = try CurveKeyPair.generate()
        let files = try pair.write(to: directory, name: "worker-1")
        XCTAssertEqual(files.secretFile.lastPathComponent, "worker-1.key")
        XCTAssertEqual(files.publicFile.lastPathComponent, "worker-1.pub")

        let mode = try FileManager.default.attributesOfItem(atPath: files.secretFile.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let publicText = try String(contentsOf: files.publicFile, encoding: .utf8)
        XCTAssertTrue(publicText.contains("public = \"\(pair.publicKey)\""))
        XCTAssertFalse(publicText.contains(pair.secretKey))

        XCTAssertEqual(try CurveKeyPair.load(secretFile: files.secretFile), pair)
        XCTAssertEqual(try CurveKeyPair.loadPublic(file: files.publicFile), pair.publicKey)

        let other = try CurveKeyPair.generate()
        try other.write(to: directory, name: "worker-2")
        XCTAssertEqual(try CurveKeyPair.allowList(directory: directory),
                       [pair.publicKey: "worker-1", other.publicKey: "worker-2"])
    }

    func testWriteRefusesToOverwriteUnlessAsked() throws {
        let directory = try temporaryDirectory(self)
        let first = try CurveKeyPair.generate()
        let files = try first.write(to: directory, name: "learner")
        let second = try CurveKeyPair.generate()
        XCTAssertThrowsError(try second.write(to: directory, name: "learner")) { error in
            XCTAssertEqual(error as? CurveKeyError, .alreadyExists(path: files.secretFile.path))
        }
        XCTAssertEqual(try CurveKeyPair.load(secretFile: files.secretFile), first)
        try second.write(to: directory, name: "learner", overwrite: true)
        XCTAssertEqual(try CurveKeyPair.load(secretFile: files.secretFile), second)

        for name in ["", "a/b", ".hidden"] {
            XCTAssertThrowsError(try first.write(to: directory, name: name)) { error in
                XCTAssertEqual(error as? CurveKeyError, .invalidName(name))
            }
        }
    }

    func testBadKeyFilesGiveErrorsNamingTheFile() throws {
        let directory = try temporaryDirectory(self)
        let pair = try CurveKeyPair.generate()
        let other = try CurveKeyPair.generate()
        let cases: [(String, String, (CurveKeyError) -> Bool)] = [
            ("short.key", "secret = \"abc\"\n",
             { if case .invalidKey(_, "secret", let detail) = $0 { return detail.contains("3 characters") }; return false }),
            ("alphabet.pub", "public = \"\(pair.publicKey.dropLast())~\"\n",
             { if case .invalidKey(_, "public", let detail) = $0 { return detail.contains("'~'") }; return false }),
            ("unknown.key", "# comment\nprivate = \"\(pair.secretKey)\"\n",
             { $0 == .malformed(path: directory.appendingPathComponent("unknown.key").path, line: 2,
                                detail: "unknown name 'private' (expected public or secret)") }),
            ("noequals.pub", "\(pair.publicKey)\n",
             { if case .malformed(_, 1, _) = $0 { return true }; return false }),
            ("nosecret.key", "public = \"\(pair.publicKey)\"\n",
             { if case .missingKey(_, "secret") = $0 { return true }; return false }),
            ("mismatch.key", "public = \"\(other.publicKey)\"\nsecret = \"\(pair.secretKey)\"\n",
             { if case .mismatchedKeyPair = $0 { return true }; return false }),
            ("leaky.pub", "public = \"\(pair.publicKey)\"\nsecret = \"\(pair.secretKey)\"\n",
             { if case .secretInPublicFile = $0 { return true }; return false }),
            ("twice.pub", "public = \"\(pair.publicKey)\"\npublic = \"\(other.publicKey)\"\n",
             { if case .malformed(_, 2, _) = $0 { return true }; return false }),
        ]
        for (name, text, matches) in cases {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            let load: () throws -> Void = name.hasSuffix(".key")
                ? { _ = try CurveKeyPair.load(secretFile: url) } : { _ = try CurveKeyPair.loadPublic(file: url) }
            XCTAssertThrowsError(try load()) { error in
                guard let keyError = error as? CurveKeyError else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue(matches(keyError), "\(name): unexpected \(keyError)")
                XCTAssertTrue(keyError.description.hasPrefix(url.path), "\(name): \(keyError) does not name the file")
                XCTAssertFalse(keyError.description.contains(pair.secretKey), "\(name): error shows the secret key")
            }
        }
        let missing = directory.appendingPathComponent("absent.key")
        XCTAssertThrowsError(try CurveKeyPair.load(secretFile: missing)) { error in
            XCTAssertEqual(error as? CurveKeyError, .fileNotFound(path: missing.path))
        }
    }

    func testAllowListNamesTheBadFile() throws {
        let directory = try temporaryDirectory(self)
        try CurveKeyPair.generate().write(to: directory, name: "good")
        let bad = directory.appendingPathComponent("typo.pub")
        try Data("public = \"not-a-key\"\n".utf8).write(to: bad)
        XCTAssertThrowsError(try CurveKeyPair.allowList(directory: directory)) { error in
            XCTAssertTrue("\(error)".hasPrefix(bad.path), "\(error)")
        }
        let absent = directory.appendingPathComponent("none")
        XCTAssertThrowsError(try CurveKeyPair.allowList(directory: absent)) { error in
            XCTAssertEqual(error as? CurveKeyError, .fileNotFound(path: absent.path))
        }
    }
}
