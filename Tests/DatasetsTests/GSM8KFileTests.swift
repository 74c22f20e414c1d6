import Datasets
import XCTest

/// The shared GSM8K copy through the `gsm8k` preset, against the answers Python extracts with
/// OpenAI's grader convention.
final class GSM8KFileTests: XCTestCase {
    func testSharedSplitsLoadWithTheRightFinalAnswers() throws {
        let reference = try XCTUnwrap(DatasetFixtures.pythonReference()["gsm8k"] as? [String: [String: Any]])
        for (split, expectedRows) in [("train", 7473), ("test", 1319)] {
            let expected = try XCTUnwrap(reference[split])
            let path = DatasetFixtures.sharedGSM8K.appendingPathComponent("\(split).jsonl").path
            let dataset = try DatasetLoader(preset: .gsm8k, badRows: .reject).load(path: path)

            XCTAssertEqual(dataset.problems.count, expectedRows)
            XCTAssertEqual(dataset.problems.count, expected["rows"] as? Int)
            XCTAssertEqual(dataset.issues, [])
            for (index, answer) in try XCTUnwrap(expected["answers"] as? [String: String]) {
                let problem = dataset.problems[try XCTUnwrap(Int(index))]
                XCTAssertEqual(problem.answer, answer, "\(split) row \(index)")
                XCTAssertEqual(problem.location, RowLocation(file: path, line: Int(index)! + 1))
            }
            let sum = dataset.problems.reduce(0) { $0 + (Int($1.answer) ?? .min / 10_000) }
            XCTAssertEqual(sum, expected["sum_of_answers"] as? Int, "\(split): every answer an integer, summing as in Python")
            XCTAssertFalse(dataset.problems.contains { $0.answer.contains(",") })
            XCTAssertTrue(dataset.problems.allSatisfy { !$0.question.isEmpty })
        }
    }

    func testLimitStopsEarly() throws {
        let path = DatasetFixtures.sharedGSM8K.appendingPathComponent("test.jsonl").path
        let dataset = try DatasetLoader(preset: .gsm8k, limit: 5).load(path: path)
        XCTAssertEqual(dataset.problems.map(\.answer), ["18", "3", "70000", "540", "20"])
    }

    func testFinalAnswerExtraction() {
        XCTAssertEqual(try GSM8KSolution.finalAnswer(of: "a\nb\n#### 1,080").get(), "1080")
        XCTAssertEqual(try GSM8KSolution.finalAnswer(of: "#### -7\n").get(), "-7")
        XCTAssertEqual(try GSM8KSolution.finalAnswer(of: "#### 3.5").get(), "3.5")
        XCTAssertEqual(try GSM8KSolution.finalAnswer(of: "#### 1 #### 2").get(), "2")
        XCTAssertEqual(GSM8KSolution.finalAnswer(of: "no marker"), .failure(.noFinalAnswerMarker))
        XCTAssertEqual(GSM8KSolution.finalAnswer(of: "#### 1,00"), .failure(.notANumber("1,00")))
        XCTAssertEqual(GSM8KSolution.finalAnswer(of: "#### $5"), .failure(.notANumber("$5")))
        XCTAssertEqual(GSM8KSolution.finalAnswer(of: "####"), .failure(.notANumber("")))
    }
}
