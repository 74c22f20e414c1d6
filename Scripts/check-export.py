#!/usr/bin/env python3
"""Checks a `grpo export` directory with the reference stack.

  --base DIR --adapter DIR --batch FILE   transformers' log-probs on the exported (merged)
                                          model equal PEFT's on base + adapter
  --gguf FILE                             the exported tokenizer.json encodes as transformers'
                                          own conversion of the GGUF tokenizer

    grpo export --model M --adapter A --out /tmp/export
    python3 Scripts/check-export.py /tmp/export --base M --adapter A --batch rollouts.jsonl
"""
import argparse
import importlib.util
import json
import os
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

TEXTS = ["Hello, world! 12345 apples", "小明有12个苹果。<think>\n推理\n</think>", "<|im_start|>user\nhi<|im_end|>\n",
         "  spaces\t\ttabs\n\nnewlines  ", "naïve café 😀 ' s'll"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("--base")
    ap.add_argument("--adapter")
    ap.add_argument("--batch")
    ap.add_argument("--gguf")
    args = ap.parse_args()
    if args.base:
        spec = importlib.util.spec_from_file_location("peft_logprobs", os.path.join(os.path.dirname(__file__), "peft-logprobs.py"))
        helper = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(helper)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "peft.json")
            sys.argv = ["peft-logprobs", "--model", args.base, "--adapter", args.adapter, "--batch", args.batch, "--out", out]
            helper.main()
            reference = json.load(open(out))["adapter"]
        torch.set_default_dtype(torch.float64)
        model = AutoModelForCausalLM.from_pretrained(args.export, dtype=torch.float32).to(torch.float64).eval()
        groups = [json.loads(line) for line in open(args.batch) if line.strip()]
        worst, k = 0.0, 0
        with torch.no_grad():
            for g in groups:
                for c in g["completions"]:
                    got = helper.logps(model, g["prompt_ids"], c["ids"])
                    worst = max(worst, max(abs(a - b) for a, b in zip(got, reference[k])))
                    k += 1
        print(f"merged model vs PEFT adapter: max |dlogp| {worst:.3g} over {k} completions")
    if args.gguf:
        d, f = os.path.split(os.path.abspath(args.gguf))
        ours = AutoTokenizer.from_pretrained(args.export)
        theirs = AutoTokenizer.from_pretrained(d, gguf_file=f)
        same = sum(ours(t, add_special_tokens=False)["input_ids"] == theirs(t, add_special_tokens=False)["input_ids"] for t in TEXTS)
        print(f"exported tokenizer vs transformers' GGUF tokenizer: {same}/{len(TEXTS)} texts encode identically")
        msgs = [{"role": "user", "content": "hi"}]
        print("chat template identical:", ours.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
              == theirs.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True))


if __name__ == "__main__":
    main()
