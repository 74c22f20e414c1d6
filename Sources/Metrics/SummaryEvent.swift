/// One TensorBoard `Event` record (tensorflow/core/util/event.proto, mirrored in
/// tensorboard/compat/proto/event.proto) and its protobuf encoding.
///
/// An event file is a sequence of these, each framed as a TFRecord. The first carries
/// `file_version`; the rest each carry a `Summary` of values for one step. Only the two value
/// kinds a training run needs are modelled: scalars, and text (markdown) for sample
/// completions, the latter exactly as TensorBoard's own `text_pb` writes it.
public struct SummaryEvent: Equatable, Sendable {
    /// TensorBoard's `oneof what`, restricted to the cases written here.
    public enum Payload: Equatable, Sendable {
        case fileVersion(String)
        case summary([SummaryValue])
    }

    /// The `file_version` TensorFlow's EventsWriter writes. Version 2 matters: with it,
    /// TensorBoard discards orphaned data only on an explicit restart marker; without it, any
    /// step lower than the previous one (a resumed run re-logging steps) purges the later steps.
    public static let currentFileVersion = "brain.Event:2"

    /// Seconds since the Unix epoch, the x axis of TensorBoard's "relative" and "wall" views.
    public var wallTime: Double
    public var step: Int64
    public var payload: Payload

    public init(wallTime: Double, step: Int64, payload: Payload) {
        self.wallTime = wallTime
        self.step = step
        self.payload = payload
    }

    /// The event every event file starts with.
    public static func fileVersion(wallTime: Double) -> SummaryEvent {
        SummaryEvent(wallTime: wallTime, step: 0, payload: .fileVersion(currentFileVersion))
    }

    /// The serialized `Event`, field for field as the protobuf library writes it.
    public func serialized() -> [UInt8] {
        var out = ProtobufWriter()
        out.doubleIfNonDefault(Field.eventWallTime, wallTime)
        out.int64IfNonDefault(Field.eventStep, step)
        switch payload {
        case .fileVersion(let version):
            out.string(Field.eventFileVersion, version)
        case .summary(let values):
            out.message(Field.eventSummary) { summary in
                for value in values {
                    summary.message(Field.summaryValue) { value.encode(into: &$0) }
                }
            }
        }
        return out.bytes
    }
}

/// One `Summary.Value` (tensorflow/core/framework/summary.proto).
public enum SummaryValue: Equatable, Sendable {
    /// `simple_value`, a 32-bit float: the field TensorBoard's scalar dashboard reads without
    /// plugin metadata, and what PyTorch's and TensorFlow 1's writers use. A Double's precision
    /// beyond a float's is lost, which no chart can show anyway.
    case scalar(tag: String, value: Float)
    /// Markdown text, shown by the Text dashboard.
    case text(tag: String, text: String)

    public var tag: String {
        switch self {
        case .scalar(let tag, _), .text(let tag, _): return tag
        }
    }

    /// Fields in number order: tag 1, simple_value 2, tensor 8, metadata 9.
    fileprivate func encode(into out: inout ProtobufWriter) {
        switch self {
        case .scalar(let tag, let value):
            out.stringIfNonDefault(Field.valueTag, tag)
            // In the `oneof value`, so 0.0 is written: omitting it would drop the point.
            out.float(Field.valueSimpleValue, value)
        case .text(let tag, let text):
            out.stringIfNonDefault(Field.valueTag, tag)
            // A scalar DT_STRING tensor: TensorBoard renders a rank-0 string as markdown, and a
            // rank-1 one as a table.
            out.message(Field.valueTensor) { tensor in
                tensor.int64(Field.tensorDType, Field.dtString)
                tensor.message(Field.tensorShape) { _ in }
                tensor.bytesField(Field.tensorStringVal, Array(text.utf8))
            }
            // plugin_data { plugin_name: "text" }; the plugin's `content` (a TextPluginData at
            // version 0) serializes to nothing, so it is absent, as in `text_pb`.
            out.message(Field.valueMetadata) { metadata in
                metadata.message(Field.metadataPluginData) { $0.string(Field.pluginName, "text") }
            }
        }
    }
}

/// Field numbers, from tensorboard/compat/proto/{event,summary,tensor,types}.proto.
private enum Field {
    static let eventWallTime = 1        // double wall_time
    static let eventStep = 2            // int64 step
    static let eventFileVersion = 3     // string file_version (oneof what)
    static let eventSummary = 5         // Summary summary (oneof what)
    static let summaryValue = 1         // repeated Value value
    static let valueTag = 1             // string tag
    static let valueSimpleValue = 2     // float simple_value (oneof value)
    static let valueTensor = 8          // TensorProto tensor (oneof value)
    static let valueMetadata = 9        // SummaryMetadata metadata
    static let metadataPluginData = 1   // PluginData plugin_data
    static let pluginName = 1           // string plugin_name
    static let tensorDType = 1          // DataType dtype
    static let tensorShape = 2          // TensorShapeProto tensor_shape
    static let tensorStringVal = 8      // repeated bytes string_val
    static let dtString: Int64 = 7      // DataType.DT_STRING
}
