#!/usr/bin/env bash
# Network device benchmark: `sandbox run --netns` (the Sentry's C# stack on a veth end in a
# network namespace) against a native process in a network namespace over the same kind of veth
# (offloads on both), in one run, iperf3 on the host side and inside: TCP throughput host ->
# namespace and namespace -> host, and loopback TCP inside; ratios printed. Needs root,
# iproute2 and iperf3.   bench/netdev.sh   SECONDS_PER_RUN=5 RUNS=3 SANDBOX=path/to/sandbox
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
RUNS=${RUNS:-3}
T=${SECONDS_PER_RUN:-5}
command -v iperf3 >/dev/null || { echo "netdev.sh: iperf3 is not installed" >&2; exit 1; }
sb="$root/$sandbox"
tag=$$
nsn=bnn$tag nss=bns$tag

cleanup() {
    [[ -n "${spid:-}" ]] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    ip netns del "$nsn" 2>/dev/null || true
    ip netns del "$nss" 2>/dev/null || true
    ip link del "bhn$tag" 2>/dev/null || true
    ip link del "bhs$tag" 2>/dev/null || true
}
trap cleanup EXIT

# mkns NS HOSTIF NSIF SUBNET: a namespace with one veth end (SUBNET.2, default via SUBNET.1).
mkns() {
    ip netns add "$1"
    ip link add "$2" type veth peer name "$3"
    ip link set "$3" netns "$1"
    ip addr add "$4.1/24" dev "$2"
    ip link set "$2" up
    ip netns exec "$1" ip link set lo up
    readdr "$1" "$3" "$4"
}
# The sandbox takes the addresses over (removes them from the kernel): put them back for the next one.
readdr() {
    ip netns exec "$1" ip addr replace "$3.2/24" dev "$2"
    ip netns exec "$1" ip link set "$2" up
    ip netns exec "$1" ip route replace default via "$3.1"
}
mkns "$nsn" "bhn$tag" "bnn${tag}p" 10.216.1
mkns "$nss" "bhs$tag" "bns${tag}p" 10.216.2

# mbps: received Mbit/s of an iperf3 -J run on stdin; nothing when the run failed.
mbps() { python3 -c 'import json,sys
j = json.load(sys.stdin)
if "sum_received" in j.get("end", {}): print("%.0f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6))'; }

# client ADDR [-R]: one iperf3 run against a server at ADDR, retried while the server starts
# (a refused connection does not disturb it; probing the port would).
client() {
    local r
    for _ in $(seq 300); do
        r=$(iperf3 -c "$1" -t "$T" -J ${2:-} 2>/dev/null | mbps || true)
        [[ -n "$r" ]] && { echo "$r"; return; }
        sleep 0.3
    done
}

native_server() { ip netns exec "$nsn" iperf3 -s -1 >/dev/null 2>&1 & spid=$!; }
sandbox_server() {
    readdr "$nss" "bns${tag}p" 10.216.2
    "$sb" run --netns "$nss" -- iperf3 -s -1 >/dev/null 2>&1 & spid=$!
}
runs() { # server-starter direction-flag address
    for _ in $(seq "$RUNS"); do $1; client "$3" "$2"; wait "$spid" 2>/dev/null || true; spid=; done | median
}
loopback() { # runner...: iperf3 server and client on 127.0.0.1 in one process tree
    for _ in $(seq "$RUNS"); do "$@" sh -c "iperf3 -s -1 -D; sleep 1; iperf3 -c 127.0.0.1 -t $T -J" | mbps; done | median
}

# HTTP request rate: python3's http.server (HTTP/1.0: a connection per request) in the namespace,
# a host client making REQS sequential GETs of a small file; requests per second.
REQS=${REQS:-500}
rate() { # address
    python3 - "$1" "$REQS" <<'PY'
import http.client, sys, time
host, n = sys.argv[1], int(sys.argv[2])
for _ in range(600):  # until the server is up
    try:
        c = http.client.HTTPConnection(host, 8000, timeout=5); c.request("GET", "/"); c.getresponse().read(); break
    except OSError: time.sleep(0.3)
t = time.time()
for _ in range(n):
    c = http.client.HTTPConnection(host, 8000, timeout=30); c.request("GET", "/"); r = c.getresponse(); r.read(); c.close()
print("%.0f" % (n / (time.time() - t)))
PY
}
www=$(mktemp -d); echo hello > "$www/index.html"
http_runs() { # native|sandbox
    for _ in $(seq "$RUNS"); do
        if [[ $1 == native ]]; then ip netns exec "$nsn" python3 -m http.server 8000 --directory "$www" >/dev/null 2>&1 & spid=$!; rate 10.216.1.2
        else readdr "$nss" "bns${tag}p" 10.216.2; "$sb" run --netns "$nss" -- /usr/bin/python3 -m http.server 8000 --directory "$www" >/dev/null 2>&1 & spid=$!; rate 10.216.2.2; fi
        kill "$spid"; wait "$spid" 2>/dev/null || true; spid=
    done | median
}

echo "netdev benchmark: iperf3, $T s per run, median of $RUNS runs (ratio = sandbox/native, > 1 means the sandbox is faster)"
echo "                                                     native             sandbox"
ratio() { awk -v l="$1" -v n="$2" -v s="$3" 'BEGIN { printf "  %-44s %10s Mbit/s %10s Mbit/s   ratio %.2fx\n", l, n, s, s / n }'; }
ratio "TCP host -> namespace (veth)" "$(runs native_server "" 10.216.1.2)" "$(runs sandbox_server "" 10.216.2.2)"
ratio "TCP namespace -> host (veth, iperf3 -R)" "$(runs native_server -R 10.216.1.2)" "$(runs sandbox_server -R 10.216.2.2)"
ratio "TCP loopback inside" "$(loopback ip netns exec "$nsn")" "$(loopback "$sb" run --)"
awk -v n="$(http_runs native)" -v s="$(http_runs sandbox)" 'BEGIN { printf "  %-44s %10s req/s  %10s req/s    ratio %.2fx\n", "HTTP requests (python3 http.server, host client)", n, s, s / n }'
rm -rf "$www"
