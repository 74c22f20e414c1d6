#!/usr/bin/env python3
"""Writes the reference fixtures the GRPO loss / gradient / optimizer tests compare against.

Tests/Fixtures/training/<model>/     for <model> in tiny-qwen2, tiny-llama (Tests/Fixtures/models)
  adapter/adapter_config.json          PEFT LoRA adapter, r=4, alpha=8, all seven projections,
  adapter/adapter_model.safetensors.fixture   rsLoRA for tiny-llama only; A and B are 0.15·randn so
                                       that no gradient vanishes (PEFT's save_pretrained output, the
                                       weights renamed: names ending in model.safetensors are reserved)
  batch.jsonl                          3 rollout groups (sizes 4, 3, 4), one per line: prompt ids,
                                       completion ids, rewards; group 0 carries sampling logprobs
                                       (the adapter's own plus noise, so some ratios get clipped),
                                       groups 1 and 2 none; group 2 has all-equal rewards
  adapter-logprobs.json                per completion (untruncated, batch order) the per-token logprobs
                                       with the adapter ("adapter") and without it ("base")
  cases.json                           per loss configuration: the loss, TRL's metrics and grad norm
  grads-<case>.safetensors             d loss / d every LoRA parameter (PEFT's saved names)
  params-mu2.safetensors               the LoRA parameters after the two AdamW steps of case mu2

The loss is TRL's GRPOTrainer._compute_loss (grpo / bnpo / dr_grpo / dapo, k3 KL to the adapter-less
model, two-sided clipping, group / batch / no reward scaling) for one micro-batch, written here in
plain torch rather than imported; the grpo case is re-derived by a scalar per-token loop as a check.
Models run in float64 on the CPU (the float32 / float16 weights upcast exactly), so the fixtures
hold the exact gradient rather than one float32 implementation's rounding of it: with adapters
this large, PyTorch's own float32 gradients differ from float64 by up to 2e-4 on the Llama
model's first-layer attention. Values are stored as float32.

    python3 Scripts/make-grad-fixtures.py
"""
import json
import math
import os
import shutil
import statistics
import tempfile

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from torch.nn.utils.rnn import pad_sequence
from transformers import AutoModelForCausalLM

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "training")
VOCAB = 128
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
R, ALPHA = 4, 8
# A and B both random (PEFT zeroes B, which would zero every lora_A gradient), at the scale of the
# base weights (0.15·randn): larger adapters saturate attention and make float32 gradients
# ill-conditioned (at 0.3, PyTorch's own float32 result is 2e-4 from float64 on Llama).
LORA_INIT_STD = 0.15
SEEDS = {"tiny-qwen2": 21, "tiny-llama": 22}
GROUP_SIZES, PROMPT_LENGTHS = [4, 3, 4], [5, 7, 6]
ADAMW = {"lr": 0.01, "betas": (0.9, 0.99), "weight_decay": 0.1, "eps": 1e-8}
MAX_GRAD_NORM = 0.1


def case(name, loss_type, beta, scale="group", length=256, eps_high=0.2, iterations=1):
    return {"name": name, "loss_type": loss_type, "beta": beta, "epsilon": 0.2, "epsilon_high": eps_high,
            "scale_rewards": scale, "max_completion_length": length, "num_iterations": iterations}


CASES = [case("grpo", "grpo", 0.04),
         case("bnpo_beta0", "bnpo", 0.0),
         case("dr_grpo", "dr_grpo", 0.04, length=16),
         case("dapo_truncated", "dapo", 0.04, length=6, eps_high=0.28),
         case("grpo_batch_scale", "grpo", 0.04, scale="batch"),
         case("grpo_no_scale", "grpo", 0.0, scale="none"),
         case("mu2", "grpo", 0.04, iterations=2)]


def lora_params(model):
    """PEFT's saved names (the adapter name dropped) → parameter, in module order."""
    return {n.replace(".default", ""): p for n, p in model.named_parameters() if "lora_" in n}


def load(name, tmp):
    dst = os.path.join(tmp, name)
    shutil.copytree(os.path.join(MODELS, name), dst)
    if os.path.exists(os.path.join(dst, "model.safetensors.fixture")):
        os.replace(os.path.join(dst, "model.safetensors.fixture"), os.path.join(dst, "model.safetensors"))
    base = AutoModelForCausalLM.from_pretrained(dst, dtype=torch.float32, attn_implementation="eager").eval()
    base = base.to(torch.float64)
    config = LoraConfig(r=R, lora_alpha=ALPHA, lora_dropout=0.0, target_modules=TARGETS, bias="none",
                        task_type="CAUSAL_LM", use_rslora=name == "tiny-llama")
    model = get_peft_model(base, config).eval()
    # PEFT's default B = 0 would zero every lora_A gradient; random A and B exercise both paths.
    g = torch.Generator().manual_seed(SEEDS[name])
    with torch.no_grad():
        for p in lora_params(model).values():
            # Rounded to float32 values: the adapter is stored as float32 and the Swift side
            # must start from exactly the parameters the float64 reference uses.
            p.copy_((LORA_INIT_STD * torch.randn(p.shape, generator=g)).float().double())
    # adapter_config.json would otherwise hold the temp path and target_modules in set (hash) order,
    # both changing from run to run.
    model.peft_config["default"].base_model_name_or_path = f"Tests/Fixtures/models/{name}"
    model.peft_config["default"].target_modules = sorted(TARGETS)
    return model


def token_logps(model, prompt, completion):
    """logp[t] of completion[t] given prompt + completion[:t], temperature 1."""
    logits = model(input_ids=torch.tensor([prompt + completion])).logits[0, len(prompt) - 1:-1]
    return torch.log_softmax(logits, -1).gather(-1, torch.tensor(completion)[:, None])[:, 0]


def f32(x):
    """Rounds to the nearest float32 so that the JSON value parses to exactly the tensor's value."""
    return float(np.float32(x))


def make_batch(model, rng):
    groups = []
    for gi, (size, plen) in enumerate(zip(GROUP_SIZES, PROMPT_LENGTHS)):
        prompt = rng.integers(3, VOCAB, plen).tolist()
        lengths = rng.integers(2, 10, size)
        lengths[1 if gi == 0 else 0] = 9 if gi == 0 else 8  # truncation by max_completion_length 6 in both kinds
        while True:  # groups 0 and 1 need a nonzero reward std; group 2 has none
            fmt = 0.25 * rng.integers(0, 5, size)
            cor = 1.25 - fmt if gi == 2 else 0.25 * rng.integers(0, 5, size)
            if gi == 2 or len(set(fmt + cor)) > 1:
                break
        completions = []
        for n, f, c in zip(lengths, fmt, cor):
            ids = rng.integers(3, VOCAB, n).tolist()
            comp = {"ids": ids, "reward": float(f + c), "rewards": {"format": float(f), "correctness": float(c)}}
            if gi == 0:
                with torch.no_grad():
                    lp = token_logps(model, prompt, ids).double().numpy()
                comp["logprobs"] = [f32(x) for x in lp + rng.normal(0.0, 0.3, n)]
            completions.append(comp)
        groups.append({"prompt_ids": prompt, "completions": completions})
    return groups


def completions(batch):
    return [(g["prompt_ids"], c) for g in batch for c in g["completions"]]


def advantages(batch, scale):
    rewards = [torch.tensor([c["reward"] for c in g["completions"]]) for g in batch]
    batch_std = torch.cat(rewards).std()
    out = []
    for r in rewards:
        a = r - r.mean()
        out.append(a if scale == "none" else a / ((r.std() if scale == "group" else batch_std) + 1e-4))
    return torch.cat(out)


def grpo_loss(c, batch, logps, olds, refs):
    """TRL GRPOTrainer._compute_loss on one micro-batch; returns (loss, metrics)."""
    L = c["max_completion_length"]
    pad = lambda xs: pad_sequence([x[:L] for x in xs], batch_first=True)
    lp, old, ref = pad(logps), pad(olds), pad(refs)
    mask = pad([torch.ones(len(x)) for x in logps])
    A = advantages(batch, c["scale_rewards"])[:, None]
    coef1 = torch.exp(lp - old)
    coef2 = torch.clamp(coef1, 1 - c["epsilon"], 1 + c["epsilon_high"])
    per_token = -torch.min(coef1 * A, coef2 * A)
    if c["beta"] != 0:
        kl = torch.exp(ref - lp) - (ref - lp) - 1
        per_token = per_token + c["beta"] * kl
    total = (per_token * mask).sum()
    if c["loss_type"] == "grpo":
        loss = ((per_token * mask).sum(-1) / mask.sum(-1)).mean()
    elif c["loss_type"] in ("bnpo", "dapo"):  # one micro-batch: dapo's global token count is this batch's
        loss = total / mask.sum()
    else:  # dr_grpo
        loss = total / (lp.shape[0] * L)
    mean = lambda x: float((x.float() * mask).sum() / mask.sum())
    low = (coef1 < 1 - c["epsilon"]) & (A < 0)
    high = (coef1 > 1 + c["epsilon_high"]) & (A > 0)
    metrics = {"kl": mean(kl.detach())} if c["beta"] != 0 else {}
    metrics.update({"clip_ratio/low_mean": mean(low), "clip_ratio/high_mean": mean(high),
                    "clip_ratio/region_mean": mean(low | high)})
    return loss, metrics


def loop_grpo_loss(c, batch, logps, olds, refs):
    """The grpo/group loss again, one token at a time in Python floats, sharing no code with grpo_loss."""
    per_seq, i = [], 0
    for g in batch:
        r = [comp["reward"] for comp in g["completions"]]
        mu, sd = statistics.mean(r), statistics.stdev(r)
        for comp in g["completions"]:
            A = (comp["reward"] - mu) / (sd + 1e-4)
            terms = []
            for t in range(min(len(comp["ids"]), c["max_completion_length"])):
                lp, old, ref = (float(x[i][t].detach()) for x in (logps, olds, refs))
                ratio = math.exp(lp - old)
                clipped = min(max(ratio, 1 - c["epsilon"]), 1 + c["epsilon_high"])
                terms.append(-min(ratio * A, clipped * A) + c["beta"] * (math.exp(ref - lp) - (ref - lp) - 1))
            per_seq.append(sum(terms) / len(terms))
            i += 1
    return sum(per_seq) / len(per_seq)


def policy_logps(model, batch):
    return [token_logps(model, p, comp["ids"]) for p, comp in completions(batch)]


def old_logps(batch, logps):
    """Sampling logprobs where the rollout has them, else the current policy's, frozen."""
    return [torch.tensor(comp["logprobs"], dtype=torch.float64) if "logprobs" in comp else lp.detach()
            for (_, comp), lp in zip(completions(batch), logps)]


def grad_norm(grads):
    return math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads.values()))


def run_case(model, c, batch, refs, initial):
    params = lora_params(model)
    with torch.no_grad():
        for n, p in params.items():
            p.copy_(initial[n])
            p.grad = None
    result = dict(c)
    if c["num_iterations"] == 1:
        logps = policy_logps(model, batch)
        olds = old_logps(batch, logps)
        loss, metrics = grpo_loss(c, batch, logps, olds, refs)
        loss.backward()
        grads = {n: p.grad.clone() for n, p in params.items()}
        if c["name"] == "grpo":
            check = loop_grpo_loss(c, batch, logps, olds, refs)
            assert abs(check - loss.item()) < 1e-6, (check, loss.item())
        extra = {}
    else:
        # TRL reuses the first iteration's policy logprobs as "old" for the later ones.
        opt = torch.optim.AdamW(list(params.values()), **ADAMW)
        olds, norms = None, []
        for _ in range(c["num_iterations"]):
            logps = policy_logps(model, batch)
            olds = olds if olds is not None else old_logps(batch, logps)
            loss, metrics = grpo_loss(c, batch, logps, olds, refs)
            loss.backward()
            grads = {n: p.grad.clone() for n, p in params.items()}
            norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), MAX_GRAD_NORM)))
            opt.step()
            opt.zero_grad()
        extra = {"grad_norm_1": norms[0], "grad_norm_2": norms[1], "lr": ADAMW["lr"],
                 "max_grad_norm": MAX_GRAD_NORM, "weight_decay": ADAMW["weight_decay"],
                 "betas": list(ADAMW["betas"]), "eps": ADAMW["eps"]}
        extra["params"] = {n: p.detach().clone() for n, p in params.items()}
    for n, g in grads.items():
        assert g.abs().sum() > 0, (c["name"], n)
    result.update(loss=loss.item(), metrics=metrics, grad_norm=grad_norm(grads))
    return result, grads, extra


def write_tensors(path, tensors):
    save_file({n: t.detach().float().contiguous() for n, t in tensors.items()}, path)


def build(name, tmp):
    out = os.path.join(OUT, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    model = load(name, tmp)
    adapter = os.path.join(out, "adapter")
    model.to(torch.float32).save_pretrained(adapter, save_embedding_layers=False)
    model.to(torch.float64)
    os.remove(os.path.join(adapter, "README.md"))  # a generated model card, not needed
    os.replace(os.path.join(adapter, "adapter_model.safetensors"),
               os.path.join(adapter, "adapter_model.safetensors.fixture"))

    batch = make_batch(model, np.random.default_rng(SEEDS[name]))
    with open(os.path.join(out, "batch.jsonl"), "w") as f:
        for g in batch:
            f.write(json.dumps(g, sort_keys=True) + "\n")

    with torch.no_grad():
        adapted = policy_logps(model, batch)
        with model.disable_adapter():
            refs = policy_logps(model, batch)
    with open(os.path.join(out, "adapter-logprobs.json"), "w") as f:
        json.dump({"adapter": [x.tolist() for x in adapted], "base": [x.tolist() for x in refs]}, f)

    initial = {n: p.detach().clone() for n, p in lora_params(model).items()}
    results = []
    for c in CASES:
        result, grads, extra = run_case(model, c, batch, refs, initial)
        write_tensors(os.path.join(out, f"grads-{c['name']}.safetensors"), grads)
        if "params" in extra:
            write_tensors(os.path.join(out, f"params-{c['name']}.safetensors"), extra.pop("params"))
        result.update(extra)
        results.append(result)
        print(f"{name} {c['name']}: loss {result['loss']:.6f}, grad norm {result['grad_norm']:.6f}, {result['metrics']}")
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"model": name, "lora": {"r": R, "alpha": ALPHA, "rslora": name == "tiny-llama"},
                   "cases": results}, f, indent=1)


def main():
    torch.set_num_threads(1)  # a fixed reduction order, so reruns give the same bytes
    torch.use_deterministic_algorithms(True)
    torch.set_default_dtype(torch.float64)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ["tiny-qwen2", "tiny-llama"]:
            build(name, tmp)
    for root, _, files in sorted(os.walk(OUT)):
        for f in sorted(files):
            p = os.path.join(root, f)
            print(f"{os.path.relpath(p, OUT)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
