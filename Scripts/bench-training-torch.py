#!/usr/bin/env python3
"""Runs `grpo bench --suite training` and the same training step on PyTorch (CPU, float32,
transformers + PEFT LoRA) in one run, and prints both figures and their ratios.

The work: the model side of one GRPO training step over 16 sequences of --prompt-tokens prompt
+ --completion-tokens completion tokens (ids are arbitrary but deterministic: sequence i,
position j -> (1000 + 7919 i + 104729 j) % 150000). LoRA r=16, alpha 32, no dropout, on
q/k/v/o/gate/up/down. In micro-batches of --micro-batch sequences with gradient accumulation
(as TRL does with per_device_train_batch_size=4):
  1. reference forward with the adapter disabled, under no_grad: completion log-probs
  2. forward with the adapter: completion log-probs by log_softmax + gather, and the GRPO loss
     -(exp(logp - logp.detach()) * A).mean() + 0.04 * (exp(ref - logp) - (ref - logp) - 1).mean()
     with A a fixed random advantage per sequence
  3. backward (no optimizer step: LoRA AdamW is negligible; grads are zeroed between steps)
The model is called as TRL's GRPOTrainer calls it, model(ids, logits_to_keep=completion + 1),
so logits are computed only for the positions that predict completion tokens; --full-logits
instead takes model(ids).logits[:, prompt-1:-1], materialising all logits. Gradient
checkpointing is off unless --checkpointing (recent TRL turns it on by default).

Figures: training tokens/s = 16 x (prompt + completion) / step seconds, best of --repeats steps
after one warm-up step. grpo also reports the same 16 completions run as one GRPO group sharing
one prompt (its trainer runs the shared prompt once); PyTorch has no such path, so that row
compares against the same independent-sequence PyTorch figure. Peak RSS is that of a fresh
process that loads the model and runs one step of 16 x 456 tokens (prompt 256 + completion 200);
the load alone is reported too, since it can set the peak. It is read from VmHWM, not ru_maxrss:
Linux carries ru_maxrss across fork+exec, so a child's ru_maxrss starts at its parent's peak.
For the same reason grpo is run before torch is imported (the imports alone are ~770 MiB).

    swift build -c release --product grpo
    python3 Scripts/bench-training-torch.py [--torch-only] [--json]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SEQUENCES = 16
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def peak_rss_mib():
    try:  # this process's own high-water mark (see the docstring for why not ru_maxrss)
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load(model_path, rank, checkpointing):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(2)
    d, f = os.path.split(os.path.abspath(model_path))
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    if checkpointing:
        model.gradient_checkpointing_enable()
        model.enable_input_require_grads()  # frozen embeddings: checkpointed blocks need a grad input
    lora = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=TARGETS, task_type="CAUSAL_LM")
    return get_peft_model(model, lora).train()


def token_ids(prompt, completion):
    import torch
    return torch.tensor([[(1000 + 7919 * i + 104729 * j) % 150000 for j in range(prompt + completion)]
                         for i in range(SEQUENCES)])


def train_step(model, ids, prompt, micro, advantages, full_logits):
    import torch
    completion = ids.shape[1] - prompt
    model.zero_grad(set_to_none=True)
    for s in range(0, SEQUENCES, micro):
        x = ids[s:s + micro]
        target = x[:, prompt:, None]

        def completion_logps():
            if full_logits:
                logits = model(x).logits[:, prompt - 1:-1]
            else:  # TRL: one extra logit is kept, then the last (predicting past the end) dropped
                logits = model(x, logits_to_keep=completion + 1).logits[:, :-1]
            return torch.log_softmax(logits, -1).gather(-1, target).squeeze(-1)

        with torch.no_grad(), model.disable_adapter():
            ref = completion_logps()
        logp = completion_logps()
        a = advantages[s:s + micro, None]
        loss = -(torch.exp(logp - logp.detach()) * a).mean() \
            + 0.04 * (torch.exp(ref - logp) - (ref - logp) - 1).mean()
        # Trainer divides each micro-batch loss by the accumulation count before backward.
        (loss * x.shape[0] / SEQUENCES).backward()
        del logp, ref, loss


def bench_torch(args):
    import torch
    t = time.time()
    model = load(args.model, args.rank, args.checkpointing)
    fig = {"load_seconds": time.time() - t, "load_peak_rss_mib": peak_rss_mib()}
    ids = token_ids(args.prompt_tokens, args.completion_tokens)
    advantages = torch.randn(SEQUENCES, generator=torch.Generator().manual_seed(0))
    step = lambda: train_step(model, ids, args.prompt_tokens, args.micro_batch, advantages, args.full_logits)
    if args.rss_only:  # one step only: this process exists to measure its own peak
        step()
        fig["train_peak_rss_mib"] = peak_rss_mib()
        return fig
    step()  # warm-up
    times = []
    for _ in range(args.repeats):
        t = time.time()
        step()
        times.append(time.time() - t)
    fig["step_seconds"] = min(times)
    fig["train_tokens_per_second"] = ids.numel() / min(times)
    # Peak memory in a fresh process, so this process's larger-or-smaller history does not count.
    cmd = [sys.executable, os.path.abspath(__file__), "--rss-only", "--model", args.model,
           "--prompt-tokens", "256", "--completion-tokens", "200", "--micro-batch", str(args.micro_batch),
           "--rank", str(args.rank)] + ["--full-logits"] * args.full_logits + ["--checkpointing"] * args.checkpointing
    rss = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    fig["train_peak_rss_mib"] = rss["train_peak_rss_mib"]
    fig["load_peak_rss_mib"] = rss["load_peak_rss_mib"]
    fig["torch_threads"] = torch.get_num_threads()
    return fig


def bench_grpo(args):
    cmd = [args.grpo, "bench", "--model", args.model, "--suite", "training", "--json",
           "--prompt-tokens", str(args.prompt_tokens), "--completion-tokens", str(args.completion_tokens),
           "--micro-batch", str(args.micro_batch), "--rank", str(args.rank), "--sequences", str(SEQUENCES)]
    print("running:", " ".join(cmd), file=sys.stderr)
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    except FileNotFoundError:
        sys.exit(f"grpo binary not found at {args.grpo}: build it with `swift build -c release --product grpo`,"
                 " pass --grpo PATH, or use --torch-only")
    except subprocess.CalledProcessError as e:
        tail = "\n".join(e.stderr.strip().splitlines()[-15:])
        sys.exit(f"`grpo bench --suite training` failed (exit {e.returncode}):\n{tail}\n(--torch-only runs PyTorch alone)")
    except (json.JSONDecodeError, IndexError):
        sys.exit(f"`grpo bench --suite training` printed no JSON object on its last line:\n{out[-2000:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
    ap.add_argument("--grpo", default=os.path.join(ROOT, ".build", "release", "grpo"))
    ap.add_argument("--prompt-tokens", type=int, default=100)
    ap.add_argument("--completion-tokens", type=int, default=200)
    ap.add_argument("--micro-batch", type=int, default=4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--full-logits", action="store_true", help="materialise all logits, then slice")
    ap.add_argument("--checkpointing", action="store_true", help="gradient checkpointing (TRL's default)")
    ap.add_argument("--torch-only", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--rss-only", action="store_true", help=argparse.SUPPRESS)  # the peak-memory subprocess
    args = ap.parse_args()
    if args.rss_only:
        print(json.dumps(bench_torch(args)))
        return

    ours = None if args.torch_only else bench_grpo(args)
    print("running PyTorch on the same work", file=sys.stderr)
    theirs = bench_torch(args)

    rows = [("training tokens/s (independent)", "train_tokens_per_second", "train_tokens_per_second"),
            ("training tokens/s (grpo: shared prompt)", "train_group_tokens_per_second", "train_tokens_per_second"),
            ("peak RSS MiB, 16x456 (ratio grpo/torch)", "train_peak_rss_mib", "train_peak_rss_mib")]
    ratios = {}
    for label, a, b in rows:
        if ours is not None and ours.get(a) is not None and theirs.get(b):
            ratios[a] = ours[a] / theirs[b]
    if args.json:
        print(json.dumps({"grpo": ours, "pytorch": theirs, "ratios": ratios}, indent=1))
        return
    print(f"{'figure':42} {'grpo':>10} {'pytorch':>10} {'ratio':>8}")
    for label, a, b in rows:
        mine = f"{ours[a]:10.1f}" if ours is not None and ours.get(a) is not None else f"{'-':>10}"
        ratio = f"{ratios[a]:7.2f}x" if a in ratios else f"{'-':>8}"
        print(f"{label:42} {mine} {theirs[b]:10.1f} {ratio}")
    print(f"pytorch: step {theirs['step_seconds']:.1f} s, load peak RSS {theirs['load_peak_rss_mib']:.0f} MiB, "
          f"threads {theirs['torch_threads']}, {'full' if args.full_logits else 'completion-only'} logits, "
          f"checkpointing {'on' if args.checkpointing else 'off'}")
    if ours is not None:
        print(f"OpenBLAS kernels: {ours.get('blas_core')}")


if __name__ == "__main__":
    main()
