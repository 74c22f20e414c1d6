#!/usr/bin/env python3
"""Writes tiny random Qwen2 and Llama checkpoints and transformers' outputs on them.

Tests/Fixtures/models/
  tiny-qwen2/            HF directory, float32 model.safetensors(.fixture) (tied embeddings, Q/K/V bias)
  tiny-llama/            HF directory, float16 weights in two shards + model.safetensors.index.json
  tiny-qwen2.gguf.fixture        the same Qwen2 weights as GGUF, Q8_0 for the large matrices
  tiny-llama.gguf.fixture        the Llama weights as GGUF (F16), Q/K rows permuted as llama.cpp's converter does
  reference.json         per model: token sequences, full logits, per-token logprobs, greedy continuations

Every reference number comes from transformers (PyTorch, CPU, float32) run on exactly the
weights the Swift side loads: for the float16 and Q8_0 files, the model is rebuilt from the
round-tripped / dequantized tensors before it is run.

    python3 Scripts/make-model-fixtures.py
"""
import json
import os
import shutil

import numpy as np
import torch
import gguf
from gguf.quants import quantize, dequantize
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "models")
VOCAB, HIDDEN, FF, LAYERS, HEADS, KV_HEADS = 128, 32, 64, 2, 4, 2


def randomize(model, seed):
    """Default init is near-uniform; larger random weights make logits sensitive to every op."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=g))


def qwen2():
    cfg = Qwen2Config(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=FF, num_hidden_layers=LAYERS,
                      num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, rms_norm_eps=1e-6,
                      rope_theta=1000000.0, max_position_embeddings=512, tie_word_embeddings=True,
                      bos_token_id=None, eos_token_id=[1, 2])
    torch.manual_seed(0)
    m = Qwen2ForCausalLM(cfg).float().eval()
    randomize(m, 1)
    m.tie_weights()
    return m


def llama():
    cfg = LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=FF, num_hidden_layers=LAYERS,
                      num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, rms_norm_eps=1e-5,
                      rope_theta=10000.0, max_position_embeddings=512, tie_word_embeddings=False,
                      attention_bias=False, bos_token_id=1, eos_token_id=2)
    torch.manual_seed(0)
    m = LlamaForCausalLM(cfg).float().eval()
    randomize(m, 2)
    return m


def state(model):
    return {k: v.detach().float().numpy() for k, v in model.state_dict().items()}


def rebuild(model, tensors):
    """Loads `tensors` (HF names → numpy) into a float32 copy of `model`."""
    with torch.no_grad():
        for k, v in tensors.items():
            model.state_dict()[k].copy_(torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)))
    if model.config.tie_word_embeddings:
        model.tie_weights()
    return model


def permute(w, n_head, n_head_kv):
    """llama.cpp's convert_hf_to_gguf LlamaModel.permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


GGUF_NAMES = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
}


def gguf_name(hf):
    if hf == "model.embed_tokens.weight": return "token_embd.weight"
    if hf == "model.norm.weight": return "output_norm.weight"
    if hf == "lm_head.weight": return "output.weight"
    parts = hf.split(".")  # model.layers.N.<module>.<sub>.weight|bias
    layer, rest = parts[2], ".".join(parts[3:])
    for k, v in GGUF_NAMES.items():
        if rest.startswith(k + "."):
            return f"blk.{layer}.{v}.{rest[len(k) + 1:]}"
    raise KeyError(hf)


def write_gguf(path, arch, model, quant):
    """Writes `model` as GGUF; returns the tensors as the Swift side will read them back."""
    cfg = model.config
    w = gguf.GGUFWriter(path, arch)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(rope_theta(cfg))
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_vocab_size(cfg.vocab_size)
    seen = {}
    for hf, t in state(model).items():
        if hf == "lm_head.weight" and cfg.tie_word_embeddings:
            continue
        data = t
        if arch == "llama" and hf.endswith("q_proj.weight"):
            data = permute(t, cfg.num_attention_heads, cfg.num_attention_heads)
        if arch == "llama" and hf.endswith("k_proj.weight"):
            data = permute(t, cfg.num_attention_heads, cfg.num_key_value_heads)
        if data.ndim == 2 and quant == gguf.GGMLQuantizationType.Q8_0:
            q = quantize(data, quant)
            w.add_tensor(gguf_name(hf), q, raw_shape=q.shape, raw_dtype=quant)
            back = dequantize(q, quant).reshape(data.shape)
        elif data.ndim == 2 and quant == gguf.GGMLQuantizationType.F16:
            w.add_tensor(gguf_name(hf), data.astype(np.float16))
            back = data.astype(np.float16).astype(np.float32)
        else:
            w.add_tensor(gguf_name(hf), data.astype(np.float32))
            back = data
        if arch == "llama" and hf.endswith("q_proj.weight"):
            back = unpermute(back, cfg.num_attention_heads, cfg.num_attention_heads)
        if arch == "llama" and hf.endswith("k_proj.weight"):
            back = unpermute(back, cfg.num_attention_heads, cfg.num_key_value_heads)
        seen[hf] = back
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return seen


def unpermute(w, n_head, n_head_kv):
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


SEQUENCES = [[5, 17, 99, 3, 42, 42, 7, 120, 64, 11], [9, 1, 88, 23]]
PROMPT = [5, 17, 99, 3]


def reference(model):
    out = {"sequences": [], "greedy": {"prompt": PROMPT}}
    with torch.no_grad():
        for ids in SEQUENCES:
            logits = model(torch.tensor([ids])).logits[0].float()
            logp = torch.log_softmax(logits, -1)
            out["sequences"].append({
                "ids": ids,
                "logits": logits.flatten().tolist(),
                "logprobs": [logp[i, ids[i + 1]].item() for i in range(len(ids) - 1)],
            })
        gen = model.generate(torch.tensor([PROMPT]), max_new_tokens=12, do_sample=False,
                             eos_token_id=None, pad_token_id=0, min_new_tokens=12)
        out["greedy"]["continuation"] = gen[0, len(PROMPT):].tolist()
    return out


def rope_theta(cfg):
    params = getattr(cfg, "rope_parameters", None) or {}
    return params.get("rope_theta", getattr(cfg, "rope_theta", None))


def save_hf(model, path, dtype, max_shard_size=None, flat_rope_theta=False):
    """`flat_rope_theta` rewrites config.json with a top-level rope_theta, as transformers 4.x
    (and the published Qwen2.5 checkpoints) write it; 5.x nests it under rope_parameters."""
    shutil.rmtree(path, ignore_errors=True)
    kwargs = {"max_shard_size": max_shard_size} if max_shard_size else {}
    model.to(dtype).save_pretrained(path, safe_serialization=True, **kwargs)
    model.float()
    if flat_rope_theta:
        cfg_path = os.path.join(path, "config.json")
        with open(cfg_path) as f:
            cfg = json.load(f)
        cfg["rope_theta"] = cfg.pop("rope_parameters")["rope_theta"]
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)


def warper_reference():
    """Sampling distributions after transformers' logits processors (temperature, top-k,
    top-p, in generate's order) for a fixed logits row: the sampler must draw from these."""
    from transformers.generation.logits_process import (TemperatureLogitsWarper, TopKLogitsWarper,
                                                        TopPLogitsWarper)
    g = torch.Generator().manual_seed(3)
    logits = 3 * torch.randn(1, VOCAB, generator=g)
    cases = []
    for temperature, top_k, top_p in [(1.0, 0, 1.0), (0.7, 0, 0.9), (1.0, 10, 1.0), (1.3, 20, 0.8), (0.5, 0, 0.95)]:
        scores = logits.clone()
        scores = TemperatureLogitsWarper(temperature)(None, scores)
        if top_k > 0:
            scores = TopKLogitsWarper(top_k)(None, scores)
        if top_p < 1.0:
            scores = TopPLogitsWarper(top_p)(None, scores)
        probs = torch.softmax(scores, -1)[0]
        cases.append({"temperature": temperature, "top_k": top_k, "top_p": top_p, "probs": probs.tolist()})
    return {"logits": logits[0].tolist(), "cases": cases}


def main():
    os.makedirs(OUT, exist_ok=True)
    refs = {"warpers": warper_reference()}

    q = qwen2()
    save_hf(q, os.path.join(OUT, "tiny-qwen2"), torch.float32)
    # Committed weights carry a .fixture suffix; the tests restore the HF name in a temp copy.
    os.replace(os.path.join(OUT, "tiny-qwen2", "model.safetensors"),
               os.path.join(OUT, "tiny-qwen2", "model.safetensors.fixture"))
    refs["tiny-qwen2"] = reference(q)
    gq = write_gguf(os.path.join(OUT, "tiny-qwen2.gguf.fixture"), "qwen2", q, gguf.GGMLQuantizationType.Q8_0)
    refs["tiny-qwen2.gguf.fixture"] = reference(rebuild(qwen2(), gq))

    l = llama()
    save_hf(l, os.path.join(OUT, "tiny-llama"), torch.float16, max_shard_size="20KB", flat_rope_theta=True)
    l16 = rebuild(llama(), {k: v.astype(np.float16).astype(np.float32) for k, v in state(l).items()})
    refs["tiny-llama"] = reference(l16)
    gl = write_gguf(os.path.join(OUT, "tiny-llama.gguf.fixture"), "llama", l, gguf.GGMLQuantizationType.F16)
    refs["tiny-llama.gguf.fixture"] = reference(rebuild(llama(), gl))

    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(refs, f)
    for name in sorted(os.listdir(OUT)):
        p = os.path.join(OUT, name)
        size = sum(os.path.getsize(os.path.join(p, x)) for x in os.listdir(p)) if os.path.isdir(p) else os.path.getsize(p)
        print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
