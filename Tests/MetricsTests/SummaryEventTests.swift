import Foundation
import XCTest
@testable import Metrics

final class SummaryEventTests: XCTestCase {
    /// Same as SAMPLE_TEXT in Scripts/read-tensorboard.py: non-ASCII, and over 127 bytes so
    /// its length needs a two-byte varint.
    static let sampleText = "**Q:** 12 × 7?\n\n" + String(repeating: "réponse ✓ ", count: 12)

    /// The inputs of `reference_events()` in Scripts/read-tensorboard.py, and the bytes the
    /// protobuf library serializes them to, printed by
    ///
    ///     python3 Scripts/read-tensorboard.py --expect-bytes
    ///
    /// (tensorboard 2.21.0, protobuf 7.36.2; `text` is built by tensorboard's own `text_pb`).
    /// They come from the real library, not from this encoder: regenerate, never edit.
    static let references: [(name: String, event: SummaryEvent, hex: String)] = [
        ("file_version", .fileVersion(wallTime: 1_700_000_000.25),
         "0900001040fc54d9411a0d627261696e2e4576656e743a32"),
        ("scalars", SummaryEvent(wallTime: 1_700_000_001.5, step: 300, payload: .summary([
            .scalar(tag: "loss", value: Float(0.5)),
            .scalar(tag: "rewards/correctness/mean", value: Float(-1.25)),
            .scalar(tag: "kl", value: Float(0.0)),
            .scalar(tag: "learning_rate", value: Float(1e-6 as Double)),
         ])),
         "0900006040fc54d94110ac022a4f0a0b0a046c6f7373150000003f0a1f0a18726577617264732f636f72726563746e6573732f6d65616e"
            + "150000a0bf0a090a026b6c15000000000a140a0d6c6561726e696e675f7261746515bd378635"),
        ("text", SummaryEvent(wallTime: 1_700_000_002.0, step: 300,
                              payload: .summary([.text(tag: "samples/completion", text: sampleText)])),
         "0900008040fc54d94110ac022ad8010ad5010a1273616d706c65732f636f6d706c6574696f6e42b4010807120042ad012a2a513a2a2a2031"
            + "3220c39720373f0a0a" + String(repeating: "72c3a9706f6e736520e29c9320", count: 12) + "4a080a060a0474657874"),
        ("edge", SummaryEvent(wallTime: 0, step: -3, payload: .summary([.scalar(tag: "big", value: Float(3.4e38 as Double))])),
         "10fdffffffffffffffff012a0c0a0a0a03626967159ec97f7f"),
    ]

    func testEncodingMatchesTensorBoardProtobuf() {
        for reference in Self.references {
            XCTAssertEqual(MetricsTestSupport.hex(reference.event.serialized()), reference.hex, reference.name)
        }
    }

    /// The committed hex still is what the installed protobuf library produces (skipped
    /// without tensorboard), so a stale literal cannot pass unnoticed.
    func testReferencesAreCurrent() throws {
        let data = try MetricsTestSupport.runScript(["--expect-bytes"])
        let printed = try JSONDecoder().decode([String: String].self, from: data)
        XCTAssertEqual(Set(printed.keys), Set(Self.references.map(\.name)))
        for reference in Self.references {
            XCTAssertEqual(printed[reference.name], reference.hex, reference.name)
        }
    }

    func testVarintBoundaries() {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ]
        for (value, expected) in cases {
            var writer = ProtobufWriter()
            writer.varint(value)
            XCTAssertEqual(writer.bytes, expected, "\(value)")
        }
    }

    /// Proto3 defaults: step 0 and wall time +0.0 are omitted; -0.0, a zero scalar (in a
    /// oneof) and an empty summary are written.
    func testDefaultsAreOmittedOnlyOutsideOneofs() {
        XCTAssertEqual(SummaryEvent(wallTime: 0, step: 0, payload: .summary([])).serialized(), [0x2A, 0x00])
        XCTAssertEqual(SummaryEvent(wallTime: -0.0, step: 0, payload: .summary([])).serialized(),
                       [0x09, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x2A, 0x00])
        XCTAssertEqual(SummaryEvent(wallTime: 0, step: 1, payload: .summary([.scalar(tag: "z", value: 0)])).serialized(),
                       [0x10, 0x01, 0x2A, 0x0A, 0x0A, 0x08, 0x0A, 0x01, 0x7A, 0x15, 0, 0, 0, 0])
    }
}
