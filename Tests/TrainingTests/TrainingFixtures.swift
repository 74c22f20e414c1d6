import Foundation
import GRPOCore
import LanguageModel
import ModelFiles
import TestSupport
import Tensors
import Training

/// The gradient-parity fixtures of one tiny model, from Scripts/make-grad-fixtures.py
/// (PyTorch + PEFT, with the GRPO loss written from TRL's definition).
struct TrainingFixture {
    let name: String
    let decoder: DecoderModel
    let adapterDirectory: URL
    let groups: [RolloutGroup]
    let cases: [[String: Any]]

    init(_ name: String) throws {
        self.name = name
        decoder = try ModelLoader.load(try Fixtures.model(name)).decoder
        let root = Fixtures.training.appendingPathComponent(name)
        adapterDirectory = try Fixtures.usable(root.appendingPathComponent("adapter"))
        groups = try RolloutGroup.readJSONLines(root.appendingPathComponent("batch.jsonl").path,
                                                vocabularySize: decoder.config.vocabSize)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("cases.json"))) as! [String: Any]
        cases = json["cases"] as! [[String: Any]]
    }

    func adapter() throws -> LoRAAdapter {
        try PEFTAdapterFiles.load(from: adapterDirectory, modelConfig: decoder.config)
    }

    func file(_ name: String) -> URL {
        Fixtures.training.appendingPathComponent(self.name).appendingPathComponent(name)
    }

    /// A named tensor set (gradients or parameters) written by PyTorch.
    func tensors(_ file: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: self.file(file))
    }

    static func settings(_ c: [String: Any]) -> GRPOSettings {
        var s = GRPOSettings()
        s.lossType = LossType(rawValue: c["loss_type"] as! String)!
        s.beta = (c["beta"] as! NSNumber).floatValue
        s.epsilonLow = (c["epsilon"] as! NSNumber).floatValue
        s.epsilonHigh = (c["epsilon_high"] as! NSNumber).floatValue
        s.scaleRewards = RewardScaling(rawValue: c["scale_rewards"] as! String)!
        s.maxCompletionLength = c["max_completion_length"] as! Int
        s.numIterations = c["num_iterations"] as! Int
        return s
    }
}

extension LoRAAdapter {
    /// One tensor's values from a flat buffer laid out like `parameters`.
    func values(of t: LoRATensor, in buffer: FloatBuffer) -> [Float] {
        Array(UnsafeBufferPointer(start: buffer.pointer + t.offset, count: t.count))
    }
}

/// ‖a − b‖ / ‖b‖
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, norm = 0.0
    for (x, y) in zip(a, b) { diff += Double(x - y) * Double(x - y); norm += Double(y) * Double(y) }
    return (diff / max(norm, 1e-300)).squareRoot()
}
