#!/usr/bin/env python3
"""Writes the reference fixtures for Tests/ModelFilesTests into Tests/Fixtures/gguf/.

Every expected value comes from the Python reference implementations (gguf-py's
GGUFWriter/quantize/dequantize, numpy, torch, the safetensors library), never from the
Swift code under test:

  quant-types.gguf.fixture              one 2x512 tensor per ggml type the Swift reader dequantizes,
                                quantized from random data (gguf.quants.quantize) or, for the
                                K-quants gguf-py cannot quantize, real super-blocks copied from
                                the Qwen model below (random blocks when it is absent, and for
                                Q5_K, which neither model uses); `<type>_random` 1x512 tensors
                                of random block bytes (finite scales) reaching every bit
                                pattern; a 3-D Q8_0 tensor; a Q2_K tensor (not supported); and
                                metadata of every GGUF value type, nested arrays included.
  quant-types.reference.safetensors
                                gguf.quants.dequantize of each tensor, as F32.
  aligned64.gguf.fixture                a file with general.alignment = 64.
  tiny-llama.gguf.fixture, tiny-qwen2.gguf.fixture, tiny-models.reference.safetensors
                                small models written the way convert_hf_to_gguf.py writes
                                them (Llama Q/K rows permuted by its LlamaModel.permute; F16,
                                with Q8_0 for the Llama layer-1 Q and K), and the original
                                Hugging Face tensors keyed "llama/<hf name>", "qwen2/<hf name>".
  safetensors/                  files written by the safetensors library (F32, F16, BF16,
                                I64, a sharded checkpoint) and expected.json holding every
                                expected float as its uint32 bit pattern.
  real-*.samples.safetensors    for each tensor of a real model (Hugging Face name, Q/K
                                un-permuted): 16 dequantized values at fixed positions and
                                three float64 sums (see write_real_samples). Written only when
                                the models are found.

Real models are looked for in --models-dir (default: $GRPO_MODELS_DIR, else ./models)
under the names Scripts/fetch-model.sh gives them.

    Scripts/make-gguf-fixtures.py [--models-dir DIR]
    Scripts/make-gguf-fixtures.py --verify-swift-safetensors FILE

The second form is run by the Swift tests: it checks that the safetensors library loads a
file written by SafetensorsWriter and that the bytes equal what the library itself writes
for the same tensors. Exit status 0: match; 1: mismatch; 77: python packages missing.
"""
import argparse
import json
import os
import pathlib
import sys

try:
    import numpy as np
except ImportError:  # only --verify-swift-safetensors can run (and report the skip) without it
    np = None

REPO = pathlib.Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "Fixtures" / "gguf"
QWEN_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SMOLLM_FILE = "smollm2-135m-instruct-q4_1.gguf"


# ----------------------------------------------------------------------------------------
# Verification of Swift-written safetensors (kept in sync with ModelFilesTests).

def verify_swift_safetensors(path):
    try:
        import numpy as np
        import torch
        from safetensors.torch import load_file, save
    except ImportError as error:
        print(f"skipping: {error}")
        return 77
    # The same tensors the Swift test writes, computed here independently.
    expected = {
        "weights": torch.tensor([i * 0.5 - 1.25 for i in range(6)], dtype=torch.float32).reshape(2, 3),
        "bias": torch.tensor([1.0, -2.5, 3.14159, 1e-3, 65504.0, -1e-8], dtype=torch.float32).to(torch.bfloat16),
        "half": torch.tensor([0.1, -0.2, 1e-5, 70000.0], dtype=torch.float32).to(torch.float16),
        "a.scalar": torch.tensor(7.0, dtype=torch.float32),
    }
    metadata = {"format": "pt"}
    loaded = load_file(path)
    if sorted(loaded) != sorted(expected):
        print(f"tensor names differ: {sorted(loaded)} vs {sorted(expected)}")
        return 1
    for name, tensor in expected.items():
        got = loaded[name]
        if got.dtype != tensor.dtype or got.shape != tensor.shape:
            print(f"{name}: {got.dtype} {tuple(got.shape)} vs {tensor.dtype} {tuple(tensor.shape)}")
            return 1
        if not torch.equal(got.view(-1).view(torch.uint8), tensor.view(-1).view(torch.uint8)):
            print(f"{name}: values differ: {got} vs {tensor}")
            return 1
    reference = save(expected, metadata=metadata)
    actual = pathlib.Path(path).read_bytes()
    if actual != reference:
        print("bytes differ from the safetensors library's own output")
        print("swift:  ", actual[:200])
        print("library:", reference[:200])
        return 1
    print("ok")
    return 0


# ----------------------------------------------------------------------------------------
# Helpers.

def ggml():
    import gguf
    return gguf


def random_blocks(rng, qtype, n_blocks):
    """Random block bytes whose float16 scale fields hold finite values, so every bit
    pattern of the quantized payload is reached without producing NaN or infinity."""
    gguf = ggml()
    Q = gguf.GGMLQuantizationType
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    scale_offsets = {
        Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
        Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208], Q.Q2_K: [80, 82],
    }[qtype]
    for offset in scale_offsets:
        scales = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16)
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
    return blocks


def real_blocks(reader, qtype, count):
    """`count` super-blocks of the first tensor of type `qtype`, taken at evenly spaced
    positions across the tensor."""
    gguf = ggml()
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    for tensor in reader.tensors:
        if tensor.tensor_type == qtype:
            flat = np.asarray(tensor.data).reshape(-1, type_size)
            picks = [(i * (len(flat) - 1)) // (count - 1) for i in range(count)]
            return flat[picks].copy(), tensor.name
    return None, None


def find_model(models_dir, name):
    if models_dir is None:
        return None
    path = pathlib.Path(models_dir) / name
    return path if path.exists() else None


# ----------------------------------------------------------------------------------------
# quant-types.gguf.fixture

def write_quant_types(rng, models_dir):
    import gguf
    from safetensors.numpy import save_file
    Q = gguf.GGMLQuantizationType
    rows, cols = 2, 512
    data = (rng.standard_normal((rows, cols)) * 0.8).astype(np.float32)
    tensors = {}      # name -> (raw array for GGUFWriter, raw dtype or None)
    reference = {}    # name -> float32 values in PyTorch shape

    tensors["f32"] = (data, None)
    reference["f32"] = data
    half = data.astype(np.float16)
    tensors["f16"] = (half, None)
    reference["f16"] = half.astype(np.float32)
    # Every class of float16 value: zeros, subnormals, normals, extremes, infinities, NaNs.
    special = np.array([0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00,
                        0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE55, 0x3555],
                       dtype=np.uint16).view(np.float16).reshape(1, 16)
    tensors["f16_special"] = (special, None)
    reference["f16_special"] = special.astype(np.float32)
    bf16_bits = rng.integers(0, 1 << 16, size=(rows, cols), dtype=np.uint16)
    tensors["bf16"] = (bf16_bits.view(np.uint8).reshape(rows, cols * 2), Q.BF16)
    reference["bf16"] = gguf.quants.dequantize(tensors["bf16"][0], Q.BF16)

    for qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0):
        name = qtype.name.lower()
        raw = gguf.quants.quantize(data, qtype)
        tensors[name] = (raw, qtype)
        reference[name] = gguf.quants.dequantize(raw, qtype)

    qwen = find_model(models_dir, QWEN_FILE)
    reader = gguf.GGUFReader(qwen) if qwen else None
    for qtype in (Q.Q4_K, Q.Q5_K, Q.Q6_K):
        name = qtype.name.lower().replace("_k", "_K")
        blocks, source = real_blocks(reader, qtype, 4) if reader else (None, None)
        if blocks is None:
            print(f"{name}: no real {qtype.name} blocks available, using random blocks")
            blocks = random_blocks(rng, qtype, 4)
        else:
            print(f"{name}: 4 super-blocks from {source} of {QWEN_FILE}")
        raw = blocks.reshape(rows, -1)
        tensors[name] = (raw, qtype)
        reference[name] = gguf.quants.dequantize(raw, qtype)

    for qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0, Q.Q4_K, Q.Q5_K, Q.Q6_K):
        name = qtype.name.lower().replace("_k", "_K") + "_random"
        block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
        raw = random_blocks(rng, qtype, cols // block_size).reshape(1, -1)
        tensors[name] = (raw, qtype)
        reference[name] = gguf.quants.dequantize(raw, qtype)

    # Three dimensions: PyTorch shape (2, 3, 64), ggml ne = [64, 3, 2].
    cube = (rng.standard_normal((2, 3, 64))).astype(np.float32)
    raw = gguf.quants.quantize(cube, Q.Q8_0)
    tensors["q8_0_3d"] = (raw, Q.Q8_0)
    reference["q8_0_3d"] = gguf.quants.dequantize(raw, Q.Q8_0)
    # A type the Swift reader must refuse (by name) rather than misread.
    tensors["q2_K_unsupported"] = (random_blocks(rng, Q.Q2_K, 2).reshape(1, -1), Q.Q2_K)

    writer = gguf.GGUFWriter(OUT / "quant-types.gguf.fixture", arch="fixture")
    writer.add_uint8("test.uint8", 200)
    writer.add_int8("test.int8", -100)
    writer.add_uint16("test.uint16", 60000)
    writer.add_int16("test.int16", -30000)
    writer.add_uint32("test.uint32", 4_000_000_000)
    writer.add_int32("test.int32", -2_000_000_000)
    writer.add_float32("test.float32", 0.15625)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo, wörld")
    writer.add_uint64("test.uint64", 18_000_000_000_000_000_000)
    writer.add_int64("test.int64", -9_000_000_000_000_000_000)
    writer.add_float64("test.float64", 2.718281828459045)
    writer.add_array("test.strings", ["a", "", "ccc"])
    writer.add_key_value("test.uint8s", [1, 2, 255], gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.UINT8)
    writer.add_array("test.nested", [[1, 2], [3], ["x", "y"]])
    for name, (raw, qtype) in tensors.items():
        writer.add_tensor(name, raw, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in reference.items()},
              OUT / "quant-types.reference.safetensors")

    aligned = gguf.GGUFWriter(OUT / "aligned64.gguf.fixture", arch="fixture")
    aligned.add_custom_alignment(64)
    aligned.add_tensor("first", np.arange(3, dtype=np.float32))
    aligned.add_tensor("second", np.arange(5, dtype=np.float32) * -1.5)
    aligned.write_header_to_file()
    aligned.write_kv_data_to_file()
    aligned.write_tensors_to_file()
    aligned.close()


# ----------------------------------------------------------------------------------------
# Tiny Llama / Qwen2 models, written as convert_hf_to_gguf.py writes them.

def converter_permute(weights, n_head, n_head_kv):
    """convert_hf_to_gguf.py's LlamaModel.permute, restated for numpy."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def tiny_hf_model(rng, layers):
    """Random weights rounded to float16, so they survive an F16 GGUF exactly."""
    vocab, d, ff, heads, kv_heads = 4, 32, 8, 4, 2
    head_dim = d // heads
    w = lambda *shape: (rng.standard_normal(shape) * 0.5).astype(np.float16).astype(np.float32)
    model = {"model.embed_tokens.weight": w(vocab, d), "model.norm.weight": w(d), "lm_head.weight": w(vocab, d)}
    for i in range(layers):
        p = f"model.layers.{i}."
        model[p + "input_layernorm.weight"] = w(d)
        model[p + "post_attention_layernorm.weight"] = w(d)
        model[p + "self_attn.q_proj.weight"] = w(heads * head_dim, d)
        model[p + "self_attn.k_proj.weight"] = w(kv_heads * head_dim, d)
        model[p + "self_attn.v_proj.weight"] = w(kv_heads * head_dim, d)
        model[p + "self_attn.o_proj.weight"] = w(d, heads * head_dim)
        model[p + "self_attn.q_proj.bias"] = w(heads * head_dim)
        model[p + "self_attn.k_proj.bias"] = w(kv_heads * head_dim)
        model[p + "self_attn.v_proj.bias"] = w(kv_heads * head_dim)
        model[p + "mlp.gate_proj.weight"] = w(ff, d)
        model[p + "mlp.up_proj.weight"] = w(ff, d)
        model[p + "mlp.down_proj.weight"] = w(d, ff)
    return model, dict(vocab=vocab, d=d, ff=ff, heads=heads, kv_heads=kv_heads, layers=layers)


GGUF_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}
GGUF_LAYER_NAMES = {
    "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def gguf_name(hf_name):
    if hf_name in GGUF_NAMES:
        return GGUF_NAMES[hf_name]
    _, _, layer, *module, kind = hf_name.split(".")
    return f"blk.{layer}.{GGUF_LAYER_NAMES['.'.join(module)]}.{kind}"


def hf_name(gguf_tensor_name):
    inverse = {v: k for k, v in GGUF_NAMES.items()}
    if gguf_tensor_name in inverse:
        return inverse[gguf_tensor_name]
    blk, layer, stem, kind = gguf_tensor_name.split(".")
    assert blk == "blk", gguf_tensor_name
    module = {v: k for k, v in GGUF_LAYER_NAMES.items()}[stem]
    return f"model.layers.{layer}.{module}.{kind}"


def write_tiny_models(rng):
    import gguf
    from safetensors.numpy import save_file
    Q = gguf.GGMLQuantizationType
    reference = {}
    for arch, layers in (("llama", 2), ("qwen2", 1)):
        model, cfg = tiny_hf_model(rng, layers)
        writer = gguf.GGUFWriter(OUT / f"tiny-{arch}.gguf.fixture", arch=arch)
        writer.add_block_count(cfg["layers"])
        writer.add_embedding_length(cfg["d"])
        writer.add_feed_forward_length(cfg["ff"])
        writer.add_head_count(cfg["heads"])
        writer.add_head_count_kv(cfg["kv_heads"])
        for name, tensor in model.items():
            stored = tensor
            if arch == "llama" and ".q_proj." in name:
                stored = converter_permute(tensor, cfg["heads"], cfg["heads"])
            if arch == "llama" and ".k_proj." in name:
                stored = converter_permute(tensor, cfg["heads"], cfg["kv_heads"])
            expected = tensor
            if arch == "llama" and (name.endswith("layers.1.self_attn.q_proj.weight")
                                    or name.endswith("layers.1.self_attn.k_proj.weight")):
                # Quantized rows: Q8_0 quantizes each row on its own, so permuting rows
                # commutes with quantizing and the expectation is the dequantized original.
                raw = gguf.quants.quantize(stored, Q.Q8_0)
                writer.add_tensor(gguf_name(name), raw, raw_dtype=Q.Q8_0)
                expected = gguf.quants.dequantize(gguf.quants.quantize(tensor, Q.Q8_0), Q.Q8_0)
                reference[f"{arch}/{name}"] = np.ascontiguousarray(expected)
            else:
                writer.add_tensor(gguf_name(name), stored.astype(np.float16))
                reference[f"{arch}/{name}"] = np.ascontiguousarray(expected.astype(np.float16))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
    save_file(reference, OUT / "tiny-models.reference.safetensors")


# ----------------------------------------------------------------------------------------
# Safetensors fixtures

def bits_of(array):
    return np.ascontiguousarray(array, dtype=np.float32).reshape(-1).view(np.uint32).tolist()


def write_safetensors_fixtures(rng):
    import torch
    from safetensors.torch import save_file
    out = OUT / "safetensors"
    (out / "sharded").mkdir(parents=True, exist_ok=True)
    expected = {}

    f16_bits = torch.tensor([0x0000, 0x8000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0xC500, 0x7BFF, 0x7C00, 0xFC00],
                            dtype=torch.int32).to(torch.int16)
    tensors = {
        "f32": torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32)),
        "f16": f16_bits.view(torch.float16),
        "bf16": torch.from_numpy(rng.standard_normal((2, 3)).astype(np.float32)).to(torch.bfloat16),
        "scalar": torch.tensor(-3.5, dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
        "i64": torch.tensor([1, -2], dtype=torch.int64),
    }
    # One metadata key only: the library writes several in arbitrary (hash) order, which
    # would make the fixture bytes change from run to run.
    save_file(tensors, out / "dtypes.safetensors", metadata={"format": "pt"})
    expected["dtypes.safetensors"] = {
        name: {"shape": list(t.shape), "bits": bits_of(t.float().numpy())}
        for name, t in tensors.items() if t.dtype != torch.int64
    }

    shard1 = {"model.embed_tokens.weight": torch.from_numpy(rng.standard_normal((4, 3)).astype(np.float32)),
              "model.norm.weight": torch.from_numpy(rng.standard_normal(3).astype(np.float32)).to(torch.bfloat16)}
    shard2 = {"lm_head.weight": torch.from_numpy(rng.standard_normal((4, 3)).astype(np.float32)).to(torch.float16)}
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    save_file(shard1, out / "sharded" / names[0], metadata={"format": "pt"})
    save_file(shard2, out / "sharded" / names[1], metadata={"format": "pt"})
    weight_map = {name: names[0] for name in shard1} | {name: names[1] for name in shard2}
    total = sum(t.numel() * t.element_size() for t in (shard1 | shard2).values())
    (out / "sharded" / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, indent=2) + "\n")
    expected["sharded"] = {
        name: {"shape": list(t.shape), "bits": bits_of(t.float().numpy())} for name, t in (shard1 | shard2).items()
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------------------
# Samples of real models

def sample_positions(n):
    """First 4, 8 evenly spaced, last 4 flat indices (ModelFilesTests uses the same rule)."""
    return list(range(4)) + [(k * (n - 1)) // 7 for k in range(8)] + list(range(n - 4, n))


def dequantized(tensor):
    import gguf
    Q = gguf.GGMLQuantizationType
    shape = [int(n) for n in reversed(tensor.shape)]
    if tensor.tensor_type == Q.F32:
        return np.asarray(tensor.data, dtype=np.float32).reshape(shape)
    raw = np.asarray(tensor.data)
    rows = raw.reshape(-1, raw.shape[-1])
    chunks = [gguf.quants.dequantize(rows[i:i + 4096], tensor.tensor_type) for i in range(0, len(rows), 4096)]
    return np.concatenate(chunks).reshape(shape).astype(np.float32, copy=False)


def hf_layout(name, values, arch, heads, kv_heads):
    """Undoes LlamaModel.permute: within each head, GGUF row 2i + t is HF row t*half + i."""
    if arch != "llama" or not (".q_proj." in name or ".k_proj." in name):
        return values
    n = heads if ".q_proj." in name else kv_heads
    restored = values.reshape(n, values.shape[0] // n // 2, 2, *values.shape[1:]).swapaxes(1, 2).reshape(values.shape)
    # The inverse must hold against the converter's own permutation.
    assert np.array_equal(converter_permute(restored, heads, n if ".k_proj." in name else heads), values)
    return restored


def write_real_samples(path, out_name):
    """Tensor i (in file order) of the model: row i of "samples" holds its values at
    sample_positions, row i of "sums" its float64 sum, sum of magnitudes and position-weighted
    sum (weight (k mod 13) - 6 for flat index k, which a row permutation changes); the
    metadata entry "index" (JSON) lists names, shapes and ggml types in the same order."""
    import gguf
    from safetensors.numpy import save_file
    reader = gguf.GGUFReader(path)
    field = lambda key: reader.fields[key].contents() if key in reader.fields else None
    arch = field("general.architecture")
    heads = field(f"{arch}.attention.head_count")
    kv_heads = field(f"{arch}.attention.head_count_kv") or heads
    names, shapes, types, samples, sums = [], [], [], [], []
    for tensor in reader.tensors:
        name = hf_name(tensor.name)
        values = hf_layout(name, dequantized(tensor), arch, heads, kv_heads)
        flat = values.reshape(-1)
        as64 = flat.astype(np.float64)
        weights = (np.arange(flat.size) % 13 - 6).astype(np.float64)
        names.append(name)
        shapes.append(list(values.shape))
        types.append(tensor.tensor_type.name)
        samples.append(flat[sample_positions(flat.size)].astype(np.float32))
        sums.append([as64.sum(), np.abs(as64).sum(), (as64 * weights).sum()])
    # A single metadata key keeps the file bytes reproducible (see write_safetensors_fixtures).
    index = {"source": path.name, "architecture": arch, "names": names, "shapes": shapes, "types": types}
    metadata = {"index": json.dumps(index)}
    save_file({"samples": np.stack(samples), "sums": np.array(sums, dtype=np.float64)}, OUT / out_name, metadata=metadata)
    print(f"{out_name}: {len(names)} tensors from {path.name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models-dir", default=os.environ.get("GRPO_MODELS_DIR") or str(REPO / "models"))
    parser.add_argument("--verify-swift-safetensors", metavar="FILE")
    args = parser.parse_args()
    if args.verify_swift_safetensors:
        return verify_swift_safetensors(args.verify_swift_safetensors)

    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20250101)
    write_quant_types(rng, args.models_dir)
    write_tiny_models(rng)
    write_safetensors_fixtures(rng)
    for file_name, out_name in ((QWEN_FILE, "real-qwen2.5-coder-0.5b-instruct-q4_k_m.samples.safetensors"),
                                (SMOLLM_FILE, "real-smollm2-135m-instruct-q4_1.samples.safetensors")):
        path = find_model(args.models_dir, file_name)
        if path:
            write_real_samples(path, out_name)
        else:
            print(f"{file_name} not in {args.models_dir}: real-model samples not written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
