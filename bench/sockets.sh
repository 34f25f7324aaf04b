#!/usr/bin/env bash
# Sockets benchmark: AF_UNIX natively and in the sandbox in one run, ratios printed (see bench/README.md).
#   bench/sockets.sh            SANDBOX=path/to/sandbox to use another CLI build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
RUNS=${RUNS:-3}

cd "$out"
sb=("$root/$sandbox" run --platform ptrace --)
echo "sockets benchmark (median of $RUNS runs; cost ratio > 1 means the sandbox is slower)"
echo "                                                     native             sandbox"
row "AF_UNIX stream throughput, 64 KiB writes" "$(figure MiB_per_s ./unix_tput 256)" "$(figure MiB_per_s "${sb[@]}" ./unix_tput 64)" MiB/s yes
row "socketpair stream ping-pong, 1 byte" "$(figure us_per_round_trip ./unix_pingpong 20000)" "$(figure us_per_round_trip "${sb[@]}" ./unix_pingpong 2000)" us no
row "socketpair dgram ping-pong, 1 byte" "$(figure us_per_round_trip ./unix_pingpong 20000 dgram)" "$(figure us_per_round_trip "${sb[@]}" ./unix_pingpong 2000 dgram)" us no
row "pipe throughput (for comparison)" "$(figure MiB_per_s ./pipe_tput 256)" "$(figure MiB_per_s "${sb[@]}" ./pipe_tput 64)" MiB/s yes
