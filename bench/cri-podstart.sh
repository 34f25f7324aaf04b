#!/bin/bash
# Pod start latency through a CRI endpoint: RunPodSandbox + CreateContainer + StartContainer of
# `echo ready`, timed until the line is in the container's CRI log, with crictl (its three
# process starts are included). Prints one figure per run (ms), then the median.
#   bench/cri-podstart.sh SOCKET IMAGE [HANDLER] [RUNS]
# e.g. bench/cri-podstart.sh /run/sandbox/cri.sock 127.0.0.1:5000/busybox:latest microvm 10
# CRICTL names crictl (default: crictl on PATH). The image must be pulled already.
# HOSTNET=1 makes the pods host-network ones (a runtime with no CNI network configured, such as
# containerd without one, runs only those).
set -eu
SOCK=$1; IMAGE=$2; HANDLER=${3:-}; RUNS=${4:-10}
CRICTL=${CRICTL:-crictl}
cri() { "$CRICTL" --timeout 120s --runtime-endpoint "unix://$SOCK" --image-endpoint "unix://$SOCK" "$@"; }
podlinux='{}'
[ "${HOSTNET:-0}" = 1 ] && podlinux='{"security_context":{"namespace_options":{"network":2}}}'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
times=()
for i in $(seq 1 "$RUNS"); do
  printf '{"metadata":{"name":"bench-%s","namespace":"bench","uid":"%s-%s"},"log_directory":"%s/logs-%s","linux":%s}\n' \
    "$i" "$i" "$RANDOM" "$work" "$i" "$podlinux" > "$work/pod.json"
  printf '{"metadata":{"name":"c"},"image":{"image":"%s"},"command":["echo","ready"],"log_path":"c.log","linux":{}}\n' \
    "$IMAGE" > "$work/ctr.json"
  start=$(date +%s%N)
  pod=$(cri runp ${HANDLER:+--runtime "$HANDLER"} "$work/pod.json")
  ctr=$(cri create "$pod" "$work/ctr.json" "$work/pod.json")
  cri start "$ctr" > /dev/null
  until grep -qs ready "$work/logs-$i/c.log"; do sleep 0.002; done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "$ms"
  cri rmp -f "$pod" > /dev/null 2>&1 || true
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %d ms (min %d, max %d, %d runs)\n", a[int((NR + 1) / 2)], a[1], a[NR], NR }'
