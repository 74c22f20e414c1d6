#!/usr/bin/env bash
# One learner and N rollout workers on this machine, each in its own Linux network namespace,
# talking real TCP across a bridge: the multi-machine set-up without the machines. Needs root.
#
#   Scripts/netns-cluster.sh [--insecure] N [CONFIG] [--resume] [--set key.path=value ...]
#
#   namespace      address     runs
#   grpo-PID-0     10.77.0.1   learner: work tcp://10.77.0.1:5555, weights tcp://10.77.0.1:5556
#   grpo-PID-I     10.77.0.(I+1)  rollout-worker netns-I
#
# CurveZMQ is on: a key pair per process is made with `grpo keys generate` in a temporary
# directory, the workers' public keys form the learner's allow-list, and every worker pins
# the learner's public key. --insecure runs without CURVE instead (the learner's --insecure).
# CONFIG defaults to Configs/quickstart.yaml; the processes run in the repository root. The
# endpoint and security keys are set here and override CONFIG's; other --set overrides go to
# every process, --resume to the learner. Logs: <output_dir>/logs/NAME.log. The namespaces,
# bridge and keys are removed on exit, Ctrl-C included.
#
# Environment:
#   GRPO_BIN              the directory holding `learner`, `rollout-worker` and `grpo`; by
#                         default .build/release, built with `swift build -c release` when
#                         missing or older than Sources/
#   GRPO_THREADS          compute threads per process (--threads); default cores / (N + 1), at least 1
set -euo pipefail

say() { echo "netns-cluster: $*" >&2; }
usage() { sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)

# --- arguments
insecure=false
if [ $# -gt 0 ] && [ "$1" = --insecure ]; then insecure=true; shift; fi
[ $# -ge 1 ] || usage
case $1 in -h|--help) usage ;; esac
workers=$1; shift
[[ $workers =~ ^[1-9][0-9]*$ ]] && [ "$workers" -le 250 ] || { say "N must be a number from 1 to 250, not '$workers'"; usage; }
config=$repo/Configs/quickstart.yaml
if [ $# -gt 0 ] && [[ $1 != -* ]]; then config=$1; shift; fi
resume=()
sets=()
while [ $# -gt 0 ]; do
    case $1 in
        --insecure) insecure=true ;;
        --resume) resume=(--resume) ;;
        --set) [ $# -ge 2 ] || usage; sets+=(--set "$2"); shift ;;
        --set=*) sets+=(--set "${1#--set=}") ;;
        -h|--help) usage ;;
        *) say "unknown argument '$1'"; usage ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { say "needs root (network namespaces, a bridge, veth pairs)"; exit 1; }
command -v ip > /dev/null || { say "needs iproute2's ip"; exit 1; }
[ -f "$config" ] || { say "$config: no such file"; exit 1; }
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")

# --- binaries, output directory, threads (Scripts/lib/cluster-common.sh)
programs=(learner rollout-worker)
$insecure || programs+=(grpo)
source "$repo/Scripts/lib/cluster-common.sh"
locate_binaries
out=$(output_dir)
logs=$out/logs
mkdir -p "$logs"
share_cores "$workers"

# --- clean-up of everything below, on any exit
tag=g$$                      # interface names must stay within 15 characters
bridge=${tag}br
namespaces=()
bridge_made=false
forward_rule=()
keys=""
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
cleanup() {
    trap - EXIT INT TERM
    stop_all
    wait 2>/dev/null || true
    local ns
    for ns in "${namespaces[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done   # takes its veth pair along
    $bridge_made && { ip link delete "$bridge" 2>/dev/null || true; }
    [ ${#forward_rule[@]} -gt 0 ] && { iptables -D FORWARD "${forward_rule[@]}" 2>/dev/null || true; }
    [ -n "$keys" ] && rm -rf "$keys"
    return 0
}
interrupted() {
    say "interrupted: stopping the learner and workers"
    exit 130
}
trap cleanup EXIT
trap interrupted INT TERM

# --- the network: a bridge, and per namespace a veth pair with one end on the bridge
ip link add "$bridge" type bridge
bridge_made=true
ip link set "$bridge" up
# Where bridged traffic passes through iptables (br_netfilter) and FORWARD drops by default
# (as Docker sets it), let this bridge's traffic through.
if [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0)" = 1 ] && command -v iptables > /dev/null; then
    forward_rule=(-i "$bridge" -o "$bridge" -j ACCEPT)
    iptables -I FORWARD "${forward_rule[@]}"
fi
address() { echo "10.77.0.$(( $1 + 1 ))"; }
for i in $(seq 0 "$workers"); do
    ns=grpo-$$-$i
    ip netns add "$ns"
    namespaces+=("$ns")
    ip link add "${tag}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${tag}v$i" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$(address "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
done
learner_ip=$(address 0)

# --- security
learner_args=(--set "learner.bind=tcp://$learner_ip:5555" --set "learner.publish=tcp://$learner_ip:5556")
worker_args=(--set "worker.learner=tcp://$learner_ip:5555" --set "worker.weights=tcp://$learner_ip:5556")
if $insecure; then
    learner_args+=(--insecure --set security.curve=false)
    worker_args+=(--set security.curve=false)
else
    keys=$(mktemp -d /tmp/grpo-netns-keys.XXXXXX)
    keygen() { local said; said=$("$bin/grpo" keys generate --out "$keys" --name "$1" 2>&1) || { say "$said"; exit 1; }; }
    keygen learner
    mkdir "$keys/allowed"
    for i in $(seq 1 "$workers"); do
        keygen "netns-$i"
        cp "$keys/netns-$i.pub" "$keys/allowed/"
    done
    learner_args+=(--set security.curve=true --set "security.secret_key=$keys/learner.key"
                   --set "security.allowed_keys=$keys/allowed")
    worker_args+=(--set security.curve=true --set "security.server_public_key=$keys/learner.pub")
fi

# --- processes
start() {   # start NAME NAMESPACE PROGRAM ARGS...: in the background, output appended to logs/NAME.log
    local name=$1 ns=$2; shift 2
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) [$ns] $*" >> "$logs/$name.log"
    ip netns exec "$ns" "$@" >> "$logs/$name.log" 2>&1 &
    pids+=($!)
}

say "learner at $learner_ip + $workers workers ($(address 1)..$(address "$workers")), CURVE $($insecure && echo off || echo on)," \
    "config $config, output $out"
start learner "${namespaces[0]}" "$bin/learner" --config "$config" --threads "$GRPO_THREADS" "${sets[@]}" "${learner_args[@]}" "${resume[@]}"
learner=${pids[0]}
tail -n 0 -f --pid="$learner" "$logs/learner.log" &
for i in $(seq 1 "$workers"); do
    worker_key=()
    $insecure || worker_key=(--set "security.secret_key=$keys/netns-$i.key")
    start "worker-$i" "${namespaces[$i]}" "$bin/rollout-worker" --config "$config" --threads "$GRPO_THREADS" --id "netns-$i" \
        "${sets[@]}" "${worker_args[@]}" "${worker_key[@]}"
done

await_learner   # Scripts/lib/cluster-common.sh: sets status

if [ "$status" = 0 ]; then
    say "done: adapter $out/adapter, metrics $out/metrics.jsonl, logs $logs/"
else
    say "the learner exited with status $status; see $logs/learner.log"
fi
exit "$status"
