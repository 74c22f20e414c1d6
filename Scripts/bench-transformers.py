#!/usr/bin/env python3
"""Runs `grpo bench` and the same work on transformers (PyTorch, CPU, float32) in one run,
and prints both figures and their ratios.

The work, as in the inference benchmark: GSM8K test questions in the seed's chat format
(system prompt + question, ~100 tokens), sampled at temperature 0.9 with no top-k/top-p:
  prefill   forward over the prompts
  decode    one group of 16 completions; 4 groups of 16 decoded together (a 64-sequence batch),
            each twice: `useful` stops at <|im_end|>/<|endoftext|> as a rollout does and counts
            tokens up to and including the stop (transformers keeps decoding a finished row as
            padding until the whole batch is done); `full` decodes exactly --max-tokens each
  score     teacher-forced log-probabilities of the 16 full-length prompt+completion sequences
transformers loads the same GGUF file (dequantized to float32 at load).

    swift build -c release --product grpo
    python3 Scripts/bench-transformers.py [--model models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SYSTEM = "\n按照如下格式回答问题：\n<think>\n你的思考过程\n</think>\n<answer>\n你的回答\n</answer>\n"


def prompts(tok, n, data):
    with open(data) as f:
        questions = [json.loads(line)["question"] for line in f][:n]
    out = []
    for q in questions:
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}]
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        out.append(tok(text, add_special_tokens=False)["input_ids"])
    return out


def bench_transformers(model_path, group, groups, max_tokens, data):
    torch.set_num_threads(2)
    d, f = os.path.split(os.path.abspath(model_path))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    t = time.time()
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32).eval()
    fig = {"load_seconds": time.time() - t}
    ps = prompts(tok, groups, data)
    fig["prompt_tokens"] = len(ps[0])
    stop_ids = sorted({tok.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")} |
                      ({tok.eos_token_id} if tok.eos_token_id is not None else set()))
    sample = dict(do_sample=True, temperature=0.9, top_k=0, top_p=1.0, max_new_tokens=max_tokens,
                  pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else stop_ids[0])

    def useful(completions):
        """Tokens up to and including each sequence's first end-of-sequence id."""
        total = 0
        for row in completions.tolist():
            stop = next((i for i, t in enumerate(row) if t in stop_ids), None)
            total += len(row) if stop is None else stop + 1
        return total

    with torch.no_grad():
        t = time.time()
        for _ in range(3):
            for p in ps:
                model(torch.tensor([p]))
        fig["prefill_tokens_per_s"] = 3 * sum(map(len, ps)) / (time.time() - t)

        width = max(map(len, ps))
        batches = {1: (torch.tensor([ps[0]]), None)}
        if groups > 1:
            ids = torch.tensor([[sample["pad_token_id"]] * (width - len(p)) + p for p in ps])
            mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in ps])
            batches[groups] = (ids, mask)
        full_one = None
        torch.manual_seed(0)
        for count, (ids, mask) in batches.items():
            label = f"{count}x{group}"
            for kind, extra in (("useful", dict(eos_token_id=stop_ids)),
                                ("full", dict(eos_token_id=stop_ids, min_new_tokens=max_tokens))):
                t = time.time()
                out = model.generate(ids, attention_mask=mask, num_return_sequences=group, **sample, **extra)
                dt = time.time() - t
                completions = out[:, ids.shape[1]:]
                tokens = useful(completions) if kind == "useful" else completions.numel()
                fig[f"decode_{label}_{kind}_tokens_per_s"] = tokens / dt
                if kind == "useful":
                    fig[f"decode_{label}_mean_length"] = tokens / completions.shape[0]
                elif count == 1:
                    full_one = out

        # Scoring: the 16 prompt+completion sequences, one batch, log-softmax and gather.
        seqs = full_one
        t = time.time()
        logits = model(seqs).logits
        logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, seqs[:, 1:, None])
        fig["score_tokens_per_s"] = seqs.numel() / (time.time() - t)
        del logits, logp
    fig["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return fig


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))
    ap.add_argument("--grpo", default=os.path.join(ROOT, ".build", "release", "grpo"))
    ap.add_argument("--group-size", type=int, default=16)
    ap.add_argument("--groups", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=200)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "gsm8k", "test.jsonl"))
    ap.add_argument("--skip-transformers", action="store_true")
    args = ap.parse_args()

    cmd = [args.grpo, "bench", "--model", args.model, "--group-size", str(args.group_size),
           "--groups", str(args.groups), "--max-tokens", str(args.max_tokens), "--data", args.data, "--json"]
    print("running:", " ".join(cmd), file=sys.stderr)
    ours = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    if args.skip_transformers:
        print(json.dumps(ours, indent=1))
        return
    print("running transformers on the same work", file=sys.stderr)
    theirs = bench_transformers(args.model, args.group_size, args.groups, args.max_tokens, args.data)

    g, n = args.group_size, args.groups
    rows = ["prompt_tokens", "prefill_tokens_per_s"]
    for label in (f"1x{g}", f"{n}x{g}"):
        rows += [f"decode_{label}_useful_tokens_per_s", f"decode_{label}_mean_length", f"decode_{label}_full_tokens_per_s"]
    rows += ["score_tokens_per_s", "peak_rss_mib", "load_seconds"]
    print(f"{'figure':34} {'grpo':>12} {'transformers':>14} {'ratio':>8}")
    for r in rows:
        if r not in ours or r not in theirs:
            continue
        a, b = ours[r], theirs[r]
        ratio = a / b if b else float("nan")
        print(f"{r:34} {a:12.1f} {b:14.1f} {ratio:7.2f}x")
    print(f"OpenBLAS kernels: {ours.get('blas_core')}; torch threads: {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
