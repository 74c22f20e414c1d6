#!/usr/bin/env python3
"""Reference per-token log-probabilities of the fetched GGUF models, from transformers.

transformers dequantizes a GGUF file to float32 when it loads it (the same dequantized
weights the Swift runtime computes with), then scores a few chat-formatted GSM8K sequences.
Writes Tests/Fixtures/real/<model>.json: {"sequences": [{"ids": [...], "logprobs": [...]}]}.

    Scripts/fetch-model.sh all && python3 Scripts/make-real-model-fixtures.py
"""
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MODELS = os.environ.get("GRPO_MODELS_DIR", os.path.join(ROOT, "models"))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "real")
SYSTEM = "\n按照如下格式回答问题：\n<think>\n你的思考过程\n</think>\n<answer>\n你的回答\n</answer>\n"

FILES = {
    "qwen2.5-coder-0.5b-instruct-q4_k_m": "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    "smollm2-135m-instruct-q4_1": "smollm2-135m-instruct-q4_1.gguf",
}


def gsm8k(n):
    with open(os.path.join(ROOT, "..", "shared", "data", "gsm8k", "test.jsonl")) as f:
        rows = [json.loads(line) for line in f][:n]
    return rows


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    for name, file in FILES.items():
        path = os.path.join(MODELS, file)
        if not os.path.exists(path):
            print(f"skip {name}: {path} not found (Scripts/fetch-model.sh all)", file=sys.stderr)
            continue
        tok = AutoTokenizer.from_pretrained(MODELS, gguf_file=file)
        model = AutoModelForCausalLM.from_pretrained(MODELS, gguf_file=file, dtype=torch.float32).eval()
        sequences = []
        for row in gsm8k(3):
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": row["question"]}]
            prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            reasoning, answer = row["answer"].split("####")
            text = prompt + f"<think>\n{reasoning.strip()}\n</think>\n<answer>\n{answer.strip()}\n</answer>\n"
            ids = tok(text, add_special_tokens=False)["input_ids"][:160]
            with torch.no_grad():
                logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), -1)
            sequences.append({"ids": ids, "logprobs": [logp[i, ids[i + 1]].item() for i in range(len(ids) - 1)]})
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump({"file": file, "sequences": sequences}, f)
        print(f"{name}: {len(sequences)} sequences")


if __name__ == "__main__":
    main()
