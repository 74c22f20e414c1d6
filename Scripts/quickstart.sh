#!/usr/bin/env bash
# The quickstart: installs what is missing, builds, fetches the small model, then runs a
# learner and 2 rollout workers on this machine with the embedded default configuration
# (Configs/quickstart.yaml: the built-in arithmetic set, groups of 8), showing the learner's
# progress line per step, and finally plots the reward curves.
#
#   Scripts/quickstart.sh [WORKERS] [--set key.path=value ...]
#
# Output: runs/quickstart/ (metrics.jsonl, tensorboard/, rollouts/, checkpoints/, adapter/,
# rewards.png). Watch it live with `tensorboard --logdir runs/quickstart/tensorboard`.
set -euo pipefail
cd "$(dirname "$0")/.."
workers=2
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then workers=$1; shift; fi

say() { echo "quickstart: $*" >&2; }

# Native libraries (Debian/Ubuntu) when pkg-config cannot find them.
if ! pkg-config --exists openblas libzmq 2>/dev/null; then
    say "installing libopenblas-dev libzmq3-dev pkg-config"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends libopenblas-dev libzmq3-dev pkg-config
fi
command -v swift >/dev/null || { say "needs a Swift toolchain (https://swift.org/install)"; exit 1; }

say "building (release)"
swift build -c release --product grpo >&2
Scripts/fetch-model.sh >&2

if [ -e runs/quickstart/rollouts ]; then
    say "runs/quickstart already holds a run; continuing it (delete runs/quickstart to start over)"
    set -- --resume "$@"
fi
Scripts/local-cluster.sh "$workers" Configs/quickstart.yaml "$@"

if python3 -c "import matplotlib" 2>/dev/null || python3 -m pip install -q matplotlib 2>/dev/null; then
    Scripts/plot-metrics runs/quickstart
else
    say "matplotlib unavailable; skipping the plot (pip install matplotlib; Scripts/plot-metrics runs/quickstart)"
fi
