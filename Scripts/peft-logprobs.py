#!/usr/bin/env python3
"""Per-token log-probabilities of rollout completions under a base model + PEFT adapter.

Loads the adapter with `peft.PeftModel.from_pretrained` (so this also proves PEFT accepts
the files) and, for every completion of a rollout JSONL file (one group per line:
{"prompt_ids": [...], "completions": [{"ids": [...]}, ...]}), writes log p(ids[t] | prompt,
ids[:t]) in float64, with the adapter and with it disabled.

    python3 Scripts/peft-logprobs.py --model DIR --adapter DIR --batch FILE --out FILE.json
"""
import argparse
import json
import os
import shutil
import tempfile

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM


def usable(directory, tmp):
    """A copy with `.fixture` suffixes dropped (committed weights carry them)."""
    out = os.path.join(tmp, os.path.basename(os.path.normpath(directory)))
    shutil.copytree(directory, out)
    for f in os.listdir(out):
        if f.endswith(".fixture"):
            os.replace(os.path.join(out, f), os.path.join(out, f[: -len(".fixture")]))
    return out


def logps(model, prompt, completion):
    logits = model(input_ids=torch.tensor([prompt + completion])).logits[0, len(prompt) - 1:-1]
    return torch.log_softmax(logits, -1).gather(-1, torch.tensor(completion)[:, None])[:, 0].tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--batch", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    with tempfile.TemporaryDirectory() as tmp:
        base = AutoModelForCausalLM.from_pretrained(usable(args.model, tmp), dtype=torch.float32,
                                                    attn_implementation="eager").to(torch.float64).eval()
        model = PeftModel.from_pretrained(base, usable(args.adapter, tmp)).to(torch.float64).eval()
        groups = [json.loads(line) for line in open(args.batch) if line.strip()]
        adapted, plain = [], []
        with torch.no_grad():
            for g in groups:
                for c in g["completions"]:
                    adapted.append(logps(model, g["prompt_ids"], c["ids"]))
                    with model.disable_adapter():
                        plain.append(logps(model, g["prompt_ids"], c["ids"]))
    with open(args.out, "w") as f:
        json.dump({"adapter": adapted, "base": plain}, f)


if __name__ == "__main__":
    main()
