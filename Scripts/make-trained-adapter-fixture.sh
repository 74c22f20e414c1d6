#!/usr/bin/env bash
# Trains a LoRA adapter here (grpo train on recorded groups, tiny Llama) and records what
# PEFT computes with it, so the tests can check that PEFT loads our adapters and agrees.
#
#   Tests/Fixtures/training/trained/adapter/   the adapter (weights renamed *.fixture)
#   Tests/Fixtures/training/trained/peft-logprobs.json
#
#   Scripts/make-trained-adapter-fixture.sh     (needs torch, transformers, peft)
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/Fixtures/training/trained
batch=Tests/Fixtures/training/tiny-llama/batch.jsonl
swift build --product grpo
rm -rf /tmp/grpo-trained-fixture
.build/debug/grpo train --config "$out/config.yaml" --rollouts "$batch"
rm -rf "$out/adapter"
mkdir -p "$out/adapter"
cp /tmp/grpo-trained-fixture/adapter/adapter_config.json "$out/adapter/"
cp /tmp/grpo-trained-fixture/adapter/adapter_model.safetensors "$out/adapter/adapter_model.safetensors.fixture"
python3 Scripts/peft-logprobs.py --model Tests/Fixtures/models/tiny-llama --adapter "$out/adapter" \
    --batch "$batch" --out "$out/peft-logprobs.json"
echo "wrote $out"
