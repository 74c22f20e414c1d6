import ArgumentParser
import Foundation
import GRPORun
import ModelFiles

/// `grpo export`: merge a LoRA adapter into its base model and write an HF model directory.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a base model with a LoRA adapter merged in as a Hugging Face model directory.")

    @Option(help: "The base model: an HF model directory or a .gguf file.")
    var model: String

    @Option(help: "A PEFT LoRA adapter directory (omit to export the base model alone).")
    var adapter: String?

    @Option(help: "The output directory (replaced if it exists).")
    var out: String

    @Option(help: "Weight precision: float32, bfloat16 or float16.")
    var dtype = "float32"

    func run() throws {
        let types: [String: SafetensorsWriter.DType] = ["float32": .float32, "bfloat16": .bfloat16, "float16": .float16]
        guard let type = types[dtype] else { throw CLIError.badOption("--dtype \(dtype): expected float32, bfloat16 or float16") }
        try ModelExport.export(model: URL(fileURLWithPath: model), adapter: adapter.map { URL(fileURLWithPath: $0) },
                               to: URL(fileURLWithPath: out), dtype: type)
        FileHandle.standardError.write(Data("grpo export: wrote \(out)\n".utf8))
    }
}
