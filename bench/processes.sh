#!/usr/bin/env bash
# Processes benchmark: native vs. sandbox in one run, ratios printed (see bench/README.md).
#   bench/processes.sh            SANDBOX=path/to/sandbox to use another CLI build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
RUNS=${RUNS:-3}

ms() { # median wall time in ms of RUNS runs of a command
    for _ in $(seq "$RUNS"); do
        local a b; a=$(date +%s%N); "$@" >/dev/null 2>&1; b=$(date +%s%N); echo $(( (b - a) / 1000 ))
    done | median | awk '{printf "%.1f", $1/1000}'
}
row() { # label native sandbox unit higher-is-better
    awk -v l="$1" -v n="$2" -v s="$3" -v u="$4" -v h="$5" 'BEGIN {
        r = (h == "yes") ? n / s : s / n;
        printf "  %-38s %12s %s   %12s %s   sandbox/native cost %.2fx\n", l, n, u, s, u, r }'
}

cd "$out"
sb=("$root/$sandbox" run --platform ptrace --)
echo "processes benchmark (median of $RUNS runs; cost ratio > 1 means the sandbox is slower)"
echo "                                               native           sandbox"
row "fork+exec+wait of static true" "$(figure us_per_spawn ./spawn 200 ./true)" "$(figure us_per_spawn "${sb[@]}" ./spawn 100 ./true)" us no
row "fork+wait, 64 MiB heap, child writes 1 page" "$(figure us_per_fork ./fork_heap 50 64)" "$(figure us_per_fork "${sb[@]}" ./fork_heap 20 64)" us no
row "pipe throughput between 2 processes" "$(figure MiB_per_s ./pipe_tput 256)" "$(figure MiB_per_s "${sb[@]}" ./pipe_tput 64)" MiB/s yes
row "futex ping-pong between 2 threads" "$(figure us_per_round_trip ./futex_pingpong 20000)" "$(figure us_per_round_trip "${sb[@]}" ./futex_pingpong 2000)" us no
row "python3 -c pass (start-up)" "$(ms /usr/bin/python3 -c pass)" "$(ms "${sb[@]}" /usr/bin/python3 -c pass)" ms no
printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' > hello-bench.c
row "gcc -O2 hello.c" "$(ms gcc -O2 hello-bench.c -o /tmp/hello-bench-native)" "$(ms "${sb[@]}" /bin/sh -c "gcc -O2 $PWD/hello-bench.c -o /tmp/h")" ms no
