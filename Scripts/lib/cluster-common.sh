# Shared by Scripts/local-cluster.sh and Scripts/netns-cluster.sh (sourced, not run).
# Expects: repo, config, sets (array of --set pairs) and programs (array of executable names).

# Sets `bin`: $GRPO_BIN (relative to the caller's directory) if given, else .build/release,
# rebuilt (release) for any program missing or older than the sources.
locate_binaries() {
    if [ -n "${GRPO_BIN:-}" ]; then
        bin=$(cd "$GRPO_BIN" && pwd)
        for program in "${programs[@]}"; do
            [ -x "$bin/$program" ] || { say "$bin/$program: not found"; exit 1; }
        done
    fi
    cd "$repo"
    if [ -z "${GRPO_BIN:-}" ]; then
        bin=$repo/.build/release
        for program in "${programs[@]}"; do
            if [ ! -x "$bin/$program" ] || [ -n "$(find Sources Package.swift -newer "$bin/$program" -print -quit)" ]; then
                say "building $program (release)"
                swift build -c release --product "$program"
            fi
        done
    fi
}

# The run's output directory: a --set override, else CONFIG's training.output_dir, else the default.
output_dir() {
    local value="" s
    for s in "${sets[@]}"; do
        case $s in training.output_dir=*) value=${s#training.output_dir=} ;; esac
    done
    if [ -z "$value" ]; then
        # output_dir is a key of the training section only, in block or flow style.
        value=$(sed -n -E "s/^[^#]*[[:space:]{,]output_dir:[[:space:]]*(\"([^\"]*)\"|'([^']*)'|([^,}#[:space:]]+)).*/\2\3\4/p" \
                    "$config" | head -n 1)
    fi
    echo "${value:-runs/grpo}"
}

# Compute threads per process (--threads): the cores shared among the learner and the workers.
share_cores() {
    local workers=$1 cores threads
    cores=$(nproc)
    threads=$(( cores / (workers + 1) ))
    GRPO_THREADS=${GRPO_THREADS:-$(( threads > 0 ? threads : 1 ))}
}

# Sets `alive` and `succeeded` over the worker pids (${pids[@]:1}), reaping exited ones once.
declare -A exited=()          # worker pid -> exit status
count_workers() {             # sets alive and succeeded
    local pid code
    alive=0 succeeded=0
    for pid in "${pids[@]:1}"; do
        if kill -0 "$pid" 2>/dev/null; then alive=$((alive + 1)); continue; fi
        if [ -z "${exited[$pid]:-}" ]; then code=0; wait "$pid" || code=$?; exited[$pid]=$code; fi
        [ "${exited[$pid]}" = 0 ] && succeeded=$((succeeded + 1))
    done
    return 0
}

# Waits for the learner (pid $learner) and sets `status` to its exit status. Workers exit 0
# once it says the run is over (it then writes the adapter); if every worker has failed while
# the learner still needs them, stops the learner and exits 1. Then gives the workers 10 s to
# leave by themselves.
await_learner() {
    while kill -0 "$learner" 2>/dev/null; do
        count_workers
        if [ "$alive" = 0 ] && [ "$succeeded" = 0 ] && kill -0 "$learner" 2>/dev/null; then
            say "every worker failed before the learner finished; see $logs/worker-*.log"
            tail -n 5 "$logs"/worker-*.log >&2 || true
            kill -TERM "$learner" 2>/dev/null || true
            wait "$learner" || true
            exit 1
        fi
        sleep 1
    done
    status=0
    wait "$learner" || status=$?
    for _ in $(seq 1 20); do
        count_workers
        [ "$alive" = 0 ] && break
        sleep 0.5
    done
}
