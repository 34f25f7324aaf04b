#!/usr/bin/env bash
# Port-forward throughput: a server in a pod Sentry (portfwd_tput serve, the pod's own stack)
# reached (1) from inside the pod over its loopback ("direct", `pod exec`), and (2) from the
# host through `sandbox pod port-forward LOCAL:PORT` (host socket -> the pod Sentry's
# `portforward` relay: socketpair -> its TCP/IP stack), next to native loopback for scale.
#   bench/portfwd.sh          SANDBOX=path/to/sandbox to use another CLI build; MIB (256); RUNS (3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
RUNS=${RUNS:-3}
MIB=${MIB:-256}
sb="$root/$sandbox"
tput="$root/$out/portfwd_tput"
work=$(mktemp -d /tmp/sbx-portfwd-XXXXXX)
sock="$work/pod.sock"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    "$sb" pod shutdown --control "$sock" >/dev/null 2>&1 || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$tput" serve 15931 & pids+=($!)
"$sb" pod serve --control "$sock" & pids+=($!)
until "$sb" pod list --control "$sock" >/dev/null 2>&1; do sleep 0.1; done
"$sb" pod run --control "$sock" --id srv --rootfs / -- "$tput" serve 5931 2>/dev/null & pids+=($!)
until "$sb" pod exec --control "$sock" --id srv -- "$tput" up 127.0.0.1 5931 1 >/dev/null 2>&1; do sleep 0.2; done
"$sb" pod port-forward --control "$sock" 15932:5931 & pids+=($!)
until "$tput" up 127.0.0.1 15932 1 >/dev/null 2>&1; do sleep 0.2; done

inpod=("$sb" pod exec --control "$sock" --id srv --)
rel() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "port-forward benchmark ($MIB MiB per run, median of $RUNS; MiB/s)"
printf "  %-6s %10s %14s %14s   %s\n" "" native "pod loopback" "port-forward" "port-forward / pod loopback"
for dir in up down; do
    n=$(figure MiB_per_s "$tput" "$dir" 127.0.0.1 15931 "$MIB")
    d=$(figure MiB_per_s "${inpod[@]}" "$tput" "$dir" 127.0.0.1 5931 "$MIB")
    f=$(figure MiB_per_s "$tput" "$dir" 127.0.0.1 15932 "$MIB")
    printf "  %-6s %10s %14s %14s   %sx\n" "$dir" "$n" "$d" "$f" "$(rel "$f" "$d")"
done
