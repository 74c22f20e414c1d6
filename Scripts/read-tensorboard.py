#!/usr/bin/env python3
"""Checks the Metrics module's TensorBoard event files against TensorBoard's own code.

    python3 Scripts/read-tensorboard.py LOGDIR
        Loads every event file in LOGDIR with TensorBoard's EventAccumulator (the loader behind
        `tensorboard --logdir`) and prints
            {"scalars": {tag: [[step, value], ...]}, "texts": {tag: [[step, text], ...]}}
        Non-finite scalars print as the strings "nan", "inf" and "-inf", which JSON cannot hold.
        Before that it walks each file's TFRecord framing itself and exits 1 on a bad length or
        masked CRC32C: EventAccumulator only logs a damaged record and stops reading the file,
        so without this check a framing bug would show up as silently missing data.

    python3 Scripts/read-tensorboard.py --expect-bytes
        Prints {case: hex} for the fixed events of Tests/MetricsTests/SummaryEventTests.swift,
        built with tensorboard.compat.proto's event_pb2/summary_pb2 and serialized by the
        protobuf library, so the Swift encoder is compared with the real thing rather than
        with its own output. Inputs here and in that test must stay identical.

Needs `pip install tensorboard` (which brings protobuf and numpy). Exits 77 when tensorboard is
not importable, which the Swift tests treat as a skip.
"""
import argparse
import json
import math
import os
import struct
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
    from tensorboard.plugins.text import summary_v2 as text_summary
    from tensorboard.util import tensor_util
except ImportError as error:
    print(f"read-tensorboard.py: tensorboard is not importable ({error}); pip install tensorboard",
          file=sys.stderr)
    sys.exit(77)

# The fixed inputs of SummaryEventTests.testEncodingMatchesTensorBoardProtobuf.
SAMPLE_TEXT = "**Q:** 12 × 7?\n\n" + "réponse ✓ " * 12


def reference_events():
    """The reference events, named as in the Swift test."""
    events = {}
    events["file_version"] = event_pb2.Event(wall_time=1700000000.25, step=0, file_version="brain.Event:2")

    scalars = event_pb2.Event(wall_time=1700000001.5, step=300)
    for tag, value in [("loss", 0.5), ("rewards/correctness/mean", -1.25), ("kl", 0.0), ("learning_rate", 1e-6)]:
        scalars.summary.value.add(tag=tag, simple_value=value)
    events["scalars"] = scalars

    # text_pb is what tensorboard's own text summary API writes: a scalar DT_STRING tensor with
    # plugin_name "text" metadata.
    text = event_pb2.Event(wall_time=1700000002.0, step=300)
    text.summary.CopyFrom(text_summary.text_pb("samples/completion", SAMPLE_TEXT))
    events["text"] = text

    # wall_time 0 is omitted (proto3 default); a negative int64 step is a 10-byte varint; a large
    # float stays a float32 bit pattern.
    edge = event_pb2.Event(wall_time=0.0, step=-3)
    edge.summary.value.add(tag="big", simple_value=3.4e38)
    events["edge"] = edge
    return events


def check_framing(path):
    """Raises ValueError naming `path` and the offset unless the file is whole TFRecords."""
    with open(path, "rb") as f:
        data = f.read()
    offset = 0
    while offset < len(data):
        if len(data) - offset < 12:
            raise ValueError(f"{path}: truncated record header at offset {offset}")
        header = data[offset:offset + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[offset + 8:offset + 12])
        if header_crc != masked_crc32c(header):
            raise ValueError(f"{path}: bad length CRC at offset {offset}")
        end = offset + 12 + length
        if end + 4 > len(data):
            raise ValueError(f"{path}: truncated record at offset {offset} (length {length})")
        (data_crc,) = struct.unpack("<I", data[end:end + 4])
        if data_crc != masked_crc32c(data[offset + 12:end]):
            raise ValueError(f"{path}: bad data CRC at offset {offset}")
        offset = end + 4


def json_number(value):
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def read_logdir(logdir):
    names = sorted(n for n in os.listdir(logdir) if "tfevents" in n)
    if not names:
        raise ValueError(f"{logdir}: no event files (events.out.tfevents.*)")
    for name in names:
        check_framing(os.path.join(logdir, name))
    accumulator = event_accumulator.EventAccumulator(
        logdir, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {tag: [[e.step, json_number(e.value)] for e in accumulator.Scalars(tag)]
               for tag in tags[event_accumulator.SCALARS]}
    texts = {}
    for tag in tags[event_accumulator.TENSORS]:
        if accumulator.SummaryMetadata(tag).plugin_data.plugin_name != "text":
            continue
        texts[tag] = [[e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode("utf-8")]
                      for e in accumulator.Tensors(tag)]
    return {"scalars": scalars, "texts": texts}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("logdir", nargs="?", help="directory holding events.out.tfevents.* files")
    parser.add_argument("--expect-bytes", action="store_true",
                        help="print the hex of the reference events instead of reading LOGDIR")
    args = parser.parse_args()
    if args.expect_bytes:
        events = reference_events()
        print(json.dumps({name: event.SerializeToString().hex() for name, event in events.items()}, indent=2))
        return
    if not args.logdir:
        parser.error("LOGDIR is required unless --expect-bytes is given")
    try:
        result = read_logdir(args.logdir)
    except (OSError, ValueError) as error:
        print(f"read-tensorboard.py: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
