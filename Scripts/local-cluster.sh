#!/usr/bin/env bash
# One learner and N rollout workers on this machine, over loopback.
#
#   Scripts/local-cluster.sh N [CONFIG] [--resume] [--set key.path=value ...]
#
# CONFIG defaults to Configs/quickstart.yaml. The processes run in the repository root, so
# relative paths in CONFIG are relative to it. --set overrides go to every process, --resume
# to the learner. Each process logs to <output_dir>/logs/NAME.log; the learner's log is also
# shown here. The script waits for the learner to finish, then stops any worker still
# running and exits with the learner's status. Ctrl-C stops them all (the rollout log and
# checkpoints stay: run again with --resume to continue).
#
# Environment:
#   GRPO_BIN              the directory holding `learner` and `rollout-worker`; by default
#                         .build/release, built with `swift build -c release` when missing or
#                         older than Sources/
#   GRPO_THREADS          compute threads per process (--threads); default cores / (N + 1), at least 1
set -euo pipefail

say() { echo "local-cluster: $*" >&2; }
usage() { sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)

# --- arguments
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
workers=$1; shift
[[ $workers =~ ^[1-9][0-9]*$ ]] || { say "N must be a positive number, not '$workers'"; usage; }
config=$repo/Configs/quickstart.yaml
if [ $# -gt 0 ] && [[ $1 != -* ]]; then config=$1; shift; fi
resume=()
sets=()
while [ $# -gt 0 ]; do
    case $1 in
        --resume) resume=(--resume) ;;
        --set) [ $# -ge 2 ] || usage; sets+=(--set "$2"); shift ;;
        --set=*) sets+=(--set "${1#--set=}") ;;
        -h|--help) usage ;;
        *) say "unknown argument '$1'"; usage ;;
    esac
    shift
done
[ -f "$config" ] || { say "$config: no such file"; exit 1; }
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")

# --- binaries, output directory, threads (Scripts/lib/cluster-common.sh)
programs=(learner rollout-worker)
source "$repo/Scripts/lib/cluster-common.sh"
locate_binaries
out=$(output_dir)
logs=$out/logs
mkdir -p "$logs"
share_cores "$workers"

# --- processes
pids=()
names=()
start() {   # start NAME PROGRAM ARGS...: runs in the background, output appended to logs/NAME.log
    local name=$1; shift
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >> "$logs/$name.log"
    "$@" >> "$logs/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
}
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
interrupted() {
    trap - INT TERM
    say "interrupted: stopping the learner and workers"
    stop_all
    wait
    exit 130
}
# Background processes of a script ignore SIGINT, so Ctrl-C is forwarded as SIGTERM.
trap interrupted INT TERM
trap stop_all EXIT

say "learner + $workers workers, config $config, output $out, $GRPO_THREADS threads each"
start learner "$bin/learner" --config "$config" --threads "$GRPO_THREADS" "${sets[@]}" "${resume[@]}"
learner=${pids[0]}
tail -n 0 -f --pid="$learner" "$logs/learner.log" &
for i in $(seq 1 "$workers"); do
    start "worker-$i" "$bin/rollout-worker" --config "$config" --threads "$GRPO_THREADS" --id "local-$i" "${sets[@]}"
done

await_learner   # Scripts/lib/cluster-common.sh: sets status
stop_all
wait || true
trap - EXIT

if [ "$status" = 0 ]; then
    say "done: adapter $out/adapter, metrics $out/metrics.jsonl, logs $logs/"
else
    say "the learner exited with status $status; see $logs/learner.log"
fi
exit "$status"
