#!/usr/bin/env bash
# AF_INET benchmark: loopback TCP/UDP natively (the host kernel) and in the sandbox (the Sentry's
# C# netstack, and --network host: the host's sockets) in one run, ratios printed (see bench/README.md).
#   bench/inet.sh            SANDBOX=path/to/sandbox to use another CLI build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
RUNS=${RUNS:-3}

cd "$out"
sb=("$root/$sandbox" run --platform ptrace --)
echo "inet benchmark (median of $RUNS runs; cost ratio > 1 means the sandbox is slower)"
echo "                                                     native             sandbox"
row "TCP 127.0.0.1 throughput, 64 KiB writes" "$(figure MiB_per_s ./inet_tput 1024)" "$(figure MiB_per_s "${sb[@]}" ./inet_tput 256)" MiB/s yes
row "TCP ::1 throughput, 64 KiB writes" "$(figure MiB_per_s ./inet_tput 1024 6)" "$(figure MiB_per_s "${sb[@]}" ./inet_tput 256 6)" MiB/s yes
row "TCP ping-pong, 1 byte, TCP_NODELAY" "$(figure us_per_round_trip ./inet_pingpong 20000)" "$(figure us_per_round_trip "${sb[@]}" ./inet_pingpong 2000)" us no
row "UDP ping-pong, 1 byte" "$(figure us_per_round_trip ./inet_pingpong 20000 udp)" "$(figure us_per_round_trip "${sb[@]}" ./inet_pingpong 2000 udp)" us no
hb=("$root/$sandbox" run --platform ptrace --network host --)
row "--network host: TCP 127.0.0.1 throughput" "$(figure MiB_per_s ./inet_tput 1024)" "$(figure MiB_per_s "${hb[@]}" ./inet_tput 512)" MiB/s yes
row "--network host: TCP ping-pong, 1 byte" "$(figure us_per_round_trip ./inet_pingpong 20000)" "$(figure us_per_round_trip "${hb[@]}" ./inet_pingpong 2000)" us no
row "AF_UNIX stream throughput (for comparison)" "$(figure MiB_per_s ./unix_tput 256)" "$(figure MiB_per_s "${sb[@]}" ./unix_tput 64)" MiB/s yes
